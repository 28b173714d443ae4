import type { ExchangeCore } from '../core/exchange.ts';
import type { StaffActor } from '../identity/index.ts';
import { assert } from '../shared/assert.ts';
import type { FourEyesDesk } from './desk.ts';
import { IncidentError } from './errors.ts';
import type { IncidentLog } from './log.ts';
import type { EngineLike } from './responder.ts';

/**
 * Making customers whole.
 *
 * (a) Treasury cover. Two postings, chosen by where the operator's money is:
 *   - 'capital_injection': the operator sends its own coins into custody (the hot or cold
 *     wallet). Posting: debit `system:A:<custody>` (holdings up), credit
 *     `system:A:incident_loss` (the receivable is settled by the operator). Reserves rise by
 *     the amount, liabilities are unchanged, so the ratio rises by exactly the cover.
 *   - 'treasury_surplus': the operator's own funds were already in custody (treasury > 0:
 *     holdings exceed what customers are owed). Posting: debit `system:A:treasury`, credit
 *     `system:A:incident_loss` (write the receivable off against own funds). Holdings do not
 *     change: the ratio was already ≥ 100 % iff own funds ≥ loss, and the write-off takes
 *     the worthless receivable out of the assets so the books say so.
 *   The ledger invariant (liabilities = holdings + incident_loss − own funds) shows why:
 *   reserves ÷ liabilities ≥ 1 ⇔ own funds ≥ outstanding incident_loss.
 *
 * (b) Haircut, when own funds cannot cover: the shortfall per asset is split across
 *   customers in proportion to their balance, exactly (largest remainder), and moved
 *   from `available` (then `frozen`) to `recovery_claim`: still owed, shown as a claim the
 *   operator repays (Bitfinex 2016: a 36 % haircut against BFX tokens, redeemed in full by
 *   April 2017). The base is available + locked + frozen; funds locked in open orders are
 *   freed by cancelling that customer's orders first (trading is halted during an
 *   incident anyway, and a claim must not depend on an order filling). Funds in
 *   `withdrawing` (queued withdrawals) are not in the base: they were requested before the
 *   freeze and are processed after review. Recovered funds repay claims first, pro rata.
 */

/** Math.min for bigint (Math.min does not take bigints). */
function minBig(a: bigint, b: bigint): bigint {
  return b < a ? b : a;
}

export type CoverMethod = 'capital_injection' | 'treasury_surplus';

export function outstandingLoss(core: ExchangeCore, asset: string): bigint {
  return -core.ledger.balances[core.accountByKey(`system:${asset}:incident_loss`)]!;
}

export interface CoverInput {
  readonly incidentId: string;
  readonly asset: string;
  readonly amountMinor: bigint;
  readonly method: CoverMethod;
  readonly custodyAccount?: 'hot_wallet' | 'cold_wallet';
  /** Distinguishes several covers of one asset (ref suffix). */
  readonly n?: number;
}

export function coverPayload(c: CoverInput): Record<string, string> {
  return { incidentId: c.incidentId, asset: c.asset, amountMinor: c.amountMinor.toString(), method: c.method, custodyAccount: c.custodyAccount ?? 'hot_wallet', n: String(c.n ?? 1) };
}

/** Treasury cover, four-eyes (treasury role proposes, another treasury/security approves). */
export async function coverFromTreasury(engine: EngineLike & { core: ExchangeCore }, c: CoverInput, auth: { desk: FourEyesDesk; proposalId: string; actor: StaffActor; nowMs: number }): Promise<number> {
  const out = outstandingLoss(engine.core, c.asset);
  if (c.amountMinor <= 0n || c.amountMinor > out) throw new IncidentError('LEDGER_REJECTED', 'cover must be 1..outstanding loss', { asset: c.asset, outstanding: out.toString() });
  auth.desk.consume(auth.proposalId, { action: 'incident.treasury_cover', payload: coverPayload(c), actorId: auth.actor.id, nowMs: auth.nowMs });
  const debit = c.method === 'capital_injection' ? `system:${c.asset}:${c.custodyAccount ?? 'hot_wallet'}` : `system:${c.asset}:treasury`;
  const r = await engine.submit({
    type: 'ledger.post',
    ref: `incident:${c.incidentId}:cover:${c.asset}:${c.n ?? 1}`,
    memo: `treasury cover (${c.method}) of ${c.incidentId}`,
    transfers: [{ debit, credit: `system:${c.asset}:incident_loss`, amount: c.amountMinor }],
  });
  if (!r.ok) throw new IncidentError('LEDGER_REJECTED', 'the core refused the cover posting', { code: r.error?.code, message: r.error?.message });
  return r.seq;
}

/**
 * Largest-remainder (Hamilton) allocation of `total` over integer weights: each part
 * is floor(total·w/W) or one more; the units left after flooring go to the largest
 * remainders, ties to the smaller id. Parts sum to `total` exactly. Requires total ≤ W
 * so no part exceeds its weight.
 */
