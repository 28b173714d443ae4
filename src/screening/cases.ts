import { assert } from '../shared/assert.ts';
import { normaliseAddress } from './blocklist.ts';
import { ScreeningError } from './errors.ts';
import type { DepositVerdict } from './policy.ts';
import type { ExposureModel, TraceResult } from './trace.ts';
import { traceToJson } from './trace.ts';
import type { AddressValidator, Chain } from './types.ts';
import { isChain } from './types.ts';

/**
 * Compliance cases for frozen deposits, as a pure state machine. Every transition takes
 * the actor and the time, returns the new (frozen) case and one audit record
 * {actor, action, atMs, before, after}; nothing is mutated in place.
 *
 *   open ──note──▶ open
 *   open ──release──▶ released                 (funds move frozen → available)
 *   open ──keep_frozen──▶ kept_frozen
 *   kept_frozen ──release──▶ released
 *   open | kept_frozen ──propose_return──▶ return_pending   (proposer A, rightful owner address)
 *   return_pending ──approve_return (B ≠ A)──▶ returned     (four-eyes)
 *   return_pending ──reject_return──▶ the status before the proposal
 *
 * Four-eyes: the approver must differ from the proposer, always; a caller may inject a
 * stricter check (the identity module's approval primitive, src/identity/fourEyes.ts).
 * Notes are allowed in every state (an investigation goes on after a decision).
 */

export type CaseStatus = 'open' | 'kept_frozen' | 'return_pending' | 'released' | 'returned';
export type CaseAction = 'open' | 'note' | 'release' | 'keep_frozen' | 'propose_return' | 'approve_return' | 'reject_return';

export const CASE_NOTES_MAX = 1_000;
export const CASE_TEXT_CHARS_MAX = 4_000;

export interface CaseEvidence {
  /** JSON form of the trace (see traceToJson): graph, hits, notes. */
  readonly trace: unknown;
  readonly exposures: Readonly<Record<ExposureModel, { readonly exposureUnits: string; readonly bps: number }>>;
  /** Listed sources behind the hits (incident ids, OFAC refs…). */
  readonly listedSources: readonly { readonly source: string; readonly sourceRef: string; readonly reason: string }[];
  readonly verdictReasons: readonly string[];
}

export interface CaseNote {
  readonly atMs: number;
  readonly by: string;
  readonly text: string;
}

export interface ComplianceCase {
  readonly id: string;
  readonly chain: Chain;
  readonly depositRef: string;
  readonly accountId: string;
  readonly amountUnits: bigint;
  readonly openedAtMs: number;
  readonly openedBy: string;
  readonly status: CaseStatus;
  readonly version: number;
  readonly lastAtMs: number;
  readonly evidence: CaseEvidence;
  readonly notes: readonly CaseNote[];
  readonly decision: { readonly kind: 'release' | 'keep_frozen' | 'return'; readonly by: string; readonly atMs: number; readonly rationale: string } | null;
  readonly returnProposal: {
    readonly toAddress: string;
    readonly proposedBy: string;
    readonly atMs: number;
    readonly rationale: string;
    readonly statusBefore: 'open' | 'kept_frozen';
  } | null;
  readonly returnApproval: { readonly approvedBy: string; readonly atMs: number } | null;
}

/** The small view of a case kept in audit records (evidence is immutable and large). */
export interface CaseSnapshot {
  readonly status: CaseStatus;
  readonly version: number;
  readonly notes: number;
  readonly decision: ComplianceCase['decision'];
  readonly returnProposal: Omit<NonNullable<ComplianceCase['returnProposal']>, 'statusBefore'> | null;
  readonly returnApproval: ComplianceCase['returnApproval'];
}

export interface AuditRecord {
  readonly caseId: string;
  readonly actor: string;
  readonly action: CaseAction;
  readonly atMs: number;
  readonly before: CaseSnapshot | null;
  readonly after: CaseSnapshot;
}

export interface CaseAuthority {
  /** Only compliance staff act on cases. */
  isComplianceStaff(actor: string): boolean;
  /** Optional stricter four-eyes check (roles, same-team rules); distinctness is always enforced here. */
  mayApprove?(proposer: string, approver: string, caseId: string): boolean;
}

export interface Ctx {
  readonly actor: string;
  readonly atMs: number;
  readonly authority: CaseAuthority;
}

export interface Transition {
  readonly case: ComplianceCase;
  readonly audit: AuditRecord;
}

function err(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new ScreeningError(code, message, details);
}

export function snapshot(c: ComplianceCase): CaseSnapshot {
  const p = c.returnProposal;
  return {
    status: c.status,
    version: c.version,
    notes: c.notes.length,
    decision: c.decision,
    returnProposal: p ? { toAddress: p.toAddress, proposedBy: p.proposedBy, atMs: p.atMs, rationale: p.rationale } : null,
    returnApproval: c.returnApproval,
  };
}

