import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultCoreConfig } from './config.ts';
import { ExchangeCore } from './exchange.ts';
import { restoreSnapshot, takeSnapshot } from './snapshot.ts';
import { stateHash } from './stateHash.ts';
import { prepareWithdrawals, request, setPrices } from './risk/testing.ts';
import { fundedCore, T0 } from './testing/fixtures.ts';

const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'OK' : r.error!.code);

test('deposit credits once per reference; the repeat returns the first result', () => {
  const { core, run } = fundedCore(1);
  const before = core.userBalances(1).AED!.available;
  const r1 = run({ type: 'deposit', ts: T0, userId: 1, asset: 'AED', amount: 500n, source: 'bank', ref: 'E2E-1' });
  const r2 = run({ type: 'deposit', ts: T0, userId: 1, asset: 'AED', amount: 500n, source: 'bank', ref: 'E2E-1' });
  assert.equal(r1.ok, true);
  assert.equal(r2.duplicate, true);
  assert.equal(r2.firstSeq, r1.seq);
  assert.equal(core.userBalances(1).AED!.available, before + 500n);
  assert.equal(-core.ledger.balance(core.ledger.systemAccount(0, 'bank_omnibus')), 100_000_000n + 500n);
});

test('limit orders cross at the maker price with fees, rounding and exact settlement', () => {
  const { core, run } = fundedCore(2);
  // BTC/AED: tick 1 AED, lot 0.00001 BTC. Sell 0.5 BTC at 350,000 AED; buy 0.3 BTC at 351,000.
  const sell = run({ type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'sell', kind: 'limit', priceTicks: 350_000, qtyLots: 50_000 });
  assert.equal(sell.ok, true);
  const buy = run({ type: 'order.place', ts: T0, userId: 2, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 351_000, qtyLots: 30_000 });
  assert.equal(buy.ok, true);
  const trade = buy.events.find((e) => e.type === 'trade');
  assert.ok(trade && trade.type === 'trade');
  assert.equal(trade.priceTicks, 350_000);
  assert.equal(trade.baseAmount, 30_000_000n); // 0.3 BTC
  assert.equal(trade.buyerPaid, 10_500_000n); // 105,000.00 AED
  assert.equal(trade.sellerGot, 10_500_000n);
  assert.equal(trade.buyerFee, 60_000n); // taker 20 bps of 0.3 BTC
  assert.equal(trade.sellerFee, 10_500n); // maker 10 bps of 105,000 AED
  const b2 = core.userBalances(2);
  assert.equal(b2.BTC!.available, 1_000_000_000n + 30_000_000n - 60_000n);
  assert.equal(b2.AED!.locked, 0n); // taker filled completely: price improvement released
  assert.equal(b2.AED!.available, 100_000_000n - 10_500_000n);
  const b1 = core.userBalances(1);
  assert.equal(b1.BTC!.locked, 20_000_000n); // 0.2 BTC still resting
  assert.equal(b1.AED!.available, 100_000_000n + 10_500_000n - 10_500n);
  assert.equal(core.ledger.balance(core.ledger.systemAccount(0, 'fee_revenue')), 10_500n);
});

test('fractional values: buyer pays ceil, seller gets floor, cumulatively per order', () => {
  const { core, run } = fundedCore(2);
  // 1 lot (0.00001 BTC) at 350,001 AED = 3.50001 AED = 350.001 fils.
  for (let i = 0; i < 3; i++) run({ type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'sell', kind: 'limit', priceTicks: 350_001, qtyLots: 3 });
  const r = run({ type: 'order.place', ts: T0, userId: 2, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 350_001, qtyLots: 9 });
  const trades = r.events.filter((e) => e.type === 'trade');
  assert.equal(trades.length, 3);
  const paid = trades.reduce((s, t) => s + (t.type === 'trade' ? t.buyerPaid : 0n), 0n);
  assert.equal(paid, 3151n); // 9 × 350.001 = 3150.009 fils, rounded up once over the order
  const got = trades.map((t) => (t.type === 'trade' ? t.sellerGot : 0n));
  assert.deepEqual(got, [1050n, 1050n, 1050n]); // each sell: 3 × 350.001 = 1050.003 → 1050
  assert.equal(core.userBalances(2).AED!.locked, 0n);
});

