import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { assert } from '../../shared/assert.ts';
import type { EthAddress } from './address.ts';
import { ChainError } from './errors.ts';

/** Hardhat's default mnemonic; its keys are public: test and demo only. */
export const HARDHAT_TEST_MNEMONIC = 'test test test test test test test test test test test junk';

export interface HardhatNodeOptions {
  chainId?: number;
  mnemonic?: string;
  accountCount?: number;
  accountBalanceWei?: bigint;
  /** Automine (one block per tx) or a block every `intervalMs`. */
  mining?: { mode: 'auto' } | { mode: 'interval'; intervalMs: number };
  /** Base fee of block 0 (hardhat default 1 gwei). */
  initialBaseFeePerGasWei?: bigint;
  startTimeoutMs?: number;
  /** Called with each chunk of the node's output (stdout+stderr), for debugging. */
  onLog?: (text: string) => void;
}

export interface HardhatNode {
  readonly rpcUrl: string;
  readonly chainId: number;
  readonly port: number;
  readonly pid: number;
  /** Wall time from spawn until `eth_chainId` answered. */
  readonly startMs: number;
  stop(): Promise<void>;
}

// Generous: on a loaded 2-core machine (load average 17) a start took 19.7 s.
const START_TIMEOUT_MS_DEFAULT = 60_000;
const STOP_TIMEOUT_MS = 5_000;
const RPC_TIMEOUT_MS = 5_000;
const POLL_INTERVAL_MS = 50;
const PORT_ATTEMPTS_MAX = 3;
const LOG_TAIL_CHARS_MAX = 4_000;

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL whatever is still running.
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * Preloaded into the node process: exit when our parent disappears (e.g. the
 * test runner was SIGKILLed and no 'exit' hook ran), so no node is orphaned.
 */
const WATCHDOG_CJS = `const p = process.ppid;
setInterval(() => {
  if (process.ppid === p) return;
  try { require('node:fs').rmSync(__dirname, { recursive: true, force: true }); } catch {}
  process.exit(0);
}, 500).unref();
`;

function hardhatConfig(o: Required<Omit<HardhatNodeOptions, 'onLog' | 'startTimeoutMs'>>): string {
  const mining =
    o.mining.mode === 'auto' ? { auto: true, interval: 0 } : { auto: false, interval: o.mining.intervalMs };
  const cfg = {
    // No `solidity` and no sources: `hardhat node` never compiles and never downloads solc.
    paths: { sources: './no-sources', cache: './cache', artifacts: './artifacts' },
    networks: {
      hardhat: {
        chainId: o.chainId,
        accounts: { mnemonic: o.mnemonic, count: o.accountCount, accountsBalance: o.accountBalanceWei.toString() },
        mining,
        initialBaseFeePerGas: Number(o.initialBaseFeePerGasWei),
        loggingEnabled: false,
      },
    },
  };
  return `module.exports = ${JSON.stringify(cfg, null, 2)};\n`;
}

/** Ask the OS for a free loopback port (tiny race until hardhat binds it; retried). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Minimal JSON-RPC call for node control (the validated client lives in client.ts). */
export async function rawRpc(rpcUrl: string, method: string, params: unknown[] = [], timeoutMs = RPC_TIMEOUT_MS): Promise<unknown> {
  const res = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
  if (body.error) throw new ChainError('RPC_ERROR', `${method}: ${body.error.message}`, { method, rpcCode: body.error.code });
  return body.result;
}

function hardhatEntry(): { script: string; projectRoot: string } {
  const req = createRequire(import.meta.url);
  const pkg = req.resolve('hardhat/package.json');
  // Hardhat 2 refuses to run unless `hardhat` resolves from its cwd (HH12), so
  // the child's cwd is the directory that holds node_modules/hardhat.
  return { script: join(dirname(pkg), 'internal', 'cli', 'bootstrap.js'), projectRoot: dirname(dirname(dirname(pkg))) };
}

/**
 * Start `hardhat node` (hardhat 2) as a child process on 127.0.0.1 with a
 * generated config in a temp dir, and wait until `eth_chainId` answers.
 * Needs no network: no compile, telemetry prompt disabled, no TTY (so no banner).
 */
export async function startHardhatNode(options: HardhatNodeOptions = {}): Promise<HardhatNode> {
  const o = {
    chainId: options.chainId ?? 31337,
    mnemonic: options.mnemonic ?? HARDHAT_TEST_MNEMONIC,
    accountCount: options.accountCount ?? 5,
    accountBalanceWei: options.accountBalanceWei ?? 10_000n * 10n ** 18n,
    mining: options.mining ?? { mode: 'auto' as const },
    initialBaseFeePerGasWei: options.initialBaseFeePerGasWei ?? 1_000_000_000n,
  };
  assert(Number.isSafeInteger(o.chainId) && o.chainId > 0, 'chainId is a positive integer', { chainId: o.chainId });
  assert(o.accountCount >= 1 && o.accountCount <= 100, 'accountCount in 1..100');
  const timeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS_DEFAULT;
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS_MAX; attempt++) {
    try {
      return await startOnce(o, timeoutMs, options.onLog);
    } catch (e) {
      lastError = e;
      // Only a lost port race is worth another try.
      if (!(e instanceof ChainError && e.details.addressInUse === true)) throw e;
    }
  }
  throw lastError;
}

