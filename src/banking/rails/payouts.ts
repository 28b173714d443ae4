import type { Command } from '../../core/commands.ts';
import { assert } from '../../shared/assert.ts';
import type { CommandResult } from '../../core/events.ts';
import type { CamtEntry } from '../camt.ts';
import { checkIban } from '../iban.ts';
import { PAIN001_TXS_MAX, type Payout, toSwiftText } from '../pain001.ts';
import { type Pain002Report, type PaymentOutcome, paymentOutcome } from '../pain002.ts';
import { availableOf, DEFAULT_PAYOUT_RAILS, OMNIBUS, type RailsContext, railsPain001, serialized, shortId } from './context.ts';
import { BankRailsError } from './errors.ts';
import { bankMemo } from './ledgerView.ts';
import { put, STORE_LIST_MAX } from './store.ts';
import { applySuspenseReturnStatus, SUSPENSE_RETURN_PREFIX } from './suspense.ts';

/**
 * AED withdrawals paid by bank transfer to the customer's own verified UAE IBAN.
 *
 * Life of a payout: the customer asks (the API submits withdrawal.request with `aedWithdrawalTerms`:
 * the bare IBAN and the rail's flat fee); the core's controls and staff authorise it (withdrawal.authorize, not
 * here); the authorised withdrawal is queued (engine.onResult, plus a scan of the core at every
 * run so nothing is missed across restarts); `sendPayouts` writes queued payouts into a pain.001
 * — the batch assignment is stored durably BEFORE the file is handed to the bank, so a crash in
 * between re-offers the same bytes under the same name (the adapter ignores it) and a payout is
 * in at most one file; the bank's pain.002 settles (withdrawal.settle, txRef = EndToEndId) or
 * rejects it (withdrawal.cancel: the hold goes back to available exactly once, because the core
 * forgets a cancelled withdrawal and refuses a second cancel). A payout that the beneficiary bank
 * later returns (camt credit, BkTxCd …/RRTN, EndToEndId = ours) is re-credited once with
 * ledger.post bank_omnibus → user available, ref `payout-return:<EndToEndId>`.
 */

export type PayoutState = 'queued' | 'invalid' | 'batched' | 'settled' | 'rejected' | 'cancelled' | 'returned' | 'conflict';

export interface PayoutRecord {
  readonly withdrawalId: string;
  /** pain.001 EndToEndId and InstrId; the store key. */
  readonly endToEndId: string;
  readonly userId: number;
  readonly amountFils: bigint;
  readonly feeFils: bigint;
  readonly rail: string;
  readonly creditorIban: string;
  readonly creditorName: string;
  state: PayoutState;
  batchId?: string;
  /** Why it is invalid / rejected / in conflict (ISO reason code or our code). */
  note?: string;
  returnedFils?: bigint;
  /** The bank entry the return came in (a second, different entry for the same payout goes to suspense). */
  returnedEntryKey?: string;
}

export interface PayoutBatch {
  readonly batchId: string;
  readonly fileName: string;
  readonly xml: string;
  readonly endToEndIds: readonly string[];
  state: 'assigned' | 'sent';
}

const SAFE_ID = /^[A-Za-z0-9-]{1,35}$/;

/** EndToEndId of a withdrawal: the id itself when it fits ISO Max35Text in the SWIFT set, else a digest. */
export function payoutEndToEndId(withdrawalId: string): string {
  if (SAFE_ID.test(withdrawalId) && !withdrawalId.startsWith(SUSPENSE_RETURN_PREFIX)) return withdrawalId;
  return `RPW-${shortId(withdrawalId)}`;
}

/** Destination format of AED withdrawals: `<RAIL>:<IBAN>` (or a bare IBAN on the default rail). */
export function parseAedDestination(ctx: Pick<RailsContext, 'config'>, destination: string): { rail: string; iban: string } | undefined {
  const rails = ctx.config.payoutRails ?? DEFAULT_PAYOUT_RAILS;
  const m = /^(?:([A-Z][A-Z0-9]{1,15}):)?([A-Z0-9]{15,34})$/.exec(destination);
  if (m === null) return undefined;
  const rail = m[1] ?? Object.keys(rails)[0]!;
  if (rails[rail] === undefined) return undefined;
  const iban = checkIban(m[2]);
  return iban.ok ? { rail, iban: iban.value.iban } : undefined;
}