function checkCtx(ctx: Ctx, c: ComplianceCase | null): void {
  if (typeof ctx.actor !== 'string' || ctx.actor.length === 0 || ctx.actor.length > 200) err('CASE_ACTOR', 'an actor is required');
  if (!ctx.authority.isComplianceStaff(ctx.actor)) err('CASE_ACTOR', 'actor is not compliance staff', { actor: ctx.actor });
  if (!Number.isSafeInteger(ctx.atMs) || ctx.atMs < 0) err('CASE_TIME', 'atMs must be a non-negative integer');
  if (c && ctx.atMs < c.lastAtMs) err('CASE_TIME', 'time went backwards for this case', { atMs: ctx.atMs, lastAtMs: c.lastAtMs });
}

function text(t: string, what: string): string {
  if (typeof t !== 'string' || t.trim().length === 0) err('CASE_TEXT', `${what} is required`);
  if (t.length > CASE_TEXT_CHARS_MAX) err('CASE_TEXT', `${what} is longer than ${CASE_TEXT_CHARS_MAX} characters`);
  return t.trim();
}

function step(c: ComplianceCase, action: CaseAction, ctx: Ctx, change: Partial<ComplianceCase>): Transition {
  const next: ComplianceCase = Object.freeze({ ...c, ...change, version: c.version + 1, lastAtMs: ctx.atMs });
  assert(next.version === c.version + 1 && next.id === c.id, 'a transition bumps the version of the same case');
  return { case: next, audit: Object.freeze({ caseId: c.id, actor: ctx.actor, action, atMs: ctx.atMs, before: snapshot(c), after: snapshot(next) }) };
}

function requireStatus(c: ComplianceCase, action: CaseAction, allowed: readonly CaseStatus[]): void {
  if (!allowed.includes(c.status)) err('CASE_TRANSITION', `cannot ${action} a case in status ${c.status}`, { caseId: c.id, status: c.status, action });
}

export function openCase(
  input: { id: string; chain: Chain; depositRef: string; accountId: string; amountUnits: bigint; evidence: CaseEvidence },
  ctx: Ctx,
): Transition {
  checkCtx(ctx, null);
  if (typeof input.id !== 'string' || !/^[A-Za-z0-9_.:-]{1,100}$/.test(input.id)) err('CASE_INVALID', 'case id must be 1-100 chars [A-Za-z0-9_.:-]');
  if (typeof input.amountUnits !== 'bigint' || input.amountUnits <= 0n) err('CASE_INVALID', 'amountUnits must be a positive bigint');
  if (!isChain(input.chain)) err('CASE_INVALID', 'chain must be BTC or ETH');
  if (!input.depositRef || !input.accountId) err('CASE_INVALID', 'depositRef and accountId are required');
  const c: ComplianceCase = Object.freeze({
    id: input.id,
    chain: input.chain,
    depositRef: input.depositRef,
    accountId: input.accountId,
    amountUnits: input.amountUnits,
    openedAtMs: ctx.atMs,
    openedBy: ctx.actor,
    status: 'open',
    version: 1,
    lastAtMs: ctx.atMs,
    evidence: input.evidence,
    notes: [],
    decision: null,
    returnProposal: null,
    returnApproval: null,
  });
  return { case: c, audit: Object.freeze({ caseId: c.id, actor: ctx.actor, action: 'open', atMs: ctx.atMs, before: null, after: snapshot(c) }) };
}

export function addNote(c: ComplianceCase, note: string, ctx: Ctx): Transition {
  checkCtx(ctx, c);
  if (c.notes.length >= CASE_NOTES_MAX) err('CASE_NOTES_FULL', `a case holds at most ${CASE_NOTES_MAX} notes`);
  return step(c, 'note', ctx, { notes: Object.freeze([...c.notes, Object.freeze({ atMs: ctx.atMs, by: ctx.actor, text: text(note, 'note') })]) });
}

export function release(c: ComplianceCase, rationale: string, ctx: Ctx): Transition {
  checkCtx(ctx, c);
  requireStatus(c, 'release', ['open', 'kept_frozen']);
  return step(c, 'release', ctx, { status: 'released', decision: { kind: 'release', by: ctx.actor, atMs: ctx.atMs, rationale: text(rationale, 'rationale') } });
}

export function keepFrozen(c: ComplianceCase, rationale: string, ctx: Ctx): Transition {
  checkCtx(ctx, c);
  requireStatus(c, 'keep_frozen', ['open']);
  return step(c, 'keep_frozen', ctx, { status: 'kept_frozen', decision: { kind: 'keep_frozen', by: ctx.actor, atMs: ctx.atMs, rationale: text(rationale, 'rationale') } });
}

