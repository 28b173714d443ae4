import fc from 'fast-check';
import type { Command } from '../commands.ts';

/** Random command streams over a small world (few users, both markets), for property tests and the simulator. */
export const USERS = 4;
type Cmd = Omit<Command, 'ts'> extends infer C ? C : never;

const user = fc.integer({ min: 1, max: USERS });
const market = fc.constantFrom('BTC/AED', 'ETH/AED');
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
  { weight: 2, arbitrary: fc.record({ user, asset: fc.constantFrom('AED', 'BTC', 'ETH'), amt: fc.bigInt({ min: 1n, max: 10n ** 8n }), id: fc.integer({ min: 1, max: 30 }) }).map((r) => ({ type: 'withdrawal.request', withdrawalId: `w${r.id}`, userId: r.user, asset: r.asset, amount: r.amt, fee: 1n, destination: 'dest' }) as Cmd) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 30 }).map((id) => ({ type: 'withdrawal.authorize', withdrawalId: `w${id}` }) as Cmd) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 30 }).map((id) => ({ type: 'withdrawal.settle', withdrawalId: `w${id}`, txRef: `tx${id}` }) as Cmd) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 30 }).map((id) => ({ type: 'withdrawal.cancel', withdrawalId: `w${id}`, reason: 'test' }) as Cmd) },
  { weight: 1, arbitrary: fc.record({ asset: fc.constantFrom('AED', 'BTC', 'ETH'), amt: fc.bigInt({ min: 1n, max: 10n ** 18n }), ref: fc.integer({ min: 1, max: 1e6 }) }).map((r) => ({ type: 'ledger.post', ref: `sweep${r.ref}`, memo: 'sweep', transfers: [{ debit: `system:${r.asset}:hot_wallet`, credit: `system:${r.asset}:deposit_wallets`, amount: r.amt }] }) as Cmd) },
);

/** Opening commands: users exist and hold funds, so the stream exercises matching rather than rejections. */
export function genesis(): Cmd[] {
  const out: Cmd[] = [];
  for (let u = 1; u <= USERS; u++) {
    out.push({ type: 'user.open', userId: u } as Cmd);
    out.push({ type: 'deposit', userId: u, asset: 'AED', amount: 5_000_000_000n, source: 'bank', ref: `g-aed-${u}` } as Cmd);
    out.push({ type: 'deposit', userId: u, asset: 'BTC', amount: 10_000_000_000n, source: 'chain', ref: `g-btc-${u}` } as Cmd);
    out.push({ type: 'deposit', userId: u, asset: 'ETH', amount: 100n * 10n ** 18n, source: 'chain', ref: `g-eth-${u}` } as Cmd);
  }
  return out;
}
