import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isValidIban } from '../banking/iban.ts';
import type { Submission } from '../engine/engine.ts';
import {
  type AuditInput,
  approve as approveProposal,
  checkPasswordPolicy,
  consumeRecoveryCode,
  createSession,
  decodeTotpSecret,
  encodeTotpSecret,
  generateRecoveryCodes,
  generateTotpSecret,
  hashPassword,
  IdentityError,
  isExecutable,
  type LockoutPolicy,
  LoginLockouts,
  rateLimitedError,
  isStaffRole,
  type KycRecord,
  markExecuted,
  openApiSecret,
  otpauthUri,
  type Proposal,
  propose,
  resubmitKyc,
  reviewKyc,
  revokeAllSessions,
  type SessionRecord,
  STAFF_PERMISSIONS,
  type StaffAction,
  type StaffRole,
  sealApiSecret,
  submitKyc,
  touchSession,
  hashSessionToken,
  verifyPassword,
  verifyTotp,
  assertStaffCan,
} from '../identity/index.ts';
import { AccountsError } from './errors.ts';
import type { UserRow } from './repo.ts';
import { type Accounts, normaliseEmail } from './service.ts';
import { SecurityStore, type StaffRow } from './securityStore.ts';
import { SqliteAccountsRepo } from './sqliteRepo.ts';

/** Where audit entries go (the lead passes rt.audit, a hash-chained AuditTrail). */
export interface AuditSink {
  record(input: AuditInput): Promise<unknown>;
}

export const VERIFY_TOKEN_TTL_MS = 24 * 60 * 60_000;
/** OWASP Forgot Password cheat sheet: reset tokens short-lived and single use. */
export const RESET_TOKEN_TTL_MS = 30 * 60_000;
const TOTP_ISSUER = 'Rampart';

export interface Mail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/**
 * Dev mail transport: one RFC 5322 message per file in `<dir>/<time>-<rand>.eml`. Header
 * values are refused if they carry CR/LF (header injection); SMTP comes later behind the same call.
 */
let mailSeq = 0;

export function writeOutboxMail(dir: string, mail: Mail, nowMs: number): string {
  for (const v of [mail.to, mail.subject]) if (/[\r\n]/.test(v)) throw new AccountsError('EMAIL_INVALID', 'mail header contains a line break');
  mkdirSync(dir, { recursive: true });
  // Names sort in sending order: time, then a per-process counter, then randomness against collisions.
  const file = join(dir, `${String(nowMs).padStart(15, '0')}-${String(++mailSeq).padStart(9, '0')}-${randomBytes(4).toString('hex')}.eml`);
  const body = `From: Rampart <no-reply@rampart.invalid>\r\nTo: ${mail.to}\r\nSubject: ${mail.subject}\r\nDate: ${new Date(nowMs).toUTCString()}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${mail.text.replace(/\r?\n/g, '\r\n')}\r\n`;
  writeFileSync(file, body, { flag: 'wx', mode: 0o600 });
  return file;
}

export interface SecurityOptions {
  /** Dev outbox; no mail is written when undefined. */
  readonly outboxDir?: string;
  /** Base of links in mails, e.g. https://rampart.example (default http://localhost:8080). */
  readonly publicUrl?: string;
  readonly audit?: AuditSink;
  /** Login lockout policy (identity's default unless set). */
  readonly lockoutPolicy?: LockoutPolicy;
}

const tokenHash = (t: string) => createHash('sha256').update(`rampart-email-token-v1:${t}`).digest('hex');
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export interface SecondFactorInput {
  readonly totp?: string | undefined;
  readonly recoveryCode?: string | undefined;
}

/**
 * The customer and staff identity flows over the accounts service: sign-up with email
 * verification, password reset, TOTP 2FA with recovery codes, KYC, staff accounts and
 * four-eyes. Every security-relevant change is appended to the audit sink and, where
 * the core must react (withdrawal cool-off), submitted to the engine.
 */
export class AccountSecurity {
  readonly store: SecurityStore;
  readonly accounts: Accounts;
  /** Per-email lockout with backoff (OWASP): 5 failures lock 30 s, doubling to 1 h; keyed by the email as typed, known or not. */
  readonly lockouts: LoginLockouts;
  readonly staffLockouts: LoginLockouts;
  private readonly opts: SecurityOptions;

