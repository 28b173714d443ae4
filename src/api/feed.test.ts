import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Command } from '../core/commands.ts';
import { fundedCore } from '../core/testing/fixtures.ts';
import { arbCommand } from '../core/testing/generators.ts';
import { BUY } from '../core/matching/book.ts';
import type { Submission } from '../engine/engine.ts';
import { DepthMirror } from './depthFeed.ts';
import { MarketData, Ring } from './marketData.ts';
import { OrderIndex } from './orderIndex.ts';

/**
 * Property tests of the API's in-memory views against the core itself, on random
 * command streams: book diffs rebuild the book exactly with no gaps, and the order
 * index agrees with the core's open orders (ids, prices, filled and open lots).
 */
test('depth diffs applied to the initial book rebuild every market book; U follows the previous u', () => {
  fc.assert(
    fc.property(fc.array(arbCommand, { minLength: 1, maxLength: 120 }), (cmds) => {
      const { core } = fundedCore(4);
      const mirrors = core.markets.map((m) => new DepthMirror(m.book, core.seq));
      const local = core.markets.map((m) => ({ bids: new Map(m.book.bids.depth(1000)), asks: new Map(m.book.asks.depth(1000)), lastU: core.seq }));
      let ts = 1_700_000_200_000;
      for (const c of cmds) {
        core.apply({ ...c, ts: ts++ } as Command);
        core.markets.forEach((m, i) => {
          const d = mirrors[i]!.diff(m.book, core.seq);
          if (d === null) return;
          const l = local[i]!;
          assert.equal(d.U, l.lastU + 1, 'no gap, no overlap');
          assert.ok(d.u >= d.U);
          for (const [p, n] of d.bids) n === 0 ? l.bids.delete(p) : l.bids.set(p, n);
          for (const [p, n] of d.asks) n === 0 ? l.asks.delete(p) : l.asks.set(p, n);
          l.lastU = d.u;
        });
      }
      core.markets.forEach((m, i) => {
        const l = local[i]!;
        assert.deepEqual([...l.bids.entries()].sort((a, b) => b[0] - a[0]), m.book.bids.depth(1000));
        assert.deepEqual([...l.asks.entries()].sort((a, b) => a[0] - b[0]), m.book.asks.depth(1000));
      });
    }),
    { numRuns: 100 },
  );
});

test('the order index agrees with the core on every open order after a random stream', () => {
  fc.assert(
    fc.property(fc.array(arbCommand, { minLength: 1, maxLength: 150 }), (cmds) => {
      const { core } = fundedCore(4);
      const index = new OrderIndex((s, t) => core.market(s).notionalCeil(1, t), { closedOrdersMax: 10_000, fillsMax: 10_000 });
      let ts = 1_700_000_200_000;
      for (const c of cmds) {
        const r = core.apply({ ...c, ts: ts++ } as Command);
        if (r.ok) index.apply(r.events, ts); // asserts internally that fills reconcile on order.done
      }
      for (let u = 1; u <= 4; u++) {
        const fromCore = [...core.orders.values()]
          .filter((o) => o.userId === u)
          .sort((a, b) => a.id - b.id)
          .map((o) => [o.id, core.markets[o.marketIdx]!.symbol, o.side === BUY ? 'buy' : 'sell', o.priceTicks, o.filledLots, o.remLots]);
        const fromIndex = index.open(u).map((o) => [o.orderId, o.market, o.side, o.priceTicks, o.filledLots, o.origLots - o.filledLots]);
        assert.deepEqual(fromIndex, fromCore);
        for (const o of index.all(u)) assert.equal(o.userId, u, 'no other user’s order in a user’s list');
        for (const f of index.fills(u)) assert.equal(f.userId, u);
      }
    }),
    { numRuns: 100 },
  );
});

test('order index bounds: closed orders and fills per user are capped, open orders never dropped', () => {
  const { core, run } = fundedCore(2);
  const index = new OrderIndex((s, t) => core.market(s).notionalCeil(1, t), { closedOrdersMax: 5, fillsMax: 4 });
  let ts = 1_700_000_200_000;
  const apply = (c: Submission) => {
    const r = run({ ...c, ts: ts++ } as Command);
    index.apply(r.events, ts);
    return r;
  };
  const resting = apply({ type: 'order.place', userId: 1, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 300_000, qtyLots: 10, clientOrderId: 'keep' });
  for (let i = 0; i < 20; i++) {
    apply({ type: 'order.place', userId: 2, market: 'BTC/AED', side: 'sell', kind: 'limit', priceTicks: 350_000, qtyLots: 10 });
    apply({ type: 'order.place', userId: 1, market: 'BTC/AED', side: 'buy', kind: 'market', qtyLots: 10 });
  }
  assert.equal(index.all(1).length, 1 + 5);
  assert.equal(index.fills(1).length, 4);
  assert.equal(index.get(1, resting.orderId!)?.status, 'NEW');
  assert.equal(index.byClientOrderId(1, 'keep')?.orderId, resting.orderId);
  assert.equal(index.get(2, resting.orderId!), undefined, 'another user’s order is invisible');
});

test('ring and candles: bounded, ordered, 24 h ticker from 1-minute candles', () => {
  const ring = new Ring<number>(3);
  for (let i = 1; i <= 5; i++) ring.push(i);
  assert.deepEqual(ring.toArray(), [3, 4, 5]);
  assert.equal(ring.last(), 5);
  const md = new MarketData(['BTC/AED'], { tradesMax: 3, candlesMax: 2 });
  const t0 = 1_700_000_000_000 - (1_700_000_000_000 % 86_400_000);
  const trade = (id: number, ts: number, priceTicks: number) => md.addTrade('BTC/AED', { id, priceTicks, qtyLots: 1, baseAmount: 1000n, quoteAmount: BigInt(priceTicks), takerSide: id % 2 === 0 ? 'buy' : 'sell', ts });
  trade(1, t0, 100);
  trade(2, t0 + 10_000, 120);
  trade(3, t0 + 70_000, 90);
  trade(4, t0 + 130_000, 110);
  assert.deepEqual(
    md.trades('BTC/AED', { limit: 10 }).map((t) => t.id),
    [2, 3, 4],
  );
  const m1 = md.candles('BTC/AED', '1m', { limit: 10 });
  assert.deepEqual(
    m1.map((c) => c.openTimeMs - t0),
    [60_000, 120_000],
    'only the newest candlesMax kept',
  );
  const d1 = md.candles('BTC/AED', '1d', { limit: 10 })[0]!;
  assert.deepEqual([d1.openTicks, d1.highTicks, d1.lowTicks, d1.closeTicks, d1.trades, d1.volumeBase], [100, 120, 90, 110, 4, 4000n]);
  const tk = md.ticker('BTC/AED', t0 + 130_001);
  assert.equal(tk.lastTicks, 110);
  assert.equal(tk.trades, 2, 'from the retained 1-minute candles');
});
