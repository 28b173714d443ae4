import type { CamtEntry } from '../camt.ts';
import type { SuspenseReason } from '../deposits.ts';
import { checkIban } from '../iban.ts';
import { toSwiftText } from '../pain001.ts';
import type { PaymentOutcome } from '../pain002.ts';
import { availableOf, OMNIBUS, type RailsContext, SUSPENSE, railsPain001, serialized, shortId } from './context.ts';
import { BankRailsError } from './errors.ts';
import { bankMemo, compactBankRef } from './ledgerView.ts';
import { put } from './store.ts';

/**
 * The compliance suspense queue: bank credits Rampart received but could not attribute to a
 * customer under the first-party rule (deposits.ts reasons, e.g. a third-party payer or a mistyped
 * reference). On arrival the money moves bank_omnibus → suspense (a liability: it is owed to
 * someone, just not yet to a known customer); staff then either match it to a customer
 * (suspense → that customer's available) or return it to the payer's IBAN (suspense →
 * bank_omnibus plus a pain.001 back to the debtor). VARA and the CBUAE expect unattributed client
 * money to be resolved, not held indefinitely; the queue is what an operator works through.
 *
 * Every action is idempotent: it records its intent first, then submits a ledger.post whose `ref`
 * the core deduplicates, then marks the item done; repeating an action (or resuming after a
 * crash) repeats the same post (a no-op) and, for a return, re-offers the same pain.001 under the
 * same file name (the adapter ignores an identical resubmission).
 */

/** Deposit reasons plus the rails' own: the core refused the credit, or a payout return we cannot place. */
export type SuspenseItemReason = SuspenseReason | 'CREDIT_REFUSED' | 'PAYOUT_RETURN_UNMATCHED';

export type SuspenseState = 'open' | 'matching' | 'matched' | 'returning' | 'returned' | 'return_settled' | 'return_rejected';

export interface SuspenseItem {
  /** Deterministic from the entry key: the same bank entry always gives the same item. */
  readonly id: string;
  readonly entryKey: string;
  readonly reason: SuspenseItemReason;
  readonly detail: string;
  /** Null when the amount could not be read (the item is then not posted: an operator reads the file). */
  readonly amountFils: bigint | null;
  readonly payerName: string | undefined;
  readonly payerIban: string | undefined;
  /** Remittance information as the payer wrote it (the mistyped reference, …). */
  readonly remittance: readonly string[];
  readonly bankReference: string | undefined;
  readonly bookingDate: string | undefined;
  /** When the reference resolved to a customer (e.g. NAME_MISMATCH), to help the operator. */
  readonly customerId: string | undefined;
  /** Whether bank_omnibus → suspense was posted (false for unreadable amounts and other accounts' statements). */
  readonly posted: boolean;
  state: SuspenseState;
  match?: { userId: number; staffId: string };
  return?: { staffId: string; endToEndId: string; fileName: string; xml: string; statusReason?: string };
}

export const suspenseItemId = (entryKey: string): string => shortId(`suspense:${entryKey}`);
/** EndToEndId (and MsgId) of the pain.001 returning an item: recognisable in pain.002 and camt.053. */
export const SUSPENSE_RETURN_PREFIX = 'RPSR-';
export const suspenseReturnEndToEndId = (itemId: string): string => `${SUSPENSE_RETURN_PREFIX}${itemId}`;

/**
 * Parks one bank entry: posts bank_omnibus → suspense (ref `suspense:<entry key>`) and records the
 * item once the post is durable. Re-imports find both already there and change nothing.
 */