  constructor(accounts: Accounts, opts: SecurityOptions = {}) {
    this.accounts = accounts;
    this.opts = opts;
    this.lockouts = new LoginLockouts(opts.lockoutPolicy);
    this.staffLockouts = new LoginLockouts(opts.lockoutPolicy);
    const repo = accounts.repo;
    if (!(repo instanceof SqliteAccountsRepo)) throw new AccountsError('USER_OPEN_FAILED', 'identity flows need the SQLite accounts repository');
    this.store = new SecurityStore(repo.db);
  }

  private now(): number {
    return this.accounts.options.clock();
  }

  async audit(input: Omit<AuditInput, 'atMs'> & { atMs?: number }): Promise<void> {
    await this.opts.audit?.record({ ...input, atMs: input.atMs ?? this.now() });
  }

  private async submit(s: Submission): Promise<void> {
    const r = await this.accounts.options.engine.submit(s);
    if (!r.ok) throw new AccountsError('CORE_REFUSED', `the core refused ${s.type}`, { code: r.error?.code });
  }

  private mail(mail: Mail): void {
    if (this.opts.outboxDir !== undefined) writeOutboxMail(this.opts.outboxDir, mail, this.now());
  }

  private link(path: string, token: string): string {
    return `${this.opts.publicUrl ?? 'http://localhost:8080'}${path}?token=${token}`;
  }

  private newToken(userId: number, purpose: 'verify' | 'reset', ttlMs: number): string {
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    this.store.putToken(tokenHash(token), userId, purpose, now, now + ttlMs);
    return token;
  }

  // ---- sign-up, verification, reset ----------------------------------------------

  /**
   * Sign-up. The answer is the same whether or not the email was already registered
   * (no enumeration): a taken address gets a notice mail instead of a second account.
   * Returns the new user, or null when the email was taken.
   */
  async signUp(input: { email: unknown; password: unknown; ip?: string }): Promise<{ user: UserRow | null; verifyToken: string | null }> {
    let user: UserRow;
    try {
      user = await this.accounts.createUser({ email: input.email, password: input.password });
    } catch (e) {
      if (e instanceof AccountsError && e.code === 'EMAIL_TAKEN') {
        const email = normaliseEmail(input.email);
        this.mail({ to: email, subject: 'Sign-up attempt on Rampart', text: 'Someone tried to create a Rampart account with this address, which already has one. If it was you, log in or reset your password.' });
        return { user: null, verifyToken: null };
      }
      throw e;
    }
    const token = this.newToken(user.id, 'verify', VERIFY_TOKEN_TTL_MS);
    this.mail({ to: user.email, subject: 'Confirm your Rampart email', text: `Confirm your address (link valid 24 h, single use):\n${this.link('/verify-email', token)}` });
    await this.audit({ actor: String(user.id), action: 'user.signup', ip: input.ip ?? '', before: null, after: { userId: user.id } });
    return { user, verifyToken: token };
  }

  async verifyEmail(token: unknown, ip = ''): Promise<number> {
    if (typeof token !== 'string' || !TOKEN_RE.test(token)) throw new AccountsError('TOKEN_INVALID', 'link invalid or expired');
    const userId = this.store.consumeToken(tokenHash(token), 'verify', this.now());
    if (userId === undefined) throw new AccountsError('TOKEN_INVALID', 'link invalid or expired');
    this.store.setEmailVerified(userId, this.now());
    await this.audit({ actor: String(userId), action: 'user.email_verified', ip, before: null, after: { userId } });
    return userId;
  }

  /** Always succeeds from the caller's point of view; a mail goes out only for a known, active account. Returns the token for tests. */
  async requestPasswordReset(email: unknown, ip = ''): Promise<string | null> {
    let normalised: string;
    try {
      normalised = normaliseEmail(email);
    } catch {
      return null;
    }
    const user = this.accounts.repo.userByEmail(normalised);
    if (user === undefined || user.status !== 'active') return null;
    // A new link voids older ones: only the latest mail works.
    this.store.voidTokens(user.id, 'reset', this.now());
    const token = this.newToken(user.id, 'reset', RESET_TOKEN_TTL_MS);
    this.mail({ to: user.email, subject: 'Reset your Rampart password', text: `Reset your password (link valid 30 min, single use):\n${this.link('/reset-password', token)}\nIf you did not ask for this, ignore this mail.` });
    await this.audit({ actor: String(user.id), action: 'user.password_reset_requested', ip, before: null, after: { userId: user.id } });
    return token;
  }

