import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isIdentityError } from './errors.ts';
import { AUDIT_GENESIS_HASH, appendAudit, type AuditEntry, canonicalJson, verifyAuditChain } from './audit.ts';

test('canonicalJson: sorted keys, bigint as string, no whitespace, shortest numbers', () => {
  assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 1n, y: -0 } }), '{"a":[true,null,"x"],"b":1,"c":{"y":0,"z":"1"}}');
  assert.equal(canonicalJson({ amountFils: 123456789012345678901234567890n }), '{"amountFils":"123456789012345678901234567890"}');
  assert.equal(canonicalJson({ a: undefined, b: 2 }), '{"b":2}');
  assert.equal(canonicalJson(1e21), '1e+21');
  assert.equal(canonicalJson('\ud800'), '"\\ud800"');
  assert.equal(canonicalJson({ é: 1, e: 2, Z: 3 }), '{"Z":3,"e":2,"é":1}');
  assert.equal(canonicalJson(Object.assign(Object.create(null), { b: 1, a: 2 })), '{"a":2,"b":1}');
});

test('canonicalJson: refuses what has no single encoding', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  let deep: unknown = 1;
  for (let i = 0; i < 40; i++) deep = [deep];
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, new Date(0), new Map(), new Uint8Array(2), () => 1, Symbol('x'), [undefined], cyclic, deep, 'x'.repeat(2_000_000), new (class A {})()]) {
    assert.throws(() => canonicalJson(bad), (e) => isIdentityError(e, 'AUDIT_NOT_CANONICAL'));
  }
  // Shared (non-cyclic) references are fine.
  const shared = { x: 1 };
  assert.equal(canonicalJson([shared, shared]), '[{"x":1},{"x":1}]');
});

test('property: canonicalJson is independent of key insertion order', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.integer(), fc.string(), fc.boolean())), (obj) => {
      const reversed = Object.fromEntries(Object.entries(obj).reverse());
      assert.equal(canonicalJson(obj), canonicalJson(reversed));
      assert.deepEqual(JSON.parse(canonicalJson(obj)), JSON.parse(JSON.stringify(obj)));
    }),
    { numRuns: 200 },
  );
});

function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev: AuditEntry | null = null;
  for (let i = 0; i < n; i++) {
    prev = appendAudit(prev, { atMs: 1000 + i, actor: `staff:${i % 3}`, action: 'kyc.approve', ip: '192.0.2.1', before: { status: 'pending', n: BigInt(i) }, after: { status: 'approved' } });
    out.push(prev);
  }
  return out;
}

test('appendAudit / verifyAuditChain: a good chain verifies', () => {
  const c = chain(10);
  assert.equal(c[0]!.seq, 1);
  assert.equal(c[0]!.prevHash, AUDIT_GENESIS_HASH);
  assert.equal(c[1]!.prevHash, c[0]!.hash);
  assert.deepEqual(c[3]!.before, { status: 'pending', n: '3' });
  assert.deepEqual(verifyAuditChain(c), { ok: true, headSeq: 10, headHash: c[9]!.hash });
  assert.deepEqual(verifyAuditChain([]), { ok: true, headSeq: 0, headHash: AUDIT_GENESIS_HASH });
  // Survives a JSON round-trip through storage.
  assert.equal(verifyAuditChain(JSON.parse(JSON.stringify(c))).ok, true);
  // A segment verifies from an anchor.
  assert.equal(verifyAuditChain(c.slice(5), { anchor: { seq: c[4]!.seq, hash: c[4]!.hash, atMs: c[4]!.atMs } }).ok, true);
  assert.equal(verifyAuditChain(c.slice(5)).ok, false);
  // IPv6 stored canonically.
  assert.equal(appendAudit(null, { atMs: 1, actor: 'a', action: 'x', ip: '2001:DB8:0::1', before: null, after: null }).ip, '2001:db8::1');
});

