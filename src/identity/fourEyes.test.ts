import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendAudit, type AuditEntry, verifyAuditChain } from './audit.ts';
import { isIdentityError, type IdentityErrorCode } from './errors.ts';
import { approve, expire, isExecutable, markExecuted, type Proposal, propose, reject } from './fourEyes.ts';

const expectCode = (fn: () => unknown, code: IdentityErrorCode, msg?: string) => assert.throws(fn, (e) => isIdentityError(e, code), msg ?? code);
const T0 = 1_750_000_000_000;
const maker = { id: 'staff-maker', role: 'treasury' as const };
const checker1 = { id: 'staff-c1', role: 'treasury' as const };
const checker2 = { id: 'staff-c2', role: 'security' as const };
const payload = { withdrawalId: 'w-1', amountSat: 150_000_000n, address: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh' };

function base(required = 2): Proposal {
  return propose({ id: 'p-1', action: 'withdrawal.release', payload, proposer: maker, requiredApprovals: required, allowedRoles: ['treasury', 'security'], ttlMs: 3_600_000, nowMs: T0, ip: '192.0.2.1' }).proposal;
}

test('happy path: propose → approve × 2 → executable → executed, with a verifiable audit trail', () => {
  const log: AuditEntry[] = [];
  const push = (a: Parameters<typeof appendAudit>[1]) => log.push(appendAudit(log.at(-1) ?? null, a));
  const t0 = propose({ id: 'p-1', action: 'withdrawal.release', payload, proposer: maker, requiredApprovals: 2, allowedRoles: ['treasury', 'security'], nowMs: T0 });
  push(t0.audit);
  assert.equal(t0.audit.before, null);
  let p = t0.proposal;
  assert.equal(p.status, 'pending');
  assert.equal(isExecutable(p, T0), false);
  const t1 = approve(p, { approver: checker1, seenPayloadHash: p.payloadHash, nowMs: T0 + 1 });
  push(t1.audit);
  p = t1.proposal;
  assert.equal(p.status, 'pending');
  assert.equal(isExecutable(p, T0 + 1), false);
  const t2 = approve(p, { approver: checker2, seenPayloadHash: p.payloadHash, nowMs: T0 + 2 });
  push(t2.audit);
  p = t2.proposal;
  assert.equal(p.status, 'approved');
  assert.equal(isExecutable(p, T0 + 2), true);
  const t3 = markExecuted(p, { actorId: 'system:custody', nowMs: T0 + 3 });
  push(t3.audit);
  assert.equal(t3.proposal.status, 'executed');
  assert.equal(t3.proposal.version, 4);
  assert.deepEqual(log.map((e) => e.action), ['four_eyes.propose', 'four_eyes.approve', 'four_eyes.approve', 'four_eyes.execute']);
  assert.equal(verifyAuditChain(log).ok, true);
  // bigint payload kept exactly (as a string).
  assert.equal((p.payload as { amountSat: string }).amountSat, '150000000');
  // Executes once.
  expectCode(() => markExecuted(t3.proposal, { actorId: 'system:custody', nowMs: T0 + 4 }), 'FOUR_EYES_NOT_PENDING');
});

test('bypass: proposer approving own action', () => {
  const p = base(1);
  expectCode(() => approve(p, { approver: maker, seenPayloadHash: p.payloadHash, nowMs: T0 + 1 }), 'FOUR_EYES_SELF_APPROVAL');
  // Same id under another role is still the proposer.
  expectCode(() => approve(p, { approver: { id: maker.id, role: 'security' }, seenPayloadHash: p.payloadHash, nowMs: T0 + 1 }), 'FOUR_EYES_SELF_APPROVAL');
});

test('bypass: same approver twice, even with a different role', () => {
  const p1 = approve(base(2), { approver: checker1, seenPayloadHash: base().payloadHash, nowMs: T0 + 1 }).proposal;
  expectCode(() => approve(p1, { approver: checker1, seenPayloadHash: p1.payloadHash, nowMs: T0 + 2 }), 'FOUR_EYES_DUPLICATE_APPROVER');
  expectCode(() => approve(p1, { approver: { id: checker1.id, role: 'security' }, seenPayloadHash: p1.payloadHash, nowMs: T0 + 2 }), 'FOUR_EYES_DUPLICATE_APPROVER');
});

test('bypass: wrong role, forged role string', () => {
  const p = base();
  expectCode(() => approve(p, { approver: { id: 'staff-s', role: 'support' }, seenPayloadHash: p.payloadHash, nowMs: T0 + 1 }), 'FOUR_EYES_ROLE_NOT_ALLOWED');
  expectCode(() => approve(p, { approver: { id: 'staff-a', role: 'admin' }, seenPayloadHash: p.payloadHash, nowMs: T0 + 1 }), 'FOUR_EYES_ROLE_NOT_ALLOWED');
  expectCode(() => approve(p, { approver: { id: 'staff-x', role: 'superuser' as 'admin' }, seenPayloadHash: p.payloadHash, nowMs: T0 + 1 }), 'FOUR_EYES_ROLE_NOT_ALLOWED');
  expectCode(() => reject(p, { actor: { id: 'staff-s', role: 'support' }, reason: 'no', nowMs: T0 + 1 }), 'FOUR_EYES_ROLE_NOT_ALLOWED');
});

test('bypass: approving an expired, rejected or executed proposal', () => {
  const p = base(1);
  expectCode(() => approve(p, { approver: checker1, seenPayloadHash: p.payloadHash, nowMs: p.expiresAtMs }), 'FOUR_EYES_EXPIRED');
  const rejected = reject(p, { actor: checker2, reason: 'address not whitelisted', nowMs: T0 + 5 }).proposal;
  assert.equal(rejected.status, 'rejected');
  expectCode(() => approve(rejected, { approver: checker1, seenPayloadHash: p.payloadHash, nowMs: T0 + 6 }), 'FOUR_EYES_NOT_PENDING');
  expectCode(() => markExecuted(rejected, { actorId: 'x', nowMs: T0 + 6 }), 'FOUR_EYES_NOT_EXECUTABLE');
  const expired = expire(p, p.expiresAtMs).proposal;
  assert.equal(expired.status, 'expired');
  expectCode(() => approve(expired, { approver: checker1, seenPayloadHash: p.payloadHash, nowMs: T0 + 6 }), 'FOUR_EYES_NOT_PENDING');
  expectCode(() => expire(p, p.expiresAtMs - 1), 'FOUR_EYES_INVALID');
  // Approved but not executed before expiry: no longer executable.
  const approved = approve(p, { approver: checker1, seenPayloadHash: p.payloadHash, nowMs: T0 + 1 }).proposal;
  assert.equal(isExecutable(approved, approved.expiresAtMs), false);
  expectCode(() => markExecuted(approved, { actorId: 'x', nowMs: approved.expiresAtMs }), 'FOUR_EYES_EXPIRED');
  // Further approvals after the quorum are refused (nothing to add).
  expectCode(() => approve(approved, { approver: checker2, seenPayloadHash: p.payloadHash, nowMs: T0 + 2 }), 'FOUR_EYES_NOT_PENDING');
  // Proposer can withdraw; reason required.
  expectCode(() => reject(p, { actor: maker, reason: '  ', nowMs: T0 + 1 }), 'FOUR_EYES_INVALID');
  assert.equal(reject(p, { actor: maker, reason: 'typo in amount', nowMs: T0 + 1 }).proposal.closedBy, maker.id);
});

test('bypass: tampered stored proposal (payload swapped, approvals forged, status flipped)', () => {
  const p = base(2);
  // Approver saw a different payload.
  expectCode(() => approve(p, { approver: checker1, seenPayloadHash: '0'.repeat(64), nowMs: T0 + 1 }), 'FOUR_EYES_INVALID');
  // Payload edited in storage after proposal.
  const swapped = { ...p, payload: { ...(p.payload as object), address: 'bc1qattacker' } };
  expectCode(() => approve(swapped, { approver: checker1, seenPayloadHash: p.payloadHash, nowMs: T0 + 1 }), 'FOUR_EYES_INVALID');
  // Status flipped to approved with no approvals.
  expectCode(() => markExecuted({ ...p, status: 'approved' }, { actorId: 'x', nowMs: T0 + 1 }), 'FOUR_EYES_NOT_EXECUTABLE');
  // Forged approvals: duplicates, the proposer, a disallowed role.
  const forged = (approvals: Proposal['approvals']) => ({ ...p, status: 'approved' as const, approvals });
  expectCode(() => markExecuted(forged([{ approverId: 'staff-c1', role: 'treasury', atMs: T0 }, { approverId: 'staff-c1', role: 'treasury', atMs: T0 }]), { actorId: 'x', nowMs: T0 + 1 }), 'FOUR_EYES_NOT_EXECUTABLE');
  expectCode(() => markExecuted(forged([{ approverId: maker.id, role: 'treasury', atMs: T0 }, { approverId: 'staff-c1', role: 'treasury', atMs: T0 }]), { actorId: 'x', nowMs: T0 + 1 }), 'FOUR_EYES_NOT_EXECUTABLE');
  expectCode(() => markExecuted(forged([{ approverId: 'a', role: 'support', atMs: T0 }, { approverId: 'b', role: 'treasury', atMs: T0 }]), { actorId: 'x', nowMs: T0 + 1 }), 'FOUR_EYES_NOT_EXECUTABLE');
  // Payload swapped after approval: not executable.
  const approved = approve(approve(p, { approver: checker1, seenPayloadHash: p.payloadHash, nowMs: T0 + 1 }).proposal, { approver: checker2, seenPayloadHash: p.payloadHash, nowMs: T0 + 2 }).proposal;
  assert.equal(isExecutable(approved, T0 + 3), true);
  assert.equal(isExecutable({ ...approved, payload: { withdrawalId: 'w-2' } }, T0 + 3), false);
});

test('propose: hostile parameters refused', () => {
  const ok = { id: 'p-2', action: 'wallet.rebalance', payload: {}, proposer: maker, allowedRoles: ['treasury'] as const, nowMs: T0 };
  for (const patch of [
    { requiredApprovals: 0 },
    { requiredApprovals: 6 },
    { requiredApprovals: 1.5 },
    { allowedRoles: [] },
    { allowedRoles: ['root'] },
    { ttlMs: 0 },
    { ttlMs: 8 * 24 * 3_600_000 },
    { id: '' },
    { id: 'a b' },
    { action: 'Withdraw!' },
    { proposer: { id: 'x', role: 'ceo' } },
    { payload: { when: new Date() } },
  ]) {
    assert.throws(() => propose({ ...ok, ...patch } as Parameters<typeof propose>[0]), (e) => isIdentityError(e), JSON.stringify(patch));
  }
});