export function largestRemainder(total: bigint, weights: ReadonlyArray<{ id: number; weight: bigint }>): Map<number, bigint> {
  const W = weights.reduce((s, w) => s + w.weight, 0n);
  if (total < 0n || weights.some((w) => w.weight < 0n)) throw new IncidentError('HAIRCUT_INVALID', 'negative total or weight');
  if (total > W) throw new IncidentError('HAIRCUT_INVALID', 'shortfall exceeds the base', { total: total.toString(), base: W.toString() });
  const ids = new Set(weights.map((w) => w.id));
  if (ids.size !== weights.length) throw new IncidentError('HAIRCUT_INVALID', 'duplicate id');
  const out = new Map<number, bigint>();
  if (W === 0n) {
    for (const w of weights) out.set(w.id, 0n);
    return out;
  }
  const rems: Array<{ id: number; rem: bigint }> = [];
  let given = 0n;
  for (const w of weights) {
    const q = (total * w.weight) / W;
    out.set(w.id, q);
    given += q;
    rems.push({ id: w.id, rem: (total * w.weight) % W });
  }
  let left = total - given;
  assert(left >= 0n && left < BigInt(weights.length) + 1n, 'flooring leaves fewer units than parts');
  rems.sort((a, b) => (a.rem === b.rem ? a.id - b.id : a.rem > b.rem ? -1 : 1));
  for (const r of rems) {
    if (left === 0n) break;
    if (r.rem === 0n) break;
    out.set(r.id, out.get(r.id)! + 1n);
    left--;
  }
  assert(left === 0n, 'every unit allocated');
  return out;
}

export interface HaircutPart {
  readonly userId: number;
  readonly baseMinor: bigint;
  readonly shareMinor: bigint;
  readonly fromAvailableMinor: bigint;
  readonly fromFrozenMinor: bigint;
  /** Share not coverable from available + frozen: the customer's orders must be cancelled first. */
  readonly needsOrderCancel: boolean;
}

export interface HaircutPlan {
  readonly incidentId: string;
  readonly asset: string;
  readonly shortfallMinor: bigint;
  readonly baseMinor: bigint;
  readonly parts: readonly HaircutPart[];
}

function bal(core: ExchangeCore, userId: number, asset: string) {
  return core.userBalances(userId)[asset]!;
}

/** The plan (pure over the current state); deterministic: customers in id order. */
export function planHaircut(core: ExchangeCore, incidentId: string, asset: string, shortfallMinor: bigint): HaircutPlan {
  const users = [...core.ledger.userIds()].sort((a, b) => a - b);
  const weights = users.map((id) => {
    const b = bal(core, id, asset);
    return { id, weight: b.available + b.locked + b.frozen };
  });
  const shares = largestRemainder(shortfallMinor, weights);
  const parts: HaircutPart[] = [];
  for (const w of weights) {
    const share = shares.get(w.id)!;
    if (share === 0n) continue;
    const b = bal(core, w.id, asset);
    const needsOrderCancel = share > b.available + b.frozen;
    // After the cancel, locked has returned to available.
    const avail = needsOrderCancel ? b.available + b.locked : b.available;
    const fromAvailableMinor = minBig(share, avail);
    parts.push({ userId: w.id, baseMinor: w.weight, shareMinor: share, fromAvailableMinor, fromFrozenMinor: share - fromAvailableMinor, needsOrderCancel });
  }
  return { incidentId, asset, shortfallMinor, baseMinor: weights.reduce((s, w) => s + w.weight, 0n), parts };
}

export function haircutPayload(p: HaircutPlan): Record<string, unknown> {
  return { incidentId: p.incidentId, asset: p.asset, shortfallMinor: p.shortfallMinor.toString(), parts: p.parts.map((x) => [x.userId, x.shareMinor.toString()]) };
}

const TRANSFERS_PER_POST = 1000;