test('IOC, FOK, post-only and market orders', () => {
  const { core, run } = fundedCore(3);
  run({ type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'sell', kind: 'limit', priceTicks: 350_000, qtyLots: 100 });
  run({ type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'sell', kind: 'limit', priceTicks: 360_000, qtyLots: 100 });
  // Post-only that would take is rejected, changing nothing.
  const h0 = stateHash(core);
  const po = core.apply({ type: 'order.place', ts: T0, userId: 2, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 350_000, qtyLots: 10, postOnly: true });
  assert.equal(code(po), 'POST_ONLY_WOULD_TAKE');
  assert.notEqual(stateHash(core), h0); // seq advanced (journaled), but:
  core.checkInvariants();
  // FOK for more than the book has within the limit expires untouched.
  const fok = run({ type: 'order.place', ts: T0, userId: 2, market: 'BTC/AED', side: 'buy', kind: 'limit', tif: 'FOK', priceTicks: 355_000, qtyLots: 150 });
  assert.deepEqual(fok.events.map((e) => e.type), ['order.accepted', 'order.done']);
  assert.equal(fok.transfers.length, 0);
  // IOC takes what it can and expires the rest.
  const ioc = run({ type: 'order.place', ts: T0, userId: 2, market: 'BTC/AED', side: 'buy', kind: 'limit', tif: 'IOC', priceTicks: 355_000, qtyLots: 150 });
  const done = ioc.events.find((e) => e.type === 'order.done' && e.orderId === ioc.orderId);
  assert.ok(done?.type === 'order.done' && done.reason === 'expired' && done.filledLots === 100);
  // Market buy by quote amount stops when the budget is spent; protection stops it at +5%.
  // 1 lot at 360,000 AED costs 360 fils; a 200 AED budget buys 55 lots for 198 AED.
  const mkt = run({ type: 'order.place', ts: T0, userId: 3, market: 'BTC/AED', side: 'buy', kind: 'market', quoteAmount: 20_000n });
  const t = mkt.events.filter((e) => e.type === 'trade');
  const spent = t.reduce((s, e) => s + (e.type === 'trade' ? e.buyerPaid : 0n), 0n);
  assert.equal(spent, 19_800n);
  assert.equal(core.userBalances(3).AED!.locked, 0n);
  // Market order with nothing on the other side is refused.
  assert.equal(code(core.apply({ type: 'order.place', ts: T0, userId: 3, market: 'ETH/AED', side: 'buy', kind: 'market', qtyLots: 1 })), 'NO_LIQUIDITY');
});

test('market order price protection: never fills beyond the configured band', () => {
  const { run } = fundedCore(2);
  run({ type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'sell', kind: 'limit', priceTicks: 100_000, qtyLots: 10 });
  run({ type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'sell', kind: 'limit', priceTicks: 200_000, qtyLots: 10 }); // absurd level
  const r = run({ type: 'order.place', ts: T0, userId: 2, market: 'BTC/AED', side: 'buy', kind: 'market', qtyLots: 20 });
  const trades = r.events.filter((e) => e.type === 'trade');
  assert.equal(trades.length, 1);
  assert.ok(trades[0]?.type === 'trade' && trades[0].priceTicks === 100_000);
});

test('self-trade prevention cancels the newest by default', () => {
  const { core, run } = fundedCore(1);
  run({ type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'sell', kind: 'limit', priceTicks: 350_000, qtyLots: 10 });
  const r = run({ type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 350_000, qtyLots: 10 });
  assert.equal(r.events.filter((e) => e.type === 'trade').length, 0);
  const done = r.events.find((e) => e.type === 'order.done');
  assert.ok(done?.type === 'order.done' && done.reason === 'stp');
  assert.equal(core.orders.size, 1);
});

