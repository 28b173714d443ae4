import Database from 'better-sqlite3';
import type { JournalBackend, JournalFrame, SnapshotBackend } from '../journal/backend.ts';
import { assert } from '../shared/assert.ts';
import { StoreError, sqliteError } from './errors.ts';
import { migrate } from './migrations.ts';
import { Mutex } from './mutex.ts';
import type { SqlDb, SqlRunner } from './sql.ts';

export interface SqliteOptions {
  readonly readonly?: boolean;
  /**
   * Integrity check at open. 'quick' runs PRAGMA quick_check (reads every page: O(size),
   * about a second per GB) so a damaged file is refused at start rather than mid-run.
   */
  readonly verify?: 'quick' | 'none';
  /** Milliseconds to wait for another connection's write lock before STORE_BUSY. */
  readonly busyTimeoutMs?: number;
}

/**
 * SQLite through better-sqlite3: one connection, WAL, synchronous=FULL (a commit is
 * fsynced before it returns: https://www.sqlite.org/pragma.html#pragma_synchronous).
 * better-sqlite3 is synchronous; every call goes through one mutex so an open
 * transaction's statements never interleave with another caller's.
 */
export class SqliteDb implements SqlDb {
  readonly dialect = 'sqlite' as const;
  readonly path: string;
  private readonly mutex = new Mutex();
  private db: Database.Database | null;
  private readonly stmts = new Map<string, Database.Statement>();

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
  }

  static open(path: string, options: SqliteOptions = {}): SqliteDb {
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { readonly: options.readonly === true, fileMustExist: options.readonly === true });
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      if (options.readonly !== true) {
        // A garbage header fails here with SQLITE_NOTADB.
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (path !== ':memory:') assert(mode === 'wal', 'SQLite refused WAL mode', { mode });
        db.pragma('synchronous = FULL');
      }
      db.pragma('foreign_keys = ON');
      if ((options.verify ?? 'quick') === 'quick') {
        const rows = db.pragma('quick_check') as Array<{ quick_check: string }>;
        const first = rows[0]?.quick_check;
        if (first !== 'ok') throw new StoreError('STORE_CORRUPT', 'database failed its integrity check', { path, problems: rows.slice(0, 5).map((r) => r.quick_check) });
      }
      return new SqliteDb(path, db);
    } catch (e) {
      db?.close();
      throw sqliteError(e, 'open');
    }
  }

  /** The raw connection, for the synchronous fast paths (journal append, backup). */
  get raw(): Database.Database {
    if (this.db === null) throw new StoreError('STORE_CLOSED', 'store is closed');
    return this.db;
  }

  prepare(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (s === undefined) {
      s = this.raw.prepare(sql);
      if (this.stmts.size < 512) this.stmts.set(sql, s);
    }
    return s;
  }

  /** Runs `fn` holding the connection; errors come out as StoreError. */
  exclusive<T>(op: string, fn: (db: Database.Database) => T): Promise<T> {
    return this.mutex.run(() => {
      try {
        return fn(this.raw);
      } catch (e) {
        throw sqliteError(e, op);
      }
    });
  }

  private readonly direct: SqlRunner = {
    dialect: 'sqlite',
    all: async <T>(sql: string, params: readonly unknown[] = []) => {
      try {
        const s = this.prepare(sql);
        if (s.reader) return s.all(...bind(params)) as T[];
        s.run(...bind(params));
        return [];
      } catch (e) {
        throw sqliteError(e, 'query');
      }
    },
    run: async (sql: string, params: readonly unknown[] = []) => {
      try {
        this.prepare(sql).run(...bind(params));
      } catch (e) {
        throw sqliteError(e, 'run');
      }
    },
    exec: async (script: string) => {
      try {
        this.raw.exec(script);
      } catch (e) {
        throw sqliteError(e, 'exec');
      }
    },
  };

  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.mutex.run(() => this.direct.all<T>(sql, params));
  }
  run(sql: string, params?: readonly unknown[]): Promise<void> {
    return this.mutex.run(() => this.direct.run(sql, params));
  }
  exec(script: string): Promise<void> {
    return this.mutex.run(() => this.direct.exec(script));
  }

  tx<T>(fn: (q: SqlRunner) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      const db = this.raw;
      try {
        // IMMEDIATE takes the write lock now, so the transaction cannot fail half-way on BUSY.
        db.exec('BEGIN IMMEDIATE');
      } catch (e) {
        throw sqliteError(e, 'begin');
      }
      try {
        const out = await fn(this.direct);
        db.exec('COMMIT');
        return out;
      } catch (e) {
        if (db.inTransaction) {
          try {
            db.exec('ROLLBACK');
          } catch {
            // The connection is already unusable; the original error is the one to report.
          }
        }
        throw sqliteError(e, 'tx');
      }
    });
  }

  async close(): Promise<void> {
    await this.mutex.run(() => {
      if (this.db === null) return;
      this.stmts.clear();
      this.db.close();
      this.db = null;
    });
  }

  get closed(): boolean {
    return this.db === null;
  }
}

