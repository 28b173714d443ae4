import type { CoreEvent } from '../core/events.ts';
import { assert } from '../shared/assert.ts';

/**
 * Every user's orders and fills as the API reports them, kept in bounded memory and fed
 * by engine results in sequence order (after durability). Open orders are bounded by
 * the core (openOrdersPerUserMax); closed orders and fills keep only the newest
 * `closedOrdersMax` / `fillsMax` per user. A stand-in until the storage read models land.
 */
export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED';

export interface OrderView {
  readonly orderId: number;
  readonly userId: number;
  readonly market: string;
  readonly side: 'buy' | 'sell';
  readonly kind: 'limit' | 'market';
  readonly tif: 'GTC' | 'IOC' | 'FOK';
  readonly postOnly: boolean;
  priceTicks: number;
  origLots: number;
  /** Market buy by quote amount (quote minor units), else 0. */
  readonly quoteAmount: bigint;
  filledLots: number;
  /** Quote minor units paid (buy) or received before fee (sell) so far. */
  cumQuote: bigint;
  status: OrderStatus;
  readonly clientOrderId: string | null;
  readonly createdTs: number;
  updatedTs: number;
  /** Why it closed (core reason), once closed. */
  doneReason: string | null;
  /** Price of the last fill, 0 before any. */
  lastFillTicks: number;
}

export interface FillView {
  readonly tradeId: number;
  readonly orderId: number;
  readonly userId: number;
  readonly market: string;
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly baseAmount: bigint;
  readonly quoteAmount: bigint;
  /** Buyer pays the fee in base, seller in quote (as the core settles it). */
  readonly fee: bigint;
  readonly feeAsset: 'base' | 'quote';
  readonly isBuyer: boolean;
  readonly isMaker: boolean;
  readonly ts: number;
}

export interface OrderIndexLimits {
  readonly closedOrdersMax: number;
  readonly fillsMax: number;
}
export const ORDER_INDEX_LIMITS_DEFAULT: OrderIndexLimits = { closedOrdersMax: 500, fillsMax: 1000 };

interface UserOrders {
  readonly open: Map<number, OrderView>;
  /** Oldest first. */
  readonly closed: OrderView[];
  readonly byClientId: Map<string, number>;
  readonly fills: FillView[];
}

/** What changed for whom, so WebSocket channels can push it. */
export interface IndexChange {
  readonly orders: OrderView[];
  readonly fills: FillView[];
  readonly users: Set<number>;
}

export class OrderIndex {
  private readonly users = new Map<number, UserOrders>();
  private readonly byId = new Map<number, OrderView>();

  /**
   * @param lotValue quote minor units one lot costs at a price (rounded up), from the core's market.
   */
  constructor(
    private readonly lotValue: (market: string, priceTicks: number) => bigint,
    readonly limits: OrderIndexLimits = ORDER_INDEX_LIMITS_DEFAULT,
  ) {}

  private user(userId: number): UserOrders {
    let u = this.users.get(userId);
    if (u === undefined) {
      u = { open: new Map(), closed: [], byClientId: new Map(), fills: [] };
      this.users.set(userId, u);
    }
    return u;
  }

