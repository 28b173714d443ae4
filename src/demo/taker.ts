import type { Engine } from '../engine/engine.ts';

/**
 * The demo makers only quote; a small taker (a demo customer) crosses the spread now and
 * then with alternating market orders, so trades, tickers and candles move in the demo.
 */
export function startDemoTaker(engine: Engine, userId: number, intervalMs: number): () => void {
  let i = 0;
  const timer = setInterval(() => {
    const n = i++;
    const btc = n % 3 !== 2;
    engine
      .submit({ type: 'order.place', userId, market: btc ? 'BTC/AED' : 'ETH/AED', side: n % 2 === 0 ? 'buy' : 'sell', kind: 'market', tif: 'IOC', qtyLots: btc ? 10 + (n % 7) * 5 : 20 + (n % 5) * 10 })
      .catch(() => undefined);
  }, intervalMs);
  return () => clearInterval(timer);
}