export async function parkInSuspense(
  ctx: RailsContext,
  entry: CamtEntry,
  d: { reason: SuspenseItemReason; detail: string; idempotencyKey: string; amountFils: bigint | null; customerId: string | undefined },
): Promise<SuspenseItem> {
  const id = suspenseItemId(d.idempotencyKey);
  const existing = ctx.store.get<SuspenseItem>('suspense', id);
  // WRONG_ACCOUNT: the money is on another account, not in our omnibus; nothing to post.
  const postable = d.amountFils !== null && d.amountFils > 0n && d.reason !== 'WRONG_ACCOUNT';
  if (postable) {
    const r = await ctx.engine.submit({
      type: 'ledger.post',
      ref: `suspense:${compactBankRef(d.idempotencyKey)}`,
      memo: bankMemo(d.idempotencyKey, `suspense ${d.reason}`),
      transfers: [{ debit: OMNIBUS, credit: SUSPENSE, amount: d.amountFils! }],
    });
    if (!r.ok) throw new BankRailsError('RAILS_ENGINE_REFUSED', 'the core refused the suspense posting', { code: r.error?.code, id });
  }
  if (existing !== undefined) return existing;
  const item: SuspenseItem = {
    id,
    entryKey: d.idempotencyKey,
    reason: d.reason,
    detail: d.detail.slice(0, 500),
    amountFils: d.amountFils,
    payerName: entry.debtorName,
    payerIban: entry.debtorIban,
    remittance: [...entry.remittanceReferences, ...entry.remittanceUnstructured].slice(0, 10),
    bankReference: entry.txAccountServicerRef ?? entry.entryAccountServicerRef,
    bookingDate: entry.bookingDate,
    customerId: d.customerId,
    posted: postable,
    state: 'open',
  };
  put(ctx.store, 'suspense', id, item);
  return item;
}

export function listSuspense(ctx: Pick<RailsContext, 'store'>, filter: { state?: SuspenseState } = {}): SuspenseItem[] {
  const all = ctx.store.list<SuspenseItem>('suspense');
  return filter.state === undefined ? all : all.filter((i) => i.state === filter.state);
}

function load(ctx: RailsContext, itemId: string): SuspenseItem {
  const item = typeof itemId === 'string' ? ctx.store.get<SuspenseItem>('suspense', itemId) : undefined;
  if (item === undefined) throw new BankRailsError('SUSPENSE_UNKNOWN', 'no such suspense item', { itemId: String(itemId).slice(0, 64) });
  if (!item.posted || item.amountFils === null) throw new BankRailsError('SUSPENSE_NOT_POSTED', 'this item was never posted to suspense (unreadable amount or another account): resolve it manually', { itemId });
  return item;
}

function checkStaff(staffId: string): void {
  if (typeof staffId !== 'string' || staffId.length === 0 || staffId.length > 64) throw new BankRailsError('SUSPENSE_STAFF', 'staffId must be 1..64 characters');
}

/** Credits the item to a customer's available AED (ref `suspense-match:<id>`). Same call again: same result. */
export function matchToCustomer(ctx: RailsContext, itemId: string, userId: number, staffId: string): Promise<SuspenseItem> {
  return serialized(ctx, () => match(ctx, itemId, userId, staffId));
}

async function match(ctx: RailsContext, itemId: string, userId: number, staffId: string): Promise<SuspenseItem> {
  checkStaff(staffId);
  const item = load(ctx, itemId);
  if (!Number.isSafeInteger(userId) || userId <= 0) throw new BankRailsError('SUSPENSE_USER', 'userId must be a positive integer');
  if (item.state === 'matched' && item.match?.userId === userId) return item;
  const resuming = item.state === 'matching' && item.match?.userId === userId;
  if (item.state !== 'open' && !resuming) throw new BankRailsError('SUSPENSE_ALREADY_RESOLVED', 'the item is already being resolved differently', { itemId, state: item.state });
  item.state = 'matching';
  item.match = { userId, staffId };
  put(ctx.store, 'suspense', item.id, item);
  const r = await ctx.engine.submit({
    type: 'ledger.post',
    ref: `suspense-match:${item.id}`,
    memo: `suspense matched to user ${userId} by ${staffId}`,
    transfers: [{ debit: SUSPENSE, credit: availableOf(userId), amount: item.amountFils! }],
  });
  if (!r.ok) {
    // Nothing moved: the intent is withdrawn so another decision stays possible.
    item.state = 'open';
    delete item.match;
    put(ctx.store, 'suspense', item.id, item);
    throw new BankRailsError('SUSPENSE_ENGINE_REFUSED', 'the core refused the match', { itemId, code: r.error?.code });
  }
  item.state = 'matched';
  put(ctx.store, 'suspense', item.id, item);
  return item;
}

/**
 * Sends the money back to the payer's IBAN: suspense → bank_omnibus (ref `suspense-return:<id>`,
 * memo naming `payout:<EndToEndId>` for reconciliation) and a one-payment pain.001 with
 * EndToEndId `RPSR-<id>`. The full amount is returned (charges SHAR: the bank may deduct its fee).
 */
export function returnToSender(ctx: RailsContext, itemId: string, staffId: string): Promise<SuspenseItem> {
  return serialized(ctx, () => returnItem(ctx, itemId, staffId));
}

