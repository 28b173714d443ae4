import { assert } from '../../shared/assert.ts';

/**
 * Price-time priority order book for one market. Pure data structure: no money, no fees.
 * Levels sit in an array sorted best-first (bids descending, asks ascending) with a map
 * from price to level; orders at a level form an intrusive doubly linked list, so a cancel
 * is O(1) once the order is found by id. ~750 levels (the benchmark's book) make the
 * array splice on level creation/removal a short memmove, cheaper than a tree here.
 */

export const BUY = 0;
export const SELL = 1;
export type Side = typeof BUY | typeof SELL;

export type TimeInForce = 'GTC' | 'IOC' | 'FOK';

export class Order {
  readonly id: number;
  readonly userId: number;
  readonly marketIdx: number;
  readonly side: Side;
  priceTicks: number;
  /** Lots still open. */
  remLots: number;
  /** Lots ever ordered (after amends). */
  origLots: number;
  filledLots: number;
  /** Σ fillLots × fillPriceTicks: the exact value filled so far, in lot·ticks. */
  cumLotTicks: bigint;
  /** Funds reserved in the user's locked bucket for this order (quote for buys, base for sells). */
  lockedAmount: bigint;
  readonly tif: TimeInForce;
  readonly postOnly: boolean;
  readonly clientOrderId: string | null;
  readonly createdTs: number;
  prev: Order | null = null;
  next: Order | null = null;
  level: Level | null = null;

  constructor(
    id: number,
    userId: number,
    marketIdx: number,
    side: Side,
    priceTicks: number,
    qtyLots: number,
    tif: TimeInForce,
    postOnly: boolean,
    clientOrderId: string | null,
    createdTs: number,
  ) {
    this.id = id;
    this.userId = userId;
    this.marketIdx = marketIdx;
    this.side = side;
    this.priceTicks = priceTicks;
    this.remLots = qtyLots;
    this.origLots = qtyLots;
    this.filledLots = 0;
    this.cumLotTicks = 0n;
    this.lockedAmount = 0n;
    this.tif = tif;
    this.postOnly = postOnly;
    this.clientOrderId = clientOrderId;
    this.createdTs = createdTs;
  }
}

export class Level {
  readonly priceTicks: number;
  head: Order | null = null;
  tail: Order | null = null;
  totalLots = 0;
  count = 0;
  constructor(priceTicks: number) {
    this.priceTicks = priceTicks;
  }
}

export class BookSide {
  readonly side: Side;
  /** Best first. */
  readonly levels: Level[] = [];
  readonly byPrice = new Map<number, Level>();
  constructor(side: Side) {
    this.side = side;
  }

  best(): Level | undefined {
    return this.levels[0];
  }

  /** True when `a` is a better price than `b` on this side. */
  better(a: number, b: number): boolean {
    return this.side === BUY ? a > b : a < b;
  }

  /** Appends an order at the tail of its price level (time priority), creating the level if needed. */
  add(order: Order): void {
    assert(order.level === null && order.remLots > 0, 'order already resting or empty', { orderId: order.id });
    let level = this.byPrice.get(order.priceTicks);
    if (level === undefined) {
      level = new Level(order.priceTicks);
      this.byPrice.set(order.priceTicks, level);
      this.levels.splice(this.insertionIndex(order.priceTicks), 0, level);
    }
    order.level = level;
    order.prev = level.tail;
    order.next = null;
    if (level.tail === null) level.head = order;
    else level.tail.next = order;
    level.tail = order;
    level.totalLots += order.remLots;
    level.count++;
  }

  /** Unlinks an order; drops its level when it empties. */
  remove(order: Order): void {
    const level = order.level;
    assert(level !== null, 'order is not resting', { orderId: order.id });
    if (order.prev === null) level.head = order.next;
    else order.prev.next = order.next;
    if (order.next === null) level.tail = order.prev;
    else order.next.prev = order.prev;
    level.totalLots -= order.remLots;
    level.count--;
    order.prev = null;
    order.next = null;
    order.level = null;
    if (level.count === 0) {
      assert(level.totalLots === 0 && level.head === null, 'empty level still holds lots');
      this.byPrice.delete(level.priceTicks);
      const i = this.levelIndex(level.priceTicks);
      assert(this.levels[i] === level, 'level index out of sync');
      this.levels.splice(i, 1);
    }
  }

  /** Reduces a resting order's open quantity in place (keeps its priority). */
  reduce(order: Order, lots: number): void {
    assert(order.level !== null && lots > 0 && lots <= order.remLots, 'bad reduce', { orderId: order.id, lots });
    order.remLots -= lots;
    order.level.totalLots -= lots;
  }

  /** First index whose level is not better than `price` (binary search). */
  private insertionIndex(price: number): number {
    const levels = this.levels;
    let lo = 0;
    let hi = levels.length;
    const buy = this.side === BUY;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = levels[mid]!.priceTicks;
      if (buy ? p > price : p < price) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private levelIndex(price: number): number {
    return this.insertionIndex(price);
  }

  /** Aggregated depth, best first, at most `levelsMax` levels. */
  depth(levelsMax: number): Array<[priceTicks: number, lots: number]> {
    const out: Array<[number, number]> = [];
    const n = Math.min(levelsMax, this.levels.length);
    for (let i = 0; i < n; i++) out.push([this.levels[i]!.priceTicks, this.levels[i]!.totalLots]);
    return out;
  }
}

export class OrderBook {
  readonly bids = new BookSide(BUY);
  readonly asks = new BookSide(SELL);
  side(side: Side): BookSide {
    return side === BUY ? this.bids : this.asks;
  }
  opposite(side: Side): BookSide {
    return side === BUY ? this.asks : this.bids;
  }
  /** Every resting order in canonical order: bids then asks, best level first, time order within a level. */
  *orders(): Generator<Order> {
    for (const side of [this.bids, this.asks]) {
      for (const level of side.levels) {
        for (let o = level.head; o !== null; o = o.next) yield o;
      }
    }
  }
}
