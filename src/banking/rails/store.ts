import Database from 'better-sqlite3';
import { assert } from '../../shared/assert.ts';
import { BankRailsError } from './errors.ts';

/**
 * The rails' own durable state: suspense items, payouts and payment batches, imported statements,
 * reconciliation runs. Deliberately small: records are JSON documents addressed by (kind, id), so
 * the in-memory and the SQLite implementation behave identically and the typed logic lives in one
 * place (the modules using it). `putMany` is atomic: the payout batch assignment relies on it
 * (a payout is written to at most one pain.001, even across a crash).
 *
 * Balances never live here: the engine's ledger is the only place money moves. This store only
 * remembers what the rails decided and sent, so a restart resumes instead of repeating.
 */
export type RecordKind = 'suspense' | 'payout' | 'payoutQueue' | 'batch' | 'statement' | 'statementXml' | 'recon' | 'reconRef' | 'anomaly';

export interface RailsStore {
  get<T>(kind: RecordKind, id: string): T | undefined;
  /** Records of one kind in id order; `limit` bounds the answer. */
  list<T>(kind: RecordKind, limit?: number): T[];
  /** Writes all records or none; a record whose value is `undefined` is removed. */
  putMany(records: ReadonlyArray<{ kind: RecordKind; id: string; value: unknown }>): void;
  close(): void;
}

/** Upper bound of records one list call returns. */
export const STORE_LIST_MAX = 100_000;
const ID_LENGTH_MAX = 512;

export function put(store: RailsStore, kind: RecordKind, id: string, value: unknown): void {
  store.putMany([{ kind, id, value }]);
}

/** JSON with exact bigints: `{"$bigint":"123"}`. Bank text can never produce an object, so no confusion. */
export function encodeRecord(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v));
}

export function decodeRecord<T>(text: string): T {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && keys[0] === '$bigint' && typeof o.$bigint === 'string' && /^-?\d{1,100}$/.test(o.$bigint)) return BigInt(o.$bigint);
    }
    return v;
  }) as T;
}

function checkId(id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > ID_LENGTH_MAX) throw new BankRailsError('STORE_ID', `record id must be 1..${ID_LENGTH_MAX} characters`);
}

export class MemoryRailsStore implements RailsStore {
  private readonly maps = new Map<RecordKind, Map<string, string>>();

  private map(kind: RecordKind): Map<string, string> {
    let m = this.maps.get(kind);
    if (m === undefined) {
      m = new Map();
      this.maps.set(kind, m);
    }
    return m;
  }

  get<T>(kind: RecordKind, id: string): T | undefined {
    const text = this.map(kind).get(id);
    // Copies out, like SQLite: a caller mutating a record cannot change the store behind its back.
    return text === undefined ? undefined : decodeRecord<T>(text);
  }

  list<T>(kind: RecordKind, limit = STORE_LIST_MAX): T[] {
    const ids = [...this.map(kind).keys()].sort();
    return ids.slice(0, Math.min(limit, STORE_LIST_MAX)).map((id) => decodeRecord<T>(this.map(kind).get(id)!));
  }

  putMany(records: ReadonlyArray<{ kind: RecordKind; id: string; value: unknown }>): void {
    const encoded = records.map((r) => {
      checkId(r.id);
      return { kind: r.kind, id: r.id, text: r.value === undefined ? undefined : encodeRecord(r.value) };
    });
    for (const r of encoded) {
      if (r.text === undefined) this.map(r.kind).delete(r.id);
      else this.map(r.kind).set(r.id, r.text);
    }
  }

  close(): void {}
}

/**
 * SQLite (better-sqlite3), one table, WAL and synchronous=FULL: a write has reached the disk
 * before `putMany` returns (https://www.sqlite.org/pragma.html#pragma_synchronous), which is
 * what lets the payout batch assignment precede the pain.001 file.
 */
export class SqliteRailsStore implements RailsStore {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement;
  private readonly listStmt: Database.Statement;
  private readonly putStmt: Database.Statement;
  private readonly delStmt: Database.Statement;

  constructor(path: string) {
    this.db = new Database(path);
    if (path !== ':memory:') {
      const mode = this.db.pragma('journal_mode = WAL', { simple: true });
      assert(mode === 'wal', 'SQLite refused WAL mode', { mode });
    }
    this.db.pragma('synchronous = FULL');
    this.db.exec('CREATE TABLE IF NOT EXISTS rails_records (kind TEXT NOT NULL, id TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID');
    this.getStmt = this.db.prepare('SELECT value FROM rails_records WHERE kind = ? AND id = ?');
    this.listStmt = this.db.prepare('SELECT value FROM rails_records WHERE kind = ? ORDER BY id LIMIT ?');
    this.putStmt = this.db.prepare('INSERT INTO rails_records (kind, id, value) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET value = excluded.value');
    this.delStmt = this.db.prepare('DELETE FROM rails_records WHERE kind = ? AND id = ?');
  }

  get<T>(kind: RecordKind, id: string): T | undefined {
    const row = this.getStmt.get(kind, id) as { value: string } | undefined;
    return row === undefined ? undefined : decodeRecord<T>(row.value);
  }

  list<T>(kind: RecordKind, limit = STORE_LIST_MAX): T[] {
    const rows = this.listStmt.all(kind, Math.min(limit, STORE_LIST_MAX)) as { value: string }[];
    return rows.map((r) => decodeRecord<T>(r.value));
  }

  putMany(records: ReadonlyArray<{ kind: RecordKind; id: string; value: unknown }>): void {
    const encoded = records.map((r) => {
      checkId(r.id);
      return { kind: r.kind, id: r.id, text: r.value === undefined ? undefined : encodeRecord(r.value) };
    });
    this.db.transaction(() => {
      for (const r of encoded) {
        if (r.text === undefined) this.delStmt.run(r.kind, r.id);
        else this.putStmt.run(r.kind, r.id, r.text);
      }
    })();
  }

  close(): void {
    this.db.close();
  }
}
