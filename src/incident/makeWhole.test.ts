import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { payloadHashOf } from '../identity/index.ts';
import { customerBalancesSnapshot } from './drill.ts';
import { IncidentError } from './errors.ts';
import { lossByAsset, lossLine, recordLoss, valueExact, valueLoss } from './loss.ts';
import { applyHaircut, coverFromTreasury, coverPayload, haircutPayload, largestRemainder, outstandingLoss, planHaircut, repayClaims, statementOfEffect } from './makeWhole.ts';
import { btcAddr, ethAddr, harness, STAFF, T0, txid } from './testing.ts';
import { ledgerReserveRatio } from './triggers.ts';
import type { ObservedOutflow } from './types.ts';

const HOT_BTC = btcAddr(0, 'h');

function theftBtc(): ObservedOutflow {
  // Spends 0.3 BTC + 0.00001 from two hot outpoints, 0.29 to the attacker in two outputs, change back to the hot wallet.
  return {
    chain: 'BTC',
    txid: txid(777),
    inputs: [{ outpoint: `${txid(1)}:0`, address: HOT_BTC, valueMinor: 20_000_000n }, { outpoint: `${txid(2)}:1`, address: HOT_BTC, valueMinor: 10_001_000n }],
    outputs: [{ address: btcAddr(1, 'a'), valueMinor: 25_000_000n }, { address: btcAddr(2, 'a'), valueMinor: 4_000_001n }, { address: HOT_BTC, valueMinor: 999_999n }],
    feeMinor: 1_000n,
    seenAtMs: T0,
    where: 'block',
  };
}

test('loss matches the chain to the satoshi and the wei (fees included), valued exactly in AED and USD', () => {
  const own = { isOwn: (_c: string, a: string) => a === HOT_BTC || a === ethAddr(0, 0x407) };
  const b = lossLine(theftBtc(), own);
  assert.equal(b.lossMinor, 29_001_001n);
  assert.equal(b.lossMinor, 30_001_000n - 999_999n, 'inputs − change');
  const e = lossLine({ chain: 'ETH', txid: txid(1, 'ETH'), from: ethAddr(0, 0x407), nonce: 1n, outputs: [{ address: ethAddr(5, 0xbad), valueMinor: 1_378n * 10n ** 18n + 1n }], feeMinor: 21_000n * 12_345_678_901n, seenAtMs: T0, where: 'block' }, own);
  assert.equal(e.lossMinor, 1_378n * 10n ** 18n + 1n + 259_259_256_921_000n);
  const reverted = lossLine({ chain: 'ETH', txid: txid(2, 'ETH'), from: ethAddr(0, 0x407), nonce: 2n, outputs: [{ address: ethAddr(5, 0xbad), valueMinor: 10n }], feeMinor: 7n, seenAtMs: T0, where: 'block', status: 'reverted' }, own);
  assert.equal(reverted.lossMinor, 7n, 'a reverted theft costs its fee');
  assert.throws(() => lossLine({ ...theftBtc(), feeMinor: 999n }, own), (x) => x instanceof IncidentError && x.code === 'OUTFLOW_INVALID');
  const byAsset = lossByAsset([b, e, reverted]);
  const v = valueLoss(byAsset, { atMs: T0, source: 'test', aedFilsPerUnit: { BTC: 36_712_345n * 100n, ETH: 1_301_299n }, usdCentsPerUnit: { BTC: 9_999_999n, ETH: 354_321n } });
  assert.equal(v[0]!.asset, 'BTC');
  // 29_001_001 sat × 3_671_234_500 fils/BTC ÷ 1e8 = 1_064_694_754.xx fils
  const exact = valueExact(29_001_001n, 8, 3_671_234_500n);
  assert.equal(exact.numerator * 10n ** 8n, 29_001_001n * 3_671_234_500n * exact.denominator);
  assert.equal(v[0]!.aedFils.display, '10646947.54'); // floor(29_001_001 × 3_671_234_500 ÷ 1e8) = 1_064_694_754 fils
  assert.throws(() => valueLoss(byAsset, { atMs: T0, source: 't', aedFilsPerUnit: { BTC: 1n }, usdCentsPerUnit: { BTC: 1n } }), (x) => x instanceof IncidentError && x.code === 'PRICE_MISSING');
});

