import type { InboundFile } from '../bankAdapter.ts';
import type { CamtEntry, CamtStatement } from '../camt.ts';
import { type DepositDecision, decideDeposit } from '../deposits.ts';
import { parseBankFile } from '../inbound.ts';
import { type RailsContext, serialized } from './context.ts';
import { BankRailsError } from './errors.ts';
import { compactBankRef } from './ledgerView.ts';
import { applyPaymentStatusReport, applyPayoutReturn, type StatusReportResult } from './payouts.ts';
import { parkInSuspense } from './suspense.ts';

/**
 * Imports what the bank dropped (camt.053, camt.054, pain.002) and applies it through the engine:
 *   camt credit decided `credit`   → deposit {source:'bank', ref: entry idempotency key}; the core's
 *                                    idempotency makes a re-delivered file, or the camt.053 repeating
 *                                    a camt.054, credit once;
 *   camt credit decided `suspense` → ledger.post bank_omnibus → suspense (ref `suspense:<key>`) and
 *                                    a suspense-queue item (suspense.ts); a returned payout of ours
 *                                    (…/RRTN) is re-credited instead when it can be placed (payouts.ts);
 *   pain.002                       → payout settle / cancel (payouts.ts);
 *   camt.053                       → additionally kept for reconciliation (reconcileRunner.ts).
 * A file is acknowledged to the adapter only after every submission for it is durable (the engine
 * resolves `submit` after the journal fsync). A crash before the acknowledgement re-delivers the
 * file, and re-applying it changes nothing. A file that can never be parsed is set aside with
 * `adapter.reject` (quarantine) and reported; one that fails for another reason (engine down) is
 * left in place and the error propagates.
 */

export interface ImportedFile {
  readonly id: string;
  readonly name: string;
  readonly kind: 'camt.053' | 'camt.054' | 'pain.002' | 'rejected';
  readonly rejectedReason?: string;
  entries: number;
  credited: number;
  /** Credits the core had already applied (repeat of an entry). */
  duplicates: number;
  suspense: number;
  payoutReturns: number;
  skipped: number;
  creditedFils: bigint;
  statuses?: StatusReportResult;
}

export interface ImportReport {
  readonly files: ImportedFile[];
}

/** Files handled per call: a backlog is worked through in bounded steps. */
export const IMPORT_FILES_MAX = 1_000;

export function importBankFiles(ctx: RailsContext, options: { filesMax?: number } = {}): Promise<ImportReport> {
  return serialized(ctx, () => importAll(ctx, options));
}

/** Applies one file without acknowledging it (the caller does, once this resolves). */
export function importBankFile(ctx: RailsContext, f: InboundFile): Promise<ImportedFile> {
  return serialized(ctx, () => importOne(ctx, f));
}

async function importAll(ctx: RailsContext, options: { filesMax?: number }): Promise<ImportReport> {
  const files = (await ctx.adapter.listInbound()).slice(0, Math.min(options.filesMax ?? IMPORT_FILES_MAX, IMPORT_FILES_MAX));
  const report: ImportReport = { files: [] };
  for (const f of files) {
    const r = await importOne(ctx, f);
    if (r.kind === 'rejected') await ctx.adapter.reject(f.id, r.rejectedReason ?? 'unreadable');
    else await ctx.adapter.acknowledge(f.id);
    report.files.push(r);
  }
  return report;
}

