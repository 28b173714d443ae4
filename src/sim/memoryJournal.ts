import type { JournalBackend, JournalFrame, SnapshotBackend } from '../journal/backend.ts';
import { JournalError } from '../journal/errors.ts';

/**
 * An in-memory journal and snapshot store for the simulator, with injectable faults.
 * `durable` frames survive a crash; a crash may also leave a torn write, modelled as the
 * backend refusing to hand back anything past the durable prefix (as FileJournal cuts a
 * torn tail). `failNextAppends` makes the next appends fail like a full or dying disk.
 */
export class MemoryJournal implements JournalBackend, SnapshotBackend {
  readonly kind = 'memory';
  private frames: Uint8Array[] = [];
  private snapshots = new Map<number, Uint8Array>();
  failNextAppends = 0;
  /** Frames whose append was in flight when the simulated crash happened: lost. */
  lostOnCrash = 0;
  private inFlight = 0;
  /** Bumped by crash(): appends started before it never land. */
  private epoch = 0;

  async open(): Promise<{ lastSeq: number }> {
    return { lastSeq: this.frames.length };
  }

  async append(frames: readonly JournalFrame[]): Promise<void> {
    if (frames.length === 0) return;
    if (frames[0]!.seq !== this.frames.length + 1) throw new JournalError('JOURNAL_SEQ_GAP', 'append out of sequence', { expected: this.frames.length + 1, got: frames[0]!.seq });
    const epoch = this.epoch;
    this.inFlight += frames.length;
    // The write takes a turn of the event loop, like an fsync: a crash in between loses it.
    await new Promise((r) => setImmediate(r));
    this.inFlight -= frames.length;
    if (epoch !== this.epoch) {
      this.lostOnCrash += frames.length;
      throw new JournalError('JOURNAL_IO', 'process crashed before the write was durable');
    }
    if (this.failNextAppends > 0) {
      this.failNextAppends--;
      throw new JournalError('JOURNAL_IO', 'simulated disk failure');
    }
    for (const f of frames) this.frames.push(Uint8Array.from(f.frame));
  }

  async read(fromSeq: number, limit: number): Promise<JournalFrame[]> {
    const out: JournalFrame[] = [];
    for (let s = fromSeq; s < fromSeq + limit && s <= this.frames.length; s++) out.push({ seq: s, frame: this.frames[s - 1]! });
    return out;
  }

  async close(): Promise<void> {}

  async putSnapshot(seq: number, bytes: Uint8Array): Promise<void> {
    this.snapshots.set(seq, Uint8Array.from(bytes));
  }
  async listSnapshots(): Promise<number[]> {
    return [...this.snapshots.keys()].sort((a, b) => b - a);
  }
  async getSnapshot(seq: number): Promise<Uint8Array | null> {
    return this.snapshots.get(seq) ?? null;
  }

  /** The process dies: whatever is being written now is lost (never acknowledged). */
  crash(): void {
    this.epoch++;
  }

  /** Durable record count. */
  get length(): number {
    return this.frames.length;
  }

  /** Corrupts a stored snapshot so recovery must skip it (a damaged snapshot file). */
  damageSnapshot(seq: number): void {
    const s = this.snapshots.get(seq);
    if (s !== undefined && s.length > 10) s[Math.floor(s.length / 2)] = 0x21;
  }
}
