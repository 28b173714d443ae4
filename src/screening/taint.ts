import { assert } from '../shared/assert.ts';

/**
 * Exact taint algebra shared by the BTC (UTXO) and ETH (account) tracers. All integer:
 * amounts are bigint smallest units; the haircut share is an exact rational; FIFO taint
 * is a set of integer intervals. Nothing here is a float.
 *
 * The three models are those of Möser, Böhme & Breuker, "Towards Risk Scoring of Bitcoin
 * Transactions" (Financial Cryptography workshops, 2014):
 * - poison: any tainted input taints every output in full;
 * - haircut: each output carries the tainted share of the inputs, in proportion;
 * - FIFO: coins keep their order: the first satoshi in is the first out, so taint lands on
 *   specific outputs (the "first-in-first-out" rule of Clayton's Case, 1816, discussed for
 *   Bitcoin by Anderson, Shumailov, Ahmed & Rietmann, "Bitcoin Redemption", 2018, who argue
 *   FIFO is the legally grounded rule and contrast it with taint-in-highest-out, TIHO).
 */

/** Exact non-negative rational n/d, d > 0, kept reduced. */
export interface Frac {
  readonly n: bigint;
  readonly d: bigint;
}

export const ZERO: Frac = { n: 0n, d: 1n };

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function frac(n: bigint, d = 1n): Frac {
  assert(d > 0n && n >= 0n, 'fractions are non-negative with a positive denominator', { n: String(n), d: String(d) });
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}

export function fracAdd(a: Frac, b: Frac): Frac {
  return frac(a.n * b.d + b.n * a.d, a.d * b.d);
}

/** a * k / m for integers k ≥ 0, m > 0. */
export function fracScale(a: Frac, k: bigint, m: bigint): Frac {
  return frac(a.n * k, a.d * m);
}

export function fracFloor(a: Frac): bigint {
  return a.n / a.d;
}

/** Half-open integer interval [lo, hi). */
export type Interval = readonly [bigint, bigint];

export function intervalsTotal(xs: readonly Interval[]): bigint {
  let t = 0n;
  for (const [lo, hi] of xs) t += hi - lo;
  return t;
}

/** Sorts, merges touching/overlapping intervals and, past `max`, closes the smallest gaps (over-approximates taint: conservative). */
export function normaliseIntervals(xs: readonly Interval[], max: number): { intervals: Interval[]; approximated: boolean } {
  const sorted = xs.filter(([lo, hi]) => hi > lo).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1]) {
      if (hi > last[1]) last[1] = hi;
    } else out.push([lo, hi]);
  }
  let approximated = false;
  while (out.length > max) {
    approximated = true;
    let best = 0;
    for (let i = 1; i + 1 < out.length; i++) if (out[i + 1]![0] - out[i]![1] < out[best + 1]![0] - out[best]![1]) best = i;
    out[best]![1] = out[best + 1]![1];
    out.splice(best + 1, 1);
  }
  return { intervals: out, approximated };
}

/** The part of `xs` inside [lo, hi), shifted so that lo becomes 0. */
export function clipIntervals(xs: readonly Interval[], lo: bigint, hi: bigint): Interval[] {
  const out: Interval[] = [];
  for (const [a, b] of xs) {
    const s = a > lo ? a : lo;
    const e = b < hi ? b : hi;
    if (e > s) out.push([s - lo, e - lo]);
  }
  return out;
}

export function shiftIntervals(xs: readonly Interval[], by: bigint): Interval[] {
  return xs.map(([a, b]) => [a + by, b + by] as const);
}

/** Taint of one coin (BTC output, or ETH transfer) of `valueUnits`, under all three models at once. */
export interface CoinTaint {
  readonly valueUnits: bigint;
  readonly poison: boolean;
  /** Tainted amount under haircut, exact. */
  readonly haircut: Frac;
  /** Tainted sub-intervals of [0, valueUnits) under FIFO. */
  readonly fifo: readonly Interval[];
}

export function cleanCoin(valueUnits: bigint): CoinTaint {
  return { valueUnits, poison: false, haircut: ZERO, fifo: [] };
}

export function fullyTainted(valueUnits: bigint): CoinTaint {
  return { valueUnits, poison: true, haircut: frac(valueUnits), fifo: valueUnits > 0n ? [[0n, valueUnits]] : [] };
}

/** Exposure basis points, floor(exposure * 10000 / total), integer only; 0 when total is 0. */
export function bpsOf(exposureUnits: bigint, totalUnits: bigint): number {
  assert(exposureUnits >= 0n && exposureUnits <= totalUnits, 'exposure within the coin', { exposureUnits: String(exposureUnits), totalUnits: String(totalUnits) });
  if (totalUnits === 0n) return 0;
  return Number((exposureUnits * 10_000n) / totalUnits);
}
