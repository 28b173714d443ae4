import { assert } from '../shared/assert.ts';
import type { JournalBackend, JournalFrame } from './backend.ts';
import { JournalError } from './errors.ts';
import { checkLink, decodeRecord, encodeRecord, GENESIS_HASH } from './record.ts';

/** A group commit carries at most this many records or bytes; appends beyond wait for the next group. */
export const GROUP_RECORDS_MAX = 8192;
export const GROUP_BYTES_MAX = 8 * 1024 * 1024;
/** Appends waiting for durability before `append` refuses: backpressure, never unbounded memory. */
export const PENDING_RECORDS_MAX = 1_000_000;

interface Pending {
  readonly frame: JournalFrame;
  resolve(): void;
  reject(e: unknown): void;
}

/**
 * The hash-chained, group-committed journal over any backend. `append` frames a payload
 * as the next record and returns a promise that resolves once the record is durable;
 * records appended while a group is being made durable form the next group, so one
 * fsync (or one SQL transaction) carries many commands under load.
 * Once a write fails the journal is failed for good: the process must stop
 * acknowledging and restart from what is durable.
 */
export class Journal {
  readonly backend: JournalBackend;
  lastSeq = 0;
  lastHash: Uint8Array = GENESIS_HASH;
  durableSeq = 0;
  private pending: Pending[] = [];
  private flushing = false;
  private failure: JournalError | null = null;
  /** Groups written and records per group, for the benchmark. */
  groups = 0;

  constructor(backend: JournalBackend) {
    this.backend = backend;
  }

  /** Opens the backend and finds the chain head (hash of the last record). */
  async open(): Promise<void> {
    const { lastSeq } = await this.backend.open();
    this.lastSeq = lastSeq;
    this.durableSeq = lastSeq;
    if (lastSeq > 0) {
      const [last] = await this.backend.read(lastSeq, 1);
      assert(last !== undefined, 'backend lost its last frame');
      const d = decodeRecord(last.frame, 0);
      if (!d.ok || d.record.seq !== lastSeq) throw new JournalError('JOURNAL_CORRUPT', 'last journal record is damaged', { seq: lastSeq });
      this.lastHash = d.record.hash;
    }
  }

  get failed(): JournalError | null {
    return this.failure;
  }

  append(payload: Uint8Array): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.pending.length >= PENDING_RECORDS_MAX) return Promise.reject(new JournalError('JOURNAL_IO', 'journal backlog full'));
    const seq = this.lastSeq + 1;
    const { frame, hash } = encodeRecord(seq, this.lastHash, payload);
    this.lastSeq = seq;
    this.lastHash = hash;
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ frame: { seq, frame }, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        queueMicrotask(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0 && this.failure === null) {
      let n = 0;
      let bytes = 0;
      while (n < this.pending.length && n < GROUP_RECORDS_MAX && bytes < GROUP_BYTES_MAX) bytes += this.pending[n++]!.frame.frame.length;
      const group = this.pending.splice(0, n);
      try {
        await this.backend.append(group.map((p) => p.frame));
      } catch (e) {
        this.failure = e instanceof JournalError ? e : new JournalError('JOURNAL_IO', 'journal append failed', { reason: e instanceof Error ? e.message : String(e) });
        for (const p of group) p.reject(this.failure);
        for (const p of this.pending) p.reject(this.failure);
        this.pending = [];
        break;
      }
      this.groups++;
      this.durableSeq = group[group.length - 1]!.frame.seq;
      for (const p of group) p.resolve();
    }
    this.flushing = false;
  }

  /** Resolves when everything appended so far is durable. */
  async sync(): Promise<void> {
    if (this.lastSeq === this.durableSeq) return;
    await new Promise<void>((resolve, reject) => {
      const tick = () => {
        if (this.failure !== null) reject(this.failure);
        else if (this.durableSeq >= this.lastSeq) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
  }

  async close(): Promise<void> {
    await this.sync();
    await this.backend.close();
  }
}

/**
 * Reads records fromSeq.. in order, checking checksums and the hash chain from `prevHash`
 * (the hash of record fromSeq−1, or genesis). Calls `visit` with each payload.
 */
export async function readChain(
  backend: JournalBackend,
  fromSeq: number,
  prevHash: Uint8Array,
  visit: (seq: number, payload: Uint8Array) => void,
  options: { toSeq?: number; chunk?: number } = {},
): Promise<{ lastSeq: number; lastHash: Uint8Array; records: number }> {
  const chunk = options.chunk ?? 16_384;
  const toSeq = options.toSeq ?? Number.MAX_SAFE_INTEGER;
  let seq = fromSeq - 1;
  let hash = prevHash;
  let records = 0;
  for (;;) {
    const frames = await backend.read(seq + 1, Math.min(chunk, toSeq - seq));
    if (frames.length === 0) break;
    for (const f of frames) {
      const d = decodeRecord(f.frame, 0);
      if (!d.ok) throw new JournalError('JOURNAL_CORRUPT', 'journal record fails its checksum', { seq: f.seq, reason: d.reason });
      checkLink(seq, hash, d.record);
      visit(d.record.seq, d.record.payload);
      seq = d.record.seq;
      hash = d.record.hash;
      records++;
    }
    if (seq >= toSeq) break;
  }
  return { lastSeq: seq, lastHash: hash, records };
}

/** Hash of record `seq` (genesis for 0), read from the backend. */
export async function hashAt(backend: JournalBackend, seq: number): Promise<Uint8Array> {
  if (seq === 0) return GENESIS_HASH;
  const [f] = await backend.read(seq, 1);
  if (f === undefined) throw new JournalError('JOURNAL_SEQ_GAP', 'journal has no such record', { seq });
  const d = decodeRecord(f.frame, 0);
  if (!d.ok) throw new JournalError('JOURNAL_CORRUPT', 'journal record fails its checksum', { seq });
  return d.record.hash;
}
