import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { CustodyError } from '../errors.ts';
import type { WithdrawalIntent } from '../intent.ts';
import { fromJson, toJson } from '../json.ts';
import type { OwnUtxo, SignerConfig, SignerInfo, SignerRequest } from './core.ts';
import type { SignedEntry } from './log.ts';

/** What the custody services need from a signer (the child process, or an in-process core in unit tests). */
export interface Signer {
  info(): Promise<SignerInfo>;
  withdraw(intent: WithdrawalIntent, sigHex: string, chain: { btc?: { utxos: OwnUtxo[]; feeRateSatPerVb: bigint }; eth?: { nonce: bigint; maxFeePerGasWei: bigint; maxPriorityFeePerGasWei: bigint } }): Promise<SignedEntry>;
  bump(kind: SignedEntry['kind'], id: string, fees: { btc?: { feeRateSatPerVb: bigint }; eth?: { maxFeePerGasWei: bigint; maxPriorityFeePerGasWei: bigint } }): Promise<SignedEntry>;
  sweep(req: Omit<Extract<SignerRequest, { op: 'sweep' }>, 'op'>): Promise<SignedEntry>;
  toCold(req: Omit<Extract<SignerRequest, { op: 'toCold' }>, 'op'>): Promise<SignedEntry>;
  lookup(kind: SignedEntry['kind'], id: string): Promise<SignedEntry[]>;
}

/** Adapts any request handler to the Signer interface. */
export function signerFrom(send: (req: SignerRequest) => Promise<unknown>): Signer {
  return {
    info: () => send({ op: 'info' }) as Promise<SignerInfo>,
    withdraw: (intent, sigHex, chain) => send({ op: 'withdraw', intent, sigHex, ...chain }) as Promise<SignedEntry>,
    bump: (kind, id, fees) => send({ op: 'bump', kind, id, ...fees }) as Promise<SignedEntry>,
    sweep: (req) => send({ op: 'sweep', ...req }) as Promise<SignedEntry>,
    toCold: (req) => send({ op: 'toCold', ...req }) as Promise<SignedEntry>,
    lookup: (kind, id) => send({ op: 'lookup', kind, id }) as Promise<SignedEntry[]>,
  };
}

const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');
const REQUEST_TIMEOUT_MS = 30_000;
const START_TIMEOUT_MS = 60_000;

/**
 * The separate signer process, spawned by the service: `node --import tsx signer/main.ts
 * <config>`, JSON lines on stdio. Its environment is the parent's plus `env` (the KEK).
 */
export class SignerProcess implements Signer {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }>();
  private nextId = 1;
  private exited = false;
  readonly ready: Promise<SignerInfo>;
  private readonly api: Signer;

  private constructor(configPath: string, env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, ['--import', 'tsx', MAIN, configPath], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    this.child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    let readyResolve!: (v: SignerInfo) => void;
    let readyReject!: (e: unknown) => void;
    this.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    const startTimer = setTimeout(() => readyReject(new CustodyError('SIGNER_UNAVAILABLE', 'signer did not start in time')), START_TIMEOUT_MS);
    const rl = createInterface({ input: this.child.stdout! });
    rl.on('line', (line) => {
      let msg: { id: unknown; ok: boolean; result?: unknown; error?: { code: string; message: string; details: Record<string, unknown> } };
      try {
        msg = fromJson(line);
      } catch {
        return;
      }
      if (msg.id === 'ready') {
        clearTimeout(startTimer);
        readyResolve(msg.result as SignerInfo);
        return;
      }
      const p = this.pending.get(msg.id as number);
      if (p === undefined) return;
      this.pending.delete(msg.id as number);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new CustodyError(msg.error?.code ?? 'SIGNER_PROTOCOL', msg.error?.message ?? 'signer error', msg.error?.details ?? {}));
    });
    this.child.on('exit', (code) => {
      this.exited = true;
      clearTimeout(startTimer);
      const err = new CustodyError('SIGNER_UNAVAILABLE', 'signer process exited', { code, stderr: stderr.slice(-1000) });
      readyReject(err);
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(err);
      }
      this.pending.clear();
    });
    this.api = signerFrom((req) => this.send(req));
  }

  /** Writes `config` to `<config.dir>/../signer.json` (or configPath) and starts the process. */
  static async start(config: SignerConfig, env: NodeJS.ProcessEnv = {}, configPath = join(dirname(config.dir), 'signer.json')): Promise<SignerProcess> {
    mkdirSync(dirname(configPath), { recursive: true });
    writeFileSync(configPath, toJson(config), { mode: 0o600 });
    const p = new SignerProcess(configPath, env);
    await p.ready;
    return p;
  }

  private send(req: SignerRequest): Promise<unknown> {
    if (this.exited) return Promise.reject(new CustodyError('SIGNER_UNAVAILABLE', 'signer process is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CustodyError('SIGNER_UNAVAILABLE', 'signer did not answer in time', { op: req.op }));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.child.stdin!.write(`${toJson({ id, req })}\n`);
    });
  }

  info(): Promise<SignerInfo> {
    return this.api.info();
  }
  withdraw(...a: Parameters<Signer['withdraw']>): Promise<SignedEntry> {
    return this.api.withdraw(...a);
  }
  bump(...a: Parameters<Signer['bump']>): Promise<SignedEntry> {
    return this.api.bump(...a);
  }
  sweep(...a: Parameters<Signer['sweep']>): Promise<SignedEntry> {
    return this.api.sweep(...a);
  }
  toCold(...a: Parameters<Signer['toCold']>): Promise<SignedEntry> {
    return this.api.toCold(...a);
  }
  lookup(...a: Parameters<Signer['lookup']>): Promise<SignedEntry[]> {
    return this.api.lookup(...a);
  }

  /** Closes stdin (the signer finishes what it has and exits); kills after a grace period. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((res) => this.child.once('exit', () => res()));
    this.child.stdin!.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await done;
    clearTimeout(t);
  }

  /** Test hook: the process dies at once (a crash). */
  async kill(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((res) => this.child.once('exit', () => res()));
    this.child.kill('SIGKILL');
    await done;
  }
}
