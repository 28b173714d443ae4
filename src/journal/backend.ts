/**
 * Where journal frames and snapshots live. The journal layer frames, checksums and
 * chains records (record.ts) and hands each backend opaque frames keyed by sequence
 * number; a backend only has to store them durably and give them back in order.
 * Implementations: FileJournal (this folder), SQLite and PostgreSQL (src/store).
 */
export interface JournalFrame {
  readonly seq: number;
  readonly frame: Uint8Array;
}

export interface JournalBackend {
  readonly kind: string;
  /**
   * Opens the journal, recovers from a torn tail if the backend can have one, and
   * returns the frames' high-water mark. Must refuse (throw) rather than guess on corruption.
   */
  open(): Promise<{ lastSeq: number }>;
  /** Durably appends frames with contiguous seqs following lastSeq. Resolves only when durable. */
  append(frames: readonly JournalFrame[]): Promise<void>;
  /** Frames with seq >= fromSeq, ascending, at most `limit`. */
  read(fromSeq: number, limit: number): Promise<JournalFrame[]>;
  close(): Promise<void>;
}

export interface SnapshotBackend {
  /** Stores a snapshot of the state after `seq`; durable on resolve. Older ones may be pruned (keep a few). */
  putSnapshot(seq: number, bytes: Uint8Array): Promise<void>;
  /** Newest first. */
  listSnapshots(): Promise<number[]>;
  getSnapshot(seq: number): Promise<Uint8Array | null>;
}
