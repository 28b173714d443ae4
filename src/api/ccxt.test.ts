import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import ccxt from 'ccxt';
import { harness, type Harness, type TestUser } from './testing.ts';

/**
 * Drives ccxt's own `binance` client against the app, configured exactly as in
 * /work/shared/notes/ccxt.md, over real HTTP on 127.0.0.1.
 */
let h: Harness;
let base: string;
let alice: TestUser;
let bob: TestUser;

function client(u: { apiKey: string; secret: string }, baseUrl = base): InstanceType<typeof ccxt.binance> {
  const api: Record<string, string> = {};
  for (const k of Object.keys(new ccxt.binance().urls.api as Record<string, string>)) api[k] = `${baseUrl}/api/v3`;
  return new ccxt.binance({
    apiKey: u.apiKey,
    secret: u.secret,
    urls: { api },
    options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
  });
}

before(async () => {
  h = await harness({}, { realClock: true });
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  alice = await h.user('alice@example.com');
  bob = await h.user('bob@example.com');
});
after(async () => {
  await h.close();
});

test('ccxt: markets, order book, trading lifecycle, history and balances', async () => {
  const a = client(alice);
  const b = client(bob);
  const markets = await a.loadMarkets();
  assert.deepEqual(Object.keys(markets).sort(), ['BTC/AED', 'ETH/AED']);
  const btc = markets['BTC/AED']!;
  assert.equal(btc.precision.price, 1);
  assert.equal(btc.precision.amount, 0.00001);
  assert.equal(btc.limits.cost?.min, 10);

  // Resting orders on both sides.
  const bid = await a.createOrder('BTC/AED', 'limit', 'buy', 0.01, 350000);
  assert.equal(bid.status, 'open');
  assert.equal(bid.amount, 0.01);
  const ask = await b.createOrder('BTC/AED', 'limit', 'sell', 0.02, 351000);
  assert.equal(ask.status, 'open');

  const book = await a.fetchOrderBook('BTC/AED');
  assert.deepEqual(book.bids[0], [350000, 0.01]);
  assert.deepEqual(book.asks[0], [351000, 0.02]);
  assert.ok((book.nonce ?? 0) > 0);

  // Alice takes 0.005 at market: fills at 351000.
  const mkt = await a.createOrder('BTC/AED', 'market', 'buy', 0.005);
  assert.equal(mkt.status, 'closed');
  assert.equal(mkt.filled, 0.005);
  assert.equal(mkt.cost, 1755);
  assert.equal(mkt.trades.length, 1);
  // Bob sells 0.002 at market into Alice's bid.
  const mkt2 = await b.createOrder('BTC/AED', 'market', 'sell', 0.002);
  assert.equal(mkt2.status, 'closed');
  assert.equal(mkt2.average, 350000);
  // Market buy by quote amount (ccxt sends quoteOrderQty).
  const byCost = await a.createMarketBuyOrderWithCost('BTC/AED', 351);
  assert.equal(byCost.status, 'closed');
  assert.equal(byCost.filled, 0.001);

  const trades = await a.fetchTrades('BTC/AED');
  assert.equal(trades.length, 3);
  assert.deepEqual(
    trades.map((t) => [t.price, t.amount, t.side]),
    [
      [351000, 0.005, 'buy'],
      [350000, 0.002, 'sell'],
      [351000, 0.001, 'buy'],
    ],
  );
  const ticker = await a.fetchTicker('BTC/AED');
  assert.equal(ticker.last, 351000);
  assert.equal(ticker.bid, 350000);
  assert.equal(ticker.ask, 351000);
  assert.equal(ticker.baseVolume, 0.008);
  const tickers = await a.fetchTickers(['BTC/AED', 'ETH/AED']);
  assert.deepEqual(Object.keys(tickers).sort(), ['BTC/AED', 'ETH/AED']);
  const all = await a.fetchTickers();
  assert.equal(Object.keys(all).length, 2);
  const ohlcv = await a.fetchOHLCV('BTC/AED', '1m');
  assert.equal(ohlcv.length, 1);
  const [, o, hi, lo, c, v] = ohlcv[0]!;
  assert.deepEqual([o, hi, lo, c, v], [351000, 351000, 350000, 351000, 0.008]);

  const fetched = await a.fetchOrder(bid.id!, 'BTC/AED');
  assert.equal(fetched.status, 'open');
  assert.equal(fetched.filled, 0.002);
  assert.equal(fetched.remaining, 0.008);
  const open = await a.fetchOpenOrders('BTC/AED');
  assert.deepEqual(
    open.map((x) => x.id),
    [bid.id],
  );
  const canceled = await a.cancelOrder(bid.id!, 'BTC/AED');
  assert.equal(canceled.status, 'canceled');
  assert.equal((await a.fetchOrder(bid.id!, 'BTC/AED')).status, 'canceled');

  const closed = await a.fetchClosedOrders('BTC/AED');
  assert.deepEqual(closed.map((x) => x.status), ['closed', 'closed']);
  const orders = await a.fetchOrders('BTC/AED');
  assert.equal(orders.length, 3);
  const mine = await a.fetchMyTrades('BTC/AED');
  assert.equal(mine.length, 3);
  assert.ok(mine.every((t) => t.fee !== undefined));
  assert.equal(mine.find((t) => t.order === bid.id)?.takerOrMaker, 'maker');

  // Bob has 0.013 BTC left resting; a few more, then cancel all.
  await b.createOrder('BTC/AED', 'limit', 'sell', 0.001, 360000);
  await b.createOrder('BTC/AED', 'limit', 'sell', 0.001, 361000, { postOnly: true });
  const cancelledAll = await b.cancelAllOrders('BTC/AED');
  assert.equal(cancelledAll.length, 3);
  assert.deepEqual(await b.fetchOpenOrders('BTC/AED'), []);

  const bal = await a.fetchBalance();
  // Alice: 100 BTC... no: 10 BTC + 0.005 + 0.002 + 0.001 bought, less 0.2% taker / 0.1% maker fees in BTC.
  const aliceBtc = h.engine.core.userBalances(alice.userId).BTC!;
  assert.equal(bal.BTC?.free, Number(aliceBtc.available) / 1e8);
  assert.equal(bal.BTC?.used, 0);
  assert.equal(bal.AED?.used, 0);
  assert.equal(bal.AED?.free, Number(h.engine.core.userBalances(alice.userId).AED!.available) / 100);
  h.engine.core.checkInvariants();
});

