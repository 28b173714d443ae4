import { assert } from '../shared/assert.ts';
import { constantTimeEqualBytes, defaultRandomBytes, hmacSha256, type RandomBytes, sha256Hex, toBase64Url } from './crypto.ts';
import { IdentityError } from './errors.ts';

/**
 * Browser sessions. The token is 256 random bits sent only in a __Host- cookie;
 * the server stores SHA-256(token) so a database read does not yield live
 * sessions (OWASP Session Management Cheat Sheet). Idle and absolute timeouts
 * (OWASP: idle 15–30 min and an absolute limit for high-value applications).
 */

export const SESSION_TOKEN_BYTES = 32;
export const SESSION_IDLE_TIMEOUT_MS_DEFAULT = 15 * 60_000;
export const SESSION_ABSOLUTE_TIMEOUT_MS_DEFAULT = 12 * 60 * 60_000;
/** Stated maximum of live sessions per account; the oldest are revoked beyond it. */
export const SESSIONS_PER_ACCOUNT_MAX = 10;
export const SESSION_COOKIE_NAME = '__Host-rampart_session';
export const CSRF_COOKIE_NAME = '__Host-rampart_csrf';

export interface SessionRecord {
  /** SHA-256 hex of the token: the primary key in storage. */
  tokenHash: string;
  accountId: string;
  createdAtMs: number;
  lastSeenAtMs: number;
  revokedAtMs: number | null;
  /** Context shown in the "your sessions" list; never used for authorisation. */
  ip: string;
  userAgent: string;
}

export interface SessionPolicy {
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
}

export const SESSION_POLICY_DEFAULT: Readonly<SessionPolicy> = Object.freeze({
  idleTimeoutMs: SESSION_IDLE_TIMEOUT_MS_DEFAULT,
  absoluteTimeoutMs: SESSION_ABSOLUTE_TIMEOUT_MS_DEFAULT,
});

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/; // base64url of 32 bytes, no padding

/** Hashes an untrusted token as presented by the client; malformed tokens are SESSION_INVALID without further work. */
export function hashSessionToken(token: unknown): string {
  if (typeof token !== 'string' || !TOKEN_RE.test(token)) throw new IdentityError('SESSION_INVALID', 'session invalid');
  return sha256Hex(token);
}

export function createSession(input: { accountId: string; nowMs: number; ip?: string; userAgent?: string; random?: RandomBytes }): {
  token: string;
  record: SessionRecord;
} {
  const bytes = (input.random ?? defaultRandomBytes)(SESSION_TOKEN_BYTES);
  assert(bytes.length === SESSION_TOKEN_BYTES, 'random returned wrong length');
  const token = toBase64Url(bytes);
  const record: SessionRecord = {
    tokenHash: hashSessionToken(token),
    accountId: input.accountId,
    createdAtMs: input.nowMs,
    lastSeenAtMs: input.nowMs,
    revokedAtMs: null,
    ip: (input.ip ?? '').slice(0, 64),
    userAgent: (input.userAgent ?? '').slice(0, 256),
  };
  return { token, record };
}

export type SessionState = 'active' | 'revoked' | 'idle_expired' | 'absolute_expired';

export function sessionState(record: SessionRecord, nowMs: number, policy: SessionPolicy = SESSION_POLICY_DEFAULT): SessionState {
  if (record.revokedAtMs !== null) return 'revoked';
  if (nowMs - record.createdAtMs >= policy.absoluteTimeoutMs) return 'absolute_expired';
  if (nowMs - record.lastSeenAtMs >= policy.idleTimeoutMs) return 'idle_expired';
  return 'active';
}

/**
 * Validates a presented token against the stored record (looked up by
 * hashSessionToken(token)). Returns the record with lastSeenAtMs bumped, which the
 * caller saves. Unknown, revoked and expired sessions are distinct codes for logs;
 * the API should answer all of them the same way (401).
 */
export function touchSession(token: unknown, record: SessionRecord | undefined, nowMs: number, policy: SessionPolicy = SESSION_POLICY_DEFAULT): SessionRecord {
  const hash = hashSessionToken(token);
  if (!record || !constantTimeEqualBytes(Buffer.from(hash), Buffer.from(record.tokenHash))) throw new IdentityError('SESSION_INVALID', 'session invalid');
  const state = sessionState(record, nowMs, policy);
  if (state === 'revoked') throw new IdentityError('SESSION_REVOKED', 'session revoked');
  if (state !== 'active') throw new IdentityError('SESSION_EXPIRED', 'session expired', { reason: state });
  return { ...record, lastSeenAtMs: Math.max(record.lastSeenAtMs, nowMs) };
}

export function revokeSession(record: SessionRecord, nowMs: number): SessionRecord {
  return record.revokedAtMs === null ? { ...record, revokedAtMs: nowMs } : record;
}

