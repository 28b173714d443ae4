import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSafeXml } from '../shared/xml.ts';
import type { BtcTx } from './index.ts';
import {
  approveReturn,
  Blocklist,
  buildStrXml,
  evidenceFromTrace,
  ledgerInstruction,
  openCase,
  proposeReturn,
  screenDeposit,
  traceBtcDeposit,
} from './index.ts';

// End to end through the public surface only: incident → listed → later deposit frozen → case → four-eyes return → STR.
test('incident address blocks a later BTC deposit; the case returns the funds with four-eyes and an STR is exportable', async () => {
  const attacker = 'bc1qn9syjv6m0z2ka28ysdxjlvhvv7vj6d6rc7zrqu';
  const us = 'bc1qxe43ru7x4wwcqpxphpsurrs2t4ms8sw92xnkf3';
  const txs = new Map<string, BtcTx>([
    ['1'.repeat(64), { txid: '1'.repeat(64), inputs: [], outputs: [{ address: attacker, valueSat: 2_000_000n }] }],
    ['d'.repeat(64), { txid: 'd'.repeat(64), inputs: [{ prevTxid: '1'.repeat(64), prevVout: 0, address: attacker, valueSat: 2_000_000n }], outputs: [{ address: us, valueSat: 1_990_000n }] }],
  ]);
  const source = { getTx: async (id: string) => txs.get(id) ?? null };
  const list = new Blocklist();
  list.add({ chain: 'BTC', kind: 'address', value: attacker, reason: 'hot wallet drain', source: 'incident', sourceRef: 'INC-7', addedAtMs: 1_000, addedBy: 'oncall' });

  const trace = await traceBtcDeposit({ txid: 'd'.repeat(64), vout: 0, source, list });
  const verdict = screenDeposit(trace);
  assert.deepEqual([verdict.action, verdict.caseNeeded, trace.directContact], ['credit_frozen', true, true]);
  assert.equal(trace.exposures.haircut.bps, 10_000);

  const authority = { isComplianceStaff: (a: string) => a === 'alice' || a === 'bob' };
  const opened = openCase({ id: 'CASE-7', chain: 'BTC', depositRef: trace.depositRef, accountId: 'acct-1', amountUnits: trace.totalUnits, evidence: evidenceFromTrace(trace, verdict) }, { actor: 'alice', atMs: 2_000, authority });
  assert.deepEqual(opened.case.evidence.listedSources, [{ source: 'incident', sourceRef: 'INC-7', reason: 'hot wallet drain' }]);
  const proposed = proposeReturn(opened.case, { toAddress: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', rationale: 'victim exchange proved ownership' }, { actor: 'alice', atMs: 3_000, authority });
  const returned = approveReturn(proposed.case, { actor: 'bob', atMs: 4_000, authority });
  assert.deepEqual(ledgerInstruction(returned.case), { kind: 'return', accountId: 'acct-1', amountUnits: 1_990_000n, toAddress: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4' });
  const audits = [opened.audit, proposed.audit, returned.audit];
  assert.deepEqual(audits.map((a) => [a.actor, a.action, a.before?.status ?? null, a.after.status]), [
    ['alice', 'open', null, 'open'],
    ['alice', 'propose_return', 'open', 'return_pending'],
    ['bob', 'approve_return', 'return_pending', 'returned'],
  ]);

  const xml = buildStrXml({
    rentityId: '100234',
    submissionCode: 'E',
    entityReference: returned.case.id,
    submissionDateMs: 5_000,
    reportingPerson: { kind: 'person', firstName: 'Layla', lastName: 'Haddad' },
    location: { address: 'DIFC', city: 'Dubai', countryCode: 'AE' },
    reason: `Direct deposit from incident-listed address (${returned.case.evidence.listedSources[0]!.sourceRef})`,
    action: 'Frozen and returned to the victim after four-eyes approval',
    transactions: [
      {
        transactionNumber: 'd'.repeat(64),
        internalRef: trace.depositRef,
        description: 'BTC deposit',
        dateMs: 1_500,
        transmodeCode: 'VA',
        amountLocalFils: 45_000_000n,
        asset: { chain: 'BTC', amountUnits: trace.totalUnits },
        fundsCode: 'K',
        from: { kind: 'account', institutionName: 'Unhosted wallet', account: attacker, currencyCode: 'BTC' },
        fromCountry: 'AE',
        fromIsMyClient: false,
        to: { kind: 'account', institutionName: 'Rampart', account: us, currencyCode: 'BTC' },
        toCountry: 'AE',
        toIsMyClient: true,
      },
    ],
    indicators: [],
  });
  const parsed = parseSafeXml(xml) as { report: { transaction: { t_from: { from_foreign_currency: { foreign_amount: string } } } } };
  assert.equal(parsed.report.transaction.t_from.from_foreign_currency.foreign_amount, '0.0199');
});
