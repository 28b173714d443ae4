import type Database from 'better-sqlite3';
import type { Proposal, RecoveryCodeRecord, StaffRole } from '../identity/index.ts';
import { AccountsError } from './errors.ts';

/**
 * Storage for the identity flows, in the same accounts.db as users: single-use email
 * tokens (only their SHA-256 is stored), per-user second factor, staff accounts and
 * four-eyes proposals (stored whole, updated with compare-and-set on `version`).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS email_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL,
  purpose TEXT NOT NULL CHECK (purpose IN ('verify','reset')),
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  used_ms INTEGER
);
CREATE INDEX IF NOT EXISTS email_tokens_user ON email_tokens(user_id);
CREATE TABLE IF NOT EXISTS user_security (
  user_id INTEGER PRIMARY KEY,
  email_verified_ms INTEGER,
  totp_sealed TEXT,
  totp_enabled INTEGER NOT NULL DEFAULT 0,
  totp_last_step INTEGER,
  recovery TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS staff (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('support','compliance','treasury','security','admin')),
  status TEXT NOT NULL CHECK (status IN ('active','disabled')),
  totp_sealed TEXT NOT NULL,
  totp_last_step INTEGER,
  created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS proposals (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  version INTEGER NOT NULL
);
`;

export type TokenPurpose = 'verify' | 'reset';

export interface EmailTokenRow {
  readonly userId: number;
  readonly purpose: TokenPurpose;
  readonly expiresAtMs: number;
  readonly usedAtMs: number | null;
}

export interface SecondFactorRow {
  readonly userId: number;
  readonly emailVerifiedAtMs: number | null;
  readonly totpSealed: string | null;
  readonly totpEnabled: boolean;
  readonly totpLastStep: number | null;
  readonly recovery: RecoveryCodeRecord[];
}

export interface StaffRow {
  readonly id: number;
  /** The id used in four-eyes, the core's staffId and the audit log: `staff:<id>`. */
  readonly staffId: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly role: StaffRole;
  readonly status: 'active' | 'disabled';
  readonly totpSealed: string;
  readonly totpLastStep: number | null;
  readonly createdAtMs: number;
}

interface StaffDb {
  id: number;
  email: string;
  password_hash: string;
  role: StaffRole;
  status: 'active' | 'disabled';
  totp_sealed: string;
  totp_last_step: number | null;
  created_ms: number;
}

const toStaff = (r: StaffDb): StaffRow => ({
  id: r.id,
  staffId: `staff:${r.id}`,
  email: r.email,
  passwordHash: r.password_hash,
  role: r.role,
  status: r.status,
  totpSealed: r.totp_sealed,
  totpLastStep: r.totp_last_step,
  createdAtMs: r.created_ms,
});

export class SecurityStore {
  private readonly db: Database.Database;
  constructor(db: Database.Database) {
    this.db = db;
    db.exec(SCHEMA);
  }

  // ---- email tokens ----
  putToken(tokenHash: string, userId: number, purpose: TokenPurpose, nowMs: number, expiresAtMs: number): void {
    this.db.prepare('INSERT INTO email_tokens (token_hash, user_id, purpose, created_ms, expires_ms, used_ms) VALUES (?, ?, ?, ?, ?, NULL)').run(tokenHash, userId, purpose, nowMs, expiresAtMs);
  }
  peekToken(tokenHash: string, purpose: TokenPurpose, nowMs: number): number | undefined {
    const row = this.db.prepare('SELECT user_id FROM email_tokens WHERE token_hash = ? AND purpose = ? AND used_ms IS NULL AND expires_ms > ?').get(tokenHash, purpose, nowMs) as { user_id: number } | undefined;
    return row?.user_id;
  }
  /** Marks the token used if it is unused, of this purpose and unexpired; returns its user or undefined. Atomic (single UPDATE). */
  consumeToken(tokenHash: string, purpose: TokenPurpose, nowMs: number): number | undefined {
    const row = this.db.prepare('SELECT user_id FROM email_tokens WHERE token_hash = ? AND purpose = ? AND used_ms IS NULL AND expires_ms > ?').get(tokenHash, purpose, nowMs) as { user_id: number } | undefined;
    if (row === undefined) return undefined;
    const r = this.db.prepare('UPDATE email_tokens SET used_ms = ? WHERE token_hash = ? AND used_ms IS NULL').run(nowMs, tokenHash);
    return r.changes === 1 ? row.user_id : undefined;
  }
  /** Invalidates every unused token of a purpose for a user (a new reset link voids older ones). */
  voidTokens(userId: number, purpose: TokenPurpose, nowMs: number): void {
    this.db.prepare('UPDATE email_tokens SET used_ms = ? WHERE user_id = ? AND purpose = ? AND used_ms IS NULL').run(nowMs, userId, purpose);
  }

