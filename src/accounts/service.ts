import type { CommandResult } from '../core/events.ts';
import type { Submission } from '../engine/engine.ts';
import {
  type ApiKeyRecord,
  type ApiPermission,
  type Argon2Params,
  checkPasswordPolicy,
  createApiKey,
  createSession,
  hashPassword,
  hashSessionToken,
  type KycStatus,
  revokeSession,
  SESSION_POLICY_DEFAULT,
  type ServerKey,
  type SessionPolicy,
  type SessionRecord,
  touchSession,
  verifyPassword,
} from '../identity/index.ts';
import { assert } from '../shared/assert.ts';
import { AccountsError } from './errors.ts';
import { API_KEYS_PER_USER_MAX, type AccountsRepo, type UserRow } from './repo.ts';

/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so an address at most 254. */
export const EMAIL_LENGTH_MAX = 254;
// Deliberately plain: one @, no spaces or control characters, a dot in the domain. Ownership is proven by a confirmation mail later.
const EMAIL_RE = /^[^\s@\p{Cc}]{1,64}@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;

export function normaliseEmail(email: unknown): string {
  if (typeof email !== 'string' || email.length > EMAIL_LENGTH_MAX) throw new AccountsError('EMAIL_INVALID', 'email invalid');
  const e = email.trim().toLowerCase();
  if (!EMAIL_RE.test(e)) throw new AccountsError('EMAIL_INVALID', 'email invalid');
  return e;
}

/** What accounts needs of the engine: only the ability to open a user in the core. */
export interface UserOpener {
  submit(submission: Submission): Promise<CommandResult>;
}

export interface AccountsOptions {
  readonly repo: AccountsRepo;
  readonly engine: UserOpener;
  readonly clock: () => number;
  /** Seals API secrets (AES-256-GCM); kept outside the database. */
  readonly serverKey: ServerKey;
  /** Argon2id parameters (identity's defaults unless a test lowers them). */
  readonly passwordParams?: Argon2Params;
  /** Optional argon2 secret input (pepper), kept outside the database. */
  readonly passwordPepper?: Uint8Array;
  readonly sessionPolicy?: SessionPolicy;
}

export interface NewApiKey {
  readonly keyId: string;
  /** Shown once; only its sealed form is stored. */
  readonly secret: string;
  readonly record: ApiKeyRecord;
}

/**
 * The small accounts service the API needs today: users (their id is the core's
 * userId), password login, API keys and sessions. Full sign-up, 2FA and KYC flows
 * build on it later.
 */
export class Accounts {
  readonly repo: AccountsRepo;
  private readonly o: AccountsOptions;

  constructor(options: AccountsOptions) {
    this.o = options;
    this.repo = options.repo;
  }

  /** The options this service was built with (engine, clock, server key), for the identity flows in security.ts. */
  get options(): AccountsOptions {
    return this.o;
  }
  /** argon2 options (parameters, pepper) shared with the identity flows. */
  passwordHashOptions(): { params?: Argon2Params; secret?: Uint8Array } {
    return this.hashOptions();
  }
  get sessionPolicy(): SessionPolicy {
    return this.o.sessionPolicy ?? SESSION_POLICY_DEFAULT;
  }

  /**
   * Creates the user row, then opens the user in the core through the engine. If the
   * core refuses, the row is removed again so no login exists without a ledger.
   */
  async createUser(input: { email: unknown; password: unknown }): Promise<UserRow> {
    const email = normaliseEmail(input.email);
    checkPasswordPolicy(input.password, { email });
    const passwordHash = await hashPassword(input.password as string, this.hashOptions());
    const id = this.repo.insertUser({ email, passwordHash, status: 'active', kycStatus: 'pending', kycProfileJson: null, createdAtMs: this.o.clock() });
    let result: CommandResult;
    try {
      result = await this.o.engine.submit({ type: 'user.open', userId: id });
    } catch (e) {
      this.repo.deleteUser(id);
      throw e;
    }
    if (!result.ok) {
      this.repo.deleteUser(id);
      throw new AccountsError('USER_OPEN_FAILED', 'the core refused to open the user', { userId: id, code: result.error?.code });
    }
    const user = this.repo.userById(id);
    assert(user !== undefined && user.email === email, 'user row missing after insert', { id });
    return user;
  }

  private hashOptions(): { params?: Argon2Params; secret?: Uint8Array } {
    const o: { params?: Argon2Params; secret?: Uint8Array } = {};
    if (this.o.passwordParams !== undefined) o.params = this.o.passwordParams;
    if (this.o.passwordPepper !== undefined) o.secret = this.o.passwordPepper;
    return o;
  }

  private dummy: Promise<string> | null = null;
  private dummyHash(): Promise<string> {
    this.dummy ??= hashPassword('rampart dummy password for unknown accounts', this.hashOptions());
    return this.dummy;
  }

