import { DecimalError, formatDecimal, parseDecimal } from '../shared/decimal.ts';
import type { AssetConfig, MarketConfig } from './config.ts';

/**
 * Prices and quantities at the edges are decimal strings ("350000.00", "0.00125");
 * inside the core they are integer ticks and lots. A price that is not a whole number
 * of ticks, or a quantity that is not a whole number of lots, is an error, never rounded.
 */
export interface MarketUnits {
  readonly market: MarketConfig;
  readonly base: AssetConfig;
  readonly quote: AssetConfig;
}

/** "350001.00" AED per BTC → price ticks (1 tick = tickSizeQuote quote minor units). */
export function priceToTicks(u: MarketUnits, price: unknown): number {
  const minor = parseDecimal(price, u.quote.decimals, 'price');
  if (minor === 0n || minor % u.market.tickSizeQuote !== 0n) {
    throw new DecimalError('PRICE_NOT_ON_TICK', `price must be a positive multiple of the tick size ${formatDecimal(u.market.tickSizeQuote, u.quote.decimals)}`, { field: 'price' });
  }
  const ticks = minor / u.market.tickSizeQuote;
  if (ticks > BigInt(u.market.priceTicksMax)) throw new DecimalError('PRICE_OUT_OF_RANGE', 'price too large', { field: 'price' });
  return Number(ticks);
}

export function ticksToPrice(u: MarketUnits, ticks: number): string {
  return formatDecimal(BigInt(ticks) * u.market.tickSizeQuote, u.quote.decimals);
}

/** "0.00125" BTC → lots (1 lot = lotSizeBase base minor units). */
export function qtyToLots(u: MarketUnits, qty: unknown): number {
  const minor = parseDecimal(qty, u.base.decimals, 'quantity');
  if (minor === 0n || minor % u.market.lotSizeBase !== 0n) {
    throw new DecimalError('QUANTITY_NOT_ON_LOT', `quantity must be a positive multiple of the lot size ${formatDecimal(u.market.lotSizeBase, u.base.decimals)}`, { field: 'quantity' });
  }
  const lots = minor / u.market.lotSizeBase;
  if (lots > BigInt(u.market.qtyLotsMax)) throw new DecimalError('QUANTITY_OUT_OF_RANGE', 'quantity too large', { field: 'quantity' });
  return Number(lots);
}

export function lotsToQty(u: MarketUnits, lots: number): string {
  return formatDecimal(BigInt(lots) * u.market.lotSizeBase, u.base.decimals);
}

export function marketUnits(assets: readonly AssetConfig[], market: MarketConfig): MarketUnits {
  const base = assets.find((a) => a.code === market.base);
  const quote = assets.find((a) => a.code === market.quote);
  if (base === undefined || quote === undefined) throw new DecimalError('UNKNOWN_ASSET', 'market names an unknown asset');
  return { market, base, quote };
}
