import type { CamtEntry } from './camt.ts';
import { checkIban, normalizeIban } from './iban.ts';
import { matchNames, type NameMatch } from './names.ts';
import { findDepositReference } from './reference.ts';

/**
 * The pure decision for one incoming bank entry on the collection account: credit a customer,
 * park it in suspense for an operator, or skip it (not a deposit). This module changes nothing;
 * the ledger core applies the decision, keyed by `idempotencyKey`, so that seeing the same bank
 * entry twice (camt.054 intraday, then camt.053 at end of day; or a file re-delivered) credits once.
 *
 * Order of checks (the first failure wins; each is a stable reason code):
 *   not a credit / not booked → skip (debits are payouts, reconciled elsewhere; PDNG waits for BOOK)
 *   WRONG_ACCOUNT      the statement is not for the collection IBAN
 *   REVERSAL           RvslInd=true: the bank reverses something, an operator looks
 *   PAYOUT_RETURN      BkTxCd …/RRTN: one of our payouts came back (EndToEndId = payout id in `detail`)
 *   WRONG_CURRENCY     entry not in AED
 *   BAD_AMOUNT         negative, > 2 decimals, zero, malformed, or batch parts not adding up
 *   MISSING_REFERENCE / MALFORMED_REFERENCE / BAD_CHECK_DIGIT / AMBIGUOUS_REFERENCE
 *   UNKNOWN_REFERENCE  valid check digits but no such customer
 *   KYC_NOT_APPROVED
 *   PAYER_IBAN_MISSING / IBAN_NOT_REGISTERED   payer IBAN absent or not one the customer verified
 *   PAYER_NAME_MISSING / NAME_MISMATCH         first-party rule (names.ts); UAE banks do not check it
 *   UNDER_MINIMUM / OVER_LIMIT
 */

export interface DirectoryCustomer {
  readonly customerId: string;
  readonly kycApproved: boolean;
  /** Latin-script legal name from KYC. */
  readonly kycName: string;
  /** IBANs (electronic format) the customer proved they own. */
  readonly verifiedIbans: readonly string[];
  /** Remaining deposit allowance today in fils, if the caller enforces a daily cap. */
  readonly depositFilsRemaining?: bigint;
}

/** Supplied by the caller (identity store); looked up by the electronic reference, e.g. "RP7K3M9Q2XJK". */
export interface CustomerDirectory {
  byReference(reference: string): DirectoryCustomer | undefined;
}

export interface DepositLimits {
  readonly depositFilsMin: bigint;
  readonly depositFilsMax: bigint;
}

export type SuspenseReason =
  | 'WRONG_ACCOUNT'
  | 'REVERSAL'
  | 'PAYOUT_RETURN'
  | 'WRONG_CURRENCY'
  | 'BAD_AMOUNT'
  | 'MISSING_REFERENCE'
  | 'MALFORMED_REFERENCE'
  | 'BAD_CHECK_DIGIT'
  | 'AMBIGUOUS_REFERENCE'
  | 'UNKNOWN_REFERENCE'
  | 'KYC_NOT_APPROVED'
  | 'PAYER_IBAN_MISSING'
  | 'IBAN_NOT_REGISTERED'
  | 'PAYER_NAME_MISSING'
  | 'NAME_MISMATCH'
  | 'UNDER_MINIMUM'
  | 'OVER_LIMIT'
  | 'NO_BANK_REFERENCE';

export type DepositDecision =
  | { kind: 'credit'; customerId: string; amountFils: bigint; idempotencyKey: string; reference: string; nameRule: 'exact' | 'subset' }
  | {
      kind: 'suspense';
      reason: SuspenseReason;
      idempotencyKey: string;
      /** Null when the amount itself could not be read. */
      amountFils: bigint | null;
      /** Known when the reference resolved, to help the operator. */
      customerId: string | undefined;
      detail: string;
    }
  | { kind: 'skip'; reason: 'DEBIT' | 'NOT_BOOKED'; idempotencyKey: string };

