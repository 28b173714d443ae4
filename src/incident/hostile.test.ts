import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { IncidentError } from './errors.ts';
import { IntentRegistry } from './outflowMatcher.ts';
import { harness, txid } from './testing.ts';
import type { ObservedOutflow } from './types.ts';

const junk = fc.oneof(fc.string({ maxLength: 200 }), fc.integer(), fc.double(), fc.constant(null), fc.constant(undefined), fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.array(fc.anything(), { maxLength: 3 }), fc.object());

test('hostile observations: a clear OUTFLOW_INVALID, no incident, nothing journaled, nothing frozen', async () => {
  const h = await harness({ users: 1 });
  try {
    const seq = h.engine.journal.lastSeq;
    const valid: ObservedOutflow = { chain: 'BTC', txid: txid(1), inputs: [], outputs: [{ address: 'bcrt1qxyz', valueMinor: 1n }], feeMinor: 1n, seenAtMs: 1, where: 'block' };
    const validFor = (field: string, v: unknown): boolean =>
      (field === 'chain' && (v === 'BTC' || v === 'ETH')) ||
      (field === 'where' && (v === 'mempool' || v === 'block')) ||
      (field === 'txid' && typeof v === 'string' && v.length > 0 && v.length <= 80) ||
      (field === 'feeMinor' && typeof v === 'bigint' && v >= 0n) ||
      (field === 'seenAtMs' && Number.isSafeInteger(v) && (v as number) >= 0) ||
      (field === 'outputs' && Array.isArray(v) && v.length === 0);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('chain', 'txid', 'outputs', 'feeMinor', 'seenAtMs', 'where'), junk, async (field, value) => {
        fc.pre(!validFor(field, value));
        const o = { ...valid, [field]: value } as unknown as ObservedOutflow;
        try {
          await h.responder.observe(o);
          return false;
        } catch (e) {
          return e instanceof IncidentError && e.code === 'OUTFLOW_INVALID';
        }
      }),
      { numRuns: 200 },
    );
    await assert.rejects(h.responder.observe(null as unknown as ObservedOutflow), (e) => e instanceof IncidentError && e.code === 'OUTFLOW_INVALID');
    await assert.rejects(h.responder.observe({ ...valid, outputs: [{ address: 5, valueMinor: -1n }] } as unknown as ObservedOutflow), (e) => e instanceof IncidentError && e.code === 'OUTFLOW_INVALID');
    await assert.rejects(h.responder.observe({ ...valid, feeMinor: 1 } as unknown as ObservedOutflow), (e) => e instanceof IncidentError && e.code === 'OUTFLOW_INVALID');
    // Every refused observation left the exchange untouched.
    assert.equal(h.book.all().length, 0);
    assert.equal(h.engine.journal.lastSeq, seq);
    assert.equal(h.engine.core.withdrawalsPaused.size, 0);
    assert.equal(h.signer.halted, false);
  } finally {
    await h.close();
  }
});

test('hostile intents: INTENT_INVALID and the registry is unchanged', () => {
  fc.assert(
    fc.property(fc.constantFrom('id', 'kind', 'chain', 'outputs', 'feeMaxMinor', 'inputs', 'from', 'nonce', 'txids'), junk, (field, value) => {
      const r = new IntentRegistry();
      const base = { id: 'i1', kind: 'withdrawal', chain: 'ETH', from: '0x' + '1'.repeat(40), nonce: 1n, outputs: [], feeMaxMinor: 1n };
      try {
        r.register({ ...base, [field]: value } as never);
        return r.size === 1;
      } catch (e) {
        return e instanceof IncidentError && (e.code === 'INTENT_INVALID' || e.code === 'INTENT_DUPLICATE') && r.size === 0;
      }
    }),
    { numRuns: 300 },
  );
});