/** Revokes all of an account's sessions, optionally keeping the current one (e.g. after a password change). */
export function revokeAllSessions(records: readonly SessionRecord[], nowMs: number, keepTokenHash?: string): SessionRecord[] {
  return records.map((r) => (r.tokenHash === keepTokenHash ? r : revokeSession(r, nowMs)));
}

/** Active sessions, newest first; beyond SESSIONS_PER_ACCOUNT_MAX the rest are returned as `excess` to revoke. */
export function listActiveSessions(records: readonly SessionRecord[], nowMs: number, policy: SessionPolicy = SESSION_POLICY_DEFAULT): { active: SessionRecord[]; excess: SessionRecord[] } {
  const live = records.filter((r) => sessionState(r, nowMs, policy) === 'active').sort((a, b) => b.createdAtMs - a.createdAtMs);
  return { active: live.slice(0, SESSIONS_PER_ACCOUNT_MAX), excess: live.slice(SESSIONS_PER_ACCOUNT_MAX) };
}

// ---------------------------------------------------------------------------
// CSRF: signed double-submit (OWASP CSRF Prevention Cheat Sheet, "Signed
// Double-Submit Cookie"): token = nonce "." HMAC(serverKey, len!sessionHash!len!nonce).
// Bound to the session, so a token planted by a sibling subdomain or taken from
// another session is useless. Sent as a (non-HttpOnly) cookie and echoed in a header.
// ---------------------------------------------------------------------------

function csrfMac(serverKey: Uint8Array, sessionTokenHash: string, nonce: string): string {
  assert(serverKey.length >= 32, 'CSRF key must be at least 256 bits');
  return toBase64Url(hmacSha256(serverKey, `${sessionTokenHash.length}!${sessionTokenHash}!${nonce.length}!${nonce}`));
}

export function createCsrfToken(serverKey: Uint8Array, sessionTokenHash: string, random: RandomBytes = defaultRandomBytes): string {
  const nonce = toBase64Url(random(16));
  return `${nonce}.${csrfMac(serverKey, sessionTokenHash, nonce)}`;
}

/** Checks the header token (and the cookie copy, when given) against the session. Throws CSRF_INVALID. */
export function verifyCsrfToken(serverKey: Uint8Array, sessionTokenHash: string, headerToken: unknown, cookieToken?: unknown): void {
  const bad = () => new IdentityError('CSRF_INVALID', 'CSRF token invalid');
  if (typeof headerToken !== 'string' || !/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/.test(headerToken)) throw bad();
  if (cookieToken !== undefined && (typeof cookieToken !== 'string' || !constantTimeEqualBytes(Buffer.from(cookieToken), Buffer.from(headerToken)))) throw bad();
  const [nonce, mac] = headerToken.split('.') as [string, string];
  if (!constantTimeEqualBytes(Buffer.from(csrfMac(serverKey, sessionTokenHash, nonce)), Buffer.from(mac))) throw bad();
}

// ---------------------------------------------------------------------------
// Cookies (RFC 6265bis): __Host- prefix requires Secure, Path=/ and no Domain, so
// the cookie cannot be set or shadowed by a subdomain or over plain HTTP.
// ---------------------------------------------------------------------------

export interface CookieOptions {
  /** Seconds; omit for a browser-session cookie. */
  maxAgeSec?: number;
  /** false only for the CSRF cookie, which page script must read to echo it. */
  httpOnly?: boolean;
}

const COOKIE_NAME_RE = /^__Host-[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/; // RFC 6265 token
const COOKIE_VALUE_RE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]{0,4096}$/; // RFC 6265 cookie-octet

export function buildCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!COOKIE_NAME_RE.test(name)) throw new IdentityError('COOKIE_INVALID', 'cookie name must be a token with the __Host- prefix');
  if (!COOKIE_VALUE_RE.test(value)) throw new IdentityError('COOKIE_INVALID', 'cookie value has forbidden characters');
  const parts = [`${name}=${value}`, 'Path=/', 'Secure'];
  if (options.httpOnly !== false) parts.push('HttpOnly');
  parts.push('SameSite=Strict');
  if (options.maxAgeSec !== undefined) {
    if (!Number.isSafeInteger(options.maxAgeSec) || options.maxAgeSec < 0 || options.maxAgeSec > 400 * 86_400) {
      throw new IdentityError('COOKIE_INVALID', 'Max-Age must be 0..400 days (RFC 6265bis caps at 400)');
    }
    parts.push(`Max-Age=${options.maxAgeSec}`);
  }
  return parts.join('; ');
}

export function sessionCookie(token: string, policy: SessionPolicy = SESSION_POLICY_DEFAULT): string {
  hashSessionToken(token); // shape check
  return buildCookie(SESSION_COOKIE_NAME, token, { maxAgeSec: Math.floor(policy.absoluteTimeoutMs / 1000) });
}

export function clearSessionCookie(): string {
  return buildCookie(SESSION_COOKIE_NAME, '', { maxAgeSec: 0 });
}

export function csrfCookie(csrfToken: string): string {
  return buildCookie(CSRF_COOKIE_NAME, csrfToken, { httpOnly: false });
}
