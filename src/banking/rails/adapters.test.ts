import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BankAdapter, InboundFile } from '../bankAdapter.ts';
import { writeCamt } from '../camtWrite.ts';
import { FileExchange } from '../fileExchange.ts';
import { makeUaeIban } from '../iban.ts';
import { formatDepositReference } from '../reference.ts';
import { SandboxBank } from '../sandboxBank.ts';
import { importBankFiles } from './depositPipeline.ts';
import { aedWithdrawalTerms, sendPayouts } from './payouts.ts';
import { runDailyReconciliation } from './reconcileRunner.ts';
import { sandboxDeposit } from './sandboxDeposit.ts';
import { listSuspense, matchToCustomer } from './suspense.ts';
import { BankRailsError } from './errors.ts';
import { COLLECTION, CUSTOMERS, harness, prepareAedWithdrawals, withdrawalRequest } from './testing.ts';

const K = CUSTOMERS[0]!;

/** An adapter over a fixed list of files (a bank we script byte by byte). */
function scripted(files: InboundFile[]): BankAdapter & { acked: string[]; rejected: string[] } {
  const acked: string[] = [];
  const rejected: string[] = [];
  return {
    acked,
    rejected,
    listInbound: async () => files.filter((f) => !acked.includes(f.id) && !rejected.includes(f.id)),
    acknowledge: async (id) => void acked.push(id),
    reject: async (id) => void rejected.push(id),
    submitPaymentFile: async () => undefined,
  };
}