test('cancel releases, amend down keeps priority, price change loses it', () => {
  const { core, run } = fundedCore(3);
  const a = run({ type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 300_000, qtyLots: 10 });
  const b = run({ type: 'order.place', ts: T0, userId: 2, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 300_000, qtyLots: 10 });
  const amendDown = run({ type: 'order.amend', ts: T0, userId: 1, orderId: a.orderId!, qtyLots: 5 });
  assert.ok(amendDown.events[0]?.type === 'order.amended' && amendDown.events[0].priorityKept);
  let head = core.markets[0]!.book.bids.levels[0]!.head!;
  assert.equal(head.id, a.orderId);
  const up = run({ type: 'order.amend', ts: T0, userId: 1, orderId: a.orderId!, qtyLots: 6 });
  assert.ok(up.events[0]?.type === 'order.amended' && !up.events[0].priorityKept);
  head = core.markets[0]!.book.bids.levels[0]!.head!;
  assert.equal(head.id, b.orderId);
  // Another user's order is unknown to you.
  assert.equal(code(core.apply({ type: 'order.cancel', ts: T0, userId: 3, orderId: a.orderId! })), 'UNKNOWN_ORDER');
  run({ type: 'order.cancel', ts: T0, userId: 1, orderId: a.orderId! });
  assert.equal(core.userBalances(1).AED!.locked, 0n);
  run({ type: 'order.place', ts: T0, userId: 2, market: 'ETH/AED', side: 'sell', kind: 'limit', priceTicks: 120_000, qtyLots: 10 });
  const all = run({ type: 'order.cancelAll', ts: T0, userId: 2 });
  assert.equal(all.events.length, 2);
  assert.equal(core.orders.size, 0);
});

test('client order id is idempotent', () => {
  const { core, run } = fundedCore(1);
  const cmd = { type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 300_000, qtyLots: 10, clientOrderId: 'x-1' } as const;
  const r1 = run(cmd);
  const r2 = run(cmd);
  assert.equal(r2.duplicate, true);
  assert.equal(r2.orderId, r1.orderId);
  assert.equal(core.orders.size, 1);
});

test('withdrawal: hold, authorise (refused while paused), settle once, or cancel', () => {
  const { core, run } = fundedCore(1);
  const T1 = prepareWithdrawals(run, [1], T0);
  setPrices(run, T1);
  run({ type: 'ledger.post', ts: T1, ref: 'sweep-1', memo: 'sweep', transfers: [{ debit: 'system:BTC:hot_wallet', credit: 'system:BTC:deposit_wallets', amount: 500_000_000n }] });
  const w = request(T1, 'w1', 1, 'BTC', 10_000_000n, { fee: 10_000n });
  assert.equal(run(w).ok, true);
  assert.equal(core.userBalances(1).BTC!.withdrawing, 10_010_000n);
  assert.equal(run(w).duplicate, true);
  run({ type: 'withdrawals.pause', ts: T1, asset: 'BTC', paused: true, reason: 'drill' });
  assert.equal(code(core.apply({ type: 'withdrawal.authorize', ts: T1, withdrawalId: 'w1' })), 'WITHDRAWALS_PAUSED');
  assert.equal(core.withdrawals.size, 1); // queued, not lost
  run({ type: 'withdrawals.pause', ts: T1, asset: 'BTC', paused: false, reason: 'restored' });
  run({ type: 'withdrawal.authorize', ts: T1, withdrawalId: 'w1' });
  assert.equal(run({ type: 'withdrawal.settle', ts: T1, withdrawalId: 'w1', txRef: 'tx1' }).ok, true);
  assert.equal(code(core.apply({ type: 'withdrawal.settle', ts: T1, withdrawalId: 'w1', txRef: 'tx1' })), 'UNKNOWN_HOLD'); // paid at most once
  assert.equal(core.userBalances(1).BTC!.withdrawing, 0n);
  assert.equal(run(request(T1, 'w2', 1, 'BTC', 5n)).ok, true);
  run({ type: 'withdrawal.cancel', ts: T1, withdrawalId: 'w2', reason: 'customer' });
  assert.equal(core.userBalances(1).BTC!.available, 1_000_000_000n - 10_010_000n);
  // Once authorised, a payout may be in flight: a plain cancel (a refund) is refused; only the
  // payout processor's attestation that the payment failed releases the funds.
  assert.equal(run(request(T1, 'w3', 1, 'BTC', 7n)).ok, true);
  run({ type: 'withdrawal.authorize', ts: T1, withdrawalId: 'w3' });
  assert.equal(code(core.apply({ type: 'withdrawal.cancel', ts: T1, withdrawalId: 'w3', reason: 'staff' })), 'HOLD_STATE');
  assert.equal(core.userBalances(1).BTC!.withdrawing, 7n);
  assert.equal(run({ type: 'withdrawal.cancel', ts: T1, withdrawalId: 'w3', reason: 'bank rejected', payoutFailed: true }).ok, true);
  assert.equal(core.userBalances(1).BTC!.available, 1_000_000_000n - 10_010_000n);
});

