import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { Blocklist } from './blocklist.ts';
import { ScreeningError } from './errors.ts';
import type { FreezeRequest, Holding } from './freezeRequest.ts';
import {
  blocklistFreezeItems,
  buildFreezeResponse,
  CounterpartyRegistry,
  canonicalJson,
  matchFreezeRequest,
  signFreezeRequest,
  signFreezeResponse,
  verifyFreezeRequest,
  verifyFreezeResponse,
} from './freezeRequest.ts';

const code = (c: string) => (e: unknown) => e instanceof ScreeningError && e.code === c;
const partnerSk = hexToBytes('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb');
const attackerSk = hexToBytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const NOW = 1_764_000_000_000;

test('RFC 8032 §7.1 test vectors 1 and 2 hold for the Ed25519 we use', () => {
  assert.equal(bytesToHex(ed25519.getPublicKey(attackerSk)), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  assert.equal(
    bytesToHex(ed25519.sign(new Uint8Array(0), attackerSk)),
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  );
  assert.equal(bytesToHex(ed25519.getPublicKey(partnerSk)), '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c');
  assert.equal(
    bytesToHex(ed25519.sign(new Uint8Array([0x72]), partnerSk)),
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  );
});

function setup() {
  const registry = new CounterpartyRegistry();
  registry.register({ id: 'partner-exchange', name: 'Partner Exchange FZE', kind: 'exchange', publicKeyHex: bytesToHex(ed25519.getPublicKey(partnerSk)), registeredBy: 'alice', registeredAtMs: 1 });
  const request: FreezeRequest = {
    requestId: 'PX-2026-0042',
    counterpartyId: 'partner-exchange',
    issuedAtMs: NOW - 60_000,
    items: [
      { chain: 'ETH', kind: 'address', value: '0x098B716B8Aaf21512996dC57EB0615e2383E2f96' },
      { chain: 'BTC', kind: 'txid', value: 'AB'.repeat(32) },
      { chain: 'BTC', kind: 'address', value: 'bc1qnotanaddress' },
    ],
    reason: 'hot wallet theft 2026-11-24, police ref 1234/2026',
    contact: 'security@partner.example',
  };
  const seen = new Set<string>();
  const ctx = { registry, nowMs: NOW, isSeen: (k: string) => seen.has(k) };
  return { registry, request, seen, ctx };
}

test('canonical JSON sorts keys, has no whitespace and refuses floats', () => {
  assert.equal(canonicalJson({ b: [1, 'x'], a: { d: null, c: true } }), '{"a":{"c":true,"d":null},"b":[1,"x"]}');
  assert.throws(() => canonicalJson({ a: 1.5 }), code('FREEZE_MALFORMED'));
});

test('a valid request verifies (key order irrelevant), matches holdings, blocklists items, and yields a signed response', () => {
  const { request, ctx, seen } = setup();
  const env = signFreezeRequest(request, partnerSk);
  // Re-ordered keys and JSON text transport do not break the signature.
  const reordered = JSON.stringify({ signature: env.signature, request: Object.fromEntries(Object.entries(request).reverse()) });
  const v = verifyFreezeRequest(reordered, ctx);
  assert.equal(v.dedupKey, 'partner-exchange:PX-2026-0042');
  assert.deepEqual(v.items.map((i) => i.value), ['0x098b716b8aaf21512996dc57eb0615e2383e2f96', 'ab'.repeat(32)]);
  assert.deepEqual(v.invalidItems.map((i) => i.index), [2]);
  const holdings: Holding[] = [
    { chain: 'ETH', kind: 'address', value: '0x098b716b8aaf21512996dc57eb0615e2383e2f96', holdingRef: 'H-1', accountId: 'acct-9', amountUnits: 3n * 10n ** 18n },
    { chain: 'BTC', kind: 'address', value: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', holdingRef: 'H-2', accountId: 'acct-3', amountUnits: 5n },
  ];
  const matches = matchFreezeRequest(v, holdings);
  assert.deepEqual(matches.map((m) => m.holdings.map((h) => h.holdingRef)), [['H-1'], []]);
  const b = new Blocklist();
  assert.equal(blocklistFreezeItems(b, v, { atMs: NOW, by: 'alice' }), 2);
  assert.equal(b.lookupAddress('ETH', '0x098b716b8aaf21512996dc57eb0615e2383e2f96')[0]!.source, 'freeze_request');
  seen.add(v.dedupKey);
  const doc = buildFreezeResponse(v, matches, { frozenRefs: new Set(['H-1']), respondedAtMs: NOW, responder: 'rampart-compliance', blocklisted: true });
  assert.deepEqual(doc.items.map((i) => [i.status, i.frozen.map((f) => f.amountUnits)]), [['frozen', ['3000000000000000000']], ['not_held', []]]);
  assert.ok(!JSON.stringify(doc).includes('acct-9'), 'customer account ids never leave in the response');
  const ourSk = hexToBytes('11'.repeat(32));
  const signed = signFreezeResponse(doc, ourSk);
  assert.equal(verifyFreezeResponse(signed, bytesToHex(ed25519.getPublicKey(ourSk))), true);
  assert.equal(verifyFreezeResponse({ ...signed, response: { ...doc, respondedAtMs: NOW + 1 } }, bytesToHex(ed25519.getPublicKey(ourSk))), false);
  // The same request again is a duplicate.
  assert.throws(() => verifyFreezeRequest(env, ctx), code('FREEZE_DUPLICATE'));
});

test('refused: bad signature, tampered request, unknown or revoked counterparty, expired, future-dated, malformed', () => {
  const { request, ctx, registry } = setup();
  // Signed by someone else's key.
  assert.throws(() => verifyFreezeRequest(signFreezeRequest(request, attackerSk), ctx), code('FREEZE_BAD_SIGNATURE'));
  // Valid signature, then an item swapped in transit.
  const env = signFreezeRequest(request, partnerSk);
  const tampered = { ...env, request: { ...request, items: [{ chain: 'BTC', kind: 'address', value: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4' }] } };
  assert.throws(() => verifyFreezeRequest(tampered, ctx), code('FREEZE_BAD_SIGNATURE'));
  const flipped = env.signature.slice(0, -1) + (env.signature.endsWith('0') ? '1' : '0');
  assert.throws(() => verifyFreezeRequest({ ...env, signature: flipped }, ctx), code('FREEZE_BAD_SIGNATURE'));
  assert.throws(() => verifyFreezeRequest(signFreezeRequest({ ...request, counterpartyId: 'nobody' }, partnerSk), ctx), code('FREEZE_UNKNOWN_COUNTERPARTY'));
  assert.throws(() => verifyFreezeRequest(signFreezeRequest({ ...request, issuedAtMs: NOW - 73 * 3600 * 1000 }, partnerSk), ctx), code('FREEZE_EXPIRED'));
  assert.throws(() => verifyFreezeRequest(signFreezeRequest({ ...request, issuedAtMs: NOW + 3600 * 1000 }, partnerSk), ctx), code('FREEZE_FROM_FUTURE'));
  for (const bad of ['not json', '{}', { request, signature: 'zz' }, { request: { ...request, extra: 1 }, signature: env.signature }, { request: { ...request, items: [] }, signature: env.signature }, 'x'.repeat(300_000)]) {
    assert.throws(() => verifyFreezeRequest(bad, ctx), code('FREEZE_MALFORMED'));
  }
  registry.revoke('partner-exchange', NOW);
  assert.throws(() => verifyFreezeRequest(env, ctx), code('FREEZE_UNKNOWN_COUNTERPARTY'));
  assert.throws(() => registry.register({ id: 'x', name: 'x', kind: 'other', publicKeyHex: 'zz', registeredBy: 'a', registeredAtMs: 1 }), code('FREEZE_COUNTERPARTY_INVALID'));
});
