import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type CamtEntry, parseCamt } from './camt.ts';
import { type CustomerDirectory, type DepositDecision, decideDeposit, type DirectoryCustomer } from './deposits.ts';
import { makeDepositReference } from './reference.ts';

const fx = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const COLLECTION = 'AE940331000200030004000';

const customers: Record<string, DirectoryCustomer> = {
  RP0000000145: { customerId: 'c-1', kycApproved: true, kycName: 'Mohammed Abdullah Saeed Al Mansoori', verifiedIbans: ['AE90 0261 0123 4567 8901 234'] },
  RP0000000222: { customerId: 'c-2', kycApproved: true, kycName: 'Fatima Hussain', verifiedIbans: ['AE340352000000000004567'] },
  RP00000003RR: { customerId: 'c-3', kycApproved: true, kycName: 'Mohamed Abdulrahman Said', verifiedIbans: ['AE970309876543210000001'] },
};
const directory: CustomerDirectory = { byReference: (r) => customers[r] };
const limits = { depositFilsMin: 100n, depositFilsMax: 50_000_000n };

const reasonOf = (d: DepositDecision): string => (d.kind === 'suspense' ? d.reason : d.kind === 'skip' ? `skip:${d.reason}` : 'credit');

function decideAll(file: string): DepositDecision[] {
  const doc = parseCamt(fx(file));
  return doc.statements.flatMap((s) => s.entries.map((entry) => decideDeposit({ entry, statementAccountIban: s.accountIban, collectionIban: COLLECTION, directory, limits })));
}

test('camt.053.001.02 fixture: two credits to customers, the payout debit is skipped', () => {
  const d = decideAll('aed-camt053-v02.xml');
  assert.deepEqual(d[0], { kind: 'credit', customerId: 'c-1', amountFils: 500_000n, idempotencyKey: `${COLLECTION}:acct:FT26328A7KQ1`, reference: 'RP0000000145', nameRule: 'subset' });
  assert.equal(d[1]!.kind, 'credit');
  assert.deepEqual(d[2], { kind: 'skip', reason: 'DEBIT', idempotencyKey: `${COLLECTION}:acct:FT26328C5PQ2` });
});

test('camt.054 then camt.053 for the same bank entry give the same idempotency key', () => {
  const intraday = decideAll('aed-camt054-v08.xml')[0]!;
  const eod = decideAll('aed-camt053-v02.xml')[0]!;
  assert.equal(intraday.kind, 'credit');
  assert.equal(intraday.idempotencyKey, eod.idempotencyKey);
});

test('the other bank: batch parts credited separately by their own bank references; no reference → suspense', () => {
  const d = decideAll('aed-camt053-v08-otherbank.xml');
  assert.equal(d[0]!.kind, 'credit');
  assert.equal(d[0]!.idempotencyKey, `${COLLECTION}:acct:IPI2611250000412`);
  assert.equal(d[1]!.kind, 'credit', reasonOf(d[1]!));
  assert.equal(d[1]!.idempotencyKey, `${COLLECTION}:acct:IPI2611250000413`);
  assert.equal(d[2]!.kind, 'suspense');
  if (d[2]!.kind === 'suspense') assert.equal(d[2]!.reason, 'MISSING_REFERENCE');
});

test('genkgo third-party entries all go to suspense (non-AED) or skip (debits)', () => {
  for (const f of ['genkgo/camt053.v2.minimal.xml', 'genkgo/camt053.v4.xml', 'genkgo/camt054.v8.xml', 'genkgo/camt054.v2.xml']) {
    for (const d of decideAll(f)) assert.notEqual(d.kind, 'credit', f);
  }
});

const good: CamtEntry = parseCamt(fx('aed-camt053-v02.xml')).statements[0]!.entries[0]!;
const decide = (patch: Partial<CamtEntry>, extra: Partial<Parameters<typeof decideDeposit>[0]> = {}): DepositDecision =>
  decideDeposit({ entry: { ...good, ...patch }, statementAccountIban: COLLECTION, collectionIban: COLLECTION, directory, limits, ...extra });

