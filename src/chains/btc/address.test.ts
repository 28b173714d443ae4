import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hex } from '@scure/base';
import fc from 'fast-check';
import { encodeSegwitAddress, isValidAddress, parseAddress, scriptToAddress } from './address.ts';
import { BtcChainError } from './errors.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof BtcChainError, `expected BtcChainError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected an error');
}

// BIP350 "Test vectors for v0-v16 native segregated witness addresses" (supersedes BIP173's list:
// the v1+ entries there used bech32 and are now invalid).
const VALID: Array<[string, string]> = [
  ['BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', '0014751e76e8199196d454941c45d1b3a323f1433bd6'],
  ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', '00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262'],
  [
    'bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y',
    '5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6',
  ],
  ['BC1SW50QGDZ25J', '6002751e'],
  ['bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs', '5210751e76e8199196d454941c45d1b3a323'],
  ['tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy', '0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433'],
  ['tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c', '5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433'],
  ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0', '512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'],
];

test('BIP350/BIP173 valid addresses parse to the official scriptPubKeys and re-encode', () => {
  for (const [address, script] of VALID) {
    const p = parseAddress(address);
    assert.equal(hex.encode(p.scriptPubKey), script, address);
    assert.equal(p.address, address.toLowerCase());
    assert.equal(scriptToAddress(p.scriptPubKey, p.network), address.toLowerCase());
    assert.equal(encodeSegwitAddress(p.network, p.witnessVersion!, p.program), address.toLowerCase());
  }
  assert.equal(parseAddress(VALID[0]![0]).type, 'p2wpkh');
  assert.equal(parseAddress(VALID[1]![0]).type, 'p2wsh');
  assert.equal(parseAddress(VALID[7]![0]).type, 'p2tr');
  assert.equal(parseAddress(VALID[3]![0]).type, 'witness_unknown');
});

// BIP350 invalid addresses, each with the reason the BIP gives, mapped to our code.
const INVALID_BIP350: Array<[string, string]> = [
  ['tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut', 'ADDRESS_UNKNOWN_PREFIX'], // invalid hrp
  ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd', 'ADDRESS_WRONG_ENCODING'], // bech32 instead of bech32m
  ['tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf', 'ADDRESS_WRONG_ENCODING'],
  ['BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL', 'ADDRESS_WRONG_ENCODING'],
  ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh', 'ADDRESS_WRONG_ENCODING'], // bech32m instead of bech32 (v0)
  ['tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47', 'ADDRESS_WRONG_ENCODING'],
  ['bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4', 'ADDRESS_FORMAT'], // invalid character in checksum
  ['BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R', 'ADDRESS_WITNESS_VERSION'],
  ['bc1pw5dgrnzv', 'ADDRESS_PROGRAM_LENGTH'], // 1-byte program
  ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav', 'ADDRESS_PROGRAM_LENGTH'], // 41 bytes
  ['BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P', 'ADDRESS_PROGRAM_LENGTH'], // 16 bytes for v0
  ['tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq', 'ADDRESS_MIXED_CASE'],
  ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf', 'ADDRESS_PADDING'], // > 4 bits of zero padding
  ['tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j', 'ADDRESS_PADDING'], // non-zero padding
  ['bc1gmk9yu', 'ADDRESS_FORMAT'], // empty data section
];

// BIP173 invalid addresses (still invalid under BIP350).
const INVALID_BIP173: Array<[string, string]> = [
  ['tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty', 'ADDRESS_UNKNOWN_PREFIX'],
  ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', 'ADDRESS_CHECKSUM'],
  ['BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2', 'ADDRESS_WITNESS_VERSION'],
  // These two were built with bech32 for v1/v16; under BIP350 the wrong checksum is found first.
  ['bc1rw5uspcuh', 'ADDRESS_WRONG_ENCODING|ADDRESS_PROGRAM_LENGTH'],
  ['bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90', 'ADDRESS_WRONG_ENCODING|ADDRESS_PROGRAM_LENGTH'],
  ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7', 'ADDRESS_MIXED_CASE'],
  ['bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du', 'ADDRESS_WRONG_ENCODING|ADDRESS_PADDING'], // v2 in bech32
  ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv', 'ADDRESS_PADDING'],
  // BIP173's v1+ "valid" vectors were bech32; BIP350 makes them invalid.
  ['bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx', 'ADDRESS_WRONG_ENCODING'],
  ['BC1SW50QA3JX3S', 'ADDRESS_WRONG_ENCODING'],
];

