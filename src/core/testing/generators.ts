import fc from 'fast-check';
import type { Command } from '../commands.ts';
import { defaultWithdrawalPolicy, type WithdrawalPolicy } from '../risk/policy.ts';

/** Random command streams over a small world (few users, both markets), for property tests and the simulator. */
export const USERS = 4;
type Cmd = Omit<Command, 'ts'> extends infer C ? C : never;

const user = fc.integer({ min: 1, max: USERS });
const market = fc.constantFrom('BTC/AED', 'ETH/AED');
/** Saved destinations per asset (valid shapes: an ISO 13616 IBAN, a BIP173 address, a 0x address). */
export const DESTINATIONS: Readonly<Record<string, string>> = {
  AED: 'AE070331234567890123456',
  BTC: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
  ETH: '0x52908400098527886E0F7030069857D2E4169EE7',
};
/**
 * The policy the random streams run under: the default, but with no cooling-off, a
 * short security lock and a day-long confirmation window, because the property tests'
 * clocks advance 1 ms per command and their confirmations are stamped at time 0.
 */
export const streamPolicy: WithdrawalPolicy = {
  ...defaultWithdrawalPolicy,
  coolingOffMs: 0,
  securityLockMs: 20,
  confirmationTtlMs: 24 * 3_600_000,
  // Genesis deposits are milliseconds old: without this every withdrawal would be a "round trip".
  roundTripMs: 0,
  pricesFils: { BTC: 35_000_000n, ETH: 1_200_000n },
};
const asset = fc.constantFrom('AED', 'BTC', 'ETH');
/** Few withdrawal ids, so authorise, review, settle and cancel often find the withdrawal they name. */
const wid = fc.integer({ min: 1, max: 8 });
const price = (m: string) => (m === 'BTC/AED' ? fc.integer({ min: 340_000, max: 360_000 }) : fc.integer({ min: 119_000, max: 121_000 }));

