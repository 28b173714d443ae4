import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeUaeIban } from '../iban.ts';
import { parsePain001 } from '../pain001.ts';
import { formatDepositReference } from '../reference.ts';
import { ledgerOmnibusFils, SUSPENSE } from './context.ts';
import { importBankFiles } from './depositPipeline.ts';
import { BankRailsError } from './errors.ts';
import { runDailyReconciliation } from './reconcileRunner.ts';
import { listSuspense, matchToCustomer, returnToSender } from './suspense.ts';
import { COLLECTION, CUSTOMERS, type Harness, harness } from './testing.ts';

const K = CUSTOMERS[0]!;
const suspenseFils = (h: Harness) => h.engine.core.ledger.balance(h.engine.core.accountByKey(SUSPENSE));
const code = (e: unknown) => (e instanceof BankRailsError ? e.code : String(e));

test('third-party payer → suspense → returned to sender: pain.001 to the payer, ledger back, reconciles', async () => {
  const h = await harness();
  try {
    const stranger = makeUaeIban('035', '4242');
    h.bank.openAccount(stranger, 'AHMED TRADING LLC', 1_000_000n);
    h.bank.transfer({ fromIban: stranger, toIban: COLLECTION, amountFils: 400_000n, remittance: formatDepositReference(K.reference), at: h.iso() });
    await importBankFiles(h.rails);
    const [item] = listSuspense(h.rails, { state: 'open' });
    assert.equal(item!.reason, 'IBAN_NOT_REGISTERED');
    assert.equal(item!.customerId, '1', 'the reference resolved: shown to the operator');
    assert.equal(h.available(1), 0n);
    assert.equal(suspenseFils(h), 400_000n);

    const returned = await returnToSender(h.rails, item!.id, 'staff-aisha');
    assert.equal(returned.state, 'returned');
    const pain = parsePain001(returned.return!.xml);
    assert.equal(pain.version, '001.001.03');
    assert.deepEqual(pain.payments.map((p) => [p.creditorIban, p.amountFils, p.creditorName]), [[stranger, 400_000n, 'AHMED TRADING LLC']]);
    assert.equal(h.bank.balanceOf(stranger), 1_000_000n, 'the sandbox bank executed the return');
    assert.equal(suspenseFils(h), 0n);
    assert.equal(ledgerOmnibusFils(h.engine), 0n);
    // Idempotent: again, and after a restart.
    await returnToSender(h.rails, item!.id, 'staff-aisha');
    await h.restart();
    await returnToSender(h.rails, item!.id, 'staff-aisha');
    assert.equal(h.bank.balanceOf(stranger), 1_000_000n, 'paid back once');
    await assert.rejects(matchToCustomer(h.rails, item!.id, 1, 'staff-b'), (e) => code(e) === 'SUSPENSE_ALREADY_RESOLVED');
    // The bank's pain.002 (ACSC) closes it; the day's statement reconciles.
    const rep = await importBankFiles(h.rails);
    assert.equal(rep.files.find((f) => f.kind === 'pain.002')!.statuses!.settled, 1);
    assert.equal(listSuspense(h.rails)[0]!.state, 'return_settled');
    h.bank.endOfDay('2026-11-25', '2026-11-25T23:59:00Z');
    await importBankFiles(h.rails);
    const [recon] = runDailyReconciliation(h.rails);
    assert.equal(recon!.ok, true, JSON.stringify({ s: recon!.unmatchedStatementEntries, l: recon!.unmatchedLedgerTransfers }, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  } finally {
    await h.close();
  }
});

test('suspense matched to a customer: credited once, idempotent, a second decision refused', async () => {
  const h = await harness();
  try {
    h.bank.openAccount(K.verifiedIbans[0]!, 'KHADIJA HASSAN', 1_000_000n);
    h.bank.transfer({ fromIban: K.verifiedIbans[0]!, toIban: COLLECTION, amountFils: 90_000n, remittance: 'for my trading account', at: h.iso() });
    await importBankFiles(h.rails);
    const [item] = listSuspense(h.rails);
    assert.equal(item!.reason, 'MISSING_REFERENCE');
    const m = await matchToCustomer(h.rails, item!.id, 1, 'staff-omar');
    assert.equal(m.state, 'matched');
    assert.equal(h.available(1), 90_000n);
    await matchToCustomer(h.rails, item!.id, 1, 'staff-omar');
    await h.restart();
    await matchToCustomer(h.rails, item!.id, 1, 'staff-omar');
    assert.equal(h.available(1), 90_000n, 'credited once');
    assert.equal(suspenseFils(h), 0n);
    await assert.rejects(matchToCustomer(h.rails, item!.id, 2, 'staff-omar'), (e) => code(e) === 'SUSPENSE_ALREADY_RESOLVED');
    await assert.rejects(returnToSender(h.rails, item!.id, 'staff-omar'), (e) => code(e) === 'SUSPENSE_ALREADY_RESOLVED');
    await assert.rejects(matchToCustomer(h.rails, 'NOPE', 1, 'staff-omar'), (e) => code(e) === 'SUSPENSE_UNKNOWN');
    assert.equal(h.available(2), 0n);
  } finally {
    await h.close();
  }
});

test('a match the core refuses (unknown user) changes nothing and leaves the item open', async () => {
  const h = await harness();
  try {
    h.bank.openAccount(K.verifiedIbans[0]!, 'KHADIJA HASSAN', 1_000_000n);
    h.bank.transfer({ fromIban: K.verifiedIbans[0]!, toIban: COLLECTION, amountFils: 5_000n, remittance: 'x', at: h.iso() });
    await importBankFiles(h.rails);
    const [item] = listSuspense(h.rails);
    await assert.rejects(matchToCustomer(h.rails, item!.id, 99, 'staff-omar'), (e) => code(e) === 'SUSPENSE_ENGINE_REFUSED');
    assert.equal(listSuspense(h.rails)[0]!.state, 'open');
    assert.equal(suspenseFils(h), 5_000n);
  } finally {
    await h.close();
  }
});

test('a crash between the return posting and the pain.001 hand-over: resuming sends the file once', async () => {
  const h = await harness();
  try {
    const stranger = makeUaeIban('035', '777');
    h.bank.openAccount(stranger, 'SOMEONE', 500_000n);
    h.bank.transfer({ fromIban: stranger, toIban: COLLECTION, amountFils: 60_000n, remittance: 'hello', at: h.iso() });
    await importBankFiles(h.rails);
    const [item] = listSuspense(h.rails);
    await h.restart({ adapter: { listInbound: () => h.bank.listInbound(), acknowledge: (i) => h.bank.acknowledge(i), reject: (i, r) => h.bank.reject(i, r), submitPaymentFile: async () => Promise.reject(new Error('crash')) } });
    await assert.rejects(returnToSender(h.rails, item!.id, 'staff-a'), /crash/);
    assert.equal(listSuspense(h.rails)[0]!.state, 'returning');
    assert.equal(suspenseFils(h), 0n, 'the posting is durable');
    await h.restart();
    await returnToSender(h.rails, item!.id, 'staff-a');
    assert.equal(h.bank.balanceOf(stranger), 500_000n);
    assert.equal(suspenseFils(h), 0n);
    assert.equal(ledgerOmnibusFils(h.engine), 0n);
  } finally {
    await h.close();
  }
});

test('a return the bank rejects is reversed back into suspense once; the day still reconciles', async () => {
  const h = await harness();
  try {
    const stranger = makeUaeIban('035', '888');
    h.bank.openAccount(stranger, 'CLOSED ACCOUNT HOLDER', 100_000n);
    h.bank.transfer({ fromIban: stranger, toIban: COLLECTION, amountFils: 80_000n, remittance: 'gift', at: h.iso() });
    await importBankFiles(h.rails);
    const [item] = listSuspense(h.rails);
    h.bank.rejectPayment(`RPSR-${item!.id}`, 'AC04');
    await returnToSender(h.rails, item!.id, 'staff-a');
    assert.equal(suspenseFils(h), 0n);
    const files = await h.bank.listInbound();
    const rep = await importBankFiles(h.rails);
    assert.equal(rep.files.find((f) => f.kind === 'pain.002')!.statuses!.rejected, 1);
    assert.equal(suspenseFils(h), 80_000n, 'back in suspense');
    assert.equal(ledgerOmnibusFils(h.engine), 80_000n);
    const { importBankFile } = await import('./depositPipeline.ts');
    const again = await importBankFile(h.rails, files.find((f) => f.name.startsWith('pain002'))!);
    assert.equal(again.statuses!.repeats, 1);
    assert.equal(suspenseFils(h), 80_000n, 'reversed once');
    assert.equal(listSuspense(h.rails)[0]!.state, 'return_rejected');
    await assert.rejects(returnToSender(h.rails, item!.id, 'staff-a'), (e) => code(e) === 'SUSPENSE_ALREADY_RESOLVED');
    h.bank.endOfDay('2026-11-25', '2026-11-25T23:59:00Z');
    await importBankFiles(h.rails);
    const [recon] = runDailyReconciliation(h.rails);
    assert.equal(recon!.ok, true, 'the return posting and its reversal net to nothing');
  } finally {
    await h.close();
  }
});

test('a match and a return of the same item at the same moment: exactly one happens', async () => {
  const h = await harness();
  try {
    const stranger = makeUaeIban('035', '999');
    h.bank.openAccount(stranger, 'RACE CONDITION LLC', 100_000n);
    h.bank.transfer({ fromIban: stranger, toIban: COLLECTION, amountFils: 50_000n, remittance: 'x', at: h.iso() });
    await importBankFiles(h.rails);
    const [item] = listSuspense(h.rails);
    const results = await Promise.allSettled([matchToCustomer(h.rails, item!.id, 1, 'staff-a'), returnToSender(h.rails, item!.id, 'staff-b'), matchToCustomer(h.rails, item!.id, 2, 'staff-c')]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'rejected']);
    assert.equal(h.available(1), 50_000n);
    assert.equal(h.available(2), 0n);
    assert.equal(h.bank.balanceOf(stranger), 50_000n, 'not also returned');
    assert.equal(suspenseFils(h), 0n);
  } finally {
    await h.close();
  }
});