export function payoutFeeFils(ctx: Pick<RailsContext, 'config'>, rail?: string): bigint {
  const rails = ctx.config.payoutRails ?? DEFAULT_PAYOUT_RAILS;
  const r = rails[rail ?? Object.keys(rails)[0]!];
  if (r === undefined) throw new BankRailsError('PAYOUT_RAIL_UNKNOWN', 'no such payout rail', { rail });
  return r.feeFils;
}

/**
 * Terms of an AED withdrawal, for the API building its `withdrawal.request` (which also carries the
 * confirmations only the API can attest): the destination is the bare IBAN (the core's address
 * book holds IBANs the bank side verified as the customer's own), the fee is the rail's flat fee.
 * Refuses anything but a verified UAE IBAN of a KYC-approved customer (first-party payouts only).
 */
export function aedWithdrawalTerms(ctx: Pick<RailsContext, 'config' | 'directory'>, req: { userId: number; iban: string; rail?: string }): { destination: string; fee: bigint; rail: string } {
  const rails = ctx.config.payoutRails ?? DEFAULT_PAYOUT_RAILS;
  const rail = req.rail ?? Object.keys(rails)[0]!;
  const fee = payoutFeeFils(ctx, rail);
  const problem = destinationProblem(ctx, req.userId, req.iban);
  if (problem !== undefined) throw new BankRailsError(problem, 'the destination is not a verified UAE IBAN of this customer', { userId: req.userId });
  const iban = checkIban(req.iban);
  assert(iban.ok, 'checked above');
  return { destination: iban.value.iban, fee, rail };
}

/** Why a payout may not go to this IBAN, or undefined. First-party only: the customer's own verified UAE account. */
function destinationProblem(ctx: Pick<RailsContext, 'directory'>, userId: number, ibanText: string): string | undefined {
  const c = ctx.directory.byUserId(userId);
  if (c === undefined) return 'PAYOUT_CUSTOMER_UNKNOWN';
  if (!c.kycApproved) return 'PAYOUT_KYC_NOT_APPROVED';
  const iban = checkIban(ibanText);
  if (!iban.ok || iban.value.country !== 'AE') return 'PAYOUT_IBAN_NOT_UAE';
  if (!c.verifiedIbans.map((i) => i.replace(/ /g, '').toUpperCase()).includes(iban.value.iban)) return 'PAYOUT_IBAN_NOT_VERIFIED';
  if (toSwiftText(c.kycName, 140) === undefined) return 'PAYOUT_NAME_NOT_LATIN';
  return undefined;
}

/**
 * Records an authorised AED withdrawal as a payout (idempotent). Called from the engine listener
 * and from the catch-up scan; an invalid destination is marked and cancelled by `sendPayouts`.
 */
export function queuePayout(ctx: RailsContext, withdrawalId: string): PayoutRecord | undefined {
  const w = ctx.engine.core.withdrawals.get(withdrawalId);
  if (w === undefined || w.asset !== 'AED' || w.state !== 'authorized') return undefined;
  const e2e = payoutEndToEndId(withdrawalId);
  const existing = ctx.store.get<PayoutRecord>('payout', e2e);
  if (existing !== undefined) return existing;
  const dest = parseAedDestination(ctx, w.destination);
  const customer = ctx.directory.byUserId(w.userId);
  const problem = dest === undefined ? 'PAYOUT_DESTINATION_FORMAT' : destinationProblem(ctx, w.userId, dest.iban);
  const rec: PayoutRecord = {
    withdrawalId,
    endToEndId: e2e,
    userId: w.userId,
    amountFils: w.amount,
    feeFils: w.fee,
    rail: dest?.rail ?? '',
    creditorIban: dest?.iban ?? '',
    creditorName: (customer === undefined ? undefined : toSwiftText(customer.kycName, 140)) ?? '',
    state: problem === undefined ? 'queued' : 'invalid',
    ...(problem === undefined ? {} : { note: problem }),
  };
  // The queue index keeps `sendPayouts` proportional to what waits, not to the payout history.
  ctx.store.putMany([
    { kind: 'payout', id: e2e, value: rec },
    { kind: 'payoutQueue', id: e2e, value: { endToEndId: e2e } },
  ]);
  return rec;
}

