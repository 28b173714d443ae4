import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { Engine, type Submission } from '../../engine/engine.ts';
import { FileJournal } from '../../journal/fileJournal.ts';
import type { Command } from '../commands.ts';
import { defaultCoreConfig } from '../config.ts';
import type { CommandResult, CoreEvent } from '../events.ts';
import { type CoreConfigWithPolicy, ExchangeCore } from '../exchange.ts';
import { restoreSnapshot, takeSnapshot } from '../snapshot.ts';
import { stateHash } from '../stateHash.ts';
import { fundedCore, T0 } from '../testing/fixtures.ts';
import { DAY_MS, defaultWithdrawalPolicy, HOUR_MS, MONTH_MS } from './policy.ts';
import { BTC_ADDR, ETH_ADDR, IBAN, PRICES, prepareWithdrawals, request, setPrices } from './testing.ts';

const code = (r: CommandResult) => (r.ok ? 'OK' : r.error!.code);
const types = (r: CommandResult) => r.events.map((e) => e.type);
const requested = (r: CommandResult) => r.events.find((e): e is Extract<CoreEvent, { type: 'withdrawal.requested' }> => e.type === 'withdrawal.requested');

/** Funded users 1..n, tier `tier`, prices in the policy (they never go stale), destinations saved a day before T1. */
function ready(users = 2, tier = 2) {
  const f = fundedCore(users);
  f.run({ type: 'withdrawalPolicy.set', ts: T0, policy: { ...defaultWithdrawalPolicy, pricesFils: PRICES } });
  const T1 = prepareWithdrawals(
    f.run,
    Array.from({ length: users }, (_, i) => i + 1),
    T0,
    tier,
  );
  return { ...f, T1 };
}

/** A rejected command changes nothing but the sequence number. */
function assertNothingChanged(core: ExchangeCore, r: CommandResult, before: { balances: string; controls: string; withdrawals: number }) {
  assert.equal(r.ok, false);
  assert.equal(r.events.length, 0);
  assert.equal(core.ledger.balances.join(','), before.balances);
  assert.equal([...core.controls.hashLines()].join('\n'), before.controls);
  assert.equal(core.withdrawals.size, before.withdrawals);
}
const state = (core: ExchangeCore) => ({ balances: core.ledger.balances.join(','), controls: [...core.controls.hashLines()].join('\n'), withdrawals: core.withdrawals.size });

test('bypass: change an address and withdraw at once — cooling-off refuses until 24 h have passed', () => {
  const { core, run, T1 } = ready(1);
  const fresh = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4';
  const added = run({ type: 'addressBook.add', ts: T1, userId: 1, asset: 'BTC', destination: fresh, label: 'new' });
  assert.deepEqual(added.events, [{ type: 'addressBook.added', userId: 1, asset: 'BTC', destination: fresh, label: 'new', usableFromTs: T1 + DAY_MS }]);
  const before = state(core);
  const r = core.apply(request(T1, 'w1', 1, 'BTC', 1_000n, { destination: fresh }));
  assert.equal(code(r), 'DESTINATION_COOLING_OFF');
  assertNothingChanged(core, r, before);
  assert.equal(code(core.apply(request(T1 + DAY_MS - 1, 'w1', 1, 'BTC', 1_000n, { destination: fresh }))), 'DESTINATION_COOLING_OFF');
  assert.equal(code(run(request(T1 + DAY_MS, 'w1', 1, 'BTC', 1_000n, { destination: fresh }))), 'OK');
  // Removing and re-adding restarts the clock: no way to "refresh" an address into usability.
  run({ type: 'addressBook.remove', ts: T1 + DAY_MS, userId: 1, asset: 'BTC', destination: fresh });
  assert.equal(code(core.apply(request(T1 + DAY_MS, 'w2', 1, 'BTC', 1_000n, { destination: fresh }))), 'DESTINATION_NOT_SAVED');
  run({ type: 'addressBook.add', ts: T1 + DAY_MS, userId: 1, asset: 'BTC', destination: fresh, label: 'again' });
  assert.equal(code(core.apply(request(T1 + DAY_MS + 1, 'w2', 1, 'BTC', 1_000n, { destination: fresh }))), 'DESTINATION_COOLING_OFF');
  // An address saved for one asset is not a destination for another; another user's book is not yours.
  assert.equal(code(core.apply(request(T1 + DAY_MS + 1, 'w3', 1, 'ETH', 1_000n, { destination: BTC_ADDR }))), 'DESTINATION_NOT_SAVED');
});

