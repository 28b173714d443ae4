import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { StoreError } from './errors.ts';
import { openStore } from './open.ts';
import { PgDb } from './postgres.ts';
import { Queries } from './queries.ts';
import { tmpName } from './testing/suite.ts';

const URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const s = tmpName('rampart_test_');

/** Skips (saying why) only outside CI when no server is reachable. */
async function reachable(): Promise<boolean> {
  try {
    const db = await PgDb.open({ url: URL, connectTimeoutMs: 2000 });
    await db.close();
    return true;
  } catch (e) {
    if (process.env.CI) throw new Error(`PostgreSQL at ${URL} is required in CI: ${String(e)}`);
    console.log(`# skipping PostgreSQL EXPLAIN test: no server reachable at ${URL} (${e instanceof StoreError ? e.code : String(e)}); set DATABASE_URL`);
    return false;
  }
}
const schema = () => s;

after(async () => {
  const db = await PgDb.open({ url: URL }).catch(() => null);
  if (db === null) return;
  await db.exec(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await db.close();
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

