import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { btcAddr, ethAddr, harness, txid } from './testing.ts';
import type { ObservedOutflow } from './types.ts';

const HOT_BTC = btcAddr(0, 'h');
const HOT_ETH = ethAddr(0, 0x407);

function drainBtc(n: number, valueMinor: bigint, seenAtMs: number, where: 'mempool' | 'block' = 'mempool'): ObservedOutflow {
  return {
    chain: 'BTC',
    txid: txid(5000 + n),
    inputs: [{ outpoint: `${txid(900 + n)}:0`, address: HOT_BTC, valueMinor: valueMinor + 700n }],
    outputs: [{ address: btcAddr(n, 'a'), valueMinor }],
    feeMinor: 700n,
    seenAtMs,
    where,
  };
}

test('an unmatched BTC outflow opens an incident, halts the signer, pauses withdrawals, blocklists the attacker — within 1 s (real clock, real journal)', async () => {
  const h = await harness({ realClock: true });
  try {
    const seen = Date.now();
    const r = await h.responder.observe(drainBtc(1, 12_345_678n, seen));
    assert.equal(r.match.matched, false);
    assert.equal(r.incidentId, 'INC-0001');
    assert.ok(h.signer.halted, 'signer halted');
    assert.equal(h.engine.core.isWithdrawalPaused('BTC'), true);
    assert.equal(h.engine.core.isWithdrawalPaused('ETH'), true, "default policy pauses everything");
    assert.ok(h.blocklist.isListed('BTC', 'address', btcAddr(1, 'a')));
    assert.ok(h.blocklist.isListed('BTC', 'txid', txid(5001)));
    const t = r.timing!;
    assert.ok(t.detectLatencyMs >= 0 && t.detectLatencyMs <= 1000, `detected in ${t.detectLatencyMs} ms`);
    assert.ok(t.freezeLatencyMs <= 1000, `frozen in ${t.freezeLatencyMs} ms`);
    assert.ok(t.signerHaltedAtMs <= t.frozenAtMs + 1000);
    console.log(`# detection ${t.detectLatencyMs} ms, frozen (journal durable) ${t.freezeLatencyMs} ms after the node showed the tx`);
    // Seen again in a block: same incident, no second pause.
    const again = await h.responder.observe(drainBtc(1, 12_345_678n, seen + 5, 'block'));
    assert.equal(again.incidentId, 'INC-0001');
    assert.equal(h.responder.unmatched.get(`BTC:${txid(5001)}`)!.outflow.where, 'block');
    assert.equal(h.book.all().length, 1);
    assert.equal(h.log.verify().ok, true);
  } finally {
    await h.close();
  }
});

test('an unmatched ETH outflow freezes only ETH under the per-asset policy; a second theft joins the same incident', async () => {
  const h = await harness({ policy: { pauseScope: 'asset', freezeOn: new Set(['unmatched_outflow']), consoleUrl: 'https://ops.example/admin' } });
  try {
    const o: ObservedOutflow = { chain: 'ETH', txid: txid(1, 'ETH'), from: HOT_ETH, nonce: 42n, outputs: [{ address: ethAddr(66, 0xbad), valueMinor: 10n ** 18n }], feeMinor: 21_000n * 30n * 10n ** 9n, seenAtMs: h.clock.now, where: 'mempool' };
    const r = await h.responder.observe(o);
    assert.equal(r.incidentId, 'INC-0001');
    assert.equal(h.engine.core.isWithdrawalPaused('ETH'), true);
    assert.equal(h.engine.core.isWithdrawalPaused('BTC'), false);
    const r2 = await h.responder.observe(drainBtc(2, 1_000n, h.clock.now));
    assert.equal(r2.incidentId, 'INC-0001', 'same attack, same incident');
    assert.equal(h.engine.core.isWithdrawalPaused('BTC'), true);
    assert.equal(h.book.get('INC-0001').evidence.length, 2);
    assert.ok(h.blocklist.isListed('ETH', 'address', ethAddr(66, 0xbad)));
  } finally {
    await h.close();
  }
});