/** Applies an approved haircut plan: cancel orders where needed, then available/frozen → recovery_claim. */
export async function applyHaircut(engine: EngineLike & { core: ExchangeCore }, plan: HaircutPlan, auth: { desk: FourEyesDesk; proposalId: string; actor: StaffActor; nowMs: number; log: IncidentLog }): Promise<number[]> {
  const out = outstandingLoss(engine.core, plan.asset);
  if (plan.shortfallMinor > out) throw new IncidentError('HAIRCUT_INVALID', 'haircut exceeds the outstanding loss', { outstanding: out.toString() });
  auth.desk.consume(auth.proposalId, { action: 'incident.haircut', payload: haircutPayload(plan), actorId: auth.actor.id, nowMs: auth.nowMs });
  const seqs: number[] = [];
  for (const p of plan.parts) {
    if (!p.needsOrderCancel) continue;
    const r = await engine.submit({ type: 'order.cancelAll', userId: p.userId });
    if (!r.ok) throw new IncidentError('LEDGER_REJECTED', 'order cancel refused', { userId: p.userId, code: r.error?.code });
    seqs.push(r.seq);
  }
  const transfers: Array<{ debit: string; credit: string; amount: bigint }> = [];
  for (const p of plan.parts) {
    const claim = `user:${p.userId}:${plan.asset}:recovery_claim`;
    if (p.fromAvailableMinor > 0n) transfers.push({ debit: `user:${p.userId}:${plan.asset}:available`, credit: claim, amount: p.fromAvailableMinor });
    if (p.fromFrozenMinor > 0n) transfers.push({ debit: `user:${p.userId}:${plan.asset}:frozen`, credit: claim, amount: p.fromFrozenMinor });
  }
  for (let i = 0, chunk = 1; i < transfers.length; i += TRANSFERS_PER_POST, chunk++) {
    const r = await engine.submit({ type: 'ledger.post', ref: `incident:${plan.incidentId}:haircut:${plan.asset}:${chunk}`, memo: `haircut of ${plan.incidentId}: balance moved to recovery claim`, transfers: transfers.slice(i, i + TRANSFERS_PER_POST) });
    if (!r.ok) throw new IncidentError('LEDGER_REJECTED', 'the core refused a haircut posting', { chunk, code: r.error?.code, message: r.error?.message });
    seqs.push(r.seq);
  }
  auth.log.append({ atMs: auth.nowMs, actor: auth.actor.id, action: 'incident.haircut', ip: '', before: null, after: { ...haircutPayload(plan), journalSeqs: seqs } });
  return seqs;
}

/**
 * Recovered coins (returned by law enforcement, frozen elsewhere) arrive in custody:
 * they settle the incident_loss receivable, and repay recovery claims first, pro rata by
 * claim (largest remainder). Anything beyond the claims went to the operator, who
 * covered that part: it is credited to treasury.
 */
export async function repayClaims(engine: EngineLike & { core: ExchangeCore }, input: { incidentId: string; asset: string; recoveredMinor: bigint; n: number; custodyAccount?: 'hot_wallet' | 'cold_wallet' }): Promise<{ repaid: Map<number, bigint>; toTreasuryMinor: bigint; seq: number }> {
  const core = engine.core;
  const { asset } = input;
  if (input.recoveredMinor <= 0n) throw new IncidentError('LEDGER_REJECTED', 'recovered amount must be positive');
  const custody = `system:${asset}:${input.custodyAccount ?? 'hot_wallet'}`;
  const users = [...core.ledger.userIds()].sort((a, b) => a - b);
  const claims = users.map((id) => ({ id, weight: bal(core, id, asset).recovery_claim })).filter((c) => c.weight > 0n);
  const claimsTotal = claims.reduce((s, c) => s + c.weight, 0n);
  const outstanding = outstandingLoss(core, asset);
  const toClaims = minBig(input.recoveredMinor, claimsTotal);
  const collect = minBig(input.recoveredMinor, outstanding);
  const toTreasuryMinor = input.recoveredMinor - collect;
  const repaid = largestRemainder(toClaims, claims);
  const transfers: Array<{ debit: string; credit: string; amount: bigint }> = [];
  if (collect > 0n) transfers.push({ debit: custody, credit: `system:${asset}:incident_loss`, amount: collect });
  if (toTreasuryMinor > 0n) transfers.push({ debit: custody, credit: `system:${asset}:treasury`, amount: toTreasuryMinor });
  for (const [id, amt] of repaid) if (amt > 0n) transfers.push({ debit: `user:${id}:${asset}:recovery_claim`, credit: `user:${id}:${asset}:available`, amount: amt });
  if (transfers.length > TRANSFERS_PER_POST) throw new IncidentError('HAIRCUT_INVALID', 'too many claimants for one repayment posting; split it', { max: TRANSFERS_PER_POST });
  const r = await engine.submit({ type: 'ledger.post', ref: `incident:${input.incidentId}:recovered:${asset}:${input.n}`, memo: `recovered funds of ${input.incidentId}: claims repaid pro rata`, transfers });
  if (!r.ok) throw new IncidentError('LEDGER_REJECTED', 'the core refused the repayment posting', { code: r.error?.code, message: r.error?.message });
  return { repaid, toTreasuryMinor, seq: r.seq };
}

/** What the incident did to one customer's balance of one asset (shown in the app and in the notice). */
export interface StatementOfEffect {
  readonly userId: number;
  readonly asset: string;
  readonly balanceMinor: bigint;
  readonly haircutMinor: bigint;
  readonly repaidMinor: bigint;
  readonly claimOutstandingMinor: bigint;
}

export function statementOfEffect(core: ExchangeCore, userId: number, asset: string, haircutMinor: bigint, repaidMinor: bigint): StatementOfEffect {
  const b = bal(core, userId, asset);
  return { userId, asset, balanceMinor: b.available + b.locked + b.withdrawing + b.frozen, haircutMinor, repaidMinor, claimOutstandingMinor: b.recovery_claim };
}
