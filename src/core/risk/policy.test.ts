import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoreError } from '../errors.ts';
import { DAY_MS, defaultWithdrawalPolicy, policyFromJson, policyToJson, validateWithdrawalPolicy, type WithdrawalPolicy } from './policy.ts';

test('defaults are the safe values the issue names', () => {
  const p = validateWithdrawalPolicy(defaultWithdrawalPolicy);
  assert.equal(p.coolingOffMs, DAY_MS);
  assert.equal(p.securityLockMs, DAY_MS);
  assert.equal(p.fourEyesFils, 5_000_000n); // AED 50,000.00
  assert.equal(p.approvalsRequired, 2);
  assert.ok(p.riskHoldAt < p.riskRejectAt);
  // Tier 0 (the default for anyone never tiered) withdraws nothing.
  const t0 = p.tiers[0]!;
  assert.deepEqual([t0.dailyFils, t0.monthlyFils, Object.keys(t0.dailyByAsset).length], [0n, 0n, 0]);
  // No crypto price until a feed or the operator sets one.
  assert.deepEqual(p.pricesFils, {});
});

test('canonical JSON round-trips exactly and is independent of key order', () => {
  const shuffled = { ...defaultWithdrawalPolicy, platformDailyByAsset: { ETH: 1n, AED: 2n, BTC: 3n } };
  const text = policyToJson(shuffled);
  assert.deepEqual(policyFromJson(text), validateWithdrawalPolicy(shuffled));
  const reordered = Object.fromEntries(Object.entries(shuffled).reverse()) as unknown as WithdrawalPolicy;
  assert.equal(policyToJson(reordered), text);
  assert.ok(!text.includes('.'), 'no floats anywhere');
});

test('hostile policies are refused with CONFIG_INVALID', () => {
  const bad: Array<Partial<Record<keyof WithdrawalPolicy, unknown>>> = [
    { coolingOffMs: -1 },
    { coolingOffMs: 0.5 },
    { coolingOffMs: 31 * DAY_MS },
    { tiers: [] },
    { tiers: new Array(9).fill(defaultWithdrawalPolicy.tiers[0]) },
    { tiers: [{ dailyByAsset: { btc: 1n }, monthlyByAsset: {}, dailyFils: 0n, monthlyFils: 0n }] },
    { tiers: [{ dailyByAsset: { BTC: 1 }, monthlyByAsset: {}, dailyFils: 0n, monthlyFils: 0n }] },
    { tiers: [null] },
    { platformHourlyByAsset: [] },
    { platformHourlyByAsset: null },
    { fourEyesFils: 50_000 },
    { fourEyesFils: 1n << 256n },
    { approvalsRequired: 1 },
    { riskHoldAt: 90, riskRejectAt: 50 },
    { riskWeights: null },
    { riskWeights: { ...defaultWithdrawalPolicy.riskWeights, roundTrip: 101 } },
    { confirmationTtlMs: 2 * DAY_MS },
    { pricesFils: { BTC: 0n } },
    { pricesFils: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`A${i}`, 1n])) },
  ];
  for (const b of bad) {
    assert.throws(
      () => validateWithdrawalPolicy({ ...defaultWithdrawalPolicy, ...b } as WithdrawalPolicy),
      (e: unknown) => e instanceof CoreError && e.code === 'CONFIG_INVALID',
      JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)),
    );
  }
  assert.throws(() => policyFromJson('{"coolingOffMs":{"$n":"1.5"}}'), CoreError);
});