  /**
   * Sets a new password from a reset token (single use, 30 min). The token is consumed
   * only once the new password passes the policy, so a typo in the password doesn't burn
   * the link. Every session is revoked and the core starts its withdrawal cool-off.
   */
  async resetPassword(input: { token: unknown; password: unknown; ip?: string }): Promise<void> {
    const token = input.token;
    if (typeof token !== 'string' || !TOKEN_RE.test(token)) throw new AccountsError('TOKEN_INVALID', 'link invalid or expired');
    const peek = this.store.peekToken(tokenHash(token), 'reset', this.now());
    if (peek === undefined) throw new AccountsError('TOKEN_INVALID', 'link invalid or expired');
    const user = this.accounts.repo.userById(peek);
    if (user === undefined) throw new AccountsError('TOKEN_INVALID', 'link invalid or expired');
    checkPasswordPolicy(input.password, { email: user.email });
    const passwordHash = await hashPassword(input.password as string, this.accounts.passwordHashOptions());
    const userId = this.store.consumeToken(tokenHash(token), 'reset', this.now());
    if (userId !== user.id) throw new AccountsError('TOKEN_INVALID', 'link invalid or expired');
    this.store.setPasswordHash(userId, passwordHash);
    for (const s of revokeAllSessions(this.accounts.repo.sessionsOf(String(userId)).filter((x) => x.revokedAtMs === null), this.now())) this.accounts.repo.putSession(s);
    // Following the reset link proves control of the mailbox too.
    this.store.setEmailVerified(userId, this.now());
    await this.submit({ type: 'security.changed', userId, kind: 'password_reset' });
    await this.audit({ actor: String(userId), action: 'user.password_reset', ip: input.ip ?? '', before: null, after: { sessionsRevoked: true } });
  }

  // ---- second factor -----------------------------------------------------------------

  private serverKeys = (kid: string) => (kid === this.accounts.options.serverKey.kid ? this.accounts.options.serverKey.key : undefined);

  private openTotp(sealed: string, aadId: string): Uint8Array {
    return decodeTotpSecret(openApiSecret(sealed, aadId, this.serverKeys));
  }

  totpEnabled(userId: number): boolean {
    return this.store.security(userId).totpEnabled;
  }

  /** Starts enrolment: a fresh secret (sealed at rest) and its otpauth URI for a QR code. Not active until confirmed. */
  async beginTotp(userId: number): Promise<{ secret: string; otpauthUri: string }> {
    const user = this.accounts.repo.userById(userId);
    if (user === undefined) throw new AccountsError('USER_NOT_FOUND', 'user not found');
    if (this.store.security(userId).totpEnabled) throw new AccountsError('TOTP_ALREADY_ENABLED', 'two-factor authentication is already on; turn it off first');
    const secret = generateTotpSecret();
    const b32 = encodeTotpSecret(secret);
    this.store.setPendingTotp(userId, sealApiSecret(b32, `totp:user:${userId}`, this.accounts.options.serverKey));
    return { secret: b32, otpauthUri: otpauthUri({ secret, issuer: TOTP_ISSUER, accountName: user.email.replace(/:/g, '') }) };
  }

  /** Confirms enrolment with a code from the app; returns the recovery codes (shown once). */
  async confirmTotp(userId: number, code: unknown, ip = ''): Promise<{ recoveryCodes: string[] }> {
    const s = this.store.security(userId);
    if (s.totpEnabled) throw new AccountsError('TOTP_ALREADY_ENABLED', 'two-factor authentication is already on');
    if (s.totpSealed === null) throw new AccountsError('TOTP_NOT_ENABLED', 'start enrolment first');
    const v = verifyTotp({ secret: this.openTotp(s.totpSealed, `totp:user:${userId}`), code, nowMs: this.now(), lastUsedStep: s.totpLastStep });
    if (!v.ok || !this.store.casTotpStep(userId, v.step)) throw new AccountsError('TOTP_INVALID', 'code invalid');
    const { codes, records } = generateRecoveryCodes();
    this.store.enableTotp(userId, records);
    await this.submit({ type: 'security.changed', userId, kind: '2fa_change' });
    await this.audit({ actor: String(userId), action: '2fa.enable', ip, before: { totp: false }, after: { totp: true } });
    return { recoveryCodes: codes };
  }