test('bank withdrawals go only to valid IBANs verified as the customer’s own', () => {
  const { core, T1 } = ready(1);
  const other = 'GB29NWBK60161331926819';
  assert.equal(code(core.apply({ type: 'addressBook.add', ts: T1, userId: 1, asset: 'AED', destination: other, label: 'x' })), 'DESTINATION_INVALID');
  assert.equal(code(core.apply({ type: 'addressBook.add', ts: T1, userId: 1, asset: 'AED', destination: 'GB29NWBK60161331926818', label: 'x', ownerVerified: true })), 'DESTINATION_INVALID');
  assert.equal(code(core.apply({ type: 'addressBook.add', ts: T1, userId: 1, asset: 'AED', destination: other, label: 'x', ownerVerified: true })), 'OK');
  assert.equal(code(core.apply({ type: 'addressBook.add', ts: T1, userId: 1, asset: 'AED', destination: other, label: 'x', ownerVerified: true })), 'DUPLICATE_ID');
  assert.equal(code(core.apply(request(T1, 'w1', 1, 'AED', 100_00n, { destination: IBAN }))), 'OK');
});

test('security-change lock: password reset, 2FA change, new API key each block withdrawals for 24 h, including authorisation', () => {
  const { core, run, T1 } = ready(1);
  assert.equal(code(run(request(T1, 'w0', 1, 'BTC', 1_000n))), 'OK'); // requested before the change
  let t = T1;
  for (const kind of ['password_reset', '2fa_change', 'api_key_created'] as const) {
    const r = run({ type: 'security.changed', ts: t, userId: 1, kind });
    assert.deepEqual(r.events, [{ type: 'security.changed', userId: 1, kind, lockedUntilTs: t + DAY_MS }]);
    assert.equal(code(core.apply(request(t + 1, `w-${kind}`, 1, 'BTC', 1_000n))), 'SECURITY_LOCKED');
    assert.equal(code(core.apply({ type: 'withdrawal.authorize', ts: t + 1, withdrawalId: 'w0' })), 'SECURITY_LOCKED');
    assert.equal(code(core.apply(request(t + DAY_MS - 1, `w-${kind}`, 1, 'BTC', 1_000n))), 'SECURITY_LOCKED');
    t += DAY_MS;
    assert.equal(code(run(request(t, `w-${kind}`, 1, 'BTC', 1_000n))), 'OK');
  }
  assert.equal(code(run({ type: 'withdrawal.authorize', ts: t, withdrawalId: 'w0' })), 'OK');
});

