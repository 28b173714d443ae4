import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Blocklist } from './blocklist.ts';
import { ScreeningError } from './errors.ts';
import type { ScreeningPolicy } from './policy.ts';
import { DEFAULT_SCREENING_POLICY, screenDeposit, screenWithdrawal } from './policy.ts';
import type { BtcTx, EthTransfer } from './trace.ts';
import { traceBtcDeposit, traceEthDeposit } from './trace.ts';

const L = 'bc1qn9syjv6m0z2ka28ysdxjlvhvv7vj6d6rc7zrqu';
const C = 'bc1qndukwm9swlnwlls0yjpz3ewtr5ny3x5ce7mcpk';
const X = 'bc1qt8tdmweq7nvfqlphesk4x9lefp0ldajvd485wx';
const US = 'bc1qxe43ru7x4wwcqpxphpsurrs2t4ms8sw92xnkf3';
const id = (c: string) => c.repeat(64);
const txs = new Map<string, BtcTx>(
  [
    { txid: id('1'), inputs: [], outputs: [{ address: L, valueSat: 30_000_000n }] },
    { txid: id('2'), inputs: [], outputs: [{ address: C, valueSat: 70_000_000n }] },
    {
      txid: id('a'),
      inputs: [
        { prevTxid: id('1'), prevVout: 0, address: L, valueSat: 30_000_000n },
        { prevTxid: id('2'), prevVout: 0, address: C, valueSat: 70_000_000n },
      ],
      outputs: [{ address: X, valueSat: 100_000_000n }],
    },
    { txid: id('d'), inputs: [{ prevTxid: id('a'), prevVout: 0, address: X, valueSat: 100_000_000n }], outputs: [{ address: US, valueSat: 99_000_000n }] },
    { txid: id('e'), inputs: [{ prevTxid: id('2'), prevVout: 0, address: C, valueSat: 70_000_000n }], outputs: [{ address: US, valueSat: 69_000_000n }] },
  ].map((t) => [t.txid, t]),
);
const source = { getTx: async (txid: string) => txs.get(txid) ?? null };
const listed = () => {
  const b = new Blocklist();
  b.add({ chain: 'BTC', kind: 'address', value: L, reason: 'hack', source: 'incident', sourceRef: 'INC-1', addedAtMs: 1, addedBy: 'a' });
  return b;
};

test('a deposit two hops from a listed address is frozen under the haircut (default) and poison models; a clean one is credited', async () => {
  const r = await traceBtcDeposit({ txid: id('d'), vout: 0, source, list: listed() });
  // haircut: T1 30M/100M tainted → X's 100M coin 30M → D (99M out of 100M in) 99M·30/100 = 29.7M = 3000 bps.
  assert.deepEqual([r.exposures.haircut.exposureUnits, r.exposures.haircut.bps], [29_700_000n, 3_000]);
  const v = screenDeposit(r);
  assert.equal(v.action, 'credit_frozen');
  assert.equal(v.caseNeeded, true);
  assert.deepEqual(v.reasons.map((x) => [x.code, x.model, x.bps, x.thresholdBps]), [['EXPOSURE_THRESHOLD', 'haircut', 3_000, 10]]);
  const poisonOnly: ScreeningPolicy = { ...DEFAULT_SCREENING_POLICY, bpsMin: { poison: 1 } };
  const vp = screenDeposit(r, poisonOnly);
  assert.equal(vp.action, 'credit_frozen');
  assert.deepEqual(vp.reasons.map((x) => [x.model, x.bps]), [['poison', 10_000]]);
  const clean = await traceBtcDeposit({ txid: id('e'), vout: 0, source, list: listed() });
  const vc = screenDeposit(clean);
  assert.deepEqual([vc.action, vc.caseNeeded, vc.reasons[0]!.code], ['credit_available', false, 'CLEAN']);
  assert.equal(screenDeposit(clean, poisonOnly).action, 'credit_available');
  // Travel Rule data missing on a clean deposit at or above AED 3,500: frozen, no case.
  const tr = screenDeposit(clean, DEFAULT_SCREENING_POLICY, { travelRuleAction: 'hold' });
  assert.deepEqual([tr.action, tr.caseNeeded, tr.reasons.map((x) => x.code)], ['credit_frozen', false, ['TRAVEL_RULE_HOLD']]);
  assert.deepEqual(screenDeposit(r, DEFAULT_SCREENING_POLICY, { travelRuleAction: 'hold' }).reasons.map((x) => x.code), ['EXPOSURE_THRESHOLD', 'TRAVEL_RULE_HOLD']);
});

