import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCamt } from './camt.ts';
import type { CamtWriteVersion } from './camtWrite.ts';
import { type CustomerDirectory, decideDeposit } from './deposits.ts';
import { BankingError } from './errors.ts';
import { makeUaeIban } from './iban.ts';
import { buildPain001 } from './pain001.ts';
import { parsePain002 } from './pain002.ts';
import { makeDepositReference } from './reference.ts';
import { SandboxBank } from './sandboxBank.ts';

const COLLECTION = makeUaeIban('033', '1000200030004000');
const ALICE = makeUaeIban('026', '1012345678901234');
const BOB = makeUaeIban('035', '2000000000004567');
const PAYEE = makeUaeIban('050', '5550001112223334');
const REF_ALICE = makeDepositReference('00000001');
const directory: CustomerDirectory = {
  byReference: (r) => (r === REF_ALICE ? { customerId: 'alice', kycApproved: true, kycName: 'Aisha Al Suwaidi', verifiedIbans: [ALICE] } : undefined),
};
const limits = { depositFilsMin: 100n, depositFilsMax: 100_000_000n };

function scenario(version: CamtWriteVersion): { bank: SandboxBank; files: { name: string; content: string }[] } {
  const bank = new SandboxBank({ collectionIban: COLLECTION, collectionHolderName: 'RAMPART CLIENT MONEY', camtVersion: version, pain002Version: version === '001.02' ? '002.001.03' : '002.001.10' });
  bank.openAccount(ALICE, 'AYESHA SUWAIDI', 1_000_000n);
  bank.openAccount(BOB, 'Bob Stranger', 1_000_000n);
  bank.transfer({ fromIban: ALICE, toIban: COLLECTION, amountFils: 250_000n, remittance: `Deposit ${REF_ALICE}`, at: '2026-11-25T08:00:00Z' });
  bank.transfer({ fromIban: BOB, toIban: COLLECTION, amountFils: 10_000n, remittance: REF_ALICE, at: '2026-11-25T09:00:00Z' });
  bank.rejectPayment('PAYOUT-2', 'AC04');
  const pain = buildPain001({
    version: version === '001.02' ? '001.001.03' : '001.001.09',
    messageId: 'RPPAIN-1',
    createdAt: '2026-11-25T10:00:00Z',
    requestedExecutionDate: '2026-11-25',
    initiatingPartyName: 'RAMPART',
    debtorName: 'RAMPART CLIENT MONEY',
    debtorIban: COLLECTION,
    debtorBic: 'BOMLAEAD',
    payouts: [
      { payoutId: 'PAYOUT-1', creditorName: 'Yusuf Ibrahim', creditorIban: PAYEE, amountFils: 50_000n },
      { payoutId: 'PAYOUT-2', creditorName: 'Closed Account', creditorIban: BOB, amountFils: 1_000n },
    ],
  });
  void bank.submitPaymentFile('pain001-RPPAIN-1.xml', pain.xml);
  bank.returnPayment('PAYOUT-1', PAYEE, 50_000n, 'AC06', '2026-11-25T15:00:00Z');
  bank.endOfDay('2026-11-25', '2026-11-25T23:59:00Z');
  return { bank, files: [] };
}

