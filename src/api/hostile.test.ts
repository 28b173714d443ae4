import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { signRequest } from '../identity/index.ts';
import { nativeSigningString } from './auth.ts';
import { ERROR_TABLE } from './errors.ts';
import { harness, type Harness, type TestUser } from './testing.ts';

/**
 * Hostile input against every route: each field of a valid request replaced by a
 * malformed, oversized, wrong-typed or boundary value (a hand list plus fast-check),
 * unknown fields, wrong content types, oversized bodies. Every answer must be a 4xx
 * with the typed error shape (never a 5xx), and no balance or order may change.
 */
let h: Harness;
let alice: TestUser;
let bob: TestUser;
let aliceOrderId: number;

const BAD_STRINGS = [
  '',
  ' ',
  '-1',
  '0',
  '-0',
  '1e3',
  '0x1f',
  'NaN',
  'Infinity',
  '1.',
  '.5',
  '00.1',
  '1,5',
  '١٢',
  '１',
  '9'.repeat(120),
  `0.${'0'.repeat(30)}1`,
  `1${'0'.repeat(30)}`,
  '\u0000',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '../../etc/passwd',
  '__proto__',
  'constructor',
  'BTCUSD',
  'btcaed',
  'x'.repeat(3000),
];
/** Client order ids accept most printable strings, so they get their own list of invalid ones. */
const BAD_IDS = ['', ' ', 'x'.repeat(65), '<script>', '\u0000', '../../x', "' OR 1=1", 'a b', 'é'];
/** Where 0 is a valid boundary (ids to start from, times), it is not a hostile value. */
const ZERO_OK = new Set(['fromId', 'startTime', 'endTime']);
const badFor = (k: string): string[] =>
  k === 'clientOrderId' || k === 'newClientOrderId' ? BAD_IDS : ZERO_OK.has(k) ? BAD_STRINGS.filter((v) => v !== '0') : BAD_STRINGS;
const BAD_JSON: unknown[] = [...BAD_STRINGS, 1, -1, 1.5, 1e308, true, null, [], {}, { $gt: '' }, ['1'], 2 ** 53 + 1];

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
interface Case {
  readonly name: string;
  readonly send: () => Promise<{ status: number; body: string }>;
  readonly v3: boolean;
}

before(async () => {
  // Rate limits out of the way: every case must reach validation, not be turned away with 429.
  const lots = { capacity: 1_000_000, refillPerMinute: 1_000_000 };
  // Lockout off in effect (a million free failures): this test measures validation, not throttling (tested in identity.test.ts).
  h = await harness({ rateLimits: { perIp: lots, perAccount: lots, loginPerIp: lots }, loginLockout: { freeFailures: 1_000_000, firstLockMs: 1000, lockMsMax: 1000, failureMemoryMs: 1000 } });
  alice = await h.user('alice@example.com');
  bob = await h.user('bob@example.com');
  const r = await native(alice, 'POST', '/api/v1/orders', JSON.stringify({ market: 'BTC-AED', side: 'buy', type: 'limit', price: '1000', quantity: '0.01' }));
  assert.equal(r.status, 201);
  aliceOrderId = (JSON.parse(r.body) as { order: { orderId: number } }).order.orderId;
  await native(bob, 'POST', '/api/v1/orders', JSON.stringify({ market: 'BTC-AED', side: 'sell', type: 'limit', price: '400000', quantity: '0.01' }));
});
after(async () => {
  await h.close();
});

async function native(u: TestUser | null, method: Method, url: string, payload?: string, contentType = 'application/json') {
  const headers: Record<string, string> = {};
  if (payload !== undefined) headers['content-type'] = contentType;
  if (u !== null) {
    const ts = String(++h.now.t);
    headers['x-api-key'] = u.apiKey;
    headers['x-api-timestamp'] = ts;
    headers['x-api-signature'] = signRequest(u.secret, nativeSigningString({ timestampMs: ts, method, pathWithQuery: url, body: payload ?? '' }));
  }
  const r = await h.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: r.statusCode, body: r.body };
}