test('every suspense reason is reachable and nothing is credited on a doubtful entry', () => {
  const ref2 = makeDepositReference('00000099');
  const typo = 'RP0000000146';
  const cases: [Partial<CamtEntry>, string, Partial<Parameters<typeof decideDeposit>[0]>?][] = [
    [{ status: 'PDNG' }, 'skip:NOT_BOOKED'],
    [{}, 'WRONG_ACCOUNT', { statementAccountIban: 'AE070331234567890123456' }],
    [{ reversal: true }, 'REVERSAL'],
    [{ currency: 'USD', amountFils: null, issues: [{ code: 'WRONG_CURRENCY', detail: '' }] }, 'WRONG_CURRENCY'],
    [{ amountFils: null, issues: [{ code: 'AMOUNT_NEGATIVE', detail: 'neg' }] }, 'BAD_AMOUNT'],
    [{ amountFils: null, issues: [{ code: 'AMOUNT_PRECISION', detail: '3dp' }] }, 'BAD_AMOUNT'],
    [{ remittanceUnstructured: ['salary'] }, 'MISSING_REFERENCE'],
    [{ remittanceUnstructured: ['RP00000001'] }, 'MALFORMED_REFERENCE'],
    [{ remittanceUnstructured: [typo] }, 'BAD_CHECK_DIGIT'],
    [{ remittanceUnstructured: ['RP0000000145 RP0000000222'] }, 'AMBIGUOUS_REFERENCE'],
    [{ remittanceUnstructured: [ref2] }, 'UNKNOWN_REFERENCE'],
    [{ debtorIban: undefined }, 'PAYER_IBAN_MISSING'],
    [{ debtorIban: 'AE340352000000000004567' }, 'IBAN_NOT_REGISTERED'],
    [{ debtorIban: 'AE900261012345678901235' }, 'IBAN_NOT_REGISTERED'],
    [{ debtorName: undefined }, 'PAYER_NAME_MISSING'],
    [{ debtorName: 'GENERAL TRADING LLC' }, 'NAME_MISMATCH'],
    [{ debtorName: 'Fatima Hussain' }, 'NAME_MISMATCH'],
    [{ amountFils: 99n }, 'UNDER_MINIMUM'],
    [{ amountFils: 50_000_001n }, 'OVER_LIMIT'],
  ];
  for (const [patch, reason, extra] of cases) assert.equal(reasonOf(decide(patch, extra)), reason, reason);
  const notKyc: CustomerDirectory = { byReference: (r) => (customers[r] ? { ...customers[r]!, kycApproved: false } : undefined) };
  assert.equal(reasonOf(decide({}, { directory: notKyc })), 'KYC_NOT_APPROVED');
  const capped: CustomerDirectory = { byReference: (r) => (customers[r] ? { ...customers[r]!, depositFilsRemaining: 1000n } : undefined) };
  assert.equal(reasonOf(decide({}, { directory: capped })), 'OVER_LIMIT');
  // A suspense decision still carries the idempotency key and, once known, the customer.
  const s = decide({ debtorName: 'GENERAL TRADING LLC' });
  assert.ok(s.kind === 'suspense' && s.customerId === 'c-1' && s.idempotencyKey === `${COLLECTION}:acct:FT26328A7KQ1`);
});

test('composite key when the bank gives no AcctSvcrRef, and batch index keys', () => {
  const a = decide({ entryAccountServicerRef: undefined });
  assert.match(a.idempotencyKey, /^AE940331000200030004000:cmp:2026-11-24\|C\|500000\|\|AE900261012345678901234\|RP0000000145\|0$/);
  assert.equal(decide({ entryAccountServicerRef: undefined, amountText: '5000' }).idempotencyKey, a.idempotencyKey, 'amount text format does not change the key');
  assert.equal(reasonOf(decide({ entryAccountServicerRef: undefined }, { requireBankReference: true })), 'NO_BANK_REFERENCE');
  const b = decide({ batch: { size: 3, index: 2 } });
  assert.equal(b.idempotencyKey, `${COLLECTION}:acct:FT26328A7KQ1/2`);
});