export interface DepositInput {
  readonly entry: CamtEntry;
  /** The account the statement/notification is for (CamtStatement.accountIban). */
  readonly statementAccountIban: string | undefined;
  readonly collectionIban: string;
  readonly directory: CustomerDirectory;
  readonly limits: DepositLimits;
  /** Refuse the composite key: entries without any AcctSvcrRef go to suspense (NO_BANK_REFERENCE). */
  readonly requireBankReference?: boolean;
}

/**
 * Idempotency key of a bank entry, stable between camt.054 and camt.053 of the same bank:
 *   1. `<collection IBAN>:acct:<TxDtls/Refs/AcctSvcrRef>`  a batch transaction's own bank reference;
 *   2. `<collection IBAN>:acct:<Ntry/AcctSvcrRef>`         single-transaction entry;
 *      `<collection IBAN>:acct:<Ntry/AcctSvcrRef>/<n>`     n-th transaction of a batch without its own reference;
 *   3. composite fallback when the bank gives no AcctSvcrRef at all:
 *      `<collection IBAN>:cmp:<booking date>|<C/D>|<amount in fils>|<EndToEndId>|<payer IBAN>|<remittance>|<n>`.
 * A bank that omits AcctSvcrRef in camt.054 but fills it in camt.053 would give one entry two
 * different keys: for such a bank set `requireBankReference` (entries without AcctSvcrRef go to
 * suspense as NO_BANK_REFERENCE) or feed only camt.053 to the deposit flow (docs/banking.md).
 * The composite can collide for two truly identical transfers on one day (same payer, amount,
 * reference): the second is then treated as a duplicate, i.e. NOT credited, and the daily
 * reconciliation (statement vs ledger) reports the gap. Losing a credit to review is chosen over
 * crediting twice. NtryRef is not used: it is unique only within one statement.
 */
export function entryIdempotencyKey(entry: CamtEntry, collectionIban: string): string {
  const prefix = `${collectionIban}:`;
  if (entry.txAccountServicerRef !== undefined) return `${prefix}acct:${entry.txAccountServicerRef}`;
  if (entry.entryAccountServicerRef !== undefined) {
    return entry.batch === undefined ? `${prefix}acct:${entry.entryAccountServicerRef}` : `${prefix}acct:${entry.entryAccountServicerRef}/${entry.batch.index}`;
  }
  const parts = [
    entry.bookingDate ?? '',
    entry.direction === 'credit' ? 'C' : entry.direction === 'debit' ? 'D' : '?',
    // Fils, not the text: one bank writes "5000.00" in the camt.054 and "5000" in the camt.053.
    entry.amountFils !== null ? String(entry.amountFils) : `?${entry.amountText ?? ''}`,
    entry.endToEndId ?? '',
    entry.debtorIban ?? '',
    [...entry.remittanceReferences, ...entry.remittanceUnstructured].join('/').slice(0, 140),
    String(entry.batch?.index ?? 0),
  ];
  return `${prefix}cmp:${parts.join('|')}`;
}

const AMOUNT_ISSUES = new Set(['AMOUNT_MISSING', 'AMOUNT_FORMAT', 'AMOUNT_NEGATIVE', 'AMOUNT_PRECISION', 'AMOUNT_ZERO', 'BATCH_SUM_MISMATCH', 'CDTDBT_INVALID']);