function formOf(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}

async function binance(u: TestUser | null, method: Method, path: string, params: Record<string, string>) {
  let qs = formOf(params);
  const headers: Record<string, string> = {};
  if (u !== null) {
    qs = `${qs}${qs === '' ? '' : '&'}timestamp=${++h.now.t}`;
    qs = `${qs}&signature=${signRequest(u.secret, qs)}`;
    headers['x-mbx-apikey'] = u.apiKey;
  }
  const r =
    method === 'POST'
      ? await h.app.inject({ method, url: `/api/v3${path}`, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: qs })
      : await h.app.inject({ method, url: `/api/v3${path}${qs === '' ? '' : `?${qs}`}`, headers });
  return { status: r.statusCode, body: r.body };
}

/** Valid baseline requests, one per route: [method, path template, path params, query, body, signed]. */
function nativeRoutes(): Array<{ method: Method; path: (p: Record<string, string>) => string; pathParams: Record<string, string>; query: Record<string, string>; body?: Record<string, unknown>; auth: boolean }> {
  const id = String(aliceOrderId);
  return [
    { method: 'GET', path: (p) => `/api/v1/markets/${p.market}/depth`, pathParams: { market: 'BTC-AED' }, query: { limit: '5' }, auth: false },
    { method: 'GET', path: (p) => `/api/v1/markets/${p.market}/trades`, pathParams: { market: 'BTC-AED' }, query: { limit: '5' }, auth: false },
    { method: 'GET', path: (p) => `/api/v1/markets/${p.market}/candles`, pathParams: { market: 'BTC-AED' }, query: { interval: '1m', limit: '5' }, auth: false },
    { method: 'GET', path: (p) => `/api/v1/markets/${p.market}/ticker`, pathParams: { market: 'BTC-AED' }, query: {}, auth: false },
    { method: 'POST', path: () => '/api/v1/orders', pathParams: {}, query: {}, body: { market: 'BTC-AED', side: 'buy', type: 'limit', timeInForce: 'GTC', price: '1000', quantity: '0.01', clientOrderId: 'c1' }, auth: true },
    { method: 'POST', path: () => '/api/v1/orders', pathParams: {}, query: {}, body: { market: 'BTC-AED', side: 'buy', type: 'market', quoteQuantity: '100' }, auth: true },
    { method: 'PATCH', path: (p) => `/api/v1/orders/${p.orderId}`, pathParams: { orderId: id }, query: {}, body: { price: '1001', quantity: '0.02' }, auth: true },
    { method: 'GET', path: (p) => `/api/v1/orders/${p.orderId}`, pathParams: { orderId: id }, query: {}, auth: true },
    { method: 'DELETE', path: (p) => `/api/v1/orders/${p.orderId}`, pathParams: { orderId: id }, query: {}, auth: true },
    { method: 'GET', path: () => '/api/v1/orders', pathParams: {}, query: { market: 'BTC-AED', status: 'open' }, auth: true },
    { method: 'DELETE', path: () => '/api/v1/orders', pathParams: {}, query: { market: 'BTC-AED' }, auth: true },
    { method: 'GET', path: () => '/api/v1/fills', pathParams: {}, query: { market: 'BTC-AED', limit: '5' }, auth: true },
    { method: 'GET', path: () => '/api/v1/balances', pathParams: {}, query: {}, auth: true },
    { method: 'POST', path: () => '/api/v1/session', pathParams: {}, query: {}, body: { email: 'alice@example.com', password: 'x'.repeat(12) }, auth: false },
    { method: 'POST', path: () => '/api/v1/api-keys', pathParams: {}, query: {}, body: { label: 'k', permissions: ['read'] }, auth: true },
    { method: 'DELETE', path: (p) => `/api/v1/api-keys/${p.keyId}`, pathParams: { keyId: 'A'.repeat(64) }, query: {}, auth: true },
  ];
}

