import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { JournalFrame } from '../journal/backend.ts';
import { encodeRecord, GENESIS_HASH } from '../journal/record.ts';
import { assert } from '../shared/assert.ts';
import { openStore, type Store } from './open.ts';
import type { PgDb } from './postgres.ts';
import { buildWorkload } from './testing/workload.ts';

export interface StoreBenchOptions {
  readonly store: 'sqlite' | 'postgres';
  /** PostgreSQL URL (default postgres://postgres@127.0.0.1:5432/test); a private schema is created and dropped. */
  readonly databaseUrl?: string;
  /** PostgreSQL schema to create and drop (default rampart_bench_<random>). */
  readonly schema?: string;
  /** SQLite directory (default: a temporary one, removed afterwards). */
  readonly dataDir?: string;
  /** Journal frames to append (default 100,000). */
  readonly frames?: number;
  /** Frames per append (default 1,000: the journal's group commit). */
  readonly batchSize?: number;
  /** Bytes per frame, framing included (default 150, a typical order command). */
  readonly frameBytes?: number;
  /** Core commands to project (default 20,000). */
  readonly projectionCommands?: number;
  /** Commands per projection transaction (default 500). */
  readonly projectionBatch?: number;
}

export interface StoreBenchResult {
  readonly store: 'sqlite' | 'postgres';
  readonly durability: string;
  readonly journal: {
    readonly frames: number;
    readonly frameBytes: number;
    readonly batchSize: number;
    readonly rowsPerSec: number;
    readonly mbPerSec: number;
    readonly commitMsP50: number;
    readonly commitMsP99: number;
    readonly commitMsMax: number;
  };
  readonly projection: {
    readonly commands: number;
    readonly batchSize: number;
    readonly rows: number;
    readonly rowsPerSec: number;
    readonly commandsPerSec: number;
  };
  readonly machine: { readonly cpu: string; readonly cores: number; readonly node: string };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Real journal frames (record.ts framing, hash-chained) of `bytes` each. */
function makeFrames(count: number, bytes: number): JournalFrame[] {
  const payloadBytes = bytes - 52; // 12 header + 40 fixed body
  assert(payloadBytes > 0, 'frameBytes must exceed 52');
  const out: JournalFrame[] = [];
  let prev: Uint8Array = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const { frame, hash } = encodeRecord(seq, prev, randomBytes(payloadBytes));
    out.push({ seq, frame });
    prev = hash;
  }
  return out;
}

/**
 * Journal append throughput and commit latency (each batch one durable transaction:
 * SQLite WAL + synchronous=FULL, PostgreSQL synchronous_commit=on), then projection
 * throughput over a real core workload. Wired into `npm run bench -- --store …`.
 */
export async function runStoreBench(o: StoreBenchOptions): Promise<StoreBenchResult> {
  const frameCount = o.frames ?? 100_000;
  const batchSize = o.batchSize ?? 1000;
  const frameBytes = o.frameBytes ?? 150;
  const commands = o.projectionCommands ?? 20_000;
  const projectionBatch = o.projectionBatch ?? 500;
  let tmp: string | null = null;
  let store: Store;
  const schema = o.schema ?? `rampart_bench_${randomBytes(5).toString('hex')}`;
  if (o.store === 'postgres') {
    store = await openStore({ databaseUrl: o.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test', schema });
  } else {
    const dir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'rampart-bench-'));
    if (o.dataDir === undefined) tmp = dir;
    store = await openStore({ dataDir: dir });
  }
  try {
    let durability = 'WAL, synchronous=FULL';
    if (store.kind === 'postgres') {
      const [r] = await store.db.all<{ synchronous_commit: string }>('SHOW synchronous_commit');
      const [f] = await store.db.all<{ fsync: string }>('SHOW fsync');
      durability = `synchronous_commit=${r?.synchronous_commit}, fsync=${f?.fsync}`;
    }
    const frames = makeFrames(frameCount, frameBytes);
    await store.journal.open();
    const latencies: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < frames.length; i += batchSize) {
      const s = performance.now();
      await store.journal.append(frames.slice(i, i + batchSize));
      latencies.push(performance.now() - s);
    }
    const appendSec = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);

    const work = buildWorkload(commands, 11, 50);
    let rows = 0;
    const p0 = performance.now();
    for (let i = 0; i < work.inputs.length; i += projectionBatch) rows += (await store.projector.apply(work.inputs.slice(i, i + projectionBatch))).rows;
    const projSec = (performance.now() - p0) / 1000;

    return {
      store: o.store,
      durability,
      journal: {
        frames: frameCount,
        frameBytes,
        batchSize,
        rowsPerSec: Math.round(frameCount / appendSec),
        mbPerSec: round((frameCount * frameBytes) / appendSec / 1e6),
        commitMsP50: round(quantile(latencies, 0.5)),
        commitMsP99: round(quantile(latencies, 0.99)),
        commitMsMax: round(latencies[latencies.length - 1] ?? 0),
      },
      projection: {
        commands: work.inputs.length,
        batchSize: projectionBatch,
        rows,
        rowsPerSec: Math.round(rows / projSec),
        commandsPerSec: Math.round(work.inputs.length / projSec),
      },
      machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
    };
  } finally {
    if (store.kind === 'postgres') await (store.db as PgDb).dropSchema().catch(() => undefined);
    await store.close();
    if (tmp !== null) rmSync(tmp, { recursive: true, force: true });
  }
}