async function startOnce(
  o: Required<Omit<HardhatNodeOptions, 'onLog' | 'startTimeoutMs'>>,
  timeoutMs: number,
  onLog: ((t: string) => void) | undefined,
): Promise<HardhatNode> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-hardhat-'));
  const configPath = join(dir, 'hardhat.config.cjs');
  writeFileSync(configPath, hardhatConfig(o));
  writeFileSync(join(dir, 'watchdog.cjs'), WATCHDOG_CJS);
  const port = await freePort();
  const { script, projectRoot } = hardhatEntry();
  const env: NodeJS.ProcessEnv = { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true', DO_NOT_TRACK: '1' };
  // Our tsx loader (test runner) is not needed by hardhat and slows its start.
  delete env.NODE_OPTIONS;
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--require', join(dir, 'watchdog.cjs'), script, '--config', configPath, 'node', '--hostname', '127.0.0.1', '--port', String(port)],
    { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  live.add(child);
  installExitHook();
  let tail = '';
  let exited: { code: number | null; signal: string | null } | null = null;
  const onData = (b: Buffer): void => {
    const t = b.toString('utf8');
    tail = (tail + t).slice(-LOG_TAIL_CHARS_MAX);
    onLog?.(t);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(child);
      rmSync(dir, { recursive: true, force: true });
      resolve();
    });
  });
  const rpcUrl = `http://127.0.0.1:${port}`;

  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exitPromise;
    clearTimeout(timer);
  };

  const deadline = started + timeoutMs;
  for (;;) {
    if (exited) {
      const inUse = /EADDRINUSE/.test(tail);
      throw new ChainError('NODE_START_FAILED', 'hardhat node exited during start', { ...(exited as object), addressInUse: inUse, log: tail });
    }
    try {
      const id = await rawRpc(rpcUrl, 'eth_chainId', [], 1_000);
      if (id === `0x${o.chainId.toString(16)}`) break;
      await stop();
      throw new ChainError('NODE_START_FAILED', 'hardhat node answered with another chain id', { expected: o.chainId, got: id });
    } catch (e) {
      if (e instanceof ChainError) throw e;
      // Not listening yet: keep polling until the deadline.
    }
    if (performance.now() > deadline) {
      await stop();
      throw new ChainError('NODE_START_TIMEOUT', `hardhat node did not answer within ${timeoutMs} ms`, { timeoutMs, log: tail });
    }
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
  const startMs = Math.round(performance.now() - started);
  assert(child.pid !== undefined, 'child has a pid');
  return { rpcUrl, chainId: o.chainId, port, pid: child.pid, startMs, stop };
}

// ---- Test helpers: hardhat's development RPC methods ----------------------

/** Mine `blocks` empty-or-mempool blocks now. */
export async function mine(rpcUrl: string, blocks = 1): Promise<void> {
  assert(Number.isSafeInteger(blocks) && blocks >= 1 && blocks <= 10_000, 'blocks in 1..10000');
  if (blocks === 1) await rawRpc(rpcUrl, 'evm_mine');
  else await rawRpc(rpcUrl, 'hardhat_mine', [`0x${blocks.toString(16)}`]);
}

/** Snapshot the whole chain state; `revert` with the id goes back (a reorg-like rewind). */
export async function snapshot(rpcUrl: string): Promise<string> {
  const id = await rawRpc(rpcUrl, 'evm_snapshot');
  assert(typeof id === 'string', 'evm_snapshot returns an id');
  return id;
}

export async function revert(rpcUrl: string, snapshotId: string): Promise<boolean> {
  return (await rawRpc(rpcUrl, 'evm_revert', [snapshotId])) === true;
}

export async function setAutomine(rpcUrl: string, on: boolean): Promise<void> {
  await rawRpc(rpcUrl, 'evm_setAutomine', [on]);
}

export async function setIntervalMining(rpcUrl: string, intervalMs: number): Promise<void> {
  await rawRpc(rpcUrl, 'evm_setIntervalMining', [intervalMs]);
}

export async function setBalance(rpcUrl: string, address: EthAddress, balanceWei: bigint): Promise<void> {
  assert(balanceWei >= 0n, 'balance is non-negative');
  await rawRpc(rpcUrl, 'hardhat_setBalance', [address, `0x${balanceWei.toString(16)}`]);
}

export async function setNextBlockBaseFee(rpcUrl: string, baseFeeWei: bigint): Promise<void> {
  await rawRpc(rpcUrl, 'hardhat_setNextBlockBaseFeePerGas', [`0x${baseFeeWei.toString(16)}`]);
}

/** Drop a pending transaction from the mempool (simulates a node that forgot it). */
export async function dropTransaction(rpcUrl: string, hash: string): Promise<boolean> {
  return (await rawRpc(rpcUrl, 'hardhat_dropTransaction', [hash])) === true;
}