test('property: a long random run of legitimate withdrawals and sweeps through the real responder never pauses anything', async () => {
  const h = await harness();
  try {
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ chain: fc.constantFrom('BTC' as const, 'ETH' as const), pay: fc.bigInt({ min: 1n, max: 10n ** 12n }), fee: fc.bigInt({ min: 0n, max: 10_000n }), twice: fc.boolean() }), { minLength: 1, maxLength: 20 }), async (plan) => {
        for (const p of plan) {
          const n = ++k;
          let o: ObservedOutflow;
          if (p.chain === 'BTC') {
            h.registry.register({ id: `w${n}`, kind: n % 3 === 0 ? 'sweep' : 'withdrawal', chain: 'BTC', inputs: [`${txid(10_000 + n)}:1`], outputs: [{ address: btcAddr(n, 'c'), valueMinor: p.pay }], feeMaxMinor: 10_000n });
            o = { chain: 'BTC', txid: txid(20_000 + n), inputs: [{ outpoint: `${txid(10_000 + n)}:1`, address: HOT_BTC, valueMinor: p.pay + p.fee + 9n }], outputs: [{ address: btcAddr(n, 'c'), valueMinor: p.pay }, { address: HOT_BTC, valueMinor: 9n }], feeMinor: p.fee, seenAtMs: h.clock.now, where: 'mempool' };
          } else {
            h.registry.register({ id: `w${n}`, kind: 'withdrawal', chain: 'ETH', from: HOT_ETH, nonce: BigInt(n), outputs: [{ address: ethAddr(n), valueMinor: p.pay }], feeMaxMinor: 10_000n });
            o = { chain: 'ETH', txid: txid(n, 'ETH'), from: HOT_ETH, nonce: BigInt(n), outputs: [{ address: ethAddr(n), valueMinor: p.pay }], feeMinor: p.fee, seenAtMs: h.clock.now, where: 'mempool' };
          }
          const r = await h.responder.observe(o);
          if (!r.match.matched) return false;
          if (p.twice && !(await h.responder.observe({ ...o, where: 'block' })).match.matched) return false;
        }
        return true;
      }),
      { numRuns: 100 },
    );
    assert.equal(h.book.all().length, 0);
    assert.equal(h.signer.halted, false);
    assert.equal(h.engine.core.withdrawalsPaused.size, 0);
    assert.ok(k > 100, `${k} legitimate outflows`);
  } finally {
    await h.close();
  }
});

test('AlertSink.raise: a reconciliation difference opens an incident and freezes; a login anomaly only opens one', async () => {
  const h = await harness({ policy: { pauseScope: 'asset', freezeOn: new Set(['wallet_reconciliation']), consoleUrl: 'https://ops.example/admin' } });
  try {
    const a = await h.responder.raise({ source: 'staff_login_anomaly', staffId: 'treas-sami', kind: 'new_country', detail: 'login from an unseen country' });
    assert.deepEqual(a, { incidentId: 'INC-0001', opened: true });
    assert.equal(h.engine.core.withdrawalsPaused.size, 0);
    assert.equal(h.signer.halted, false);
    const b = await h.responder.raise({ source: 'wallet_reconciliation', asset: 'ETH', ledgerMinor: 100n, chainMinor: 90n, differenceMinor: -10n });
    assert.deepEqual(b, { incidentId: 'INC-0002', opened: true });
    assert.equal(h.engine.core.isWithdrawalPaused('ETH'), true);
    assert.equal(h.signer.halted, true);
    const c = await h.responder.raise({ source: 'wallet_reconciliation', asset: 'ETH', ledgerMinor: 100n, chainMinor: 80n, differenceMinor: -20n });
    assert.deepEqual(c, { incidentId: 'INC-0002', opened: false });
  } finally {
    await h.close();
  }
});

test('two thefts observed at the same moment: one incident, one pause command, both wait for it to be durable', async () => {
  const h = await harness();
  try {
    const seqBefore = h.engine.journal.lastSeq;
    const [a, b] = await Promise.all([h.responder.observe(drainBtc(7, 10n, h.clock.now)), h.responder.observe(drainBtc(8, 20n, h.clock.now))]);
    assert.equal(a.incidentId, b.incidentId);
    assert.equal(a.timing!.frozenAtMs, b.timing!.frozenAtMs);
    assert.equal(h.engine.journal.lastSeq, seqBefore + 1, 'exactly one withdrawals.pause journaled');
    assert.equal(h.signer.halts.length, 1);
  } finally {
    await h.close();
  }
});