  /**
   * Checks the second factor when it is enabled (a TOTP code, or one recovery code,
   * consumed). No-op when 2FA is off. Throws TOTP_REQUIRED / TOTP_INVALID.
   */
  checkSecondFactor(userId: number, f: SecondFactorInput): void {
    const s = this.store.security(userId);
    if (!s.totpEnabled || s.totpSealed === null) return;
    if (f.totp === undefined && f.recoveryCode === undefined) throw new AccountsError('TOTP_REQUIRED', 'a two-factor code is required');
    if (f.totp !== undefined) {
      const v = verifyTotp({ secret: this.openTotp(s.totpSealed, `totp:user:${userId}`), code: f.totp, nowMs: this.now(), lastUsedStep: s.totpLastStep });
      if (v.ok && this.store.casTotpStep(userId, v.step)) return;
      throw new AccountsError('TOTP_INVALID', 'code invalid');
    }
    const r = consumeRecoveryCode(s.recovery, f.recoveryCode, this.now());
    if (r.ok && this.store.casRecovery(userId, s.recovery, r.records)) return;
    throw new AccountsError('TOTP_INVALID', 'code invalid');
  }

  /** Turns 2FA off; needs a current code (or a recovery code). */
  async disableTotp(userId: number, f: SecondFactorInput, ip = ''): Promise<void> {
    if (!this.store.security(userId).totpEnabled) throw new AccountsError('TOTP_NOT_ENABLED', 'two-factor authentication is off');
    this.checkSecondFactor(userId, f);
    this.store.disableTotp(userId);
    await this.submit({ type: 'security.changed', userId, kind: '2fa_change' });
    await this.audit({ actor: String(userId), action: '2fa.disable', ip, before: { totp: true }, after: { totp: false } });
  }

  /** Password login plus the second factor when enabled; audited either way. */
  async login(input: { email: unknown; password: unknown; ip?: string; userAgent?: string } & SecondFactorInput) {
    const ip = input.ip ?? '';
    const gate = this.lockouts.check(input.email, this.now());
    if (!gate.allowed) throw rateLimitedError(gate.retryAfterMs);
    try {
      const out = await this.accounts.login({
        email: input.email,
        password: input.password,
        ...(input.ip === undefined ? {} : { ip: input.ip }),
        ...(input.userAgent === undefined ? {} : { userAgent: input.userAgent }),
        beforeSession: (user) => this.checkSecondFactor(user.id, input),
      });
      this.lockouts.success(input.email);
      await this.audit({ actor: String(out.user.id), action: 'user.login', ip, before: null, after: { session: out.session.tokenHash.slice(0, 16) } });
      return out;
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'ERROR';
      if (code === 'LOGIN_FAILED' || code === 'TOTP_INVALID') this.lockouts.failure(input.email, this.now());
      await this.audit({ actor: 'anonymous', action: 'user.login_failed', ip, before: null, after: { code } });
      throw e;
    }
  }

  /** Creates an API key; when 2FA is on a code is required. The core starts its cool-off. */
  async createApiKey(userId: number, input: { label: string; permissions: readonly ('read' | 'trade' | 'withdraw')[]; ipAllowlist?: readonly string[] } & SecondFactorInput, ip = '') {
    this.checkSecondFactor(userId, input);
    const k = this.accounts.createApiKey(userId, { label: input.label, permissions: input.permissions, ...(input.ipAllowlist === undefined ? {} : { ipAllowlist: input.ipAllowlist }) });
    await this.submit({ type: 'security.changed', userId, kind: 'api_key_created' });
    await this.audit({ actor: String(userId), action: 'apikey.create', ip, before: null, after: { keyId: k.keyId, permissions: k.record.permissions, ipAllowlist: k.record.ipAllowlist } });
    return k;
  }

