import { CoreError } from './errors.ts';
import type { WithdrawalPolicy } from './risk/policy.ts';

/**
 * Assets and markets are configuration, not code: adding one is a new entry here
 * (or in the operator's config file), validated at start.
 */
export interface AssetConfig {
  /** Ticker, upper case: 'AED', 'BTC', 'ETH'. */
  readonly code: string;
  /** Decimal places of the smallest unit: AED 2 (fils), BTC 8 (satoshi), ETH 18 (wei). */
  readonly decimals: number;
}

export type MarketStatus = 'open' | 'halted' | 'cancel-only';
export type SelfTradePrevention = 'cancel-newest' | 'cancel-oldest' | 'cancel-both';

export interface MarketConfig {
  /** 'BTC/AED'. */
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  /** Price step, in quote minor units per one whole base unit (BTC/AED 100 = 1.00 AED). */
  readonly tickSizeQuote: bigint;
  /** Quantity step, in base minor units (BTC 1000 sat = 0.00001 BTC). */
  readonly lotSizeBase: bigint;
  /** Smallest order value, in quote minor units (AED 1000 = 10.00 AED). */
  readonly minNotionalQuote: bigint;
  readonly makerFeeBps: number;
  readonly takerFeeBps: number;
  /** A market order never fills further than this from the best opposite price when it arrived. */
  readonly marketProtectionBps: number;
  readonly priceTicksMax: number;
  readonly qtyLotsMax: number;
  readonly selfTradePrevention: SelfTradePrevention;
  readonly status: MarketStatus;
}

export interface CoreConfig {
  readonly assets: readonly AssetConfig[];
  readonly markets: readonly MarketConfig[];
  /** Bounded per-user open orders: an unbounded book per user is a memory attack. */
  readonly openOrdersPerUserMax: number;
  /** Withdrawal controls at genesis (later changed only by journaled `withdrawalPolicy.set`); defaults when absent. */
  readonly withdrawalPolicy?: WithdrawalPolicy;
}

/** Rampart's defaults: BTC and ETH against dirhams. */
export const defaultCoreConfig: CoreConfig = {
  assets: [
    { code: 'AED', decimals: 2 },
    { code: 'BTC', decimals: 8 },
    { code: 'ETH', decimals: 18 },
  ],
  markets: [
    {
      symbol: 'BTC/AED',
      base: 'BTC',
      quote: 'AED',
      tickSizeQuote: 100n, // 1.00 AED
      lotSizeBase: 1000n, // 0.00001 BTC
      minNotionalQuote: 1000n, // 10.00 AED
      makerFeeBps: 10,
      takerFeeBps: 20,
      marketProtectionBps: 500,
      priceTicksMax: 1_000_000_000, // 1e9 AED per BTC
      qtyLotsMax: 10_000_000_000, // 100,000 BTC
      selfTradePrevention: 'cancel-newest',
      status: 'open',
    },
    {
      symbol: 'ETH/AED',
      base: 'ETH',
      quote: 'AED',
      tickSizeQuote: 10n, // 0.10 AED
      lotSizeBase: 100_000_000_000_000n, // 0.0001 ETH
      minNotionalQuote: 1000n,
      makerFeeBps: 10,
      takerFeeBps: 20,
      marketProtectionBps: 500,
      priceTicksMax: 10_000_000_000, // 1e9 AED per ETH
      qtyLotsMax: 10_000_000_000, // 1,000,000 ETH
      selfTradePrevention: 'cancel-newest',
      status: 'open',
    },
  ],
  openOrdersPerUserMax: 1000,
};

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new CoreError('CONFIG_INVALID', message, details);
}

const SAFE = Number.MAX_SAFE_INTEGER;

/** Validates a configuration; the core refuses to start on anything ambiguous. */
export function validateCoreConfig(config: CoreConfig): CoreConfig {
  const codes = new Set<string>();
  for (const a of config.assets) {
    if (!/^[A-Z][A-Z0-9]{1,9}$/.test(a.code)) fail('asset code must be 2-10 upper-case letters/digits', { asset: a.code });
    if (!Number.isInteger(a.decimals) || a.decimals < 0 || a.decimals > 18) fail('asset decimals must be 0..18', { asset: a.code });
    if (codes.has(a.code)) fail('duplicate asset', { asset: a.code });
    codes.add(a.code);
  }
  const symbols = new Set<string>();
  for (const m of config.markets) {
    if (m.symbol !== `${m.base}/${m.quote}`) fail('market symbol must be BASE/QUOTE', { market: m.symbol });
    if (!codes.has(m.base) || !codes.has(m.quote) || m.base === m.quote) fail('market assets must be distinct configured assets', { market: m.symbol });
    if (symbols.has(m.symbol)) fail('duplicate market', { market: m.symbol });
    symbols.add(m.symbol);
    if (m.tickSizeQuote <= 0n || m.lotSizeBase <= 0n || m.minNotionalQuote < 0n) fail('tick, lot and min notional must be positive', { market: m.symbol });
    for (const [k, v] of [['makerFeeBps', m.makerFeeBps], ['takerFeeBps', m.takerFeeBps], ['marketProtectionBps', m.marketProtectionBps]] as const) {
      if (!Number.isInteger(v) || v < 0 || v > 10_000) fail(`${k} must be an integer 0..10000`, { market: m.symbol });
    }
    if (m.marketProtectionBps === 0 || m.marketProtectionBps >= 10_000) fail('marketProtectionBps must be 1..9999', { market: m.symbol });
    if (!Number.isSafeInteger(m.priceTicksMax) || m.priceTicksMax < 1 || m.priceTicksMax > SAFE) fail('priceTicksMax invalid', { market: m.symbol });
    if (!Number.isSafeInteger(m.qtyLotsMax) || m.qtyLotsMax < 1) fail('qtyLotsMax invalid', { market: m.symbol });
    if (!['open', 'halted', 'cancel-only'].includes(m.status)) fail('bad market status', { market: m.symbol });
    if (!['cancel-newest', 'cancel-oldest', 'cancel-both'].includes(m.selfTradePrevention)) fail('bad self-trade prevention', { market: m.symbol });
  }
  if (!Number.isInteger(config.openOrdersPerUserMax) || config.openOrdersPerUserMax < 1) fail('openOrdersPerUserMax must be >= 1');
  return config;
}