  /** Applies one result's events; returns the orders and fills that changed. */
  apply(events: readonly CoreEvent[], ts: number): IndexChange {
    const changed = new Map<number, OrderView>();
    const fills: FillView[] = [];
    const users = new Set<number>();
    for (const e of events) {
      switch (e.type) {
        case 'order.accepted': {
          const o: OrderView = {
            orderId: e.orderId,
            userId: e.userId,
            market: e.market,
            side: e.side,
            kind: e.kind,
            tif: e.tif,
            postOnly: e.postOnly,
            priceTicks: e.priceTicks,
            origLots: e.qtyLots,
            quoteAmount: e.quoteAmount,
            filledLots: 0,
            cumQuote: 0n,
            status: 'NEW',
            clientOrderId: e.clientOrderId,
            createdTs: ts,
            updatedTs: ts,
            doneReason: null,
            lastFillTicks: 0,
          };
          const u = this.user(e.userId);
          u.open.set(o.orderId, o);
          this.byId.set(o.orderId, o);
          if (o.clientOrderId !== null) u.byClientId.set(o.clientOrderId, o.orderId);
          changed.set(o.orderId, o);
          users.add(e.userId);
          break;
        }
        case 'trade': {
          for (const [orderId, userId, isMaker] of [
            [e.makerOrderId, e.makerUserId, true],
            [e.takerOrderId, e.takerUserId, false],
          ] as const) {
            const o = this.byId.get(orderId);
            const isBuyer = (e.takerSide === 'buy') !== isMaker;
            const quoteAmount = isBuyer ? e.buyerPaid : e.sellerGot;
            if (o !== undefined) {
              o.filledLots += e.qtyLots;
              o.cumQuote += quoteAmount;
              o.status = 'PARTIALLY_FILLED';
              o.lastFillTicks = e.priceTicks;
              o.updatedTs = ts;
              changed.set(orderId, o);
            }
            const f: FillView = {
              tradeId: e.tradeId,
              orderId,
              userId,
              market: e.market,
              priceTicks: e.priceTicks,
              qtyLots: e.qtyLots,
              baseAmount: e.baseAmount,
              quoteAmount,
              fee: isBuyer ? e.buyerFee : e.sellerFee,
              feeAsset: isBuyer ? 'base' : 'quote',
              isBuyer,
              isMaker,
              ts,
            };
            const u = this.user(userId);
            u.fills.push(f);
            if (u.fills.length > this.limits.fillsMax) u.fills.shift();
            fills.push(f);
            users.add(userId);
          }
          break;
        }
        case 'order.amended': {
          const o = this.byId.get(e.orderId);
          if (o !== undefined) {
            o.priceTicks = e.priceTicks;
            o.origLots = o.filledLots + e.remLots;
            o.updatedTs = ts;
            changed.set(o.orderId, o);
            users.add(o.userId);
          }
          break;
        }
        case 'order.done': {
          const o = this.byId.get(e.orderId);
          if (o === undefined) break;
          assert(o.filledLots === e.filledLots, 'order index lost a fill', { orderId: e.orderId, index: o.filledLots, core: e.filledLots });
          o.status = e.reason === 'filled' ? 'FILLED' : e.reason === 'canceled' ? 'CANCELED' : 'EXPIRED';
          if (o.quoteAmount > 0n) {
            // A market buy by quote amount asks for "as much as the budget buys": it is filled
            // when what is left of the budget cannot buy one more lot at the last price.
            o.origLots = o.filledLots;
            const left = o.quoteAmount - o.cumQuote;
            if (e.reason === 'expired' && o.filledLots > 0 && left < this.lotValue(o.market, o.lastFillTicks)) o.status = 'FILLED';
          }
          o.doneReason = e.reason;
          o.updatedTs = ts;
          const u = this.user(o.userId);
          u.open.delete(o.orderId);
          u.closed.push(o);
          if (u.closed.length > this.limits.closedOrdersMax) {
            const old = u.closed.shift()!;
            this.byId.delete(old.orderId);
            if (old.clientOrderId !== null && u.byClientId.get(old.clientOrderId) === old.orderId) u.byClientId.delete(old.clientOrderId);
          }
          changed.set(o.orderId, o);
          users.add(o.userId);
          break;
        }
        default:
          break;
      }
    }
    return { orders: [...changed.values()], fills, users };
  }

  /** The user's own order, or undefined (another user's order is indistinguishable from none). */
  get(userId: number, orderId: number): OrderView | undefined {
    const o = this.byId.get(orderId);
    return o !== undefined && o.userId === userId ? o : undefined;
  }

  byClientOrderId(userId: number, clientOrderId: string): OrderView | undefined {
    const id = this.users.get(userId)?.byClientId.get(clientOrderId);
    return id === undefined ? undefined : this.get(userId, id);
  }

  open(userId: number, market?: string): OrderView[] {
    const u = this.users.get(userId);
    if (u === undefined) return [];
    return [...u.open.values()].filter((o) => market === undefined || o.market === market).sort((a, b) => a.orderId - b.orderId);
  }

  /** Open and retained closed orders, ascending id. */
  all(userId: number, market?: string): OrderView[] {
    const u = this.users.get(userId);
    if (u === undefined) return [];
    return [...u.open.values(), ...u.closed].filter((o) => market === undefined || o.market === market).sort((a, b) => a.orderId - b.orderId);
  }

  fills(userId: number, market?: string): FillView[] {
    const u = this.users.get(userId);
    if (u === undefined) return [];
    return u.fills.filter((f) => market === undefined || f.market === market);
  }
}