test('ledger: loss moves hot_wallet → incident_loss (idempotent), customer balances untouched, ratio < 100 %; capital injection restores ≥ 100 %', async () => {
  const h = await harness();
  try {
    const core = h.engine.core;
    const before = customerBalancesSnapshot(core);
    const line = lossLine(theftBtc(), h.own);
    await recordLoss(h.engine, 'INC-0001', [line]);
    const again = await h.engine.submit({ type: 'ledger.post', ref: `incident:INC-0001:loss:${txid(777)}`, memo: 'x', transfers: [{ debit: 'system:BTC:incident_loss', credit: 'system:BTC:hot_wallet', amount: line.lossMinor }] });
    assert.equal(again.duplicate, true, 'the same txid is never booked twice');
    assert.equal(outstandingLoss(core, 'BTC'), 29_001_001n);
    assert.equal(customerBalancesSnapshot(core), before, 'customer balances untouched');
    core.checkInvariants();
    const r = ledgerReserveRatio(core).byAsset.BTC!;
    assert.equal(r.covered, false);
    assert.equal(r.surplusMinor, -29_001_001n);
    // Four-eyes: a cover without approval is refused.
    const cover = { incidentId: 'INC-0001', asset: 'BTC', amountMinor: 29_001_001n, method: 'capital_injection' as const };
    await assert.rejects(coverFromTreasury(h.engine, cover, { desk: h.desk, proposalId: 'c1', actor: STAFF.treas!, nowMs: T0 }), (x) => x instanceof IncidentError && x.code === 'FOUR_EYES_REQUIRED');
    h.desk.propose({ id: 'c1', action: 'incident.treasury_cover', payload: coverPayload(cover), proposer: STAFF.treas!, allowedRoles: ['treasury'], nowMs: T0 });
    h.desk.approve('c1', { approver: STAFF.treas2!, seenPayloadHash: payloadHashOf(coverPayload(cover)), nowMs: T0 + 1 });
    await coverFromTreasury(h.engine, cover, { desk: h.desk, proposalId: 'c1', actor: STAFF.treas!, nowMs: T0 + 2 });
    assert.equal(outstandingLoss(core, 'BTC'), 0n);
    assert.equal(ledgerReserveRatio(core).byAsset.BTC!.covered, true);
    assert.equal(ledgerReserveRatio(core).byAsset.BTC!.surplusMinor, 0n);
    core.checkInvariants();
  } finally {
    await h.close();
  }
});

test('treasury surplus write-off: the ratio never fell below 100 % when own funds ≥ loss; the write-off clears the receivable', async () => {
  const h = await harness();
  try {
    const core = h.engine.core;
    // The operator holds 1 ETH of its own in the hot wallet.
    await h.run({ type: 'ledger.post', ref: 'own-funds', memo: 'operator capital', transfers: [{ debit: 'system:ETH:hot_wallet', credit: 'system:ETH:treasury', amount: 10n ** 18n }] });
    await recordLoss(h.engine, 'INC-0001', [{ chain: 'ETH', asset: 'ETH', txid: txid(9, 'ETH'), attackerOutputs: [], valueOutMinor: 5n * 10n ** 17n, feeMinor: 21_000n, lossMinor: 5n * 10n ** 17n + 21_000n, custodyAccount: 'hot_wallet' }]);
    assert.equal(ledgerReserveRatio(core).byAsset.ETH!.covered, true);
    const cover = { incidentId: 'INC-0001', asset: 'ETH', amountMinor: 5n * 10n ** 17n + 21_000n, method: 'treasury_surplus' as const };
    h.desk.propose({ id: 'c2', action: 'incident.treasury_cover', payload: coverPayload(cover), proposer: STAFF.treas!, allowedRoles: ['treasury'], nowMs: T0 });
    h.desk.approve('c2', { approver: STAFF.treas2!, seenPayloadHash: payloadHashOf(coverPayload(cover)), nowMs: T0 });
    await coverFromTreasury(h.engine, cover, { desk: h.desk, proposalId: 'c2', actor: STAFF.treas!, nowMs: T0 });
    assert.equal(outstandingLoss(core, 'ETH'), 0n);
    assert.equal(core.ledger.balances[core.accountByKey('system:ETH:treasury')], 5n * 10n ** 17n - 21_000n);
    assert.equal(ledgerReserveRatio(core).byAsset.ETH!.covered, true);
    core.checkInvariants();
  } finally {
    await h.close();
  }
});