async function importOne(ctx: RailsContext, f: InboundFile): Promise<ImportedFile> {
  const out: ImportedFile = { id: f.id, name: f.name, kind: 'rejected', entries: 0, credited: 0, duplicates: 0, suspense: 0, payoutReturns: 0, skipped: 0, creditedFils: 0n };
  let parsed: ReturnType<typeof parseBankFile>;
  try {
    parsed = parseBankFile(f.content, { accountIban: ctx.config.collectionIban });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return { ...out, rejectedReason: typeof code === 'string' ? code : 'UNREADABLE' };
  }
  if (parsed.type === 'pain.002') {
    return { ...out, kind: 'pain.002', statuses: await applyPaymentStatusReport(ctx, parsed.report) };
  }
  const doc = parsed.doc;
  const result: ImportedFile = { ...out, kind: doc.kind };
  // Up to SUBMIT_WINDOW submissions in flight so the journal commits them in groups (one fsync per
  // group, not per entry). The engine applies them in call order; each continuation records its
  // outcome once durable. Payout returns read and write the payout record, so they run alone.
  const inflight: Promise<void>[] = [];
  const drain = async (): Promise<void> => {
    await Promise.all(inflight);
    inflight.length = 0;
  };
  for (const [i, s] of doc.statements.entries()) {
    for (const entry of s.entries) {
      const d = decide(ctx, s, entry);
      if (d.kind === 'suspense' && d.reason === 'PAYOUT_RETURN') {
        await drain();
        await applyEntry(ctx, d, entry, result);
        continue;
      }
      inflight.push(applyEntry(ctx, d, entry, result));
      if (inflight.length >= SUBMIT_WINDOW) await drain();
    }
    await drain();
    if (doc.kind === 'camt.053') keepStatement(ctx, f, doc.messageId, i, s);
  }
  return result;
}

/** Submissions in flight at once while importing one file. */
export const SUBMIT_WINDOW = 256;

function decide(ctx: RailsContext, s: CamtStatement, entry: CamtEntry): DepositDecision {
  return decideDeposit({
    entry,
    statementAccountIban: s.accountIban,
    collectionIban: ctx.config.collectionIban,
    directory: ctx.directory,
    limits: ctx.config.depositLimits,
    requireBankReference: ctx.config.requireBankReference === true,
  });
}

async function applyEntry(ctx: RailsContext, d: DepositDecision, entry: CamtEntry, out: ImportedFile): Promise<void> {
  out.entries++;
  if (d.kind === 'skip') {
    out.skipped++;
    return;
  }
  if (d.kind === 'credit') {
    const customer = ctx.directory.byReference(d.reference);
    if (customer === undefined || customer.customerId !== d.customerId) throw new BankRailsError('RAILS_DIRECTORY', 'the directory changed its answer during one decision', { reference: d.reference });
    const r = await ctx.engine.submit({ type: 'deposit', userId: customer.userId, asset: 'AED', amount: d.amountFils, source: 'bank', ref: compactBankRef(d.idempotencyKey) });
    if (r.ok) {
      if (r.duplicate === true) out.duplicates++;
      else {
        out.credited++;
        out.creditedFils += d.amountFils;
      }
      return;
    }
    // The core refused (e.g. the user is not open in the engine): the money is here, so it is parked.
    await parkInSuspense(ctx, entry, { reason: 'CREDIT_REFUSED', detail: `core refused the credit: ${r.error?.code ?? '?'}`, idempotencyKey: d.idempotencyKey, amountFils: d.amountFils, customerId: d.customerId });
    out.suspense++;
    return;
  }
  if (d.reason === 'PAYOUT_RETURN') {
    if (await applyPayoutReturn(ctx, entry, d.idempotencyKey)) {
      out.payoutReturns++;
      return;
    }
    await parkInSuspense(ctx, entry, { ...d, reason: 'PAYOUT_RETURN_UNMATCHED' });
    out.suspense++;
    return;
  }
  await parkInSuspense(ctx, entry, d);
  out.suspense++;
}

export interface StoredStatement {
  /** `<closing date>|<MsgId>|<index>`: sorts by business day. */
  readonly key: string;
  readonly fileName: string;
  readonly messageId: string | undefined;
  readonly statementIndex: number;
  readonly statementId: string | undefined;
  readonly closingDate: string | undefined;
  reconciled: boolean;
}

function keepStatement(ctx: RailsContext, f: InboundFile, messageId: string | undefined, index: number, s: CamtStatement): void {
  const key = `${s.closingBalanceDate ?? s.createdAt?.slice(0, 10) ?? '0000-00-00'}|${messageId ?? f.name}|${index}`;
  if (ctx.store.get<StoredStatement>('statement', key) !== undefined) return;
  const rec: StoredStatement = { key, fileName: f.name, messageId, statementIndex: index, statementId: s.id, closingDate: s.closingBalanceDate, reconciled: false };
  // The XML apart, so listing statements stays light.
  ctx.store.putMany([
    { kind: 'statementXml', id: key, value: f.content },
    { kind: 'statement', id: key, value: rec },
  ]);
}
