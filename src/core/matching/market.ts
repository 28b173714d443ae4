import { assert } from '../../shared/assert.ts';
import type { MarketConfig, MarketStatus } from '../config.ts';
import { CoreError } from '../errors.ts';
import type { CoreEvent, OrderDoneReason } from '../events.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { BUY, type BookSide, type Order, OrderBook, SELL, type Side } from './book.ts';

const AVAILABLE = 0; // index of 'available' in USER_BUCKETS
const LOCKED = 1; // index of 'locked' in USER_BUCKETS
const BUCKETS = 5;

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
function ceilDiv(a: bigint, b: bigint): bigint {
  return a === 0n ? 0n : (a - 1n) / b + 1n;
}

/** Callbacks into the core for state it owns across markets. */
export interface MarketHost {
  readonly ledger: Ledger;
  nextTradeId(): number;
  /** Called when an order leaves the book for good. */
  orderClosed(order: Order): void;
}

/**
 * One market: its book, its risk rules (reserve on accept, release on cancel, settle on
 * fill) and its matching loop. Risk and matching live together here because every fill
 * moves reserved funds and the reservation must stay exactly equal to what open orders
 * need (asserted by the core's invariant check).
 *
 * Value of a fill: lots × ticks × (lotSize × tickSize / 10^baseDecimals) quote minor units,
 * a fraction kept exact as num/den. Buyers pay ceil and sellers get floor of their order's
 * cumulative value, so each side is never more than one minor unit from exact, and the
 * residue (always >= 0 in total) goes to fee revenue.
 */
export class Market {
  readonly idx: number;
  readonly symbol: string;
  readonly config: MarketConfig;
  status: MarketStatus;
  readonly book = new OrderBook();
  readonly baseIdx: number;
  readonly quoteIdx: number;
  /** Quote minor units per lot·tick = num/den, reduced. */
  readonly num: bigint;
  readonly den: bigint;
  readonly lotSize: bigint;
  /** num and den as doubles, when exactly representable (else the bigint path is always taken). */
  private readonly numF: number;
  private readonly denF: number;
  private readonly makerFeeBps: bigint;
  private readonly takerFeeBps: bigint;
  private readonly feeBase: number;
  private readonly feeQuote: number;
  private readonly host: MarketHost;
  private readonly ledger: Ledger;

  constructor(idx: number, config: MarketConfig, host: MarketHost, baseDecimals: number) {
    this.idx = idx;
    this.symbol = config.symbol;
    this.config = config;
    this.status = config.status;
    this.host = host;
    this.ledger = host.ledger;
    this.baseIdx = this.ledger.assetIdx(config.base);
    this.quoteIdx = this.ledger.assetIdx(config.quote);
    const rawNum = config.lotSizeBase * config.tickSizeQuote;
    const rawDen = 10n ** BigInt(baseDecimals);
    const g = gcd(rawNum, rawDen);
    this.num = rawNum / g;
    this.den = rawDen / g;
    this.lotSize = config.lotSizeBase;
    const safe = (x: bigint) => x <= BigInt(Number.MAX_SAFE_INTEGER);
    this.numF = safe(this.num) && safe(this.den) ? Number(this.num) : Number.POSITIVE_INFINITY;
    this.denF = Number(this.den);
    this.makerFeeBps = BigInt(config.makerFeeBps);
    this.takerFeeBps = BigInt(config.takerFeeBps);
    this.feeBase = this.ledger.systemAccount(this.baseIdx, 'fee_revenue');
    this.feeQuote = this.ledger.systemAccount(this.quoteIdx, 'fee_revenue');
  }

  /** Quote value (exact fraction, rounded up) of `lots` at `priceTicks`. */
  notionalCeil(lots: number, priceTicks: number): bigint {
    // Fast path in exact integer doubles: every operand and product stays below 2^53,
    // so `%` and the division of (p − r) are exact; one BigInt is made at the end.
    const p = lots * priceTicks * this.numF;
    if (p <= Number.MAX_SAFE_INTEGER) {
      const r = p % this.denF;
      return BigInt((p - r) / this.denF + (r > 0 ? 1 : 0));
    }
    const v = BigInt(lots) * BigInt(priceTicks) * this.num;
    return this.den === 1n ? v : ceilDiv(v, this.den);
  }