test("'this wasn't me' locks the account: no request, no new address, no authorisation until staff unlock", () => {
  const { core, run, T1 } = ready(1);
  run(request(T1, 'w0', 1, 'BTC', 1_000n));
  const lock = run({ type: 'account.lock', ts: T1, userId: 1, reason: 'this was not me (e-mail link)' });
  assert.deepEqual(types(lock), ['account.locked']);
  assert.equal(code(core.apply(request(T1, 'w1', 1, 'BTC', 1_000n))), 'ACCOUNT_LOCKED');
  assert.equal(code(core.apply({ type: 'addressBook.add', ts: T1, userId: 1, asset: 'BTC', destination: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', label: 'x' })), 'ACCOUNT_LOCKED');
  assert.equal(code(core.apply({ type: 'withdrawal.authorize', ts: T1, withdrawalId: 'w0' })), 'ACCOUNT_LOCKED');
  assert.equal(core.withdrawals.get('w0')?.state, 'requested'); // queued, not lost: staff decide
  assert.equal(code(core.apply({ type: 'account.unlock', ts: T1, userId: 1, staffId: '', reason: 'x' })), 'COMMAND_MALFORMED');
  assert.deepEqual(types(run({ type: 'account.unlock', ts: T1, userId: 1, staffId: 'ops-7', reason: 'identity verified by video call' })), ['account.unlocked']);
  assert.equal(code(run({ type: 'withdrawal.authorize', ts: T1, withdrawalId: 'w0' })), 'OK');
});

test('confirmations: TOTP and e-mail both required; a confirmation is used once; stale or future ones are refused', () => {
  const { core, run, T1 } = ready(1);
  assert.equal(code(core.apply(request(T1, 'w1', 1, 'BTC', 1_000n, { confirmedTotp: false }))), 'CONFIRMATION_REQUIRED');
  assert.equal(code(core.apply(request(T1, 'w1', 1, 'BTC', 1_000n, { emailConfirmed: false }))), 'CONFIRMATION_REQUIRED');
  assert.equal(code(core.apply({ ...request(T1, 'w1', 1, 'BTC', 1_000n), emailConfirmed: 'yes' } as never)), 'CONFIRMATION_REQUIRED');
  assert.equal(code(core.apply(request(T1, 'w1', 1, 'BTC', 1_000n, { confirmedTs: T1 - 15 * 60_000 - 1 }))), 'CONFIRMATION_EXPIRED');
  assert.equal(code(core.apply(request(T1, 'w1', 1, 'BTC', 1_000n, { confirmedTs: T1 + 1 }))), 'CONFIRMATION_EXPIRED');
  const first = request(T1, 'w1', 1, 'BTC', 1_000n, { confirmationId: 'link-abc' });
  const ok = run(first);
  assert.equal(requested(ok)?.confirmationId, 'link-abc'); // recorded in the event
  // Bypass: replay the same confirmation for another withdrawal.
  const before = state(core);
  const replay = core.apply(request(T1 + 1, 'w2', 1, 'BTC', 1_000n, { confirmationId: 'link-abc' }));
  assert.equal(code(replay), 'CONFIRMATION_REPLAYED');
  assertNothingChanged(core, replay, before);
  // The identical command again (a retry) is idempotent: the first result, nothing twice.
  const retry = run(first);
  assert.equal(retry.duplicate, true);
  assert.equal(core.userBalances(1).BTC!.withdrawing, 1_000n);
  // Still refused a day later (kept as long as any policy's TTL could accept it).
  assert.equal(code(core.apply(request(T1 + DAY_MS - 1, 'w3', 1, 'BTC', 1_000n, { confirmationId: 'link-abc', confirmedTs: T1 + DAY_MS - 2 }))), 'CONFIRMATION_REPLAYED');
});

test('bypass: an API key without the withdraw permission (or off its IP allowlist) cannot withdraw', () => {
  const { core, run, T1 } = ready(1);
  const before = state(core);
  const r = core.apply(request(T1, 'w1', 1, 'BTC', 1_000n, { via: 'api_key', apiKeyHasWithdrawPerm: false, ipAllowlisted: true }));
  assert.equal(code(r), 'API_KEY_NOT_PERMITTED');
  assertNothingChanged(core, r, before);
  assert.equal(code(core.apply(request(T1, 'w1', 1, 'BTC', 1_000n, { via: 'api_key', apiKeyHasWithdrawPerm: true }))), 'API_KEY_NOT_PERMITTED');
  assert.equal(code(core.apply(request(T1, 'w1', 1, 'BTC', 1_000n, { via: 'api_key' }))), 'API_KEY_NOT_PERMITTED');
  assert.equal(code(core.apply(request(T1, 'w1', 1, 'BTC', 1_000n, { via: 'browser' as never }))), 'COMMAND_MALFORMED');
  const ok = run(request(T1, 'w1', 1, 'BTC', 1_000n, { via: 'api_key', apiKeyHasWithdrawPerm: true, ipAllowlisted: true }));
  assert.equal(requested(ok)?.via, 'api_key');
});

test('bypass: splitting an amount under the limit many times — the rolling 24 h limit refuses the excess', () => {
  // Tier 1: BTC 0.5 per 24 h; AED equivalent 20,000 per 24 h (at 350,000 AED/BTC that is ~0.0571 BTC).
  const { core, run, T1 } = ready(1, 1);
  const piece = 500_000n; // 0.005 BTC = 1,750 AED
  let accepted = 0n;
  let t = T1;
  let refused: CommandResult | undefined;
  for (let i = 0; i < 30; i++) {
    const r = run(request(t, `s${i}`, 1, 'BTC', piece));
    t += 60_000;
    if (!r.ok) {
      refused = r;
      break;
    }
    accepted += piece;
  }
  assert.equal(code(refused!), 'LIMIT_EXCEEDED');
  assert.equal(refused!.error!.details.scope, 'user');
  assert.equal(refused!.error!.details.unit, 'fils');
  // 11 pieces = 19,250 AED; the 12th would make 21,000 > 20,000.
  assert.equal(accepted, 11n * piece);
  // A cancelled withdrawal never left: it frees its share of the window.
  run({ type: 'withdrawal.cancel', ts: t, withdrawalId: 's0', reason: 'customer' });
  assert.equal(code(run(request(t, 'again', 1, 'BTC', piece))), 'OK');
  assert.equal(code(core.apply(request(t, 'again2', 1, 'BTC', piece))), 'LIMIT_EXCEEDED');
  // The window rolls: 24 h after the first pieces, they no longer count.
  assert.equal(code(run(request(T1 + DAY_MS + 60_000, 'later', 1, 'BTC', piece))), 'OK');
});

test('monthly (rolling 30 days), per-asset and cross-asset AED-equivalent limits', () => {
  const { core, run, T1 } = ready(1, 1);
  // Tier 1 monthly AED equivalent: 100,000 AED; daily 20,000. Five days at 19,950 AED (0.057 BTC) fill the month.
  const daily = 5_700_000n; // 0.057 BTC = 19,950 AED
  for (let d = 0; d < 5; d++) assert.equal(code(run(request(T1 + d * DAY_MS, `m${d}`, 1, 'BTC', daily))), 'OK');
  const r = core.apply(request(T1 + 5 * DAY_MS, 'm5', 1, 'BTC', daily));
  assert.equal(code(r), 'LIMIT_EXCEEDED');
  assert.equal(r.error!.details.window, '30d');
  assert.equal(code(run(request(T1 + MONTH_MS + 1, 'm6', 1, 'BTC', daily))), 'OK');
  // Cross-asset: BTC and ETH together count against the same AED-equivalent daily limit.
  const { core: c2, run: r2, T1: t2 } = ready(1, 1);
  assert.equal(code(r2(request(t2, 'b', 1, 'BTC', 4_000_000n))), 'OK'); // 14,000 AED
  const eth = c2.apply(request(t2, 'e', 1, 'ETH', 10n ** 18n / 2n)); // 6,000 AED → 20,000 + ε? exactly 20,000: allowed
  assert.equal(code(eth), 'OK');
  assert.equal(code(c2.apply(request(t2, 'e2', 1, 'ETH', 1n))), 'LIMIT_EXCEEDED'); // 1 wei rounds up to 1 fil
  // Per-asset: tier 1 AED 20,000 per day regardless of other assets.
  const { core: c3 } = ready(1, 1);
  assert.equal(code(c3.apply(request(t2, 'a', 1, 'AED', 2_000_001n))), 'LIMIT_EXCEEDED');
});

test('a customer never tiered (tier 0) cannot withdraw; tiers outside the policy are refused', () => {
  const { core, run, T1 } = ready(1, 0);
  const r = core.apply(request(T1, 'w', 1, 'AED', 100n));
  assert.equal(code(r), 'LIMIT_EXCEEDED');
  assert.equal(r.error!.details.tier, 0);
  assert.equal(code(core.apply({ type: 'user.tier', ts: T1, userId: 1, tier: 4 })), 'COMMAND_MALFORMED');
  run({ type: 'user.tier', ts: T1, userId: 1, tier: 1 });
  assert.equal(code(run(request(T1, 'w', 1, 'AED', 100n))), 'OK');
});

test('platform-wide rolling hourly and daily outflow limits per asset, across customers', () => {
  const { core, run, T1 } = ready(4, 3);
  // Default platform BTC: 10 per hour, 50 per 24 h. Tier 3: 50 BTC per day each, 2,000,000 AED.
  const five = 500_000_000n;
  assert.equal(code(run(request(T1, 'p1', 1, 'BTC', five))), 'OK');
  assert.equal(code(run(request(T1, 'p2', 2, 'BTC', five))), 'OK');
  const r = core.apply(request(T1 + 1, 'p3', 3, 'BTC', 1n));
  assert.equal(code(r), 'LIMIT_EXCEEDED');
  assert.deepEqual([r.error!.details.scope, r.error!.details.window], ['platform', '1h']);
  assert.equal(code(run(request(T1 + HOUR_MS, 'p3', 3, 'BTC', 1n))), 'OK'); // the hour rolled
  assert.equal(code(run(request(T1 + HOUR_MS, 'e1', 3, 'ETH', 10n ** 18n))), 'OK'); // per asset: ETH unaffected
});

test('AED equivalents need a current price: none, or a stale fed one, refuses; the configured table is used otherwise', () => {
  const f = fundedCore(1);
  const T1 = prepareWithdrawals(f.run, [1], T0);
  assert.equal(code(f.core.apply(request(T1, 'w', 1, 'BTC', 1_000n))), 'PRICE_UNAVAILABLE');
  assert.equal(code(f.run(request(T1, 'a', 1, 'AED', 1_000n))), 'OK'); // AED needs no price
  setPrices(f.run, T1);
  assert.equal(code(f.run(request(T1, 'w', 1, 'BTC', 1_000n))), 'OK');
  assert.equal(code(f.core.apply(request(T1 + DAY_MS + 1, 'w2', 1, 'BTC', 1_000n))), 'PRICE_UNAVAILABLE');
  // Configured prices (policy) never go stale; a fed price for the asset, once present, takes precedence.
  const cfg: CoreConfigWithPolicy = { ...defaultCoreConfig, withdrawalPolicy: { ...defaultWithdrawalPolicy, pricesFils: { ETH: 1_200_000n } } };
  const core = new ExchangeCore(cfg);
  core.apply({ type: 'user.open', ts: T0, userId: 1 });
  core.apply({ type: 'deposit', ts: T0, userId: 1, asset: 'ETH', amount: 10n ** 19n, source: 'chain', ref: 'd' });
  prepareWithdrawals((c: Command) => core.apply(c), [1], T0);
  assert.equal(code(core.apply(request(T0 + 100 * DAY_MS, 'e', 1, 'ETH', 10n ** 17n))), 'OK');
  assert.equal(requested(core.apply(request(T0 + 100 * DAY_MS, 'e2', 1, 'ETH', 10n ** 17n)))?.amountFils, 120_000n);
});

test('four-eyes: above AED 50,000 a withdrawal is held until two different staff approve; the same person twice is refused', () => {
  const { core, run, T1 } = ready(1);
  const big = run(request(T1, 'big', 1, 'AED', 5_000_000n)); // exactly AED 50,000
  assert.deepEqual(types(big), ['withdrawal.requested']);
  const ev = requested(big)!;
  assert.equal(ev.state, 'held');
  assert.deepEqual(ev.holdReasons, ['four_eyes_amount']);
  assert.equal(ev.amountFils, 5_000_000n);
  assert.equal(code(core.apply({ type: 'withdrawal.authorize', ts: T1, withdrawalId: 'big' })), 'HOLD_STATE');
  const a = run({ type: 'withdrawal.review', ts: T1, withdrawalId: 'big', staffId: 'ops-anna', decision: 'approve' });
  assert.deepEqual(a.events, [{ type: 'withdrawal.reviewed', withdrawalId: 'big', staffId: 'ops-anna', decision: 'approve', approvals: 1, approvalsRequired: 2 }]);
  // Bypass: the same person approves twice.
  const before = state(core);
  const twice = core.apply({ type: 'withdrawal.review', ts: T1, withdrawalId: 'big', staffId: 'ops-anna', decision: 'approve' });
  assert.equal(code(twice), 'REVIEW_SAME_STAFF');
  assertNothingChanged(core, twice, before);
  assert.equal(core.withdrawals.get('big')!.state, 'held');
  assert.equal(code(core.apply({ type: 'withdrawal.authorize', ts: T1, withdrawalId: 'big' })), 'HOLD_STATE');
  const b = run({ type: 'withdrawal.review', ts: T1, withdrawalId: 'big', staffId: 'ops-omar', decision: 'approve' });
  assert.deepEqual(types(b), ['withdrawal.reviewed', 'withdrawal.approved']);
  assert.equal(code(core.apply({ type: 'withdrawal.review', ts: T1, withdrawalId: 'big', staffId: 'ops-zed', decision: 'approve' })), 'REVIEW_NOT_HELD');
  assert.equal(code(run({ type: 'withdrawal.authorize', ts: T1, withdrawalId: 'big' })), 'OK');
  // Below the threshold: auto-approved, straight to authorisation; a review of it is refused.
  const small = run(request(T1, 'small', 1, 'AED', 4_999_999n));
  assert.equal(requested(small)!.state, 'requested');
  assert.equal(code(core.apply({ type: 'withdrawal.review', ts: T1, withdrawalId: 'small', staffId: 'ops-anna', decision: 'approve' })), 'REVIEW_NOT_HELD');
});

test('four-eyes: one rejection cancels the held withdrawal and returns the funds', () => {
  const { core, run, T1 } = ready(1);
  const avail = core.userBalances(1).AED!.available;
  run(request(T1, 'big', 1, 'AED', 6_000_000n, { fee: 500n }));
  assert.equal(core.userBalances(1).AED!.available, avail - 6_000_500n);
  run({ type: 'withdrawal.review', ts: T1, withdrawalId: 'big', staffId: 'ops-anna', decision: 'approve' });
  const r = run({ type: 'withdrawal.review', ts: T1, withdrawalId: 'big', staffId: 'ops-omar', decision: 'reject' });
  assert.deepEqual(types(r), ['withdrawal.reviewed', 'withdrawal.cancelled']);
  assert.equal(core.userBalances(1).AED!.available, avail);
  assert.equal(core.withdrawals.has('big'), false);
  // And it no longer counts against the limits.
  assert.equal(core.controls.userOutflows.get(1), undefined);
});

test('risk scoring: deterministic parts from journaled history plus the caller’s parts decide approve, hold or reject', () => {
  const { core, run, T1 } = ready(1);
  run({ type: 'ledger.post', ts: T1, ref: 'sweep', memo: '', transfers: [{ debit: 'system:BTC:hot_wallet', credit: 'system:BTC:deposit_wallets', amount: 10n ** 9n }] });
  // First withdrawal ever, to a destination never used: 15 + 10 = 25 < 40, auto-approved, reasons recorded.
  const first = requested(run(request(T1, 'r1', 1, 'BTC', 100_000n)))!;
  assert.deepEqual([first.state, first.riskScore, first.riskReasons], ['requested', 25, ['first_to_destination', 'no_history']]);
  run({ type: 'withdrawal.authorize', ts: T1, withdrawalId: 'r1' });
  run({ type: 'withdrawal.settle', ts: T1, withdrawalId: 'r1', txRef: 'tx1' });
  // After a settled withdrawal: the destination is known and there is history. Score 0.
  const second = requested(run(request(T1, 'r2', 1, 'BTC', 100_000n)))!;
  assert.deepEqual([second.riskScore, second.riskReasons], [0, []]);
  // Amount far above history (> 5 × the largest): +25; with a new device from outside (+20): 45 → held.
  const big = requested(run(request(T1, 'r3', 1, 'BTC', 600_000n, { externalRisk: { score: 20, reasons: ['new_device'] } })))!;
  assert.deepEqual([big.state, big.riskScore, big.riskReasons, big.holdReasons], ['held', 45, ['amount_above_history', 'new_device'], ['risk_score']]);
  // Deposit → withdrawal round trip within 6 h: +30; with screening risk 50 from outside: 80 → rejected, nothing changes.
  run({ type: 'deposit', ts: T1 + 1, userId: 1, asset: 'BTC', amount: 1_000_000n, source: 'chain', ref: 'fresh' });
  const before = state(core);
  const rej = core.apply(request(T1 + HOUR_MS, 'r4', 1, 'BTC', 100_000n, { externalRisk: { score: 50, reasons: ['screening:high'] } }));
  assert.equal(code(rej), 'RISK_REJECTED');
  assert.deepEqual(rej.error!.details, { score: 80, reasons: ['deposit_round_trip', 'screening:high'] });
  assertNothingChanged(core, rej, before);
  // The round trip alone holds nothing (30 < 40); six hours later it is no longer a round trip.
  assert.deepEqual(requested(run(request(T1 + HOUR_MS, 'r5', 1, 'BTC', 100_000n)))!.riskReasons, ['deposit_round_trip']);
  assert.deepEqual(requested(run(request(T1 + 1 + 6 * HOUR_MS, 'r6', 1, 'BTC', 100_000n)))!.riskReasons, []);
  // The caller's part is bounded and well-formed.
  assert.equal(code(core.apply(request(T1 + 7 * HOUR_MS, 'r7', 1, 'BTC', 1n, { externalRisk: { score: 101, reasons: [] } }))), 'COMMAND_MALFORMED');
  assert.equal(code(core.apply(request(T1 + 7 * HOUR_MS, 'r7', 1, 'BTC', 1n, { externalRisk: { score: 1, reasons: ['Bad Reason'] } }))), 'COMMAND_MALFORMED');
});

test('race: two withdrawals spending the same balance through the single writer — exactly one succeeds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-risk-'));
  try {
    const now = T0;
    const engine = await Engine.open({ config: defaultCoreConfig, backend: new FileJournal(dir), clock: () => now });
    const setup: Submission[] = [
      { type: 'withdrawalPolicy.set', policy: { ...defaultWithdrawalPolicy, coolingOffMs: 0 } },
      { type: 'user.open', userId: 1 },
      { type: 'user.tier', userId: 1, tier: 2 },
      { type: 'deposit', userId: 1, asset: 'AED', amount: 1_000_000n, source: 'bank', ref: 'd1' },
      { type: 'addressBook.add', userId: 1, asset: 'AED', destination: IBAN, label: 'own', ownerVerified: true },
    ];
    for (const s of setup) assert.equal((await engine.submit(s)).ok, true);
    const both = ['a', 'b'].map((id) => {
      const { ts: _ts, ...rest } = request(now, id, 1, 'AED', 1_000_000n);
      return engine.submit(rest as Submission);
    });
    const results = await Promise.all(both);
    assert.deepEqual(results.map(code).sort(), ['INSUFFICIENT_FUNDS', 'OK']);
    assert.equal(engine.core.userBalances(1).AED!.withdrawing, 1_000_000n);
    assert.equal(engine.core.userBalances(1).AED!.available, 0n);
    engine.core.checkInvariants();
    await engine.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kill switch: paused withdrawals queue (requests accepted, held funds kept), authorisation waits, nothing is lost', () => {
  const { core, run, T1 } = ready(2);
  run(request(T1, 'q1', 1, 'BTC', 1_000n));
  const p = run({ type: 'withdrawals.pause', ts: T1, asset: null, paused: true, reason: 'incident INC-7: hot wallet key suspected' });
  assert.deepEqual(p.events, [{ type: 'withdrawals.paused', asset: null, paused: true, reason: 'incident INC-7: hot wallet key suspected' }]);
  assert.equal(code(run(request(T1, 'q2', 2, 'ETH', 1_000n))), 'OK'); // queued
  for (const id of ['q1', 'q2']) assert.equal(code(core.apply({ type: 'withdrawal.authorize', ts: T1, withdrawalId: id })), 'WITHDRAWALS_PAUSED');
  assert.equal(core.withdrawals.size, 2);
  assert.equal(core.userBalances(1).BTC!.withdrawing, 1_000n);
  run({ type: 'withdrawals.pause', ts: T1 + 1, asset: null, paused: false, reason: 'keys rotated' });
  for (const id of ['q1', 'q2']) assert.equal(code(run({ type: 'withdrawal.authorize', ts: T1 + 1, withdrawalId: id })), 'OK');
});

test('the policy is journaled state: withdrawalPolicy.set changes it, bad policies are refused, snapshots carry it', () => {
  const { core, run, T1 } = ready(1);
  const fresh = ETH_ADDR.toLowerCase();
  const set = run({ type: 'withdrawalPolicy.set', ts: T1, policy: { ...defaultWithdrawalPolicy, coolingOffMs: 2 * DAY_MS } });
  assert.deepEqual(types(set), ['withdrawalPolicy.set']);
  run({ type: 'addressBook.add', ts: T1, userId: 1, asset: 'ETH', destination: fresh, label: 'x' });
  assert.equal(code(core.apply(request(T1 + DAY_MS, 'w', 1, 'ETH', 1_000n, { destination: fresh }))), 'DESTINATION_COOLING_OFF');
  for (const bad of [{ riskHoldAt: 80, riskRejectAt: 40 }, { approvalsRequired: 1 }, { tiers: [] }, { fourEyesFils: -1n }, { pricesFils: { BTC: 0n } }, { coolingOffMs: 1.5 }]) {
    assert.equal(code(core.apply({ type: 'withdrawalPolicy.set', ts: T1, policy: { ...defaultWithdrawalPolicy, ...bad } as never })), 'CONFIG_INVALID');
  }
  // A snapshot restored under a config with another policy keeps the journaled one.
  const snap = JSON.parse(JSON.stringify(takeSnapshot(core)));
  const other: CoreConfigWithPolicy = { ...defaultCoreConfig, withdrawalPolicy: { ...defaultWithdrawalPolicy, coolingOffMs: 0 } };
  const restored = restoreSnapshot(other, snap);
  assert.equal(stateHash(restored), stateHash(core));
  assert.equal(restored.controls.policy.coolingOffMs, 2 * DAY_MS);
});

test('property: replay and snapshot/restore reproduce the controls exactly; no rolling 24 h window ever exceeds the limit', () => {
  const policy = { ...defaultWithdrawalPolicy, coolingOffMs: 0 };
  fc.assert(
    fc.property(
      fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 6 * HOUR_MS }), amount: fc.bigInt({ min: 1n, max: 3_000_000n }), cancel: fc.boolean(), user: fc.integer({ min: 1, max: 2 }) }), { minLength: 1, maxLength: 40 }),
      fc.nat(),
      (steps, cut) => {
        const { core, run } = fundedCore(2);
        run({ type: 'withdrawalPolicy.set', ts: T0, policy });
        prepareWithdrawals(run, [1, 2], T0, 1);
        const cmds: Command[] = [];
        let t = T0;
        steps.forEach((s, i) => {
          t += s.gapMs;
          cmds.push(request(t, `w${i}`, s.user, 'AED', s.amount));
          if (s.cancel) cmds.push({ type: 'withdrawal.cancel', ts: t, withdrawalId: `w${i}`, reason: 'customer' });
        });
        const at = cut % cmds.length;
        let restored: ExchangeCore | undefined;
        const accepted: Array<{ ts: number; user: number; amount: bigint; id: string }> = [];
        const cancelled = new Set<string>();
        cmds.forEach((c, i) => {
          const r = run(c);
          const r2 = restored?.apply(c);
          if (r2 !== undefined) assert.deepEqual(r2, r);
          if (i === at) restored = restoreSnapshot(defaultCoreConfig, JSON.parse(JSON.stringify(takeSnapshot(core))));
          if (c.type === 'withdrawal.request' && r.ok) accepted.push({ ts: c.ts, user: c.userId, amount: c.amount, id: c.withdrawalId });
          if (c.type === 'withdrawal.cancel' && r.ok) cancelled.add(c.withdrawalId);
        });
        assert.equal(stateHash(restored!), stateHash(core));
        // Tier 1: AED 20,000 per rolling 24 h per customer, counting what was not cancelled.
        for (const a of accepted) {
          const inWindow = accepted.filter((b) => b.user === a.user && b.ts > a.ts - DAY_MS && b.ts <= a.ts && !cancelled.has(b.id));
          assert.ok(inWindow.reduce((s, b) => s + b.amount, 0n) <= 2_000_000n);
        }
      },
    ),
    { numRuns: 100 },
  );
});

