import { StoreError } from './errors.ts';

/** A FIFO lock for one connection: a transaction's statements must not interleave with another caller's. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  /** Bounded queue: an unbounded one is a memory leak under a stalled database. */
  static readonly WAITERS_MAX = 10_000;

  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.waiting >= Mutex.WAITERS_MAX) throw new StoreError('STORE_BUSY', 'too many operations waiting for the database', { max: Mutex.WAITERS_MAX });
    this.waiting++;
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => {
      release = r;
    });
    try {
      await prev;
      return await fn();
    } finally {
      this.waiting--;
      release();
    }
  }
}