function binanceRoutes(): Array<{ method: Method; path: string; params: Record<string, string>; signed: boolean }> {
  const id = String(aliceOrderId);
  return [
    { method: 'GET', path: '/exchangeInfo', params: { symbol: 'BTCAED' }, signed: false },
    { method: 'GET', path: '/depth', params: { symbol: 'BTCAED', limit: '5' }, signed: false },
    { method: 'GET', path: '/ticker/24hr', params: { symbol: 'BTCAED' }, signed: false },
    { method: 'GET', path: '/ticker/24hr', params: { symbols: '["BTCAED"]' }, signed: false },
    { method: 'GET', path: '/aggTrades', params: { symbol: 'BTCAED', limit: '5', fromId: '1', startTime: '1', endTime: '2' }, signed: false },
    { method: 'GET', path: '/klines', params: { symbol: 'BTCAED', interval: '1m', limit: '5', startTime: '1' }, signed: false },
    { method: 'GET', path: '/account', params: { omitZeroBalances: 'true' }, signed: true },
    { method: 'POST', path: '/order', params: { symbol: 'BTCAED', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '1000', newClientOrderId: 'x-1', newOrderRespType: 'FULL' }, signed: true },
    { method: 'POST', path: '/order', params: { symbol: 'BTCAED', side: 'BUY', type: 'MARKET', quoteOrderQty: '100' }, signed: true },
    { method: 'GET', path: '/order', params: { symbol: 'BTCAED', orderId: id }, signed: true },
    { method: 'DELETE', path: '/order', params: { symbol: 'BTCAED', orderId: id }, signed: true },
    { method: 'GET', path: '/openOrders', params: { symbol: 'BTCAED' }, signed: true },
    { method: 'DELETE', path: '/openOrders', params: { symbol: 'BTCAED' }, signed: true },
    { method: 'GET', path: '/allOrders', params: { symbol: 'BTCAED', limit: '5', orderId: id, startTime: '1' }, signed: true },
    { method: 'GET', path: '/myTrades', params: { symbol: 'BTCAED', limit: '5', fromId: '1' }, signed: true },
  ];
}

/** Every mutation of every route: one field replaced, one unknown field added. */
function cases(): Case[] {
  const out: Case[] = [];
  for (const r of nativeRoutes()) {
    const u = r.auth ? alice : null;
    const send = (pp: Record<string, string>, q: Record<string, string>, body?: unknown) => {
      const qs = formOf(q);
      const url = r.path(Object.fromEntries(Object.entries(pp).map(([k, v]) => [k, encodeURIComponent(v)]))) + (qs === '' ? '' : `?${qs}`);
      return native(u, r.method, url, body === undefined ? undefined : JSON.stringify(body));
    };
    const label = `${r.method} ${r.path(r.pathParams)}`;
    for (const k of Object.keys(r.pathParams)) for (const bad of BAD_STRINGS) out.push({ name: `${label} path ${k}=${bad.slice(0, 20)}`, v3: false, send: () => send({ ...r.pathParams, [k]: bad }, r.query, r.body) });
    for (const k of Object.keys(r.query)) for (const bad of badFor(k)) out.push({ name: `${label} query ${k}=${bad.slice(0, 20)}`, v3: false, send: () => send(r.pathParams, { ...r.query, [k]: bad }, r.body) });
    if (r.body !== undefined) for (const k of Object.keys(r.body)) for (const bad of k === 'clientOrderId' ? [...BAD_IDS, 1, null, []] : BAD_JSON) out.push({ name: `${label} body ${k}=${JSON.stringify(bad)?.slice(0, 20)}`, v3: false, send: () => send(r.pathParams, r.query, { ...r.body, [k]: bad }) });
    out.push({ name: `${label} unknown query`, v3: false, send: () => send(r.pathParams, { ...r.query, userId: String(bob.userId) }, r.body) });
    if (r.body !== undefined) out.push({ name: `${label} unknown body field`, v3: false, send: () => send(r.pathParams, r.query, { ...r.body, userId: bob.userId }) });
    if (r.body !== undefined) out.push({ name: `${label} body not an object`, v3: false, send: () => send(r.pathParams, r.query, [r.body]) });
    if (r.body === undefined && r.method !== 'GET') out.push({ name: `${label} unexpected body`, v3: false, send: () => send(r.pathParams, r.query, { x: 1 }) });
  }
  for (const r of binanceRoutes()) {
    const u = r.signed ? alice : null;
    const label = `v3 ${r.method} ${r.path}`;
    for (const k of Object.keys(r.params)) for (const bad of badFor(k)) out.push({ name: `${label} ${k}=${bad.slice(0, 20)}`, v3: true, send: () => binance(u, r.method, r.path, { ...r.params, [k]: bad }) });
    out.push({ name: `${label} unknown param`, v3: true, send: () => binance(u, r.method, r.path, { ...r.params, userId: String(bob.userId) }) });
  }
  return out;
}

