import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signRequest } from '../identity/index.ts';
import { nativeSigningString } from './auth.ts';
import { harness, type Harness, PASSWORD, type TestUser } from './testing.ts';

let h: Harness;
let alice: TestUser;
let bob: TestUser;

before(async () => {
  h = await harness();
  alice = await h.user('alice@example.com');
  bob = await h.user('bob@example.com');
});
after(async () => {
  await h.close();
});

/** A signed native request (API key headers). */
async function call(u: TestUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, extra: Record<string, string> = {}) {
  h.now.t += 1; // a fresh timestamp: the replay cache refuses a repeated signature
  const payload = body === undefined ? '' : JSON.stringify(body);
  const ts = String(h.now.t);
  const sig = signRequest(u.secret, nativeSigningString({ timestampMs: ts, method, pathWithQuery: url, body: payload }));
  const headers: Record<string, string> = { 'x-api-key': u.apiKey, 'x-api-timestamp': ts, 'x-api-signature': sig, ...extra };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await h.app.inject({ method, url, headers, ...(body === undefined ? {} : { payload }) });
  return { status: r.statusCode, json: r.json() as Record<string, unknown> & { error?: { code: string } } };
}

test('public endpoints: health, markets, depth, ticker, trades, candles, OpenAPI', async () => {
  const health = await h.app.inject('/api/v1/health');
  assert.equal(health.statusCode, 200);
  assert.equal(health.json().status, 'ready');
  const markets = (await h.app.inject('/api/v1/markets')).json();
  assert.deepEqual(
    markets.markets.map((m: { market: string }) => m.market),
    ['BTC-AED', 'ETH-AED'],
  );
  assert.equal(markets.markets[0].tickSize, '1');
  assert.equal(markets.markets[0].lotSize, '0.00001');
  const doc = (await h.app.inject('/api/v1/openapi.json')).json();
  assert.equal(doc.openapi.slice(0, 2), '3.');
  assert.ok(doc.paths['/api/v1/orders'].post);
  assert.ok(doc.paths['/api/v3/order'].post);
  const ui = await h.app.inject('/docs/');
  assert.equal(ui.statusCode, 200);
});

test('orders: place, idempotency, amend, fills, cancel, cancel all; depth/trades/candles follow', async () => {
  const bid = await call(alice, 'POST', '/api/v1/orders', { market: 'BTC-AED', side: 'buy', type: 'limit', price: '350000', quantity: '0.01' }, { 'idempotency-key': 'bid-1' });
  assert.equal(bid.status, 201, JSON.stringify(bid.json));
  const order = bid.json.order as { orderId: number; status: string; clientOrderId: string };
  assert.equal(order.status, 'NEW');
  assert.equal(order.clientOrderId, 'bid-1');
  const again = await call(alice, 'POST', '/api/v1/orders', { market: 'BTC-AED', side: 'buy', type: 'limit', price: '350000', quantity: '0.01' }, { 'idempotency-key': 'bid-1' });
  assert.equal(again.status, 200);
  assert.equal((again.json.order as { orderId: number }).orderId, order.orderId);
  assert.equal(again.json.duplicate, true);
  assert.equal(h.engine.core.userBalances(alice.userId).AED!.locked, 350_000n, 'locked once, not twice');

  const depth = (await h.app.inject('/api/v1/markets/BTC-AED/depth?limit=5')).json();
  assert.deepEqual(depth.bids, [['350000', '0.01']]);
  assert.equal(depth.lastUpdateId, h.engine.core.seq);

  const amended = await call(alice, 'PATCH', `/api/v1/orders/${order.orderId}`, { price: '349000', quantity: '0.02' });
  assert.equal(amended.status, 200, JSON.stringify(amended.json));
  assert.equal((amended.json.order as { price: string }).price, '349000');
  assert.equal((amended.json.order as { quantity: string }).quantity, '0.02');

  const sell = await call(bob, 'POST', '/api/v1/orders', { market: 'BTC-AED', side: 'sell', type: 'market', quantity: '0.005' });
  assert.equal(sell.status, 201);
  assert.equal((sell.json.order as { status: string }).status, 'FILLED');
  const mine = await call(alice, 'GET', `/api/v1/orders/${order.orderId}`);
  assert.equal((mine.json.order as { status: string }).status, 'PARTIALLY_FILLED');
  assert.equal((mine.json.order as { filledQuantity: string }).filledQuantity, '0.005');
  const fills = await call(alice, 'GET', '/api/v1/fills');
  assert.equal((fills.json.fills as unknown[]).length, 1);

  const trades = (await h.app.inject('/api/v1/markets/BTC-AED/trades')).json();
  assert.deepEqual(
    trades.trades.map((t: { price: string; quantity: string; takerSide: string }) => [t.price, t.quantity, t.takerSide]),
    [['349000', '0.005', 'sell']],
  );
  const candles = (await h.app.inject('/api/v1/markets/BTC-AED/candles?interval=5m')).json();
  assert.equal(candles.candles.length, 1);
  assert.equal(candles.candles[0].volume, '0.005');
  const ticker = (await h.app.inject('/api/v1/markets/BTC-AED/ticker')).json();
  assert.equal(ticker.last, '349000');
  assert.equal(ticker.bid, '349000');

  const buyQuote = await call(bob, 'POST', '/api/v1/orders', { market: 'ETH-AED', side: 'buy', type: 'market', quoteQuantity: '100' });
  assert.equal(buyQuote.status, 409, 'no ETH liquidity');
  assert.equal(buyQuote.json.error?.code, 'NO_LIQUIDITY');

  await call(alice, 'POST', '/api/v1/orders', { market: 'ETH-AED', side: 'buy', type: 'limit', price: '12000', quantity: '0.1', postOnly: true });
  const open = await call(alice, 'GET', '/api/v1/orders');
  assert.equal((open.json.orders as unknown[]).length, 2);
  const one = await call(alice, 'DELETE', `/api/v1/orders/${order.orderId}`);
  assert.equal((one.json.order as { status: string }).status, 'CANCELED');
  const rest = await call(alice, 'DELETE', '/api/v1/orders?market=ETH-AED');
  assert.equal((rest.json.orders as unknown[]).length, 1);
  assert.equal(h.engine.core.userBalances(alice.userId).AED!.locked, 0n);
  const bal = await call(alice, 'GET', '/api/v1/balances');
  assert.deepEqual((bal.json.balances as { asset: string }[]).map((b) => b.asset), ['AED', 'BTC', 'ETH']);
  h.engine.core.checkInvariants();
});

