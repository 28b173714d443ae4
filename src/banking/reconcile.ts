import type { CamtEntry, CamtStatement } from './camt.ts';
import { entryIdempotencyKey } from './deposits.ts';

/**
 * Daily reconciliation of the client-money (omnibus) bank account against the ledger — VARA's
 * "client fiat reconciled against bank statements daily". Pure: the caller supplies the parsed
 * camt.053, the ledger's omnibus balance at the statement's closing time, and the ledger's
 * bank-side transfers for the statement period. Every difference is listed; nothing is fixed here.
 *
 * Matching reference (the same scheme the ledger records):
 *   - debits carrying an EndToEndId (our payouts) → `payout:<EndToEndId>` (= payout id);
 *   - everything else → deposits.ts entryIdempotencyKey (the bank's AcctSvcrRef, or the composite).
 */

export interface LedgerBankTransfer {
  readonly reference: string;
  readonly amountFils: bigint;
  readonly direction: 'credit' | 'debit';
}

export interface ReconItem {
  readonly reference: string;
  readonly amountFils: bigint | null;
  readonly direction: 'credit' | 'debit' | undefined;
}

export interface ReconciliationReport {
  readonly ok: boolean;
  readonly statementId: string | undefined;
  readonly closingBalanceFils: bigint | undefined;
  readonly ledgerBalanceFils: bigint;
  /** statement closing − ledger omnibus; undefined when the statement has no readable closing balance. */
  readonly balanceDifferenceFils: bigint | undefined;
  /** opening + Σ booked entries − closing; 0 for a self-consistent statement. */
  readonly statementArithmeticDifferenceFils: bigint | undefined;
  readonly unmatchedStatementEntries: readonly ReconItem[];
  readonly unmatchedLedgerTransfers: readonly ReconItem[];
  readonly amountMismatches: readonly { reference: string; statementFils: bigint | null; ledgerFils: bigint; statementDirection: string | undefined; ledgerDirection: string }[];
  readonly duplicateStatementReferences: readonly string[];
  readonly duplicateLedgerReferences: readonly string[];
  /** Statement-level issues from the parser (wrong account, missing balances, …). */
  readonly statementIssues: readonly string[];
}

export function statementEntryReference(entry: CamtEntry, collectionIban: string): string {
  if (entry.direction === 'debit' && entry.endToEndId !== undefined) return `payout:${entry.endToEndId}`;
  return entryIdempotencyKey(entry, collectionIban);
}

const signed = (amount: bigint, direction: 'credit' | 'debit'): bigint => (direction === 'credit' ? amount : -amount);

export function reconcile(input: {
  statement: CamtStatement;
  collectionIban: string;
  ledgerBalanceFils: bigint;
  ledgerTransfers: readonly LedgerBankTransfer[];
}): ReconciliationReport {
  const { statement, collectionIban, ledgerBalanceFils, ledgerTransfers } = input;
  const booked = statement.entries.filter((e) => e.status === 'BOOK');

  const stmtByRef = new Map<string, CamtEntry>();
  const duplicateStatementReferences: string[] = [];
  for (const e of booked) {
    const ref = statementEntryReference(e, collectionIban);
    if (stmtByRef.has(ref)) duplicateStatementReferences.push(ref);
    else stmtByRef.set(ref, e);
  }
  const ledgerByRef = new Map<string, LedgerBankTransfer>();
  const duplicateLedgerReferences: string[] = [];
  for (const t of ledgerTransfers) {
    if (ledgerByRef.has(t.reference)) duplicateLedgerReferences.push(t.reference);
    else ledgerByRef.set(t.reference, t);
  }

  const unmatchedStatementEntries: ReconItem[] = [];
  const amountMismatches: ReconciliationReport['amountMismatches'][number][] = [];
  for (const [reference, e] of stmtByRef) {
    const t = ledgerByRef.get(reference);
    if (t === undefined) {
      unmatchedStatementEntries.push({ reference, amountFils: e.amountFils, direction: e.direction });
    } else if (e.amountFils !== t.amountFils || e.direction !== t.direction) {
      amountMismatches.push({ reference, statementFils: e.amountFils, ledgerFils: t.amountFils, statementDirection: e.direction, ledgerDirection: t.direction });
    }
  }
  const unmatchedLedgerTransfers: ReconItem[] = [];
  for (const [reference, t] of ledgerByRef) {
    if (!stmtByRef.has(reference)) unmatchedLedgerTransfers.push({ reference, amountFils: t.amountFils, direction: t.direction });
  }

  const closing = statement.closingBalanceFils;
  const balanceDifferenceFils = closing === undefined ? undefined : closing - ledgerBalanceFils;
  let statementArithmeticDifferenceFils: bigint | undefined;
  if (statement.openingBalanceFils !== undefined && closing !== undefined && booked.every((e) => e.amountFils !== null && e.direction !== undefined)) {
    const net = booked.reduce((n, e) => n + signed(e.amountFils!, e.direction!), 0n);
    statementArithmeticDifferenceFils = statement.openingBalanceFils + net - closing;
  }
  const statementIssues = statement.issues.map((i) => i.code);
  const ok =
    balanceDifferenceFils === 0n &&
    statementArithmeticDifferenceFils === 0n &&
    unmatchedStatementEntries.length === 0 &&
    unmatchedLedgerTransfers.length === 0 &&
    amountMismatches.length === 0 &&
    duplicateStatementReferences.length === 0 &&
    duplicateLedgerReferences.length === 0 &&
    statementIssues.length === 0;
  return {
    ok,
    statementId: statement.id,
    closingBalanceFils: closing,
    ledgerBalanceFils,
    balanceDifferenceFils,
    statementArithmeticDifferenceFils,
    unmatchedStatementEntries,
    unmatchedLedgerTransfers,
    amountMismatches,
    duplicateStatementReferences,
    duplicateLedgerReferences,
    statementIssues,
  };
}
