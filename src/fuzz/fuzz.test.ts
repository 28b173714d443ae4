import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFuzz } from './run.ts';

/** CI-sized fuzz run: ~2,000 cases over every parser and the API; no untyped error, no 5xx, no balance change on rejection. */
test('fuzz: every parser and API route, ~2,000 cases, fixed seed', { timeout: 120_000 }, async () => {
  const r = await runFuzz({ cases: 2_000, seed: 20_261_125 });
  const failed = r.results.filter((x) => x.failure !== null);
  assert.deepEqual(failed, [], JSON.stringify(failed, null, 2));
  assert.ok(r.total >= 2_000, `ran ${r.total} cases`);
  assert.ok(r.results.length >= 20, 'every target ran');
  for (const t of r.results) assert.ok(t.cases > 0, `${t.name} ran`);
  assert.equal(Object.keys(r.apiStatuses).filter((s) => Number(s) >= 500).length, 0);
});
