import assert from 'node:assert/strict';
import { test } from 'node:test';
import { payloadHashOf } from '../identity/index.ts';
import { IncidentError } from './errors.ts';
import { haltTrading, PHASE_CHECKLISTS, type Phase, queuedWithdrawals, Restoration } from './restore.ts';
import { btcAddr, type Harness, harness, queueWithdrawals, STAFF, txid } from './testing.ts';

function approvePhase(h: Harness, phase: Phase, id: string): string {
  const payload = { incidentId: 'INC-0001', phase };
  h.desk.propose({ id, action: 'incident.restore_phase', payload, proposer: STAFF.sec1!, allowedRoles: ['security', 'compliance', 'treasury', 'admin'], nowMs: h.clock.now });
  h.desk.approve(id, { approver: STAFF.comp!, seenPayloadHash: payloadHashOf(payload), nowMs: h.clock.now });
  return id;
}

function tickAll(h: Harness, r: Restoration, phase: Phase): void {
  for (const item of PHASE_CHECKLISTS[phase]) r.check(phase, item, STAFF.sec2!, `done: ${item}`, h.clock.now);
}

test('restoration: phases in order, each only with a complete checklist and four-eyes; queued withdrawals survive the freeze and are processed in order; none dropped', async () => {
  const h = await harness();
  try {
    const core = h.engine.core;
    await queueWithdrawals(h);
    const queuedBefore = queuedWithdrawals(core).map((q) => q.withdrawalId);
    assert.deepEqual(queuedBefore, ['w-1', 'w-2', 'w-3']);
    // The attack: detection freezes everything; trading is halted as containment.
    await h.responder.observe({ chain: 'BTC', txid: txid(66), inputs: [{ outpoint: `${txid(5)}:0`, address: btcAddr(0, 'h'), valueMinor: 1001n }], outputs: [{ address: btcAddr(9, 'a'), valueMinor: 1000n }], feeMinor: 1n, seenAtMs: h.clock.now, where: 'mempool' });
    await haltTrading(h.engine);
    const refused = await h.engine.submit({ type: 'withdrawal.authorize', withdrawalId: 'w-1' });
    assert.equal(refused.error?.code, 'WITHDRAWALS_PAUSED');
    assert.deepEqual(queuedWithdrawals(core).map((q) => q.withdrawalId), queuedBefore, 'the freeze drops nothing');
    const placed = await h.engine.submit({ type: 'order.place', userId: 1, market: 'BTC/AED', side: 'sell', kind: 'limit', priceTicks: 400_000, qtyLots: 1 });
    assert.equal(placed.error?.code, 'MARKET_HALTED');

    const r = new Restoration({ engine: h.engine, log: h.log, desk: h.desk, signer: h.signer, incidentId: 'INC-0001' });
    await assert.rejects(r.enter('trading', { actor: STAFF.sec1!, proposalId: 'x', nowMs: h.clock.now }), (e) => e instanceof IncidentError && e.code === 'PHASE_ORDER');
    await assert.rejects(r.enter('balances', { actor: STAFF.sec1!, proposalId: 'x', nowMs: h.clock.now }), (e) => e instanceof IncidentError && e.code === 'PHASE_CHECKLIST');
    tickAll(h, r, 'balances');
    await assert.rejects(r.enter('balances', { actor: STAFF.sec1!, proposalId: 'none', nowMs: h.clock.now }), (e) => e instanceof IncidentError && e.code === 'FOUR_EYES_REQUIRED');
    // A proposal only proposed (no approval) is not enough either.
    h.desk.propose({ id: 'p-unapproved', action: 'incident.restore_phase', payload: { incidentId: 'INC-0001', phase: 'balances' }, proposer: STAFF.sec1!, allowedRoles: ['compliance'], nowMs: h.clock.now });
    await assert.rejects(r.enter('balances', { actor: STAFF.sec1!, proposalId: 'p-unapproved', nowMs: h.clock.now }), (e) => e instanceof IncidentError && e.code === 'FOUR_EYES_REQUIRED');
    assert.equal(r.current, null);
    h.clock.now += 1000;
    const p1 = await r.enter('balances', { actor: STAFF.sec1!, proposalId: approvePhase(h, 'balances', 'p1'), nowMs: h.clock.now });
    assert.deepEqual([p1.phase, p1.approvers, p1.enteredAtMs], ['balances', ['comp-noor'], h.clock.now]);

    tickAll(h, r, 'trading');
    h.clock.now += 1000;
    await r.enter('trading', { actor: STAFF.sec1!, proposalId: approvePhase(h, 'trading', 'p2'), nowMs: h.clock.now });
    assert.ok(core.markets.every((m) => m.status === 'open'));

    tickAll(h, r, 'withdrawals_limited');
    h.clock.now += 1000;
    assert.equal(h.signer.halted, true);
    await r.enter('withdrawals_limited', { actor: STAFF.sec1!, proposalId: approvePhase(h, 'withdrawals_limited', 'p3'), nowMs: h.clock.now });
    assert.equal(h.signer.halted, false, 'signer resumed with the approvers');
    assert.deepEqual(h.signer.resumes, [['comp-noor']]);
    assert.equal(core.withdrawalsPaused.size, 0);
    assert.equal(core.controls.policy.fourEyesFils, 0n, 'every new withdrawal is held for review');
    assert.deepEqual(r.queue.map((q) => q.withdrawalId), queuedBefore);

    // Reviews out of order: processing stops at the first one not reviewed.
    r.review('w-2', 'reject', STAFF.comp!, h.clock.now);
    assert.deepEqual(await r.processReviewed(), []);
    r.review('w-1', 'approve', STAFF.comp!, h.clock.now);
    r.review('w-3', 'approve', STAFF.treas!, h.clock.now);
    await assert.rejects(r.enter('withdrawals_normal', { actor: STAFF.sec1!, proposalId: 'p4', nowMs: h.clock.now }), (e) => e instanceof IncidentError && e.code === 'PHASE_CHECKLIST');
    assert.deepEqual(await r.processReviewed(), ['w-1', 'w-2', 'w-3']);
    assert.equal(core.withdrawals.get('w-1')?.state, 'authorized');
    assert.equal(core.withdrawals.get('w-3')?.state, 'authorized');
    assert.equal(core.withdrawals.has('w-2'), false, 'rejected: cancelled explicitly, funds back to available');
    // Count before = after: every queued withdrawal is authorised or explicitly cancelled.
    const authorised = [...core.withdrawals.values()].filter((w) => w.state === 'authorized').length;
    const cancelled = h.log.entries.filter((e) => e.action === 'incident.withdrawal_reviewed' && (e.after as { decision: string }).decision === 'reject').length;
    assert.equal(authorised + cancelled, queuedBefore.length);

    tickAll(h, r, 'withdrawals_normal');
    h.clock.now += 1000;
    await r.enter('withdrawals_normal', { actor: STAFF.sec1!, proposalId: approvePhase(h, 'withdrawals_normal', 'p4'), nowMs: h.clock.now });
    assert.equal(core.controls.policy.fourEyesFils > 0n, true, 'normal policy back');
    assert.deepEqual(r.entered.map((e) => e.phase), ['balances', 'trading', 'withdrawals_limited', 'withdrawals_normal']);
    assert.equal(h.log.entries.filter((e) => e.action === 'incident.phase_entered').length, 4);
    core.checkInvariants();
  } finally {
    await h.close();
  }
});
