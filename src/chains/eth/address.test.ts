import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { getAddress } from 'viem';
import { isValidAddress, LENIENT_ADDRESS_POLICY, parseAddress, sameAddress, toChecksumAddress } from './address.ts';
import { ChainError } from './errors.ts';

// EIP-55 "Test Cases" section, verbatim: all caps, all lower, normal.
const EIP55_VECTORS = [
  '0x52908400098527886E0F7030069857D2E4169EE7',
  '0x8617E340B3D01FA5F11F306F4090FD50E238070D',
  '0xde709f2102306220921060314715629080e2fb77',
  '0x27b1fdb04752bbc536007a920d24acb045561c26',
  '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
  '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
  '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
  '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
];

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ChainError, `expected ChainError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected a throw');
}

describe('EIP-55 address', () => {
  it('formats and accepts every official vector', () => {
    for (const v of EIP55_VECTORS) {
      assert.equal(toChecksumAddress(v.toLowerCase()), v);
      assert.equal(toChecksumAddress(`0x${v.slice(2).toUpperCase()}`), v);
      // Strict: the vectors are valid checksums, including the all-caps/all-lower ones.
      assert.equal(parseAddress(v), v);
    }
  });

  it('rejects a mixed-case address with one letter flipped', () => {
    const v = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
    const flipped = `${v.slice(0, 3)}A${v.slice(4)}`; // 'a' -> 'A'
    assert.equal(code(() => parseAddress(flipped)), 'ADDRESS_BAD_CHECKSUM');
    assert.equal(code(() => parseAddress(flipped, LENIENT_ADDRESS_POLICY)), 'ADDRESS_BAD_CHECKSUM');
  });

  it('uniform case without checksum only under a lenient policy', () => {
    const lower = '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed';
    assert.equal(code(() => parseAddress(lower)), 'ADDRESS_UNCHECKSUMMED');
    assert.equal(code(() => parseAddress(lower.toUpperCase().replace('0X', '0x'))), 'ADDRESS_UNCHECKSUMMED');
    assert.equal(parseAddress(lower, LENIENT_ADDRESS_POLICY), '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed');
  });

  it('hostile inputs get typed errors', () => {
    assert.equal(code(() => parseAddress(42)), 'ADDRESS_NOT_STRING');
    assert.equal(code(() => parseAddress(null)), 'ADDRESS_NOT_STRING');
    assert.equal(code(() => parseAddress('')), 'ADDRESS_BAD_LENGTH');
    assert.equal(code(() => parseAddress('0x1234')), 'ADDRESS_BAD_LENGTH');
    assert.equal(code(() => parseAddress(`0x${'a'.repeat(41)}`)), 'ADDRESS_BAD_LENGTH');
    assert.equal(code(() => parseAddress('x'.repeat(10_000))), 'ADDRESS_BAD_LENGTH');
    assert.equal(code(() => parseAddress(`00${'a'.repeat(40)}`)), 'ADDRESS_NOT_HEX');
    assert.equal(code(() => parseAddress(`0x${'g'.repeat(40)}`)), 'ADDRESS_NOT_HEX');
    assert.equal(code(() => parseAddress(`0x${' '.repeat(40)}`)), 'ADDRESS_NOT_HEX');
    assert.equal(code(() => parseAddress(`0x${'0'.repeat(40)}`, LENIENT_ADDRESS_POLICY)), 'ADDRESS_ZERO');
    assert.equal(toChecksumAddress(`0x${'0'.repeat(40)}`), `0x${'0'.repeat(40)}`);
    assert.equal(isValidAddress('nope'), false);
  });

  it('agrees with viem getAddress on random addresses (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (bytes) => {
        const hex = `0x${Buffer.from(bytes).toString('hex')}`;
        const ours = toChecksumAddress(hex);
        assert.equal(ours, getAddress(hex));
        assert.equal(parseAddress(ours, { allowUnchecksummed: false, allowZero: true }), ours);
        assert.ok(sameAddress(ours, hex));
      }),
      { numRuns: 200 },
    );
  });
});