test('hostile control commands are typed errors and change nothing', () => {
  const { core, run, T1 } = ready(1);
  run(request(T1, 'held', 1, 'AED', 6_000_000n));
  const bad: unknown[] = [
    { type: 'addressBook.add', ts: T1, userId: '1', asset: 'BTC', destination: BTC_ADDR, label: '' },
    { type: 'addressBook.add', ts: T1, userId: 1, asset: 'DOGE', destination: BTC_ADDR, label: '' },
    { type: 'addressBook.add', ts: T1, userId: 1, asset: 'BTC', destination: BTC_ADDR, label: '' }, // already saved
    { type: 'addressBook.add', ts: T1, userId: 1, asset: 'ETH', destination: { toString: () => ETH_ADDR }, label: '' },
    { type: 'addressBook.remove', ts: T1, userId: 1, asset: 'BTC', destination: 'bc1qnotsaved00000000' },
    { type: 'addressBook.remove', ts: T1, userId: 1, asset: 'BTC', destination: null },
    { type: 'security.changed', ts: T1, userId: 99, kind: 'password_reset' },
    { type: 'security.changed', ts: T1, userId: 1, kind: '__proto__' },
    { type: 'user.tier', ts: T1, userId: 1, tier: -1 },
    { type: 'user.tier', ts: T1, userId: 1, tier: '2' },
    { type: 'account.lock', ts: T1, userId: 1, reason: '' },
    { type: 'account.lock', ts: T1, userId: 1, reason: 'x'.repeat(129) },
    { type: 'account.unlock', ts: T1, userId: 1, staffId: 'ops-1', reason: 'not locked' },
    { type: 'prices.set', ts: T1, pricesFils: null },
    { type: 'prices.set', ts: T1, pricesFils: [] },
    { type: 'prices.set', ts: T1, pricesFils: {} },
    { type: 'prices.set', ts: T1, pricesFils: { DOGE: 1n } },
    { type: 'prices.set', ts: T1, pricesFils: { BTC: 1 } },
    { type: 'prices.set', ts: T1, pricesFils: { BTC: 1n << 200n } },
    { type: 'withdrawalPolicy.set', ts: T1, policy: null },
    { type: 'withdrawalPolicy.set', ts: T1, policy: 'strict' },
    { type: 'withdrawal.review', ts: T1, withdrawalId: 'held', staffId: 'ops 1', decision: 'approve' },
    { type: 'withdrawal.review', ts: T1, withdrawalId: 'held', staffId: 'ops-1', decision: 'maybe' },
    { type: 'withdrawal.review', ts: T1, withdrawalId: 'held', staffId: 'x'.repeat(129), decision: 'approve' },
    { ...request(T1, 'w', 1, 'BTC', 1_000n), confirmationId: '' },
    { ...request(T1, 'w', 1, 'BTC', 1_000n), confirmationId: 'x'.repeat(129) },
    { ...request(T1, 'w', 1, 'BTC', 1_000n), confirmedTs: -1 },
    { ...request(T1, 'w', 1, 'BTC', 1_000n), confirmedTs: '0' },
    { ...request(T1, 'w', 1, 'BTC', 1_000n), externalRisk: { score: 5, reasons: 'new_ip' } },
    { ...request(T1, 'w', 1, 'BTC', 1_000n), destination: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4' },
  ];
  const before = state(core);
  for (const c of bad) {
    const r = core.apply(c as never);
    assert.equal(r.ok, false, JSON.stringify(c, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
    assert.match(r.error!.code, /^[A-Z_]+$/);
    assertNothingChanged(core, r, before);
    assert.equal(core.withdrawals.get('held')!.approvals.length, 0);
    core.checkInvariants();
  }
});
