import pg from 'pg';
import type { JournalBackend, JournalFrame, SnapshotBackend } from '../journal/backend.ts';
import { assert } from '../shared/assert.ts';
import { pgError, StoreError } from './errors.ts';
import { migrate } from './migrations.ts';
import { checkContiguous, SNAPSHOTS_KEEP } from './sqlite.ts';
import { type SqlDb, type SqlRunner, toPgPlaceholders } from './sql.ts';

export interface PgOptions {
  readonly url: string;
  /** A schema to live in (created if missing) via search_path; tests use a private one each. */
  readonly schema?: string;
  readonly poolMax?: number;
  readonly connectTimeoutMs?: number;
  /** Longest a query may take before it fails with STORE_UNAVAILABLE (default 30 s): a half-open socket must not hang an append forever. */
  readonly queryTimeoutMs?: number;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;

/** bigint columns come back as numbers, refusing values a double cannot hold exactly. */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new StoreError('STORE_IO', 'bigint column exceeds 2^53', { value: text.slice(0, 30) });
  return n;
}
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser,
};

function params(values: readonly unknown[]): unknown[] {
  return values.map((v) => (typeof v === 'bigint' ? v.toString() : v));
}

/** PostgreSQL through a node-postgres pool. Amounts are numeric(78,0) and come back as strings. */
export class PgDb implements SqlDb {
  readonly dialect = 'postgres' as const;
  readonly schema: string | null;
  private readonly pool: pg.Pool;
  private ended = false;
  private readonly direct: SqlRunner;
  /** The last error an idle pooled connection reported (server restart, network cut). */
  lastIdleError: unknown = null;

  private constructor(pool: pg.Pool, schema: string | null) {
    this.pool = pool;
    this.schema = schema;
    this.direct = this.runnerFor(pool);
  }

  static async open(options: PgOptions): Promise<PgDb> {
    const schema = options.schema ?? null;
    if (schema !== null && !SCHEMA_RE.test(schema)) throw new StoreError('STORE_CONFIG_INVALID', 'schema name must be lower-case letters, digits, _', { schema: schema.slice(0, 80) });
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      query_timeout: options.queryTimeoutMs ?? 30_000,
      keepAlive: true,
      idleTimeoutMillis: 30_000,
      types,
      ...(schema === null ? {} : { options: `-c search_path=${schema}` }),
    });
    const db = new PgDb(pool, schema);
    // Without a listener an idle client's error would crash the process; the next query reports it.
    pool.on('error', (e) => {
      db.lastIdleError = e;
    });
    try {
      if (schema !== null) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      else await pool.query('SELECT 1');
    } catch (e) {
      db.ended = true;
      await pool.end().catch(() => undefined);
      throw pgError(e, 'open');
    }
    return db;
  }

  private runnerFor(q: pg.Pool | pg.PoolClient): SqlRunner {
    return {
      dialect: 'postgres',
      all: async <T>(sql: string, values: readonly unknown[] = []) => {
        try {
          return (await q.query(toPgPlaceholders(sql), params(values))).rows as T[];
        } catch (e) {
          throw pgError(e, 'query');
        }
      },
      run: async (sql: string, values: readonly unknown[] = []) => {
        try {
          await q.query(toPgPlaceholders(sql), params(values));
        } catch (e) {
          throw pgError(e, 'run');
        }
      },
      exec: async (script: string) => {
        try {
          await q.query(script);
        } catch (e) {
          throw pgError(e, 'exec');
        }
      },
    };
  }


  all<T = Record<string, unknown>>(sql: string, values?: readonly unknown[]): Promise<T[]> {
    if (this.ended) return Promise.reject(new StoreError('STORE_CLOSED', 'store is closed'));
    return this.direct.all<T>(sql, values);
  }
  run(sql: string, values?: readonly unknown[]): Promise<void> {
    if (this.ended) return Promise.reject(new StoreError('STORE_CLOSED', 'store is closed'));
    return this.direct.run(sql, values);
  }
  exec(script: string): Promise<void> {
    if (this.ended) return Promise.reject(new StoreError('STORE_CLOSED', 'store is closed'));
    return this.direct.exec(script);
  }

  async tx<T>(fn: (q: SqlRunner) => Promise<T>): Promise<T> {
    if (this.ended) throw new StoreError('STORE_CLOSED', 'store is closed');
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw pgError(e, 'connect');
    }
    let broken = false;
    // A checked-out client that loses its socket emits 'error'; unhandled, that would crash the process.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const out = await fn(this.runnerFor(client));
      await client.query('COMMIT');
      return out;
    } catch (e) {
      const err = pgError(e, 'tx');
      broken = err.code === 'STORE_UNAVAILABLE';
      if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
      throw err;
    } finally {
      // A connection that failed mid-transaction is destroyed, never returned to the pool.
      client.off('error', onError);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }

  /** Drops the schema this store lives in (tests and bench only). */
  async dropSchema(): Promise<void> {
    assert(this.schema !== null, 'no private schema to drop');
    await this.exec(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
  }
}

