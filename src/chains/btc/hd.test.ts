import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HDKey } from '@scure/bip32';
import { hex } from '@scure/base';
import fc from 'fast-check';
import { BtcChainError } from './errors.ts';
import {
  bip84Account,
  checkMnemonic,
  deriveAddress,
  deriveChangeAddress,
  deriveReceiveAddress,
  masterKeyFromSeed,
  mnemonicToSeed,
  parseAccountXpub,
} from './hd.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof BtcChainError, String(e));
    return e.code;
  }
  assert.fail('expected an error');
}

const ABOUT = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const seed = mnemonicToSeed(ABOUT);

test('BIP84 official vectors for the "abandon … about" mnemonic', () => {
  const master = masterKeyFromSeed(seed, 'zpub');
  assert.equal(
    master.privateExtendedKey,
    'zprvAWgYBBk7JR8Gjrh4UJQ2uJdG1r3WNRRfURiABBE3RvMXYSrRJL62XuezvGdPvG6GFBZduosCc1YP5wixPox7zhZLfiUm8aunE96BBa4Kei5',
  );
  assert.equal(
    master.publicExtendedKey,
    'zpub6jftahH18ngZxLmXaKw3GSZzZsszmt9WqedkyZdezFtWRFBZqsQH5hyUmb4pCEeZGmVfQuP5bedXTB8is6fTv19U1GQRyQUKQGUTzyHACMF',
  );
  const account = bip84Account(seed, 'mainnet');
  assert.equal(account.path, "m/84'/0'/0'");
  assert.equal(
    account.xprv,
    'zprvAdG4iTXWBoARxkkzNpNh8r6Qag3irQB8PzEMkAFeTRXxHpbF9z4QgEvBRmfvqWvGp42t42nvgGpNgYSJA9iefm1yYNZKEm7z6qUWCroSQnE',
  );
  assert.equal(
    account.xpub,
    'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs',
  );
  // Derived from the account zpub alone: no private key on this path.
  const r0 = deriveReceiveAddress(account.xpub, 'mainnet', 0);
  assert.equal(r0.address, 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
  assert.equal(hex.encode(r0.publicKey), '0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c');
  const r1 = deriveReceiveAddress(account.xpub, 'mainnet', 1);
  assert.equal(r1.address, 'bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g');
  assert.equal(hex.encode(r1.publicKey), '03e775fd51f0dfb8cd865d9ff1cca2a158cf651fe997fdc9fee9c1d3b5e995ea77');
  const c0 = deriveChangeAddress(account.xpub, 'mainnet', 0);
  assert.equal(c0.address, 'bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el');
  assert.equal(hex.encode(c0.publicKey), '03025324888e429ab8e3dbaf1f7802648b9cd01e9b418485c5fa4c1b9b5700e1a6');
});

test('BIP32 test vector 1', () => {
  const m = HDKey.fromMasterSeed(hex.decode('000102030405060708090a0b0c0d0e0f'));
  const expect: Array<[string, string, string]> = [
    [
      'm',
      'xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8',
      'xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi',
    ],
    [
      "m/0'",
      'xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw',
      'xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvUxt4cV1rGL5hj6KCesnDYUhd7oWgT11eZG7XnxHrnYeSvkzY7d2bhkJ7',
    ],
    [
      "m/0'/1",
      'xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ',
      'xprv9wTYmMFdV23N2TdNG573QoEsfRrWKQgWeibmLntzniatZvR9BmLnvSxqu53Kw1UmYPxLgboyZQaXwTCg8MSY3H2EU4pWcQDnRnrVA1xe8fs',
    ],
    [
      "m/0'/1/2'",
      'xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5',
      'xprv9z4pot5VBttmtdRTWfWQmoH1taj2axGVzFqSb8C9xaxKymcFzXBDptWmT7FwuEzG3ryjH4ktypQSAewRiNMjANTtpgP4mLTj34bhnZX7UiM',
    ],
    [
      "m/0'/1/2'/2",
      'xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV',
      'xprvA2JDeKCSNNZky6uBCviVfJSKyQ1mDYahRjijr5idH2WwLsEd4Hsb2Tyh8RfQMuPh7f7RtyzTtdrbdqqsunu5Mm3wDvUAKRHSC34sJ7in334',
    ],
    [
      "m/0'/1/2'/2/1000000000",
      'xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy',
      'xprvA41z7zogVVwxVSgdKUHDy1SKmdb533PjDz7J6N6mV6uS3ze1ai8FHa8kmHScGpWmj4WggLyQjgPie1rFSruoUihUZREPSL39UNdE3BBDu76',
    ],
  ];
  for (const [path, xpub, xprv] of expect) {
    const k = m.derive(path);
    assert.equal(k.publicExtendedKey, xpub, path);
    assert.equal(k.privateExtendedKey, xprv, path);
  }
});

test('testnet/regtest accounts use coin type 1 and vpub/tpub; wrong network and private keys are refused', () => {
  const t = bip84Account(seed, 'regtest');
  assert.equal(t.path, "m/84'/1'/0'");
  assert.ok(t.xpub.startsWith('vpub'));
  const a = deriveReceiveAddress(t.xpub, 'regtest', 0);
  assert.ok(a.address.startsWith('bcrt1q'));
  const legacy = bip84Account(seed, 'testnet', 0, false);
  assert.ok(legacy.xpub.startsWith('tpub'));
  assert.equal(deriveReceiveAddress(legacy.xpub, 'testnet', 0).publicKey.length, 33);
  // BIP84 testnet first receive address for "abandon … about"
  assert.equal(deriveReceiveAddress(t.xpub, 'testnet', 0).address, 'tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl');
  assert.equal(code(() => parseAccountXpub(t.xpub, 'mainnet')), 'XPUB_WRONG_NETWORK');
  assert.equal(code(() => parseAccountXpub(bip84Account(seed, 'mainnet').xprv, 'mainnet')), 'XPUB_IS_PRIVATE');
  assert.equal(code(() => parseAccountXpub(masterKeyFromSeed(seed, 'zpub').publicExtendedKey, 'mainnet')), 'XPUB_WRONG_DEPTH');
});

test('hostile inputs: bad mnemonic, bad xpub, bad index → typed errors', () => {
  assert.equal(code(() => checkMnemonic(ABOUT.replace('about', 'abandon'))), 'MNEMONIC_INVALID'); // checksum
  assert.equal(code(() => checkMnemonic('hello world')), 'MNEMONIC_INVALID');
  assert.equal(code(() => checkMnemonic(42)), 'MNEMONIC_INVALID');
  for (const bad of [undefined, '', 'x'.repeat(111), 'zpub'.padEnd(111, '1')]) assert.equal(code(() => parseAccountXpub(bad, 'mainnet')), 'XPUB_INVALID');
  const acct = parseAccountXpub(bip84Account(seed, 'mainnet').xpub, 'mainnet');
  for (const i of [-1, 2 ** 31, 1.5, Number.NaN]) assert.equal(code(() => deriveAddress(acct, 'mainnet', 0, i)), 'DERIVATION_INDEX');
});

test('property: xpub-only derivation equals private derivation', () => {
  const root = masterKeyFromSeed(seed, 'vpub');
  const account = bip84Account(seed, 'regtest');
  const pub = parseAccountXpub(account.xpub, 'regtest');
  fc.assert(
    fc.property(fc.integer({ min: 0, max: DERIVATION_MAX_FOR_TEST }), fc.constantFrom<0 | 1>(0, 1), (index, chain) => {
      const priv = root.derive(`${account.path}/${chain}/${index}`);
      assert.deepEqual(deriveAddress(pub, 'regtest', chain, index).publicKey, priv.publicKey);
    }),
    { numRuns: 25 },
  );
});
const DERIVATION_MAX_FOR_TEST = 2 ** 31 - 1;