function snapshotState(): string {
  const core = h.engine.core;
  const users = [alice.userId, bob.userId].map((u) => core.userBalances(u));
  const orders = [...core.orders.values()].map((o) => [o.id, o.userId, o.priceTicks, o.remLots]);
  return JSON.stringify({ users, orders }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

function assertTyped(name: string, r: { status: number; body: string }, v3: boolean): void {
  assert.ok(r.status >= 400 && r.status < 500 && r.status !== 429, `${name}: expected 4xx, got ${r.status} ${r.body.slice(0, 200)}`);
  const j = JSON.parse(r.body) as { error?: { code?: unknown; message?: unknown }; code?: unknown; msg?: unknown };
  if (v3) {
    assert.ok(typeof j.code === 'number' && j.code < 0 && typeof j.msg === 'string', `${name}: Binance error shape ${r.body.slice(0, 200)}`);
  } else {
    assert.ok(typeof j.error?.code === 'string' && ERROR_TABLE[j.error.code] !== undefined && typeof j.error.message === 'string', `${name}: typed error ${r.body.slice(0, 200)}`);
  }
}

test('every route: each field replaced by hostile values → 4xx typed error, nothing changes', async () => {
  const before = snapshotState();
  const all = cases();
  assert.ok(all.length > 1500, `only ${all.length} cases`);
  const slow: Array<[number, string]> = [];
  for (const c of all) {
    const t0 = performance.now();
    const r = await c.send();
    slow.push([performance.now() - t0, c.name]);
    assertTyped(c.name, r, c.v3);
  }
  if (process.env.HOSTILE_TIMING) console.error(slow.sort((a, b) => b[0] - a[0]).slice(0, 15), slow.reduce((a, b) => a + b[0], 0));
  assert.equal(snapshotState(), before);
  h.engine.core.checkInvariants();
});

test('bodies: oversized, wrong content type, malformed JSON, prototype pollution, duplicate parameters', async () => {
  const before = snapshotState();
  const big = JSON.stringify({ market: 'BTC-AED', side: 'buy', type: 'limit', price: '1000', quantity: '0.01', pad: 'x'.repeat(20_000) });
  const r1 = await native(alice, 'POST', '/api/v1/orders', big);
  assertTyped('oversized', r1, false);
  assert.equal(r1.status, 413);
  for (const ct of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream']) {
    const r = await native(alice, 'POST', '/api/v1/orders', '{"market":"BTC-AED"}', ct);
    assertTyped(ct, r, false);
  }
  for (const body of ['{', '{"a":', 'null', '"str"', '[]', '{"__proto__":{"admin":true},"market":"BTC-AED"}', '{"constructor":{"prototype":{"x":1}}}', '\u0000', '{"market":"BTC-AED","market":"ETH-AED"}']) {
    assertTyped(`json ${body}`, await native(alice, 'POST', '/api/v1/orders', body), false);
  }
  assertTyped('dup v1 query', await native(alice, 'GET', '/api/v1/fills?limit=1&limit=2'), false);
  assertTyped('dup v3', await h.app.inject({ url: '/api/v3/depth?symbol=BTCAED&symbol=ETHAED' }).then((r) => ({ status: r.statusCode, body: r.body })), true);
  assertTyped('bad escape', await h.app.inject({ url: '/api/v3/depth?symbol=%E0%A4%A' }).then((r) => ({ status: r.statusCode, body: r.body })), true);
  assertTyped('long v3', await h.app.inject({ url: `/api/v3/depth?symbol=${'A'.repeat(9000)}` }).then((r) => ({ status: r.statusCode, body: r.body })), true);
  // A parameter after the signature is not covered by it: refused.
  const qs = `symbol=BTCAED&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=1000&timestamp=${++h.now.t}`;
  const forged = await h.app.inject({ method: 'POST', url: '/api/v3/order', headers: { 'x-mbx-apikey': alice.apiKey, 'content-type': 'application/x-www-form-urlencoded' }, payload: `${qs}&signature=${signRequest(alice.secret, qs)}&quantity=1` });
  assertTyped('after signature', { status: forged.statusCode, body: forged.body }, true);
  // Form body for v3 with a form parser that refuses duplicates, and a JSON body where a form is expected.
  const json = await h.app.inject({ method: 'POST', url: '/api/v3/order', headers: { 'x-mbx-apikey': alice.apiKey, 'content-type': 'application/json' }, payload: '{"symbol":"BTCAED"}' });
  assertTyped('json to v3', { status: json.statusCode, body: json.body }, true);
  assertTyped('404', await h.app.inject({ url: '/api/v1/nope' }).then((r) => ({ status: r.statusCode, body: r.body })), false);
  assertTyped('404 v3', await h.app.inject({ url: '/api/v3/nope' }).then((r) => ({ status: r.statusCode, body: r.body })), true);
  assertTyped('method', await h.app.inject({ method: 'PUT', url: '/api/v1/orders' }).then((r) => ({ status: r.statusCode, body: r.body })), false);
  assert.equal(snapshotState(), before);
});

test('fast-check: arbitrary JSON bodies and query strings never produce a 5xx', async () => {
  const before = snapshotState();
  await fc.assert(
    fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom<Method>('POST', 'PATCH'), async (body, method) => {
      const url = method === 'POST' ? '/api/v1/orders' : `/api/v1/orders/${aliceOrderId}`;
      const r = await native(alice, method, url, JSON.stringify(body));
      assertTyped(`${method} ${JSON.stringify(body).slice(0, 80)}`, r, false);
    }),
    { numRuns: 100 },
  );
  await fc.assert(
    fc.asyncProperty(
      fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 }), { maxKeys: 6 }),
      fc.constantFrom('/depth', '/klines', '/aggTrades', '/ticker/24hr', '/order', '/allOrders', '/myTrades'),
      async (params, path) => {
        const signed = ['/order', '/allOrders', '/myTrades'].includes(path);
        const r = await binance(signed ? alice : null, 'GET', path, params);
        if (r.status === 200) return; // e.g. {} on /ticker/24hr is a valid request
        assertTyped(`${path} ${JSON.stringify(params).slice(0, 80)}`, r, true);
      },
    ),
    { numRuns: 100 },
  );
  await fc.assert(
    fc.asyncProperty(fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 }), { maxKeys: 8 }), async (params) => {
      const r = await binance(alice, 'POST', '/order', params);
      assertTyped(`POST /order ${JSON.stringify(params).slice(0, 80)}`, r, true);
    }),
    { numRuns: 100 },
  );
  assert.equal(snapshotState(), before);
});