  /** What an order must have reserved to fill its open quantity at `priceTicks`. */
  need(order: Order, priceTicks: number, remLots: number): bigint {
    if (order.side === SELL) return BigInt(remLots) * this.lotSize;
    if (order.cumLotTicks === 0n) return this.notionalCeil(remLots, priceTicks);
    const cum = order.cumLotTicks;
    if (this.den === 1n) return BigInt(remLots) * BigInt(priceTicks) * this.num;
    return ceilDiv((cum + BigInt(remLots) * BigInt(priceTicks)) * this.num, this.den) - ceilDiv(cum * this.num, this.den);
  }

  private lockAsset(side: Side): number {
    return side === BUY ? this.quoteIdx : this.baseIdx;
  }

  /** Available balance of the asset an order on `side` spends. */
  available(userId: number, side: Side): bigint {
    const ids = this.ledger.userAccounts(userId);
    return this.ledger.balances[ids[this.lockAsset(side) * BUCKETS + AVAILABLE]!]!;
  }

  /** Moves funds so the order's reservation equals `target`; the caller has checked availability. */
  private setLock(order: Order, target: bigint): void {
    const delta = target - order.lockedAmount;
    if (delta === 0n) return;
    const ids = this.ledger.userAccounts(order.userId);
    const a = this.lockAsset(order.side) * BUCKETS;
    if (delta > 0n) this.ledger.move(ids[a + AVAILABLE]!, ids[a + LOCKED]!, delta);
    else this.ledger.move(ids[a + LOCKED]!, ids[a + AVAILABLE]!, -delta);
    order.lockedAmount = target;
  }

  /** True when an incoming order at `priceTicks` on `side` would trade against the book now. */
  crosses(side: Side, priceTicks: number): boolean {
    const best = this.book.opposite(side).levels[0];
    if (best === undefined) return false;
    return side === BUY ? best.priceTicks <= priceTicks : best.priceTicks >= priceTicks;
  }

  /** Worst price a market order may reach, from the best opposite price; undefined on an empty side. */
  protectionPrice(side: Side): number | undefined {
    const best = this.book.opposite(side).levels[0];
    if (best === undefined) return undefined;
    const bps = this.config.marketProtectionBps;
    return side === BUY ? Math.floor((best.priceTicks * (10_000 + bps)) / 10_000) : Math.max(1, Math.ceil((best.priceTicks * (10_000 - bps)) / 10_000));
  }

  /** FOK pre-check: can `lots` fill completely within `limit` before meeting the taker's own order? */
  fillable(side: Side, userId: number, limit: number, lots: number): boolean {
    const opp = this.book.opposite(side);
    let left = lots;
    for (const level of opp.levels) {
      if (side === BUY ? level.priceTicks > limit : level.priceTicks < limit) return false;
      for (let o = level.head; o !== null; o = o.next) {
        if (o.userId === userId && this.config.selfTradePrevention !== 'cancel-oldest') return false;
        if (o.userId !== userId) left -= o.remLots;
        if (left <= 0) return true;
      }
    }
    return false;
  }

  /**
   * Accepts a validated order: reserves `lock`, matches it, then rests or closes it.
   * `budget` caps a market buy by quote amount; otherwise null.
   */
  execute(order: Order, lock: bigint, limit: number, kind: 'limit' | 'market', budget: bigint | null, quoteAmount: bigint, events: CoreEvent[]): void {
    this.setLock(order, lock);
    this.accepted(order, kind, quoteAmount, lock, events);
    this.take(order, limit, budget, events);
  }

  /** A fill-or-kill that cannot fill completely: accepted and expired, nothing reserved or moved. */
  expireAtOnce(order: Order, kind: 'limit' | 'market', quoteAmount: bigint, events: CoreEvent[]): void {
    this.accepted(order, kind, quoteAmount, 0n, events);
    this.finish(order, 'expired', events);
  }

  private accepted(order: Order, kind: 'limit' | 'market', quoteAmount: bigint, lock: bigint, events: CoreEvent[]): void {
    events.push({
      type: 'order.accepted',
      orderId: order.id,
      userId: order.userId,
      market: this.symbol,
      side: order.side === BUY ? 'buy' : 'sell',
      kind,
      tif: order.tif,
      postOnly: order.postOnly,
      priceTicks: kind === 'limit' ? order.priceTicks : 0,
      qtyLots: order.origLots,
      quoteAmount,
      clientOrderId: order.clientOrderId,
      lockedAmount: lock,
    });
  }