test('BIP350 and BIP173 invalid addresses raise the matching typed error', () => {
  for (const [address, expected] of [...INVALID_BIP350, ...INVALID_BIP173]) {
    const got = code(() => parseAddress(address));
    assert.ok(expected.split('|').includes(got), `${address}: ${got}`);
  }
});

test('BIP173 invalid bech32 strings (hrp range, length, separator, charset) are refused', () => {
  const cases = [
    '\x201nwldj5',
    '\x7f1axkwrx',
    '\x801eym55h',
    'an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx',
    'x1b4n0q5v',
    'li1dgmt3',
    'de1lg7wt\xff',
    '10a06t8',
    '1qzzfhee',
  ];
  // "1qzzfhee" is all-base58, so it is read (and refused) as a base58 address; any ADDRESS_ code is right.
  for (const s of cases) assert.ok(code(() => parseAddress(s)).startsWith('ADDRESS_'), JSON.stringify(s));
  // checksum computed over the uppercase HRP (all-base58 too, so refused on that path)
  assert.ok(code(() => parseAddress('A1G7SGD8')).startsWith('ADDRESS_'));
});

test('network is enforced: mainnet address on regtest, testnet on mainnet', () => {
  assert.equal(code(() => parseAddress('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'regtest')), 'ADDRESS_WRONG_NETWORK');
  assert.equal(code(() => parseAddress(VALID[1]![0], 'mainnet')), 'ADDRESS_WRONG_NETWORK');
  assert.equal(parseAddress(VALID[1]![0], 'testnet').network, 'testnet');
  const regtest = encodeSegwitAddress('regtest', 0, new Uint8Array(20).fill(7));
  assert.ok(regtest.startsWith('bcrt1q'));
  assert.equal(parseAddress(regtest, 'regtest').type, 'p2wpkh');
  assert.equal(code(() => parseAddress(regtest, 'testnet')), 'ADDRESS_WRONG_NETWORK');
});

test('base58check P2PKH / P2SH for mainnet and testnet/regtest', () => {
  const p2pkh = parseAddress('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', 'mainnet');
  assert.equal(p2pkh.type, 'p2pkh');
  assert.equal(hex.encode(p2pkh.scriptPubKey), '76a91477bff20c60e522dfaa3350c39b030a5d004e839a88ac');
  const p2sh = parseAddress('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', 'mainnet');
  assert.equal(p2sh.type, 'p2sh');
  assert.equal(scriptToAddress(p2sh.scriptPubKey, 'mainnet'), '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy');
  const t = scriptToAddress(p2pkh.scriptPubKey, 'testnet')!;
  assert.ok(t.startsWith('m') || t.startsWith('n'));
  assert.equal(parseAddress(t, 'regtest').network, 'regtest');
  assert.equal(parseAddress(t, 'testnet').network, 'testnet');
  assert.equal(code(() => parseAddress(t, 'mainnet')), 'ADDRESS_WRONG_NETWORK');
  assert.equal(code(() => parseAddress('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3')), 'ADDRESS_CHECKSUM');
  assert.equal(code(() => parseAddress('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN0')), 'ADDRESS_FORMAT'); // '0' not in base58
});

test('hostile inputs: non-strings, empty, huge, unicode → typed error', () => {
  for (const bad of [undefined, null, 42, {}, '', 'x'.repeat(10_000), 'bc1ü', '\u0000', '1'.repeat(50)]) {
    assert.ok(code(() => parseAddress(bad)).startsWith('ADDRESS_'));
  }
  assert.equal(isValidAddress('nope', 'mainnet'), false);
});

test('property: any witness program round-trips; any single-character change is rejected', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<'mainnet' | 'testnet' | 'regtest'>('mainnet', 'testnet', 'regtest'),
      fc.integer({ min: 0, max: 16 }),
      fc.uint8Array({ minLength: 2, maxLength: 40 }),
      fc.nat(),
      fc.nat(31),
      (network, version, program0, pos, charIdx) => {
        const program = version === 0 ? program0.slice(0, 20) : program0;
        if (version === 0 && program.length !== 20) return;
        const address = encodeSegwitAddress(network, version, program);
        const p = parseAddress(address, network);
        assert.deepEqual(p.program, program);
        const i = address.lastIndexOf('1') + 1 + (pos % (address.length - address.lastIndexOf('1') - 1));
        const replacement = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'[charIdx]!;
        if (address[i] === replacement) return;
        const mutated = address.slice(0, i) + replacement + address.slice(i + 1);
        assert.equal(isValidAddress(mutated, network), false, mutated);
      },
    ),
    { numRuns: 200 },
  );
});
