import type { ApiKeyRecord, KycStatus, SessionRecord } from '../identity/index.ts';

/**
 * Storage of customer accounts: users, API keys and browser sessions. Synchronous on
 * purpose: API-key lookups sit on the signature-verification path (identity's
 * `lookupKey` is synchronous) and better-sqlite3 answers in microseconds. A PostgreSQL
 * implementation for multi-node deployments can wrap a cache behind the same interface.
 */
export type UserStatus = 'active' | 'disabled';

export interface UserRow {
  /** The core's userId: the same integer everywhere (ledger accounts, journal, API). */
  readonly id: number;
  readonly email: string;
  readonly passwordHash: string;
  readonly status: UserStatus;
  readonly kycStatus: KycStatus;
  /** KYC profile as JSON text (validated by identity's kycProfileSchema before it is stored), or null. */
  readonly kycProfileJson: string | null;
  readonly createdAtMs: number;
}

/** Stated maxima: an account cannot grow these without bound. */
export const API_KEYS_PER_USER_MAX = 30;

export interface AccountsRepo {
  /** Inserts a user and returns its new id; throws EMAIL_TAKEN when the (normalised) email exists. */
  insertUser(row: Omit<UserRow, 'id'>): number;
  deleteUser(id: number): void;
  userById(id: number): UserRow | undefined;
  userByEmail(email: string): UserRow | undefined;
  setUserStatus(id: number, status: UserStatus): void;
  setKyc(id: number, status: KycStatus, profileJson: string | null): void;

  insertApiKey(userId: number, record: ApiKeyRecord): void;
  apiKey(keyId: string): ApiKeyRecord | undefined;
  apiKeysOf(userId: number): ApiKeyRecord[];
  revokeApiKey(keyId: string, nowMs: number): void;

  putSession(record: SessionRecord): void;
  session(tokenHash: string): SessionRecord | undefined;
  sessionsOf(accountId: string): SessionRecord[];

  close(): void;
}