test('an attacker address added from an incident blocks a later deposit from it', async () => {
  const attacker = '0x098b716b8aaf21512996dc57eb0615e2383e2f96';
  const deposit: EthTransfer = { hash: `0x${'d'.repeat(64)}`, from: attacker, to: '0x3fd46b7f98547e8f512ecf54fce075dded3fd13e', valueWei: 5n * 10n ** 18n, blockNumber: 500 };
  const src = { getIncoming: async () => [] as EthTransfer[] };
  const list = new Blocklist();
  const before = screenDeposit(await traceEthDeposit({ deposit, source: src, list }));
  assert.equal(before.action, 'credit_available');
  // Incident response: the attacker address goes on the list (with its incident reference).
  list.add({ chain: 'ETH', kind: 'address', value: '0x098B716B8Aaf21512996dC57EB0615e2383E2f96', reason: 'hot wallet drain', source: 'incident', sourceRef: 'INC-2026-11-25', addedAtMs: 2_000, addedBy: 'oncall' });
  const r = await traceEthDeposit({ deposit, source: src, list });
  assert.equal(r.directContact, true);
  const after = screenDeposit(r);
  assert.equal(after.action, 'credit_frozen');
  assert.equal(after.caseNeeded, true);
  assert.equal(after.reasons[0]!.code, 'DIRECT_CONTACT');
  assert.equal(r.hits[0]!.sources[0]!.sourceRef, 'INC-2026-11-25');
});

test('untraced and incomplete traces follow the policy; invalid policies are refused', () => {
  assert.deepEqual(screenDeposit(null).action, 'credit_frozen');
  assert.equal(screenDeposit(null).caseNeeded, false);
  assert.equal(screenDeposit(null, { ...DEFAULT_SCREENING_POLICY, freezeWhenUntraced: false }).action, 'credit_available');
  const zero = { model: 'poison' as const, exposureUnits: 0n, totalUnits: 10n, bps: 0 };
  const incomplete = { exposures: { poison: zero, haircut: { ...zero, model: 'haircut' as const }, fifo: { ...zero, model: 'fifo' as const } }, directContact: false, complete: false };
  assert.equal(screenDeposit(incomplete).action, 'credit_available');
  const v = screenDeposit(incomplete, { ...DEFAULT_SCREENING_POLICY, freezeOnIncompleteTrace: true });
  assert.deepEqual([v.action, v.caseNeeded], ['credit_frozen', false]);
  assert.throws(() => screenDeposit(incomplete, { ...DEFAULT_SCREENING_POLICY, bpsMin: { haircut: 10_001 } }), (e: unknown) => e instanceof ScreeningError && e.code === 'POLICY_INVALID');
});

test('withdrawal destination: listed → reject, malformed → reject, exposed or travel-rule hold → hold, else allow', async () => {
  const list = listed();
  assert.equal(screenWithdrawal({ chain: 'BTC', address: L.toUpperCase(), list }).action, 'reject');
  assert.equal(screenWithdrawal({ chain: 'BTC', address: 'bc1qnotreal', list }).action, 'reject');
  assert.equal(screenWithdrawal({ chain: 'BTC', address: US, list }).action, 'allow');
  assert.equal(screenWithdrawal({ chain: 'BTC', address: US, list, travelRuleAction: 'hold' }).action, 'hold');
  const exposed = await traceBtcDeposit({ txid: id('d'), vout: 0, source, list });
  const w = screenWithdrawal({ chain: 'BTC', address: US, list, destinationExposure: exposed });
  assert.deepEqual([w.action, w.reasons[0]!.code], ['hold', 'DESTINATION_EXPOSURE']);
});
