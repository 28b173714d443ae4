import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BankAdapter } from '../bankAdapter.ts';
import { parsePain001 } from '../pain001.ts';
import { ledgerOmnibusFils } from './context.ts';
import { importBankFiles } from './depositPipeline.ts';
import { BankRailsError } from './errors.ts';
import { aedWithdrawalTerms, type PayoutBatch, type PayoutRecord, sendPayouts } from './payouts.ts';
import { runDailyReconciliation } from './reconcileRunner.ts';
import { sandboxDeposit } from './sandboxDeposit.ts';
import { CONFIG, CUSTOMERS, type Harness, harness, prepareAedWithdrawals, withdrawalRequest } from './testing.ts';

const K = CUSTOMERS[0]!;
const IBAN_K = K.verifiedIbans[0]!;
const feeRevenue = (h: Harness) => h.engine.core.ledger.balance(h.engine.core.accountByKey('system:AED:fee_revenue'));

/** Funded customer 1 with an authorised AED withdrawal per id. */
async function withdrawals(h: Harness, ids: readonly string[], amountFils: bigint): Promise<void> {
  await sandboxDeposit({ rails: h.rails, bank: h.bank, userId: 1, amountFils: 1_000_000n });
  await prepareAedWithdrawals(h, 1);
  const terms = aedWithdrawalTerms(h.rails, { userId: 1, iban: IBAN_K });
  for (const id of ids) {
    const r = await h.run(withdrawalRequest(h, id, 1, amountFils, terms));
    assert.equal(r.ok, true, JSON.stringify(r.error));
    const a = await h.run({ type: 'withdrawal.authorize', withdrawalId: id });
    assert.equal(a.ok, true, JSON.stringify(a.error));
  }
}

test('terms: only a verified UAE IBAN of the customer; the rail fee goes in the withdrawal fee', () => {
  const ctx = { config: CONFIG, directory: { byReference: () => undefined, byUserId: (u: number) => (u === 1 ? K : undefined) } };
  assert.deepEqual(aedWithdrawalTerms(ctx, { userId: 1, iban: IBAN_K }), { destination: IBAN_K, fee: 500n, rail: 'UAEFTS' });
  assert.equal(aedWithdrawalTerms(ctx, { userId: 1, iban: IBAN_K, rail: 'IPP' }).fee, 200n);
  const code = (f: () => unknown) => {
    try {
      f();
      return 'OK';
    } catch (e) {
      return e instanceof BankRailsError ? e.code : String(e);
    }
  };
  assert.equal(code(() => aedWithdrawalTerms(ctx, { userId: 1, iban: CUSTOMERS[1]!.verifiedIbans[0]! })), 'PAYOUT_IBAN_NOT_VERIFIED');
  assert.equal(code(() => aedWithdrawalTerms(ctx, { userId: 1, iban: 'GB82WEST12345698765432' })), 'PAYOUT_IBAN_NOT_UAE');
  assert.equal(code(() => aedWithdrawalTerms(ctx, { userId: 7, iban: IBAN_K })), 'PAYOUT_CUSTOMER_UNKNOWN');
  assert.equal(code(() => aedWithdrawalTerms(ctx, { userId: 1, iban: IBAN_K, rail: 'SWIFT' })), 'PAYOUT_RAIL_UNKNOWN');
});

