import Database from 'better-sqlite3';
import { join } from 'node:path';
import { assert } from '../../shared/assert.ts';
import { Blocklist, type BlocklistEntry } from '../blocklist.ts';
import type { AuditRecord, ComplianceCase } from '../cases.ts';
import { ScreeningError } from '../errors.ts';
import { type Counterparty, CounterpartyRegistry } from '../freezeRequest.ts';
import type { BtcTx } from '../trace.ts';

/** What a case is about: a frozen deposit, a held withdrawal, or holdings hit by a freeze request. */
export type CaseKind = 'deposit' | 'withdrawal' | 'freeze_request';

/** A case as stored: the pure module's case plus where its money sits in the core. */
export interface StoredCase {
  readonly kind: CaseKind;
  readonly userId: number;
  readonly asset: 'BTC' | 'ETH';
  readonly case: ComplianceCase;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS blocklist (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL, removed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS btc_tx_cache (txid TEXT PRIMARY KEY, tx TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cases (id TEXT PRIMARY KEY, kind TEXT NOT NULL, user_id INTEGER NOT NULL, asset TEXT NOT NULL,
  deposit_ref TEXT NOT NULL, status TEXT NOT NULL, opened_at_ms INTEGER NOT NULL, body TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS cases_ref ON cases (kind, deposit_ref);
CREATE TABLE IF NOT EXISTS case_audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counterparties (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS freeze_seen (dedup_key TEXT PRIMARY KEY, at_ms INTEGER NOT NULL, response TEXT NOT NULL);
`;

/** JSON with bigints as {"$n": "…"} so amounts survive exactly (same convention as the signer protocol). */
export function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? { $n: x.toString() } : x));
}
export function fromJson<T>(s: string): T {
  return JSON.parse(s, (_k, x) => (x !== null && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 1 && typeof x.$n === 'string' && /^-?\d+$/.test(x.$n) ? BigInt(x.$n) : x)) as T;
}

/**
 * The screening service's persistent state in `<dataDir>/screening.sqlite`: the blocklist
 * (every entry ever added, removals recorded), a cache of confirmed BTC transactions fetched
 * while tracing, compliance cases with their append-only audit records, and the freeze-request
 * registry (counterparties and the request ids already processed).
 *
 * The blocklist lives in memory (the pure `Blocklist`) and is written through by `saveBlocklist()`
 * after each mutation batch: new entries are appended, removals marked. One writer process.
 */
export class ScreeningStore {
  readonly db: Database.Database;
  readonly blocklist: Blocklist;
  readonly counterparties: CounterpartyRegistry;
  #persisted = 0;
  readonly #removedSeqs = new Set<number>();

  private constructor(db: Database.Database) {
    this.db = db;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
    const rows = db.prepare('SELECT seq, entry, removed FROM blocklist ORDER BY seq').all() as { seq: number; entry: string; removed: number }[];
    const entries = rows.map((r) => JSON.parse(r.entry) as BlocklistEntry);
    this.blocklist = Blocklist.fromExport({ version: 1, entries });
    this.#persisted = rows.length;
    rows.forEach((r, i) => {
      if (r.removed) this.#removedSeqs.add(i);
    });
    this.counterparties = new CounterpartyRegistry();
    for (const r of db.prepare('SELECT body FROM counterparties ORDER BY rowid').all() as { body: string }[]) {
      const c = JSON.parse(r.body) as Counterparty;
      this.counterparties.register({ id: c.id, name: c.name, kind: c.kind, publicKeyHex: c.publicKeyHex, registeredBy: c.registeredBy, registeredAtMs: c.registeredAtMs });
      if (c.revokedAtMs !== undefined) this.counterparties.revoke(c.id, c.revokedAtMs);
    }
  }

  /** Opens (creating if needed) `<dataDir>/screening.sqlite`; `':memory:'` for tests. */
  static open(dataDirOrMemory: string): ScreeningStore {
    const path = dataDirOrMemory === ':memory:' ? ':memory:' : join(dataDirOrMemory, 'screening.sqlite');
    return new ScreeningStore(new Database(path));
  }

  close(): void {
    this.db.close();
  }

  // ---------- blocklist ----------

  /** Writes the in-memory blocklist's new entries and removals; returns how many rows changed. */
  saveBlocklist(): number {
    const entries = this.blocklist.export().entries;
    let changed = 0;
    const ins = this.db.prepare('INSERT INTO blocklist (seq, entry, removed) VALUES (?, ?, ?)');
    const upd = this.db.prepare('UPDATE blocklist SET entry = ?, removed = 1 WHERE seq = ?');
    this.db.transaction(() => {
      entries.forEach((e, i) => {
        if (i >= this.#persisted) {
          ins.run(i, JSON.stringify(e), e.removed ? 1 : 0);
          if (e.removed) this.#removedSeqs.add(i);
          changed += 1;
        } else if (e.removed && !this.#removedSeqs.has(i)) {
          upd.run(JSON.stringify(e), i);
          this.#removedSeqs.add(i);
          changed += 1;
        }
      });
    })();
    this.#persisted = entries.length;
    return changed;
  }

  // ---------- traced-transaction cache ----------

  getCachedBtcTx(txid: string): BtcTx | null {
    const r = this.db.prepare('SELECT tx FROM btc_tx_cache WHERE txid = ?').get(txid) as { tx: string } | undefined;
    return r ? fromJson<BtcTx>(r.tx) : null;
  }

  putCachedBtcTx(tx: BtcTx): void {
    this.db.prepare('INSERT OR IGNORE INTO btc_tx_cache (txid, tx) VALUES (?, ?)').run(tx.txid, toJson(tx));
  }

  // ---------- cases ----------

  /** Stores a new case with its opening audit record, atomically. Throws CASE_EXISTS on the same (kind, ref). */
  insertCase(c: StoredCase, audit: AuditRecord): void {
    assert(audit.caseId === c.case.id && audit.action === 'open', 'the opening audit record belongs to the case');
    try {
      this.db.transaction(() => {
        this.db
          .prepare('INSERT INTO cases (id, kind, user_id, asset, deposit_ref, status, opened_at_ms, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(c.case.id, c.kind, c.userId, c.asset, c.case.depositRef, c.case.status, c.case.openedAtMs, toJson(c));
        this.db.prepare('INSERT INTO case_audit (case_id, record) VALUES (?, ?)').run(c.case.id, toJson(audit));
      })();
    } catch (e) {
      if (e instanceof Error && /UNIQUE/.test(e.message)) throw new ScreeningError('CASE_EXISTS', 'a case with this id or reference exists', { caseId: c.case.id, ref: c.case.depositRef });
      throw e;
    }
  }

  /**
   * Replaces a case by its next version with the transition's audit record, atomically; refuses
   * a stale write (optimistic: the stored version must be the one the transition started from).
   */
  updateCase(next: ComplianceCase, audit: AuditRecord): StoredCase {
    const cur = this.getCase(next.id);
    if (cur === undefined) throw new ScreeningError('CASE_NOT_FOUND', 'no such case', { caseId: next.id });
    if (cur.case.version !== next.version - 1) throw new ScreeningError('CASE_STALE', 'the case changed since it was read', { caseId: next.id, stored: cur.case.version, next: next.version });
    const stored: StoredCase = { ...cur, case: next };
    this.db.transaction(() => {
      this.db.prepare('UPDATE cases SET status = ?, body = ? WHERE id = ?').run(next.status, toJson(stored), next.id);
      this.db.prepare('INSERT INTO case_audit (case_id, record) VALUES (?, ?)').run(next.id, toJson(audit));
    })();
    return stored;
  }

  getCase(id: string): StoredCase | undefined {
    const r = this.db.prepare('SELECT body FROM cases WHERE id = ?').get(id) as { body: string } | undefined;
    return r ? fromJson<StoredCase>(r.body) : undefined;
  }

  caseByRef(kind: CaseKind, ref: string): StoredCase | undefined {
    const r = this.db.prepare('SELECT body FROM cases WHERE kind = ? AND deposit_ref = ?').get(kind, ref) as { body: string } | undefined;
    return r ? fromJson<StoredCase>(r.body) : undefined;
  }

  listCases(filter: { status?: string } = {}): StoredCase[] {
    const rows = (
      filter.status === undefined
        ? this.db.prepare('SELECT body FROM cases ORDER BY opened_at_ms, id').all()
        : this.db.prepare('SELECT body FROM cases WHERE status = ? ORDER BY opened_at_ms, id').all(filter.status)
    ) as { body: string }[];
    return rows.map((r) => fromJson<StoredCase>(r.body));
  }

  audit(caseId: string): AuditRecord[] {
    return (this.db.prepare('SELECT record FROM case_audit WHERE case_id = ? ORDER BY seq').all(caseId) as { record: string }[]).map((r) => fromJson<AuditRecord>(r.record));
  }

  // ---------- freeze-request registry ----------

  registerCounterparty(c: Omit<Counterparty, 'revokedAtMs'>): Counterparty {
    const entry = this.counterparties.register(c);
    this.db.prepare('INSERT OR REPLACE INTO counterparties (id, body) VALUES (?, ?)').run(entry.id, JSON.stringify(entry));
    return entry;
  }

  revokeCounterparty(id: string, atMs: number): Counterparty {
    const entry = this.counterparties.revoke(id, atMs);
    this.db.prepare('UPDATE counterparties SET body = ? WHERE id = ?').run(JSON.stringify(entry), id);
    return entry;
  }

  isFreezeSeen(dedupKey: string): boolean {
    return this.db.prepare('SELECT 1 FROM freeze_seen WHERE dedup_key = ?').get(dedupKey) !== undefined;
  }

  markFreezeSeen(dedupKey: string, atMs: number, response: unknown): void {
    this.db.prepare('INSERT INTO freeze_seen (dedup_key, at_ms, response) VALUES (?, ?, ?)').run(dedupKey, atMs, toJson(response));
  }
}