  /** Matches `taker` against the opposite side up to `limit`, then rests (GTC) or closes it. */
  take(taker: Order, limit: number, budget: bigint | null, events: CoreEvent[]): void {
    const opp = this.book.opposite(taker.side);
    const filledBefore = taker.filledLots;
    let stopped: OrderDoneReason | null = null;
    outer: while (taker.remLots > 0) {
      const level = opp.levels[0];
      if (level === undefined) break;
      if (taker.side === BUY ? level.priceTicks > limit : level.priceTicks < limit) break;
      let maker = level.head;
      while (maker !== null && taker.remLots > 0) {
        const next = maker.next;
        if (maker.userId === taker.userId) {
          const stp = this.config.selfTradePrevention;
          if (stp === 'cancel-oldest' || stp === 'cancel-both') this.close(maker, opp, 'stp', events);
          if (stp === 'cancel-newest' || stp === 'cancel-both') {
            stopped = 'stp';
            break outer;
          }
          maker = next;
          continue;
        }
        let lots = Math.min(maker.remLots, taker.remLots);
        if (budget !== null) {
          lots = Math.min(lots, this.affordableLots(taker, level.priceTicks, budget));
          if (lots === 0) break outer;
        }
        this.fill(maker, taker, lots, level.priceTicks, events);
        if (maker.remLots === 0) this.close(maker, opp, 'filled', events);
        maker = next;
      }
    }
    if (taker.remLots === 0) {
      this.finish(taker, 'filled', events);
    } else if (stopped !== null) {
      this.finish(taker, stopped, events);
    } else if (taker.tif === 'GTC' && budget === null && limit === taker.priceTicks) {
      // Rests: the reservation shrinks to exactly what the open quantity needs (price improvement
      // returned). Without a fill here the caller already reserved exactly that.
      if (taker.filledLots !== filledBefore) this.setLock(taker, this.need(taker, taker.priceTicks, taker.remLots));
      this.book.side(taker.side).add(taker);
    } else {
      this.finish(taker, 'expired', events);
    }
  }

  /** Lots a budget-capped market buy can still pay for at `priceTicks`. */
  private affordableLots(taker: Order, priceTicks: number, budget: bigint): number {
    const paid = ceilDiv(taker.cumLotTicks * this.num, this.den);
    const left = budget - paid;
    if (left <= 0n) return 0;
    const cumMax = ((paid + left) * this.den) / this.num;
    const lots = (cumMax - taker.cumLotTicks) / BigInt(priceTicks);
    return lots > BigInt(taker.remLots) ? taker.remLots : Number(lots);
  }