test('property: largest remainder sums exactly, never exceeds a weight, is within 1 unit of proportional, ties go to the smaller id', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 1_000_000 }), weight: fc.bigInt({ min: 0n, max: 10n ** 24n }) }), { selector: (w) => w.id, minLength: 1, maxLength: 60 }), fc.bigInt({ min: 0n, max: 10n ** 6n }), (weights, k) => {
      const W = weights.reduce((s, w) => s + w.weight, 0n);
      const total = W === 0n ? 0n : (k * W) / 1_000_000n;
      const shares = largestRemainder(total, weights);
      let sum = 0n;
      for (const w of weights) {
        const s = shares.get(w.id)!;
        sum += s;
        if (s > w.weight || s < 0n) return false;
        const floor = W === 0n ? 0n : (total * w.weight) / W;
        if (s !== floor && s !== floor + 1n) return false;
      }
      // Same input in another order: same result (deterministic).
      const again = largestRemainder(total, [...weights].reverse());
      for (const w of weights) if (again.get(w.id) !== shares.get(w.id)) return false;
      return sum === total;
    }),
    { numRuns: 300 },
  );
  // Tie: 1 unit over three equal weights goes to the smallest id.
  assert.deepEqual([...largestRemainder(1n, [{ id: 9, weight: 5n }, { id: 3, weight: 5n }, { id: 7, weight: 5n }])].sort((a, b) => a[0] - b[0]), [[3, 1n], [7, 0n], [9, 0n]]);
  assert.throws(() => largestRemainder(11n, [{ id: 1, weight: 10n }]), (x) => x instanceof IncidentError && x.code === 'HAIRCUT_INVALID');
});