test('ledger.post is all-or-nothing and respects balance constraints', () => {
  const { core, run } = fundedCore(1);
  const h = stateHash(core);
  const r = core.apply({
    type: 'ledger.post',
    ts: T0,
    ref: 'bad',
    memo: '',
    transfers: [
      { debit: 'system:BTC:hot_wallet', credit: 'system:BTC:deposit_wallets', amount: 1n },
      { debit: 'user:1:BTC:available', credit: 'system:BTC:suspense', amount: 10n ** 30n },
    ],
  });
  assert.equal(code(r), 'BALANCE_CONSTRAINT');
  core.checkInvariants();
  assert.equal(core.ledger.balance(core.ledger.systemAccount(1, 'hot_wallet')), 0n);
  void h;
  run({ type: 'funds.freeze', ts: T0, userId: 1, asset: 'BTC', amount: 7n, ref: 'case-1' });
  assert.equal(core.userBalances(1).BTC!.frozen, 7n);
});

test('hostile input is rejected with a typed error and changes no balance', () => {
  const { core } = fundedCore(2);
  const balances = () => core.ledger.balances.join(',');
  const before = balances();
  const bad: unknown[] = [
    null,
    42,
    { type: 'nope', ts: T0 },
    { type: 'deposit', ts: T0, userId: 1, asset: 'AED', amount: -5n, source: 'bank', ref: 'r' },
    { type: 'deposit', ts: T0, userId: 1, asset: 'AED', amount: 0n, source: 'bank', ref: 'r' },
    { type: 'deposit', ts: T0, userId: 1, asset: 'AED', amount: 1.5, source: 'bank', ref: 'r' },
    { type: 'deposit', ts: T0, userId: 1, asset: 'AED', amount: 2n ** 300n, source: 'bank', ref: 'r' },
    { type: 'deposit', ts: T0, userId: 1, asset: 'DOGE', amount: 5n, source: 'bank', ref: 'r' },
    { type: 'deposit', ts: T0, userId: 99, asset: 'AED', amount: 5n, source: 'bank', ref: 'r' },
    { type: 'deposit', ts: T0, userId: 1, asset: 'AED', amount: 5n, source: 'bank', ref: '' },
    { type: 'deposit', ts: T0, userId: 1, asset: 'AED', amount: 5n, source: 'gift', ref: 'r2' },
    { type: 'deposit', ts: 5, userId: 1, asset: 'AED', amount: 5n, source: 'bank', ref: 'r3' },
    { type: 'order.place', ts: T0, userId: 1, market: 'DOGE/AED', side: 'buy', kind: 'limit', priceTicks: 1, qtyLots: 1 },
    { type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 0, qtyLots: 1 },
    { type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 1.5, qtyLots: 1 },
    { type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 2 ** 60, qtyLots: 1 },
    { type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 100, qtyLots: -1 },
    { type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 100, qtyLots: 1 }, // below min notional
    { type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'up', kind: 'limit', priceTicks: 350_000, qtyLots: 10 },
    { type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 350_000, qtyLots: 10_000_000 }, // insufficient funds
    { type: 'order.place', ts: T0, userId: 1, market: 'BTC/AED', side: 'buy', kind: 'stop', priceTicks: 350_000, qtyLots: 10 },
    { type: 'order.cancel', ts: T0, userId: 1, orderId: 12345 },
    { type: 'withdrawal.request', ts: T0, withdrawalId: 'w', userId: 1, asset: 'BTC', amount: 10n ** 20n, fee: 0n, destination: 'x' },
    request(T0, 'w', 1, 'BTC', 1_000n), // no saved destination
    { type: 'addressBook.add', ts: T0, userId: 1, asset: 'AED', destination: 'AE070331234567890123457', label: 'bad check digits', ownerVerified: true },
    { type: 'addressBook.add', ts: T0, userId: 1, asset: 'BTC', destination: 'bc1q<script>', label: '' },
    { type: 'addressBook.add', ts: T0, userId: 1, asset: 'BTC', destination: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', label: 'a\u0000b' },
    { type: 'security.changed', ts: T0, userId: 1, kind: 'coffee' },
    { type: 'user.tier', ts: T0, userId: 1, tier: 1.5 },
    { type: 'prices.set', ts: T0, pricesFils: { BTC: -1n } },
    { type: 'prices.set', ts: T0, pricesFils: { AED: 100n } },
    { type: 'withdrawalPolicy.set', ts: T0, policy: { coolingOffMs: -1 } },
    { type: 'withdrawal.review', ts: T0, withdrawalId: 'nope', staffId: 'x', decision: 'approve' },
    { type: 'withdrawal.settle', ts: T0, withdrawalId: 'nope', txRef: 'x' },
    { type: 'ledger.post', ts: T0, ref: 'x', memo: '', transfers: [{ debit: 'system:BTC:hot_wallet', credit: 'system:AED:treasury', amount: 1n }] },
    { type: 'ledger.post', ts: T0, ref: 'y', memo: '', transfers: [{ debit: 'user:1:BTC:available', credit: 'user:1:BTC:available', amount: 1n }] },
    { type: 'ledger.post', ts: T0, ref: 'z', memo: '', transfers: [{ debit: 'user:01:BTC:available', credit: 'user:2:BTC:available', amount: 1n }] },
    { type: 'funds.unfreeze', ts: T0, userId: 1, asset: 'BTC', amount: 1n, ref: 'u' },
  ];
  for (const c of bad) {
    const r = core.apply(c as never);
    assert.equal(r.ok, false, JSON.stringify(c, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    assert.match(r.error!.code, /^[A-Z_]+$/);
    assert.equal(balances(), before);
    core.checkInvariants();
  }
});

test('snapshot restores to the same state hash and keeps time priority', () => {
  const { core, run } = fundedCore(3);
  for (let i = 0; i < 20; i++) {
    run({ type: 'order.place', ts: T0 + i, userId: 1 + (i % 3), market: 'BTC/AED', side: i % 2 ? 'buy' : 'sell', kind: 'limit', priceTicks: i % 2 ? 340_000 + i : 360_000 - i, qtyLots: 10 + i });
  }
  const T1 = prepareWithdrawals(run, [1, 2], T0 + 30);
  assert.equal(run(request(T1, 'w1', 1, 'AED', 1000n, { fee: 100n })).ok, true);
  assert.equal(run(request(T1, 'w2', 2, 'AED', 6_000_000n)).events[0]?.type, 'withdrawal.requested'); // held: over AED 50,000
  run({ type: 'withdrawal.review', ts: T1, withdrawalId: 'w2', staffId: 'staff-a', decision: 'approve' });
  run({ type: 'security.changed', ts: T1, userId: 3, kind: '2fa_change' });
  run({ type: 'account.lock', ts: T1, userId: 3, reason: 'this was not me' });
  const snap = JSON.parse(JSON.stringify(takeSnapshot(core)));
  const restored = restoreSnapshot(defaultCoreConfig, snap);
  assert.equal(stateHash(restored), stateHash(core));
  // Both continue identically.
  const next = { type: 'order.place', ts: T1 + 40, userId: 2, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 360_000, qtyLots: 25 } as const;
  assert.deepEqual(restored.apply(next).events.length, core.apply(next).events.length);
  assert.equal(stateHash(restored), stateHash(core));
  // The withdrawal controls continue identically too (four-eyes state, policy, windows).
  const second = { type: 'withdrawal.review', ts: T1 + 50, withdrawalId: 'w2', staffId: 'staff-b', decision: 'approve' } as const;
  assert.deepEqual(restored.apply(second).events, core.apply(second).events);
  assert.equal(restored.withdrawals.get('w2')?.state, 'approved');
  const again = request(T1 + 60, 'w3', 1, 'AED', 1000n);
  assert.deepEqual(restored.apply(again), core.apply(again));
  assert.equal(stateHash(restored), stateHash(core));
  // A snapshot that lies about its hash is refused.
  snap.balances[snap.balances.length - 1] = '999';
  assert.throws(() => restoreSnapshot(defaultCoreConfig, snap));
});

test('config is validated', () => {
  assert.throws(() => new ExchangeCore({ ...defaultCoreConfig, assets: [...defaultCoreConfig.assets, { code: 'AED', decimals: 2 }] }));
  assert.throws(() => new ExchangeCore({ ...defaultCoreConfig, markets: [{ ...defaultCoreConfig.markets[0]!, symbol: 'BTC-AED' }] }));
});