  /** Settles one fill: quote from buyer to seller, base from seller to buyer, fees to revenue. */
  private fill(maker: Order, taker: Order, lots: number, priceTicks: number, events: CoreEvent[]): void {
    const buyer = maker.side === BUY ? maker : taker;
    const seller = maker.side === BUY ? taker : maker;
    const lt = BigInt(lots) * BigInt(priceTicks);
    const num = this.num;
    const den = this.den;
    let pay: bigint;
    let got: bigint;
    if (den === 1n) {
      pay = lt * num;
      got = pay;
    } else {
      const b0 = buyer.cumLotTicks * num;
      const b1 = (buyer.cumLotTicks + lt) * num;
      pay = ceilDiv(b1, den) - ceilDiv(b0, den);
      const s0 = seller.cumLotTicks * num;
      const s1 = (seller.cumLotTicks + lt) * num;
      got = s1 / den - s0 / den;
    }
    const base = BigInt(lots) * this.lotSize;
    const buyerFee = (base * (buyer === maker ? this.makerFeeBps : this.takerFeeBps)) / 10_000n;
    const sellerFee = (got * (seller === maker ? this.makerFeeBps : this.takerFeeBps)) / 10_000n;
    assert(buyer.lockedAmount >= pay && seller.lockedAmount >= base, 'fill exceeds reservation', { buyer: buyer.id, seller: seller.id });

    const ledger = this.ledger;
    const bIds = ledger.userAccounts(buyer.userId);
    const sIds = ledger.userAccounts(seller.userId);
    const q = this.quoteIdx * BUCKETS;
    const b = this.baseIdx * BUCKETS;
    // Quote goes through fee revenue so the rounding residue (pay - got) lands there.
    ledger.move(bIds[q + LOCKED]!, this.feeQuote, pay);
    ledger.move(this.feeQuote, sIds[q + AVAILABLE]!, got - sellerFee);
    ledger.move(sIds[b + LOCKED]!, bIds[b + AVAILABLE]!, base - buyerFee);
    ledger.move(sIds[b + LOCKED]!, this.feeBase, buyerFee);

    buyer.lockedAmount -= pay;
    seller.lockedAmount -= base;
    buyer.cumLotTicks += lt;
    seller.cumLotTicks += lt;
    maker.remLots -= lots;
    taker.remLots -= lots;
    maker.filledLots += lots;
    taker.filledLots += lots;
    if (maker.level !== null) maker.level.totalLots -= lots;
    events.push({
      type: 'trade',
      tradeId: this.host.nextTradeId(),
      market: this.symbol,
      priceTicks,
      qtyLots: lots,
      takerSide: taker.side === BUY ? 'buy' : 'sell',
      makerOrderId: maker.id,
      takerOrderId: taker.id,
      makerUserId: maker.userId,
      takerUserId: taker.userId,
      baseAmount: base,
      buyerPaid: pay,
      sellerGot: got,
      buyerFee,
      sellerFee,
    });
  }

  /** Removes a resting order from the book and closes it. */
  close(order: Order, side: BookSide, reason: OrderDoneReason, events: CoreEvent[]): void {
    if (order.level !== null) side.remove(order);
    this.finish(order, reason, events);
  }

  /** Releases an order's whole reservation and reports it done. The order must not be resting. */
  finish(order: Order, reason: OrderDoneReason, events: CoreEvent[]): void {
    assert(order.level === null, 'finishing a resting order', { orderId: order.id });
    this.setLock(order, 0n);
    events.push({
      type: 'order.done',
      orderId: order.id,
      userId: order.userId,
      market: this.symbol,
      reason,
      filledLots: order.filledLots,
      remLots: order.remLots,
    });
    this.host.orderClosed(order);
  }

  cancel(order: Order, events: CoreEvent[]): void {
    this.close(order, this.book.side(order.side), 'canceled', events);
  }

  /**
   * Amends a resting order. Quantity down at the same price keeps priority; a price
   * change or quantity up re-enters the book at the back (and may trade). Nothing
   * changes unless the new reservation is affordable.
   */
  amend(order: Order, priceTicks: number, remLots: number, events: CoreEvent[]): void {
    const side = this.book.side(order.side);
    const target = this.need(order, priceTicks, remLots);
    const extra = target - order.lockedAmount;
    if (extra > 0n && this.available(order.userId, order.side) < extra) {
      throw new CoreError('INSUFFICIENT_FUNDS', 'insufficient funds for the amended order', { orderId: order.id });
    }
    if (priceTicks === order.priceTicks && remLots <= order.remLots) {
      if (remLots < order.remLots) side.reduce(order, order.remLots - remLots);
      order.origLots = order.filledLots + remLots;
      this.setLock(order, target);
      events.push({ type: 'order.amended', orderId: order.id, userId: order.userId, market: this.symbol, priceTicks, remLots, priorityKept: true });
      return;
    }
    if (order.postOnly && this.crossesExcluding(order, priceTicks)) {
      throw new CoreError('POST_ONLY_WOULD_TAKE', 'amended post-only order would take liquidity', { orderId: order.id });
    }
    side.remove(order);
    order.priceTicks = priceTicks;
    order.remLots = remLots;
    order.origLots = order.filledLots + remLots;
    this.setLock(order, target);
    events.push({ type: 'order.amended', orderId: order.id, userId: order.userId, market: this.symbol, priceTicks, remLots, priorityKept: false });
    this.take(order, priceTicks, null, events);
  }

  private crossesExcluding(order: Order, priceTicks: number): boolean {
    return this.crosses(order.side, priceTicks);
  }
}

export { BUY, SELL };
