import { demoIban } from '../cli/bank.ts';
import type { Runtime } from '../cli/runtime.ts';

/** Demo customers (password DEMO_PASSWORD) and the market maker, opened and funded once per data directory. */
export const DEMO_USERS = [
  { email: 'alice@demo.rampart', name: 'Alice Demo' },
  { email: 'bob@demo.rampart', name: 'Bob Demo' },
  { email: 'fatima@demo.rampart', name: 'Fatima Al Mansouri' },
] as const;
export const DEMO_PASSWORD = 'rampart-demo-password';
export const MARKET_MAKER_EMAIL = 'maker@demo.rampart';

/** Funds a customer's AED through the bank path (sandbox transfer → camt.054 → first-party checks → credit). */
export type AedFunder = (userId: number, amountFils: bigint) => Promise<void>;

/** Funds a customer's BTC or ETH through the chain path (devnet transaction, confirmations, credit). */
export type ChainFunder = (userId: number, asset: 'BTC' | 'ETH', amountMinor: bigint) => Promise<void>;

export async function seedDemo(rt: Runtime, fundAed?: AedFunder, fundChain?: ChainFunder): Promise<{ created: number; makerUserId: number }> {
  const engine = rt.engine;
  let created = 0;
  const ensure = async (userId: number, aedFils: bigint, btcSat: bigint, ethWei: bigint) => {
    if (!engine.core.ledger.hasUser(userId)) {
      await engine.submit({ type: 'user.open', userId });
      created++;
    }
    // AED through the bank once per data directory; the chain references below are idempotent.
    const fundedKey = `demo-seed-aed-${userId}`;
    if (fundAed !== undefined && !engine.core.idempotent.has(`deposit:${fundedKey}`) && rt.engine.core.userBalances(userId).AED!.available === 0n) await fundAed(userId, aedFils);
    else if (fundAed === undefined) await engine.submit({ type: 'deposit', userId, asset: 'AED', amount: aedFils, source: 'bank', ref: fundedKey });
    if (fundChain !== undefined) {
      // Dev chains start fresh with each run: top up to the demo amount through real transactions.
      const b = engine.core.userBalances(userId);
      if (b.BTC!.available < btcSat) await fundChain(userId, 'BTC', btcSat - b.BTC!.available);
      if (b.ETH!.available < ethWei) await fundChain(userId, 'ETH', ethWei - b.ETH!.available);
    } else {
      await engine.submit({ type: 'deposit', userId, asset: 'BTC', amount: btcSat, source: 'chain', ref: `demo-seed-btc-${userId}` });
      await engine.submit({ type: 'deposit', userId, asset: 'ETH', amount: ethWei, source: 'chain', ref: `demo-seed-eth-${userId}` });
    }
  };
  // Every user goes through the accounts service, so core user ids and account ids never collide.
  for (const u of [...DEMO_USERS, { email: MARKET_MAKER_EMAIL, name: 'Demo Market Maker' }]) {
    let row = rt.accounts.repo.userByEmail(u.email);
    if (row === undefined) {
      row = await rt.accounts.createUser({ email: u.email, password: DEMO_PASSWORD });
      rt.accounts.setKyc(row.id, 'approved', { fullName: u.name, iban: demoIban(row.id) });
      created++;
    }
    if (u.email === MARKET_MAKER_EMAIL) await ensure(row.id, 10_000_000_000n, 10_000_000_000n, 1_000n * 10n ** 18n); // 100M AED, 100 BTC, 1000 ETH
    else await ensure(row.id, 10_000_000n, 10_000_000n, 10n ** 18n); // 100,000 AED, 0.1 BTC, 1 ETH
  }
  const maker = rt.accounts.repo.userByEmail(MARKET_MAKER_EMAIL)!;
  return { created, makerUserId: maker.id };
}