export const arbCommand: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ m: market, side: fc.constantFrom('buy', 'sell'), user, qty: fc.integer({ min: 1, max: 3_000 }), tif: fc.constantFrom('GTC', 'GTC', 'IOC', 'FOK'), postOnly: fc.boolean(), seed: fc.integer({ min: 0, max: 1e9 }) }).chain((r) =>
    price(r.m).map((p) => ({ type: 'order.place', userId: r.user, market: r.m, side: r.side, kind: 'limit', tif: r.tif, postOnly: r.tif === 'GTC' && r.postOnly, priceTicks: p, qtyLots: r.qty }) as Cmd),
  ) },
  { weight: 1, arbitrary: fc.record({ m: market, side: fc.constantFrom('buy', 'sell'), user, qty: fc.integer({ min: 1, max: 2_000 }) }).map((r) => ({ type: 'order.place', userId: r.user, market: r.m, side: r.side, kind: 'market', qtyLots: r.qty }) as Cmd) },
  { weight: 1, arbitrary: fc.record({ m: market, user, q: fc.bigInt({ min: 1_000n, max: 5_000_000n }) }).map((r) => ({ type: 'order.place', userId: r.user, market: r.m, side: 'buy', kind: 'market', quoteAmount: r.q }) as Cmd) },
  { weight: 3, arbitrary: fc.record({ user, orderId: fc.integer({ min: 1, max: 200 }) }).map((r) => ({ type: 'order.cancel', userId: r.user, orderId: r.orderId }) as Cmd) },
  { weight: 3, arbitrary: fc.record({ user, orderId: fc.integer({ min: 1, max: 200 }), p: fc.option(fc.integer({ min: 119_000, max: 360_000 })), q: fc.option(fc.integer({ min: 1, max: 3_000 })) }).map((r) => ({ type: 'order.amend', userId: r.user, orderId: r.orderId, ...(r.p === null ? {} : { priceTicks: r.p }), ...(r.q === null ? {} : { qtyLots: r.q }) }) as Cmd) },
  { weight: 1, arbitrary: fc.record({ user, m: fc.option(market) }).map((r) => ({ type: 'order.cancelAll', userId: r.user, ...(r.m === null ? {} : { market: r.m }) }) as Cmd) },
  { weight: 2, arbitrary: fc.record({ user, asset: fc.constantFrom('AED', 'BTC', 'ETH'), amt: fc.bigInt({ min: 1n, max: 10n ** 20n }), ref: fc.integer({ min: 1, max: 50 }) }).map((r) => ({ type: 'deposit', userId: r.user, asset: r.asset, amount: r.amt, source: r.asset === 'AED' ? 'bank' : 'chain', ref: `d${r.ref}` }) as Cmd) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        user,
        asset,
        amt: fc.oneof({ weight: 4, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 6n }) }, { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 8n }) }),
        id: wid,
        conf: fc.integer({ min: 1, max: 60 }),
        saved: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
        apiKey: fc.constantFrom(null, null, null, null, 'ok', 'noperm', 'noip'),
        risk: fc.option(fc.record({ score: fc.integer({ min: 0, max: 100 }), reasons: fc.subarray(['new_device', 'new_ip', 'screening:high']) }), { freq: 3 }),
      })
      .map(
        (r) =>
          ({
            type: 'withdrawal.request',
            withdrawalId: `w${r.id}`,
            userId: r.user,
            asset: r.asset,
            amount: r.amt,
            fee: 1n,
            destination: r.saved ? DESTINATIONS[r.asset]! : 'bc1qunsaved0000000000',
            confirmationId: `c${r.conf}`,
            confirmedTotp: true,
            emailConfirmed: true,
            confirmedTs: 0,
            via: r.apiKey === null ? 'session' : 'api_key',
            ...(r.apiKey === null ? {} : { apiKeyHasWithdrawPerm: r.apiKey !== 'noperm', ipAllowlisted: r.apiKey !== 'noip' }),
            // A plain object: fc.record may build null-prototype ones, which a journal round trip does not keep.
            ...(r.risk === null ? {} : { externalRisk: { score: r.risk.score, reasons: [...r.risk.reasons] } }),
          }) as Cmd,
      ),
  },
  { weight: 2, arbitrary: fc.record({ id: wid, staff: fc.constantFrom('staff-a', 'staff-b', 'staff-c'), approve: fc.boolean() }).map((r) => ({ type: 'withdrawal.review', withdrawalId: `w${r.id}`, staffId: r.staff, decision: r.approve ? 'approve' : 'reject' }) as Cmd) },
  { weight: 1, arbitrary: fc.record({ user, kind: fc.constantFrom('password_reset', '2fa_change', 'api_key_created') }).map((r) => ({ type: 'security.changed', userId: r.user, kind: r.kind }) as Cmd) },
  { weight: 1, arbitrary: fc.record({ user, lock: fc.boolean() }).map((r) => (r.lock ? ({ type: 'account.lock', userId: r.user, reason: 'this was not me' } as Cmd) : ({ type: 'account.unlock', userId: r.user, staffId: 'staff-a', reason: 'verified by phone' } as Cmd))) },
  { weight: 1, arbitrary: fc.record({ user, tier: fc.integer({ min: 0, max: 3 }) }).map((r) => ({ type: 'user.tier', userId: r.user, tier: r.tier }) as Cmd) },
  { weight: 1, arbitrary: fc.record({ user, asset, add: fc.boolean() }).map((r) => (r.add ? ({ type: 'addressBook.add', userId: r.user, asset: r.asset, destination: DESTINATIONS[r.asset]!, label: 'mine', ownerVerified: true } as Cmd) : ({ type: 'addressBook.remove', userId: r.user, asset: r.asset, destination: DESTINATIONS[r.asset]! } as Cmd))) },
  { weight: 1, arbitrary: fc.record({ btc: fc.bigInt({ min: 1n, max: 10n ** 9n }), eth: fc.bigInt({ min: 1n, max: 10n ** 8n }) }).map((r) => ({ type: 'prices.set', pricesFils: { BTC: r.btc, ETH: r.eth } }) as Cmd) },
  { weight: 1, arbitrary: wid.map((id) => ({ type: 'withdrawal.authorize', withdrawalId: `w${id}` }) as Cmd) },
  { weight: 1, arbitrary: fc.record({ asset: fc.option(asset), paused: fc.boolean() }).map((r) => ({ type: 'withdrawals.pause', asset: r.asset, paused: r.paused, reason: 'drill' }) as Cmd) },
  { weight: 1, arbitrary: wid.map((id) => ({ type: 'withdrawal.settle', withdrawalId: `w${id}`, txRef: `tx${id}` }) as Cmd) },
  { weight: 1, arbitrary: wid.map((id) => ({ type: 'withdrawal.cancel', withdrawalId: `w${id}`, reason: 'test' }) as Cmd) },
  { weight: 1, arbitrary: fc.record({ asset: fc.constantFrom('AED', 'BTC', 'ETH'), amt: fc.bigInt({ min: 1n, max: 10n ** 18n }), ref: fc.integer({ min: 1, max: 1e6 }) }).map((r) => ({ type: 'ledger.post', ref: `sweep${r.ref}`, memo: 'sweep', transfers: [{ debit: `system:${r.asset}:hot_wallet`, credit: `system:${r.asset}:deposit_wallets`, amount: r.amt }] }) as Cmd) },
);

/** Opening commands: users exist and hold funds, so the stream exercises matching rather than rejections. */
export function genesis(): Cmd[] {
  const out: Cmd[] = [{ type: 'withdrawalPolicy.set', policy: streamPolicy } as Cmd];
  for (let u = 1; u <= USERS; u++) {
    out.push({ type: 'user.open', userId: u } as Cmd);
    out.push({ type: 'user.tier', userId: u, tier: 2 } as Cmd);
    for (const a of ['AED', 'BTC', 'ETH']) out.push({ type: 'addressBook.add', userId: u, asset: a, destination: DESTINATIONS[a]!, label: `${a} main`, ownerVerified: true } as Cmd);
    out.push({ type: 'deposit', userId: u, asset: 'AED', amount: 5_000_000_000n, source: 'bank', ref: `g-aed-${u}` } as Cmd);
    out.push({ type: 'deposit', userId: u, asset: 'BTC', amount: 10_000_000_000n, source: 'chain', ref: `g-btc-${u}` } as Cmd);
    out.push({ type: 'deposit', userId: u, asset: 'ETH', amount: 100n * 10n ** 18n, source: 'chain', ref: `g-eth-${u}` } as Cmd);
  }
  return out;
}
