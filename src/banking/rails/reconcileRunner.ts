import type { CamtStatement } from '../camt.ts';
import { formatDecimalFixed } from '../../shared/decimal.ts';
import { parseBankFile } from '../inbound.ts';
import { type LedgerBankTransfer, type ReconciliationReport, reconcile, statementEntryReference } from '../reconcile.ts';
import { ledgerOmnibusFils, type RailsContext } from './context.ts';
import type { StoredStatement } from './depositPipeline.ts';
import { BankRailsError } from './errors.ts';
import { compactBankRef } from './ledgerView.ts';

/**
 * Daily and on-demand reconciliation of the omnibus bank account (VARA: client fiat reconciled
 * against bank statements daily). Bank side: a camt.053 kept by the import. Ledger side: the
 * engine's bank_omnibus balance (a debit-normal asset account, so the negative of the stored
 * balance) and every omnibus movement observed from engine results (ledgerView.ts), netted per
 * reference (a rejected return and its reversal cancel out) and not yet matched by an earlier
 * statement. The pure `reconcile` (src/banking/reconcile.ts) does the comparison.
 *
 * The balance comparison is against the ledger NOW unless `cutoffTs` is given (movements after it
 * are excluded from both the candidates and the balance); run it right after importing the
 * day's camt.053, or give the statement's cut-off.
 */

export interface BankReconciliation extends ReconciliationReport {
  /** Stored statement key `<closing date>|<MsgId>|<index>`, or undefined for a statement passed in directly. */
  readonly statementKey: string | undefined;
  readonly closingDate: string | undefined;
  /**
   * The part of balanceDifferenceFils that the listed items account for (statement-only entries
   * minus ledger-only movements plus amount mismatches), and what is left: a non-zero
   * `unexplainedDifferenceFils` means history the two sides do not share (e.g. an opening balance).
   */
  readonly explainedDifferenceFils: bigint;
  readonly unexplainedDifferenceFils: bigint | undefined;
  /** Matched references, for the audit trail. */
  readonly matchedCount: number;
}

const sign = (amount: bigint | null, direction: string | undefined): bigint => (amount === null ? 0n : direction === 'debit' ? -amount : amount);

/** Reconciles one parsed camt.053 statement against the ledger. Pure over the context's current state. */
export function reconcileStatement(ctx: RailsContext, statement: CamtStatement, options: { cutoffTs?: number; statementKey?: string } = {}): BankReconciliation {
  const iban = ctx.config.collectionIban;
  // Matched by an earlier statement (stored under the engine's compact form of the reference).
  const done = (compact: string): boolean => ctx.store.get('reconRef', compact) !== undefined;
  // The engine's refs are compacted (ledgerView.ts compactBankRef); map them back through this statement.
  const full = new Map<string, string>();
  for (const e of statement.entries) {
    const ref = statementEntryReference(e, iban);
    full.set(compactBankRef(ref), ref);
  }
  const net = new Map<string, bigint>();
  let afterCutoffFils = 0n;
  for (const m of ctx.view.movements()) {
    const signed = m.direction === 'credit' ? m.amountFils : -m.amountFils;
    if (options.cutoffTs !== undefined && m.ts > options.cutoffTs) {
      afterCutoffFils += signed;
      continue;
    }
    if (done(m.reference)) continue;
    const ref = full.get(m.reference) ?? m.reference;
    net.set(ref, (net.get(ref) ?? 0n) + signed);
  }
  const ledgerTransfers: LedgerBankTransfer[] = [];
  for (const [reference, n] of net) {
    if (n !== 0n) ledgerTransfers.push({ reference, amountFils: n > 0n ? n : -n, direction: n > 0n ? 'credit' : 'debit' });
  }
  const ledgerBalanceFils = ledgerOmnibusFils(ctx.engine) - afterCutoffFils;
  const r = reconcile({ statement, collectionIban: iban, ledgerBalanceFils, ledgerTransfers });
  let explained = 0n;
  for (const e of r.unmatchedStatementEntries) explained += sign(e.amountFils, e.direction);
  for (const t of r.unmatchedLedgerTransfers) explained -= sign(t.amountFils, t.direction);
  for (const m of r.amountMismatches) explained += sign(m.statementFils, m.statementDirection) - sign(m.ledgerFils, m.ledgerDirection);
  const unmatched = new Set(r.unmatchedStatementEntries.map((e) => e.reference));
  const matchedCount = statement.entries.filter((e) => e.status === 'BOOK' && !unmatched.has(statementEntryReference(e, iban))).length;
  return {
    ...r,
    statementKey: options.statementKey,
    closingDate: statement.closingBalanceDate,
    explainedDifferenceFils: explained,
    unexplainedDifferenceFils: r.balanceDifferenceFils === undefined ? undefined : r.balanceDifferenceFils - explained,
    matchedCount,
  };
}

