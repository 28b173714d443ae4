import type { Command } from '../core/commands.ts';
import type { CommandResult } from '../core/events.ts';
import type { ExchangeCore } from '../core/exchange.ts';
import { BUY } from '../core/matching/book.ts';
import { DepthMirror, type DepthDiff } from './depthFeed.ts';
import type { MarketDirectory } from './markets.ts';
import { MarketData, type MarketDataLimits, MARKET_DATA_LIMITS_DEFAULT, type PublicTrade } from './marketData.ts';
import { type FillView, OrderIndex, type OrderIndexLimits, ORDER_INDEX_LIMITS_DEFAULT, type OrderView } from './orderIndex.ts';

/** What the feed tells live subscribers (WebSocket) after each durable result. */
export type FeedEvent =
  | { kind: 'trade'; market: string; trade: PublicTrade }
  | { kind: 'depth'; market: string; diff: DepthDiff }
  | { kind: 'ticker'; market: string }
  | { kind: 'order'; userId: number; order: OrderView }
  | { kind: 'fill'; userId: number; fill: FillView }
  | { kind: 'balance'; userId: number };

export type FeedListener = (e: FeedEvent) => void;

/**
 * Turns engine results into the API's in-memory views: public trades and candles,
 * each user's orders and fills, and order-book diffs. Registered once with
 * engine.onResult, so it sees every durable result in sequence order.
 */
export class Feed {
  readonly marketData: MarketData;
  readonly orders: OrderIndex;
  private readonly mirrors = new Map<string, DepthMirror>();
  private readonly listeners = new Set<FeedListener>();

  constructor(
    private readonly core: ExchangeCore,
    readonly markets: MarketDirectory,
    limits: { marketData?: MarketDataLimits; orders?: OrderIndexLimits } = {},
  ) {
    this.marketData = new MarketData(
      markets.list.map((m) => m.symbol),
      limits.marketData ?? MARKET_DATA_LIMITS_DEFAULT,
    );
    this.orders = new OrderIndex((symbol, ticks) => core.market(symbol).notionalCeil(1, ticks), limits.orders ?? ORDER_INDEX_LIMITS_DEFAULT);
    for (const m of core.markets) this.mirrors.set(m.symbol, new DepthMirror(m.book, core.seq));
    this.seedOpenOrders();
  }

  /** Orders resting at start (recovered from the journal) are indexed from the core itself. */
  private seedOpenOrders(): void {
    for (const o of this.core.orders.values()) {
      const m = this.core.markets[o.marketIdx]!;
      const ts = o.createdTs;
      const events = [
        {
          type: 'order.accepted' as const,
          orderId: o.id,
          userId: o.userId,
          market: m.symbol,
          side: o.side === BUY ? ('buy' as const) : ('sell' as const),
          kind: 'limit' as const,
          tif: o.tif,
          postOnly: o.postOnly,
          priceTicks: o.priceTicks,
          qtyLots: o.origLots,
          quoteAmount: 0n,
          clientOrderId: o.clientOrderId,
          lockedAmount: o.lockedAmount,
        },
      ];
      this.orders.apply(events, ts);
      const v = this.orders.get(o.userId, o.id)!;
      v.filledLots = o.filledLots;
      // Value filled so far, as the buyer paid it (rounded up) or the seller got it (rounded down).
      const exact = o.cumLotTicks * m.num;
      v.cumQuote = o.side === BUY ? (exact === 0n ? 0n : (exact - 1n) / m.den + 1n) : exact / m.den;
      if (o.filledLots > 0) v.status = 'PARTIALLY_FILLED';
    }
  }

  subscribe(l: FeedListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit(e: FeedEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A broken subscriber must not stop the feed (it is dropped by its own connection logic).
      }
    }
  }

  /** engine.onResult listener. */
  onResult = (cmd: Command, result: CommandResult): void => {
    if (!result.ok || result.events.length === 0) return;
    const change = this.orders.apply(result.events, cmd.ts);
    const touched = new Set<string>();
    const balanceUsers = new Set<number>();
    for (const e of result.events) {
      if ('market' in e && typeof e.market === 'string' && e.type !== 'market.status') touched.add(e.market);
      if ('userId' in e && typeof e.userId === 'number') balanceUsers.add(e.userId);
      if (e.type === 'trade') {
        const t: PublicTrade = { id: e.tradeId, priceTicks: e.priceTicks, qtyLots: e.qtyLots, baseAmount: e.baseAmount, quoteAmount: e.buyerPaid, takerSide: e.takerSide, ts: cmd.ts };
        this.marketData.addTrade(e.market, t);
        balanceUsers.add(e.makerUserId).add(e.takerUserId);
        this.emit({ kind: 'trade', market: e.market, trade: t });
      }
    }
    for (const symbol of touched) {
      const m = this.core.marketBySymbol.get(symbol);
      const mirror = this.mirrors.get(symbol);
      if (m === undefined || mirror === undefined) continue;
      // The book may already hold later (not yet durable) commands: the diff says so by u = core.seq.
      const diff = mirror.diff(m.book, this.core.seq);
      if (diff !== null) this.emit({ kind: 'depth', market: symbol, diff });
      if (result.events.some((e) => e.type === 'trade' && e.market === symbol)) this.emit({ kind: 'ticker', market: symbol });
    }
    for (const o of change.orders) this.emit({ kind: 'order', userId: o.userId, order: o });
    for (const f of change.fills) this.emit({ kind: 'fill', userId: f.userId, fill: f });
    for (const u of balanceUsers) this.emit({ kind: 'balance', userId: u });
  };

  /** Diff sequence of a market (for snapshots sent over WebSocket). */
  depthSeq(symbol: string): number {
    return this.mirrors.get(symbol)?.lastU ?? 0;
  }
}