test('host-to-host folders (FileExchange): deposit, payout and its pain.002, re-delivered bytes, the day reconciles', async () => {
  let fx: FileExchange | undefined;
  const h = await harness({ adapter: () => fx! });
  const dirs = { inboxDir: join(h.dir, 'h2h', 'in'), outboxDir: join(h.dir, 'h2h', 'out'), archiveDir: join(h.dir, 'h2h', 'archive') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  fx = await FileExchange.open(dirs);
  await h.restart({ adapter: fx });
  const bank = h.bank;
  const delivered: InboundFile[] = [];
  // The operator's mirror job: bank "reports" → inbox, outbox → bank "payments".
  const mirror = async (): Promise<void> => {
    for (const f of await bank.listInbound()) {
      writeFileSync(join(dirs.inboxDir, f.name), f.content);
      delivered.push(f);
      await bank.acknowledge(f.id);
    }
    for (const name of readdirSync(dirs.outboxDir)) {
      if (name.startsWith('.')) continue;
      await bank.submitPaymentFile(name, readFileSync(join(dirs.outboxDir, name), 'utf8'));
      rmSync(join(dirs.outboxDir, name));
    }
  };
  try {
    bank.openAccount(K.verifiedIbans[0]!, 'KHADIJA HASSAN', 1_000_000n);
    bank.transfer({ fromIban: K.verifiedIbans[0]!, toIban: COLLECTION, amountFils: 600_000n, remittance: formatDepositReference(K.reference), at: h.iso() });
    await mirror();
    await importBankFiles(h.rails);
    assert.equal(h.available(1), 600_000n);
    // The mirror re-downloads the same camt.054: FileExchange archives it as a duplicate, unprocessed.
    writeFileSync(join(dirs.inboxDir, `again-${delivered[0]!.name}`), delivered[0]!.content);
    const rep = await importBankFiles(h.rails);
    assert.equal(rep.files.length, 0);
    assert.equal(h.available(1), 600_000n);

    await prepareAedWithdrawals(h, 1);
    const terms = aedWithdrawalTerms(h.rails, { userId: 1, iban: K.verifiedIbans[0]! });
    assert.equal((await h.run(withdrawalRequest(h, 'W-H2H', 1, 250_000n, terms))).ok, true);
    assert.equal((await h.run({ type: 'withdrawal.authorize', withdrawalId: 'W-H2H' })).ok, true);
    const sent = await sendPayouts(h.rails);
    assert.equal(sent.filesSent.length, 1);
    assert.equal(readdirSync(dirs.outboxDir).filter((n) => !n.startsWith('.')).length, 1, 'pain.001 waiting in the outbox');
    await mirror(); // bank collects, executes, answers with a pain.002
    await mirror();
    const st = await importBankFiles(h.rails);
    assert.equal(st.files.find((f) => f.kind === 'pain.002')!.statuses!.settled, 1);
    assert.equal(h.available(1), 600_000n - 250_500n);
    bank.endOfDay('2026-11-26', '2026-11-26T23:59:00Z');
    await mirror();
    await importBankFiles(h.rails);
    const [recon] = runDailyReconciliation(h.rails);
    assert.equal(recon!.ok, true);
    assert.equal(recon!.matchedCount, 2);
  } finally {
    await h.close();
  }
});

test('a bank without AcctSvcrRef: the long composite key is compacted in the engine ref and reconciliation maps it back', async () => {
  const remittance = `PAYMENT FOR TRADING ACCOUNT OF KHADIJA HASSAN REFERENCE ${formatDepositReference(K.reference)} THANK YOU`;
  const xml = writeCamt({
    kind: 'camt.053',
    version: '001.02',
    messageId: 'NOREF-1',
    createdAt: '2026-11-25T23:00:00Z',
    reportId: 'NOREF-1',
    accountIban: COLLECTION,
    openingBalanceFils: 0n,
    closingBalanceFils: 123_400n,
    balanceDate: '2026-11-25',
    entries: [{ accountServicerRef: 'DROPPED', amountFils: 123_400n, direction: 'credit', bookingDate: '2026-11-25', valueDate: '2026-11-25', bankTxCode: 'PMNT/RCDT/DMCT', debtorName: 'KHADIJA HASSAN', debtorIban: K.verifiedIbans[0]!, remittance }],
  }).replace(/<AcctSvcrRef>DROPPED<\/AcctSvcrRef>\s*/g, '');
  assert.ok(!xml.includes('DROPPED'));
  const adapter = scripted([{ id: 'f1', name: 'camt053-noref.xml', content: xml }]);
  const h = await harness({ adapter: () => adapter });
  try {
    const rep = await importBankFiles(h.rails);
    assert.equal(rep.files[0]!.credited, 1);
    assert.equal(h.available(1), 123_400n);
    const credit = h.rails.view.movements().find((m) => m.command === 'deposit')!;
    assert.match(credit.reference, /^bank-h:[0-9a-f]{64}$/);
    const [recon] = runDailyReconciliation(h.rails);
    assert.equal(recon!.ok, true, JSON.stringify(recon!.unmatchedLedgerTransfers.map((t) => t.reference)));
    assert.match(recon!.statementKey!, /^2026-11-25\|NOREF-1\|0$/);
  } finally {
    await h.close();
  }
});

test('a statement for another account: listed in suspense (WRONG_ACCOUNT) but nothing posted; actions refused', async () => {
  const other = new SandboxBank({ collectionIban: makeUaeIban('033', '78'), collectionHolderName: 'RAMPART OPERATING', camtVersion: '001.02' });
  other.openAccount(K.verifiedIbans[0]!, 'KHADIJA HASSAN', 100_000n);
  other.transfer({ fromIban: K.verifiedIbans[0]!, toIban: makeUaeIban('033', '78'), amountFils: 10_000n, remittance: K.reference, at: '2026-11-25T10:00:00Z' });
  const adapter = scripted(await other.listInbound());
  const h = await harness({ adapter: () => adapter });
  try {
    const seq = h.engine.core.seq;
    const rep = await importBankFiles(h.rails);
    assert.equal(rep.files[0]!.suspense, 1);
    assert.equal(h.engine.core.seq, seq, 'no command submitted');
    const [item] = listSuspense(h.rails);
    assert.deepEqual([item!.reason, item!.posted], ['WRONG_ACCOUNT', false]);
    await assert.rejects(matchToCustomer(h.rails, item!.id, 1, 'staff'), (e) => e instanceof BankRailsError && e.code === 'SUSPENSE_NOT_POSTED');
    assert.deepEqual(adapter.acked, [adapter.acked[0]]);
    // And the sandbox deposit helper still works next to it.
    await assert.rejects(sandboxDeposit({ rails: h.rails, bank: h.bank, userId: 42, amountFils: 1n }), (e) => e instanceof BankRailsError && e.code === 'SANDBOX_DEPOSIT_CUSTOMER');
  } finally {
    await h.close();
  }
});
