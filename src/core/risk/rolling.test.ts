import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type OutflowEntry, windowSum } from './controls.ts';
import { RollingLog } from './rolling.ts';

test('RollingLog sums equal a plain scan under pushes, front drops and removals', () => {
  const op = fc.oneof(
    fc.record({ k: fc.constant('push' as const), gap: fc.integer({ min: 0, max: 50 }), amount: fc.bigInt({ min: 0n, max: 10n ** 30n }) }),
    fc.record({ k: fc.constant('drop' as const), back: fc.integer({ min: 0, max: 200 }) }),
    fc.record({ k: fc.constant('remove' as const), pick: fc.nat() }),
    fc.record({ k: fc.constant('sum' as const), back: fc.integer({ min: 0, max: 300 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
      const log = new RollingLog();
      let model: OutflowEntry[] = [];
      let now = 0;
      let n = 0;
      for (const o of ops) {
        if (o.k === 'push') {
          now += o.gap;
          const e = { id: `e${n++}`, userId: 1, asset: 'BTC', amount: o.amount, fils: 0n, ts: now };
          log.push(e);
          model.push(e);
        } else if (o.k === 'drop') {
          log.dropThrough(now - o.back);
          model = model.filter((e) => e.ts > now - o.back);
        } else if (o.k === 'remove') {
          const victim = model[o.pick % Math.max(1, model.length)];
          assert.equal(log.remove(victim?.id ?? 'none'), victim !== undefined);
          model = model.filter((e) => e !== victim);
        } else {
          assert.equal(log.sumAfter(now - o.back), windowSum(model, now, o.back, (e) => e.amount));
        }
        assert.deepEqual(log.entries, model);
      }
    }),
    { numRuns: 200 },
  );
});