test('tampering: edit, deletion, insertion, reordering, truncation are all detected', () => {
  const c = chain(8);
  const clone = () => JSON.parse(JSON.stringify(c)) as AuditEntry[];
  // Edit a field deep inside `after`.
  let t = clone();
  (t[4]!.after as Record<string, unknown>).status = 'rejected';
  assert.deepEqual(verifyAuditChain(t), { ok: false, brokenAtSeq: 5, reason: 'HASH' });
  // Edit and re-hash that entry: the next entry's prevHash no longer matches.
  t = clone();
  t[4] = appendAudit(t[3]!, { atMs: t[4]!.atMs, actor: 'evil', action: 'kyc.approve', ip: '', before: null, after: null });
  assert.deepEqual(verifyAuditChain(t), { ok: false, brokenAtSeq: 6, reason: 'PREV_HASH' });
  // Edit actor, ip, atMs, seq.
  for (const mutate of [(e: AuditEntry) => { e.actor = 'x'; }, (e: AuditEntry) => { e.ip = '192.0.2.2'; }, (e: AuditEntry) => { e.atMs += 0; e.before = null; }]) {
    t = clone();
    mutate(t[2]!);
    assert.equal(verifyAuditChain(t).ok, false);
  }
  // Deletion in the middle.
  t = clone();
  t.splice(3, 1);
  assert.deepEqual(verifyAuditChain(t), { ok: false, brokenAtSeq: 4, reason: 'SEQ' });
  // Insertion of a forged entry.
  t = clone();
  t.splice(3, 0, appendAudit(t[2]!, { atMs: t[2]!.atMs, actor: 'evil', action: 'withdrawal.release', ip: '', before: null, after: null }));
  assert.deepEqual(verifyAuditChain(t), { ok: false, brokenAtSeq: 5, reason: 'SEQ' });
  // Reordering.
  t = clone();
  [t[2], t[3]] = [t[3]!, t[2]!];
  assert.deepEqual(verifyAuditChain(t), { ok: false, brokenAtSeq: 3, reason: 'SEQ' });
  // Deleting the first entry.
  assert.equal(verifyAuditChain(clone().slice(1)).ok, false);
  // Truncation of the tail: only with the expected head.
  const head = { seq: c[7]!.seq, hash: c[7]!.hash };
  assert.equal(verifyAuditChain(clone().slice(0, 6)).ok, true);
  assert.deepEqual(verifyAuditChain(clone().slice(0, 6), { expectedHead: head }), { ok: false, brokenAtSeq: 7, reason: 'HEAD' });
  // Garbage entries.
  assert.deepEqual(verifyAuditChain([null as unknown as AuditEntry]), { ok: false, brokenAtSeq: 1, reason: 'SHAPE' });
  t = clone();
  (t[1] as unknown as Record<string, unknown>).after = { d: Number.NaN };
  assert.deepEqual(verifyAuditChain(t), { ok: false, brokenAtSeq: 2, reason: 'SHAPE' });
});

test('property: any single-entry field change or swap breaks the chain', () => {
  const base = chain(6);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 5 }), fc.constantFrom('actor', 'action', 'ip', 'before', 'after', 'atMs', 'hash', 'prevHash', 'seq'), (i, field) => {
      const t = JSON.parse(JSON.stringify(base)) as Record<string, unknown>[];
      const e = t[i]!;
      e[field] = field === 'atMs' || field === 'seq' ? (e[field] as number) + 1 : field === 'ip' ? '198.51.100.7' : field === 'before' || field === 'after' ? { x: 1 } : `${e[field] as string}x`;
      assert.equal(verifyAuditChain(t as unknown as AuditEntry[]).ok, false);
    }),
    { numRuns: 100 },
  );
});

test('appendAudit: hostile inputs are AUDIT_INPUT_INVALID; time must not go backwards', () => {
  const ok = { atMs: 5, actor: 'staff:1', action: 'kyc.approve', ip: '', before: null, after: null };
  for (const patch of [{ atMs: -1 }, { atMs: 1.5 }, { actor: '' }, { actor: 'a\nb' }, { action: 'KYC' }, { action: 'kyc approve' }, { action: '' }, { ip: 'not-an-ip' }, { ip: '1.2.3.4 ' }]) {
    assert.throws(() => appendAudit(null, { ...ok, ...patch }), (e) => isIdentityError(e, 'AUDIT_INPUT_INVALID'), JSON.stringify(patch));
  }
  assert.throws(() => appendAudit(null, { ...ok, after: new Date() }), (e) => isIdentityError(e, 'AUDIT_NOT_CANONICAL'));
  const first = appendAudit(null, ok);
  assert.throws(() => appendAudit(first, { ...ok, atMs: 4 }), (e) => isIdentityError(e, 'AUDIT_INPUT_INVALID'));
  // Caller's objects are snapshotted, not aliased.
  const after = { status: 'x' };
  const e = appendAudit(first, { ...ok, after });
  after.status = 'y';
  assert.deepEqual(e.after, { status: 'x' });
});
