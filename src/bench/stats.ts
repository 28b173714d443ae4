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
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}
