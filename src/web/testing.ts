import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { Accounts, openSqliteAccounts } from '../accounts/index.ts';
import { buildApp } from '../api/index.ts';
import { defaultCoreConfig } from '../core/config.ts';
import { MarketMaker } from '../demo/marketMaker.ts';
import { DEMO_PASSWORD, seedDemo } from '../demo/seed.ts';
import { Engine } from '../engine/engine.ts';
import { FileJournal } from '../journal/fileJournal.ts';
import { webPlugin } from './plugin.ts';

export { DEMO_PASSWORD };

export interface WebDemo {
  readonly url: string;
  readonly engine: Engine;
  readonly accounts: Accounts;
  close(): Promise<void>;
}

/**
 * A whole exchange for the browser tests: engine + file journal in a temp dir, the demo
 * seed (customers with logins, password DEMO_PASSWORD) with its market makers and a small
 * taker, the API (src/api buildApp) and the built web app, on one loopback port.
 *
 * buildApp returns an app that has already booted, so the web plugin cannot be added to
 * it; here a small front server sends /api, /docs and the /ws upgrade to the API app and
 * everything else to a second Fastify instance carrying webPlugin. In production the
 * plugin is registered inside buildApp (see docs/web.md).
 */
export async function startWebDemo(options: { distDir: string; makerIntervalMs?: number; takerIntervalMs?: number; secureCookies?: boolean }): Promise<WebDemo> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-web-'));
  const engine = await Engine.open({ config: defaultCoreConfig, backend: new FileJournal(join(dir, 'journal')), clock: Date.now });
  const serverKey = { kid: 'web-test', key: randomBytes(32) };
  const accounts = new Accounts({ repo: openSqliteAccounts(':memory:'), engine, clock: Date.now, serverKey, passwordParams: { memoryKiB: 64, iterations: 1, parallelism: 1 } });
  const { app } = await buildApp({
    engine,
    accounts,
    clock: Date.now,
    config: {
      serverKeys: (kid) => (kid === serverKey.kid ? serverKey.key : undefined),
      csrfKey: randomBytes(32),
      // Chromium keeps Secure (and __Host-) cookies from http://localhost, so cookies stay Secure here too.
      secureCookies: options.secureCookies ?? true,
      docs: false,
      // One browser is every client here: the per-IP limits are for the Internet.
      rateLimits: { perIp: { capacity: 100_000, refillPerMinute: 1_000_000 }, perAccount: { capacity: 100_000, refillPerMinute: 1_000_000 } },
    },
  });
  // seedDemo takes the CLI's Runtime and uses only its engine and accounts.
  const { makerUserId } = await seedDemo({ engine, accounts, app } as unknown as Parameters<typeof seedDemo>[0]);
  const takerUserId = accounts.repo.userByEmail('fatima@demo.rampart')?.id;
  if (takerUserId === undefined) throw new Error('demo seed did not create fatima@demo.rampart');
  const web = Fastify({ logger: false });
  await web.register(webPlugin, { distDir: options.distDir });
  await web.ready();

  const interval = options.makerIntervalMs ?? 300;
  const makers = [
    new MarketMaker(engine, { userId: makerUserId, market: 'BTC/AED', midTicks: 350_000, levels: 10, spreadTicks: 20, stepTicks: 15, qtyLots: 500, intervalMs: interval, seed: 7 }),
    new MarketMaker(engine, { userId: makerUserId, market: 'ETH/AED', midTicks: 120_000, levels: 10, spreadTicks: 10, stepTicks: 10, qtyLots: 5000, intervalMs: interval, seed: 11 }),
  ];
  for (const m of makers) m.start();
  // The demo makers only quote; a small taker (demo customer 3) crosses the spread now and
  // then so trades, the ticker and candles move, as they would with real customers.
  let n = 0;
  const takerMs = options.takerIntervalMs ?? 700;
  const taker = setInterval(() => {
    const i = n++;
    const btc = i % 4 < 2;
    void engine
      .submit({ type: 'order.place', userId: takerUserId, market: btc ? 'BTC/AED' : 'ETH/AED', side: i % 2 === 0 ? 'buy' : 'sell', kind: 'market', tif: 'IOC', qtyLots: btc ? 10 + (i % 7) * 5 : 20 + (i % 5) * 10 })
      .catch(() => undefined);
  }, takerMs);

  const toApi = (path: string) => path.startsWith('/api/') || path === '/api' || path.startsWith('/docs');
  const server: Server = createServer((req, res) => (toApi(req.url ?? '/') ? app.routing(req, res) : web.routing(req, res)));
  server.on('upgrade', (req, socket, head) => app.server.emit('upgrade', req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://localhost:${port}`,
    engine,
    accounts,
    async close() {
      clearInterval(taker);
      for (const m of makers) m.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await web.close();
      await app.close();
      accounts.repo.close();
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