test('ccxt: errors raise the right classes', async () => {
  const a = client(alice);
  await a.loadMarkets();
  await assert.rejects(a.createOrder('BTC/AED', 'limit', 'buy', 2, 900000), ccxt.InsufficientFunds);
  await assert.rejects(a.fetchOrder('999999', 'BTC/AED'), ccxt.OrderNotFound);
  await assert.rejects(a.cancelOrder('999999', 'BTC/AED'), ccxt.OrderNotFound);
  // Below the minimum order value (10 AED): NOTIONAL filter.
  await assert.rejects(a.createOrder('BTC/AED', 'limit', 'buy', 0.00001, 1000), ccxt.InvalidOrder);
  // Off the price tick (ccxt rounds to the market's precision, so loosen it to send 350000.5): PRICE_FILTER.
  const raw = client(alice);
  await raw.loadMarkets();
  raw.markets!['BTC/AED']!.precision.price = 0.01;
  await assert.rejects(raw.createOrder('BTC/AED', 'limit', 'buy', 0.001, 350000.5), ccxt.InvalidOrder);
  // Post-only that would take.
  const b = client(bob);
  await b.createOrder('BTC/AED', 'limit', 'sell', 0.001, 352000);
  await assert.rejects(a.createOrder('BTC/AED', 'limit', 'buy', 0.001, 352000, { postOnly: true }), ccxt.InvalidOrder);
  await b.cancelAllOrders('BTC/AED');
  // Wrong secret: -1022; unknown key: -2015 (both AuthenticationError).
  const wrong = client({ apiKey: alice.apiKey, secret: 'x'.repeat(64) });
  await wrong.loadMarkets();
  await assert.rejects(wrong.fetchBalance(), ccxt.AuthenticationError);
  const unknown = client({ apiKey: 'A'.repeat(64), secret: 'x'.repeat(64) });
  await unknown.loadMarkets();
  await assert.rejects(unknown.fetchBalance(), ccxt.AuthenticationError);
  await assert.rejects(a.fetchOrderBook('BTC/USD'), ccxt.BadSymbol);
});

test('ccxt: the rate limit answers 429, which ccxt raises as DDoSProtection', async () => {
  const t = await harness({ rateLimits: { perIp: { capacity: 3, refillPerMinute: 1 } } }, { realClock: true });
  try {
    const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const u = await t.user('carol@example.com');
    const c = client(u, url);
    c.enableRateLimit = false;
    await c.loadMarkets();
    await c.fetchTime();
    await c.fetchTime();
    await assert.rejects(c.fetchTime(), ccxt.DDoSProtection);
  } finally {
    await t.close();
  }
});
