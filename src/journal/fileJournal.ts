import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { open as openAsync, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { assert } from '../shared/assert.ts';
import type { JournalBackend, JournalFrame, SnapshotBackend } from './backend.ts';
import { JournalError } from './errors.ts';
import { decodeRecord } from './record.ts';

/**
 * The largest tail that may be cut as torn after a crash. Only the last group write can be
 * torn, and a group is bounded (GROUP_BYTES_MAX in journal.ts); bad bytes followed by more than
 * this are not a torn write but corruption, and the journal refuses to open.
 */
export const TORN_TAIL_BYTES_MAX = 16 * 1024 * 1024;

/**
 * Journal frames in one append-only file, `journal.rjr`, made durable with fdatasync
 * per group; snapshots as files `snapshot-<seq>.json` written to a temporary name,
 * fsynced and renamed (atomic on POSIX). A lock file keeps a second writer out.
 */
export class FileJournal implements JournalBackend, SnapshotBackend {
  readonly kind = 'file';
  readonly dir: string;
  private readonly path: string;
  private readonly lockPath: string;
  private handle: FileHandle | null = null;
  private size = 0;
  /** offsets[i] = byte offset of seq i+1. */
  private offsets = new Float64Array(1024);
  private count = 0;
  /** Bytes of torn tail cut at open, for the operator's log. */
  tornBytesCut = 0;
  private readonly readOnly: boolean;

  constructor(dir: string, options: { readOnly?: boolean } = {}) {
    this.dir = dir;
    this.path = join(dir, 'journal.rjr');
    this.lockPath = join(dir, 'journal.lock');
    this.readOnly = options.readOnly === true;
  }

  async open(): Promise<{ lastSeq: number }> {
    mkdirSync(this.dir, { recursive: true });
    if (!this.readOnly) this.lock();
    const buf = existsSync(this.path) ? readFileSync(this.path) : Buffer.alloc(0);
    let offset = 0;
    while (offset < buf.length) {
      const d = decodeRecord(buf, offset);
      if (!d.ok) {
        const rest = buf.length - offset;
        if (rest > TORN_TAIL_BYTES_MAX) throw new JournalError('JOURNAL_CORRUPT', 'journal record is damaged and not at the tail', { offset, reason: d.reason });
        // Torn tail: never acknowledged (its group's fsync did not complete), so it is cut.
        if (this.readOnly) break;
        this.tornBytesCut = rest;
        const fd = openSync(this.path, 'r+');
        try {
          ftruncateSync(fd, offset);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        break;
      }
      if (d.record.seq !== this.count + 1) throw new JournalError('JOURNAL_SEQ_GAP', 'journal sequence is not contiguous', { expected: this.count + 1, got: d.record.seq });
      this.push(offset);
      offset += d.record.size;
    }
    this.size = offset;
    if (!this.readOnly) this.handle = await openAsync(this.path, 'a');
    return { lastSeq: this.count };
  }

  private push(offset: number): void {
    if (this.count === this.offsets.length) {
      const grown = new Float64Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[this.count++] = offset;
  }

  private lock(): void {
    try {
      writeFileSync(this.lockPath, String(process.pid), { flag: 'wx' });
    } catch {
      const pid = Number(readFileSync(this.lockPath, 'utf8'));
      let alive = false;
      try {
        if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid) {
          process.kill(pid, 0);
          alive = true;
        }
      } catch {
        alive = false;
      }
      if (alive) throw new JournalError('JOURNAL_LOCKED', 'another process holds the journal', { pid, dir: this.dir });
      writeFileSync(this.lockPath, String(process.pid));
    }
  }

  async append(frames: readonly JournalFrame[]): Promise<void> {
    const handle = this.handle;
    if (handle === null) throw new JournalError('JOURNAL_CLOSED', 'journal is not open for writing');
    if (frames.length === 0) return;
    assert(frames[0]!.seq === this.count + 1, 'append must continue the sequence', { expected: this.count + 1, got: frames[0]!.seq });
    const buf = frames.length === 1 ? frames[0]!.frame : Buffer.concat(frames.map((f) => f.frame));
    try {
      let written = 0;
      while (written < buf.length) {
        const r = await handle.write(buf, written, buf.length - written);
        written += r.bytesWritten;
      }
      await handle.datasync();
    } catch (e) {
      throw new JournalError('JOURNAL_IO', 'journal write did not become durable', { reason: e instanceof Error ? e.message : String(e) });
    }
    let offset = this.size;
    for (const f of frames) {
      this.push(offset);
      offset += f.frame.length;
    }
    this.size = offset;
  }

  async read(fromSeq: number, limit: number): Promise<JournalFrame[]> {
    assert(fromSeq >= 1 && limit >= 1, 'bad read range');
    const out: JournalFrame[] = [];
    if (fromSeq > this.count) return out;
    const last = Math.min(this.count, fromSeq + limit - 1);
    const start = this.offsets[fromSeq - 1]!;
    const end = last === this.count ? this.size : this.offsets[last]!;
    const buf = Buffer.allocUnsafe(end - start);
    const fd = openSync(this.path, 'r');
    try {
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, start + got);
        if (n === 0) break;
        got += n;
      }
    } finally {
      closeSync(fd);
    }
    for (let seq = fromSeq; seq <= last; seq++) {
      const a = this.offsets[seq - 1]! - start;
      const b = (seq === this.count ? this.size : this.offsets[seq]!) - start;
      out.push({ seq, frame: buf.subarray(a, b) });
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.handle !== null) {
      await this.handle.close();
      this.handle = null;
      try {
        unlinkSync(this.lockPath);
      } catch {
        // already gone
      }
    }
  }

  /** Bytes on disk, for the operator and the benchmark. */
  bytes(): number {
    return existsSync(this.path) ? fstatSize(this.path) : 0;
  }

  // ---- snapshots -------------------------------------------------------------------

  async putSnapshot(seq: number, bytes: Uint8Array): Promise<void> {
    const final = join(this.dir, `snapshot-${String(seq).padStart(12, '0')}.json`);
    const tmp = `${final}.tmp`;
    const h = await openAsync(tmp, 'w');
    try {
      await h.write(bytes);
      await h.sync();
    } finally {
      await h.close();
    }
    renameSync(tmp, final);
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
    // Keep the newest three.
    for (const old of (await this.listSnapshots()).slice(3)) unlinkSync(join(this.dir, `snapshot-${String(old).padStart(12, '0')}.json`));
  }

  async listSnapshots(): Promise<number[]> {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .map((n) => /^snapshot-(\d{12})\.json$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => b - a);
  }

  async getSnapshot(seq: number): Promise<Uint8Array | null> {
    const p = join(this.dir, `snapshot-${String(seq).padStart(12, '0')}.json`);
    return existsSync(p) ? readFileSync(p) : null;
  }
}

function fstatSize(path: string): number {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}
