/**
 * Rampart's storage layer: the journal and snapshots (JournalBackend + SnapshotBackend),
 * versioned migrations, read models projected from core results, paginated queries,
 * backup/restore and a benchmark — on SQLite (embedded default) or PostgreSQL (DATABASE_URL).
 */
export { type BackupInfo, backupStore, restoreBackup } from './backup.ts';
export { type StoreBenchOptions, type StoreBenchResult, runStoreBench } from './bench.ts';
export { StoreError, type StoreErrorCode } from './errors.ts';
export { type Migration, MIGRATIONS, migrate, SCHEMA_VERSION, schemaVersion } from './migrations.ts';
export { migrateStore, openStore, SQLITE_FILE, type Store, type StoreOptions } from './open.ts';
export { JournalLease, type LeaseOptions, PgDb, PgJournal, type PgOptions } from './postgres.ts';
export { type ApplyOutcome, CANDLE_PERIODS, type CandlePeriod, type ProjectionInput, Projector, projectionInput, READ_MODEL_TABLES } from './projector.ts';
export * from './queries.ts';
export type { Dialect, SqlDb, SqlRunner } from './sql.ts';
export { SqliteDb, SqliteJournal, type SqliteOptions } from './sqlite.ts';