  async revokeApiKey(userId: number, keyId: string, ip = ''): Promise<void> {
    this.accounts.revokeApiKey(userId, keyId);
    await this.audit({ actor: String(userId), action: 'apikey.revoke', ip, before: { keyId }, after: { revoked: true } });
  }

  // ---- sessions ----------------------------------------------------------------------

  /** The user's live sessions (never their tokens; `id` is a prefix of the token hash). */
  sessions(userId: number): { id: string; createdAt: number; lastSeenAt: number; ip: string; userAgent: string }[] {
    const now = this.now();
    const policy = this.accounts.sessionPolicy;
    return this.accounts.repo
      .sessionsOf(String(userId))
      .filter((s) => s.revokedAtMs === null && now - s.lastSeenAtMs < policy.idleTimeoutMs && now - s.createdAtMs < policy.absoluteTimeoutMs)
      .map((s) => ({ id: s.tokenHash.slice(0, 32), createdAt: s.createdAtMs, lastSeenAt: s.lastSeenAtMs, ip: s.ip, userAgent: s.userAgent }));
  }

  /** Revokes one of the user's own sessions by id; another user's session is "not found". */
  async revokeSession(userId: number, id: string, ip = ''): Promise<void> {
    const s = this.accounts.repo.sessionsOf(String(userId)).find((x) => x.tokenHash.slice(0, 32) === id && x.revokedAtMs === null);
    if (s === undefined) throw new AccountsError('USER_NOT_FOUND', 'session not found');
    this.accounts.repo.putSession({ ...s, revokedAtMs: this.now() });
    await this.audit({ actor: String(userId), action: 'session.revoke', ip, before: { session: id }, after: { revoked: true } });
  }

  // ---- KYC ---------------------------------------------------------------------------

  kycRecord(userId: number): KycRecord | null {
    const u = this.accounts.repo.userById(userId);
    if (u === undefined) throw new AccountsError('USER_NOT_FOUND', 'user not found');
    if (u.kycProfileJson === null) return null;
    const { fullName: _n, iban: _i, ...parsed } = JSON.parse(u.kycProfileJson) as Partial<KycRecord> & { fullName?: unknown; iban?: unknown };
    return parsed.profile !== undefined && parsed.accountId === String(userId) ? (parsed as KycRecord) : null;
  }

  /** Customer submits (or, after a rejection, resubmits) the KYC profile; status becomes pending. */
  async submitKyc(userId: number, input: unknown, ip = ''): Promise<KycRecord> {
    const u = this.accounts.repo.userById(userId);
    if (u === undefined) throw new AccountsError('USER_NOT_FOUND', 'user not found');
    if (this.store.security(userId).emailVerifiedAtMs === null) throw new AccountsError('EMAIL_NOT_VERIFIED', 'confirm your email first');
    const existing = this.kycRecord(userId);
    const out = existing === null ? submitKyc(String(userId), input, this.now(), ip) : resubmitKyc(existing, input, this.now(), ip);
    // ISO 13616 in full (country length, mod-97), beyond the schema's format check.
    if (!isValidIban(out.record.profile.iban)) throw new AccountsError('IBAN_INVALID', 'IBAN invalid (ISO 13616 check failed)');
    this.accounts.repo.setKyc(userId, 'pending', kycJson(out.record));
    await this.audit(out.audit);
    return out.record;
  }

  /**
   * Compliance decision. On approval the core raises the user to tier 1 and saves the
   * customer's own IBAN (owner verified) so AED withdrawals to it work.
   */
  async reviewKyc(staff: StaffRow, userId: number, decision: 'approved' | 'rejected', reason: string | undefined, ip = ''): Promise<KycRecord> {
    const record = this.kycRecord(userId);
    if (record === null) throw new AccountsError('KYC_NOT_FOUND', 'no KYC profile submitted');
    const out = reviewKyc(record, { reviewer: { id: staff.staffId, role: staff.role }, decision, ...(reason === undefined ? {} : { reason }), nowMs: this.now(), ip });
    this.accounts.repo.setKyc(userId, out.record.status, kycJson(out.record));
    await this.audit(out.audit);
    if (out.record.status === 'approved') {
      await this.submit({ type: 'user.tier', userId, tier: 1 });
      await this.submit({ type: 'addressBook.add', userId, asset: 'AED', destination: out.record.profile.iban, label: 'own bank account', ownerVerified: true });
    }
    return out.record;
  }

