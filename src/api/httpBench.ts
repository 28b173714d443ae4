import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Accounts, openSqliteAccounts } from '../accounts/index.ts';
import { defaultCoreConfig } from '../core/config.ts';
import { Engine } from '../engine/engine.ts';
import { FileJournal } from '../journal/fileJournal.ts';
import { buildApp } from './app.ts';

/**
 * HTTP benchmark: the real app (engine + FileJournal in a temp dir, fsync as configured
 * by the journal) on loopback, driven by autocannon in a separate process with signed
 * (HMAC-SHA256) order placement then cancellation. Rate limits are raised for the run
 * (they would otherwise be what is measured); every other check stays on.
 */
export interface HttpBenchOptions {
  readonly durationMs: number;
  readonly connections: number;
  /** Bench users (API keys); orders rotate over them. Default 16. */
  readonly users?: number;
}

export interface HttpBenchResult {
  /** Accepted order placements per second (each followed by a cancellation). */
  readonly orders_per_sec: number;
  /** All signed requests (placements + cancellations) answered 2xx per second. */
  readonly requests_per_sec: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  /** Non-2xx answers plus socket errors and timeouts. */
  readonly errors: number;
  readonly connections: number;
  readonly duration_s: number;
}

const SERVER_KEY = { kid: 'bench', key: new Uint8Array(32).fill(5) };

export async function runHttpBench(options: HttpBenchOptions): Promise<HttpBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-httpbench-'));
  const clock = () => Date.now();
  const engine = await Engine.open({ config: defaultCoreConfig, backend: new FileJournal(join(dir, 'journal')), clock });
  const accounts = new Accounts({ repo: openSqliteAccounts(':memory:'), engine, clock, serverKey: SERVER_KEY, passwordParams: { memoryKiB: 64, iterations: 1, parallelism: 1 } });
  // identity caps policies at 1e6; a 1e6-token burst outlasts any run here.
  const unlimited = { capacity: 1_000_000, refillPerMinute: 1_000_000 };
  const { app } = await buildApp({
    engine,
    accounts,
    clock,
    config: { serverKeys: (kid) => (kid === SERVER_KEY.kid ? SERVER_KEY.key : undefined), csrfKey: new Uint8Array(32).fill(3), secureCookies: false, docs: false, rateLimits: { perIp: unlimited, perAccount: unlimited } },
  });
  try {
    const users: { apiKey: string; secret: string }[] = [];
    for (let i = 0; i < (options.users ?? 16); i++) {
      const u = await accounts.createUser({ email: `bench${i}@bench.example`, password: 'bench password long enough' });
      accounts.setKyc(u.id, 'approved', null);
      const r = await engine.submit({ type: 'deposit', userId: u.id, asset: 'AED', amount: 10n ** 12n, source: 'bank', ref: `bench-${i}` });
      if (!r.ok) throw new Error(`bench deposit refused: ${r.error?.code}`);
      const k = accounts.createApiKey(u.id, { label: 'bench', permissions: ['read', 'trade'] });
      users.push({ apiKey: k.keyId, secret: k.secret });
    }
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no listening address');
    const load = join(dirname(fileURLToPath(import.meta.url)), 'httpBenchLoad.ts');
    const cfg = JSON.stringify({ url: `http://127.0.0.1:${addr.port}`, durationMs: options.durationMs, connections: options.connections, users });
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', load, cfg], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString('utf8');
      });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`load process exited ${code}: ${text.slice(-500)}`))));
    });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { seconds: number; requests: number; placeOk: number; cancelOk: number; non2xx: number; errors: number; p50_ms: number; p99_ms: number };
    const s = r.seconds > 0 ? r.seconds : options.durationMs / 1000;
    return {
      orders_per_sec: Math.round(r.placeOk / s),
      requests_per_sec: Math.round((r.placeOk + r.cancelOk) / s),
      p50_ms: r.p50_ms,
      p99_ms: r.p99_ms,
      errors: r.non2xx + r.errors,
      connections: options.connections,
      duration_s: s,
    };
  } finally {
    await app.close();
    accounts.repo.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