/** The journal and snapshots in PostgreSQL. One append = one transaction with one multi-row insert. */
export class PgJournal implements JournalBackend, SnapshotBackend {
  readonly kind = 'postgres';
  private lastSeq = -1;
  private poisoned: StoreError | null = null;

  constructor(private readonly db: PgDb) {}

  async open(): Promise<{ lastSeq: number }> {
    await migrate(this.db);
    const [row] = await this.db.all<{ m: number | null }>('SELECT max(seq) AS m FROM journal');
    this.lastSeq = row?.m ?? 0;
    this.poisoned = null;
    return { lastSeq: this.lastSeq };
  }

  async append(frames: readonly JournalFrame[]): Promise<void> {
    if (this.lastSeq < 0) throw new StoreError('STORE_CLOSED', 'journal is not open');
    if (this.poisoned !== null) throw this.poisoned;
    if (frames.length === 0) return;
    const gap = checkContiguous(frames, this.lastSeq);
    if (gap !== null) throw gap;
    const expectedLast = this.lastSeq;
    try {
      await this.db.tx(async (q) => {
        const [row] = await q.all<{ m: number | null }>('SELECT max(seq) AS m FROM journal');
        const m = row?.m ?? 0;
        if (m !== expectedLast) throw new StoreError('STORE_SEQ_GAP', 'journal moved underneath this writer', { expected: expectedLast, found: m });
        await q.run('INSERT INTO journal (seq, frame) SELECT * FROM unnest(?::bigint[], ?::bytea[])', [
          frames.map((f) => f.seq),
          frames.map((f) => Buffer.from(f.frame.buffer, f.frame.byteOffset, f.frame.byteLength)),
        ]);
      });
      this.lastSeq = frames[frames.length - 1]!.seq;
    } catch (e) {
      const err = e instanceof StoreError ? e : pgError(e, 'append');
      // The commit may or may not have landed (connection lost at COMMIT): reopen to learn lastSeq.
      this.poisoned = new StoreError(err.code, `journal append failed; reopen before appending: ${err.message}`, err.details as Record<string, unknown>);
      throw err;
    }
  }

  async read(fromSeq: number, limit: number): Promise<JournalFrame[]> {
    assert(Number.isSafeInteger(fromSeq) && Number.isSafeInteger(limit) && limit > 0, 'bad read range', { fromSeq, limit });
    const rows = await this.db.all<{ seq: number; frame: Buffer }>('SELECT seq, frame FROM journal WHERE seq >= ? ORDER BY seq LIMIT ?', [fromSeq, limit]);
    return rows.map((r) => ({ seq: r.seq, frame: r.frame }));
  }

  async close(): Promise<void> {
    this.lastSeq = -1;
  }

