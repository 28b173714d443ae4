import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { harness, type Harness, type TestUser } from '../api/testing.ts';
import { FuzzViolation, type Target } from './targets.ts';

/**
 * The HTTP API in-process (app.inject over a real engine and file journal): random
 * methods, paths, query strings, bodies and headers, some correctly signed so the
 * handlers' own validation is reached. Invariant: never a 5xx, and a rejected request
 * (4xx) never changes the caller's balances.
 */
const V3: ReadonlyArray<[string, string]> = [
  ['GET', '/api/v3/ping'], ['GET', '/api/v3/time'], ['GET', '/api/v3/exchangeInfo'], ['GET', '/api/v3/depth'], ['GET', '/api/v3/ticker/24hr'], ['GET', '/api/v3/ticker/price'],
  ['GET', '/api/v3/aggTrades'], ['GET', '/api/v3/trades'], ['GET', '/api/v3/account'], ['POST', '/api/v3/order'], ['GET', '/api/v3/order'], ['DELETE', '/api/v3/order'],
  ['GET', '/api/v3/openOrders'], ['DELETE', '/api/v3/openOrders'], ['GET', '/api/v3/allOrders'], ['GET', '/api/v3/myTrades'],
];
const V1 = ['/api/v1/health', '/api/v1/markets', '/api/v1/markets/BTC-AED/depth', '/api/v1/markets/BTC-AED/trades', '/api/v1/markets/BTC-AED/ticker', '/api/v1/markets/BTC-AED/candles', '/api/v1/balances', '/api/v1/orders', '/api/v1/orders/1', '/api/v1/fills', '/api/v1/session', '/api/v1/api-keys', '/api/v1/api-keys/x', '/api/v1/markets/%00/depth'];
const PARAM_NAMES = ['symbol', 'side', 'type', 'timeInForce', 'quantity', 'price', 'quoteOrderQty', 'newClientOrderId', 'orderId', 'origClientOrderId', 'limit', 'startTime', 'endTime', 'fromId', 'newOrderRespType', 'interval', 'market', 'recvWindow', 'timestamp', 'signature', 'x'];
const PARAM_VALUES = ['BTCAED', 'ETHAED', 'btcaed', 'BUY', 'SELL', 'LIMIT', 'MARKET', 'LIMIT_MAKER', 'GTC', 'IOC', 'FOK', '0.01', '1', '350000', '-1', '0', '1e5', '99999999999999999999999', 'NaN', '', ' ', '1m', 'ACK', 'FULL', '%00', '💥'];

const param = fc.tuple(fc.constantFrom(...PARAM_NAMES), fc.oneof(fc.constantFrom(...PARAM_VALUES), fc.string({ maxLength: 30 })));

interface Req {
  route: readonly [string, string];
  params: Array<[string, string]>;
  body: string | null;
  contentType: string | null;
  auth: 'none' | 'signed' | 'badsig' | 'v1signed';
  extraHeaders: Array<[string, string]>;
}

const route = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...V3) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('GET', 'POST', 'DELETE'), fc.constantFrom(...V1)) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'),
      fc.oneof(fc.string({ maxLength: 40 }).map((s) => `/api/v3/${encodeURIComponent(s)}`), fc.constantFrom('/', '/ws', '/api', '/api/v1/../v3/ping', '/docs/json')),
    ),
  },
);

/** Well-formed parameter sets, some with one value replaced, so signed requests reach the handlers' logic. */
const VALID_PARAMS: ReadonlyArray<Array<[string, string]>> = [
  [['symbol', 'BTCAED'], ['side', 'BUY'], ['type', 'LIMIT'], ['timeInForce', 'GTC'], ['quantity', '0.01'], ['price', '350000']],
  [['symbol', 'BTCAED'], ['side', 'SELL'], ['type', 'LIMIT_MAKER'], ['quantity', '0.001'], ['price', '360000']],
  [['symbol', 'ETHAED'], ['side', 'BUY'], ['type', 'MARKET'], ['quoteOrderQty', '100']],
  [['symbol', 'BTCAED'], ['side', 'SELL'], ['type', 'MARKET'], ['quantity', '0.002']],
  [['symbol', 'BTCAED'], ['orderId', '1']],
  [['symbol', 'BTCAED']],
  [],
];
const validish = fc.tuple(fc.constantFrom(...VALID_PARAMS), fc.option(fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...PARAM_VALUES), fc.string({ maxLength: 20 }))), { nil: null })).map(([ps, edit]) => {
  const out = ps.map(([k, v]) => [k, v] as [string, string]);
  if (edit !== null && out.length > 0) out[edit[0] % out.length]![1] = edit[1];
  return out;
});

