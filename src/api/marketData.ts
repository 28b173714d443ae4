import { assert } from '../shared/assert.ts';

/**
 * Public market data kept in bounded memory, fed by the engine's results after they are
 * durable (engine.onResult): the last trades per market and candles per interval. A
 * stand-in until the storage read models land; on restart it starts empty.
 */
export interface PublicTrade {
  readonly id: number;
  readonly priceTicks: number;
  readonly qtyLots: number;
  /** Base minor units. */
  readonly baseAmount: bigint;
  /** Quote minor units the buyer paid. */
  readonly quoteAmount: bigint;
  readonly takerSide: 'buy' | 'sell';
  readonly ts: number;
}

export interface Candle {
  readonly openTimeMs: number;
  openTicks: number;
  highTicks: number;
  lowTicks: number;
  closeTicks: number;
  volumeBase: bigint;
  volumeQuote: bigint;
  takerBuyBase: bigint;
  takerBuyQuote: bigint;
  trades: number;
  firstTradeId: number;
  lastTradeId: number;
}

export const INTERVALS = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000, '1d': 86_400_000 } as const;
export type Interval = keyof typeof INTERVALS;
export const isInterval = (v: unknown): v is Interval => typeof v === 'string' && Object.hasOwn(INTERVALS, v);

export interface MarketDataLimits {
  /** Trades kept per market. */
  readonly tradesMax: number;
  /** Candles kept per market and interval (1m needs ≥ 1440 for the 24 h ticker). */
  readonly candlesMax: number;
}
export const MARKET_DATA_LIMITS_DEFAULT: MarketDataLimits = { tradesMax: 1000, candlesMax: 1500 };

/** A fixed-capacity ring: push is O(1), the oldest entry is overwritten. */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  size = 0;
  constructor(readonly capacity: number) {
    assert(Number.isSafeInteger(capacity) && capacity > 0, 'ring capacity');
    this.items = new Array(capacity);
  }
  push(v: T): void {
    if (this.size < this.capacity) {
      this.items[(this.start + this.size) % this.capacity] = v;
      this.size++;
    } else {
      this.items[this.start] = v;
      this.start = (this.start + 1) % this.capacity;
    }
  }
  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.items[(this.start + i) % this.capacity]!);
    return out;
  }
  last(): T | undefined {
    return this.size === 0 ? undefined : this.items[(this.start + this.size - 1) % this.capacity];
  }
}

export interface TickerStats {
  readonly lastTicks: number | null;
  readonly lastLots: number;
  readonly openTicks: number | null;
  readonly highTicks: number | null;
  readonly lowTicks: number | null;
  readonly volumeBase: bigint;
  readonly volumeQuote: bigint;
  readonly trades: number;
  readonly firstTradeId: number;
  readonly lastTradeId: number;
  readonly openTimeMs: number;
  readonly closeTimeMs: number;
}

class MarketSeries {
  readonly trades: Ring<PublicTrade>;
  readonly candles = new Map<Interval, Candle[]>();
  constructor(readonly limits: MarketDataLimits) {
    this.trades = new Ring(limits.tradesMax);
    for (const k of Object.keys(INTERVALS) as Interval[]) this.candles.set(k, []);
  }
  add(t: PublicTrade): void {
    this.trades.push(t);
    for (const [interval, list] of this.candles) {
      const open = t.ts - (t.ts % INTERVALS[interval]);
      let c = list[list.length - 1];
      if (c === undefined || c.openTimeMs < open) {
        c = {
          openTimeMs: open,
          openTicks: t.priceTicks,
          highTicks: t.priceTicks,
          lowTicks: t.priceTicks,
          closeTicks: t.priceTicks,
          volumeBase: 0n,
          volumeQuote: 0n,
          takerBuyBase: 0n,
          takerBuyQuote: 0n,
          trades: 0,
          firstTradeId: t.id,
          lastTradeId: t.id,
        };
        list.push(c);
        if (list.length > this.limits.candlesMax) list.shift();
      }
      // Engine time is monotonic (the engine stamps max(clock, lastTs)), so a trade never lands in an older candle.
      assert(c.openTimeMs === open, 'trade older than the current candle', { open, candle: c.openTimeMs });
      c.highTicks = Math.max(c.highTicks, t.priceTicks);
      c.lowTicks = Math.min(c.lowTicks, t.priceTicks);
      c.closeTicks = t.priceTicks;
      c.volumeBase += t.baseAmount;
      c.volumeQuote += t.quoteAmount;
      if (t.takerSide === 'buy') {
        c.takerBuyBase += t.baseAmount;
        c.takerBuyQuote += t.quoteAmount;
      }
      c.trades++;
      c.lastTradeId = t.id;
    }
  }
}

