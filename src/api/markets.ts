import type { AssetConfig, CoreConfig, MarketConfig } from '../core/config.ts';
import { lotsToQty, type MarketUnits, marketUnits, priceToTicks, qtyToLots, ticksToPrice } from '../core/units.ts';
import { formatDecimal, parseDecimal } from '../shared/decimal.ts';
import { ApiError } from './errors.ts';

/**
 * The markets as the API names them: the core's 'BTC/AED' is 'BTC-AED' in native URLs
 * and 'BTCAED' under /api/v3 (Binance's spelling). Conversions between decimal strings
 * and ticks/lots go through src/core/units.ts only.
 */
export interface ApiMarket {
  readonly symbol: string;
  readonly dashed: string;
  readonly binance: string;
  readonly config: MarketConfig;
  readonly units: MarketUnits;
  readonly base: AssetConfig;
  readonly quote: AssetConfig;
}

export class MarketDirectory {
  readonly list: readonly ApiMarket[];
  private readonly byAny = new Map<string, ApiMarket>();
  readonly assets: readonly AssetConfig[];

  constructor(config: CoreConfig) {
    this.assets = config.assets;
    this.list = config.markets.map((m) => {
      const units = marketUnits(config.assets, m);
      return { symbol: m.symbol, dashed: `${m.base}-${m.quote}`, binance: `${m.base}${m.quote}`, config: m, units, base: units.base, quote: units.quote };
    });
    for (const m of this.list) {
      this.byAny.set(`n:${m.dashed}`, m);
      this.byAny.set(`b:${m.binance}`, m);
      this.byAny.set(`c:${m.symbol}`, m);
    }
  }

  /** 'BTC-AED' (native URL spelling). */
  native(name: unknown): ApiMarket {
    const m = typeof name === 'string' && name.length <= 32 ? this.byAny.get(`n:${name}`) : undefined;
    if (m === undefined) throw new ApiError('BAD_SYMBOL', 'unknown market');
    return m;
  }
  /** 'BTCAED' (Binance spelling). */
  binance(name: unknown): ApiMarket {
    const m = typeof name === 'string' && name.length <= 32 ? this.byAny.get(`b:${name}`) : undefined;
    if (m === undefined) throw new ApiError('BAD_SYMBOL', 'unknown symbol');
    return m;
  }
  /** 'BTC/AED' (the core's symbol). */
  core(symbol: string): ApiMarket {
    const m = this.byAny.get(`c:${symbol}`);
    if (m === undefined) throw new ApiError('BAD_SYMBOL', 'unknown market');
    return m;
  }
}

export const price = (m: ApiMarket, ticks: number): string => ticksToPrice(m.units, ticks);
export const qty = (m: ApiMarket, lots: number): string => lotsToQty(m.units, lots);
export const base = (m: ApiMarket, minor: bigint): string => formatDecimal(minor, m.base.decimals);
export const quote = (m: ApiMarket, minor: bigint): string => formatDecimal(minor, m.quote.decimals);
export const toTicks = (m: ApiMarket, text: unknown): number => priceToTicks(m.units, text);
export const toLots = (m: ApiMarket, text: unknown): number => qtyToLots(m.units, text);
export const toQuoteMinor = (m: ApiMarket, text: unknown, field = 'quoteQuantity'): bigint => parseDecimal(text, m.quote.decimals, field);
