import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ReservesError } from './errors.ts';
import { assetCoverage, ratioAtLeastOne, reserveRatio } from './ratio.ts';

describe('reserve ratio', () => {
  it('is exact and reduced', () => {
    const c = assetCoverage('BTC', 150n, 100n);
    assert.deepEqual(c.ratio, { numerator: 3n, denominator: 2n });
    assert.equal(c.display, '1.5000');
    assert.equal(c.covered, true);
    assert.equal(c.surplusMinor, 50n);
  });

  it('one wei short is not covered, and the display rounds down, never up to 1', () => {
    const liabilities = 10n ** 24n;
    const c = assetCoverage('ETH', liabilities - 1n, liabilities);
    assert.equal(c.covered, false);
    assert.equal(c.display, '0.9999');
    assert.equal(c.surplusMinor, -1n);
    assert.equal(ratioAtLeastOne(c.ratio), false);
    assert.equal(assetCoverage('ETH', liabilities, liabilities).display, '1.0000');
    assert.equal(assetCoverage('AED', 99_995n, 100_000n).display, '0.9999');
    assert.equal(assetCoverage('AED', 2n, 3n, 2).display, '0.66');
  });

  it('zero liabilities: covered, ratio unbounded; zero reserves against liabilities: 0', () => {
    const none = assetCoverage('BTC', 0n, 0n);
    assert.equal(none.covered, true);
    assert.deepEqual(none.ratio, { numerator: 0n, denominator: 0n });
    assert.equal(none.display, '∞');
    assert.equal(assetCoverage('BTC', 5n, 0n).display, '∞');
    const empty = assetCoverage('BTC', 0n, 7n);
    assert.equal(empty.covered, false);
    assert.equal(empty.display, '0.0000');
    assert.deepEqual(empty.ratio, { numerator: 0n, denominator: 1n });
  });

  it('per asset over the union of assets; a missing reserve counts as zero', () => {
    const r = reserveRatio({ AED: 1_000n, BTC: 5n }, { AED: 900n, ETH: 1n });
    assert.deepEqual(Object.keys(r.byAsset), ['AED', 'BTC', 'ETH']);
    assert.equal(r.byAsset.AED!.covered, true);
    assert.equal(r.byAsset.BTC!.covered, true);
    assert.equal(r.byAsset.ETH!.covered, false);
    assert.equal(r.allCovered, false);
    assert.equal(reserveRatio({ AED: 1n }, {}).allCovered, true);
  });

  it('covered ⇔ reserves ≥ liabilities, and the display is floor(ratio) at 4 places', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 30n }), (r, l) => {
        const c = assetCoverage('ETH', r, l);
        assert.equal(c.covered, r >= l);
        assert.equal(ratioAtLeastOne(c.ratio), r >= l);
        assert.equal(c.ratio.numerator * l, r * c.ratio.denominator);
        const shown = BigInt(c.display.replace('.', ''));
        assert.ok(shown * l <= r * 10_000n && (shown + 1n) * l > r * 10_000n);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses negative or non-bigint amounts', () => {
    assert.throws(() => assetCoverage('BTC', -1n, 1n), (e: unknown) => e instanceof ReservesError && e.code === 'POR_NEGATIVE_BALANCE');
    assert.throws(() => reserveRatio({ BTC: 1 as unknown as bigint }, {}), (e: unknown) => e instanceof ReservesError && e.code === 'POR_AMOUNT_RANGE');
  });
});
