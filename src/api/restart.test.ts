import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Accounts, openSqliteAccounts } from '../accounts/index.ts';
import { defaultCoreConfig } from '../core/config.ts';
import { Engine } from '../engine/engine.ts';
import { signRequest } from '../identity/index.ts';
import { FileJournal } from '../journal/fileJournal.ts';
import { buildApp } from './app.ts';
import { SERVER_KEY } from './testing.ts';

/** After a restart (journal replay, accounts.db reopened), keys still work and open orders are served again. */
test('restart: API keys from accounts.db and open orders re-indexed from the replayed core', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-api-restart-'));
  const clock = () => 1_750_000_000_000;
  const config = { serverKeys: (kid: string) => (kid === SERVER_KEY.kid ? SERVER_KEY.key : undefined), csrfKey: new Uint8Array(32).fill(1), docs: false };
  const open = async () => {
    const engine = await Engine.open({ config: defaultCoreConfig, backend: new FileJournal(join(dir, 'journal')), clock });
    const accounts = new Accounts({ repo: openSqliteAccounts(dir), engine, clock, serverKey: SERVER_KEY, passwordParams: { memoryKiB: 64, iterations: 1, parallelism: 1 } });
    const { app } = await buildApp({ engine, accounts, config, clock });
    const close = async () => {
      await app.close();
      accounts.repo.close();
      await engine.close();
    };
    return { engine, accounts, app, close };
  };
  let ts = 0;
  const get = async (app: Awaited<ReturnType<typeof open>>['app'], key: { keyId: string; secret: string }, q: string) => {
    const qs = `${q}&timestamp=${clock() - ++ts}`;
    return app.inject({ url: `/api/v3/openOrders?${qs}&signature=${signRequest(key.secret, qs)}`, headers: { 'x-mbx-apikey': key.keyId } });
  };
  try {
    const a = await open();
    const u = await a.accounts.createUser({ email: 'r@example.com', password: 'correct horse battery staple' });
    await a.engine.submit({ type: 'deposit', userId: u.id, asset: 'AED', amount: 10_000_000n, source: 'bank', ref: 'r1' });
    const v = await a.accounts.createUser({ email: 's@example.com', password: 'correct horse battery staple' });
    await a.engine.submit({ type: 'deposit', userId: v.id, asset: 'BTC', amount: 100_000_000n, source: 'chain', ref: 'r2' });
    const key = a.accounts.createApiKey(u.id, { label: 'k', permissions: ['trade'] });
    const placed = await a.engine.submit({ type: 'order.place', userId: u.id, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 300_000, qtyLots: 100, clientOrderId: 'x-1' });
    await a.engine.submit({ type: 'order.place', userId: v.id, market: 'BTC/AED', side: 'sell', kind: 'market', qtyLots: 40 });
    const before = (await get(a.app, key, 'symbol=BTCAED')).json();
    await a.close();

    const b = await open();
    const after = (await get(b.app, key, 'symbol=BTCAED')).json();
    assert.equal(after.length, 1);
    assert.equal(after[0].orderId, placed.orderId);
    assert.equal(after[0].status, 'PARTIALLY_FILLED');
    assert.equal(after[0].executedQty, '0.0004');
    assert.equal(after[0].cummulativeQuoteQty, '120');
    assert.equal(after[0].clientOrderId, 'x-1');
    assert.deepEqual({ ...after[0], updateTime: 0 }, { ...before[0], updateTime: 0 });
    await b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
