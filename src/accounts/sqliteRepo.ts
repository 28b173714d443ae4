import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ApiKeyRecord, ApiPermission, KycStatus, SessionRecord } from '../identity/index.ts';
import { assert } from '../shared/assert.ts';
import { AccountsError } from './errors.ts';
import type { AccountsRepo, UserRow, UserStatus } from './repo.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active','disabled')),
  kyc_status TEXT NOT NULL CHECK (kyc_status IN ('pending','approved','rejected')),
  kyc_profile TEXT,
  created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
  key_id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  label TEXT NOT NULL,
  permissions TEXT NOT NULL,
  ip_allowlist TEXT NOT NULL,
  secret_sealed TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  revoked_ms INTEGER
);
CREATE INDEX IF NOT EXISTS api_keys_user ON api_keys(user_id);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  revoked_ms INTEGER,
  ip TEXT NOT NULL,
  user_agent TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_account ON sessions(account_id);
`;

interface UserDb {
  id: number;
  email: string;
  password_hash: string;
  status: UserStatus;
  kyc_status: KycStatus;
  kyc_profile: string | null;
  created_ms: number;
}
interface KeyDb {
  key_id: string;
  user_id: number;
  label: string;
  permissions: string;
  ip_allowlist: string;
  secret_sealed: string;
  created_ms: number;
  revoked_ms: number | null;
}
interface SessionDb {
  token_hash: string;
  account_id: string;
  created_ms: number;
  last_seen_ms: number;
  revoked_ms: number | null;
  ip: string;
  user_agent: string;
}

const toUser = (r: UserDb): UserRow => ({
  id: r.id,
  email: r.email,
  passwordHash: r.password_hash,
  status: r.status,
  kycStatus: r.kyc_status,
  kycProfileJson: r.kyc_profile,
  createdAtMs: r.created_ms,
});
const toKey = (r: KeyDb): ApiKeyRecord => ({
  keyId: r.key_id,
  accountId: String(r.user_id),
  label: r.label,
  permissions: JSON.parse(r.permissions) as ApiPermission[],
  ipAllowlist: JSON.parse(r.ip_allowlist) as string[],
  secretSealed: r.secret_sealed,
  createdAtMs: r.created_ms,
  revokedAtMs: r.revoked_ms,
});
const toSession = (r: SessionDb): SessionRecord => ({
  tokenHash: r.token_hash,
  accountId: r.account_id,
  createdAtMs: r.created_ms,
  lastSeenAtMs: r.last_seen_ms,
  revokedAtMs: r.revoked_ms,
  ip: r.ip,
  userAgent: r.user_agent,
});

/** Opens `<dataDir>/accounts.db` (WAL), or an in-memory database for ':memory:'. */
export function openSqliteAccounts(dataDir: string | ':memory:'): SqliteAccountsRepo {
  if (dataDir === ':memory:') return new SqliteAccountsRepo(':memory:');
  mkdirSync(dataDir, { recursive: true });
  return new SqliteAccountsRepo(join(dataDir, 'accounts.db'));
}

export class SqliteAccountsRepo implements AccountsRepo {
  readonly db: Database.Database;
  private readonly st;

  constructor(path: string) {
    this.db = new Database(path);
    // WAL: readers never block the writer; synchronous=FULL because a lost API-key revocation is a security bug.
    if (path !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.st = {
      insertUser: db.prepare('INSERT INTO users (email, password_hash, status, kyc_status, kyc_profile, created_ms) VALUES (?, ?, ?, ?, ?, ?)'),
      deleteUser: db.prepare('DELETE FROM users WHERE id = ?'),
      userById: db.prepare('SELECT * FROM users WHERE id = ?'),
      userByEmail: db.prepare('SELECT * FROM users WHERE email = ?'),
      setStatus: db.prepare('UPDATE users SET status = ? WHERE id = ?'),
      setKyc: db.prepare('UPDATE users SET kyc_status = ?, kyc_profile = ? WHERE id = ?'),
      insertKey: db.prepare('INSERT INTO api_keys (key_id, user_id, label, permissions, ip_allowlist, secret_sealed, created_ms, revoked_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      key: db.prepare('SELECT * FROM api_keys WHERE key_id = ?'),
      keysOf: db.prepare('SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_ms, key_id'),
      revokeKey: db.prepare('UPDATE api_keys SET revoked_ms = ? WHERE key_id = ? AND revoked_ms IS NULL'),
      putSession: db.prepare(
        'INSERT INTO sessions (token_hash, account_id, created_ms, last_seen_ms, revoked_ms, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(token_hash) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, revoked_ms = excluded.revoked_ms',
      ),
      session: db.prepare('SELECT * FROM sessions WHERE token_hash = ?'),
      sessionsOf: db.prepare('SELECT * FROM sessions WHERE account_id = ? ORDER BY created_ms DESC LIMIT 1000'),
    };
  }

  insertUser(row: Omit<UserRow, 'id'>): number {
    try {
      const r = this.st.insertUser.run(row.email, row.passwordHash, row.status, row.kycStatus, row.kycProfileJson, row.createdAtMs);
      const id = Number(r.lastInsertRowid);
      assert(Number.isSafeInteger(id) && id > 0, 'user id must be a positive integer', { id });
      return id;
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new AccountsError('EMAIL_TAKEN', 'email already registered');
      throw e;
    }
  }
  deleteUser(id: number): void {
    this.st.deleteUser.run(id);
  }
  userById(id: number): UserRow | undefined {
    const r = this.st.userById.get(id) as UserDb | undefined;
    return r === undefined ? undefined : toUser(r);
  }
  userByEmail(email: string): UserRow | undefined {
    const r = this.st.userByEmail.get(email) as UserDb | undefined;
    return r === undefined ? undefined : toUser(r);
  }
  setUserStatus(id: number, status: UserStatus): void {
    this.st.setStatus.run(status, id);
  }
  setKyc(id: number, status: KycStatus, profileJson: string | null): void {
    this.st.setKyc.run(status, profileJson, id);
  }
  insertApiKey(userId: number, record: ApiKeyRecord): void {
    assert(record.accountId === String(userId), 'API key belongs to another account', { userId });
    this.st.insertKey.run(
      record.keyId,
      userId,
      record.label,
      JSON.stringify(record.permissions),
      JSON.stringify(record.ipAllowlist),
      record.secretSealed,
      record.createdAtMs,
      record.revokedAtMs,
    );
  }
  apiKey(keyId: string): ApiKeyRecord | undefined {
    const r = this.st.key.get(keyId) as KeyDb | undefined;
    return r === undefined ? undefined : toKey(r);
  }
  apiKeysOf(userId: number): ApiKeyRecord[] {
    return (this.st.keysOf.all(userId) as KeyDb[]).map(toKey);
  }
  revokeApiKey(keyId: string, nowMs: number): void {
    this.st.revokeKey.run(nowMs, keyId);
  }
  putSession(s: SessionRecord): void {
    this.st.putSession.run(s.tokenHash, s.accountId, s.createdAtMs, s.lastSeenAtMs, s.revokedAtMs, s.ip, s.userAgent);
  }
  session(tokenHash: string): SessionRecord | undefined {
    const r = this.st.session.get(tokenHash) as SessionDb | undefined;
    return r === undefined ? undefined : toSession(r);
  }
  sessionsOf(accountId: string): SessionRecord[] {
    return (this.st.sessionsOf.all(accountId) as SessionDb[]).map(toSession);
  }
  close(): void {
    this.db.close();
  }
}
