import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fromMinor, toMinor } from './decimalText.ts';
import { buildOrder, type MarketRules } from './orderForm.ts';

// As GET /api/v1/markets describes the default markets (src/core/config.ts).
const BTC: MarketRules = { market: 'BTC-AED', base: 'BTC', quote: 'AED', tickSize: '1', lotSize: '0.00001', minNotional: '10' };
const ETH: MarketRules = { market: 'ETH-AED', base: 'ETH', quote: 'AED', tickSize: '0.1', lotSize: '0.0001', minNotional: '10' };

describe('buildOrder', () => {
  test('limit, post-only and IOC bodies', () => {
    assert.deepEqual(buildOrder(BTC, { side: 'buy', style: 'limit', price: '350000', amount: '0.001', amountIn: 'base' }), {
      ok: true,
      body: { market: 'BTC-AED', side: 'buy', type: 'limit', timeInForce: 'GTC', price: '350000', quantity: '0.001' },
      quantity: '0.001',
      notional: '350',
    });
    const po = buildOrder(ETH, { side: 'sell', style: 'postOnly', price: '12000.5', amount: '0.5', amountIn: 'base' });
    assert.ok(po.ok);
    assert.equal(po.body.postOnly, true);
    const ioc = buildOrder(ETH, { side: 'sell', style: 'ioc', price: '12000.5', amount: '0.5', amountIn: 'base' });
    assert.ok(ioc.ok);
    assert.equal(ioc.body.timeInForce, 'IOC');
  });

  test('market orders: base quantity, or quote amount for buys only', () => {
    const r = buildOrder(BTC, { side: 'buy', style: 'market', price: '', amount: '500.25', amountIn: 'quote' });
    assert.ok(r.ok);
    assert.deepEqual(r.body, { market: 'BTC-AED', side: 'buy', type: 'market', quoteQuantity: '500.25' });
    assert.deepEqual(buildOrder(BTC, { side: 'sell', style: 'market', price: '', amount: '500', amountIn: 'quote' }), { ok: false, error: 'errQuoteSell' });
    const s = buildOrder(BTC, { side: 'sell', style: 'market', price: '', amount: '0.01', amountIn: 'base' });
    assert.ok(s.ok);
    assert.equal(s.body.price, undefined);
  });

  test('a limit amount in AED becomes a base quantity rounded down to the lot', () => {
    // 1000 AED at 350,000 → 0.002857142… BTC → 0.00285 (285 lots of 0.00001).
    const r = buildOrder(BTC, { side: 'buy', style: 'limit', price: '350000', amount: '1000', amountIn: 'quote' });
    assert.ok(r.ok);
    assert.equal(r.body.quantity, '0.00285');
    assert.equal(r.notional, '997.5');
  });

  test('refusals name what is wrong', () => {
    const e = (m: MarketRules, price: string, amount: string, amountIn: 'base' | 'quote' = 'base') => {
      const r = buildOrder(m, { side: 'buy', style: 'limit', price, amount, amountIn });
      return r.ok ? 'ok' : r.error;
    };
    assert.equal(e(BTC, '', '1'), 'errPriceInvalid');
    assert.equal(e(BTC, '-1', '1'), 'errPriceInvalid');
    assert.equal(e(BTC, '1e5', '1'), 'errPriceInvalid');
    assert.equal(e(BTC, '0', '1'), 'errPriceInvalid');
    assert.equal(e(BTC, '350000.5', '1'), 'errPriceTick');
    assert.equal(e(ETH, '12000.05', '1'), 'errPriceTick');
    assert.equal(e(BTC, '350000', '0'), 'errAmountInvalid');
    assert.equal(e(BTC, '350000', 'abc'), 'errAmountInvalid');
    assert.equal(e(BTC, '350000', '0.000001'), 'errAmountLot');
    assert.equal(e(BTC, '350000', '1.001', 'quote'), 'errAmountInvalid');
    assert.equal(e(BTC, '350000', '3', 'quote'), 'errAmountTooSmall');
    assert.equal(e(BTC, '100', '0.00001'), 'errMinNotional');
    assert.equal(e(BTC, '1000000', '0.00001'), 'ok');
  });

  test('property: a quote amount never buys more than it pays for, and within one lot of it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000_000 }), fc.bigInt({ min: 1n, max: 100_000_000_00n }), (priceAed, quoteFils) => {
        const amount = fromMinor(quoteFils, 2);
        const r = buildOrder(BTC, { side: 'buy', style: 'limit', price: String(priceAed), amount, amountIn: 'quote' });
        if (!r.ok) return ['errAmountTooSmall', 'errMinNotional'].includes(r.error);
        // cost in fils·10^5 (price × quantity at 5 decimals of BTC) vs what was typed.
        const lots = toMinor(r.body.quantity!, 5);
        const costScaled = BigInt(priceAed) * lots * 100n; // fils × 10^5
        const paidScaled = quoteFils * 100_000n;
        return costScaled <= paidScaled && paidScaled - costScaled < BigInt(priceAed) * 100n;
      }),
      { numRuns: 300 },
    );
  });
});
