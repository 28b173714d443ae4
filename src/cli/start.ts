import { join } from 'node:path';
import Fastify from 'fastify';
import type { RampartConfig } from '../config/config.ts';
import { Engine } from '../engine/engine.ts';
import { FileJournal } from '../journal/fileJournal.ts';
import { MarketMaker } from '../demo/marketMaker.ts';
import { MARKET_MAKER_USER_ID, seedDemo } from '../demo/seed.ts';

/**
 * Starts Rampart: recovers the engine from its journal, seeds the demo (with --demo),
 * starts the market maker, and serves HTTP. Stops cleanly on SIGINT/SIGTERM; a kill -9
 * loses nothing acknowledged (the journal is fsynced before every acknowledgement).
 */
export async function startRampart(config: RampartConfig): Promise<void> {
  const engine = await Engine.open({
    config: config.core,
    backend: new FileJournal(join(config.dataDir, 'journal')),
    clock: Date.now,
    snapshotEveryCommands: config.snapshotEveryCommands,
  });
  const app = Fastify({ logger: config.logLevel === 'silent' ? false : { level: config.logLevel } });
  let ready = false;
  app.get('/api/v1/health', async () => ({ ok: ready, seq: engine.core.seq, recovery: engine.recovery }));
  const makers: MarketMaker[] = [];
  if (config.demo) {
    await seedDemo(engine);
    makers.push(new MarketMaker(engine, { userId: MARKET_MAKER_USER_ID, market: 'BTC/AED', midTicks: 350_000, levels: 10, spreadTicks: 20, stepTicks: 15, qtyLots: 500, intervalMs: 1000, seed: 7 }));
    makers.push(new MarketMaker(engine, { userId: MARKET_MAKER_USER_ID, market: 'ETH/AED', midTicks: 120_000, levels: 10, spreadTicks: 10, stepTicks: 10, qtyLots: 5000, intervalMs: 1000, seed: 11 }));
    for (const m of makers) m.start();
  }
  await app.listen({ port: config.port, host: config.host });
  ready = true;
  const stop = async () => {
    for (const m of makers) m.stop();
    await app.close();
    await engine.snapshot().catch(() => undefined);
    await engine.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
