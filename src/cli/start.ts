import type { RampartConfig } from '../config/config.ts';
import { MarketMaker } from '../demo/marketMaker.ts';
import { seedDemo } from '../demo/seed.ts';
import { startDemoTaker } from '../demo/taker.ts';
import { serveAdmin } from './admin.ts';
import { startBankRails } from './bank.ts';
import { chainFunder, type DevChains, startDevChains } from './chains.ts';
import { publishReserves } from './reserves.ts';
import { sandboxDeposit } from '../banking/rails/index.ts';
import { openRuntime } from './runtime.ts';

/**
 * Starts Rampart: recovers the engine from its journal, opens accounts and the API,
 * serves the admin socket for the CLI, seeds the demo (with --demo) and starts the
 * market maker. Stops cleanly on SIGINT/SIGTERM; a kill -9 loses nothing acknowledged
 * (the journal is fsynced before every acknowledgement).
 */
export async function startRampart(config: RampartConfig): Promise<void> {
  const rt = await openRuntime(config);
  const admin = serveAdmin(rt);
  const makers: MarketMaker[] = [];
  const stoppers: Array<() => void> = [];
  const bankRails = await startBankRails(rt);
  stoppers.push(() => bankRails.stop());
  let chains: DevChains | null = null;
  if (config.demo) {
    try {
      chains = await startDevChains(rt, (l) => process.stdout.write(`${l}\n`));
    } catch (e) {
      // The exchange runs without them (crypto deposits and withdrawals unavailable), and says so.
      process.stderr.write(`dev chains did not start: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    const { makerUserId } = await seedDemo(
      rt,
      async (userId, amountFils) => {
        await sandboxDeposit({ rails: bankRails.rails, bank: bankRails.bank, userId, amountFils });
      },
      chains === null ? undefined : chainFunder(rt),
    );
    makers.push(new MarketMaker(rt.engine, { userId: makerUserId, market: 'BTC/AED', midTicks: 350_000, levels: 10, spreadTicks: 20, stepTicks: 15, qtyLots: 500, intervalMs: 1000, seed: 7 }));
    makers.push(new MarketMaker(rt.engine, { userId: makerUserId, market: 'ETH/AED', midTicks: 120_000, levels: 10, spreadTicks: 10, stepTicks: 10, qtyLots: 5000, intervalMs: 1000, seed: 11 }));
    for (const m of makers) m.start();
    const taker = rt.accounts.repo.userByEmail('fatima@demo.rampart');
    if (taker !== undefined) stoppers.push(startDemoTaker(rt.engine, taker.id, 2_000));
  }
  // Proof of reserves: a liabilities snapshot now and every hour (skipped when nothing changed).
  const publish = () => publishReserves(rt, rt.reserves).catch((e: unknown) => process.stderr.write(`proof of reserves: ${e instanceof Error ? e.message : String(e)}\n`));
  await publish();
  const porTimer = setInterval(() => void publish(), 3_600_000);
  stoppers.push(() => clearInterval(porTimer));
  const address = await rt.app.listen({ port: config.port, host: config.host });
  process.stdout.write(`rampart listening on ${address} (data ${config.dataDir}, seq ${rt.engine.core.seq}, replayed ${rt.engine.recovery.replayed} from snapshot ${rt.engine.recovery.snapshotSeq})\n`);
  const stop = async () => {
    for (const m of makers) m.stop();
    for (const s of stoppers) s();
    await chains?.stop();
    admin.close();
    await rt.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
