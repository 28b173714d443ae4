import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBankFile } from '../inbound.ts';
import { formatDepositReference } from '../reference.ts';
import { importBankFiles } from './depositPipeline.ts';
import { BankRailsError } from './errors.ts';
import { reconcileBank, reconcileStatement, reconciliationToJson, runDailyReconciliation, storedReconciliations } from './reconcileRunner.ts';
import { sandboxDeposit } from './sandboxDeposit.ts';
import { COLLECTION, CUSTOMERS, DAY_MS, harness } from './testing.ts';

const M = CUSTOMERS[1]!;

test('reconciliation finds a ledger credit without a statement entry and a statement entry without a credit', async () => {
  const h = await harness();
  try {
    assert.throws(() => reconcileBank(h.rails), (e) => e instanceof BankRailsError && e.code === 'RECON_NO_STATEMENT');
    await sandboxDeposit({ rails: h.rails, bank: h.bank, userId: 1, amountFils: 300_000n });
    // A bank credit whose camt.054 never reached the pipeline…
    h.bank.openAccount(M.verifiedIbans[0]!, 'MOHAMMED AL MANSOORI', 1_000_000n);
    const missedRef = h.bank.transfer({ fromIban: M.verifiedIbans[0]!, toIban: COLLECTION, amountFils: 200_000n, remittance: formatDepositReference(M.reference), at: h.iso() });
    for (const f of await h.bank.listInbound()) await h.bank.acknowledge(f.id);
    // …and a bank-source credit in the ledger that the bank never saw.
    assert.equal((await h.run({ type: 'deposit', userId: 2, asset: 'AED', amount: 12_345n, source: 'bank', ref: 'ghost-1' })).ok, true);
    const xml = h.bank.endOfDay('2026-11-25', '2026-11-25T23:59:00Z');
    const parsed = parseBankFile(xml);
    assert.ok(parsed.type === 'camt');
    const r = reconcileStatement(h.rails, parsed.doc.statements[0]!);
    assert.equal(r.ok, false);
    assert.deepEqual(
      r.unmatchedStatementEntries.map((e) => [e.reference, e.amountFils, e.direction]),
      [[`${COLLECTION}:acct:${missedRef}`, 200_000n, 'credit']],
    );
    assert.deepEqual(
      r.unmatchedLedgerTransfers.map((e) => [e.reference, e.amountFils, e.direction]),
      [['ghost-1', 12_345n, 'credit']],
    );
    assert.equal(r.closingBalanceFils, 500_000n);
    assert.equal(r.ledgerBalanceFils, 312_345n);
    assert.equal(r.balanceDifferenceFils, 187_655n);
    assert.equal(r.explainedDifferenceFils, 187_655n);
    assert.equal(r.unexplainedDifferenceFils, 0n, 'both listed items account for the whole difference');
    assert.equal(r.statementArithmeticDifferenceFils, 0n);
    assert.equal(r.matchedCount, 1);
    const json = JSON.parse(JSON.stringify(reconciliationToJson(r)));
    assert.equal(json.ok, false);
    assert.equal(json.balanceDifferenceFils, '187655');
    assert.equal(json.closingBalanceAed, '5000.00');
    assert.deepEqual(json.unmatchedLedgerTransfers, [{ reference: 'ghost-1', direction: 'credit', amountFils: '12345', amountAed: '123.45' }]);
  } finally {
    await h.close();
  }
});

test('daily runs: each day reconciles against what is still open; after a restart the journal replay gives the same answer', async () => {
  const h = await harness();
  try {
    await sandboxDeposit({ rails: h.rails, bank: h.bank, userId: 1, amountFils: 300_000n });
    h.bank.endOfDay('2026-11-25', '2026-11-25T23:59:00Z');
    await importBankFiles(h.rails);
    const day1 = runDailyReconciliation(h.rails);
    assert.deepEqual(day1.map((r) => r.ok), [true]);
    h.now.t += DAY_MS;
    await sandboxDeposit({ rails: h.rails, bank: h.bank, userId: 2, amountFils: 150_000n });
    h.bank.endOfDay('2026-11-26', '2026-11-26T23:59:00Z');
    await importBankFiles(h.rails);
    const before = reconcileBank(h.rails);
    assert.equal(before.ok, true);
    await h.restart();
    const after = reconcileBank(h.rails);
    assert.deepEqual(reconciliationToJson(after), reconciliationToJson(before));
    const day2 = runDailyReconciliation(h.rails);
    assert.deepEqual(day2.map((r) => [r.closingDate, r.ok, r.matchedCount]), [['2026-11-26', true, 1]]);
    assert.deepEqual(runDailyReconciliation(h.rails), [], 'each statement once');
    assert.equal(storedReconciliations(h.rails).length, 2);
  } finally {
    await h.close();
  }
});
