import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { BankRailsError } from './errors.ts';
import { BANK_REF_VERBATIM_MAX, compactBankRef } from './ledgerView.ts';
import { decodeRecord, encodeRecord, MemoryRailsStore, SqliteRailsStore } from './store.ts';

const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, fc.bigInt({ min: -(1n << 260n), max: 1n << 260n }), fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('v'), { maxKeys: 4 }).map((d) => ({ ...d }))),
})).v;

test('records round-trip exactly (bigints included) and text can never turn into a bigint', () => {
  fc.assert(
    fc.property(value, (v) => {
      assert.deepEqual(decodeRecord(encodeRecord(v)), v);
    }),
    { numRuns: 200 },
  );
  assert.equal(decodeRecord<{ a: unknown }>(encodeRecord({ a: '{"$bigint":"5"}' })).a, '{"$bigint":"5"}');
});

test('memory and SQLite stores behave the same; SQLite keeps records across reopen; putMany is all or nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-rails-store-'));
  try {
    const path = join(dir, 'r.sqlite');
    const stores = [new MemoryRailsStore(), new SqliteRailsStore(path)];
    for (const s of stores) {
      s.putMany([
        { kind: 'payout', id: 'b', value: { amountFils: 5n, state: 'queued' } },
        { kind: 'payout', id: 'a', value: { amountFils: 10n ** 30n } },
        { kind: 'batch', id: 'a', value: { x: 1 } },
      ]);
      s.putMany([{ kind: 'payout', id: 'b', value: { amountFils: 6n, state: 'batched' } }]);
      s.putMany([{ kind: 'payoutQueue', id: 'b', value: 1 }]);
      s.putMany([{ kind: 'payoutQueue', id: 'b', value: undefined }]);
      assert.equal(s.get('payoutQueue', 'b'), undefined, 'undefined removes');
      assert.throws(() => s.putMany([{ kind: 'payout', id: 'c', value: 1 }, { kind: 'payout', id: '', value: 2 }]), (e) => e instanceof BankRailsError && e.code === 'STORE_ID');
    }
    const [m, q] = stores as [MemoryRailsStore, SqliteRailsStore];
    assert.deepEqual(m.list('payout'), q.list('payout'));
    assert.deepEqual(q.list('payout'), [{ amountFils: 10n ** 30n }, { amountFils: 6n, state: 'batched' }]);
    assert.equal(q.get('payout', 'c'), undefined, 'the failed batch wrote nothing');
    assert.equal(m.get('payout', 'c'), undefined);
    q.close();
    const reopened = new SqliteRailsStore(path);
    assert.deepEqual(reopened.get('payout', 'b'), { amountFils: 6n, state: 'batched' });
    assert.deepEqual(reopened.list('batch', 10), [{ x: 1 }]);
    reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compactBankRef: short references verbatim, long (composite) ones a fixed-length digest within the core ref limit', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), (ref) => {
      const c = compactBankRef(ref);
      if (ref.length <= BANK_REF_VERBATIM_MAX) assert.equal(c, ref);
      else assert.match(c, /^bank-h:[0-9a-f]{64}$/);
      assert.ok(`suspense:${c}`.length <= 128);
    }),
    { numRuns: 200 },
  );
});
