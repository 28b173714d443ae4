import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { StoreError } from './errors.ts';
import { openStore, SQLITE_FILE } from './open.ts';
import { SqliteDb } from './sqlite.ts';
import { frames, storeSuite } from './testing/suite.ts';

const root = mkdtempSync(join(tmpdir(), 'rampart-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = () => join(root, `d${++n}`);

storeSuite('sqlite', async () => {
  const main = dir();
  return {
    name: 'sqlite',
    open: (extra) => openStore({ dataDir: main, ...extra }),
    fresh: async () => ({ dataDir: dir() }),
    backupPath: () => join(root, `backup-${++n}.db`),
    cleanup: async () => undefined,
  };
});

const code = (e: unknown) => (e instanceof StoreError ? e.code : `not a StoreError: ${String(e)}`);

test('sqlite: WAL and synchronous=FULL are on', async () => {
  const store = await openStore({ dataDir: dir() });
  try {
    const db = (store.db as SqliteDb).raw;
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2); // FULL
  } finally {
    await store.close();
  }
});

test('sqlite: garbage over pages → STORE_CORRUPT at open', async () => {
  for (const offset of [0, 4096 * 2]) {
    const d = dir();
    const store = await openStore({ dataDir: d });
    await store.journal.open();
    for (let i = 0; i < 20; i++) await store.journal.append(frames(i * 500 + 1, 500));
    await store.close(); // checkpoints the WAL into the main file
    const file = join(d, SQLITE_FILE);
    assert.ok(statSync(file).size > offset + 8192);
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, offset);
    closeSync(fd);
    await assert.rejects(openStore({ dataDir: d }), (e) => code(e) === 'STORE_CORRUPT');
  }
});

test('sqlite: truncated file → STORE_CORRUPT', async () => {
  const d = dir();
  const store = await openStore({ dataDir: d });
  await store.journal.open();
  for (let i = 0; i < 10; i++) await store.journal.append(frames(i * 500 + 1, 500));
  await store.close();
  const file = join(d, SQLITE_FILE);
  const fd = openSync(file, 'r+');
  // Keep the header (which records the page count) but cut the file in half.
  const { ftruncateSync } = await import('node:fs');
  ftruncateSync(fd, Math.floor(statSync(file).size / 2));
  closeSync(fd);
  await assert.rejects(openStore({ dataDir: d }), (e) => code(e) === 'STORE_CORRUPT');
});

test('sqlite: a failing write rejects append and poisons the journal until reopened', async () => {
  const d = dir();
  const store = await openStore({ dataDir: d });
  await store.journal.open();
  await store.journal.append(frames(1, 10));
  // Disk full: cap the database's size (https://www.sqlite.org/pragma.html#pragma_max_page_count).
  const raw = (store.db as SqliteDb).raw;
  raw.pragma(`max_page_count = ${raw.pragma('page_count', { simple: true })}`);
  await assert.rejects(store.journal.append(frames(11, 1000, 4000)), (e) => code(e) === 'STORE_DISK_FULL');
  // Even a small batch is refused until the caller reopens and learns lastSeq again.
  raw.pragma('max_page_count = 1073741823');
  await assert.rejects(store.journal.append(frames(11, 1)), (e) => code(e) === 'STORE_DISK_FULL');
  assert.deepEqual(await store.journal.open(), { lastSeq: 10 });
  await store.journal.append(frames(11, 1));
  await store.close();
  // A connection closed mid-run.
  await assert.rejects(store.journal.append(frames(12, 1)), (e) => code(e) === 'STORE_CLOSED');
  // A read-only database file.
  const ro = SqliteDb.open(join(d, SQLITE_FILE), { readonly: true });
  const { SqliteJournal } = await import('./sqlite.ts');
  const j = new SqliteJournal(ro);
  assert.deepEqual(await j.open(), { lastSeq: 11 }); // an up-to-date schema needs no write
  await assert.rejects(j.append(frames(12, 5)), (e) => code(e) === 'STORE_IO'); // SQLITE_READONLY
  await ro.close();
});

test('sqlite: amounts are canonical integer text; floats and junk are refused by the schema', async () => {
  const store = await openStore({ dataDir: dir() });
  try {
    const ins = (amount: unknown) => store.db.run("INSERT INTO deposits (seq, user_id, asset, amount, source, ref, bucket, ts) VALUES (?, 1, 'ETH', ?, 'chain', ?, 'available', 0)", [Math.floor(Math.random() * 1e9), amount, String(Math.random())]);
    await ins((2n ** 256n - 1n).toString());
    await ins('0');
    for (const bad of ['-1', '01', '1.5', '1e3', '', ' 1', 1.5, 7]) await assert.rejects(ins(bad), (e) => code(e) === 'STORE_IO', `accepted ${String(bad)}`);
  } finally {
    await store.close();
  }
});

test('sqlite: restore refuses a missing file, garbage, and a foreign SQLite database', async () => {
  const { restoreBackup } = await import('./backup.ts');
  const { writeFileSync } = await import('node:fs');
  await assert.rejects(restoreBackup(join(root, 'nope.db'), { dataDir: dir() }), (e) => code(e) === 'STORE_BACKUP_INVALID');
  const garbage = join(root, 'garbage.db');
  writeFileSync(garbage, Buffer.alloc(10_000, 0x41));
  await assert.rejects(restoreBackup(garbage, { dataDir: dir() }), (e) => code(e) === 'STORE_CORRUPT');
  const foreign = join(root, 'foreign.db');
  const f = SqliteDb.open(foreign);
  await f.exec('CREATE TABLE notes (x TEXT)');
  await f.close();
  await assert.rejects(restoreBackup(foreign, { dataDir: dir() }), (e) => code(e) === 'STORE_BACKUP_INVALID');
});

test('sqlite: migrations apply in order; migrate: false refuses a stale schema; migrateStore brings it up', async () => {
  const { MIGRATIONS, migrate } = await import('./migrations.ts');
  const { migrateStore } = await import('./open.ts');
  const d = dir();
  const { mkdirSync } = await import('node:fs');
  mkdirSync(d);
  const old = SqliteDb.open(join(d, SQLITE_FILE));
  assert.deepEqual(await migrate(old, MIGRATIONS.slice(0, 1)), { from: 0, to: 1 }); // what an older release left
  await old.close();
  await assert.rejects(openStore({ dataDir: d, migrate: false }), (e) => code(e) === 'STORE_SCHEMA_OUTDATED');
  assert.deepEqual(await migrateStore({ dataDir: d }), { from: 1, to: 2 });
  assert.deepEqual(await migrateStore({ dataDir: d }), { from: 2, to: 2 });
  const store = await openStore({ dataDir: d, migrate: false });
  assert.equal(store.schemaVersion, 2);
  await store.close();
});

test('sqlite: runStoreBench returns its figures (small run)', async () => {
  const { runStoreBench } = await import('./bench.ts');
  const r = await runStoreBench({ store: 'sqlite', frames: 2000, batchSize: 500, projectionCommands: 300, projectionBatch: 100 });
  assert.equal(r.journal.frames, 2000);
  assert.ok(r.journal.rowsPerSec > 0 && r.journal.commitMsP99 >= r.journal.commitMsP50);
  assert.ok(r.projection.rows > 300 && r.projection.rowsPerSec > 0);
  assert.match(r.durability, /synchronous=FULL/);
});
