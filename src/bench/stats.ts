import { xorshift32 } from '../shared/prng.ts';

/** Percentile of a sorted sample (nearest-rank). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(latenciesUs: Float64Array): { p50_us: number; p99_us: number; p999_us: number; max_us: number } {
  const s = Float64Array.from(latenciesUs).sort();
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50_us: r(percentile(s, 50)), p99_us: r(percentile(s, 99)), p999_us: r(percentile(s, 99.9)), max_us: r(s[s.length - 1] ?? 0) };
}

/** Deterministic PRNG (xorshift32) so every run replays the same workload. */
export const rng = (seed: number): (() => number) => xorshift32(seed);
