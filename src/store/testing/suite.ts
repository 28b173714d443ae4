import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { JournalFrame } from '../../journal/backend.ts';
import { Journal, readChain } from '../../journal/journal.ts';
import { GENESIS_HASH } from '../../journal/record.ts';
import { backupStore, restoreBackup } from '../backup.ts';
import { StoreError } from '../errors.ts';
import { migrate, SCHEMA_VERSION } from '../migrations.ts';
import type { Store, StoreOptions } from '../open.ts';
import { CANDLE_PERIODS, READ_MODEL_TABLES } from '../projector.ts';
import { buildWorkload, irregularBatches, type Workload } from './workload.ts';

/** Opens stores at one location (same data dir or schema) and makes fresh ones for restores. */
export interface StoreHarness {
  readonly name: string;
  /** Reopens the same location. */
  open(extra?: Partial<StoreOptions>): Promise<Store>;
  /** A new, empty location (cleaned up with the harness). */
  fresh(): Promise<StoreOptions>;
  /** A path for a backup file. */
  backupPath(): string;
  cleanup(): Promise<void>;
}

export function frames(from: number, count: number, bytes = 150): JournalFrame[] {
  return Array.from({ length: count }, (_, i) => ({ seq: from + i, frame: randomBytes(bytes) }));
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StoreError, `expected StoreError, got ${String(e)}`);
    assert.equal(e.code, code);
    return true;
  });
}

/** Every row of every read model, in key order, as plain strings: for exact comparisons. */
export async function dumpReadModels(store: Store): Promise<Record<string, string[]>> {
  const keys: Record<string, string> = {
    orders: 'id',
    fills: 'trade_id',
    ledger_entries: 'seq, entry_idx',
    balances: 'account_key',
    deposits: 'seq',
    withdrawals: 'withdrawal_id',
    withdrawal_events: 'withdrawal_id, seq, state',
    candles: 'market, period, bucket_ts',
  };
  const out: Record<string, string[]> = {};
  for (const t of READ_MODEL_TABLES) {
    const rows = await store.db.all<Record<string, unknown>>(`SELECT * FROM ${t} ORDER BY ${keys[t]}`);
    out[t] = rows.map((r) => JSON.stringify(Object.entries(r).map(([k, v]) => [k, String(v)])));
  }
  return out;
}

/**
 * The behaviour both backends must share. Called once with a SQLite harness and once
 * with a PostgreSQL one; `make` returns null (with a printed reason) to skip.
 */
