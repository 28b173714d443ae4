import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseCamt } from './camt.ts';
import { makeUaeIban } from './iban.ts';
import { type LedgerBankTransfer, reconcile, statementEntryReference } from './reconcile.ts';
import { SandboxBank } from './sandboxBank.ts';

const COLLECTION = 'AE940331000200030004000';
const fx = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const statement = parseCamt(fx('aed-camt053-v02.xml'), { accountIban: COLLECTION }).statements[0]!;
// What the ledger recorded for that day: two deposits by bank reference, one payout by payout id.
const ledger: LedgerBankTransfer[] = [
  { reference: `${COLLECTION}:acct:FT26328A7KQ1`, amountFils: 500_000n, direction: 'credit' },
  { reference: `${COLLECTION}:acct:FT26328B2MX9`, amountFils: 25_050n, direction: 'credit' },
  { reference: 'payout:PAYOUT-0001', amountFils: 120_000n, direction: 'debit' },
];

test('a matching day reconciles clean', () => {
  const r = reconcile({ statement, collectionIban: COLLECTION, ledgerBalanceFils: 505_050n, ledgerTransfers: ledger });
  assert.equal(r.ok, true, JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  assert.equal(r.balanceDifferenceFils, 0n);
  assert.equal(r.statementArithmeticDifferenceFils, 0n);
});

test('injected differences are each found', () => {
  const missing = reconcile({ statement, collectionIban: COLLECTION, ledgerBalanceFils: 480_000n, ledgerTransfers: ledger.slice(1) });
  assert.equal(missing.ok, false);
  assert.deepEqual(missing.unmatchedStatementEntries, [{ reference: `${COLLECTION}:acct:FT26328A7KQ1`, amountFils: 500_000n, direction: 'credit' }]);
  assert.equal(missing.balanceDifferenceFils, 25_050n);

  const phantom = reconcile({ statement, collectionIban: COLLECTION, ledgerBalanceFils: 505_050n, ledgerTransfers: [...ledger, { reference: 'payout:PAYOUT-9999', amountFils: 1n, direction: 'debit' }] });
  assert.deepEqual(phantom.unmatchedLedgerTransfers.map((t) => t.reference), ['payout:PAYOUT-9999']);

  const skewed = reconcile({ statement, collectionIban: COLLECTION, ledgerBalanceFils: 505_050n, ledgerTransfers: [{ ...ledger[0]!, amountFils: 500_001n }, ...ledger.slice(1)] });
  assert.deepEqual(skewed.amountMismatches.map((m) => [m.reference, m.statementFils, m.ledgerFils]), [[`${COLLECTION}:acct:FT26328A7KQ1`, 500_000n, 500_001n]]);

  const offByOneFils = reconcile({ statement, collectionIban: COLLECTION, ledgerBalanceFils: 505_049n, ledgerTransfers: ledger });
  assert.equal(offByOneFils.ok, false);
  assert.equal(offByOneFils.balanceDifferenceFils, 1n);

  const dup = reconcile({ statement, collectionIban: COLLECTION, ledgerBalanceFils: 505_050n, ledgerTransfers: [...ledger, ledger[0]!] });
  assert.deepEqual(dup.duplicateLedgerReferences, [`${COLLECTION}:acct:FT26328A7KQ1`]);

  const tampered = parseCamt(fx('aed-camt053-v02.xml').replace('<Amt Ccy="AED">5050.50</Amt>', '<Amt Ccy="AED">5050.51</Amt>'), { accountIban: COLLECTION }).statements[0]!;
  const t = reconcile({ statement: tampered, collectionIban: COLLECTION, ledgerBalanceFils: 505_050n, ledgerTransfers: ledger });
  assert.equal(t.statementArithmeticDifferenceFils, -1n);
  assert.equal(t.balanceDifferenceFils, 1n);
});

test('property: on a sandbox day, dropping any one ledger transfer is reported as exactly that entry', () => {
  const collection = makeUaeIban('033', '1');
  fc.assert(
    fc.property(fc.array(fc.bigInt({ min: 1n, max: 1_000_000n }), { minLength: 1, maxLength: 12 }), fc.nat(), (amounts, pick) => {
      const bank = new SandboxBank({ collectionIban: collection, collectionHolderName: 'R', camtVersion: '001.08' });
      const payer = makeUaeIban('026', '2');
      bank.openAccount(payer, 'P', 10n ** 12n);
      for (const [i, a] of amounts.entries()) bank.transfer({ fromIban: payer, toIban: collection, amountFils: a, remittance: `n${i}`, at: '2026-11-25T10:00:00Z' });
      const st = parseCamt(bank.endOfDay('2026-11-25', '2026-11-25T23:00:00Z')).statements[0]!;
      const all = st.entries.map((e) => ({ reference: statementEntryReference(e, collection), amountFils: e.amountFils!, direction: e.direction! }));
      const total = amounts.reduce((s, a) => s + a, 0n);
      assert.equal(reconcile({ statement: st, collectionIban: collection, ledgerBalanceFils: total, ledgerTransfers: all }).ok, true);
      const drop = pick % all.length;
      const r = reconcile({ statement: st, collectionIban: collection, ledgerBalanceFils: total - all[drop]!.amountFils, ledgerTransfers: all.filter((_, i) => i !== drop) });
      assert.deepEqual(r.unmatchedStatementEntries.map((e) => e.reference), [all[drop]!.reference]);
      assert.equal(r.balanceDifferenceFils, all[drop]!.amountFils);
    }),
    { numRuns: 40 },
  );
});
