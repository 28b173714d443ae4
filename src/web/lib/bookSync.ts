import { compareDecimalText } from './decimalText.ts';

/**
 * A local copy of one market's order book, kept in step with the exchange over the
 * WebSocket (Binance's "How to manage a local order book correctly", which Rampart's
 * /ws follows): a `depthSnapshot` carries lastUpdateId L; each `depthUpdate` carries
 * U (first sequence it covers) and u (last). Diffs with u ≤ L are old news; the first
 * one applied must cover L + 1 (U ≤ L + 1 ≤ u); after that each U must equal the
 * previous u + 1. Anything else is a gap: the copy is no longer trustworthy and the
 * caller must fetch a new snapshot (the state becomes 'stale' until it arrives).
 * Sizes in diffs are absolute; "0" removes the level.
 */

export type Level = readonly [price: string, qty: string];
export interface Snapshot {
  readonly lastUpdateId: number;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}
export interface Diff {
  readonly U: number;
  readonly u: number;
  readonly b: readonly Level[];
  readonly a: readonly Level[];
}
export type DiffOutcome = 'applied' | 'old' | 'gap' | 'buffered';
export type BookState = 'syncing' | 'live' | 'stale';

/** Diffs kept while waiting for a snapshot; past this the oldest are dropped (the snapshot will say whether they mattered). */
export const PENDING_DIFFS_MAX = 1000;
/** Levels per side kept; deeper ones are trimmed (the server tracks 1000). */
export const LEVELS_PER_SIDE_MAX = 1000;

export class LocalBook {
  private bids = new Map<string, string>();
  private asks = new Map<string, string>();
  private pending: Diff[] = [];
  state: BookState = 'syncing';
  lastUpdateId = 0;
  /** Gaps seen (each one triggered a resynchronisation). */
  gaps = 0;

  /** Starts (or restarts) from a snapshot, then applies buffered diffs that follow it. */
  applySnapshot(s: Snapshot): void {
    this.bids = new Map(s.bids.map(([p, q]) => [p, q]));
    this.asks = new Map(s.asks.map(([p, q]) => [p, q]));
    this.lastUpdateId = s.lastUpdateId;
    this.state = 'live';
    let first = true;
    const pending = this.pending;
    this.pending = [];
    for (const d of pending) {
      if (d.u <= this.lastUpdateId) continue;
      if (first && d.U > this.lastUpdateId + 1) {
        this.markStale();
        return;
      }
      first = false;
      if (this.applyDiff(d) === 'gap') return;
    }
  }

  /** Marks the copy untrustworthy; diffs are buffered until the next snapshot. */
  markStale(): void {
    if (this.state === 'live') this.gaps++;
    this.state = 'stale';
    this.pending = [];
  }

  applyDiff(d: Diff): DiffOutcome {
    if (this.state !== 'live') {
      this.pending.push(d);
      if (this.pending.length > PENDING_DIFFS_MAX) this.pending.shift();
      return 'buffered';
    }
    if (d.u <= this.lastUpdateId) return 'old';
    if (d.U > this.lastUpdateId + 1) {
      this.markStale();
      return 'gap';
    }
    for (const [p, q] of d.b) set(this.bids, p, q);
    for (const [p, q] of d.a) set(this.asks, p, q);
    this.lastUpdateId = d.u;
    return 'applied';
  }

  /** Best `n` levels per side: bids high→low, asks low→high. */
  top(n: number): { bids: Level[]; asks: Level[] } {
    return { bids: sorted(this.bids, -1).slice(0, n), asks: sorted(this.asks, 1).slice(0, n) };
  }

  levelCount(): number {
    return this.bids.size + this.asks.size;
  }
}

function set(side: Map<string, string>, p: string, q: string): void {
  if (/^0(\.0*)?$/.test(q)) side.delete(p);
  else side.set(p, q);
}

function sorted(side: Map<string, string>, dir: 1 | -1): Level[] {
  const out: Level[] = [...side.entries()];
  out.sort((x, y) => dir * compareDecimalText(x[0], y[0]));
  if (out.length > LEVELS_PER_SIDE_MAX) out.length = LEVELS_PER_SIDE_MAX;
  return out;
}