  kycApproved(userId: number): boolean {
    return this.accounts.repo.userById(userId)?.kycStatus === 'approved';
  }

  // ---- staff -------------------------------------------------------------------------

  /** Creates a staff account; 2FA is mandatory from the start, so the TOTP secret is returned (shown once). */
  async createStaff(input: { email: unknown; password: unknown; role: unknown }): Promise<{ staff: StaffRow; totpSecret: string; otpauthUri: string }> {
    const email = normaliseEmail(input.email);
    if (!isStaffRole(input.role)) throw new IdentityError('ROLE_INVALID', 'role must be support, compliance, treasury, security or admin');
    checkPasswordPolicy(input.password, { email });
    const passwordHash = await hashPassword(input.password as string, this.accounts.passwordHashOptions());
    const secret = generateTotpSecret();
    const b32 = encodeTotpSecret(secret);
    const staff = this.store.insertStaff({ email, passwordHash, role: input.role, nowMs: this.now(), totpSealedFor: (id) => sealApiSecret(b32, `totp:staff:${id}`, this.accounts.options.serverKey) });
    await this.audit({ actor: 'system:cli', action: 'staff.create', ip: '', before: null, after: { staffId: staff.staffId, role: staff.role } });
    return { staff, totpSecret: b32, otpauthUri: otpauthUri({ secret, issuer: `${TOTP_ISSUER} staff`, accountName: email.replace(/:/g, '') }) };
  }

  /** Staff login: email, password and TOTP, always. One error for every failure. */
  async staffLogin(input: { email: unknown; password: unknown; totp: unknown; ip?: string; userAgent?: string }): Promise<{ staff: StaffRow; token: string; session: SessionRecord }> {
    const ip = input.ip ?? '';
    const gate = this.staffLockouts.check(input.email, this.now());
    if (!gate.allowed) throw rateLimitedError(gate.retryAfterMs);
    const fail = async () => {
      this.staffLockouts.failure(input.email, this.now());
      await this.audit({ actor: 'anonymous', action: 'staff.login_failed', ip, before: null, after: null });
      return new AccountsError('LOGIN_FAILED', 'email, password or code incorrect');
    };
    let email: string | null = null;
    try {
      email = normaliseEmail(input.email);
    } catch {
      email = null;
    }
    const staff = email === null ? undefined : this.store.staffByEmail(email);
    const pepper = this.accounts.options.passwordPepper === undefined ? {} : { secret: this.accounts.options.passwordPepper };
    const ok = staff === undefined ? (await this.accounts.verifyPassword(-1, input.password)) && false : await verifyPassword(input.password, staff.passwordHash, pepper);
    if (!ok || staff === undefined || staff.status !== 'active') throw await fail();
    const v = verifyTotp({ secret: this.openTotp(staff.totpSealed, `totp:staff:${staff.id}`), code: input.totp, nowMs: this.now(), lastUsedStep: staff.totpLastStep });
    if (!v.ok || !this.store.casStaffTotpStep(staff.id, v.step)) throw await fail();
    const s = createSession({ accountId: staff.staffId, nowMs: this.now(), ip, userAgent: input.userAgent ?? '' });
    this.accounts.repo.putSession(s.record);
    this.staffLockouts.success(input.email);
    await this.audit({ actor: staff.staffId, action: 'staff.login', ip, before: null, after: { role: staff.role } });
    return { staff, token: s.token, session: s.record };
  }

  /** A staff session token → the staff member (sessions of staff carry accountId `staff:<id>`). */
  authenticateStaff(token: unknown): { staff: StaffRow; session: SessionRecord } {
    const hash = hashSessionToken(token);
    const record = touchSession(token, this.accounts.repo.session(hash), this.now(), this.accounts.sessionPolicy);
    const m = /^staff:([1-9][0-9]{0,15})$/.exec(record.accountId);
    if (m === null) throw new AccountsError('STAFF_NOT_FOUND', 'not a staff session');
    const staff = this.store.staffById(Number(m[1]));
    if (staff === undefined || staff.status !== 'active') throw new AccountsError('USER_DISABLED', 'staff account disabled');
    this.accounts.repo.putSession(record);
    return { staff, session: record };
  }

