import type { Command } from '../../core/commands.ts';
import { defaultCoreConfig } from '../../core/config.ts';
import { ExchangeCore } from '../../core/exchange.ts';
import { type ProjectionInput, projectionInput } from '../projector.ts';
import { mulberry32 } from '../../shared/prng.ts';

/** Deterministic PRNG (mulberry32) so every run projects the same commands. */
export const rng = mulberry32;

/** ISO 13616's example IBAN for the UAE (valid check digits). */
const IBAN = 'AE070331234567890123456';
const BTC_ADDRESS = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';

export interface Workload {
  readonly core: ExchangeCore;
  readonly inputs: ProjectionInput[];
}

/**
 * Runs a real ExchangeCore over `commands` mixed commands (funding, limit and market
 * orders on both markets, cancels, amends, withdrawals through every state, a sweep,
 * some rejected commands) and returns the projection inputs.
 */
export function buildWorkload(commands: number, seed = 7, users = 8, t0 = 1_700_000_000_000): Workload {
  const core = new ExchangeCore(defaultCoreConfig);
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const inputs: ProjectionInput[] = [];
  let ts = t0;
  const run = (c: Command) => {
    const result = core.apply(c);
    inputs.push(projectionInput(core, c, result));
    return result;
  };
  for (let u = 1; u <= users; u++) {
    run({ type: 'user.open', ts, userId: u });
    run({ type: 'deposit', ts, userId: u, asset: 'AED', amount: 1_000_000_000n, source: 'bank', ref: `bank-${u}` });
    run({ type: 'deposit', ts, userId: u, asset: 'BTC', amount: 10_000_000_000n, source: 'chain', ref: `btc-${u}` });
    // 1,000 ETH in wei: above 2^63, so it only survives exact storage.
    run({ type: 'deposit', ts, userId: u, asset: 'ETH', amount: 10n ** 21n, source: 'chain', ref: `eth-${u}` });
  }
  run({ type: 'ledger.post', ts, ref: 'sweep-1', memo: 'sweep to hot', transfers: [{ debit: 'system:BTC:hot_wallet', credit: 'system:BTC:deposit_wallets', amount: 5_000_000_000n }] });
  // Withdrawal controls (src/core/risk): KYC tier, saved destinations past their cooling-off, an
  // AED price for crypto limits. Built loosely typed: the controls' commands are still evolving,
  // and a command the core refuses is simply a rejected result, which the projector must skip.
  const loose = (c: Record<string, unknown>) => run({ ts, ...c } as unknown as Command);
  for (let u = 1; u <= users; u++) {
    loose({ type: 'user.tier', userId: u, tier: 2 });
    loose({ type: 'addressBook.add', userId: u, asset: 'AED', destination: IBAN, label: 'salary account', ownerVerified: true });
    loose({ type: 'addressBook.add', userId: u, asset: 'BTC', destination: BTC_ADDRESS, label: 'cold storage' });
  }
  ts += 86_400_000 + 60_000; // past the one-day cooling-off
  loose({ type: 'prices.set', pricesFils: { BTC: 35_000_000n, ETH: 1_300_000n } });
  const pendingW: Array<{ id: string; held: boolean }> = [];
  const authorizedW: string[] = [];
  let wid = 0;
  let coid = 0;
  while (inputs.length < commands) {
    ts += Math.floor(rand() * 40_000);
    const userId = 1 + Math.floor(rand() * users);
    const r = rand();
    const market = rand() < 0.6 ? 'BTC/AED' : 'ETH/AED';
    const mid = market === 'BTC/AED' ? 350_000 : 130_000;
    if (r < 0.55) {
      const side = rand() < 0.5 ? 'buy' : 'sell';
      const priceTicks = mid + Math.floor((rand() - 0.5) * 400);
      const qtyLots = 1 + Math.floor(rand() * 500);
      run({ type: 'order.place', ts, userId, market, side, kind: 'limit', tif: pick(['GTC', 'GTC', 'GTC', 'IOC', 'FOK'] as const), priceTicks, qtyLots, ...(rand() < 0.3 ? { clientOrderId: `c-${++coid}` } : {}) });
    } else if (r < 0.65) {
      run({ type: 'order.place', ts, userId, market, side: rand() < 0.5 ? 'buy' : 'sell', kind: 'market', qtyLots: 1 + Math.floor(rand() * 200) });
    } else if (r < 0.78) {
      const mine = [...core.orders.values()].filter((o) => o.userId === userId);
      if (mine.length > 0) run({ type: 'order.cancel', ts, userId, orderId: pick(mine).id });
      else run({ type: 'order.cancel', ts, userId, orderId: 999_999 }); // rejected: unknown order
    } else if (r < 0.85) {
      const mine = [...core.orders.values()].filter((o) => o.userId === userId);
      if (mine.length > 0) {
        const o = pick(mine);
        run({ type: 'order.amend', ts, userId, orderId: o.id, ...(rand() < 0.5 ? { qtyLots: Math.max(1, o.remLots - 1) } : { priceTicks: o.priceTicks + (rand() < 0.5 ? -3 : 3) }) });
      }
    } else if (r < 0.9) {
      const id = `w-${++wid}`;
      const asset = rand() < 0.7 ? 'AED' : 'BTC';
      const res = loose({
        type: 'withdrawal.request',
        withdrawalId: id,
        userId,
        asset,
        amount: asset === 'AED' ? 50_000n : 100_000n,
        fee: asset === 'AED' ? 500n : 1_000n,
        destination: asset === 'AED' ? IBAN : BTC_ADDRESS,
        confirmationId: `confirm-${id}`,
        confirmedTotp: true,
        emailConfirmed: true,
        confirmedTs: ts,
        via: 'session',
      });
      const requested = res.events[0] as { state?: string } | undefined;
      if (res.ok && !res.duplicate) pendingW.push({ id, held: requested?.state === 'held' });
    } else if (r < 0.94) {
      const w = pendingW.shift();
      if (w !== undefined) {
        if (w.held) {
          // Four-eyes: two different staff members approve.
          loose({ type: 'withdrawal.review', withdrawalId: w.id, staffId: 'staff-1', decision: 'approve' });
          loose({ type: 'withdrawal.review', withdrawalId: w.id, staffId: 'staff-2', decision: 'approve' });
        }
        if (rand() < 0.8) {
          if (run({ type: 'withdrawal.authorize', ts, withdrawalId: w.id }).ok) authorizedW.push(w.id);
        } else run({ type: 'withdrawal.cancel', ts, withdrawalId: w.id, reason: 'customer request' });
      }
    } else if (r < 0.97) {
      const id = authorizedW.shift();
      if (id !== undefined) run({ type: 'withdrawal.settle', ts, withdrawalId: id, txRef: `tx-${id}` });
    } else {
      run({ type: 'deposit', ts, userId, asset: pick(['AED', 'BTC', 'ETH'] as const), amount: BigInt(1 + Math.floor(rand() * 1e9)), source: 'bank', ref: `dep-${inputs.length}` });
    }
  }
  core.checkInvariants();
  return { core, inputs };
}

/** Splits `xs` into batches of irregular sizes (1..max), deterministically. */
export function irregularBatches<T>(xs: readonly T[], max: number, seed = 1): T[][] {
  const rand = rng(seed);
  const out: T[][] = [];
  for (let i = 0; i < xs.length; ) {
    const n = 1 + Math.floor(rand() * max);
    out.push(xs.slice(i, i + n));
    i += n;
  }
  return out;
}