/** Engine listener: queues every AED withdrawal as it is authorised (after durability). */
export function payoutListener(ctx: RailsContext): (cmd: Command, result: CommandResult) => void {
  return (_cmd, result) => {
    for (const e of result.events) if (e.type === 'withdrawal.authorized') queuePayout(ctx, e.withdrawalId);
  };
}

export interface PayoutRunReport {
  readonly filesSent: string[];
  readonly filesResent: string[];
  readonly payoutsBatched: number;
  readonly cancelledInvalid: string[];
}

/**
 * Writes queued payouts to pain.001 files and hands them to the bank. Order per file: (1) store
 * the batch and every payout's assignment in one transaction, (2) submit the file, (3) mark the
 * batch sent. Batches left `assigned` by a crash are re-submitted first with identical bytes.
 */
export function sendPayouts(ctx: RailsContext): Promise<PayoutRunReport> {
  return serialized(ctx, () => send(ctx));
}

async function send(ctx: RailsContext): Promise<PayoutRunReport> {
  const report = { filesSent: [] as string[], filesResent: [] as string[], payoutsBatched: 0, cancelledInvalid: [] as string[] };
  for (const b of ctx.store.list<PayoutBatch>('batch')) {
    if (b.state !== 'assigned') continue;
    await ctx.adapter.submitPaymentFile(b.fileName, b.xml);
    b.state = 'sent';
    put(ctx.store, 'batch', b.batchId, b);
    report.filesResent.push(b.fileName);
  }
  // Catch-up: authorisations the listener did not see (before a restart).
  for (const w of ctx.engine.core.withdrawals.values()) if (w.asset === 'AED' && w.state === 'authorized') queuePayout(ctx, w.id);

  const waiting = (): PayoutRecord[] =>
    ctx.store
      .list<{ endToEndId: string }>('payoutQueue')
      .map((q) => ctx.store.get<PayoutRecord>('payout', q.endToEndId))
      .filter((p): p is PayoutRecord => p !== undefined);
  const dequeue = (p: PayoutRecord, value: PayoutRecord) => [
    { kind: 'payout' as const, id: p.endToEndId, value },
    { kind: 'payoutQueue' as const, id: p.endToEndId, value: undefined },
  ];
  for (const p of waiting()) {
    if (p.state !== 'invalid') continue;
    const r = await ctx.engine.submit({ type: 'withdrawal.cancel', withdrawalId: p.withdrawalId, reason: p.note ?? 'PAYOUT_INVALID', payoutFailed: true });
    if (r.ok || r.error?.code === 'UNKNOWN_HOLD') {
      ctx.store.putMany(dequeue(p, { ...p, state: 'cancelled' }));
      report.cancelledInvalid.push(p.withdrawalId);
    }
  }
  const max = Math.min(ctx.config.payoutBatchMax ?? 1000, PAIN001_TXS_MAX);
  // Bounded: each pass assigns up to `max` payouts or stops; the queue holds at most STORE_LIST_MAX.
  for (let pass = 0; pass <= Math.ceil(STORE_LIST_MAX / max); pass++) {
    // Read fresh and assign with no await in between: nothing else can take these payouts.
    const chunk: PayoutRecord[] = [];
    for (const p of waiting()) {
      if (p.state !== 'queued') {
        if (p.state !== 'invalid') ctx.store.putMany(dequeue(p, p));
        continue;
      }
      const w = ctx.engine.core.withdrawals.get(p.withdrawalId);
      if (w === undefined || w.state !== 'authorized') {
        // Cancelled by someone else (staff, risk) before it was written to a file.
        ctx.store.putMany(dequeue(p, { ...p, state: 'cancelled', note: 'WITHDRAWAL_GONE_BEFORE_BATCH' }));
        continue;
      }
      chunk.push(p);
      if (chunk.length >= max) break;
    }
    if (chunk.length === 0) break;
    const ids = chunk.map((p) => p.endToEndId);
    const batchId = `RPPO-${shortId(ids.join(','))}`;
    const createdAt = ctx.now();
    const file = railsPain001(ctx, batchId, createdAt, chunk.map((p): Payout => ({ payoutId: p.endToEndId, creditorName: p.creditorName, creditorIban: p.creditorIban, amountFils: p.amountFils, remittance: `RAMPART WITHDRAWAL ${p.endToEndId}` })));
    const batch: PayoutBatch = { batchId, fileName: `pain001-${batchId}.xml`, xml: file.xml, endToEndIds: ids, state: 'assigned' };
    assert(ctx.store.get('batch', batchId) === undefined, 'a payout batch id repeats', { batchId });
    ctx.store.putMany([
      { kind: 'batch', id: batchId, value: batch },
      ...chunk.flatMap((p) => dequeue(p, { ...p, state: 'batched', batchId })),
    ]);
    await ctx.adapter.submitPaymentFile(batch.fileName, batch.xml);
    batch.state = 'sent';
    put(ctx.store, 'batch', batchId, batch);
    report.filesSent.push(batch.fileName);
    report.payoutsBatched += chunk.length;
  }
  return report;
}

