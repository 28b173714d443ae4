import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseDecimal, formatDecimal, formatDecimalFixed, parseMinor, divCeil, DecimalError } from './decimal.ts';

test('parseDecimal: exact minor units', () => {
  assert.equal(parseDecimal('1', 2), 100n);
  assert.equal(parseDecimal('0.01', 2), 1n);
  assert.equal(parseDecimal('0.00000001', 8), 1n);
  assert.equal(parseDecimal('1.000000000000000001', 18), 1_000_000_000_000_000_001n);
  assert.equal(parseDecimal('0', 8), 0n);
});

test('parseDecimal: hostile input is a typed error', () => {
  for (const bad of ['', '-1', '+1', '1e5', ' 1', '1 ', '01', '.5', '5.', '1.2.3', 'NaN', 'Infinity', '0x10', '١', '1,5', '9'.repeat(101)]) {
    assert.throws(() => parseDecimal(bad, 8), DecimalError, bad);
  }
  for (const bad of [1, 1n, null, undefined, {}, ['1']]) assert.throws(() => parseDecimal(bad, 8), DecimalError);
  assert.throws(() => parseDecimal('0.001', 2), (e: unknown) => e instanceof DecimalError && e.code === 'DECIMAL_PRECISION');
});

test('formatDecimal round-trips parseDecimal', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n }), fc.integer({ min: 0, max: 18 }), (v, d) => {
      assert.equal(parseDecimal(formatDecimal(v, d), d), v);
      assert.equal(parseDecimal(formatDecimalFixed(v, d), d), v);
    }),
  );
  assert.equal(formatDecimal(150n, 2), '1.5');
  assert.equal(formatDecimal(-150n, 2), '-1.5');
  assert.equal(formatDecimalFixed(150n, 2), '1.50');
  assert.equal(formatDecimal(0n, 0), '0');
});

test('parseMinor and divCeil', () => {
  assert.equal(parseMinor('42'), 42n);
  assert.throws(() => parseMinor('-1'), DecimalError);
  assert.equal(parseMinor('-1', 'x', true), -1n);
  assert.throws(() => parseMinor('1.0'), DecimalError);
  assert.equal(divCeil(10n, 3n), 4n);
  assert.equal(divCeil(9n, 3n), 3n);
  assert.equal(divCeil(0n, 3n), 0n);
});