export function decideDeposit(input: DepositInput): DepositDecision {
  const { entry, directory, limits } = input;
  const collectionIban = normalizeIban(input.collectionIban);
  const idempotencyKey = entryIdempotencyKey(entry, collectionIban);
  const suspense = (reason: SuspenseReason, detail: string, customerId?: string): DepositDecision => ({
    kind: 'suspense',
    reason,
    idempotencyKey,
    amountFils: entry.amountFils,
    customerId,
    detail,
  });

  if (entry.direction === 'debit') return { kind: 'skip', reason: 'DEBIT', idempotencyKey };
  if (entry.status !== 'BOOK') return { kind: 'skip', reason: 'NOT_BOOKED', idempotencyKey };
  if (input.statementAccountIban === undefined || normalizeIban(input.statementAccountIban) !== collectionIban) return suspense('WRONG_ACCOUNT', `statement account ${input.statementAccountIban ?? '(none)'} is not the collection account`);
  if (input.requireBankReference === true && entry.txAccountServicerRef === undefined && entry.entryAccountServicerRef === undefined) {
    return suspense('NO_BANK_REFERENCE', 'the bank gave no AcctSvcrRef and the composite key is disabled');
  }
  if (entry.reversal) return suspense('REVERSAL', 'the bank marked this entry as a reversal');
  if (entry.bankTxCode?.endsWith('/RRTN') === true) return suspense('PAYOUT_RETURN', `returned payout ${entry.endToEndId ?? '(no EndToEndId)'}`);
  if (entry.issues.some((i) => i.code === 'WRONG_CURRENCY')) return suspense('WRONG_CURRENCY', `entry currency ${entry.currency ?? '(none)'} is not AED`);
  const amountIssue = entry.issues.find((i) => AMOUNT_ISSUES.has(i.code));
  if (amountIssue !== undefined || entry.amountFils === null || entry.direction === undefined) {
    return suspense('BAD_AMOUNT', amountIssue?.detail ?? 'amount or direction unreadable');
  }
  const amountFils = entry.amountFils;

  const found = findDepositReference([...entry.remittanceReferences, ...entry.remittanceUnstructured]);
  switch (found.kind) {
    case 'none':
      return suspense('MISSING_REFERENCE', 'no deposit reference in the remittance information');
    case 'malformed':
      return suspense('MALFORMED_REFERENCE', `reference-like text with the wrong length: ${found.candidate}`);
    case 'bad_check':
      return suspense('BAD_CHECK_DIGIT', `reference ${found.candidate} fails its check symbols (mistyped)`);
    case 'ambiguous':
      return suspense('AMBIGUOUS_REFERENCE', `several references: ${found.references.join(', ')}`);
    case 'found':
      break;
  }
  const customer = directory.byReference(found.reference);
  if (customer === undefined) return suspense('UNKNOWN_REFERENCE', `no customer has reference ${found.reference}`);
  const cid = customer.customerId;
  if (!customer.kycApproved) return suspense('KYC_NOT_APPROVED', 'customer KYC is not approved', cid);

  if (entry.debtorIban === undefined) return suspense('PAYER_IBAN_MISSING', 'the bank did not report the payer IBAN', cid);
  const payer = checkIban(entry.debtorIban);
  const payerIban = payer.ok ? payer.value.iban : entry.debtorIban;
  const verified = customer.verifiedIbans.map((i) => i.replace(/ /g, '').toUpperCase());
  if (!payer.ok || !verified.includes(payerIban)) return suspense('IBAN_NOT_REGISTERED', `payer IBAN ${payerIban} is not verified for this customer`, cid);

  if (entry.debtorName === undefined) return suspense('PAYER_NAME_MISSING', 'the bank did not report the payer name', cid);
  const names: NameMatch = matchNames(customer.kycName, entry.debtorName);
  if (!names.match) {
    return suspense('NAME_MISMATCH', `${names.reason}: missing [${names.missing.join(' ')}] extra [${names.extra.join(' ')}]`, cid);
  }

  if (amountFils < limits.depositFilsMin) return suspense('UNDER_MINIMUM', `below the minimum deposit of ${limits.depositFilsMin} fils`, cid);
  if (amountFils > limits.depositFilsMax) return suspense('OVER_LIMIT', `above the per-deposit maximum of ${limits.depositFilsMax} fils`, cid);
  if (customer.depositFilsRemaining !== undefined && amountFils > customer.depositFilsRemaining) {
    return suspense('OVER_LIMIT', `above the customer's remaining daily allowance of ${customer.depositFilsRemaining} fils`, cid);
  }
  return { kind: 'credit', customerId: cid, amountFils, idempotencyKey, reference: found.reference, nameRule: names.rule };
}
