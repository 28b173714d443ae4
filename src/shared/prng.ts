/**
 * Seeded pseudo-random generators for simulations, benchmarks and demos: every run
 * reproduces from its seed. Never for keys, salts or tokens (those use node:crypto).
 */

/** mulberry32: 32-bit state, good spread, values in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** xorshift32 (Marsaglia), values in [0, 1); a zero seed is replaced so the state never sticks at 0. */
export function xorshift32(seed: number, zeroSeed = 0x9e3779b9): () => number {
  let x = seed >>> 0 || zeroSeed;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}