test('haircut: treasury covers part, the rest moves available → recovery_claim exactly (orders cancelled first where needed); recovered funds repay claims pro rata', async () => {
  const h = await harness({ users: 4 });
  try {
    const core = h.engine.core;
    // Customer 4 has most of their BTC locked in a sell order.
    const bal4 = core.userBalances(4).BTC!.available;
    await h.run({ type: 'order.place', userId: 4, market: 'BTC/AED', side: 'sell', kind: 'limit', priceTicks: 400_000, qtyLots: Number((bal4 - 1000n) / 1000n) });
    assert.ok(core.userBalances(4).BTC!.locked > 0n);
    const hot = -core.ledger.balances[core.accountByKey('system:BTC:hot_wallet')]!;
    const loss = (hot * 9n) / 10n + 3n;
    await recordLoss(h.engine, 'INC-0001', [{ chain: 'BTC', asset: 'BTC', txid: txid(1), attackerOutputs: [], valueOutMinor: loss - 500n, feeMinor: 500n, lossMinor: loss, custodyAccount: 'hot_wallet' }]);
    const coverAmt = loss / 3n;
    const cover = { incidentId: 'INC-0001', asset: 'BTC', amountMinor: coverAmt, method: 'capital_injection' as const };
    h.desk.propose({ id: 'c1', action: 'incident.treasury_cover', payload: coverPayload(cover), proposer: STAFF.treas!, allowedRoles: ['treasury'], nowMs: T0 });
    h.desk.approve('c1', { approver: STAFF.treas2!, seenPayloadHash: payloadHashOf(coverPayload(cover)), nowMs: T0 });
    await coverFromTreasury(h.engine, cover, { desk: h.desk, proposalId: 'c1', actor: STAFF.treas!, nowMs: T0 });
    const shortfall = outstandingLoss(core, 'BTC');
    const totalsBefore = new Map([1, 2, 3, 4].map((u) => [u, core.ledger.userTotal(u, core.ledger.assetIdx('BTC'))]));
    const plan = planHaircut(core, 'INC-0001', 'BTC', shortfall);
    assert.equal(plan.parts.reduce((s, p) => s + p.shareMinor, 0n), shortfall);
    assert.ok(plan.parts.find((p) => p.userId === 4)!.needsOrderCancel);
    await assert.rejects(applyHaircut(h.engine, plan, { desk: h.desk, proposalId: 'hc', actor: STAFF.sec1!, nowMs: T0, log: h.log }), (x) => x instanceof IncidentError && x.code === 'FOUR_EYES_REQUIRED');
    h.desk.propose({ id: 'hc', action: 'incident.haircut', payload: haircutPayload(plan), proposer: STAFF.sec1!, allowedRoles: ['compliance', 'treasury'], nowMs: T0 });
    h.desk.approve('hc', { approver: STAFF.comp!, seenPayloadHash: payloadHashOf(haircutPayload(plan)), nowMs: T0 });
    await applyHaircut(h.engine, plan, { desk: h.desk, proposalId: 'hc', actor: STAFF.sec1!, nowMs: T0, log: h.log });
    core.checkInvariants();
    let claims = 0n;
    for (const u of [1, 2, 3, 4]) {
      const b = core.userBalances(u).BTC!;
      claims += b.recovery_claim;
      assert.equal(b.recovery_claim, plan.parts.find((p) => p.userId === u)!.shareMinor);
      assert.equal(core.ledger.userTotal(u, core.ledger.assetIdx('BTC')), totalsBefore.get(u), 'still owed: available + claim');
    }
    assert.equal(claims, shortfall);
    assert.equal(core.openOrdersByUser.get(4) ?? 0, 0, 'customer 4 orders cancelled');
    // Usable balances are covered 1:1; the claims are the outstanding loss.
    assert.equal(ledgerReserveRatio(core).byAsset.BTC!.covered, true);
    assert.equal(ledgerReserveRatio(core, { withClaims: true }).byAsset.BTC!.covered, false);
    // Law enforcement returns part of the coins.
    const recovered = shortfall / 2n + 1n;
    const { repaid } = await repayClaims(h.engine, { incidentId: 'INC-0001', asset: 'BTC', recoveredMinor: recovered, n: 1 });
    assert.equal([...repaid.values()].reduce((s, x) => s + x, 0n), recovered);
    core.checkInvariants();
    const st = statementOfEffect(core, 1, 'BTC', plan.parts.find((p) => p.userId === 1)!.shareMinor, repaid.get(1)!);
    assert.equal(st.claimOutstandingMinor, st.haircutMinor - st.repaidMinor);
    // The rest comes back, plus more than the claims: the excess is the operator's.
    const rest = outstandingLoss(core, 'BTC');
    const r2 = await repayClaims(h.engine, { incidentId: 'INC-0001', asset: 'BTC', recoveredMinor: rest + 1000n, n: 2 });
    assert.equal(r2.toTreasuryMinor, 1000n);
    for (const u of [1, 2, 3, 4]) assert.equal(core.userBalances(u).BTC!.recovery_claim, 0n);
    assert.equal(outstandingLoss(core, 'BTC'), 0n);
    assert.equal(ledgerReserveRatio(core, { withClaims: true }).byAsset.BTC!.covered, true);
    core.checkInvariants();
  } finally {
    await h.close();
  }
});
