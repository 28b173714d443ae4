import type { Engine } from '../engine/engine.ts';

/** Demo customers and the market maker, opened and funded once per data directory. */
export const DEMO_USERS = [
  { userId: 1, email: 'alice@demo.rampart', name: 'Alice Demo' },
  { userId: 2, email: 'bob@demo.rampart', name: 'Bob Demo' },
  { userId: 3, email: 'fatima@demo.rampart', name: 'Fatima Al Mansouri' },
] as const;
export const MARKET_MAKER_USER_ID = 1000;

export async function seedDemo(engine: Engine): Promise<{ created: number }> {
  let created = 0;
  const ensure = async (userId: number, aedFils: bigint, btcSat: bigint, ethWei: bigint) => {
    if (!engine.core.ledger.hasUser(userId)) {
      await engine.submit({ type: 'user.open', userId });
      created++;
    }
    // Deposit references make these idempotent across restarts of the same data directory.
    await engine.submit({ type: 'deposit', userId, asset: 'AED', amount: aedFils, source: 'bank', ref: `demo-seed-aed-${userId}` });
    await engine.submit({ type: 'deposit', userId, asset: 'BTC', amount: btcSat, source: 'chain', ref: `demo-seed-btc-${userId}` });
    await engine.submit({ type: 'deposit', userId, asset: 'ETH', amount: ethWei, source: 'chain', ref: `demo-seed-eth-${userId}` });
  };
  for (const u of DEMO_USERS) await ensure(u.userId, 10_000_000n, 10_000_000n, 10n ** 18n); // 100,000 AED, 0.1 BTC, 1 ETH
  await ensure(MARKET_MAKER_USER_ID, 10_000_000_000n, 10_000_000_000n, 1_000n * 10n ** 18n); // 100M AED, 100 BTC, 1000 ETH
  return { created };
}