test('payouts: batched into one pain.001, accepted → settled with the fee; RJCT twice → funds back once', async () => {
  const h = await harness();
  try {
    await withdrawals(h, ['W-OK', 'W-BAD'], 200_000n);
    assert.equal(h.available(1), 1_000_000n - 2n * 200_500n);
    h.bank.rejectPayment('W-BAD', 'AC04');
    const run = await sendPayouts(h.rails);
    assert.equal(run.filesSent.length, 1);
    assert.equal(run.payoutsBatched, 2);
    const batch = h.store.list<PayoutBatch>('batch')[0]!;
    const pain = parsePain001(batch.xml);
    assert.equal(pain.version, '001.001.03');
    assert.deepEqual(pain.payments.map((p) => [p.endToEndId, p.amountFils, p.creditorIban, p.creditorName]), [
      ['W-BAD', 200_000n, IBAN_K, 'Khadija Hassan'],
      ['W-OK', 200_000n, IBAN_K, 'Khadija Hassan'],
    ]);
    assert.deepEqual((await sendPayouts(h.rails)).filesSent, [], 'nothing left to send');

    const files = await h.bank.listInbound();
    const pain002 = files.find((f) => f.name.startsWith('pain002'))!;
    const rep = await importBankFiles(h.rails);
    const st = rep.files.find((f) => f.kind === 'pain.002')!.statuses!;
    assert.deepEqual([st.settled, st.rejected, st.repeats], [1, 1, 0]);
    assert.equal(h.available(1), 1_000_000n - 200_500n, 'the rejected payout (amount + fee) is back');
    assert.equal(feeRevenue(h), 500n, 'fee earned on the settled payout only');
    assert.equal(ledgerOmnibusFils(h.engine), 800_000n);
    assert.equal(h.bank.balanceOf(h.rails.config.collectionIban), 800_000n);

    // The same pain.002 arrives again (re-delivered after a restart): nothing moves.
    await h.restart();
    const before = h.available(1);
    const { importBankFile } = await import('./depositPipeline.ts');
    const again = await importBankFile(h.rails, pain002);
    assert.deepEqual([again.statuses!.settled, again.statuses!.rejected, again.statuses!.repeats], [0, 0, 2]);
    assert.equal(h.available(1), before);
    const recs = h.store.list<PayoutRecord>('payout');
    assert.deepEqual(recs.map((r) => [r.endToEndId, r.state, r.note ?? '']), [
      ['W-BAD', 'rejected', 'AC04'],
      ['W-OK', 'settled', ''],
    ]);

    // End of day: the statement (deposit credit, payout debit) reconciles with the ledger.
    h.bank.endOfDay('2026-11-26', '2026-11-26T23:59:00Z');
    await importBankFiles(h.rails);
    const [recon] = runDailyReconciliation(h.rails);
    assert.equal(recon!.ok, true);
    assert.equal(recon!.matchedCount, 2);
  } finally {
    await h.close();
  }
});

test('a returned payout (camt …/RRTN) re-credits the customer once, also when the camt.053 repeats it', async () => {
  const h = await harness({ config: { pain001Version: '001.001.09' } });
  try {
    await withdrawals(h, ['W-RET'], 300_000n);
    await sendPayouts(h.rails);
    assert.equal(parsePain001(h.store.list<PayoutBatch>('batch')[0]!.xml).version, '001.001.09');
    await importBankFiles(h.rails); // pain.002 ACSC → settled
    assert.equal(h.available(1), 1_000_000n - 300_500n);
    h.bank.returnPayment('W-RET', IBAN_K, 300_000n, 'AC04', h.iso());
    const rep = await importBankFiles(h.rails);
    assert.equal(rep.files[0]!.payoutReturns, 1);
    assert.equal(h.available(1), 1_000_000n - 500n, 'amount back, the fee was earned');
    h.bank.endOfDay('2026-11-26', '2026-11-26T23:59:00Z');
    const rep2 = await importBankFiles(h.rails);
    assert.equal(rep2.files[0]!.payoutReturns, 1, 'recognised again');
    assert.equal(h.available(1), 1_000_000n - 500n, 'but credited once');
    assert.equal(h.store.get<PayoutRecord>('payout', 'W-RET')!.state, 'returned');
    const [recon] = runDailyReconciliation(h.rails);
    assert.equal(recon!.ok, true);
  } finally {
    await h.close();
  }
});