  // ---- four-eyes -----------------------------------------------------------------------

  /** Proposes a privileged action; a different staff member must approve it before it runs. */
  async proposeAction(staff: StaffRow, action: FourEyesAction, payload: FourEyesPayload, ip = ''): Promise<Proposal> {
    const perm = FOUR_EYES_ACTIONS[action];
    assertStaffCan(staff.role, perm);
    const t = propose({ id: `p-${randomBytes(12).toString('hex')}`, action, payload, proposer: { id: staff.staffId, role: staff.role }, allowedRoles: STAFF_PERMISSIONS[perm].roles, nowMs: this.now(), ip });
    this.store.insertProposal(t.proposal);
    await this.audit(t.audit);
    return t.proposal;
  }

  /** Approves (with the payload hash the approver saw) and, once executable, executes through the core. */
  async approveAction(staff: StaffRow, id: string, seenPayloadHash: string, ip = ''): Promise<Proposal> {
    const p = this.store.proposal(id);
    if (p === undefined) throw new AccountsError('PROPOSAL_NOT_FOUND', 'proposal not found');
    const t = approveProposal(p, { approver: { id: staff.staffId, role: staff.role }, seenPayloadHash, nowMs: this.now(), ip });
    if (!this.store.casProposal(t.proposal, p.version)) throw new AccountsError('PROPOSAL_CONFLICT', 'proposal changed meanwhile; reload');
    await this.audit(t.audit);
    if (!isExecutable(t.proposal, this.now())) return t.proposal;
    await this.execute(t.proposal, staff.staffId);
    const done = markExecuted(t.proposal, { actorId: staff.staffId, nowMs: this.now(), ip });
    if (!this.store.casProposal(done.proposal, t.proposal.version)) throw new AccountsError('PROPOSAL_CONFLICT', 'proposal changed meanwhile');
    await this.audit(done.audit);
    return done.proposal;
  }

  private async execute(p: Proposal, approverId: string): Promise<void> {
    const payload = p.payload as FourEyesPayload;
    if (p.action === 'withdrawal.release') {
      const withdrawalId = (payload as { withdrawalId: string }).withdrawalId;
      // The core counts distinct staff approvals of a held withdrawal: proposer, then approver.
      await this.submit({ type: 'withdrawal.review', withdrawalId, staffId: p.proposerId, decision: 'approve' });
      await this.submit({ type: 'withdrawal.review', withdrawalId, staffId: approverId, decision: 'approve' });
      return;
    }
    if (p.action === 'account.unlock') {
      const { userId, reason } = payload as { userId: number; reason: string };
      await this.submit({ type: 'account.unlock', userId, staffId: approverId, reason });
      return;
    }
    throw new AccountsError('PROPOSAL_NOT_FOUND', 'unknown action');
  }

  proposals(): Proposal[] {
    return this.store.pendingProposals();
  }
}

/**
 * The stored form of a KYC record. `fullName` and `iban` are repeated at the top level because the
 * bank-deposit matcher (src/cli/bank.ts) reads them there, as it does for CLI-created profiles.
 */
function kycJson(r: KycRecord): string {
  return JSON.stringify({ ...r, fullName: r.profile.fullName, iban: r.profile.iban });
}

/** Four-eyes actions offered by the API, and the staff permission each maps to. */
export const FOUR_EYES_ACTIONS = {
  'withdrawal.release': 'withdrawal.release',
  'account.unlock': 'account.unfreeze',
} as const satisfies Record<string, StaffAction>;
export type FourEyesAction = keyof typeof FOUR_EYES_ACTIONS;
export type FourEyesPayload = { withdrawalId: string } | { userId: number; reason: string };

/** For the CLI: `rampart staff create --email E --role R` (password from a prompt or --password). */
export async function createStaff(accounts: Accounts, input: { email: string; password: string; role: StaffRole }, opts: SecurityOptions = {}) {
  return new AccountSecurity(accounts, opts).createStaff(input);
}

