import { assert } from '../../shared/assert.ts';
import type { OutflowEntry } from './controls.ts';

/**
 * A time-ordered log of outflows with prefix sums of `amount`, so "how much left in the
 * last hour / day" is a binary search instead of a scan: the platform-wide log holds
 * every withdrawal of the last 24 h, and the check runs on the single writer.
 * `prefix[i]` = base + the amounts of entries[0..i); only differences are ever used,
 * so dropping entries from the front needs no rewrite of the rest.
 */
export class RollingLog {
  readonly entries: OutflowEntry[] = [];
  private readonly prefix: bigint[] = [0n];

  get length(): number {
    return this.entries.length;
  }

  push(e: OutflowEntry): void {
    const last = this.entries[this.entries.length - 1];
    assert(last === undefined || last.ts <= e.ts, 'outflows are appended in time order');
    this.entries.push(e);
    this.prefix.push(this.prefix[this.prefix.length - 1]! + e.amount);
  }

  /** Index of the first entry with ts > cutoffTs. */
  private firstAfter(cutoffTs: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.ts <= cutoffTs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Sum of amounts with ts > cutoffTs. */
  sumAfter(cutoffTs: number): bigint {
    return this.prefix[this.prefix.length - 1]! - this.prefix[this.firstAfter(cutoffTs)]!;
  }

  /** Drops entries with ts <= cutoffTs. */
  dropThrough(cutoffTs: number): void {
    const k = this.firstAfter(cutoffTs);
    if (k === 0) return;
    this.entries.splice(0, k);
    this.prefix.splice(0, k);
  }

  /** Removes one entry by id (a cancelled withdrawal); false if it is not in the log. */
  remove(id: string): boolean {
    const i = this.entries.findIndex((e) => e.id === id);
    if (i < 0) return false;
    const amount = this.entries[i]!.amount;
    this.entries.splice(i, 1);
    this.prefix.splice(i + 1, 1);
    for (let j = i + 1; j < this.prefix.length; j++) this.prefix[j]! -= amount;
    return true;
  }
}