export class MarketData {
  private readonly series = new Map<string, MarketSeries>();
  constructor(
    symbols: readonly string[],
    readonly limits: MarketDataLimits = MARKET_DATA_LIMITS_DEFAULT,
  ) {
    for (const s of symbols) this.series.set(s, new MarketSeries(limits));
  }

  private of(symbol: string): MarketSeries {
    const s = this.series.get(symbol);
    assert(s !== undefined, 'unknown market in market data', { symbol });
    return s;
  }

  addTrade(symbol: string, t: PublicTrade): void {
    this.of(symbol).add(t);
  }

  /** Newest last; at most `limit`, optionally within [fromMs, toMs] and from trade id. */
  trades(symbol: string, q: { limit: number; fromId?: number; startMs?: number; endMs?: number }): PublicTrade[] {
    let list = this.of(symbol).trades.toArray();
    if (q.fromId !== undefined) list = list.filter((t) => t.id >= q.fromId!).slice(0, q.limit);
    if (q.startMs !== undefined) list = list.filter((t) => t.ts >= q.startMs!);
    if (q.endMs !== undefined) list = list.filter((t) => t.ts <= q.endMs!);
    return q.fromId !== undefined || q.startMs !== undefined ? list.slice(0, q.limit) : list.slice(-q.limit);
  }

  lastTrade(symbol: string): PublicTrade | undefined {
    return this.of(symbol).trades.last();
  }

  candles(symbol: string, interval: Interval, q: { limit: number; startMs?: number; endMs?: number }): Candle[] {
    let list = this.of(symbol).candles.get(interval)!;
    if (q.startMs !== undefined) list = list.filter((c) => c.openTimeMs >= q.startMs!);
    if (q.endMs !== undefined) list = list.filter((c) => c.openTimeMs <= q.endMs!);
    return q.startMs !== undefined ? list.slice(0, q.limit) : list.slice(-q.limit);
  }

  /** Rolling 24 h statistics from the 1-minute candles. */
  ticker(symbol: string, nowMs: number): TickerStats {
    const since = nowMs - INTERVALS['1d'];
    const list = this.of(symbol).candles.get('1m')!.filter((c) => c.openTimeMs + INTERVALS['1m'] > since);
    const last = this.lastTrade(symbol);
    let high: number | null = null;
    let low: number | null = null;
    let vb = 0n;
    let vq = 0n;
    let n = 0;
    for (const c of list) {
      high = high === null ? c.highTicks : Math.max(high, c.highTicks);
      low = low === null ? c.lowTicks : Math.min(low, c.lowTicks);
      vb += c.volumeBase;
      vq += c.volumeQuote;
      n += c.trades;
    }
    const first = list[0];
    return {
      lastTicks: last?.priceTicks ?? null,
      lastLots: last?.qtyLots ?? 0,
      openTicks: first?.openTicks ?? null,
      highTicks: high,
      lowTicks: low,
      volumeBase: vb,
      volumeQuote: vq,
      trades: n,
      firstTradeId: first?.firstTradeId ?? -1,
      lastTradeId: list[list.length - 1]?.lastTradeId ?? -1,
      openTimeMs: since,
      closeTimeMs: nowMs,
    };
  }
}
