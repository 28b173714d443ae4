import type { OrderBook } from '../core/matching/book.ts';

/**
 * Order-book diffs for WebSocket subscribers, numbered on the same counter as the REST
 * snapshot's lastUpdateId (the core's command sequence). Each diff carries U (first
 * sequence covered) and u (last); consecutive diffs of one market satisfy U = previous
 * u + 1, so a client detects a gap and resynchronises (Binance's "How to manage a local
 * order book correctly"). Sizes are absolute; 0 removes a level.
 */
export interface DepthDiff {
  readonly U: number;
  readonly u: number;
  readonly bids: Array<[priceTicks: number, lots: number]>;
  readonly asks: Array<[priceTicks: number, lots: number]>;
}

/** Levels per side that diffs track; deeper changes are not streamed (a snapshot of ≤ this many is the reference). */
export const DEPTH_TRACKED_LEVELS_MAX = 1000;

export class DepthMirror {
  private bids = new Map<number, number>();
  private asks = new Map<number, number>();
  /** Last sequence number covered by a diff (or by the initial state). */
  lastU: number;

  constructor(book: OrderBook, seq: number) {
    this.lastU = seq;
    this.bids = toMap(book.bids.depth(DEPTH_TRACKED_LEVELS_MAX));
    this.asks = toMap(book.asks.depth(DEPTH_TRACKED_LEVELS_MAX));
  }

  /**
   * Compares the book as it is now (state after `seq`) with the last state sent; returns
   * the changed levels, or null when nothing changed (the next diff then covers from lastU + 1).
   */
  diff(book: OrderBook, seq: number): DepthDiff | null {
    if (seq <= this.lastU) return null;
    const nb = toMap(book.bids.depth(DEPTH_TRACKED_LEVELS_MAX));
    const na = toMap(book.asks.depth(DEPTH_TRACKED_LEVELS_MAX));
    const bids = changes(this.bids, nb);
    const asks = changes(this.asks, na);
    if (bids.length === 0 && asks.length === 0) return null;
    const d: DepthDiff = { U: this.lastU + 1, u: seq, bids, asks };
    this.bids = nb;
    this.asks = na;
    this.lastU = seq;
    return d;
  }
}

function toMap(levels: Array<[number, number]>): Map<number, number> {
  return new Map(levels);
}

function changes(before: Map<number, number>, after: Map<number, number>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [p, l] of after) if (before.get(p) !== l) out.push([p, l]);
  for (const p of before.keys()) if (!after.has(p)) out.push([p, 0]);
  return out;
}
