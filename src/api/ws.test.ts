import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { signRequest } from '../identity/index.ts';
import { harness, type Harness, type TestUser } from './testing.ts';

/** The `ws` client that @fastify/websocket depends on (no bundled types: a minimal shape). */
interface WsClient {
  on(event: 'message', cb: (data: Buffer) => void): void;
  on(event: 'close', cb: (code: number) => void): void;
  on(event: 'open' | 'error', cb: (e?: unknown) => void): void;
  send(data: string): void;
  close(): void;
  readonly _socket: { pause(): void; resume(): void };
}
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string, opts?: { headers?: Record<string, string> }) => WsClient;

interface Msg {
  id?: unknown;
  result?: unknown;
  error?: { code: string };
  stream?: string;
  data?: Record<string, unknown> & { e?: string };
}

let h: Harness;
let url: string;
let alice: TestUser;
let bob: TestUser;

before(async () => {
  h = await harness({ ws: { sendQueueBytesMax: 64 * 1024, messagesPerMinute: 1_000_000 } }, { realClock: true });
  url = (await h.app.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws');
  alice = await h.user('alice@example.com');
  bob = await h.user('bob@example.com');
});
after(async () => {
  await h.close();
});

/** Opens a connection that queues every message for `next(pred)`. */
async function connect(): Promise<{ ws: WsClient; next: (pred: (m: Msg) => boolean, timeoutMs?: number) => Promise<Msg>; seen: Msg[] }> {
  const ws = new WebSocket(`${url}/ws`);
  const seen: Msg[] = [];
  const waiters: Array<{ pred: (m: Msg) => boolean; resolve: (m: Msg) => void }> = [];
  ws.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString()) as Msg;
    seen.push(m);
    for (let i = 0; i < waiters.length; i++) {
      if (waiters[i]!.pred(m)) {
        waiters[i]!.resolve(m);
        waiters.splice(i, 1);
        return;
      }
    }
  });
  await new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
  });
  // Each message is handed out once; `next` takes the first unconsumed match, waiting if none yet.
  const consumed = new Set<Msg>();
  const next = (pred: (m: Msg) => boolean, timeoutMs = 3000) =>
    new Promise<Msg>((resolve, reject) => {
      const found = seen.find((m) => !consumed.has(m) && pred(m));
      if (found !== undefined) {
        consumed.add(found);
        resolve(found);
        return;
      }
      const t = setTimeout(() => reject(new Error('timeout waiting for a message')), timeoutMs);
      waiters.push({
        pred: (m) => !consumed.has(m) && pred(m),
        resolve: (m) => {
          clearTimeout(t);
          consumed.add(m);
          resolve(m);
        },
      });
    });
  return { ws, next, seen };
}

function signedOrder(u: TestUser, params: string) {
  const qs = `${params}&timestamp=${Date.now()}`;
  return h.app.inject({ method: 'POST', url: '/api/v3/order', headers: { 'x-mbx-apikey': u.apiKey, 'content-type': 'application/x-www-form-urlencoded' }, payload: `${qs}&signature=${signRequest(u.secret, qs)}` });
}

test('public: depth snapshot then gap-free diffs that rebuild the REST book; trades and ticker', async () => {
  const { ws, next } = await connect();
  ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcaed@depth@100ms', 'btcaed@trade', 'btcaed@ticker'], id: 1 }));
  assert.deepEqual(await next((m) => m.id === 1), { result: null, id: 1 });
  const snap = (await next((m) => m.data?.e === 'depthSnapshot')).data as { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] };
  const bids = new Map(snap.bids);
  const asks = new Map(snap.asks);
  let lastU = snap.lastUpdateId;

  for (const p of ['350000', '349000', '348000']) assert.equal((await signedOrder(alice, `symbol=BTCAED&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=${p}`)).statusCode, 200);
  assert.equal((await signedOrder(bob, 'symbol=BTCAED&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.01&price=351000')).statusCode, 200);
  assert.equal((await signedOrder(bob, 'symbol=BTCAED&side=SELL&type=MARKET&quantity=0.015')).statusCode, 200);

  const trade = await next((m) => m.data?.e === 'trade');
  assert.equal(trade.data!.p, '350000');
  // One ticker per result: the market sell traded at 350000 then 349000.
  const ticker = await next((m) => m.data?.e === 'ticker');
  assert.equal(ticker.data!.last, '349000');

  // Apply diffs until the book is as of the current core sequence.
  const target = h.engine.core.seq;
  let applied = 0;
  while (lastU < target) {
    const d = (await next((m) => m.data?.e === 'depthUpdate')).data as { U: number; u: number; b: [string, string][]; a: [string, string][] };
    if (d.u <= snap.lastUpdateId) continue;
    assert.ok(d.U <= lastU + 1, `gap: U=${d.U} after u=${lastU}`);
    if (applied > 0) assert.equal(d.U, lastU + 1, 'consecutive diffs are contiguous');
    for (const [p, q] of d.b) q === '0' ? bids.delete(p) : bids.set(p, q);
    for (const [p, q] of d.a) q === '0' ? asks.delete(p) : asks.set(p, q);
    lastU = d.u;
    applied++;
  }
  const rest = (await h.app.inject('/api/v3/depth?symbol=BTCAED&limit=1000')).json();
  assert.deepEqual([...bids.entries()], rest.bids);
  assert.deepEqual([...asks.entries()], rest.asks);
  assert.deepEqual([...bids.entries()], [
    ['349000', '0.005'],
    ['348000', '0.01'],
  ]);
  ws.close();
});

