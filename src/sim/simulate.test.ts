import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simulate } from './simulate.ts';

// CI runs a fixed set of seeds within its budget; `npm run simulate -- --seeds 1000` runs longer locally.
const SEEDS = [1, 2, 3, 42];
const STEPS = Number(process.env.RAMPART_SIM_STEPS ?? 600);

for (const seed of SEEDS) {
  test(`simulation seed ${seed}: invariants hold under crashes, lost writes, duplicates and staff mistakes`, async () => {
    const r = await simulate({ seed, steps: STEPS, faultPerMille: 30 });
    assert.equal(r.steps, STEPS);
    assert.ok(r.crashes > 0, 'the run must include crashes');
    assert.ok(r.acknowledged > 0 && r.depositsCredited > 0);
  });
}

test('the same seed replays to the same state hash', async () => {
  const a = await simulate({ seed: 7, steps: 300 });
  const b = await simulate({ seed: 7, steps: 300 });
  assert.equal(a.stateHash, b.stateHash);
  assert.deepEqual(a, b);
});
