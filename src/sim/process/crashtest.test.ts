import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crashTest, formatCrashReport } from './crashtest.ts';

/** A short crash test of the real process: 3 kill -9 at seeded moments, every invariant checked. */
test('crashtest: kill -9 three times; acknowledged orders survive, AED conserves, recovery hash = replay', { timeout: 120_000 }, async () => {
  const r = await crashTest({ seed: 12, kills: 3, clients: 3, minLoadMs: 200, maxLoadMs: 900, log: () => undefined });
  assert.deepEqual(r.violations, [], formatCrashReport(r).join('\n'));
  assert.equal(r.kills, 3);
  assert.equal(r.restarts, 3);
  assert.ok(r.ordersAcked > 0, 'some orders were acknowledged');
  assert.ok(r.ackedChecks >= r.ordersAcked, 'every acknowledged order was checked');
  assert.equal(r.hashChecks, 4);
});
