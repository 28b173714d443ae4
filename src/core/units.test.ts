import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecimalError } from '../shared/decimal.ts';
import { defaultCoreConfig } from './config.ts';
import { lotsToQty, marketUnits, priceToTicks, qtyToLots, ticksToPrice } from './units.ts';

const btc = marketUnits(defaultCoreConfig.assets, defaultCoreConfig.markets[0]!);
const eth = marketUnits(defaultCoreConfig.assets, defaultCoreConfig.markets[1]!);

test('decimal prices and quantities map to whole ticks and lots', () => {
  assert.equal(priceToTicks(btc, '350001'), 350_001);
  assert.equal(priceToTicks(btc, '350001.00'), 350_001);
  assert.equal(ticksToPrice(btc, 350_001), '350001');
  assert.equal(qtyToLots(btc, '0.00125'), 125);
  assert.equal(lotsToQty(btc, 125), '0.00125');
  assert.equal(priceToTicks(eth, '12000.1'), 120_001);
  assert.equal(qtyToLots(eth, '1.5'), 15_000);
});

test('off-tick, off-lot, zero and hostile values are typed errors', () => {
  for (const bad of ['350001.5', '0', '-1', '1e3', '', 'abc', '350001.001']) assert.throws(() => priceToTicks(btc, bad), DecimalError, bad);
  for (const bad of ['0.000001', '0', '0.00000001', '1.000000001', '99999999999999']) assert.throws(() => qtyToLots(btc, bad), DecimalError, bad);
  assert.throws(() => priceToTicks(btc, 350001), DecimalError);
});