/** First pair of eyes: proposes returning the frozen amount to the rightful owner's address. */
export function proposeReturn(c: ComplianceCase, args: { toAddress: string; rationale: string; validator?: AddressValidator }, ctx: Ctx): Transition {
  checkCtx(ctx, c);
  requireStatus(c, 'propose_return', ['open', 'kept_frozen']);
  let toAddress: string;
  try {
    toAddress = normaliseAddress(c.chain, args.toAddress, args.validator);
  } catch {
    err('CASE_INVALID', 'return address is malformed', { chain: c.chain });
  }
  return step(c, 'propose_return', ctx, {
    status: 'return_pending',
    returnProposal: Object.freeze({ toAddress, proposedBy: ctx.actor, atMs: ctx.atMs, rationale: text(args.rationale, 'rationale'), statusBefore: c.status as 'open' | 'kept_frozen' }),
  });
}

/** Second pair of eyes: a different staff member approves; the custody layer then pays out. */
export function approveReturn(c: ComplianceCase, ctx: Ctx): Transition {
  checkCtx(ctx, c);
  requireStatus(c, 'approve_return', ['return_pending']);
  const p = c.returnProposal;
  assert(p !== null, 'a pending return has a proposal', { caseId: c.id });
  if (p.proposedBy === ctx.actor) err('FOUR_EYES', 'the approver must be a different staff member than the proposer', { caseId: c.id, actor: ctx.actor });
  if (ctx.authority.mayApprove && !ctx.authority.mayApprove(p.proposedBy, ctx.actor, c.id)) err('FOUR_EYES', 'approver not permitted by the four-eyes policy', { caseId: c.id, actor: ctx.actor });
  const t = step(c, 'approve_return', ctx, {
    status: 'returned',
    returnApproval: { approvedBy: ctx.actor, atMs: ctx.atMs },
    decision: { kind: 'return', by: ctx.actor, atMs: ctx.atMs, rationale: p.rationale },
  });
  assert(t.case.returnApproval!.approvedBy !== t.case.returnProposal!.proposedBy, 'four-eyes holds after the transition');
  return t;
}

export function rejectReturn(c: ComplianceCase, reason: string, ctx: Ctx): Transition {
  checkCtx(ctx, c);
  requireStatus(c, 'reject_return', ['return_pending']);
  const p = c.returnProposal;
  assert(p !== null, 'a pending return has a proposal', { caseId: c.id });
  const note: CaseNote = Object.freeze({ atMs: ctx.atMs, by: ctx.actor, text: `return rejected: ${text(reason, 'reason')}`.slice(0, CASE_TEXT_CHARS_MAX) });
  const notes = c.notes.length < CASE_NOTES_MAX ? Object.freeze([...c.notes, note]) : c.notes;
  return step(c, 'reject_return', ctx, { status: p.statusBefore, returnProposal: null, notes });
}

/** What the ledger must do with the frozen amount once a case is closed. */
export function ledgerInstruction(c: ComplianceCase): { kind: 'none' } | { kind: 'unfreeze'; accountId: string; amountUnits: bigint } | { kind: 'return'; accountId: string; amountUnits: bigint; toAddress: string } {
  if (c.status === 'released') return { kind: 'unfreeze', accountId: c.accountId, amountUnits: c.amountUnits };
  if (c.status === 'returned') {
    assert(c.returnProposal !== null && c.returnApproval !== null, 'a returned case has a proposal and an approval');
    return { kind: 'return', accountId: c.accountId, amountUnits: c.amountUnits, toAddress: c.returnProposal.toAddress };
  }
  return { kind: 'none' };
}

/** Case evidence from a trace and the verdict that froze the deposit (JSON-safe: amounts as strings). */
export function evidenceFromTrace(trace: TraceResult, verdict: DepositVerdict): CaseEvidence {
  const ex = (m: ExposureModel) => ({ exposureUnits: trace.exposures[m].exposureUnits.toString(), bps: trace.exposures[m].bps });
  const seen = new Set<string>();
  const listedSources: { source: string; sourceRef: string; reason: string }[] = [];
  for (const h of trace.hits)
    for (const s of h.sources) {
      const k = `${s.source}|${s.sourceRef}`;
      if (!seen.has(k)) {
        seen.add(k);
        listedSources.push(s);
      }
    }
  return Object.freeze({
    trace: traceToJson(trace),
    exposures: { poison: ex('poison'), haircut: ex('haircut'), fifo: ex('fifo') },
    listedSources,
    verdictReasons: verdict.reasons.map((r) => r.code),
  });
}
