import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { StoreError } from './errors.ts';
import { openStore } from './open.ts';
import { PgDb } from './postgres.ts';
import { Queries } from './queries.ts';
import { frames, storeSuite, tmpName } from './testing/suite.ts';

const URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const root = mkdtempSync(join(tmpdir(), 'rampart-pgstore-'));
const schemas: string[] = [];
let available: boolean | null = null;
let n = 0;

/** PostgreSQL tests skip (saying why) only outside CI; in CI an unreachable server fails them. */
async function reachable(): Promise<boolean> {
  if (available !== null) return available;
  try {
    const db = await PgDb.open({ url: URL, connectTimeoutMs: 2000 });
    await db.close();
    available = true;
  } catch (e) {
    if (process.env.CI) throw new Error(`PostgreSQL at ${URL} is required in CI: ${String(e)}`);
    console.log(`# skipping PostgreSQL store tests: no server reachable at ${URL} (${e instanceof StoreError ? e.code : String(e)}); set DATABASE_URL`);
    available = false;
  }
  return available;
}

function schema(): string {
  const s = tmpName('rampart_test_');
  schemas.push(s);
  return s;
}

after(async () => {
  rmSync(root, { recursive: true, force: true });
  if (available !== true) return;
  const db = await PgDb.open({ url: URL });
  for (const s of schemas) await db.exec(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await db.close();
});

storeSuite('postgres', async () => {
  if (!(await reachable())) return null;
  const main = schema();
  return {
    name: 'postgres',
    open: (extra) => openStore({ databaseUrl: URL, schema: main, ...extra }),
    fresh: async () => ({ databaseUrl: URL, schema: schema() }),
    backupPath: () => join(root, `backup-${++n}.db`),
    cleanup: async () => undefined,
  };
});

const code = (e: unknown) => (e instanceof StoreError ? e.code : `not a StoreError: ${String(e)}`);

test('postgres: unreachable server at start → STORE_UNAVAILABLE', async () => {
  await assert.rejects(openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/test' }), (e) => code(e) === 'STORE_UNAVAILABLE');
});

/** A TCP proxy in front of PostgreSQL that the test can cut, to kill the server "mid-run". */
async function proxy(): Promise<{ port: number; cut: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(5432, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    cut: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

test('postgres: server lost mid-run → append rejects with STORE_UNAVAILABLE', async (t) => {
  if (!(await reachable())) return t.skip('no PostgreSQL');
  const p = await proxy();
  const store = await openStore({ databaseUrl: `postgres://postgres@127.0.0.1:${p.port}/test`, schema: schema() });
  try {
    await store.journal.open();
    await store.journal.append(frames(1, 100));
    await p.cut();
    await assert.rejects(store.journal.append(frames(101, 100)), (e) => code(e) === 'STORE_UNAVAILABLE');
    await assert.rejects(store.journal.append(frames(101, 1)), (e) => code(e) === 'STORE_UNAVAILABLE');
  } finally {
    await store.close().catch(() => undefined);
  }
});

test('postgres: every hot query uses an index on big tables (EXPLAIN after ANALYZE)', async (t) => {
  if (!(await reachable())) return t.skip('no PostgreSQL');
  const store = await openStore({ databaseUrl: URL, schema: schema() });
  try {
    const N = 40_000;
    await store.db.exec(`
      INSERT INTO orders SELECT g, g % 2000 + 1, CASE WHEN g % 2 = 0 THEN 'BTC/AED' ELSE 'ETH/AED' END, CASE WHEN g % 3 = 0 THEN 'buy' ELSE 'sell' END,
        'limit', 'GTC', 0, 350000 + g % 100, 10, 10, 0, CASE WHEN g % 10 = 0 THEN 'open' ELSE 'filled' END, NULL, g, 1700000000000 + g, 1700000000000 + g
        FROM generate_series(1, ${N}) g;
      INSERT INTO fills SELECT g, g, CASE WHEN g % 2 = 0 THEN 'BTC/AED' ELSE 'ETH/AED' END, 350000, 10, 'buy', g, g + 1, g % 2000 + 1, (g + 7) % 2000 + 1,
        1000, 35000, 35000, 2, 35, 1700000000000 + g * 1000 FROM generate_series(1, ${N}) g;
      INSERT INTO ledger_entries SELECT g / 2, g % 2, 'user:' || (g % 2000 + 1) || ':AED:available', g % 2000 + 1, 'AED', 100, g * 100, 'system:AED:bank_omnibus',
        1700000000000 + g * 1000 FROM generate_series(1, ${N * 2}) g;
      INSERT INTO deposits SELECT g, g % 2000 + 1, 'AED', 100000, 'bank', 'ref-' || g, 'available', 1700000000000 + g FROM generate_series(1, ${N / 2}) g;
      INSERT INTO withdrawals SELECT 'w-' || g, g, g % 2000 + 1, 'AED', 1000, 10, 'AE07', 'settled', 'tx', NULL, 1700000000000 + g, 1700000000000 + g FROM generate_series(1, ${N / 2}) g;
      INSERT INTO candles SELECT m, '1m', 1700000000000 + g::bigint * 60000, 1, 2, 1, 2, 10, 100, 1 FROM generate_series(1, ${N / 2}) g, (VALUES ('BTC/AED'), ('ETH/AED')) v(m);
      ANALYZE orders; ANALYZE fills; ANALYZE ledger_entries; ANALYZE deposits; ANALYZE withdrawals; ANALYZE candles;
    `);
    const H = Queries.HOT;
    const cases: Array<[keyof typeof H, unknown[]]> = [
      ['openOrders', [17, 0, 101]],
      ['closedOrders', [17, Number.MAX_SAFE_INTEGER, 101]],
      ['userFills', [17, Number.MAX_SAFE_INTEGER, 101, 17, Number.MAX_SAFE_INTEGER, 101, 101]],
      ['ledger', [17, 1700000000000, 1800000000000, 0, 0, -1, 101]],
      ['deposits', [17, Number.MAX_SAFE_INTEGER, 101]],
      ['withdrawals', [17, Number.MAX_SAFE_INTEGER, 101]],
      ['marketTrades', ['BTC/AED', Number.MAX_SAFE_INTEGER, 101]],
      ['candles', ['BTC/AED', '1m', 1700000000000, 1700100000000, -1, 101]],
    ];
    for (const [name, params] of cases) {
      const plan = (await store.db.all<{ 'QUERY PLAN': string }>(`EXPLAIN ${H[name]}`, params)).map((r) => r['QUERY PLAN']).join('\n');
      assert.doesNotMatch(plan, /Seq Scan on (orders|fills|ledger_entries|deposits|withdrawals|candles)/, `${name}:\n${plan}`);
      assert.match(plan, /Index (Only )?Scan|Bitmap Index Scan/, `${name}:\n${plan}`);
    }
  } finally {
    await store.close();
  }
});

test('postgres: journal lease — one holder; a standby takes over when the holder session dies', async (t) => {
  if (!(await reachable())) return t.skip('no PostgreSQL');
  const { JournalLease } = await import('./postgres.ts');
  const s = schema();
  const leader = await JournalLease.acquire({ url: URL, schema: s, name: 'journal:a', heartbeatMs: 100 });
  try {
    await assert.rejects(JournalLease.acquire({ url: URL, schema: s, name: 'journal:a' }), (e) => code(e) === 'STORE_BUSY');
    const other = await JournalLease.acquire({ url: URL, schema: s, name: 'journal:b' }); // another shard is independent
    await other.release();
    const standby = JournalLease.acquire({ url: URL, schema: s, name: 'journal:a', waitMs: 10_000 });
    // The leader's session is killed (crash, network partition seen by the server).
    const admin = await PgDb.open({ url: URL });
    await admin.run('SELECT pg_terminate_backend(?)', [leader.pid]);
    await admin.close();
    const lost = await leader.lost;
    assert.equal(lost.code, 'STORE_UNAVAILABLE');
    const next = await standby;
    await next.release();
  } finally {
    await leader.release();
  }
});

before(async () => {
  await reachable();
});
