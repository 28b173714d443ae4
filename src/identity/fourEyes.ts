import { assert } from '../shared/assert.ts';
import { type AuditInput, canonicalJson } from './audit.ts';
import { sha256Hex } from './crypto.ts';
import { IdentityError } from './errors.ts';
import { isStaffRole, type StaffRole } from './roles.ts';

/**
 * Four-eyes (maker–checker) control: one staff member proposes, N others approve,
 * only then is the action executable. Pure state transitions; every transition
 * returns the new proposal and an AuditInput for appendAudit.
 *
 * The caller MUST take `actor.role` from its trusted staff directory (never from
 * the request) and persist transitions with compare-and-set on `version`.
 */

export type ProposalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'executed';

export interface StaffActor {
  id: string;
  role: StaffRole;
}

export interface Approval {
  approverId: string;
  role: StaffRole;
  atMs: number;
}

export interface Proposal {
  id: string;
  /** What is to be done, e.g. 'withdrawal.release'. */
  action: string;
  /** Exact parameters (canonical-JSON-able). Approvers approve this payload's hash. */
  payload: unknown;
  payloadHash: string;
  proposerId: string;
  requiredApprovals: number;
  allowedRoles: StaffRole[];
  approvals: Approval[];
  status: ProposalStatus;
  createdAtMs: number;
  expiresAtMs: number;
  closedAtMs: number | null;
  closedBy: string | null;
  reason: string | null;
  /** Incremented on every transition: the caller's compare-and-set token. */
  version: number;
}

export const FOUR_EYES_APPROVALS_MAX = 5;
export const FOUR_EYES_TTL_MS_MAX = 7 * 24 * 60 * 60_000;
export const FOUR_EYES_TTL_MS_DEFAULT = 24 * 60 * 60_000;

export interface Transition {
  proposal: Proposal;
  audit: AuditInput;
}

const ID_RE = /^[A-Za-z0-9_:.-]{1,128}$/;

function snapshot(p: Proposal) {
  return { id: p.id, action: p.action, payloadHash: p.payloadHash, status: p.status, approvals: p.approvals.map((a) => a.approverId), version: p.version };
}

function transition(before: Proposal | null, after: Proposal, actorId: string, kind: string, nowMs: number, ip: string): Transition {
  assert(after.version === (before?.version ?? 0) + 1, 'version bumps by one');
  return { proposal: after, audit: { atMs: nowMs, actor: actorId, action: `four_eyes.${kind}`, ip, before: before && snapshot(before), after: snapshot(after) } };
}

export function payloadHashOf(payload: unknown): string {
  return sha256Hex(canonicalJson(payload));
}

export interface ProposeInput {
  id: string;
  action: string;
  payload: unknown;
  proposer: StaffActor;
  requiredApprovals?: number;
  allowedRoles: readonly StaffRole[];
  ttlMs?: number;
  nowMs: number;
  ip?: string;
}

export function propose(input: ProposeInput): Transition {
  const bad = (why: string) => new IdentityError('FOUR_EYES_INVALID', `proposal invalid: ${why}`);
  const required = input.requiredApprovals ?? 1;
  const ttlMs = input.ttlMs ?? FOUR_EYES_TTL_MS_DEFAULT;
  if (!ID_RE.test(input.id)) throw bad('id');
  if (!/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/.test(input.action) || input.action.length > 64) throw bad('action');
  if (!ID_RE.test(input.proposer.id) || !isStaffRole(input.proposer.role)) throw bad('proposer');
  if (!Number.isSafeInteger(required) || required < 1 || required > FOUR_EYES_APPROVALS_MAX) throw bad(`requiredApprovals must be 1..${FOUR_EYES_APPROVALS_MAX}`);
  if (!Array.isArray(input.allowedRoles) || input.allowedRoles.length === 0 || !input.allowedRoles.every(isStaffRole)) throw bad('allowedRoles');
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 60_000 || ttlMs > FOUR_EYES_TTL_MS_MAX) throw bad('ttlMs must be 1 min..7 days');
  const payloadHash = payloadHashOf(input.payload);
  const proposal: Proposal = {
    id: input.id,
    action: input.action,
    payload: JSON.parse(canonicalJson(input.payload)),
    payloadHash,
    proposerId: input.proposer.id,
    requiredApprovals: required,
    allowedRoles: [...new Set(input.allowedRoles)],
    approvals: [],
    status: 'pending',
    createdAtMs: input.nowMs,
    expiresAtMs: input.nowMs + ttlMs,
    closedAtMs: null,
    closedBy: null,
    reason: null,
    version: 1,
  };
  return transition(null, proposal, input.proposer.id, 'propose', input.nowMs, input.ip ?? '');
}

function assertOpen(p: Proposal, nowMs: number): void {
  // The stored payload must still be what was proposed (a tampered row is refused).
  if (payloadHashOf(p.payload) !== p.payloadHash) throw new IdentityError('FOUR_EYES_INVALID', 'payload does not match its hash');
  if (p.status !== 'pending' && p.status !== 'approved') throw new IdentityError('FOUR_EYES_NOT_PENDING', `proposal is ${p.status}`);
  if (nowMs >= p.expiresAtMs) throw new IdentityError('FOUR_EYES_EXPIRED', 'proposal expired');
}

