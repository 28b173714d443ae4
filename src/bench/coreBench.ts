import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { join } from 'node:path';
import type { Command } from '../core/commands.ts';
import { defaultCoreConfig } from '../core/config.ts';
import { ExchangeCore } from '../core/exchange.ts';
import { stateHash } from '../core/stateHash.ts';
import { Engine, type Submission } from '../engine/engine.ts';
import { decodeCommand } from '../journal/codec.ts';
import { FileJournal } from '../journal/fileJournal.ts';
import { openStore } from '../store/index.ts';
import { readChain } from '../journal/journal.ts';
import { GENESIS_HASH } from '../journal/record.ts';
import { summarize } from './stats.ts';
import { type LiveOrderRef, standardMix, toCommand, type WorkloadOp } from './workload.ts';

export interface CoreBenchOptions {
  readonly commands: number;
  readonly accounts: number;
  readonly seed: number;
  readonly durable: boolean;
  readonly workload?: WorkloadOp[];
  readonly workloadName?: string;
  /** Submissions between yields to the event loop in durable mode (lets fsyncs complete). */
  readonly burst: number;
  /** Journal backend in durable mode: the file journal, or a store (SQLite / PostgreSQL). */
  readonly journalStore?: 'file' | 'sqlite' | 'postgres';
  /** Durable mode: most unacknowledged commands at once (closed loop). */
  readonly inflightMax?: number;
  readonly databaseUrl?: string;
}

const MARKET = 'BTC/AED';
const MID = 350_000;

/** Users named by the workload, created and funded before the clock starts. */
function accountsOf(ops: readonly WorkloadOp[], fallback: number): number[] {
  const s = new Set<number>();
  for (const op of ops) if (op.type === 'place') s.add(op.account);
  if (s.size === 0) for (let i = 1; i <= fallback; i++) s.add(i);
  return [...s].sort((a, b) => a - b);
}

function fundCommands(users: number[]): Command[] {
  const out: Command[] = [];
  for (const u of users) {
    out.push({ type: 'user.open', ts: 0, userId: u });
    out.push({ type: 'deposit', ts: 0, userId: u, asset: 'AED', amount: 10n ** 15n, source: 'bank', ref: `bench-aed-${u}` });
    out.push({ type: 'deposit', ts: 0, userId: u, asset: 'BTC', amount: 10n ** 15n, source: 'chain', ref: `bench-btc-${u}` });
  }
  return out;
}

/** Counts garbage collections and their pause time while `run` executes: allocation pressure, load-independent. */
export async function withGc<T>(run: () => Promise<T>): Promise<{ value: T; gc_count: number; gc_ms: number }> {
  let count = 0;
  let ms = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      count++;
      ms += e.duration;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const value = await run();
  // GC entries are delivered asynchronously; give the observer a moment, then drain it.
  await new Promise((r) => setTimeout(r, 100));
  for (const e of obs.takeRecords()) {
    count++;
    ms += e.duration;
  }
  obs.disconnect();
  return { value, gc_count: count, gc_ms: Math.round(ms) };
}