  // ---- customers' second factor and verification ----
  security(userId: number): SecondFactorRow {
    const r = this.db.prepare('SELECT * FROM user_security WHERE user_id = ?').get(userId) as
      | { user_id: number; email_verified_ms: number | null; totp_sealed: string | null; totp_enabled: number; totp_last_step: number | null; recovery: string }
      | undefined;
    if (r === undefined) return { userId, emailVerifiedAtMs: null, totpSealed: null, totpEnabled: false, totpLastStep: null, recovery: [] };
    return {
      userId,
      emailVerifiedAtMs: r.email_verified_ms,
      totpSealed: r.totp_sealed,
      totpEnabled: r.totp_enabled === 1,
      totpLastStep: r.totp_last_step,
      recovery: JSON.parse(r.recovery) as RecoveryCodeRecord[],
    };
  }
  private ensure(userId: number): void {
    this.db.prepare('INSERT OR IGNORE INTO user_security (user_id) VALUES (?)').run(userId);
  }
  setEmailVerified(userId: number, nowMs: number): void {
    this.ensure(userId);
    this.db.prepare('UPDATE user_security SET email_verified_ms = COALESCE(email_verified_ms, ?) WHERE user_id = ?').run(nowMs, userId);
  }
  setPendingTotp(userId: number, sealed: string): void {
    this.ensure(userId);
    this.db.prepare('UPDATE user_security SET totp_sealed = ?, totp_enabled = 0, totp_last_step = NULL WHERE user_id = ?').run(sealed, userId);
  }
  enableTotp(userId: number, recovery: RecoveryCodeRecord[]): void {
    this.db.prepare('UPDATE user_security SET totp_enabled = 1, recovery = ? WHERE user_id = ?').run(JSON.stringify(recovery), userId);
  }
  disableTotp(userId: number): void {
    this.db.prepare("UPDATE user_security SET totp_enabled = 0, totp_sealed = NULL, totp_last_step = NULL, recovery = '[]' WHERE user_id = ?").run(userId);
  }
  /** Compare-and-set of the last accepted TOTP step (RFC 6238 §5.2: a code is accepted once). */
  casTotpStep(userId: number, step: number): boolean {
    return this.db.prepare('UPDATE user_security SET totp_last_step = ? WHERE user_id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)').run(step, userId, step).changes === 1;
  }
  /** Compare-and-set of the recovery list: succeeds only if nobody consumed a code meanwhile. */
  casRecovery(userId: number, before: RecoveryCodeRecord[], after: RecoveryCodeRecord[]): boolean {
    return this.db.prepare('UPDATE user_security SET recovery = ? WHERE user_id = ? AND recovery = ?').run(JSON.stringify(after), userId, JSON.stringify(before)).changes === 1;
  }
  setPasswordHash(userId: number, passwordHash: string): void {
    this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, userId);
  }

  // ---- staff ----
  insertStaff(row: { email: string; passwordHash: string; role: StaffRole; totpSealedFor: (id: number) => string; nowMs: number }): StaffRow {
    const tx = this.db.transaction(() => {
      let id: number;
      try {
        // The sealed secret's associated data names the row, so insert first, then seal for the id.
        id = Number(this.db.prepare("INSERT INTO staff (email, password_hash, role, status, totp_sealed, created_ms) VALUES (?, ?, ?, 'active', '', ?)").run(row.email, row.passwordHash, row.role, row.nowMs).lastInsertRowid);
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new AccountsError('EMAIL_TAKEN', 'staff email already registered');
        throw e;
      }
      this.db.prepare('UPDATE staff SET totp_sealed = ? WHERE id = ?').run(row.totpSealedFor(id), id);
      return id;
    });
    return this.staffById(tx())!;
  }
  staffById(id: number): StaffRow | undefined {
    const r = this.db.prepare('SELECT * FROM staff WHERE id = ?').get(id) as StaffDb | undefined;
    return r === undefined ? undefined : toStaff(r);
  }
  staffByEmail(email: string): StaffRow | undefined {
    const r = this.db.prepare('SELECT * FROM staff WHERE email = ?').get(email) as StaffDb | undefined;
    return r === undefined ? undefined : toStaff(r);
  }
  casStaffTotpStep(id: number, step: number): boolean {
    return this.db.prepare('UPDATE staff SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)').run(step, id, step).changes === 1;
  }

  // ---- four-eyes proposals ----
  insertProposal(p: Proposal): void {
    this.db.prepare('INSERT INTO proposals (id, body, version) VALUES (?, ?, ?)').run(p.id, JSON.stringify(p), p.version);
  }
  proposal(id: string): Proposal | undefined {
    const r = this.db.prepare('SELECT body FROM proposals WHERE id = ?').get(id) as { body: string } | undefined;
    return r === undefined ? undefined : (JSON.parse(r.body) as Proposal);
  }
  /** Stores the next version only if the stored one is still `expectedVersion`. */
  casProposal(p: Proposal, expectedVersion: number): boolean {
    return this.db.prepare('UPDATE proposals SET body = ?, version = ? WHERE id = ? AND version = ?').run(JSON.stringify(p), p.version, p.id, expectedVersion).changes === 1;
  }
  pendingProposals(): Proposal[] {
    return (this.db.prepare('SELECT body FROM proposals ORDER BY rowid DESC LIMIT 200').all() as { body: string }[]).map((r) => JSON.parse(r.body) as Proposal).filter((p) => p.status === 'pending' || p.status === 'approved');
  }
}
