import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JournalBackend, SnapshotBackend } from '../journal/backend.ts';
import { StoreError } from './errors.ts';
import { migrate, SCHEMA_VERSION, schemaVersion } from './migrations.ts';
import { PgDb, PgJournal, type PgOptions } from './postgres.ts';
import { Projector } from './projector.ts';
import { type AuditRow, appendAudit, Queries } from './queries.ts';
import type { SqlDb } from './sql.ts';
import { SqliteDb, SqliteJournal, type SqliteOptions } from './sqlite.ts';

export const SQLITE_FILE = 'rampart.db';

export interface StoreOptions {
  /** SQLite data directory (the file is `<dataDir>/rampart.db`). Ignored when databaseUrl is set. */
  readonly dataDir?: string;
  /** postgres://… — PostgreSQL is used when this is set (DATABASE_URL). */
  readonly databaseUrl?: string;
  /** PostgreSQL schema (search_path) to live in; default the server's (public). */
  readonly schema?: string;
  readonly sqlite?: SqliteOptions;
  /** PostgreSQL pool tuning (pool size, connect and query timeouts). */
  readonly postgres?: Pick<PgOptions, 'poolMax' | 'connectTimeoutMs' | 'queryTimeoutMs'>;
  /** Apply pending migrations at open (default true). False: refuse an out-of-date schema instead. */
  readonly migrate?: boolean;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly db: SqlDb;
  /** Journal frames and snapshots: hand this to the journal layer. */
  readonly journal: JournalBackend & SnapshotBackend;
  readonly projector: Projector;
  readonly queries: Queries;
  readonly schemaVersion: number;
  /** Stores audit rows (hash chain computed by identity/audit.ts) in one transaction. */
  appendAudit(rows: readonly AuditRow[]): Promise<void>;
  close(): Promise<void>;
}

async function openDb(options: StoreOptions): Promise<{ db: SqlDb; journal: JournalBackend & SnapshotBackend }> {
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    const pg = await PgDb.open({ ...options.postgres, url: options.databaseUrl, ...(options.schema === undefined ? {} : { schema: options.schema }) });
    return { db: pg, journal: new PgJournal(pg) };
  }
  if (options.dataDir === undefined) throw new StoreError('STORE_CONFIG_INVALID', 'dataDir or databaseUrl is required');
  try {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new StoreError('STORE_IO', 'cannot create data directory', { dataDir: options.dataDir, cause: String(e).slice(0, 200) });
  }
  const lite = SqliteDb.open(join(options.dataDir, SQLITE_FILE), options.sqlite);
  return { db: lite, journal: new SqliteJournal(lite) };
}

/** Opens the store: PostgreSQL when databaseUrl is given, else SQLite at `<dataDir>/rampart.db`. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const { db, journal } = await openDb(options);
  try {
    let version: number;
    if (options.migrate === false) {
      version = await schemaVersion(db);
      if (version < SCHEMA_VERSION) throw new StoreError('STORE_SCHEMA_OUTDATED', 'schema is behind this code; run `rampart migrate`', { found: version, known: SCHEMA_VERSION });
    } else version = (await migrate(db)).to;
    return {
      kind: db.dialect,
      db,
      journal,
      projector: new Projector(db),
      queries: new Queries(db),
      schemaVersion: version,
      appendAudit: (rows) => db.tx((q) => appendAudit(q, rows)),
      close: () => db.close(),
    };
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }
}

/** What `rampart migrate` calls: applies pending migrations and reports the versions. */
export async function migrateStore(options: Omit<StoreOptions, 'migrate'>): Promise<{ from: number; to: number }> {
  const { db } = await openDb(options);
  try {
    return await migrate(db);
  } finally {
    await db.close();
  }
}
