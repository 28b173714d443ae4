import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { formatDecimal, parseDecimal } from '../../shared/decimal.ts';
import { backoffDelayMs } from './backoff.ts';
import { compareDecimalText, formatFixed, fromMinor, isDecimalText, toMinor } from './decimalText.ts';
import { FrameBatcher } from './frameBatcher.ts';
import { dirOf, keysOf, translate } from './i18n.ts';

describe('decimalText', () => {
  test('compare, format and convert', () => {
    assert.equal(compareDecimalText('10', '9.99'), 1);
    assert.equal(compareDecimalText('0.1', '0.10'), 0);
    assert.equal(compareDecimalText('0.09', '0.1'), -1);
    assert.equal(formatFixed('1234567.5', 2), '1,234,567.50');
    assert.equal(formatFixed('0.123456', 3), '0.123');
    assert.equal(formatFixed('350000', 0), '350,000');
    assert.equal(toMinor('1.5', 8), 150_000_000n);
    assert.throws(() => toMinor('1.123', 2), RangeError);
    for (const bad of ['', '-1', '1e3', '01', '.5', '1.', ' 1', 'NaN', '0x10']) assert.equal(isDecimalText(bad), false, bad);
  });

  test('property: agrees with src/shared/decimal.ts and with bigint order', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.integer({ min: 0, max: 18 }), (a, b, d) => {
        const sa = fromMinor(a, d);
        const sb = fromMinor(b, d);
        assert.equal(sa, formatDecimal(a, d));
        assert.equal(toMinor(sa, d), parseDecimal(sa, d));
        assert.equal(compareDecimalText(sa, sb), a === b ? 0 : a < b ? -1 : 1);
      }),
      { numRuns: 300 },
    );
  });
});

describe('FrameBatcher', () => {
  test('one flush per frame, whatever the burst', () => {
    const frames: Array<() => void> = [];
    const flushed: number[][] = [];
    const b = new FrameBatcher<number>((run) => frames.push(run), (items) => flushed.push(items), 1000);
    for (let i = 0; i < 500; i++) b.push(i);
    assert.equal(frames.length, 1);
    frames.shift()!();
    assert.equal(flushed.length, 1);
    assert.equal(flushed[0]!.length, 500);
    b.push(1);
    assert.equal(frames.length, 1);
  });

  test('a full queue flushes at once instead of growing', () => {
    const flushed: number[][] = [];
    const b = new FrameBatcher<number>(() => undefined, (items) => flushed.push(items), 100);
    for (let i = 0; i < 250; i++) b.push(i);
    assert.deepEqual(
      flushed.map((f) => f.length),
      [100, 100],
    );
  });
});

describe('backoff', () => {
  test('grows exponentially, capped, jittered within bounds', () => {
    const p = { baseMs: 500, capMs: 30_000 };
    for (let attempt = 0; attempt < 40; attempt++) {
      for (const r of [0, 0.5, 0.999]) {
        const d = backoffDelayMs(attempt, p, () => r);
        assert.ok(d >= 250 && d <= 30_000, `${attempt} ${r} ${d}`);
      }
    }
    assert.ok(backoffDelayMs(6, p, () => 0.999) > backoffDelayMs(1, p, () => 0.999));
    assert.equal(backoffDelayMs(100, p, () => 0.999), backoffDelayMs(30, p, () => 0.999));
  });
});

describe('i18n', () => {
  test('Arabic has every English key, non-empty, and is right-to-left', () => {
    assert.deepEqual(keysOf('ar').sort(), keysOf('en').sort());
    for (const k of keysOf('en')) assert.ok(translate('ar', k as 'trade').length > 0, k);
    assert.equal(dirOf('ar'), 'rtl');
    assert.equal(dirOf('en'), 'ltr');
    assert.equal(translate('ar', 'orderBook'), 'دفتر الأوامر');
  });
});