export function storeSuite(label: string, make: () => Promise<StoreHarness | null>): void {
  describe(`store suite: ${label}`, () => {
    let h: StoreHarness | null = null;
    let work: Workload;
    before(async () => {
      h = await make();
      work = buildWorkload(500);
    });
    after(async () => {
      await h?.cleanup();
    });
    const skip = () => h === null;

    test('journal: append, read back byte-identical, reopen, refuse gaps', async (t) => {
      if (skip()) return t.skip('backend unavailable');
      const store = await h!.open();
      try {
        assert.deepEqual(await store.journal.open(), { lastSeq: 0 });
        const batch = frames(1, 1000);
        await store.journal.append(batch);
        await store.journal.append(frames(1001, 5));
        const back = await store.journal.read(1, 2000);
        assert.equal(back.length, 1005);
        for (let i = 0; i < 1000; i++) {
          assert.equal(back[i]!.seq, i + 1);
          assert.ok(Buffer.from(back[i]!.frame).equals(Buffer.from(batch[i]!.frame)));
        }
        assert.deepEqual((await store.journal.read(1003, 10)).map((f) => f.seq), [1003, 1004, 1005]);
        await rejects(store.journal.append(frames(1007, 2)), 'STORE_SEQ_GAP'); // skips 1006
        await rejects(store.journal.append([...frames(1006, 1), ...frames(1008, 1)]), 'STORE_SEQ_GAP'); // hole inside
        await rejects(store.journal.append(frames(1, 1)), 'STORE_SEQ_GAP'); // rewrite
        assert.equal((await store.journal.read(1006, 10)).length, 0, 'a refused batch writes nothing');
      } finally {
        await store.close();
      }
      const again = await h!.open();
      try {
        assert.deepEqual(await again.journal.open(), { lastSeq: 1005 });
        await again.journal.append(frames(1006, 3));
        assert.deepEqual(await again.journal.open(), { lastSeq: 1008 });
      } finally {
        await again.close();
      }
    });

    test('the real Journal over this backend: group commit, reopen at the chain head, tampering detected', async (t) => {
      if (skip()) return t.skip('backend unavailable');
      const { openStore } = await import('../open.ts');
      const target = await h!.fresh();
      const store = await openStore(target);
      try {
        const journal = new Journal(store.journal);
        await journal.open();
        // Not awaited one by one: appends made while a group commits form the next group.
        await Promise.all(Array.from({ length: 3000 }, (_, i) => journal.append(Buffer.from(`command-${i}-${'x'.repeat(i % 90)}`))));
        assert.ok(journal.groups < 3000, `group commit: ${journal.groups} groups`);
        const head = journal.lastHash;
        await journal.close();
        const again = new Journal(store.journal);
        await again.open();
        assert.equal(again.lastSeq, 3000);
        assert.ok(Buffer.from(again.lastHash).equals(Buffer.from(head)));
        const seen: string[] = [];
        const r = await readChain(store.journal, 1, GENESIS_HASH, (_, payload) => seen.push(Buffer.from(payload).toString()), { chunk: 700 });
        assert.equal(r.records, 3000);
        assert.equal(seen[2999], `command-2999-${'x'.repeat(2999 % 90)}`);
        // Someone with database access edits a record: the chain check finds it.
        const [row] = await store.db.all<{ frame: Uint8Array }>('SELECT frame FROM journal WHERE seq = ?', [1234]);
        const forged = Buffer.from(row!.frame);
        forged[forged.length - 1] = forged[forged.length - 1]! ^ 1;
        await store.db.run('UPDATE journal SET frame = ? WHERE seq = ?', [forged, 1234]);
        await assert.rejects(readChain(store.journal, 1, GENESIS_HASH, () => undefined), (e: unknown) => (e as { code?: string }).code === 'JOURNAL_CORRUPT');
      } finally {
        await store.close();
      }
    });

    test('exact amounts: any integer below 2^256 round-trips through every amount column', async (t) => {
      if (skip()) return t.skip('backend unavailable');
      const { openStore } = await import('../open.ts');
      const store = await openStore(await h!.fresh());
      try {
        let seq = 0;
        await fc.assert(
          fc.asyncProperty(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), fc.bigInt({ min: -(1n << 256n) + 1n, max: (1n << 256n) - 1n }), async (a, d) => {
            seq++;
            await store.db.run("INSERT INTO deposits (seq, user_id, asset, amount, source, ref, bucket, ts) VALUES (?, 1, 'ETH', ?, 'chain', ?, 'available', 0)", [seq, a.toString(), `r${seq}`]);
            await store.db.run("INSERT INTO ledger_entries (seq, entry_idx, account_key, user_id, asset, delta, balance, counter_account, ts) VALUES (?, 0, 'k', 1, 'ETH', ?, ?, 'c', 0)", [seq, d.toString(), d.toString()]);
            const [dep] = await store.queries.deposits(1, { limit: 1 }).then((p) => p.items);
            assert.equal(dep!.amount, a);
            const [le] = await store.db.all<{ delta: unknown }>('SELECT delta FROM ledger_entries WHERE seq = ?', [seq]);
            assert.equal(BigInt(String(le!.delta)), d);
          }),
          { numRuns: 60 },
        );
      } finally {
        await store.close();
      }
    });

    test('fencing: a second writer with a stale lastSeq is refused, and the journal never forks', async (t) => {
      if (skip()) return t.skip('backend unavailable');
      const { openStore } = await import('../open.ts');
      const target = await h!.fresh();
      const a = await openStore(target);
      const b = await openStore(target);
      try {
        assert.deepEqual(await a.journal.open(), { lastSeq: 0 });
        assert.deepEqual(await b.journal.open(), { lastSeq: 0 });
        const mine = frames(1, 10);
        await a.journal.append(mine);
        await rejects(b.journal.append(frames(1, 5)), 'STORE_SEQ_GAP'); // b still believes lastSeq = 0
        await rejects(b.journal.append(frames(11, 1)), 'STORE_SEQ_GAP'); // poisoned until it reopens
        assert.deepEqual(await b.journal.open(), { lastSeq: 10 });
        await b.journal.append(frames(11, 2)); // after catching up, b may lead
        await rejects(a.journal.append(frames(11, 1)), 'STORE_SEQ_GAP'); // and the old leader is fenced
        const all = await a.journal.read(1, 100);
        assert.deepEqual(all.map((f) => f.seq), Array.from({ length: 12 }, (_, i) => i + 1));
        for (let i = 0; i < 10; i++) assert.ok(Buffer.from(all[i]!.frame).equals(Buffer.from(mine[i]!.frame)));
      } finally {
        await a.close();
        await b.close();
      }
    });

    test('snapshots: newest first, pruned to a few, exact bytes', async (t) => {
      if (skip()) return t.skip('backend unavailable');
      const store = await h!.open();
      try {
        const blobs = new Map<number, Buffer>();
        for (const seq of [10, 20, 30, 40, 50]) {
          const b = randomBytes(300 + seq);
          blobs.set(seq, b);
          await store.journal.putSnapshot(seq, b);
        }
        assert.deepEqual(await store.journal.listSnapshots(), [50, 40, 30]);
        assert.ok(Buffer.from((await store.journal.getSnapshot(40))!).equals(blobs.get(40)!));
        assert.equal(await store.journal.getSnapshot(10), null);
      } finally {
        await store.close();
      }
    });

    test('migrations: idempotent, versioned, refuse a newer schema', async (t) => {
      if (skip()) return t.skip('backend unavailable');
      const store = await h!.open();
      try {
        assert.equal(store.schemaVersion, SCHEMA_VERSION);
        assert.deepEqual(await migrate(store.db), { from: SCHEMA_VERSION, to: SCHEMA_VERSION });
        const rows = await store.db.all<{ version: unknown }>('SELECT version FROM schema_version ORDER BY version');
        assert.deepEqual(rows.map((r) => Number(r.version)), [1, 2]);
      } finally {
        await store.close();
      }
      const target = await h!.fresh();
      const { openStore } = await import('../open.ts');
      const s2 = await openStore(target);
      await s2.db.run('INSERT INTO schema_version (version, name, applied_ts) VALUES (?, ?, ?)', [SCHEMA_VERSION + 1, 'from the future', 0]);
      await s2.close();
      await rejects(openStore(target), 'STORE_SCHEMA_TOO_NEW');
    });

    test('projector: live batches and rebuild give identical rows; replays are no-ops', async (t) => {
      if (skip()) return t.skip('backend unavailable');
      const { openStore } = await import('../open.ts');
      const store = await openStore(await h!.fresh());
      try {
        const batches = irregularBatches(work.inputs, 40);
        let rows = 0;
        for (const b of batches) rows += (await store.projector.apply(b)).rows;
        assert.ok(rows > 1000, `wrote ${rows} rows`);
        assert.equal(await store.projector.lastSeq(), work.inputs.length);
        const live = await dumpReadModels(store);
        // Exactly once: replaying everything (the crash-after-commit case) changes nothing.
        for (const b of irregularBatches(work.inputs, 100, 2)) {
          const r = await store.projector.apply(b);
          assert.equal(r.applied, 0);
        }
        assert.deepEqual(await dumpReadModels(store), live);
        // A batch that straddles last_seq applies only its new part.
        await rejects(store.projector.apply(work.inputs.slice(0, 1).map((i) => ({ ...i, seq: work.inputs.length + 2, result: { ...i.result, seq: work.inputs.length + 2 } }))), 'STORE_SEQ_GAP');
        // Rebuild from the "journal" (an async iterator) with different batch sizes.
        async function* source() {
          for (const i of work.inputs) yield i;
        }
        const rebuilt = await store.projector.rebuild(source(), 333);
        assert.equal(rebuilt.lastSeq, work.inputs.length);
        assert.deepEqual(await dumpReadModels(store), live);
        // Read models agree with the core.
        const core = work.core;
        for (const meta of core.ledger.accounts) {
          const [row] = await store.db.all<{ balance: unknown }>('SELECT balance FROM balances WHERE account_key = ?', [
            meta.userId === 0 ? `system:${meta.asset}:${meta.bucket}` : `user:${meta.userId}:${meta.asset}:${meta.bucket}`,
          ]);
          assert.equal(BigInt(String(row?.balance ?? '0')), core.ledger.balances[meta.id], `balance of account ${meta.id}`);
        }
        const open = await store.db.all<{ id: unknown }>("SELECT id FROM orders WHERE status = 'open' ORDER BY id");
        assert.deepEqual(open.map((r) => Number(r.id)), [...core.orders.keys()].sort((a, b) => a - b));
      } finally {
        await store.close();
      }
    });

    test('projector: a batch that fails half-way writes nothing (one transaction)', async (t) => {
      if (skip()) return t.skip('backend unavailable');
      const { openStore } = await import('../open.ts');
      const store = await openStore(await h!.fresh());
      try {
        const first = work.inputs.slice(0, 100);
        await store.projector.apply(first);
        const before = await dumpReadModels(store);
        // The next batch is fine until its last input, which refers to an order never accepted.
        const next = work.inputs.slice(100, 160);
        const lastIn = next[next.length - 1]!;
        const poisoned = {
          ...lastIn,
          result: { ...lastIn.result, ok: true, events: [{ type: 'order.done' as const, orderId: 987_654, userId: 1, market: 'BTC/AED', reason: 'canceled' as const, filledLots: 0, remLots: 1 }] },
        };
        await rejects(store.projector.apply([...next.slice(0, -1), poisoned]), 'STORE_SEQ_GAP');
        assert.deepEqual(await dumpReadModels(store), before);
        assert.equal(await store.projector.lastSeq(), 100);
        await store.projector.apply(next);
        assert.equal(await store.projector.lastSeq(), 160);
      } finally {
        await store.close();
      }
    });

    test('cursors: hostile strings are refused with STORE_CURSOR_INVALID, never anything else', async (t) => {
      if (skip()) return t.skip('backend unavailable');
      const store = await h!.open();
      try {
        await fc.assert(
          fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.json().map((j) => Buffer.from(j).toString('base64url')), fc.constantFrom('W10', 'WyJvbyJd', 'WyJvbyIsLTFd', 'WyJvbyIsIjEiXQ')), async (cursor) => {
            try {
              const p = await store.queries.openOrders(1, { cursor, limit: 5 });
              assert.ok(Array.isArray(p.items)); // a well-formed ["oo", n] is a valid cursor
            } catch (e) {
              assert.ok(e instanceof StoreError && e.code === 'STORE_CURSOR_INVALID', String(e));
            }
          }),
          { numRuns: 200 },
        );
      } finally {
        await store.close();
      }
    });

    test('queries: pagination covers every row once; cursors and limits are validated', async (t) => {
      if (skip()) return t.skip('backend unavailable');
      const { openStore } = await import('../open.ts');
      const store = await openStore(await h!.fresh());
      try {
        for (const b of irregularBatches(work.inputs, 200)) await store.projector.apply(b);
        const q = store.queries;
        const core = work.core;
        const all = async <T>(fetch: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> => {
          const out: T[] = [];
          let cursor: string | null = null;
          for (let i = 0; i < 10_000; i++) {
            const p = await fetch(cursor);
            out.push(...p.items);
            if (p.nextCursor === null) return out;
            cursor = p.nextCursor;
          }
          throw new Error('pagination did not end');
        };
        let trades = 0;
        for (let u = 1; u <= 8; u++) {
          const open = await all((c) => q.openOrders(u, { cursor: c, limit: 3 }));
          assert.deepEqual(
            open.map((o) => o.id),
            [...core.orders.values()].filter((o) => o.userId === u).map((o) => o.id).sort((a, b) => a - b),
          );
          const closed = await all((c) => q.closedOrders(u, { cursor: c, limit: 7 }));
          assert.ok(closed.every((o) => o.status !== 'open' && o.userId === u));
          assert.deepEqual(closed.map((o) => o.id), [...closed.map((o) => o.id)].sort((a, b) => b - a));
          const fills = await all((c) => q.fills(u, { cursor: c, limit: 5 }));
          assert.ok(fills.every((f) => f.makerUserId === u || f.takerUserId === u));
          assert.equal(new Set(fills.map((f) => f.tradeId)).size, fills.length);
          trades += fills.length;
          // The statement's deltas per account sum to the account's balance, and running balances chain.
          const entries = await all((c) => q.ledgerStatement(u, 0, Number.MAX_SAFE_INTEGER, { cursor: c, limit: 50 }));
          const sums = new Map<string, bigint>();
          for (const e of entries) {
            const s = (sums.get(e.accountKey) ?? 0n) + e.delta;
            assert.equal(e.balance, s, 'running balance');
            sums.set(e.accountKey, s);
          }
          for (const b of await q.balances(u)) assert.equal(sums.get(b.accountKey) ?? 0n, b.balance);
          const deposits = await all((c) => q.deposits(u, { cursor: c, limit: 2 }));
          assert.ok(deposits.some((d) => d.asset === 'ETH' && d.amount === 10n ** 21n), 'wei above 2^63 kept exact');
          const ws = await all((c) => q.withdrawals(u, { cursor: c, limit: 2 }));
          for (const w of ws.slice(0, 2)) assert.ok(['requested', 'held'].includes((await q.withdrawalHistory(w.withdrawalId))[0]!.state));
        }
        const allTrades = (await all((c) => q.marketTrades('BTC/AED', { cursor: c, limit: 100 }))).length + (await all((c) => q.marketTrades('ETH/AED', { cursor: c, limit: 100 }))).length;
        assert.equal(trades, allTrades * 2, 'each trade appears for its maker and its taker');
        const first = work.inputs[0]!.ts;
        const candles = await all((c) => q.candles('BTC/AED', '1m', 0, first + 10 ** 9, { cursor: c, limit: 10 }));
        assert.ok(candles.length > 0);
        const tradeLots = (await all((c) => q.marketTrades('BTC/AED', { cursor: c, limit: 1000 }))).reduce((s, f) => s + f.qtyLots, 0);
        assert.equal(candles.reduce((s, c) => s + c.volumeLots, 0), tradeLots);
        for (const c of candles) assert.ok(c.lowTicks <= Math.min(c.openTicks, c.closeTicks) && c.highTicks >= Math.max(c.openTicks, c.closeTicks));
        // Every candle equals one computed straight from the core's trade events.
        const expected = new Map<string, { o: number; h: number; l: number; c: number; lots: number; quote: bigint; n: number }>();
        for (const input of work.inputs) {
          for (const e of input.result.events) {
            if (e.type !== 'trade') continue;
            for (const [period, ms] of Object.entries(CANDLE_PERIODS)) {
              const key = `${e.market}|${period}|${input.ts - (input.ts % ms)}`;
              const x = expected.get(key);
              if (x === undefined) expected.set(key, { o: e.priceTicks, h: e.priceTicks, l: e.priceTicks, c: e.priceTicks, lots: e.qtyLots, quote: e.buyerPaid, n: 1 });
              else Object.assign(x, { h: Math.max(x.h, e.priceTicks), l: Math.min(x.l, e.priceTicks), c: e.priceTicks, lots: x.lots + e.qtyLots, quote: x.quote + e.buyerPaid, n: x.n + 1 });
            }
          }
        }
        let compared = 0;
        for (const market of ['BTC/AED', 'ETH/AED']) {
          for (const period of Object.keys(CANDLE_PERIODS) as Array<keyof typeof CANDLE_PERIODS>) {
            for (const k of await all((c) => q.candles(market, period, 0, Number.MAX_SAFE_INTEGER, { cursor: c, limit: 250 }))) {
              const x = expected.get(`${market}|${period}|${k.bucketTs}`);
              assert.deepEqual([k.openTicks, k.highTicks, k.lowTicks, k.closeTicks, k.volumeLots, k.volumeQuote, k.trades], [x?.o, x?.h, x?.l, x?.c, x?.lots, x?.quote, x?.n]);
              compared++;
            }
          }
        }
        assert.equal(compared, expected.size);
        const ledgerWindow = await q.ledgerStatement(1, first + 60_000, first + 3_600_000, { limit: 1000 });
        assert.ok(ledgerWindow.items.every((e) => e.ts >= first + 60_000 && e.ts < first + 3_600_000));
        await rejects(q.openOrders(1, { limit: 1001 }), 'STORE_LIMIT_INVALID');
        await rejects(q.openOrders(1, { limit: 0 }), 'STORE_LIMIT_INVALID');
        await rejects(q.openOrders(1, { cursor: 'not base64 !' }), 'STORE_CURSOR_INVALID');
        await rejects(q.openOrders(1, { cursor: Buffer.from('["co",5]').toString('base64url') }), 'STORE_CURSOR_INVALID'); // another query's cursor
        await rejects(q.openOrders(1, { cursor: Buffer.from('["oo",1e300]').toString('base64url') }), 'STORE_CURSOR_INVALID');
        await rejects(q.candles('BTC/AED', '2m' as '1m', 0, 1), 'STORE_LIMIT_INVALID');
      } finally {
        await store.close();
      }
    });

    test('audit rows are stored exactly as given', async (t) => {
      if (skip()) return t.skip('backend unavailable');
      const { openStore } = await import('../open.ts');
      const store = await openStore(await h!.fresh());
      try {
        const rows = [1, 2, 3].map((seq) => ({ seq, atTs: 1_700_000_000_000 + seq, actor: 'admin:1', action: 'withdrawals.pause', ip: '10.0.0.1', beforeJson: '{"paused":false}', afterJson: '{"paused":true}', prevHash: `h${seq - 1}`, hash: `h${seq}` }));
        await store.appendAudit(rows);
        assert.deepEqual((await store.queries.auditLog({ limit: 2 })).items, rows.slice(0, 2));
        assert.deepEqual(await store.queries.auditHead(), rows[2]);
        await rejects(store.appendAudit([rows[0]!]), 'STORE_CONFLICT');
      } finally {
        await store.close();
      }
    });

    test('backup and restore: journal frames byte-identical', async (t) => {
      if (skip()) return t.skip('backend unavailable');
      const { openStore } = await import('../open.ts');
      const src = await openStore(await h!.fresh());
      const written = frames(1, 2500, 180);
      try {
        await src.journal.open();
        for (let i = 0; i < written.length; i += 1000) await src.journal.append(written.slice(i, i + 1000));
        await src.journal.putSnapshot(2000, Buffer.from('snapshot-bytes'));
        await src.appendAudit([{ seq: 1, atTs: 1, actor: 'a', action: 'x', ip: null, beforeJson: null, afterJson: null, prevHash: '0', hash: '1' }]);
        // Online: a concurrent append while the backup runs must not break either.
        const path = h!.backupPath();
        const [info] = await Promise.all([backupStore(src, path), src.journal.append(frames(2501, 10))]);
        assert.ok(info.lastSeq === 2500 || info.lastSeq === 2510, `backup at ${info.lastSeq}`);
        assert.equal(info.frames, info.lastSeq);
        const target = await h!.fresh();
        const restored = await restoreBackup(path, target);
        assert.equal(restored.lastSeq, info.lastSeq);
        const dst = await openStore(target);
        try {
          assert.deepEqual(await dst.journal.open(), { lastSeq: info.lastSeq });
          const back = await dst.journal.read(1, 5000);
          const orig = await src.journal.read(1, info.lastSeq);
          assert.equal(back.length, orig.length);
          for (const [i, f] of back.entries()) assert.ok(Buffer.from(f.frame).equals(Buffer.from(orig[i]!.frame)), `frame ${f.seq}`);
          assert.ok(Buffer.from((await dst.journal.getSnapshot(2000))!).equals(Buffer.from('snapshot-bytes')));
          assert.equal((await dst.queries.auditLog()).items.length, 1);
        } finally {
          await dst.close();
        }
        await rejects(restoreBackup(path, target), 'STORE_NOT_EMPTY');
      } finally {
        await src.close();
      }
    });
  });
}

export const tmpName = (prefix: string) => `${prefix}${randomBytes(6).toString('hex')}`;
export const joinPath = join;