const reqArb: fc.Arbitrary<Req> = fc.record({
  route,
  params: fc.oneof(fc.array(param, { maxLength: 8 }), validish),
  body: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 200 }), fc.constant('{"market":"BTC-AED","side":"buy","type":"limit","price":"350000","quantity":"0.01"}')) }),
  contentType: fc.option(fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml'), { nil: null }),
  auth: fc.constantFrom('none', 'signed', 'signed', 'badsig', 'v1signed'),
  extraHeaders: fc.array(fc.tuple(fc.constantFrom('x-mbx-apikey', 'cookie', 'x-csrf-token', 'x-forwarded-for', 'x-api-key', 'x-api-timestamp', 'x-api-signature'), fc.string({ maxLength: 80 })), { maxLength: 2, size: 'xsmall' }),
});

export interface ApiFuzz {
  readonly target: Target;
  readonly statusCounts: Map<number, number>;
  close(): Promise<void>;
}

function balancesOf(h: Harness, u: TestUser): string {
  return JSON.stringify(h.engine.core.userBalances(u.userId), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

export async function apiTarget(weight = 15): Promise<ApiFuzz> {
  const big = { capacity: 1_000_000, refillPerMinute: 1_000_000 };
  const h = await harness({ rateLimits: { perIp: big, perAccount: big, loginPerIp: big } });
  const u = await h.user('fuzz@example.com');
  const statusCounts = new Map<number, number>();
  const target: Target = {
    name: 'api.inject',
    weight,
    arb: reqArb,
    async run(x) {
      const r0 = x as Req;
      const r = { ...r0, method: r0.route[0], url: r0.route[1] };
      h.now.t += 1; // unique timestamps: a signature is never a replay by accident
      const ts = String(h.now.t);
      let q = new URLSearchParams(r.params).toString();
      const headers: Record<string, string> = {};
      for (const [k, v] of r.extraHeaders) headers[k] = v.replace(/[^\x20-\x7e]/g, '');
      if (r.contentType !== null && r.body !== null) headers['content-type'] = r.contentType;
      if (r.auth === 'signed' || r.auth === 'badsig') {
        q = `${q}${q === '' ? '' : '&'}timestamp=${ts}`;
        const sig = r.auth === 'signed' ? createHmac('sha256', u.secret).update(q + (r.body ?? '')).digest('hex') : '0'.repeat(64);
        q = `${q}&signature=${sig}`;
        headers['x-mbx-apikey'] = u.apiKey;
      } else if (r.auth === 'v1signed') {
        const path = `${r.url}${q === '' ? '' : `?${q}`}`;
        const body = r.body ?? '';
        const bodySha = createHash('sha256').update(body).digest('hex');
        const s = `timestamp=${ts}&method=${r.method}&path=${encodeURIComponent(path)}&bodySha256=${bodySha}`;
        headers['x-api-key'] = u.apiKey;
        headers['x-api-timestamp'] = ts;
        headers['x-api-signature'] = createHmac('sha256', u.secret).update(s).digest('hex');
      }
      const before = balancesOf(h, u);
      let res: Awaited<ReturnType<typeof h.app.inject>>;
      try {
        res = await h.app.inject({ method: r.method as 'GET', url: `${r.url}${q === '' ? '' : `?${q}`}`, headers, ...(r.body === null ? {} : { payload: r.body }) });
      } catch (e) {
        throw new FuzzViolation(`inject threw: ${e instanceof Error ? e.message : String(e)}`);
      }
      statusCounts.set(res.statusCode, (statusCounts.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500) throw new FuzzViolation(`${r.method} ${r.url} → ${res.statusCode}: ${res.body.slice(0, 300)}`);
      if (res.statusCode >= 400 && balancesOf(h, u) !== before) throw new FuzzViolation(`${r.method} ${r.url} rejected with ${res.statusCode} but balances changed`);
    },
  };
  return { target, statusCounts, close: () => h.close() };
}
