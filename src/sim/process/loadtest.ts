import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Creds, freePort, makeUser, rng, rssKiB, type Server, signed, sleep, startServer, stopClean } from './server.ts';

/**
 * Load test of the real process (issue 12): Rampart --demo (market maker running) on
 * loopback; trading clients place and cancel signed orders over /api/v3, public clients
 * GET the book, ticker and trades, WebSocket subscribers follow btcaed@depth and
 * btcaed@trade, all for a bounded time. Reports throughput, latency percentiles, errors,
 * and the server's RSS before, during (peak) and after; fails when RSS passes the bound,
 * a 5xx or transport error occurs, or /health does not answer after the load.
 * 429s are counted apart: every client shares 127.0.0.1, so the per-IP limiter
 * (1,200/min) answers most of the load by design; they still cost the server a request.
 */
interface MiniWs {
  on(ev: 'open' | 'close', f: () => void): void;
  on(ev: 'message', f: (data: Buffer) => void): void;
  on(ev: 'error', f: (e: Error) => void): void;
  send(s: string): void;
  close(): void;
  terminate(): void;
}
const WebSocketCtor = createRequire(import.meta.url)('ws') as new (url: string) => MiniWs;

export interface LoadOptions {
  seed: number;
  durationMs: number;
  traders: number;
  readers: number;
  subscribers: number;
  rssMaxMiB: number;
  log: (line: string) => void;
}

export interface LoadReport {
  seed: number;
  durationMs: number;
  requests: number;
  perSecond: number;
  byStatus: Record<string, number>;
  rateLimited: number;
  errors: number;
  errorSamples: string[];
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  acceptedOrders: number;
  ws: { connected: number; messages: number; closedEarly: number };
  rssMiB: { before: number; peak: number; after: number; bound: number };
  healthAfterMs: number;
  violations: string[];
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]! * 10) / 10;
}

