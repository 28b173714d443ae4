import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callAdmin } from '../../cli/admin.ts';
import { mulberry32 } from '../../shared/prng.ts';

/**
 * A real Rampart process for the crash and load tests: spawned from bin/rampart.js on a
 * data dir, on 127.0.0.1 only, driven over HTTP and its admin socket like an operator.
 */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = join(REPO_ROOT, 'bin', 'rampart.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Server {
  readonly child: ChildProcess;
  readonly base: string;
  readonly pid: number;
  /** ms from spawn to the first ready /health. */
  readonly startMs: number;
  output(): string;
}

export async function startServer(dataDir: string, port: number, opts: { demo?: boolean; timeoutMs?: number } = {}): Promise<Server> {
  const t0 = performance.now();
  const args = [BIN, 'start', '--data-dir', dataDir, '--port', String(port), '--host', '127.0.0.1', ...(opts.demo === true ? ['--demo'] : [])];
  const child = spawn(process.execPath, ['--max-semi-space-size=64', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: '' } });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString('utf8')).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`rampart exited during start (${child.exitCode ?? child.signalCode}): ${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`rampart not ready within timeout: ${out}`);
    }
    try {
      const r = await fetch(`${base}/api/v1/health`, { signal: AbortSignal.timeout(1_000) });
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  return { child, base, pid: child.pid ?? 0, startMs: performance.now() - t0, output: () => out };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** kill -9, resolved once the process is gone. */
export function killHard(s: Server): Promise<void> {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
    s.child.once('exit', () => resolve());
    s.child.kill('SIGKILL');
  });
}

/** SIGTERM (clean stop: journal closed), resolved once the process is gone. */
export function stopClean(s: Server, timeoutMs = 20_000): Promise<number | null> {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve(s.child.exitCode);
    const t = setTimeout(() => s.child.kill('SIGKILL'), timeoutMs);
    s.child.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
    s.child.kill('SIGTERM');
  });
}

/** Resident set size of a process in KiB, from /proc/<pid>/status (VmRSS); null when gone. */
export function rssKiB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}

export interface Creds {
  readonly email: string;
  readonly apiKey: string;
  readonly secret: string;
  readonly userId: number;
}

async function admin(dataDir: string, req: Parameters<typeof callAdmin>[1]): Promise<Record<string, unknown>> {
  const r = await callAdmin(dataDir, req);
  if (r === null || r.ok === false) throw new Error(`admin ${req.op} failed: ${JSON.stringify(r)}`);
  return r;
}

/** A KYC-approved user with a read,trade key, funded with `aed` (decimal AED) through the sandbox bank. */
export async function makeUser(dataDir: string, email: string, aed: string): Promise<Creds> {
  const u = await admin(dataDir, { op: 'user.create', email, password: 'correct horse battery staple', kyc: 'approved' });
  const k = await admin(dataDir, { op: 'apiKey.create', email, perms: ['read', 'trade'] });
  await admin(dataDir, { op: 'sandbox.deposit', email, asset: 'AED', amount: aed });
  return { email, apiKey: String(k.apiKey), secret: String(k.secret), userId: Number(u.userId) };
}

export interface Reply {
  readonly status: number;
  readonly body: unknown;
}

/** A Binance SIGNED request: HMAC-SHA256(secret, query) appended as the last parameter. */
export async function signed(base: string, c: Creds, method: 'GET' | 'POST' | 'DELETE', path: string, params: Record<string, string>, timeoutMs = 5_000): Promise<Reply> {
  const q = new URLSearchParams({ ...params, timestamp: String(Date.now()), recvWindow: '10000' }).toString();
  const sig = createHmac('sha256', c.secret).update(q).digest('hex');
  const r = await fetch(`${base}/api/v3${path}?${q}&signature=${sig}`, { method, headers: { 'X-MBX-APIKEY': c.apiKey }, signal: AbortSignal.timeout(timeoutMs) });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: r.status, body };
}

/** mulberry32: a small seeded PRNG, so every run reproduces from its seed. */
export const rng = mulberry32;