export interface StatusReportResult {
  settled: number;
  rejected: number;
  pending: number;
  /** Lines already applied earlier (a re-delivered or repeated pain.002). */
  repeats: number;
  /** EndToEndIds we do not know or whose status contradicts an earlier final one: for an operator. */
  anomalies: string[];
}

/** Applies a pain.002: per line, or to every payment of the original file on a group RJCT without lines. */
export async function applyPaymentStatusReport(ctx: RailsContext, report: Pain002Report): Promise<StatusReportResult> {
  const out: StatusReportResult = { settled: 0, rejected: 0, pending: 0, repeats: 0, anomalies: [] };
  let lines: { endToEndId: string; outcome: PaymentOutcome; reason: string | undefined }[] = report.payments.map((l) => ({
    endToEndId: l.endToEndId,
    // An unknown status is never taken as settled (pain002.ts).
    outcome: l.status === 'UNKNOWN' ? 'pending' : paymentOutcome(l.status),
    reason: l.reasonCode,
  }));
  if (lines.length === 0 && report.groupStatus !== undefined && report.groupStatus !== 'UNKNOWN' && paymentOutcome(report.groupStatus) === 'rejected') {
    const batch = ctx.store.get<PayoutBatch>('batch', report.originalMessageId);
    const ids = batch?.endToEndIds ?? (report.originalMessageId.startsWith(SUSPENSE_RETURN_PREFIX) ? [report.originalMessageId] : []);
    lines = ids.map((endToEndId) => ({ endToEndId, outcome: 'rejected', reason: report.groupReasonCode }));
  }
  for (const l of lines) {
    if (l.endToEndId.startsWith(SUSPENSE_RETURN_PREFIX)) {
      const s = await applySuspenseReturnStatus(ctx, l.endToEndId, l.outcome, l.reason);
      if (s === 'unknown') {
        anomaly(ctx, report, l.endToEndId, `status ${l.outcome} for an unknown or unsent suspense return`);
        out.anomalies.push(l.endToEndId);
      }
      else if (s === 'repeat') out.repeats++;
      else out[s]++;
      continue;
    }
    const p = ctx.store.get<PayoutRecord>('payout', l.endToEndId);
    if (p === undefined) {
      anomaly(ctx, report, l.endToEndId, `status ${l.outcome} for an unknown payment`);
      out.anomalies.push(l.endToEndId);
      continue;
    }
    if (l.outcome === 'pending') {
      out.pending++;
      continue;
    }
    const final = l.outcome === 'settled' ? ['settled', 'returned'] : ['rejected'];
    if (final.includes(p.state)) {
      out.repeats++;
      continue;
    }
    if (p.state !== 'batched') {
      // e.g. ACSC after RJCT: the bank contradicts itself. Nothing is moved; an operator decides.
      out.anomalies.push(l.endToEndId);
      anomaly(ctx, report, l.endToEndId, `status ${l.outcome} while the payout is ${p.state}`);
      if (p.state !== 'conflict') {
        p.note = `status ${l.outcome} while ${p.state}`;
        p.state = 'conflict';
        put(ctx.store, 'payout', p.endToEndId, p);
      }
      continue;
    }
    if (l.outcome === 'settled') {
      const r = await ctx.engine.submit({ type: 'withdrawal.settle', withdrawalId: p.withdrawalId, txRef: p.endToEndId });
      if (!r.ok) {
        // The bank paid but the core refused (e.g. custody short): kept visible, never retried blindly.
        p.state = 'conflict';
        p.note = `settle refused: ${r.error?.code ?? '?'}`;
        put(ctx.store, 'payout', p.endToEndId, p);
        out.anomalies.push(l.endToEndId);
        continue;
      }
      p.state = 'settled';
      out.settled++;
    } else {
      const r = await ctx.engine.submit({ type: 'withdrawal.cancel', withdrawalId: p.withdrawalId, reason: `bank rejected ${l.reason ?? ''}`.trim(), payoutFailed: true });
      // UNKNOWN_HOLD: cancelled before a crash, the store update was lost; the core already released the funds once.
      if (!r.ok && r.error?.code !== 'UNKNOWN_HOLD') {
        p.state = 'conflict';
        p.note = `cancel refused: ${r.error?.code ?? '?'}`;
        put(ctx.store, 'payout', p.endToEndId, p);
        out.anomalies.push(l.endToEndId);
        continue;
      }
      p.state = 'rejected';
      p.note = l.reason ?? 'RJCT';
      out.rejected++;
    }
    put(ctx.store, 'payout', p.endToEndId, p);
  }
  return out;
}

