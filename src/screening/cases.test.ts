import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CaseEvidence, Ctx } from './cases.ts';
import { addNote, approveReturn, keepFrozen, ledgerInstruction, openCase, proposeReturn, rejectReturn, release } from './cases.ts';
import { ScreeningError } from './errors.ts';

const staff = new Set(['alice', 'bob', 'carol']);
const authority = { isComplianceStaff: (a: string) => staff.has(a) };
const ctx = (actor: string, atMs: number): Ctx => ({ actor, atMs, authority });
const code = (c: string) => (e: unknown) => e instanceof ScreeningError && e.code === c;
const evidence: CaseEvidence = {
  trace: { graph: { nodes: [], edges: [] } },
  exposures: { poison: { exposureUnits: '60000000', bps: 10000 }, haircut: { exposureUnits: '9000000', bps: 1500 }, fifo: { exposureUnits: '30000000', bps: 5000 } },
  listedSources: [{ source: 'incident', sourceRef: 'INC-1', reason: 'exchange hack' }],
  verdictReasons: ['EXPOSURE_THRESHOLD'],
};
const opened = () => openCase({ id: 'CASE-1', chain: 'BTC', depositRef: 'dd:0', accountId: 'acct-7', amountUnits: 60_000_000n, evidence }, ctx('alice', 1_000));

test('open → note → keep frozen → release, each transition audited with before/after', () => {
  const o = opened();
  assert.deepEqual([o.audit.action, o.audit.before, o.audit.after.status], ['open', null, 'open']);
  const n = addNote(o.case, 'customer says funds came from a P2P trade', ctx('bob', 2_000));
  assert.equal(n.case.notes.length, 1);
  assert.deepEqual([n.audit.before!.notes, n.audit.after.notes, n.audit.actor], [0, 1, 'bob']);
  const k = keepFrozen(n.case, 'awaiting police report', ctx('alice', 3_000));
  assert.deepEqual([k.audit.before!.status, k.audit.after.status], ['open', 'kept_frozen']);
  assert.deepEqual(ledgerInstruction(k.case), { kind: 'none' });
  const r = release(k.case, 'report shows legitimate origin', ctx('carol', 4_000));
  assert.equal(r.case.status, 'released');
  assert.deepEqual(ledgerInstruction(r.case), { kind: 'unfreeze', accountId: 'acct-7', amountUnits: 60_000_000n });
  assert.equal(o.case.status, 'open', 'the old case is untouched');
  assert.throws(() => release(r.case, 'again', ctx('carol', 5_000)), code('CASE_TRANSITION'));
  assert.throws(() => keepFrozen(r.case, 'x', ctx('carol', 5_000)), code('CASE_TRANSITION'));
});

test('a return requires two different staff members (four-eyes)', () => {
  const p = proposeReturn(opened().case, { toAddress: 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', rationale: 'victim exchange proved ownership' }, ctx('alice', 2_000));
  assert.equal(p.case.status, 'return_pending');
  assert.equal(p.case.returnProposal!.toAddress, 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
  assert.throws(() => approveReturn(p.case, ctx('alice', 3_000)), code('FOUR_EYES'));
  assert.throws(() => approveReturn(p.case, ctx('mallory', 3_000)), code('CASE_ACTOR'));
  const strict = { ...authority, mayApprove: (_p: string, a: string) => a === 'carol' };
  assert.throws(() => approveReturn(p.case, { actor: 'bob', atMs: 3_000, authority: strict }), code('FOUR_EYES'));
  const a = approveReturn(p.case, ctx('bob', 3_000));
  assert.equal(a.case.status, 'returned');
  assert.deepEqual(a.audit.after.returnApproval, { approvedBy: 'bob', atMs: 3_000 });
  assert.deepEqual(ledgerInstruction(a.case), { kind: 'return', accountId: 'acct-7', amountUnits: 60_000_000n, toAddress: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4' });
});

test('rejecting a return goes back to the earlier status; bad input changes nothing', () => {
  const k = keepFrozen(opened().case, 'hold', ctx('alice', 2_000)).case;
  const p = proposeReturn(k, { toAddress: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', rationale: 'claim' }, ctx('alice', 3_000)).case;
  const r = rejectReturn(p, 'ownership proof forged', ctx('bob', 4_000));
  assert.equal(r.case.status, 'kept_frozen');
  assert.equal(r.case.returnProposal, null);
  assert.equal(r.audit.after.notes, 1);
  assert.throws(() => proposeReturn(k, { toAddress: 'not-an-address', rationale: 'x' }, ctx('alice', 3_000)), code('CASE_INVALID'));
  assert.throws(() => addNote(k, 'late', ctx('bob', 1_500)), code('CASE_TIME'));
  assert.throws(() => addNote(k, '   ', ctx('bob', 2_500)), code('CASE_TEXT'));
  assert.throws(() => openCase({ id: 'bad id!', chain: 'BTC', depositRef: 'd', accountId: 'a', amountUnits: 1n, evidence }, ctx('alice', 1)), code('CASE_INVALID'));
  assert.throws(() => openCase({ id: 'C2', chain: 'BTC', depositRef: 'd', accountId: 'a', amountUnits: 0n, evidence }, ctx('alice', 1)), code('CASE_INVALID'));
  assert.equal(k.status, 'kept_frozen');
});