test('typed errors: insufficient funds 422, unknown order 404, auth 401, off-tick 400', async () => {
  const poor = await call(alice, 'POST', '/api/v1/orders', { market: 'BTC-AED', side: 'buy', type: 'limit', price: '900000', quantity: '2' });
  assert.equal(poor.status, 422);
  assert.deepEqual(poor.json, { error: { code: 'INSUFFICIENT_FUNDS', message: 'insufficient available balance' } });
  assert.equal((await call(alice, 'GET', '/api/v1/orders/424242')).status, 404);
  assert.equal((await call(alice, 'DELETE', '/api/v1/orders/424242')).json.error?.code, 'UNKNOWN_ORDER');
  const off = await call(alice, 'POST', '/api/v1/orders', { market: 'BTC-AED', side: 'buy', type: 'limit', price: '350000.5', quantity: '0.01' });
  assert.equal(off.status, 400);
  assert.equal(off.json.error?.code, 'PRICE_NOT_ON_TICK');
  const anon = await h.app.inject('/api/v1/balances');
  assert.equal(anon.statusCode, 401);
  assert.equal(anon.json().error.code, 'UNAUTHENTICATED');
  const wrong = await call({ ...alice, secret: 'y'.repeat(64) }, 'GET', '/api/v1/balances');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.error?.code, 'SIGNATURE_INVALID');
  // A replayed signed request is refused.
  const ts = String(++h.now.t);
  const sig = signRequest(alice.secret, nativeSigningString({ timestampMs: ts, method: 'GET', pathWithQuery: '/api/v1/balances', body: '' }));
  const headers = { 'x-api-key': alice.apiKey, 'x-api-timestamp': ts, 'x-api-signature': sig };
  assert.equal((await h.app.inject({ url: '/api/v1/balances', headers })).statusCode, 200);
  const replay = await h.app.inject({ url: '/api/v1/balances', headers });
  assert.equal(replay.statusCode, 401);
  assert.equal(replay.json().error.code, 'REPLAY');
  // A signature over another path does not authorise this one.
  const other = await h.app.inject({ url: '/api/v1/orders', headers: { ...headers, 'x-api-timestamp': String(++h.now.t) } });
  assert.equal(other.statusCode, 401);
});