test('private: LOGIN with an API-key signature, then orders, fills and balances; none before LOGIN', async () => {
  const { ws, next } = await connect();
  ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['orders'], id: 1 }));
  assert.equal((await next((m) => m.id === 1)).error?.code, 'BAD_REQUEST');
  const ts = String(Date.now());
  const sig = signRequest(alice.secret, `apiKey=${alice.apiKey}&timestamp=${ts}`);
  ws.send(JSON.stringify({ method: 'LOGIN', params: { apiKey: alice.apiKey, timestamp: ts, signature: sig }, id: 2 }));
  assert.deepEqual((await next((m) => m.id === 2)).result, { userId: alice.userId });
  ws.send(JSON.stringify({ method: 'LOGIN', params: { apiKey: alice.apiKey, timestamp: ts, signature: sig }, id: 3 }));
  assert.equal((await next((m) => m.id === 3)).error?.code, 'REPLAY');
  ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['orders', 'fills', 'balances'], id: 4 }));
  await next((m) => m.id === 4);
  await next((m) => m.stream === 'balances');
  await signedOrder(bob, 'symbol=BTCAED&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.002&price=352000');
  const mine = await signedOrder(alice, 'symbol=BTCAED&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=352000');
  const order = await next((m) => m.stream === 'orders' && m.data?.orderId === mine.json().orderId && m.data?.status === 'FILLED');
  assert.equal(order.data!.executedQty, '0.001');
  const fill = await next((m) => m.stream === 'fills');
  assert.equal(fill.data!.price, '351000', 'the best ask (left by the previous test)');
  assert.equal(fill.data!.liquidity, 'taker');
  await next((m) => m.stream === 'balances');
  ws.close();
});

test('a session cookie authenticates the upgrade from the same origin only (no cross-site WebSocket hijacking)', async () => {
  const login = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'alice@example.com', password: 'correct horse battery staple' } });
  const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const host = new URL(url.replace('ws', 'http')).host;
  for (const [origin, allowed] of [[`http://${host}`, true], ['https://evil.example', false]] as const) {
    const ws = new WebSocket(`${url}/ws`, { headers: { cookie, origin } });
    const msgs: Msg[] = [];
    ws.on('message', (d: Buffer) => msgs.push(JSON.parse(d.toString()) as Msg));
    await new Promise((r) => ws.on('open', r));
    ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['balances'], id: 1 }));
    while (!msgs.some((m) => m.id === 1)) await new Promise((r) => setTimeout(r, 10));
    const ack = msgs.find((m) => m.id === 1)!;
    assert.equal(ack.error === undefined, allowed, origin);
    ws.close();
  }
});

test('hostile frames get typed errors; unknown streams refused; the connection survives', async () => {
  const { ws, next } = await connect();
  for (const [i, frame] of ['not json', '[]', '{"method":"NOPE","id":7}', '{"method":"SUBSCRIBE","params":["zzz@depth"],"id":8}', '{"method":"SUBSCRIBE","params":[],"id":9}', `{"method":"SUBSCRIBE","params":${JSON.stringify(Array(50).fill('btcaed@trade'))},"id":10}`].entries()) {
    ws.send(frame);
    const m = await next((x) => x.error !== undefined);
    assert.ok(typeof m.error?.code === 'string', `frame ${i}`);
  }
  ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['ethaed@trade'], id: 11 }));
  assert.deepEqual(await next((m) => m.id === 11), { result: null, id: 11 });
  ws.close();
});

test('a slow consumer is disconnected once its send queue passes the bound, not buffered forever', async () => {
  // A deeper book makes each snapshot bigger.
  for (let i = 0; i < 200; i++) await signedOrder(alice, `symbol=BTCAED&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=${300000 - i * 10}`);
  const { ws } = await connect();
  const closed = new Promise<number>((resolve) => ws.on('close', (code: number) => resolve(code)));
  const before = (h.app as unknown as { wsConnections: () => number }).wsConnections();
  ws._socket.pause(); // stop reading: the server's socket buffer fills
  for (let i = 0; i < 8000; i++) ws.send(JSON.stringify({ method: i % 2 === 0 ? 'SUBSCRIBE' : 'UNSUBSCRIBE', params: ['btcaed@depth'], id: i }));
  const deadline = Date.now() + 10_000;
  while ((h.app as unknown as { wsConnections: () => number }).wsConnections() >= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal((h.app as unknown as { wsConnections: () => number }).wsConnections(), before - 1, 'server dropped the slow connection');
  ws._socket.resume();
  const code = await closed;
  assert.ok(code === 1008 || code === 1006, `closed with ${code}`);
});
