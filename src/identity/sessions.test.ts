import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isIdentityError, type IdentityErrorCode } from './errors.ts';
import {
  buildCookie,
  clearSessionCookie,
  createCsrfToken,
  createSession,
  csrfCookie,
  hashSessionToken,
  listActiveSessions,
  revokeAllSessions,
  revokeSession,
  sessionCookie,
  sessionState,
  SESSIONS_PER_ACCOUNT_MAX,
  touchSession,
  verifyCsrfToken,
} from './sessions.ts';

const expectCode = (fn: () => unknown, code: IdentityErrorCode, msg?: string) => assert.throws(fn, (e) => isIdentityError(e, code), msg ?? code);
const T0 = 1_750_000_000_000;
const MIN = 60_000;

test('createSession: 256-bit token, only its SHA-256 stored', () => {
  const { token, record } = createSession({ accountId: 'a1', nowMs: T0, ip: '192.0.2.1', userAgent: 'x' });
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(token, 'base64url').length, 32);
  assert.equal(record.tokenHash, createHash('sha256').update(token).digest('hex'));
  assert.ok(!JSON.stringify(record).includes(token));
  assert.notEqual(createSession({ accountId: 'a1', nowMs: T0 }).token, token);
});

test('touchSession: idle and absolute timeouts', () => {
  const { token, record } = createSession({ accountId: 'a1', nowMs: T0 });
  const r1 = touchSession(token, record, T0 + 14 * MIN);
  assert.equal(r1.lastSeenAtMs, T0 + 14 * MIN);
  expectCode(() => touchSession(token, record, T0 + 15 * MIN), 'SESSION_EXPIRED', 'idle');
  // Keep it busy: every 10 min until the 12 h absolute limit.
  let r = record;
  for (let t = T0 + 10 * MIN; t < T0 + 12 * 60 * MIN; t += 10 * MIN) r = touchSession(token, r, t);
  expectCode(() => touchSession(token, r, T0 + 12 * 60 * MIN), 'SESSION_EXPIRED', 'absolute');
  assert.equal(sessionState(r, T0 + 12 * 60 * MIN), 'absolute_expired');
});

test('touchSession: hostile tokens, wrong record, revoked', () => {
  const { token, record } = createSession({ accountId: 'a1', nowMs: T0 });
  for (const bad of [undefined, '', 'x', `${token}=`, `${token} `, token.slice(1), `${token}A`, 'a'.repeat(10_000), 42, {}]) {
    expectCode(() => touchSession(bad, record, T0), 'SESSION_INVALID', String(bad));
  }
  const other = createSession({ accountId: 'a2', nowMs: T0 });
  expectCode(() => touchSession(other.token, record, T0), 'SESSION_INVALID', 'record for another token');
  expectCode(() => touchSession(token, undefined, T0), 'SESSION_INVALID', 'unknown');
  const revoked = revokeSession(record, T0 + 1);
  expectCode(() => touchSession(token, revoked, T0 + 2), 'SESSION_REVOKED');
  assert.equal(revokeSession(revoked, T0 + 5).revokedAtMs, T0 + 1, 'revoking twice keeps the first time');
});

test('list and revoke all (keep current); per-account cap', () => {
  const sessions = Array.from({ length: 12 }, (_, i) => createSession({ accountId: 'a1', nowMs: T0 + i }).record);
  const { active, excess } = listActiveSessions(sessions, T0 + 100);
  assert.equal(active.length, SESSIONS_PER_ACCOUNT_MAX);
  assert.equal(excess.length, 2);
  assert.equal(active[0]!.createdAtMs, T0 + 11, 'newest first');
  const keep = sessions[5]!.tokenHash;
  const after = revokeAllSessions(sessions, T0 + 200, keep);
  assert.deepEqual(listActiveSessions(after, T0 + 300).active.map((r) => r.tokenHash), [keep]);
});

test('CSRF: bound to the session and server key; tampering refused', () => {
  const key = new Uint8Array(32).fill(1);
  const s1 = createSession({ accountId: 'a1', nowMs: T0 }).record.tokenHash;
  const s2 = createSession({ accountId: 'a1', nowMs: T0 }).record.tokenHash;
  const tok = createCsrfToken(key, s1);
  verifyCsrfToken(key, s1, tok);
  verifyCsrfToken(key, s1, tok, tok);
  expectCode(() => verifyCsrfToken(key, s2, tok), 'CSRF_INVALID', 'other session');
  expectCode(() => verifyCsrfToken(new Uint8Array(32).fill(2), s1, tok), 'CSRF_INVALID', 'other key');
  expectCode(() => verifyCsrfToken(key, s1, tok, createCsrfToken(key, s1)), 'CSRF_INVALID', 'cookie/header mismatch');
  const [nonce, mac] = tok.split('.');
  const otherNonce = createCsrfToken(key, s1).split('.')[0];
  for (const bad of [undefined, '', tok.slice(1), `${tok}x`, `${otherNonce}.${mac}`, `${nonce}.${'A'.repeat(43)}`, `${nonce}..${mac}`, tok.toUpperCase()]) {
    expectCode(() => verifyCsrfToken(key, s1, bad), 'CSRF_INVALID', String(bad));
  }
  expectCode(() => verifyCsrfToken(key, s1, tok, 123), 'CSRF_INVALID');
});

test('cookies: __Host- prefix, Secure, HttpOnly, SameSite=Strict, Path=/, no Domain', () => {
  const { token } = createSession({ accountId: 'a1', nowMs: T0 });
  const c = sessionCookie(token);
  assert.equal(c, `__Host-rampart_session=${token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=43200`);
  assert.ok(!/domain/i.test(c));
  assert.equal(clearSessionCookie(), '__Host-rampart_session=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0');
  const csrf = csrfCookie(createCsrfToken(new Uint8Array(32), 'h'));
  assert.ok(!csrf.includes('HttpOnly') && csrf.includes('Secure') && csrf.includes('SameSite=Strict'));
  // Header injection and prefix bypass attempts.
  for (const [name, value] of [
    ['rampart_session', 'x'],
    ['__Secure-x', 'x'],
    ['__Host-a b', 'x'],
    ['__Host-a', 'x; Domain=evil.example'],
    ['__Host-a', 'x\r\nSet-Cookie: y=z'],
    ['__Host-a', 'x,y'],
    ['__Host-a', '"x"'],
  ] as const) {
    expectCode(() => buildCookie(name, value), 'COOKIE_INVALID', `${name}=${value}`);
  }
  expectCode(() => buildCookie('__Host-a', 'x', { maxAgeSec: -1 }), 'COOKIE_INVALID');
  expectCode(() => sessionCookie('not a token'), 'SESSION_INVALID');
  assert.equal(hashSessionToken(token).length, 64);
});
