import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPorBench } from './bench.ts';

describe('runPorBench (small smoke run; the real run is 1,000,000 accounts, by hand)', () => {
  it('builds, sizes and verifies proofs and reports the figures', async () => {
    const r = await runPorBench({ accounts: 300, proofSamples: 20, hashCompareCount: 500 });
    assert.equal(r.accounts, 300);
    assert.equal(r.depth, 9);
    assert.ok(r.build_ms > 0 && r.verify_ms > 0);
    assert.ok(r.proof_bytes > 500 && r.proof_bytes <= r.proof_bytes_max);
    assert.ok(r.hash_us_node !== null && r.hash_us_noble !== null);
    assert.ok(r.build_cpu_ms >= 0);
  });

  it('with two workers (above the parallel threshold) reports the same shape', async () => {
    const r = await runPorBench({ accounts: 5000, proofSamples: 10, hashCompareCount: 0, workers: 2 });
    assert.equal(r.workers, 2);
    assert.equal(r.depth, 13);
    assert.ok(r.proof_bytes < 2048);
  });
});
