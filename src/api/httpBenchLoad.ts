import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { nativeSigningString } from './auth.ts';

/**
 * The load generator of `runHttpBench`, run as a separate process (so it does not share
 * the server's event loop): signed order placement then cancellation, round-robin over
 * the bench users. Prints one JSON line with autocannon's figures.
 */
interface LoadConfig {
  url: string;
  durationMs: number;
  connections: number;
  users: { apiKey: string; secret: string }[];
}

interface AutocannonResult {
  duration: number;
  requests: { total: number };
  errors: number;
  timeouts: number;
  latency: { p50: number; p99: number };
}
// autocannon ships no types; this is the slice of its API used here.
type Autocannon = (opts: Record<string, unknown>, cb: (err: unknown, result: AutocannonResult) => void) => unknown;
const require = createRequire(import.meta.url);
// autocannon writes a request's head and body separately; without TCP_NODELAY, Nagle plus the
// server's delayed ACK adds ~40 ms to every request with a body (measured: p50 34 ms → see docs).
const net = require('node:net') as typeof import('node:net');
const connect = net.connect;
(net as { connect: unknown }).connect = (...args: Parameters<typeof net.connect>) => {
  const socket = connect(...args);
  socket.setNoDelay(true);
  return socket;
};
const autocannon = require('autocannon') as Autocannon;

const cfg = JSON.parse(process.argv[2] ?? '{}') as LoadConfig;
let next = 0;
let placeOk = 0;
let cancelOk = 0;
let non2xx = 0;

function sign(user: { apiKey: string; secret: string }, method: string, path: string, body: string): Record<string, string> {
  const ts = String(Date.now());
  const signed = nativeSigningString({ timestampMs: ts, method, pathWithQuery: path, body });
  const sig = createHmac('sha256', user.secret).update(signed).digest('hex');
  return { 'x-api-key': user.apiKey, 'x-api-timestamp': ts, 'x-api-signature': sig, 'content-type': 'application/json' };
}

interface Ctx {
  user?: { apiKey: string; secret: string };
  orderId?: number;
}

const instance = autocannon(
  {
    url: cfg.url,
    connections: cfg.connections,
    duration: Math.max(1, Math.round(cfg.durationMs / 1000)),
    requests: [
      {
        setupRequest: (req: Record<string, unknown>, context: Ctx) => {
          const n = next++;
          const user = cfg.users[n % cfg.users.length]!;
          context.user = user;
          // A unique clientOrderId per order also makes every signature unique (the replay cache refuses repeats).
          const body = JSON.stringify({ market: 'BTC-AED', side: 'buy', type: 'limit', postOnly: true, price: '100000', quantity: '0.001', clientOrderId: `b${process.pid}-${n}` });
          return { ...req, method: 'POST', path: '/api/v1/orders', body, headers: sign(user, 'POST', '/api/v1/orders', body) };
        },
        onResponse: (status: number, body: string, context: Ctx) => {
          if (status === 201) {
            placeOk++;
            context.orderId = (JSON.parse(body) as { order: { orderId: number } }).order.orderId;
          } else non2xx++;
        },
      },
      {
        setupRequest: (req: Record<string, unknown>, context: Ctx) => {
          if (context.orderId === undefined || context.user === undefined) return undefined;
          const path = `/api/v1/orders/${context.orderId}`;
          return { ...req, method: 'DELETE', path, body: undefined, headers: sign(context.user, 'DELETE', path, '') };
        },
        onResponse: (status: number) => {
          if (status === 200) cancelOk++;
          else non2xx++;
        },
      },
    ],
  },
  (err, result) => {
    if (err) {
      process.stdout.write(`${JSON.stringify({ error: String(err) })}\n`);
      process.exit(1);
    }
    const seconds = result.duration;
    process.stdout.write(
      `${JSON.stringify({
        seconds,
        requests: result.requests.total,
        placeOk,
        cancelOk,
        non2xx,
        errors: result.errors + result.timeouts,
        p50_ms: result.latency.p50,
        p99_ms: result.latency.p99,
      })}\n`,
    );
  },
);
void instance;
