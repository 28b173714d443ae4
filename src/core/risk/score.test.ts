import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { windowSum } from './controls.ts';
import { toFils } from './fils.ts';
import { defaultWithdrawalPolicy as P } from './policy.ts';
import { checkExternalRisk, scoreWithdrawal } from './score.ts';

const quiet = { destinationUses: 3, historyCount: 4, historyMaxFils: 1_000_00n, amountFils: 1_000_00n, sinceLastDepositMs: null };

test('toFils: exact, rounded up, never a float', () => {
  assert.equal(toFils(100_000_000n, 8, 35_000_000n), 35_000_000n); // 1 BTC at AED 350,000
  assert.equal(toFils(1n, 8, 35_000_000n), 1n); // 1 sat = 0.35 fils → 1
  assert.equal(toFils(1n, 18, 1_200_000n), 1n); // 1 wei rounds up to 1 fil
  assert.equal(toFils(12_345n, 2, 100n), 12_345n); // AED is itself
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 1n << 200n }), fc.integer({ min: 0, max: 18 }), fc.bigInt({ min: 1n, max: 1n << 60n }), (amt, d, price) => {
      const f = toFils(amt, d, price);
      const scale = 10n ** BigInt(d);
      assert.ok(f * scale >= amt * price && (f - 1n) * scale < amt * price);
    }),
    { numRuns: 300 },
  );
});

test('score: each internal factor, the external part, the cap, and reasons in a fixed order', () => {
  assert.deepEqual(scoreWithdrawal(P, quiet, { score: 0, reasons: [] }), { score: 0, reasons: [] });
  assert.deepEqual(scoreWithdrawal(P, { ...quiet, destinationUses: 0 }, { score: 0, reasons: [] }).reasons, ['first_to_destination']);
  assert.deepEqual(scoreWithdrawal(P, { ...quiet, historyCount: 0, historyMaxFils: 0n }, { score: 0, reasons: [] }), { score: 10, reasons: ['no_history'] });
  // Amount vs history: more than 5 × the largest earlier withdrawal.
  assert.equal(scoreWithdrawal(P, { ...quiet, amountFils: 5_000_00n }, { score: 0, reasons: [] }).score, 0);
  assert.equal(scoreWithdrawal(P, { ...quiet, amountFils: 5_000_01n }, { score: 0, reasons: [] }).score, 25);
  // Round trip: a deposit less than 6 h ago.
  assert.equal(scoreWithdrawal(P, { ...quiet, sinceLastDepositMs: 6 * 3_600_000 - 1 }, { score: 0, reasons: [] }).score, 30);
  assert.equal(scoreWithdrawal(P, { ...quiet, sinceLastDepositMs: 6 * 3_600_000 }, { score: 0, reasons: [] }).score, 0);
  const all = scoreWithdrawal(P, { ...quiet, destinationUses: 0, amountFils: 10n ** 12n, sinceLastDepositMs: 0 }, { score: 90, reasons: ['new_ip', 'first_to_destination'] });
  assert.deepEqual(all, { score: 100, reasons: ['first_to_destination', 'amount_above_history', 'deposit_round_trip', 'new_ip'] });
});

test('external risk input is bounded and well-formed', () => {
  assert.deepEqual(checkExternalRisk(undefined, P), { score: 0, reasons: [] });
  for (const bad of [null, 5, { score: -1, reasons: [] }, { score: 1.5, reasons: [] }, { score: 101, reasons: [] }, { score: 1 }, { score: 1, reasons: Array(9).fill('a') }, { score: 1, reasons: ['UPPER'] }, { score: 1, reasons: ['x'.repeat(65)] }, { score: 1, reasons: [7] }]) {
    assert.throws(() => checkExternalRisk(bad, P), { code: 'COMMAND_MALFORMED' });
  }
});

test('windowSum counts strictly inside (now − window, now]', () => {
  const e = (ts: number, amount: bigint, asset = 'BTC') => ({ id: String(ts), userId: 1, asset, amount, fils: amount * 2n, ts });
  const list = [e(0, 1n), e(10, 2n), e(20, 4n, 'ETH'), e(30, 8n)];
  assert.equal(windowSum(list, 30, 20, (x) => x.amount), 12n); // ts 20 and 30
  assert.equal(windowSum(list, 30, 21, (x) => x.amount), 14n);
  assert.equal(windowSum(list, 30, 21, (x) => x.amount, 'BTC'), 10n);
  assert.equal(windowSum(list, 30, 100, (x) => x.fils), 30n);
  assert.equal(windowSum([], 30, 100, (x) => x.fils), 0n);
});