  async putSnapshot(seq: number, bytes: Uint8Array): Promise<void> {
    assert(Number.isSafeInteger(seq) && seq >= 0, 'bad snapshot seq', { seq });
    await this.db.tx(async (q) => {
      await q.run('INSERT INTO snapshots (seq, bytes, created_ts) VALUES (?, ?, ?) ON CONFLICT (seq) DO UPDATE SET bytes = excluded.bytes, created_ts = excluded.created_ts', [
        seq,
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        Date.now(),
      ]);
      await q.run('DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)', [SNAPSHOTS_KEEP]);
    });
  }

  async listSnapshots(): Promise<number[]> {
    return (await this.db.all<{ seq: number }>('SELECT seq FROM snapshots ORDER BY seq DESC')).map((r) => r.seq);
  }

  async getSnapshot(seq: number): Promise<Uint8Array | null> {
    const [r] = await this.db.all<{ bytes: Buffer }>('SELECT bytes FROM snapshots WHERE seq = ?', [seq]);
    return r === undefined ? null : r.bytes;
  }
}

export interface LeaseOptions extends PgOptions {
  /** What is led, e.g. 'journal:shard-a'. The key is hashed with the schema name. */
  readonly name?: string;
  /** How long to wait for the current holder to go away (default 0: fail at once with STORE_BUSY). */
  readonly waitMs?: number;
  /** How often the holder checks its session is alive (default 1,000 ms). */
  readonly heartbeatMs?: number;
}

/**
 * Leadership of a journal: a PostgreSQL session-level advisory lock held on a dedicated
 * connection (https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS).
 * The server releases it when the holder's session ends, so a standby waiting on the same
 * key takes over when the leader dies. It is a lease, not a fence: the journal's own
 * max(seq) check inside every append is what keeps two writers from forking it.
 */
export class JournalLease {
  /** Resolves (never rejects) when the lease is lost: the holder must stop writing. */
  readonly lost: Promise<StoreError>;
  private timer: NodeJS.Timeout | null = null;
  private released = false;

  private constructor(
    private readonly client: pg.Client,
    readonly key: string,
    heartbeatMs: number,
  ) {
    let markLost!: (e: StoreError) => void;
    this.lost = new Promise<StoreError>((r) => {
      markLost = r;
    });
    const lose = (e: unknown) => {
      if (this.released) return;
      this.stop();
      markLost(pgError(e ?? new Error('Connection terminated'), 'lease'));
    };
    client.on('error', lose);
    client.on('end', () => lose(new Error('Connection terminated')));
    this.timer = setInterval(() => {
      client.query('SELECT 1').catch(lose);
    }, heartbeatMs);
    this.timer.unref();
  }

  static async acquire(options: LeaseOptions): Promise<JournalLease> {
    const schema = options.schema ?? null;
    if (schema !== null && !SCHEMA_RE.test(schema)) throw new StoreError('STORE_CONFIG_INVALID', 'schema name must be lower-case letters, digits, _', { schema: schema.slice(0, 80) });
    const client = new pg.Client({
      connectionString: options.url,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      keepAlive: true,
      types,
      ...(schema === null ? {} : { options: `-c search_path=${schema}` }),
    });
    client.on('error', () => undefined); // reported through queries until the lease exists
    try {
      await client.connect();
    } catch (e) {
      throw pgError(e, 'lease');
    }
    const key = `${schema ?? 'public'}:${options.name ?? 'journal'}`;
    const deadline = Date.now() + Math.max(0, options.waitMs ?? 0);
    try {
      for (;;) {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [key]);
        if (rows[0]?.ok === true) break;
        if (Date.now() >= deadline) throw new StoreError('STORE_BUSY', 'another process holds the journal lease', { key });
        await new Promise((r) => setTimeout(r, 100));
      }
    } catch (e) {
      await client.end().catch(() => undefined);
      throw pgError(e, 'lease');
    }
    return new JournalLease(client, key, options.heartbeatMs ?? 1000);
  }

  /** The backend pid of the lease's session (for operators, and tests that kill it). */
  get pid(): number {
    return (this.client as unknown as { processID: number }).processID;
  }

  private stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.stop();
    await this.client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [this.key]).catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }
}
