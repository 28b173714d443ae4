import { RampartError } from '../shared/errors.ts';

export type StoreErrorCode =
  | 'STORE_UNAVAILABLE' // the database server cannot be reached (at start or mid-run)
  | 'STORE_CORRUPT' // the database file or a page in it is damaged: refuse, never guess
  | 'STORE_SCHEMA_TOO_NEW' // the schema was migrated by newer code than this one
  | 'STORE_SCHEMA_OUTDATED' // opened without migrating and the schema is behind: run `rampart migrate`
  | 'STORE_DISK_FULL'
  | 'STORE_IO' // any other failure to make a write durable: stop acknowledging
  | 'STORE_BUSY' // another writer holds the lock
  | 'STORE_SEQ_GAP' // an append does not continue the journal contiguously
  | 'STORE_CONFLICT' // a unique key collided (a second writer, a replayed batch)
  | 'STORE_CURSOR_INVALID' // a pagination cursor that this code did not issue
  | 'STORE_LIMIT_INVALID'
  | 'STORE_CONFIG_INVALID' // bad options: no dataDir or URL, a schema name that is not a plain identifier
  | 'STORE_CLOSED'
  | 'STORE_NOT_EMPTY' // restore refuses to write over an existing journal
  | 'STORE_BACKUP_INVALID';

/** The storage layer's one error class. Callers branch on `code`. */
export class StoreError extends RampartError {
  declare readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}

/** SQLite result codes (https://www.sqlite.org/rescode.html) → store codes. */
export function sqliteError(e: unknown, op: string): StoreError {
  if (e instanceof StoreError) return e;
  const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : '';
  const message = e instanceof Error ? e.message : String(e);
  const details = { op, sqliteCode: code, cause: message.slice(0, 200) };
  if (code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT_') || code === 'SQLITE_NOTADB') return new StoreError('STORE_CORRUPT', 'database file is corrupt', details);
  if (code === 'SQLITE_FULL') return new StoreError('STORE_DISK_FULL', 'disk full', details);
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') return new StoreError('STORE_BUSY', 'database is locked by another writer', details);
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') return new StoreError('STORE_CONFLICT', 'unique key conflict', details);
  return new StoreError('STORE_IO', 'database write or read failed', details);
}

const PG_UNAVAILABLE_NODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);

/** PostgreSQL SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html) and socket errors → store codes. */
export function pgError(e: unknown, op: string): StoreError {
  if (e instanceof StoreError) return e;
  const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : '';
  const message = e instanceof Error ? e.message : String(e);
  const details = { op, pgCode: code, cause: message.slice(0, 200) };
  // Class 08 connection exception, 57P01-03 shutdown / cannot connect now, 53300 too many connections.
  if (PG_UNAVAILABLE_NODE.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') {
    return new StoreError('STORE_UNAVAILABLE', 'database server unavailable', details);
  }
  // node-postgres reports a dropped socket without a code.
  if (code === '' && /Connection terminated|connection is closed|Client was closed|not queryable|timeout exceeded when trying to connect|Query read timeout/i.test(message)) {
    return new StoreError('STORE_UNAVAILABLE', 'database connection lost', details);
  }
  if (code === '53100') return new StoreError('STORE_DISK_FULL', 'database disk full', details);
  if (code === 'XX001' || code === 'XX002') return new StoreError('STORE_CORRUPT', 'database reports corrupted data', details);
  if (code === '23505' || code === '40001' || code === '40P01') return new StoreError('STORE_CONFLICT', 'unique key or serialization conflict', details);
  return new StoreError('STORE_IO', 'database operation failed', details);
}