export async function loadTest(opts: LoadOptions): Promise<LoadReport> {
  const rand = rng(opts.seed);
  const dir = mkdtempSync(join(tmpdir(), 'rampart-load-'));
  const port = await freePort();
  const server: Server = await startServer(dir, port, { demo: true });
  const latencies: number[] = [];
  const byStatus = new Map<number, number>();
  const errorSamples: string[] = [];
  const violations: string[] = [];
  let errors = 0;
  let acceptedOrders = 0;
  const ws = { connected: 0, messages: 0, closedEarly: 0 };
  const sockets: MiniWs[] = [];
  let peakKiB = 0;
  let rssBefore = 0;
  let rssAfter = 0;
  let healthAfterMs = -1;
  const note = (status: number, ms: number) => {
    latencies.push(ms);
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  };
  const fail = (what: string) => {
    errors++;
    if (errorSamples.length < 10) errorSamples.push(what);
  };
  try {
    const users: Creds[] = [];
    for (let i = 0; i < opts.traders; i++) users.push(await makeUser(dir, `load${i}@example.com`, '1000000.00'));
    await sleep(500);
    rssBefore = rssKiB(server.pid) ?? 0;
    peakKiB = rssBefore;
    const t0 = Date.now();
    const end = t0 + opts.durationMs;
    const sampler = setInterval(() => {
      peakKiB = Math.max(peakKiB, rssKiB(server.pid) ?? 0);
    }, 200);
    // WebSocket subscribers.
    let stopping = false;
    for (let i = 0; i < opts.subscribers; i++) {
      const s = new WebSocketCtor(`ws://127.0.0.1:${port}/ws`);
      sockets.push(s);
      s.on('open', () => {
        ws.connected++;
        s.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcaed@depth', 'btcaed@trade'], id: i }));
      });
      s.on('message', () => {
        ws.messages++;
      });
      s.on('close', () => {
        if (!stopping) ws.closedEarly++;
      });
      s.on('error', (e) => fail(`ws: ${e.message}`));
    }
    const timed = async (f: () => Promise<number>) => {
      const a = performance.now();
      try {
        const status = await f();
        note(status, performance.now() - a);
        if (status >= 500) fail(`HTTP ${status}`);
      } catch (e) {
        fail(`transport: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    const trader = async (u: Creds, r: () => number) => {
      const open: number[] = [];
      while (Date.now() < end) {
        await timed(async () => {
          if (open.length > 0 && r() < 0.4) {
            const id = open.splice(Math.floor(r() * open.length), 1)[0]!;
            return (await signed(server.base, u, 'DELETE', '/order', { symbol: 'BTCAED', orderId: String(id) })).status;
          }
          const res = await signed(server.base, u, 'POST', '/order', { symbol: 'BTCAED', side: 'BUY', type: 'LIMIT_MAKER', price: String(100_000 + Math.floor(r() * 10_000)), quantity: '0.01', newOrderRespType: 'ACK' });
          if (res.status === 200) {
            acceptedOrders++;
            open.push((res.body as { orderId: number }).orderId);
          }
          return res.status;
        });
      }
    };
    const PUBLIC = ['/api/v3/depth?symbol=BTCAED&limit=50', '/api/v3/trades?symbol=BTCAED&limit=50', '/api/v3/ticker/24hr?symbol=BTCAED', '/api/v1/markets/BTC-AED/depth', '/api/v1/markets', '/api/v3/exchangeInfo'];
    const reader = async (r: () => number) => {
      while (Date.now() < end) {
        await timed(async () => {
          const res = await fetch(`${server.base}${PUBLIC[Math.floor(r() * PUBLIC.length)]!}`, { signal: AbortSignal.timeout(10_000) });
          await res.arrayBuffer();
          return res.status;
        });
      }
    };
    const progress = setInterval(() => opts.log(`  t+${Math.round((Date.now() - t0) / 1000)} s: ${latencies.length} requests, ${ws.messages} ws messages, rss ${Math.round((rssKiB(server.pid) ?? 0) / 1024)} MiB`), 5_000);
    await Promise.all([...users.map((u) => trader(u, rng(Math.floor(rand() * 2 ** 31)))), ...Array.from({ length: opts.readers }, () => reader(rng(Math.floor(rand() * 2 ** 31))))]);
    const elapsed = Date.now() - t0;
    clearInterval(progress);
    clearInterval(sampler);
    stopping = true;
    for (const s of sockets) s.close();
    // Recovery: health answers promptly once the load stops; RSS settles.
    const h0 = performance.now();
    const health = await fetch(`${server.base}/api/v1/health`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.status).catch(() => 0);
    healthAfterMs = Math.round(performance.now() - h0);
    if (health !== 200) violations.push(`health after load: ${health}`);
    await sleep(2_000);
    rssAfter = rssKiB(server.pid) ?? 0;
    if (peakKiB / 1024 > opts.rssMaxMiB) violations.push(`RSS peak ${Math.round(peakKiB / 1024)} MiB > bound ${opts.rssMaxMiB} MiB`);
    if (errors > 0) violations.push(`${errors} errors (5xx or transport), e.g. ${errorSamples.join('; ')}`);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      seed: opts.seed,
      durationMs: elapsed,
      requests: latencies.length,
      perSecond: Math.round((latencies.length * 1000) / elapsed),
      byStatus: Object.fromEntries([...byStatus].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v])),
      rateLimited: byStatus.get(429) ?? 0,
      errors,
      errorSamples,
      latencyMs: { p50: pct(sorted, 50), p90: pct(sorted, 90), p99: pct(sorted, 99), max: Math.round(sorted.at(-1) ?? 0) },
      acceptedOrders,
      ws,
      rssMiB: { before: Math.round(rssBefore / 1024), peak: Math.round(peakKiB / 1024), after: Math.round(rssAfter / 1024), bound: opts.rssMaxMiB },
      healthAfterMs,
      violations,
    };
  } finally {
    for (const s of sockets) s.terminate();
    await stopClean(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatLoadReport(r: LoadReport): string[] {
  return [
    `loadtest seed ${r.seed}: ${r.requests} HTTP requests in ${r.durationMs} ms = ${r.perSecond}/s; statuses ${JSON.stringify(r.byStatus)} (429 = per-IP limiter, all clients on 127.0.0.1)`,
    `  latency ms: p50 ${r.latencyMs.p50}, p90 ${r.latencyMs.p90}, p99 ${r.latencyMs.p99}, max ${r.latencyMs.max}; accepted orders ${r.acceptedOrders}`,
    `  websocket: ${r.ws.connected} connected, ${r.ws.messages} messages, ${r.ws.closedEarly} closed early`,
    `  RSS MiB: before ${r.rssMiB.before}, peak ${r.rssMiB.peak}, after ${r.rssMiB.after} (bound ${r.rssMiB.bound}); health after load in ${r.healthAfterMs} ms`,
    r.violations.length === 0 ? '  invariants: all held' : `  VIOLATIONS: ${r.violations.join(' | ')}`,
  ];
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { seed: { type: 'string' }, duration: { type: 'string' }, traders: { type: 'string' }, readers: { type: 'string' }, subscribers: { type: 'string' }, 'rss-max-mib': { type: 'string' } } });
  const r = await loadTest({
    seed: Number(values.seed ?? 1),
    durationMs: Number(values.duration ?? 30) * 1000,
    traders: Number(values.traders ?? 8),
    readers: Number(values.readers ?? 16),
    subscribers: Number(values.subscribers ?? 100),
    rssMaxMiB: Number(values['rss-max-mib'] ?? 1024),
    log: (l) => process.stdout.write(`${l}\n`),
  });
  for (const l of formatLoadReport(r)) process.stdout.write(`${l}\n`);
  return r.violations.length === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`loadtest failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(2);
    },
  );
}
