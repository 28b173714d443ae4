import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32, xorshift32 } from './prng.ts';

test('seeded generators reproduce from their seed and stay in [0, 1)', () => {
  for (const make of [mulberry32, xorshift32]) {
    const a = make(42);
    const b = make(42);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      assert.equal(x, b());
      assert.ok(x >= 0 && x < 1);
    }
  }
  const z = xorshift32(0);
  assert.notEqual(z(), 0);
});