  /** True when the password matches the user's; false for unknown users too (same argon2 work). */
  async verifyPassword(userId: number, password: unknown): Promise<boolean> {
    const user = this.repo.userById(userId);
    const pepper = this.o.passwordPepper === undefined ? {} : { secret: this.o.passwordPepper };
    if (user === undefined) return (await verifyPassword(password, await this.dummyHash(), pepper)) && false;
    return verifyPassword(password, user.passwordHash, pepper);
  }

  /** Email + password → a new session. One answer (LOGIN_FAILED) for unknown email, wrong password and disabled user. */
  async login(input: { email: unknown; password: unknown; ip?: string; userAgent?: string; beforeSession?: (user: UserRow) => void }): Promise<{ user: UserRow; token: string; session: SessionRecord }> {
    let email: string | null = null;
    try {
      email = normaliseEmail(input.email);
    } catch {
      email = null;
    }
    const user = email === null ? undefined : this.repo.userByEmail(email);
    const pepper = this.o.passwordPepper === undefined ? {} : { secret: this.o.passwordPepper };
    // Unknown email: verify against a dummy hash made with the same parameters, so the
    // answer takes as long as for a real account (no user enumeration by timing).
    const ok = user === undefined ? (await verifyPassword(input.password, await this.dummyHash(), pepper)) && false : await verifyPassword(input.password, user.passwordHash, pepper);
    if (!ok || user === undefined || user.status !== 'active') throw new AccountsError('LOGIN_FAILED', 'email or password incorrect');
    // The second factor (when enabled) is checked only after the password, and before any session exists.
    input.beforeSession?.(user);
    const s = createSession({ accountId: String(user.id), nowMs: this.o.clock(), ip: input.ip ?? '', userAgent: input.userAgent ?? '' });
    this.repo.putSession(s.record);
    return { user, token: s.token, session: s.record };
  }

  /** Validates a presented session token; returns the user id and the (touched) record. Throws identity's SESSION_* codes. */
  authenticateSession(token: unknown): { userId: number; session: SessionRecord } {
    const hash = hashSessionToken(token);
    const record = touchSession(token, this.repo.session(hash), this.o.clock(), this.sessionPolicy);
    this.repo.putSession(record);
    const userId = Number(record.accountId);
    const user = this.repo.userById(userId);
    if (user === undefined || user.status !== 'active') throw new AccountsError('USER_DISABLED', 'user disabled');
    return { userId, session: record };
  }

  logout(token: unknown): void {
    const hash = hashSessionToken(token);
    const record = this.repo.session(hash);
    if (record !== undefined) this.repo.putSession(revokeSession(record, this.o.clock()));
  }

  /** Creates an API key for a user; the secret is returned here once and stored only sealed. */
  createApiKey(userId: number, input: { label: string; permissions: readonly ApiPermission[]; ipAllowlist?: readonly string[] }): NewApiKey {
    const user = this.repo.userById(userId);
    if (user === undefined) throw new AccountsError('USER_NOT_FOUND', 'user not found');
    if (user.status !== 'active') throw new AccountsError('USER_DISABLED', 'user disabled');
    const live = this.repo.apiKeysOf(userId).filter((k) => k.revokedAtMs === null);
    if (live.length >= API_KEYS_PER_USER_MAX) throw new AccountsError('API_KEYS_LIMIT', `at most ${API_KEYS_PER_USER_MAX} live API keys`);
    const { record, secret } = createApiKey({
      accountId: String(userId),
      label: input.label,
      permissions: input.permissions,
      ipAllowlist: input.ipAllowlist ?? [],
      nowMs: this.o.clock(),
      serverKey: this.o.serverKey,
    });
    this.repo.insertApiKey(userId, record);
    return { keyId: record.keyId, secret, record };
  }

  /** The key record for signature verification, or undefined (also when its user is disabled). */
  lookupApiKey(keyId: string): ApiKeyRecord | undefined {
    const record = this.repo.apiKey(keyId);
    if (record === undefined) return undefined;
    const user = this.repo.userById(Number(record.accountId));
    return user?.status === 'active' ? record : undefined;
  }

  /** Revokes one of the user's own keys; another user's key is reported as not found (no oracle). */
  revokeApiKey(userId: number, keyId: string): void {
    const record = this.repo.apiKey(keyId);
    if (record === undefined || record.accountId !== String(userId)) throw new AccountsError('API_KEY_NOT_FOUND', 'API key not found');
    this.repo.revokeApiKey(keyId, this.o.clock());
  }

  setKyc(userId: number, status: KycStatus, profile: unknown): void {
    if (!['pending', 'approved', 'rejected'].includes(status)) throw new AccountsError('KYC_STATUS_INVALID', 'kyc status invalid');
    if (this.repo.userById(userId) === undefined) throw new AccountsError('USER_NOT_FOUND', 'user not found');
    this.repo.setKyc(userId, status, profile === null || profile === undefined ? null : JSON.stringify(profile));
  }
}
