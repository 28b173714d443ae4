import { constants, copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './errors.ts';
import { openStore, SQLITE_FILE, type Store, type StoreOptions } from './open.ts';
import { migrate, SCHEMA_VERSION } from './migrations.ts';
import type { PgDb } from './postgres.ts';
import { int, type SqlDb, type SqlRunner } from './sql.ts';
import { SqliteDb } from './sqlite.ts';

/**
 * Consistent online backups. Both backends produce one SQLite file:
 *  - SQLite: the whole database through SQLite's online backup API (better-sqlite3
 *    `db.backup`), page by page while the exchange keeps writing; the copy is the
 *    database as of one moment, read models included.
 *  - PostgreSQL: the journal, snapshots and audit log read in one REPEATABLE READ
 *    transaction (one MVCC snapshot, so the copy is consistent) into a fresh Rampart
 *    SQLite file with a `backup_meta` row. Read models are not copied: they are derived,
 *    and are rebuilt from the journal after a restore. A SQLite file rather than JSON lines
 *    because it is typed, indexed, checksummed by the page format, and opens as a store.
 */
export interface BackupInfo {
  readonly kind: 'sqlite-file' | 'postgres-export';
  readonly path: string;
  readonly lastSeq: number;
  readonly frames: number;
  readonly snapshots: number;
  readonly auditRows: number;
  readonly schemaVersion: number;
  readonly bytes: number;
}

/** Rows per page when copying tables: bounded memory whatever the journal size. */
const COPY_PAGE_ROWS = 2_000;

export async function backupStore(store: Store, path: string): Promise<BackupInfo> {
  if (existsSync(path)) throw new StoreError('STORE_IO', 'backup target exists; refusing to overwrite', { path });
  if (store.kind === 'sqlite') {
    const db = store.db as SqliteDb;
    try {
      await db.raw.backup(path);
    } catch (e) {
      throw new StoreError('STORE_IO', 'SQLite online backup failed', { path, cause: String(e).slice(0, 200) });
    }
    return describe(path);
  }
  const pg = store.db as PgDb;
  const out = SqliteDb.open(path, { verify: 'none' });
  try {
    await migrate(out);
    await out.exec('CREATE TABLE backup_meta (kind TEXT NOT NULL, created_ts INTEGER NOT NULL, source_schema_version INTEGER NOT NULL, last_seq INTEGER NOT NULL) STRICT');
    await pg.tx(async (q) => {
      await q.run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const [v] = await q.all<{ v: unknown }>('SELECT max(version) AS v FROM schema_version');
      const [m] = await q.all<{ m: unknown }>('SELECT coalesce(max(seq), 0) AS m FROM journal');
      const lastSeq = int(m?.m ?? 0);
      await copyTable(q, out, 'journal', ['seq', 'frame'], 'seq');
      await copyTable(q, out, 'snapshots', ['seq', 'bytes', 'created_ts'], 'seq');
      await copyTable(q, out, 'audit_log', ['seq', 'at_ts', 'actor', 'action', 'ip', 'before_json', 'after_json', 'prev_hash', 'hash'], 'seq');
      await out.run('INSERT INTO backup_meta (kind, created_ts, source_schema_version, last_seq) VALUES (?, ?, ?, ?)', ['postgres-export', Date.now(), int(v?.v ?? 0), lastSeq]);
    });
  } finally {
    await out.close();
  }
  return describe(path);
}

/** Copies `cols` of `table` from `from` to `to` in key order, a page per transaction on the target. */
async function copyTable(from: SqlRunner, to: Pick<SqlDb, 'tx'>, table: string, cols: readonly string[], key: string): Promise<number> {
  let after = -1;
  let n = 0;
  for (;;) {
    const rows = await from.all<Record<string, unknown>>(`SELECT ${cols.join(', ')} FROM ${table} WHERE ${key} > ? ORDER BY ${key} LIMIT ?`, [after, COPY_PAGE_ROWS]);
    if (rows.length === 0) return n;
    await to.tx(async (q) => {
      const per = Math.floor(16_000 / cols.length);
      for (let i = 0; i < rows.length; i += per) {
        const chunk = rows.slice(i, i + per);
        const values = chunk.flatMap((r) => cols.map((c) => r[c] ?? null));
        await q.run(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${chunk.map(() => `(${cols.map(() => '?').join(', ')})`).join(', ')}`, values);
      }
    });
    n += rows.length;
    after = int(rows[rows.length - 1]![key]);
  }
}

async function describe(path: string): Promise<BackupInfo> {
  const db = SqliteDb.open(path, { readonly: true });
  try {
    const tables = new Set((await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => r.name));
    for (const t of ['schema_version', 'journal', 'snapshots', 'audit_log']) {
      if (!tables.has(t)) throw new StoreError('STORE_BACKUP_INVALID', 'not a Rampart backup: a table is missing', { path, table: t });
    }
    const one = async (sql: string) => int((await db.all<{ n: unknown }>(sql))[0]?.n ?? 0);
    return {
      kind: tables.has('backup_meta') ? 'postgres-export' : 'sqlite-file',
      path,
      lastSeq: await one('SELECT coalesce(max(seq), 0) AS n FROM journal'),
      frames: await one('SELECT count(*) AS n FROM journal'),
      snapshots: await one('SELECT count(*) AS n FROM snapshots'),
      auditRows: await one('SELECT count(*) AS n FROM audit_log'),
      schemaVersion: await one('SELECT max(version) AS n FROM schema_version'),
      bytes: statSync(path).size,
    };
  } finally {
    await db.close();
  }
}

/**
 * Restores a backup into a fresh store (an empty data dir, or an empty PostgreSQL schema).
 * A SQLite file backup restored to SQLite is copied whole (read models included); every
 * other combination copies journal, snapshots and audit log, and the caller rebuilds the
 * read models from the journal (Projector.rebuild). Refuses to write over a non-empty journal.
 */
export async function restoreBackup(backupPath: string, target: StoreOptions): Promise<BackupInfo> {
  if (!existsSync(backupPath)) throw new StoreError('STORE_BACKUP_INVALID', 'backup file not found', { backupPath });
  const info = await describe(backupPath).catch((e: unknown) => {
    throw e instanceof StoreError ? e : new StoreError('STORE_BACKUP_INVALID', 'backup is not a Rampart database', { cause: String(e).slice(0, 200) });
  });
  if (info.schemaVersion > SCHEMA_VERSION) throw new StoreError('STORE_SCHEMA_TOO_NEW', 'backup was made by newer code', { found: info.schemaVersion, known: SCHEMA_VERSION });
  const toSqlite = target.databaseUrl === undefined || target.databaseUrl === '';
  if (toSqlite && info.kind === 'sqlite-file') {
    if (target.dataDir === undefined) throw new StoreError('STORE_CONFIG_INVALID', 'dataDir is required');
    const file = join(target.dataDir, SQLITE_FILE);
    try {
      mkdirSync(target.dataDir, { recursive: true, mode: 0o700 });
      // COPYFILE_EXCL: never over an existing database.
      copyFileSync(backupPath, file, constants.COPYFILE_EXCL);
    } catch (e) {
      if ((e as { code?: string }).code === 'EEXIST') throw new StoreError('STORE_NOT_EMPTY', 'target data directory already holds a database', { file });
      throw new StoreError('STORE_IO', 'cannot copy the backup into place', { file, cause: String(e).slice(0, 200) });
    }
    const store = await openStore(target);
    try {
      const { lastSeq } = await store.journal.open();
      if (lastSeq !== info.lastSeq) throw new StoreError('STORE_BACKUP_INVALID', 'restored journal does not end where the backup did', { lastSeq, expected: info.lastSeq });
    } finally {
      await store.close();
    }
    return info;
  }
  const src = SqliteDb.open(backupPath, { readonly: true });
  const store = await openStore(target);
  try {
    const { lastSeq } = await store.journal.open();
    if (lastSeq !== 0) throw new StoreError('STORE_NOT_EMPTY', 'target journal is not empty', { lastSeq });
    await copyTable(src, store.db, 'journal', ['seq', 'frame'], 'seq');
    await copyTable(src, store.db, 'snapshots', ['seq', 'bytes', 'created_ts'], 'seq');
    await copyTable(src, store.db, 'audit_log', ['seq', 'at_ts', 'actor', 'action', 'ip', 'before_json', 'after_json', 'prev_hash', 'hash'], 'seq');
    const reopened = await store.journal.open();
    if (reopened.lastSeq !== info.lastSeq) throw new StoreError('STORE_BACKUP_INVALID', 'restored journal does not end where the backup did', { lastSeq: reopened.lastSeq, expected: info.lastSeq });
  } finally {
    await store.close();
    await src.close();
  }
  return info;
}
