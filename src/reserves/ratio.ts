import { formatDecimalFixed } from '../shared/decimal.ts';
import { ReservesError } from './errors.ts';

/**
 * Reserve ratio per asset, exact. The decision "are customers covered?" is
 * `reserves >= liabilities` on bigints, never a float: 0.99999999 rounded to 1.00
 * must not read as solvent. Assets are never added together here (that needs
 * prices, and a price is an opinion); each asset must be covered on its own,
 * as VARA's 1:1 rule for client virtual assets asks.
 */

/** A non-negative rational; denominator 0 means "no liabilities" (ratio unbounded). */
export interface Ratio {
  numerator: bigint;
  denominator: bigint;
}

export interface AssetCoverage {
  asset: string;
  reservesMinor: bigint;
  liabilitiesMinor: bigint;
  /** reserves / liabilities reduced by their gcd; {reserves, 0} when liabilities are 0. */
  ratio: Ratio;
  /** reserves >= liabilities, exactly. */
  covered: boolean;
  /** reserves − liabilities (negative when short). */
  surplusMinor: bigint;
  /** The ratio rounded DOWN to `decimals` places ("0.9999" for 0.99995), or "∞" with no liabilities. */
  display: string;
}

export interface ReserveRatioReport {
  byAsset: Record<string, AssetCoverage>;
  /** Every asset with liabilities is covered. */
  allCovered: boolean;
}

export const RATIO_DISPLAY_DECIMALS = 4;

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function checkAmount(v: unknown, what: string): bigint {
  if (typeof v !== 'bigint') throw new ReservesError('POR_AMOUNT_RANGE', `${what} must be a bigint of minor units`, { what });
  if (v < 0n) throw new ReservesError('POR_NEGATIVE_BALANCE', `${what} cannot be negative`, { what });
  return v;
}

/** Exact coverage of one asset. */
export function assetCoverage(asset: string, reservesMinor: bigint, liabilitiesMinor: bigint, decimals = RATIO_DISPLAY_DECIMALS): AssetCoverage {
  checkAmount(reservesMinor, `reserves of ${asset}`);
  checkAmount(liabilitiesMinor, `liabilities of ${asset}`);
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 18) throw new ReservesError('POR_INPUT', 'decimals must be 0..18', { decimals });
  let ratio: Ratio;
  let display: string;
  if (liabilitiesMinor === 0n) {
    ratio = { numerator: reservesMinor, denominator: 0n };
    display = '∞';
  } else {
    const g = gcd(reservesMinor, liabilitiesMinor);
    ratio = { numerator: reservesMinor / g, denominator: liabilitiesMinor / g };
    // floor(reserves · 10^d / liabilities): never shows more coverage than there is.
    display = formatDecimalFixed((reservesMinor * 10n ** BigInt(decimals)) / liabilitiesMinor, decimals);
  }
  return {
    asset,
    reservesMinor,
    liabilitiesMinor,
    ratio,
    covered: reservesMinor >= liabilitiesMinor,
    surplusMinor: reservesMinor - liabilitiesMinor,
    display,
  };
}

/**
 * Coverage of every asset that appears on either side. An asset with liabilities
 * but no reserves entry has reserves 0 (not covered); one with reserves and no
 * liabilities is covered.
 */
export function reserveRatio(
  reservesByAsset: Readonly<Record<string, bigint>>,
  liabilitiesByAsset: Readonly<Record<string, bigint>>,
  decimals = RATIO_DISPLAY_DECIMALS,
): ReserveRatioReport {
  const assets = [...new Set([...Object.keys(liabilitiesByAsset), ...Object.keys(reservesByAsset)])].sort();
  const byAsset: Record<string, AssetCoverage> = {};
  for (const asset of assets) {
    byAsset[asset] = assetCoverage(asset, reservesByAsset[asset] ?? 0n, liabilitiesByAsset[asset] ?? 0n, decimals);
  }
  return { byAsset, allCovered: Object.values(byAsset).every((c) => c.covered) };
}

/** Exact comparison of a ratio with 1 (denominator 0 counts as above). */
export function ratioAtLeastOne(r: Ratio): boolean {
  return r.numerator >= r.denominator;
}