test('sessions: login sets cookies; CSRF is required for changes; keys are managed only from a session', async () => {
  const bad = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'alice@example.com', password: 'nope nope nope' } });
  assert.equal(bad.statusCode, 401);
  assert.equal(bad.json().error.code, 'LOGIN_FAILED');
  const login = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'alice@example.com', password: PASSWORD } });
  assert.equal(login.statusCode, 200);
  const cookies = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  assert.ok(login.cookies.find((c) => c.name === '__Host-rampart_session')?.httpOnly);
  const csrf = login.json().csrfToken as string;
  const bal = await h.app.inject({ url: '/api/v1/balances', headers: { cookie: cookies } });
  assert.equal(bal.statusCode, 200);
  const noCsrf = await h.app.inject({ method: 'POST', url: '/api/v1/orders', headers: { cookie: cookies }, payload: { market: 'BTC-AED', side: 'buy', type: 'limit', price: '1000', quantity: '0.01' } });
  assert.equal(noCsrf.statusCode, 403);
  assert.equal(noCsrf.json().error.code, 'CSRF_INVALID');
  const placed = await h.app.inject({ method: 'POST', url: '/api/v1/orders', headers: { cookie: cookies, 'x-csrf-token': csrf }, payload: { market: 'BTC-AED', side: 'buy', type: 'limit', price: '1000', quantity: '0.01' } });
  assert.equal(placed.statusCode, 201);
  const key = await h.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: { cookie: cookies, 'x-csrf-token': csrf }, payload: { label: 'bot', permissions: ['trade'] } });
  assert.equal(key.statusCode, 200);
  assert.match(key.json().secret, /^[A-Za-z0-9]{64}$/);
  const viaKey = await call(alice, 'POST', '/api/v1/api-keys', { label: 'x', permissions: ['read'] });
  assert.equal(viaKey.status, 403);
  const list = await h.app.inject({ url: '/api/v1/api-keys', headers: { cookie: cookies } });
  assert.ok(!list.body.includes(key.json().secret), 'secrets are never listed');
  const out = await h.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: cookies, 'x-csrf-token': csrf } });
  assert.equal(out.statusCode, 200);
  assert.equal((await h.app.inject({ url: '/api/v1/balances', headers: { cookie: cookies } })).statusCode, 401);
});

test('IDOR: Bob cannot read, amend or cancel Alice’s orders, nor see her balances or revoke her keys', async () => {
  const placed = await call(alice, 'POST', '/api/v1/orders', { market: 'BTC-AED', side: 'buy', type: 'limit', price: '2000', quantity: '0.01' });
  const id = (placed.json.order as { orderId: number }).orderId;
  const before = JSON.stringify(h.engine.core.userBalances(alice.userId), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  assert.equal((await call(bob, 'GET', `/api/v1/orders/${id}`)).status, 404);
  assert.equal((await call(bob, 'PATCH', `/api/v1/orders/${id}`, { price: '2001' })).status, 404);
  assert.equal((await call(bob, 'DELETE', `/api/v1/orders/${id}`)).status, 404);
  const bobsOpen = await call(bob, 'GET', '/api/v1/orders?status=all');
  assert.ok(!(bobsOpen.json.orders as { orderId: number }[]).some((o) => o.orderId === id));
  await call(bob, 'DELETE', '/api/v1/orders');
  const bobsFills = await call(bob, 'GET', '/api/v1/fills');
  assert.ok((bobsFills.json.fills as { orderId: number }[]).every((f) => h.ctx.feed.orders.get(bob.userId, f.orderId) !== undefined));
  // Balances take no user parameter: the principal decides whose they are.
  const bobBal = await call(bob, 'GET', '/api/v1/balances?userId=' + alice.userId);
  assert.equal(bobBal.status, 400);
  assert.equal(bobBal.json.error?.code, 'PARAM_UNKNOWN');
  assert.equal((await call(bob, 'DELETE', `/api/v1/api-keys/${alice.apiKey}`)).status, 404);
  assert.equal(h.accounts.lookupApiKey(alice.apiKey)?.revokedAtMs, null);
  const after = JSON.stringify(h.engine.core.userBalances(alice.userId), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  assert.equal(after, before);
  assert.equal(h.ctx.feed.orders.get(alice.userId, id)?.status, 'NEW');
  // Under /api/v3 too: Bob asking for Alice's order id gets -2013, cancelling it -2011.
  const q = `symbol=BTCAED&orderId=${id}&timestamp=${++h.now.t}`;
  const r = await h.app.inject({ url: `/api/v3/order?${q}&signature=${signRequest(bob.secret, q)}`, headers: { 'x-mbx-apikey': bob.apiKey } });
  assert.equal(r.json().code, -2013);
  const q2 = `symbol=BTCAED&orderId=${id}&timestamp=${++h.now.t}`;
  const d = await h.app.inject({ method: 'DELETE', url: `/api/v3/order?${q2}&signature=${signRequest(bob.secret, q2)}`, headers: { 'x-mbx-apikey': bob.apiKey } });
  assert.equal(d.json().code, -2011);
  assert.equal(h.ctx.feed.orders.get(alice.userId, id)?.status, 'NEW');
});
