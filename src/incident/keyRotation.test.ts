import assert from 'node:assert/strict';
import { test } from 'node:test';
import { payloadHashOf } from '../identity/index.ts';
import { FourEyesDesk } from './desk.ts';
import { IncidentError } from './errors.ts';
import { type CustodyControl, executeRotation, type RotationPlan, rotationPayload } from './keyRotation.ts';
import { IncidentLog } from './log.ts';
import { AddressSet, IntentRegistry } from './outflowMatcher.ts';
import { btcAddr, STAFF, T0, txid } from './testing.ts';
import type { Chain } from './types.ts';

class FakeCustody implements CustodyControl {
  calls: string[] = [];
  async generateHotWallet(chain: Chain) {
    this.calls.push('generate');
    return { walletId: 'hot-2', chain, keyPath: "m/84'/1'/1'", addresses: [btcAddr(50, 'n')] };
  }
  async remainingOn() {
    this.calls.push('remaining');
    return 4_000_000n;
  }
  async prepareMove(chain: Chain, from: readonly string[], to: string, intentId: string) {
    this.calls.push('prepare');
    return { intent: { id: intentId, kind: 'rotation' as const, chain, inputs: from.map((_, i) => `${txid(300 + i)}:0`), outputs: [{ address: to, valueMinor: 3_999_000n }], feeMaxMinor: 2_000n }, amountMinor: 3_999_000n, feeMinor: 1_000n, txid: txid(400) };
  }
  async broadcast() {
    this.calls.push('broadcast');
  }
  async retireAddresses() {
    this.calls.push('retire');
  }
  async rederiveDepositAddresses() {
    this.calls.push('rederive');
    return { newXpubFingerprint: 'a1b2c3d4', reassigned: 3 };
  }
}

test('key rotation: four-eyes, new hot wallet, rescue move registered before broadcast (the matcher accepts it), old addresses retired, deposits re-derived', async () => {
  const log = IncidentLog.memory();
  const desk = new FourEyesDesk(log);
  const registry = new IntentRegistry();
  const own = new AddressSet();
  const custody = new FakeCustody();
  const plan: RotationPlan = { incidentId: 'INC-0001', chain: 'BTC', compromised: [btcAddr(0, 'h')], destination: 'new_hot', rederiveDeposits: true };
  const deps = { custody, registry, own, log, desk, proposalId: 'rot', actor: STAFF.sec1!, clock: () => T0 };
  await assert.rejects(executeRotation(plan, deps), (e) => e instanceof IncidentError && e.code === 'FOUR_EYES_REQUIRED');
  assert.deepEqual(custody.calls, []);
  desk.propose({ id: 'rot', action: 'incident.key_rotation', payload: rotationPayload(plan), proposer: STAFF.sec1!, allowedRoles: ['security', 'treasury'], nowMs: T0 });
  desk.approve('rot', { approver: STAFF.treas!, seenPayloadHash: payloadHashOf(rotationPayload(plan)), nowMs: T0 });
  const r = await executeRotation(plan, deps);
  assert.deepEqual(custody.calls, ['generate', 'remaining', 'prepare', 'broadcast', 'retire', 'rederive']);
  assert.equal(r.movedMinor, 3_999_000n);
  assert.ok(own.isOwn('BTC', btcAddr(50, 'n')));
  const m = registry.match({ chain: 'BTC', txid: txid(400), inputs: [{ outpoint: `${txid(300)}:0`, address: btcAddr(0, 'h'), valueMinor: 4_000_000n }], outputs: [{ address: btcAddr(50, 'n'), valueMinor: 3_999_000n }], feeMinor: 1_000n, seenAtMs: T0, where: 'mempool' }, own);
  assert.equal(m.matched, true, 'the rescue move is not theft');
  assert.deepEqual(log.entries.filter((e) => e.action === 'incident.key_rotation').map((e) => (e.after as { step: string }).step), ['new_hot_wallet', 'move_registered', 'move_broadcast', 'retired', 'deposit_addresses_rederived']);
  await assert.rejects(executeRotation({ ...plan, destination: 'cold' }, deps), (e) => e instanceof IncidentError && e.code === 'ROTATION_INVALID');
});