function parseStored(ctx: RailsContext, s: StoredStatement): CamtStatement {
  const xml = ctx.store.get<string>('statementXml', s.key);
  if (xml === undefined) throw new BankRailsError('RECON_STATEMENT_UNREADABLE', 'stored statement text is missing', { key: s.key });
  const parsed = parseBankFile(xml, { accountIban: ctx.config.collectionIban });
  const st = parsed.type === 'camt' ? parsed.doc.statements[s.statementIndex] : undefined;
  if (st === undefined) throw new BankRailsError('RECON_STATEMENT_UNREADABLE', 'stored statement no longer parses', { key: s.key });
  return st;
}

/** On demand: reconciles a stored camt.053 (by key; default the newest). Changes nothing. */
export function reconcileBank(ctx: RailsContext, options: { statementKey?: string; cutoffTs?: number } = {}): BankReconciliation {
  const all = ctx.store.list<StoredStatement>('statement');
  const s = options.statementKey === undefined ? all[all.length - 1] : ctx.store.get<StoredStatement>('statement', options.statementKey);
  if (s === undefined) throw new BankRailsError('RECON_NO_STATEMENT', 'no camt.053 statement has been imported', { statementKey: options.statementKey });
  return reconcileStatement(ctx, parseStored(ctx, s), { statementKey: s.key, ...(options.cutoffTs === undefined ? {} : { cutoffTs: options.cutoffTs }) });
}

/**
 * The daily job: reconciles every imported camt.053 not yet reconciled, oldest first; stores each
 * report (kind 'recon', JSON as `reconciliationToJson`) and remembers the references it matched,
 * so the next day compares only what is still open. Returns the reports; alert when any `ok` is false.
 */
export function runDailyReconciliation(ctx: RailsContext): BankReconciliation[] {
  const reports: BankReconciliation[] = [];
  for (const s of ctx.store.list<StoredStatement>('statement')) {
    if (s.reconciled) continue;
    const statement = parseStored(ctx, s);
    const report = reconcileStatement(ctx, statement, { statementKey: s.key });
    const unmatched = new Set(report.unmatchedStatementEntries.map((e) => e.reference));
    const mismatched = new Set(report.amountMismatches.map((m) => m.reference));
    const matched = new Set<string>();
    for (const e of statement.entries) {
      const ref = statementEntryReference(e, ctx.config.collectionIban);
      if (e.status === 'BOOK' && !unmatched.has(ref) && !mismatched.has(ref)) matched.add(ref);
    }
    ctx.store.putMany([
      ...[...matched].map((reference) => ({ kind: 'reconRef' as const, id: compactBankRef(reference), value: { reference, statementKey: s.key } })),
      { kind: 'recon', id: s.key, value: reconciliationToJson(report) },
      { kind: 'statement', id: s.key, value: { ...s, reconciled: true } },
    ]);
    ctx.view.forget(new Set([...matched].map(compactBankRef)));
    reports.push(report);
  }
  return reports;
}

export function storedReconciliations(ctx: Pick<RailsContext, 'store'>): ReturnType<typeof reconciliationToJson>[] {
  return ctx.store.list('recon');
}

const fils = (v: bigint | null | undefined): string | null => (v === null || v === undefined ? null : v.toString());
const aed = (v: bigint | null | undefined): string | null => (v === null || v === undefined ? null : formatDecimalFixed(v, 2));

/**
 * The JSON shape for `rampart bank reconcile --json` and the admin API: every amount twice, as
 * integer fils in a string (`…Fils`) and as an AED decimal string (`…Aed`); no floats.
 */
export function reconciliationToJson(r: BankReconciliation) {
  const item = (i: { reference: string; amountFils: bigint | null; direction: string | undefined }) => ({ reference: i.reference, direction: i.direction ?? null, amountFils: fils(i.amountFils), amountAed: aed(i.amountFils) });
  return {
    ok: r.ok,
    statementKey: r.statementKey ?? null,
    statementId: r.statementId ?? null,
    closingDate: r.closingDate ?? null,
    closingBalanceFils: fils(r.closingBalanceFils),
    closingBalanceAed: aed(r.closingBalanceFils),
    ledgerBalanceFils: fils(r.ledgerBalanceFils),
    ledgerBalanceAed: aed(r.ledgerBalanceFils),
    balanceDifferenceFils: fils(r.balanceDifferenceFils),
    explainedDifferenceFils: fils(r.explainedDifferenceFils),
    unexplainedDifferenceFils: fils(r.unexplainedDifferenceFils),
    statementArithmeticDifferenceFils: fils(r.statementArithmeticDifferenceFils),
    matchedCount: r.matchedCount,
    unmatchedStatementEntries: r.unmatchedStatementEntries.map(item),
    unmatchedLedgerTransfers: r.unmatchedLedgerTransfers.map(item),
    amountMismatches: r.amountMismatches.map((m) => ({ reference: m.reference, statementFils: fils(m.statementFils), ledgerFils: fils(m.ledgerFils), statementDirection: m.statementDirection ?? null, ledgerDirection: m.ledgerDirection })),
    duplicateStatementReferences: [...r.duplicateStatementReferences],
    duplicateLedgerReferences: [...r.duplicateLedgerReferences],
    statementIssues: [...r.statementIssues],
  };
}
