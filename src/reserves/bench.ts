import { hash as nodeHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { type CustomerBalances, type HashImpl, buildLiabilitiesTree, buildLiabilitiesTreeParallel } from './tree.ts';
import { verifyInclusionProof } from './verify.ts';
import { mulberry32 } from '../shared/prng.ts';

/**
 * Proof-of-liabilities benchmark: build the tree for N customers × 3 assets,
 * then measure one proof's JSON size and the customer-side verify time.
 * A function, not a test: it is CPU-heavy (run it once; the machine is shared).
 *
 * Workload (deterministic, seed fixed): ids "cus_" + 10 base-36 chars; each asset
 * non-zero with probability AED 0.7 / BTC 0.4 / ETH 0.4, log-uniform over
 * 1 fils..1,000,000 AED, 1 sat..10 BTC, 1 gwei..100 ETH (exchange balances are heavy-tailed).
 */

export interface PorBenchOptions {
  accounts: number;
  /** Proofs generated, sized and verified (default 1000). */
  proofSamples?: number;
  hashImpl?: HashImpl;
  /** Hashes per implementation in the node:crypto vs @noble/hashes comparison (default 200,000; 0 to skip). */
  hashCompareCount?: number;
  /** Worker threads for the build (default 2; 1 builds in the main thread). */
  workers?: number;
}

export interface PorBenchResult {
  accounts: number;
  assets: number;
  depth: number;
  hash_impl: HashImpl;
  workers: number;
  build_ms: number;
  /** CPU time (user + system) of the build, all threads of the process: robust when others share the machine. */
  build_cpu_ms: number;
  /** Mean JSON size of one proof, bytes. */
  proof_bytes: number;
  proof_bytes_max: number;
  /** Mean gzip size of one proof (what an HTTP response with Content-Encoding: gzip carries). */
  proof_gzip_bytes: number;
  /** Mean time to JSON.parse and verify one proof (browser-safe verifier, @noble/hashes). */
  verify_ms: number;
  /** CPU time of the same (robust when others share the machine). */
  verify_cpu_ms: number;
  proofs_sampled: number;
  /** Time to make the synthetic input (not part of build_ms). */
  data_ms: number;
  /** One SHA-256 of a 161-byte node preimage, microseconds. */
  hash_us_node: number | null;
  hash_us_noble: number | null;
  rss_mb: number;
  /** 1-minute load average when the bench ended (2-core machine): above 2, figures are inflated by contention. */
  load_avg_1m: number;
}

const ASSETS = ['AED', 'BTC', 'ETH'] as const;


/** Log-uniform integer in [10^lo, 10^hi). */
function logUniform(rand: () => number, lo: number, hi: number): bigint {
  const e = lo + rand() * (hi - lo);
  const whole = Math.floor(e);
  const mantissa = BigInt(Math.floor(10 ** (e - whole) * 1e6)); // 1e6..1e7
  return (mantissa * 10n ** BigInt(whole)) / 1_000_000n;
}

export function syntheticAccounts(count: number, seed = 20261125): CustomerBalances[] {
  const rand = mulberry32(seed);
  const out: CustomerBalances[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const balances: Record<string, bigint> = {};
    if (rand() < 0.7) balances.AED = logUniform(rand, 0, 8);
    if (rand() < 0.4) balances.BTC = logUniform(rand, 0, 9);
    if (rand() < 0.4) balances.ETH = logUniform(rand, 9, 20);
    out[i] = { customerId: `cus_${Math.floor(rand() * 36 ** 6).toString(36).padStart(6, '0')}${i.toString(36).padStart(4, '0')}`, balances };
  }
  return out;
}

function hashMicros(count: number, fn: (d: Uint8Array) => Uint8Array): number {
  const data = new Uint8Array(161).fill(7);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    data[0] = i & 0xff;
    fn(data);
  }
  return ((performance.now() - t0) * 1000) / count;
}

export async function runPorBench(options: PorBenchOptions): Promise<PorBenchResult> {
  const { accounts: n } = options;
  const samples = Math.min(options.proofSamples ?? 1000, n);
  const hashImpl = options.hashImpl ?? 'node';
  const workers = hashImpl === 'noble' ? 1 : (options.workers ?? 2);
  const compareCount = options.hashCompareCount ?? 200_000;
  const hashUsNode = compareCount > 0 ? hashMicros(compareCount, (d) => nodeHash('sha256', d, 'buffer')) : null;
  const hashUsNoble = compareCount > 0 ? hashMicros(compareCount, (d) => nobleSha256(d)) : null;

  let t0 = performance.now();
  const accounts = syntheticAccounts(n);
  const dataMs = performance.now() - t0;

  t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const params = {
    accounts,
    assets: ASSETS,
    snapshotSalt: new Uint8Array(32).fill(0x5a),
    snapshotTime: '2026-11-25T12:00:00Z',
    journalSeq: 123_456_789n,
    hashImpl,
  };
  const tree = workers > 1 ? await buildLiabilitiesTreeParallel(params, { workers }) : buildLiabilitiesTree(params);
  const buildMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);

  const texts: string[] = [];
  const ids: string[] = [];
  const rand = mulberry32(7);
  for (let s = 0; s < samples; s++) {
    const id = accounts[Math.floor(rand() * n)]!.customerId;
    ids.push(id);
    texts.push(JSON.stringify(tree.proofFor(id)));
  }
  const bytes = texts.map((t) => Buffer.byteLength(t));
  const gzipBytes = texts.map((t) => gzipSync(t).length);
  const root = tree.published.rootHash;
  t0 = performance.now();
  const vcpu0 = process.cpuUsage();
  for (let s = 0; s < samples; s++) {
    const r = verifyInclusionProof(JSON.parse(texts[s]!), root, { customerId: ids[s]! });
    if (!r.ok) throw new Error(`bench proof failed to verify: ${r.code}`);
  }
  const verifyMs = samples > 0 ? (performance.now() - t0) / samples : 0;
  const vcpu = process.cpuUsage(vcpu0);
  const verifyCpuMs = samples > 0 ? (vcpu.user + vcpu.system) / 1000 / samples : 0;

  const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    accounts: n,
    assets: ASSETS.length,
    depth: tree.published.depth,
    hash_impl: hashImpl,
    workers,
    build_ms: round(buildMs),
    build_cpu_ms: round((cpu.user + cpu.system) / 1000),
    proof_bytes: Math.round(bytes.reduce((a, b) => a + b, 0) / Math.max(1, samples)),
    proof_bytes_max: Math.max(0, ...bytes),
    proof_gzip_bytes: Math.round(gzipBytes.reduce((a, b) => a + b, 0) / Math.max(1, samples)),
    verify_ms: round(verifyMs, 3),
    verify_cpu_ms: round(verifyCpuMs, 3),
    proofs_sampled: samples,
    data_ms: round(dataMs),
    hash_us_node: hashUsNode === null ? null : round(hashUsNode, 3),
    hash_us_noble: hashUsNoble === null ? null : round(hashUsNoble, 3),
    rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
    load_avg_1m: round(loadavg()[0] ?? 0, 2),
  };
}