export async function runCoreBench(o: CoreBenchOptions) {
  const ops = o.workload ?? standardMix({ commands: o.commands, accounts: o.accounts, seed: o.seed, restingTarget: 1000, levelsTarget: 750, midPrice: MID });
  const users = accountsOf(ops, o.accounts);
  const idMap = new Map<number, LiveOrderRef>();
  const latencyUs = new Float64Array(ops.length);
  let trades = 0;
  let rejected = 0;
  const counts = { place: 0, cancel: 0, move: 0 };
  for (const op of ops) counts[op.type]++;

  const record = (op: WorkloadOp, r: { ok: boolean; orderId?: number; events: ReadonlyArray<{ type: string }> }) => {
    if (!r.ok) rejected++;
    if (op.type === 'place' && r.orderId !== undefined) idMap.set(op.id, { orderId: r.orderId, userId: op.account });
    for (const e of r.events) if (e.type === 'trade') trades++;
  };

  let elapsedMs: number;
  let hash: string;
  let replay: { ops_per_sec: number; ops_per_cpu_sec: number; commands: number; state_hash_equal: boolean } | undefined;
  let groups = 0;
  let cpu = { user: 0, system: 0 };
  let dir: string | undefined;
  let gc = { gc_count: 0, gc_ms: 0 };
  if (!o.durable) {
    const core = new ExchangeCore(defaultCoreConfig);
    for (const c of fundCommands(users)) core.apply(c);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const measured = await withGc(async () => {
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i]!;
        const s = performance.now();
        const r = core.apply(toCommand(op, MARKET, 1, idMap));
        latencyUs[i] = (performance.now() - s) * 1000;
        record(op, r);
      }
    });
    elapsedMs = performance.now() - t0;
    cpu = process.cpuUsage(c0);
    gc = { gc_count: measured.gc_count, gc_ms: measured.gc_ms };
    core.checkInvariants();
    hash = stateHash(core);
  } else {
    dir = mkdtempSync(join(tmpdir(), 'rampart-bench-'));
    const kind = o.journalStore ?? 'file';
    const schema = `bench_${process.pid}`;
    const store =
      kind === 'file' ? null : await openStore(kind === 'sqlite' ? { dataDir: dir } : { databaseUrl: o.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test', schema });
    const backend = store === null ? new FileJournal(dir) : store.journal;
    const engine = await Engine.open({ config: defaultCoreConfig, backend, clock: () => 1 });
    await Promise.all(fundCommands(users).map((c) => engine.submit(c as unknown as Submission)));
    const groups0 = engine.journal.groups;
    // Closed loop: at most `inflightMax` unacknowledged commands, as a fixed population of clients
    // would have; an open loop would only measure how fast an unbounded backlog grows.
    const inflightMax = o.inflightMax ?? 20_000;
    let inflight = 0;
    let wake: (() => void) | null = null;
    const pending: Promise<void>[] = [];
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const s = performance.now();
      const cmd = toCommand(op, MARKET, 1, idMap) as unknown as Submission;
      inflight++;
      const p = engine.submit(cmd).then((r) => {
        latencyUs[i] = (performance.now() - s) * 1000;
        inflight--;
        if (wake !== null && inflight < inflightMax / 2) {
          const w = wake;
          wake = null;
          w();
        }
        return r;
      });
      // Results are known synchronously in the core; id mapping must not wait for durability.
      record(op, engine.core.lastResultForBench!);
      pending.push(p.then(() => undefined));
      if (inflight >= inflightMax) await new Promise<void>((r) => (wake = r));
      if (i % o.burst === o.burst - 1) {
        await new Promise<void>((r) => setImmediate(r));
        if (pending.length > 200_000) await Promise.all(pending.splice(0, pending.length));
      }
    }
    await Promise.all(pending);
    elapsedMs = performance.now() - t0;
    cpu = process.cpuUsage(c0);
    groups = engine.journal.groups - groups0;
    engine.core.checkInvariants();
    hash = stateHash(engine.core);
    await engine.journal.sync();
    if (store === null) await engine.close();
    else await backend.open();

    // Replay: rebuild from the journal alone, chain checked, and compare the state hash.
    if (store === null) await (backend as FileJournal).close();
    const replayBackend = store === null ? new FileJournal(dir, { readOnly: true }) : backend;
    await replayBackend.open();
    const core = new ExchangeCore(defaultCoreConfig);
    const r0 = performance.now();
    const rc0 = process.cpuUsage();
    const r = await readChain(replayBackend, 1, GENESIS_HASH, (_seq, payload) => {
      core.apply(decodeCommand(payload));
    });
    const replayMs = performance.now() - r0;
    const rcpu = process.cpuUsage(rc0);
    replay = {
      ops_per_sec: Math.round(r.records / (replayMs / 1000)),
      ops_per_cpu_sec: Math.round(r.records / ((rcpu.user + rcpu.system) / 1e6)),
      commands: r.records,
      state_hash_equal: stateHash(core) === hash,
    };
    if (store !== null) {
      if (store.kind === 'postgres') await store.db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await store.close();
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    bench: 'core',
    workload: o.workloadName ?? 'standard-mix',
    durable: o.durable,
    ...(o.durable ? { journal: o.journalStore ?? 'file' } : {}),
    commands: ops.length,
    accounts: users.length,
    mix: counts,
    trades,
    rejected,
    ops_per_sec: Math.round(ops.length / (elapsedMs / 1000)),
    elapsed_ms: Math.round(elapsedMs),
    /** CPU time of the measured section: on a shared machine, ops per CPU-second is the fairer figure. */
    cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
    ops_per_cpu_sec: Math.round(ops.length / ((cpu.user + cpu.system) / 1e6)),
    load_avg_1m: Math.round(loadavg()[0]! * 100) / 100,
    ...gc,
    ...summarize(latencyUs),
    ...(o.durable ? { fsync_groups: groups, commands_per_group: Math.round(ops.length / Math.max(1, groups)), inflight_max: o.inflightMax ?? 20_000 } : {}),
    ...(replay ? { replay_ops_per_sec: replay.ops_per_sec, replay_ops_per_cpu_sec: replay.ops_per_cpu_sec, replay_state_hash_equal: replay.state_hash_equal } : {}),
    state_hash: hash,
    node: process.version,
  };
}
