import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { Engine, type Submission } from '../engine/engine.ts';
import { FileJournal } from '../journal/fileJournal.ts';
import type { Command } from './commands.ts';
import { defaultCoreConfig } from './config.ts';
import { ExchangeCore } from './exchange.ts';
import { stateHash } from './stateHash.ts';
import { arbCommand, genesis } from './testing/generators.ts';

const RUNS = Number(process.env.RAMPART_PROPERTY_RUNS ?? 60);

test('conservation, no negative balance, exact reservations over random command streams', () => {
  fc.assert(
    fc.property(fc.array(arbCommand, { minLength: 1, maxLength: 300 }), (cmds) => {
      const core = new ExchangeCore(defaultCoreConfig);
      let ts = 1;
      for (const c of [...genesis(), ...cmds]) {
        core.apply({ ...c, ts: ts++ } as Command);
        core.checkInvariants(); // throws on any broken invariant
      }
      for (const u of core.ledger.userIds()) for (const row of Object.values(core.userBalances(u))) for (const v of Object.values(row)) assert.ok(v >= 0n);
    }),
    { numRuns: RUNS * 2 },
  );
});

test('crash-restart at random points (torn tails, snapshots) rebuilds the identical state hash', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(arbCommand, { minLength: 1, maxLength: 200 }),
      fc.array(fc.record({ at: fc.nat(), snapshot: fc.boolean(), tornBytes: fc.integer({ min: 0, max: 60 }) }), { maxLength: 4 }),
      async (cmds, crashes) => {
        const dir = mkdtempSync(join(tmpdir(), 'rampart-prop-'));
        try {
          let now = 1_000;
          const open = () => Engine.open({ config: defaultCoreConfig, backend: new FileJournal(dir), clock: () => now });
          const reference = new ExchangeCore(defaultCoreConfig);
          let engine = await open();
          const all = [...genesis(), ...cmds];
          const crashAt = new Map(crashes.map((c) => [c.at % all.length, c]));
          for (const [i, c] of all.entries()) {
            now += 1;
            const r = await engine.submit(c as Submission);
            const ref = reference.apply({ ...c, ts: now } as Command);
            assert.equal(r.ok, ref.ok);
            const crash = crashAt.get(i);
            if (crash !== undefined) {
              if (crash.snapshot) await engine.snapshot();
              // Crash: drop the engine without closing; leave a torn partial record behind.
              if (crash.tornBytes > 0) appendFileSync(join(dir, 'journal.rjr'), Buffer.alloc(crash.tornBytes, 0x52));
              engine = await open();
              assert.equal(stateHash(engine.core), stateHash(reference), 'state after restart differs');
            }
          }
          assert.equal(stateHash(engine.core), stateHash(reference));
          await engine.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    ),
    { numRuns: RUNS },
  );
});
