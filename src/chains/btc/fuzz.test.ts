import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base64 } from '@scure/base';
import fc from 'fast-check';
import { parseAddress } from './address.ts';
import { verifyMessageBip322 } from './bip322.ts';
import { DevChain, RpcFailure } from './devchain.ts';
import { BtcChainError } from './errors.ts';
import { parseAccountXpub } from './hd.ts';
import { parseJsonLossless } from './json.ts';
import { describePsbt } from './wallet.ts';

/** Every parser facing untrusted input either succeeds or throws its typed error — never anything else. */
function onlyTyped(fn: () => unknown, cls: new (...args: never[]) => Error = BtcChainError): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof cls, `unexpected ${String(e)}`);
  }
}

const bech32ish = fc
  .tuple(fc.constantFrom('bc1', 'tb1', 'bcrt1', 'BC1', 'bc1p', 'bc1q', '1', '3', 'm', '2'), fc.string({ unit: fc.constantFrom(...'qpzry9x8gf2tvdw0s3jn54khce6mua7lQPZ1O0Il'.split('')), maxLength: 80 }))
  .map(([a, b]) => a + b);

test('fuzz: parseAddress on arbitrary and near-valid strings', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 120 }), bech32ish), fc.constantFrom<'mainnet' | 'testnet' | 'regtest' | undefined>('mainnet', 'testnet', 'regtest', undefined), (s, n) => {
      onlyTyped(() => parseAddress(s, n));
    }),
    { numRuns: 300 },
  );
});

test('fuzz: lossless JSON, xpub, PSBT, BIP322 signature, raw transactions', () => {
  const chain = new DevChain({ coinbaseMaturity: 1 });
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 300 }), (s, bytes) => {
      onlyTyped(() => parseJsonLossless(s));
      onlyTyped(() => parseAccountXpub(s, 'mainnet'));
      onlyTyped(() => describePsbt(base64.encode(Uint8Array.of(0x70, 0x73, 0x62, 0x74, 0xff, ...bytes))));
      onlyTyped(() => verifyMessageBip322('m', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', base64.encode(bytes), 'mainnet'));
      onlyTyped(() => chain.acceptToMempool(bytes), RpcFailure);
    }),
    { numRuns: 200 },
  );
  assert.equal(chain.mempool.size, 0);
});