/**
 * Adds one approval. Refused: the proposer (self-approval), an approver already
 * counted, a role not allowed, a closed or expired proposal, or an approver who saw
 * a different payload (`seenPayloadHash`: approve exactly what was displayed).
 */
export function approve(p: Proposal, input: { approver: StaffActor; seenPayloadHash: string; nowMs: number; ip?: string }): Transition {
  assertOpen(p, input.nowMs);
  if (p.status !== 'pending') throw new IdentityError('FOUR_EYES_NOT_PENDING', 'proposal already has its approvals');
  const { approver } = input;
  if (!ID_RE.test(approver.id)) throw new IdentityError('FOUR_EYES_INVALID', 'approver id');
  if (approver.id === p.proposerId) throw new IdentityError('FOUR_EYES_SELF_APPROVAL', 'the proposer cannot approve their own proposal');
  if (p.approvals.some((a) => a.approverId === approver.id)) throw new IdentityError('FOUR_EYES_DUPLICATE_APPROVER', 'already approved by this staff member');
  if (!isStaffRole(approver.role) || !p.allowedRoles.includes(approver.role)) {
    throw new IdentityError('FOUR_EYES_ROLE_NOT_ALLOWED', `role '${String(approver.role)}' cannot approve this action`);
  }
  if (input.seenPayloadHash !== p.payloadHash) throw new IdentityError('FOUR_EYES_INVALID', 'approver saw a different payload');
  const approvals = [...p.approvals, { approverId: approver.id, role: approver.role, atMs: input.nowMs }];
  const status: ProposalStatus = approvals.length >= p.requiredApprovals ? 'approved' : 'pending';
  const next: Proposal = { ...p, approvals, status, version: p.version + 1 };
  assert(new Set(approvals.map((a) => a.approverId)).size === approvals.length && !approvals.some((a) => a.approverId === p.proposerId), 'distinct non-proposer approvers');
  return transition(p, next, approver.id, 'approve', input.nowMs, input.ip ?? '');
}

/** Rejects (or, by the proposer, withdraws) an open proposal. Terminal. */
export function reject(p: Proposal, input: { actor: StaffActor; reason: string; nowMs: number; ip?: string }): Transition {
  assertOpen(p, input.nowMs);
  const { actor } = input;
  if (actor.id !== p.proposerId && (!isStaffRole(actor.role) || !p.allowedRoles.includes(actor.role))) {
    throw new IdentityError('FOUR_EYES_ROLE_NOT_ALLOWED', 'only the proposer or an allowed approver role can reject');
  }
  if (typeof input.reason !== 'string' || input.reason.trim().length === 0 || input.reason.length > 500) {
    throw new IdentityError('FOUR_EYES_INVALID', 'a reason (1..500 characters) is required');
  }
  const next: Proposal = { ...p, status: 'rejected', closedAtMs: input.nowMs, closedBy: actor.id, reason: input.reason, version: p.version + 1 };
  return transition(p, next, actor.id, 'reject', input.nowMs, input.ip ?? '');
}

/** Marks a proposal expired once its TTL has passed (run by a sweeper). */
export function expire(p: Proposal, nowMs: number): Transition {
  if (p.status !== 'pending' && p.status !== 'approved') throw new IdentityError('FOUR_EYES_NOT_PENDING', `proposal is ${p.status}`);
  if (nowMs < p.expiresAtMs) throw new IdentityError('FOUR_EYES_INVALID', 'not expired yet');
  const next: Proposal = { ...p, status: 'expired', closedAtMs: nowMs, closedBy: 'system:four_eyes', version: p.version + 1 };
  return transition(p, next, 'system:four_eyes', 'expire', nowMs, '');
}

export function isExecutable(p: Proposal, nowMs: number): boolean {
  try {
    assertOpen(p, nowMs);
  } catch {
    return false;
  }
  const approvers = new Set(p.approvals.map((a) => a.approverId));
  return (
    p.status === 'approved' &&
    approvers.size === p.approvals.length &&
    approvers.size >= p.requiredApprovals &&
    !approvers.has(p.proposerId) &&
    p.approvals.every((a) => p.allowedRoles.includes(a.role))
  );
}

/**
 * Records execution. Re-checks every rule on the stored approvals (a row edited in
 * the database to add approvals or flip the status does not pass). Terminal: a
 * proposal executes at most once.
 */
export function markExecuted(p: Proposal, input: { actorId: string; nowMs: number; ip?: string }): Transition {
  if (p.status === 'executed') throw new IdentityError('FOUR_EYES_NOT_PENDING', 'already executed');
  if (input.nowMs >= p.expiresAtMs && (p.status === 'pending' || p.status === 'approved')) throw new IdentityError('FOUR_EYES_EXPIRED', 'proposal expired');
  if (!isExecutable(p, input.nowMs)) throw new IdentityError('FOUR_EYES_NOT_EXECUTABLE', 'proposal lacks valid approvals');
  const next: Proposal = { ...p, status: 'executed', closedAtMs: input.nowMs, closedBy: input.actorId, version: p.version + 1 };
  return transition(p, next, input.actorId, 'execute', input.nowMs, input.ip ?? '');
}