for (const version of ['001.02', '001.08'] as const) {
  test(`sandbox (camt.${version}): deposits, payouts with a rejection and a return, end-of-day statement`, async () => {
    const { bank } = scenario(version);
    const inbound = await bank.listInbound();
    assert.deepEqual(
      inbound.map((f) => f.name.split('-')[0]),
      ['camt054', 'camt054', 'pain002', 'camt054', 'camt053'],
    );
    // Intraday notifications → deposit decisions.
    const intraday = inbound.filter((f) => f.name.startsWith('camt054')).map((f) => {
      const doc = parseCamt(f.content, { accountIban: COLLECTION });
      assert.equal(doc.version, version);
      const s = doc.statements[0]!;
      return decideDeposit({ entry: s.entries[0]!, statementAccountIban: s.accountIban, collectionIban: COLLECTION, directory, limits });
    });
    assert.equal(intraday[0]!.kind, 'credit');
    assert.ok(intraday[1]!.kind === 'suspense' && intraday[1]!.reason === 'IBAN_NOT_REGISTERED', 'third-party payment with a stolen reference');
    assert.ok(intraday[2]!.kind === 'suspense' && intraday[2]!.reason === 'PAYOUT_RETURN');
    // pain.002: one settled, one rejected with the reason we asked for.
    const sts = parsePain002(inbound.find((f) => f.name.startsWith('pain002'))!.content);
    assert.equal(sts.originalMessageId, 'RPPAIN-1');
    assert.deepEqual(sts.payments.map((p) => [p.endToEndId, p.status, p.reasonCode ?? null]), [['PAYOUT-1', 'ACSC', null], ['PAYOUT-2', 'RJCT', 'AC04']]);
    // End of day: the statement repeats every entry with the same keys, and balances add up.
    const stmt = parseCamt(inbound.find((f) => f.name.startsWith('camt053'))!.content, { accountIban: COLLECTION }).statements[0]!;
    assert.deepEqual(stmt.issues, []);
    assert.equal(stmt.openingBalanceFils, 0n);
    assert.equal(stmt.closingBalanceFils, 250_000n + 10_000n - 50_000n + 50_000n);
    assert.equal(stmt.closingBalanceFils, bank.balanceOf(COLLECTION));
    const eod = stmt.entries.map((entry) => decideDeposit({ entry, statementAccountIban: stmt.accountIban, collectionIban: COLLECTION, directory, limits }));
    assert.equal(eod[0]!.idempotencyKey, intraday[0]!.idempotencyKey);
    assert.equal(eod[1]!.idempotencyKey, intraday[1]!.idempotencyKey);
    assert.ok(eod[2]!.kind === 'skip' && eod[2]!.reason === 'DEBIT');
    assert.equal(stmt.entries[2]!.endToEndId, 'PAYOUT-1');
    assert.equal(bank.balanceOf(BOB), 990_000n, 'rejected payout did not move money');
    // Acknowledged files are not listed again.
    for (const f of inbound) await bank.acknowledge(f.id);
    assert.equal((await bank.listInbound()).length, 0);
  });
}

test('sandbox is deterministic: the same scenario produces byte-identical files', async () => {
  const a = await scenario('001.08').bank.listInbound();
  const b = await scenario('001.08').bank.listInbound();
  assert.deepEqual(a, b);
});

test('sandbox refuses bad instructions without changing balances', async () => {
  const bank = new SandboxBank({ collectionIban: COLLECTION, collectionHolderName: 'R', camtVersion: '001.08' });
  bank.openAccount(ALICE, 'A', 100n);
  const refuse = (f: () => unknown, code: string): void => {
    assert.throws(f, (e: unknown) => e instanceof BankingError && e.code === code, code);
  };
  refuse(() => bank.transfer({ fromIban: ALICE, toIban: COLLECTION, amountFils: 101n, at: '2026-11-25T00:00:00Z' }), 'SANDBOX_INSUFFICIENT_FUNDS');
  refuse(() => bank.transfer({ fromIban: ALICE, toIban: COLLECTION, amountFils: 0n, at: '2026-11-25T00:00:00Z' }), 'SANDBOX_AMOUNT');
  refuse(() => bank.transfer({ fromIban: ALICE, toIban: BOB, amountFils: 1n, at: '2026-11-25T00:00:00Z' }), 'SANDBOX_ACCOUNT_UNKNOWN');
  refuse(() => bank.openAccount(ALICE, 'again'), 'SANDBOX_ACCOUNT_EXISTS');
  assert.throws(() => bank.openAccount('AE070331234567890123457', 'bad'), (e: unknown) => e instanceof BankingError && e.code === 'IBAN_CHECKSUM');
  assert.equal(bank.balanceOf(ALICE), 100n);
  assert.equal(bank.balanceOf(COLLECTION), 0n);
  const other = buildPain001({
    version: '001.001.09', messageId: 'M', createdAt: '2026-11-25T10:00:00Z', requestedExecutionDate: '2026-11-25', initiatingPartyName: 'X', debtorName: 'X',
    debtorIban: ALICE, debtorBic: 'BOMLAEAD', payouts: [{ payoutId: 'P', creditorName: 'Y', creditorIban: PAYEE, amountFils: 1n }],
  });
  await assert.rejects(bank.submitPaymentFile('x.xml', other.xml), (e: unknown) => e instanceof BankingError && e.code === 'SANDBOX_DEBTOR');
  assert.equal(bank.balanceOf(ALICE), 100n);
});
