import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Blocklist, normaliseAddress, normaliseTxid } from './blocklist.ts';
import { ScreeningError } from './errors.ts';

const code = (c: string) => (e: unknown) => e instanceof ScreeningError && e.code === c;
const base = { reason: 'Ronin bridge exploit', source: 'incident' as const, sourceRef: 'INC-2022-03-23', addedAtMs: 1_000, addedBy: 'alice' };

test('normalises ETH to lowercase and bech32 to lowercase, keeps base58 as is', () => {
  assert.equal(normaliseAddress('ETH', '0x098B716B8Aaf21512996dC57EB0615e2383E2f96'), '0x098b716b8aaf21512996dc57eb0615e2383e2f96');
  // BIP173 test vector (valid P2WPKH), upper case form.
  assert.equal(normaliseAddress('BTC', 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4'), 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
  assert.equal(normaliseAddress('BTC', '1EyyjR3BqfpYi5yfWXQDZYTTxUoSmXR5ZT'), '1EyyjR3BqfpYi5yfWXQDZYTTxUoSmXR5ZT');
  assert.equal(normaliseTxid('ETH', '0x' + 'AB'.repeat(32)), '0x' + 'ab'.repeat(32));
  assert.equal(normaliseTxid('BTC', 'CD'.repeat(32)), 'cd'.repeat(32));
});

test('refuses malformed addresses with a typed error', () => {
  for (const bad of ['0x123', '098B716B8Aaf21512996dC57EB0615e2383E2f96', '0x' + 'g'.repeat(40), '']) assert.throws(() => normaliseAddress('ETH', bad), code('ADDRESS_INVALID'));
  // mixed-case bech32 (BIP173), 'b' and 'i' and 'o' are not in the bech32 charset, 0OIl not in base58.
  for (const bad of ['bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'bc1qb508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', '0EyyjR3BqfpYi5yfWXQDZYTTxUoSmXR5ZT', 'short', 'bc1q' + 'q'.repeat(100)]) {
    assert.throws(() => normaliseAddress('BTC', bad), code('ADDRESS_INVALID'), bad);
  }
  assert.throws(() => normaliseAddress('DOGE' as 'BTC', 'x'), code('CHAIN_INVALID'));
  assert.throws(() => normaliseTxid('BTC', '0x' + 'ab'.repeat(32)), code('TXID_INVALID'));
  // an injected full validator (checksum) is consulted
  assert.throws(() => normaliseAddress('BTC', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', () => false), code('ADDRESS_INVALID'));
});

test('add is idempotent per source ref, lookup is case-insensitive for ETH, removal is recorded not erased', () => {
  const b = new Blocklist();
  const addr = '0x098B716B8Aaf21512996dC57EB0615e2383E2f96';
  assert.equal(b.add({ ...base, chain: 'ETH', kind: 'address', value: addr }).added, true);
  assert.equal(b.add({ ...base, chain: 'ETH', kind: 'address', value: addr.toLowerCase() }).added, false);
  assert.equal(b.add({ ...base, source: 'ofac', sourceRef: 'ofac:sdn:23036', chain: 'ETH', kind: 'address', value: addr }).added, true);
  assert.equal(b.lookupAddress('ETH', addr.toUpperCase().replace('0X', '0x')).length, 2);
  assert.deepEqual(b.lookupAddress('ETH', 'garbage'), []);
  const removed = b.remove({ chain: 'ETH', kind: 'address', value: addr, atMs: 2_000, by: 'bob', reason: 'OFAC delisted', source: 'ofac' });
  assert.equal(removed.length, 1);
  assert.equal(b.lookupAddress('ETH', addr).length, 1, 'the incident entry stays active');
  const exp = b.export();
  assert.equal(exp.entries.length, 2);
  assert.deepEqual(exp.entries[1]!.removed, { atMs: 2_000, by: 'bob', reason: 'OFAC delisted' });
  assert.throws(() => b.remove({ chain: 'ETH', kind: 'address', value: addr, atMs: 3, by: 'bob', reason: 'x', source: 'ofac' }), code('ENTRY_NOT_FOUND'));
  // round trip through the export
  const b2 = Blocklist.fromExport(JSON.parse(JSON.stringify(exp)));
  assert.deepEqual(b2.export(), exp);
  assert.equal(b2.lookupAddress('ETH', addr).length, 1);
});

test('bounded: refuses entries past the stated maximum; rejects bad metadata', () => {
  const b = new Blocklist({ entriesMax: 1 });
  b.add({ ...base, chain: 'BTC', kind: 'txid', value: 'ab'.repeat(32) });
  assert.throws(() => b.add({ ...base, chain: 'BTC', kind: 'txid', value: 'cd'.repeat(32) }), code('BLOCKLIST_FULL'));
  assert.throws(() => b.add({ ...base, addedBy: '', chain: 'BTC', kind: 'txid', value: 'cd'.repeat(32) }), code('ACTOR_INVALID'));
  assert.throws(() => b.add({ ...base, source: 'rumour' as 'manual', chain: 'BTC', kind: 'txid', value: 'cd'.repeat(32) }), code('SOURCE_INVALID'));
  assert.equal(b.size, 1);
});

test('property: any 20-byte hex ETH address round-trips case-insensitively and is found after add', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.boolean(), (bytes, upper) => {
      const hex = Buffer.from(bytes).toString('hex');
      const b = new Blocklist();
      b.add({ ...base, chain: 'ETH', kind: 'address', value: `0x${upper ? hex.toUpperCase() : hex}` });
      return b.isListed('ETH', 'address', `0x${hex}`) && b.export().entries[0]!.value === `0x${hex}`;
    }),
    { numRuns: 200 },
  );
});