export interface PaymentAnomaly {
  readonly reportMessageId: string;
  readonly endToEndId: string;
  readonly detail: string;
}

/** Kept in the store (kind 'anomaly') so an operator sees it after the pain.002 was acknowledged. */
function anomaly(ctx: RailsContext, report: Pain002Report, endToEndId: string, detail: string): void {
  const a: PaymentAnomaly = { reportMessageId: report.messageId, endToEndId, detail };
  put(ctx.store, 'anomaly', `${report.messageId.slice(0, 100)}|${endToEndId.slice(0, 100)}`, a);
}

/** Payment statuses Rampart could not apply (unknown EndToEndId, contradicting a final status). */
export function listPaymentAnomalies(ctx: Pick<RailsContext, 'store'>): PaymentAnomaly[] {
  return ctx.store.list<PaymentAnomaly>('anomaly');
}

/**
 * A returned payout (camt credit …/RRTN carrying our EndToEndId). Re-credits the customer once
 * (ref `payout-return:<e2e>`) when the payout settled and the returned amount is positive and no
 * more than what was paid (the beneficiary bank may deduct charges). Returns false when it cannot
 * be placed: the caller parks the entry in suspense.
 */
export async function applyPayoutReturn(ctx: RailsContext, entry: CamtEntry, entryKey: string): Promise<boolean> {
  const e2e = entry.endToEndId;
  if (e2e === undefined || entry.amountFils === null) return false;
  const p = ctx.store.get<PayoutRecord>('payout', e2e);
  if (p === undefined || (p.state !== 'settled' && p.state !== 'returned')) return false;
  if (entry.amountFils <= 0n || entry.amountFils > p.amountFils) return false;
  if (p.state === 'returned' && p.returnedEntryKey !== entryKey) return false;
  const r = await ctx.engine.submit({
    type: 'ledger.post',
    ref: `payout-return:${e2e}`,
    memo: bankMemo(entryKey, `payout ${e2e} returned by the beneficiary bank`),
    transfers: [{ debit: OMNIBUS, credit: availableOf(p.userId), amount: entry.amountFils }],
  });
  if (!r.ok) throw new BankRailsError('RAILS_ENGINE_REFUSED', 'the core refused the payout return credit', { e2e, code: r.error?.code });
  if (p.state !== 'returned') {
    p.state = 'returned';
    p.returnedFils = entry.amountFils;
    p.returnedEntryKey = entryKey;
    put(ctx.store, 'payout', p.endToEndId, p);
  }
  return true;
}