/** better-sqlite3 binds booleans as errors; store them as 0/1. Amount bigints are bound as text by callers. */
function bind(params: readonly unknown[]): unknown[] {
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

/** Snapshots kept; older ones are pruned on each put. */
export const SNAPSHOTS_KEEP = 3;
/** Frames in one append: the journal batches up to 1,000; more is a caller bug. */
export const APPEND_FRAMES_MAX = 10_000;

/** The journal and snapshots in SQLite tables. One append = one transaction: no torn records. */
export class SqliteJournal implements JournalBackend, SnapshotBackend {
  readonly kind = 'sqlite';
  private lastSeq = -1;
  private poisoned: StoreError | null = null;

  constructor(private readonly db: SqliteDb) {}

  async open(): Promise<{ lastSeq: number }> {
    await migrate(this.db);
    const row = await this.db.exclusive('open', (db) => db.prepare('SELECT max(seq) AS m FROM journal').get() as { m: number | null });
    this.lastSeq = row.m ?? 0;
    this.poisoned = null;
    return { lastSeq: this.lastSeq };
  }

  append(frames: readonly JournalFrame[]): Promise<void> {
    if (this.lastSeq < 0) return Promise.reject(new StoreError('STORE_CLOSED', 'journal is not open'));
    if (this.poisoned !== null) return Promise.reject(this.poisoned);
    if (frames.length === 0) return Promise.resolve();
    const gap = checkContiguous(frames, this.lastSeq);
    if (gap !== null) return Promise.reject(gap);
    const expectedLast = this.lastSeq;
    return this.db
      .exclusive('append', (db) => {
        const insert = this.db.prepare('INSERT INTO journal (seq, frame) VALUES (?, ?)');
        const max = this.db.prepare('SELECT max(seq) AS m FROM journal');
        db.transaction(() => {
          // Another writer on the same file would show here; the primary key stops duplicates anyway.
          const m = (max.get() as { m: number | null }).m ?? 0;
          if (m !== expectedLast) throw new StoreError('STORE_SEQ_GAP', 'journal moved underneath this writer', { expected: expectedLast, found: m });
          for (const f of frames) insert.run(f.seq, f.frame);
        }).immediate();
      })
      .then(
        () => {
          this.lastSeq = frames[frames.length - 1]!.seq;
        },
        (e: unknown) => {
          const err = e instanceof StoreError ? e : sqliteError(e, 'append');
          // After a failed write the caller must reopen (re-read lastSeq) before appending again.
          this.poisoned = new StoreError(err.code, `journal append failed; reopen before appending: ${err.message}`, err.details as Record<string, unknown>);
          throw err;
        },
      );
  }

  read(fromSeq: number, limit: number): Promise<JournalFrame[]> {
    assert(Number.isSafeInteger(fromSeq) && Number.isSafeInteger(limit) && limit > 0, 'bad read range', { fromSeq, limit });
    return this.db.exclusive('read', () => {
      const rows = this.db.prepare('SELECT seq, frame FROM journal WHERE seq >= ? ORDER BY seq LIMIT ?').all(fromSeq, limit) as Array<{ seq: number; frame: Buffer }>;
      return rows.map((r) => ({ seq: r.seq, frame: r.frame }));
    });
  }

  async close(): Promise<void> {
    this.lastSeq = -1;
  }

  putSnapshot(seq: number, bytes: Uint8Array): Promise<void> {
    assert(Number.isSafeInteger(seq) && seq >= 0, 'bad snapshot seq', { seq });
    return this.db.exclusive('putSnapshot', (db) => {
      db.transaction(() => {
        this.db.prepare('INSERT OR REPLACE INTO snapshots (seq, bytes, created_ts) VALUES (?, ?, ?)').run(seq, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), Date.now());
        this.db.prepare('DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)').run(SNAPSHOTS_KEEP);
      }).immediate();
    });
  }

  listSnapshots(): Promise<number[]> {
    return this.db.exclusive('listSnapshots', () => (this.db.prepare('SELECT seq FROM snapshots ORDER BY seq DESC').all() as Array<{ seq: number }>).map((r) => r.seq));
  }

  getSnapshot(seq: number): Promise<Uint8Array | null> {
    return this.db.exclusive('getSnapshot', () => {
      const r = this.db.prepare('SELECT bytes FROM snapshots WHERE seq = ?').get(seq) as { bytes: Buffer } | undefined;
      return r === undefined ? null : r.bytes;
    });
  }
}

/** Null when `frames` continue `lastSeq` one by one; otherwise the error to reject with. */
export function checkContiguous(frames: readonly JournalFrame[], lastSeq: number): StoreError | null {
  if (frames.length > APPEND_FRAMES_MAX) return new StoreError('STORE_SEQ_GAP', 'append batch too large', { frames: frames.length, max: APPEND_FRAMES_MAX });
  let expected = lastSeq + 1;
  for (const f of frames) {
    if (f.seq !== expected) return new StoreError('STORE_SEQ_GAP', 'journal append is not contiguous', { expected, got: f.seq });
    if (!(f.frame instanceof Uint8Array)) return new StoreError('STORE_IO', 'frame must be bytes', { seq: f.seq });
    expected++;
  }
  return null;
}
