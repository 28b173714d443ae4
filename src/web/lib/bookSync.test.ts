import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type Diff, LocalBook, type Level, PENDING_DIFFS_MAX } from './bookSync.ts';

/**
 * A model exchange publishes snapshots and diffs exactly as src/api/depthFeed.ts does
 * (absolute sizes, U..u on one counter, diffs only when a level changed); the client
 * book must equal the truth whenever it says 'live', whatever is lost on the way.
 */
type Side = Map<string, string>;
interface Truth {
  bids: Side;
  asks: Side;
  seq: number;
}

function snapshot(t: Truth) {
  return { lastUpdateId: t.seq, bids: [...t.bids.entries()] as Level[], asks: [...t.asks.entries()] as Level[] };
}

function sortedSide(side: Side, dir: 1 | -1): Level[] {
  return [...side.entries()].sort((a, b) => dir * (Number(a[0]) - Number(b[0])));
}

describe('LocalBook', () => {
  test('snapshot then contiguous diffs', () => {
    const b = new LocalBook();
    b.applySnapshot({ lastUpdateId: 10, bids: [['100', '1']], asks: [['101', '2']] });
    assert.equal(b.state, 'live');
    assert.equal(b.applyDiff({ U: 11, u: 12, b: [['100', '0'], ['99', '3']], a: [] }), 'applied');
    assert.deepEqual(b.top(5), { bids: [['99', '3']], asks: [['101', '2']] });
    assert.equal(b.applyDiff({ U: 5, u: 9, b: [['1', '1']], a: [] }), 'old');
    assert.equal(b.applyDiff({ U: 14, u: 14, b: [], a: [] }), 'gap');
    assert.equal(b.state, 'stale');
    assert.equal(b.gaps, 1);
  });

  test('a diff straddling the snapshot (U ≤ L+1 ≤ u) is applied; diffs before a snapshot are buffered', () => {
    const b = new LocalBook();
    assert.equal(b.applyDiff({ U: 8, u: 11, b: [['100', '5']], a: [] }), 'buffered');
    assert.equal(b.applyDiff({ U: 12, u: 12, b: [['98', '1']], a: [] }), 'buffered');
    b.applySnapshot({ lastUpdateId: 10, bids: [['100', '1']], asks: [] });
    assert.equal(b.state, 'live');
    assert.equal(b.lastUpdateId, 12);
    assert.deepEqual(b.top(5).bids, [['100', '5'], ['98', '1']]);
  });

  test('a buffered diff that starts after L + 1 means the snapshot is too old: stale again', () => {
    const b = new LocalBook();
    b.applyDiff({ U: 20, u: 21, b: [], a: [] });
    b.applySnapshot({ lastUpdateId: 10, bids: [], asks: [] });
    assert.equal(b.state, 'stale');
  });

  test('prices sort exactly as decimals (no float), bids high to low, asks low to high', () => {
    const b = new LocalBook();
    b.applySnapshot({ lastUpdateId: 1, bids: [['9.5', '1'], ['10.25', '1'], ['10.2', '1']], asks: [['100.1', '1'], ['99.99', '1']] });
    assert.deepEqual(b.top(3).bids.map((l) => l[0]), ['10.25', '10.2', '9.5']);
    assert.deepEqual(b.top(3).asks.map((l) => l[0]), ['99.99', '100.1']);
  });

  test('pending diffs are bounded', () => {
    const b = new LocalBook();
    for (let i = 0; i < PENDING_DIFFS_MAX + 50; i++) b.applyDiff({ U: i + 1, u: i + 1, b: [], a: [] });
    b.applySnapshot({ lastUpdateId: 0, bids: [], asks: [] });
    // The oldest 50 were dropped, so the first kept diff (U = 51) does not follow L = 0.
    assert.equal(b.state, 'stale');
  });

  test('property: with random drops, reorders at the edges and resyncs, live means equal to the truth', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('change' as const), side: fc.boolean(), price: fc.integer({ min: 90, max: 110 }), qty: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('noop' as const) }),
      fc.record({ kind: fc.constant('drop' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 200 }), (ops) => {
        const truth: Truth = { bids: new Map(), asks: new Map(), seq: 0 };
        let sent = { bids: new Map<string, string>(), asks: new Map<string, string>(), lastU: 0 };
        const client = new LocalBook();
        client.applySnapshot(snapshot(truth));
        let dropNext = false;
        for (const o of ops) {
          truth.seq++;
          if (o.kind === 'drop') {
            dropNext = true;
            continue;
          }
          if (o.kind === 'change') {
            const side = o.side ? truth.bids : truth.asks;
            if (o.qty === 0) side.delete(String(o.price));
            else side.set(String(o.price), String(o.qty));
          }
          // The server's DepthMirror: a diff only when a level changed; U = lastU + 1.
          const changes = (before: Side, after: Side): Level[] => {
            const out: Level[] = [];
            for (const [p, q] of after) if (before.get(p) !== q) out.push([p, q]);
            for (const p of before.keys()) if (!after.has(p)) out.push([p, '0']);
            return out;
          };
          const b = changes(sent.bids, truth.bids);
          const a = changes(sent.asks, truth.asks);
          if (b.length === 0 && a.length === 0) continue;
          const d: Diff = { U: sent.lastU + 1, u: truth.seq, b, a };
          sent = { bids: new Map(truth.bids), asks: new Map(truth.asks), lastU: truth.seq };
          if (dropNext) {
            dropNext = false;
            continue;
          }
          const out = client.applyDiff(d);
          if (out === 'gap') client.applySnapshot(snapshot(truth));
          if (client.state === 'live') {
            const top = client.top(1000);
            assert.deepEqual(top.bids, sortedSide(truth.bids, -1));
            assert.deepEqual(top.asks, sortedSide(truth.asks, 1));
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