test('crash between the durable batch assignment and the file hand-over: the payout is in one file, paid once', async () => {
  for (const when of ['before-bank', 'after-bank'] as const) {
    const h = await harness();
    try {
      await withdrawals(h, ['W-1', 'W-2'], 100_000n);
      const crashing: BankAdapter = {
        listInbound: () => h.bank.listInbound(),
        acknowledge: (i) => h.bank.acknowledge(i),
        reject: (i, r) => h.bank.reject(i, r),
        submitPaymentFile: async (n, x) => {
          if (when === 'after-bank') await h.bank.submitPaymentFile(n, x);
          throw new Error('simulated crash');
        },
      };
      await h.restart({ adapter: crashing });
      await assert.rejects(sendPayouts(h.rails), /simulated crash/);
      assert.equal(h.store.list<PayoutBatch>('batch')[0]!.state, 'assigned');
      await h.restart();
      // A withdrawal authorised after the restart goes to a new file; the old batch is re-offered as is.
      const terms = aedWithdrawalTerms(h.rails, { userId: 1, iban: IBAN_K });
      assert.equal((await h.run(withdrawalRequest(h, 'W-3', 1, 100_000n, terms))).ok, true);
      assert.equal((await h.run({ type: 'withdrawal.authorize', withdrawalId: 'W-3' })).ok, true);
      const run = await sendPayouts(h.rails);
      assert.equal(run.filesResent.length, 1);
      assert.equal(run.filesSent.length, 1);
      const batches = h.store.list<PayoutBatch>('batch');
      assert.equal(batches.length, 2);
      assert.deepEqual(batches.map((b) => [...b.endToEndIds].sort().join(',')).sort(), ['W-1,W-2', 'W-3']);
      // sandboxDeposit sent the customer's whole sandbox balance, so what is there now came from payouts.
      assert.equal(h.bank.balanceOf(IBAN_K), 300_000n, `${when}: each payout executed once`);
      assert.deepEqual(await sendPayouts(h.rails), { filesSent: [], filesResent: [], payoutsBatched: 0, cancelledInvalid: [] });
      await importBankFiles(h.rails);
      assert.equal(h.engine.core.withdrawals.size, 0);
      assert.equal(h.available(1), 1_000_000n - 3n * 100_500n);
    } finally {
      await h.close();
    }
  }
});

test('an authorised withdrawal to a destination no longer verified is cancelled, not paid', async () => {
  const h = await harness();
  try {
    await sandboxDeposit({ rails: h.rails, bank: h.bank, userId: 1, amountFils: 1_000_000n });
    await prepareAedWithdrawals(h, 1);
    const terms = aedWithdrawalTerms(h.rails, { userId: 1, iban: IBAN_K });
    assert.equal((await h.run(withdrawalRequest(h, 'W-X', 1, 100_000n, terms))).ok, true);
    // The customer's bank account is no longer verified (closed, ownership lapsed) before authorisation.
    h.revoked.add(1);
    assert.equal((await h.run({ type: 'withdrawal.authorize', withdrawalId: 'W-X' })).ok, true);
    assert.equal(h.store.get<PayoutRecord>('payout', 'W-X')!.state, 'invalid');
    const run = await sendPayouts(h.rails);
    assert.deepEqual(run.cancelledInvalid, ['W-X']);
    assert.equal(run.filesSent.length, 0);
    assert.equal(h.available(1), 1_000_000n);
    assert.equal(h.engine.core.withdrawals.size, 0);
  } finally {
    await h.close();
  }
});

test('concurrent runs: two payout runs write each payout to one file; one pain.002 applied twice at once settles once', async () => {
  const h = await harness();
  try {
    await withdrawals(h, ['W-A', 'W-B', 'W-C'], 100_000n);
    const [a, b] = await Promise.all([sendPayouts(h.rails), sendPayouts(h.rails)]);
    assert.equal(a.payoutsBatched + b.payoutsBatched, 3);
    assert.equal(h.store.list<PayoutBatch>('batch').length, 1);
    assert.equal(h.bank.balanceOf(IBAN_K), 300_000n);
    assert.deepEqual(h.store.list('payoutQueue'), []);
    const pain002 = (await h.bank.listInbound()).find((f) => f.name.startsWith('pain002'))!;
    const { importBankFile } = await import('./depositPipeline.ts');
    const [x, y] = await Promise.all([importBankFile(h.rails, pain002), importBankFile(h.rails, pain002)]);
    assert.deepEqual([x.statuses!.settled + y.statuses!.settled, x.statuses!.repeats + y.statuses!.repeats], [3, 3]);
    assert.deepEqual([...x.statuses!.anomalies, ...y.statuses!.anomalies], []);
    assert.deepEqual(h.store.list<PayoutRecord>('payout').map((p) => p.state), ['settled', 'settled', 'settled']);
  } finally {
    await h.close();
  }
});