async function returnItem(ctx: RailsContext, itemId: string, staffId: string): Promise<SuspenseItem> {
  checkStaff(staffId);
  const item = load(ctx, itemId);
  if ((item.state === 'returned' || item.state === 'return_settled') && item.return !== undefined) return item;
  if (item.state !== 'open' && item.state !== 'returning') throw new BankRailsError('SUSPENSE_ALREADY_RESOLVED', 'the item is already being resolved differently', { itemId, state: item.state });
  if (item.state === 'open') {
    const iban = item.payerIban === undefined ? undefined : checkIban(item.payerIban);
    if (iban === undefined || !iban.ok) throw new BankRailsError('SUSPENSE_NO_PAYER_IBAN', 'the bank reported no valid payer IBAN: return it manually', { itemId });
    const e2e = suspenseReturnEndToEndId(item.id);
    const createdAt = ctx.now();
    const file = railsPain001(ctx, e2e, createdAt, [
      {
        payoutId: e2e,
        creditorName: toSwiftText(item.payerName ?? '', 140) ?? 'UNKNOWN PAYER',
        creditorIban: iban.value.iban,
        amountFils: item.amountFils!,
        remittance: toSwiftText(`RETURN OF UNATTRIBUTED PAYMENT ${item.bankReference ?? ''}`, 140),
      },
    ]);
    item.state = 'returning';
    item.return = { staffId, endToEndId: e2e, fileName: `pain001-${e2e}.xml`, xml: file.xml };
    put(ctx.store, 'suspense', item.id, item);
  }
  const ret = item.return!;
  const r = await ctx.engine.submit({
    type: 'ledger.post',
    ref: `suspense-return:${item.id}`,
    memo: bankMemo(`payout:${ret.endToEndId}`, `suspense returned to sender by ${ret.staffId}`),
    transfers: [{ debit: SUSPENSE, credit: OMNIBUS, amount: item.amountFils! }],
  });
  if (!r.ok) {
    item.state = 'open';
    delete item.return;
    put(ctx.store, 'suspense', item.id, item);
    throw new BankRailsError('SUSPENSE_ENGINE_REFUSED', 'the core refused the return posting', { itemId, code: r.error?.code });
  }
  await ctx.adapter.submitPaymentFile(ret.fileName, ret.xml);
  item.state = 'returned';
  put(ctx.store, 'suspense', item.id, item);
  return item;
}

/**
 * A pain.002 line for a return payment. Settled: final. Rejected: the money is still at the bank,
 * so the return posting is reversed (bank_omnibus → suspense, ref `suspense-return-rejected:<id>`,
 * same reconciliation reference so the two net to zero) and the item waits for an operator.
 */
export async function applySuspenseReturnStatus(ctx: RailsContext, endToEndId: string, outcome: PaymentOutcome, reasonCode: string | undefined): Promise<'settled' | 'rejected' | 'pending' | 'unknown' | 'repeat'> {
  const id = endToEndId.slice(SUSPENSE_RETURN_PREFIX.length);
  const item = ctx.store.get<SuspenseItem>('suspense', id);
  if (item === undefined || item.return === undefined || item.return.endToEndId !== endToEndId) return 'unknown';
  if (outcome === 'pending') return 'pending';
  if (outcome === 'settled') {
    if (item.state === 'return_settled') return 'repeat';
    if (item.state !== 'returned') return 'unknown';
    item.state = 'return_settled';
    put(ctx.store, 'suspense', item.id, item);
    return 'settled';
  }
  if (item.state === 'return_rejected') return 'repeat';
  if (item.state !== 'returned') return 'unknown';
  const r = await ctx.engine.submit({
    type: 'ledger.post',
    ref: `suspense-return-rejected:${item.id}`,
    memo: bankMemo(`payout:${endToEndId}`, `suspense return rejected by the bank ${reasonCode ?? ''}`),
    transfers: [{ debit: OMNIBUS, credit: SUSPENSE, amount: item.amountFils! }],
  });
  if (!r.ok) throw new BankRailsError('RAILS_ENGINE_REFUSED', 'the core refused reversing a rejected return', { itemId: id, code: r.error?.code });
  item.state = 'return_rejected';
  item.return = { ...item.return, statusReason: reasonCode ?? 'RJCT' };
  put(ctx.store, 'suspense', item.id, item);
  return 'rejected';
}
