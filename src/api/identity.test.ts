import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Submission } from '../engine/engine.ts';
import { type AuditInput, decodeTotpSecret, makeEmiratesId, totp } from '../identity/index.ts';
import { harness, type Harness, PASSWORD } from './testing.ts';

/**
 * Identity flows over HTTP: sign-up and verification through the dev outbox, password
 * reset, TOTP 2FA with recovery codes, sessions, KYC, staff with four-eyes, the audit
 * trail, and authorization (staff routes refuse customers; no cross-user reads).
 */
let h: Harness;
let outbox: string;
const audit: AuditInput[] = [];
const subs: Submission[] = [];
const NEW_PASSWORD = 'a completely different passphrase';
const IBAN = 'AE070331234567890123456';

before(async () => {
  outbox = mkdtempSync(join(tmpdir(), 'rampart-outbox-'));
  h = await harness({ outboxDir: outbox }, { audit: { record: async (i) => void audit.push(i) } });
  const orig = h.engine.submit.bind(h.engine);
  h.engine.submit = (s: Submission) => {
    subs.push(s);
    return orig(s);
  };
});
after(async () => {
  await h.close();
  rmSync(outbox, { recursive: true, force: true });
});

const mails = () => readdirSync(outbox).sort().map((f) => readFileSync(join(outbox, f), 'utf8'));
const tokenIn = (mail: string) => /token=([A-Za-z0-9_-]{43})/.exec(mail)?.[1];
const json = (body: unknown) => ({ payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

interface Session {
  cookie: string;
  csrf: string;
}
async function login(email: string, password = PASSWORD, extra: Record<string, string> = {}): Promise<Session> {
  const r = await h.app.inject({ method: 'POST', url: '/api/v1/session', ...json({ email, password, ...extra }) });
  assert.equal(r.statusCode, 200, r.body);
  const cookies = ([] as string[]).concat(r.headers['set-cookie'] as string[]).map((c) => c.split(';')[0]);
  return { cookie: cookies.join('; '), csrf: r.json().csrfToken };
}
function as(s: Session, method: string, url: string, body?: unknown) {
  const headers: Record<string, string> = { cookie: s.cookie, 'x-csrf-token': s.csrf };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return h.app.inject({ method: method as 'GET', url, headers, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
}

test('sign-up: same answer for new and taken emails; verification link is single use', async () => {
  const a = await h.app.inject({ method: 'POST', url: '/api/v1/signup', ...json({ email: 'Nora@Example.com', password: PASSWORD }) });
  const b = await h.app.inject({ method: 'POST', url: '/api/v1/signup', ...json({ email: 'nora@example.com', password: PASSWORD }) });
  assert.equal(a.statusCode, 202);
  assert.equal(b.statusCode, 202);
  assert.equal(a.body, b.body, 'no account enumeration');
  const m = mails();
  assert.equal(m.length, 2);
  assert.match(m[0]!, /^From: .*\r\nTo: nora@example.com\r\n/);
  assert.match(m[1]!, /already has one/);
  const token = tokenIn(m[0]!)!;
  assert.ok(token);
  assert.equal((await h.app.inject({ method: 'POST', url: '/api/v1/verify-email', ...json({ token }) })).statusCode, 200);
  const again = await h.app.inject({ method: 'POST', url: '/api/v1/verify-email', ...json({ token }) });
  assert.equal(again.statusCode, 400);
  assert.equal(again.json().error.code, 'TOKEN_INVALID');
  for (const bad of ['', 'x', token.slice(1), `${token}A`, 'A'.repeat(43), '../../etc/passwd', 42, null, { $ne: 1 }]) {
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/verify-email', ...json({ token: bad }) });
    assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${JSON.stringify(bad)} → ${r.statusCode}`);
  }
  const weak = await h.app.inject({ method: 'POST', url: '/api/v1/signup', ...json({ email: 'weak@example.com', password: 'password' }) });
  assert.equal(weak.json().error.code, 'PASSWORD_POLICY');
  const extra = await h.app.inject({ method: 'POST', url: '/api/v1/signup', ...json({ email: 'x@example.com', password: PASSWORD, admin: true }) });
  assert.equal(extra.json().error.code, 'PARAM_UNKNOWN');
  const inj = await h.app.inject({ method: 'POST', url: '/api/v1/signup', ...json({ email: 'a@example.com\r\nBcc: evil@example.com', password: PASSWORD }) });
  assert.equal(inj.statusCode, 400);
  assert.ok(audit.some((e) => e.action === 'user.signup') && audit.some((e) => e.action === 'user.email_verified'));
});

test('password reset: generic answer, single use, expiry, sessions revoked, core told', async () => {
  const u = await h.user('reset@example.com');
  const s = await login(u.email);
  const before = mails().length;
  const known = await h.app.inject({ method: 'POST', url: '/api/v1/password-reset', ...json({ email: u.email }) });
  const unknown = await h.app.inject({ method: 'POST', url: '/api/v1/password-reset', ...json({ email: 'nobody@example.com' }) });
  assert.equal(known.statusCode, 202);
  assert.equal(known.body, unknown.body);
  const m = mails();
  assert.equal(m.length, before + 1, 'a mail only for the known account');
  const token = tokenIn(m.at(-1)!)!;
  const weak = await h.app.inject({ method: 'POST', url: '/api/v1/password-reset/confirm', ...json({ token, password: 'password' }) });
  assert.equal(weak.json().error.code, 'PASSWORD_POLICY', 'policy first; the link survives a refused password');
  const ok = await h.app.inject({ method: 'POST', url: '/api/v1/password-reset/confirm', ...json({ token, password: NEW_PASSWORD }) });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal((await h.app.inject({ method: 'POST', url: '/api/v1/password-reset/confirm', ...json({ token, password: NEW_PASSWORD }) })).json().error.code, 'TOKEN_INVALID');
  assert.equal((await as(s, 'GET', '/api/v1/balances')).statusCode, 401, 'old session revoked');
  assert.ok(subs.some((x) => x.type === 'security.changed' && x.userId === u.userId && x.kind === 'password_reset'));
  const old = await h.app.inject({ method: 'POST', url: '/api/v1/session', ...json({ email: u.email, password: PASSWORD }) });
  assert.equal(old.json().error.code, 'LOGIN_FAILED');
  await login(u.email, NEW_PASSWORD);
  // Expiry: 30 minutes.
  await h.app.inject({ method: 'POST', url: '/api/v1/password-reset', ...json({ email: u.email }) });
  const late = tokenIn(mails().at(-1)!)!;
  h.now.t += 31 * 60_000;
  assert.equal((await h.app.inject({ method: 'POST', url: '/api/v1/password-reset/confirm', ...json({ token: late, password: PASSWORD }) })).json().error.code, 'TOKEN_INVALID');
});

test('TOTP: enrol, confirm, login needs the code, no replay, recovery code once, API keys need 2FA', async () => {
  const u = await h.user('totp@example.com');
  const s = await login(u.email);
  const begin = await as(s, 'POST', '/api/v1/2fa/totp');
  assert.equal(begin.statusCode, 200, begin.body);
  const { secret, otpauthUri } = begin.json();
  assert.match(otpauthUri, /^otpauth:\/\/totp\/Rampart:totp%40example\.com\?secret=/);
  const key = decodeTotpSecret(secret);
  assert.equal((await as(s, 'POST', '/api/v1/2fa/totp/confirm', { code: '000000' })).json().error.code, 'TOTP_INVALID');
  const conf = await as(s, 'POST', '/api/v1/2fa/totp/confirm', { code: totp(key, h.now.t) });
  assert.equal(conf.statusCode, 200, conf.body);
  const codes: string[] = conf.json().recoveryCodes;
  assert.equal(codes.length, 10);
  assert.ok(subs.some((x) => x.type === 'security.changed' && x.userId === u.userId && x.kind === '2fa_change'));
  const noCode = await h.app.inject({ method: 'POST', url: '/api/v1/session', ...json({ email: u.email, password: PASSWORD }) });
  assert.equal(noCode.statusCode, 401);
  assert.equal(noCode.json().error.code, 'TOTP_REQUIRED');
  h.now.t += 30_000;
  const code = totp(key, h.now.t);
  await login(u.email, PASSWORD, { totp: code });
  const replay = await h.app.inject({ method: 'POST', url: '/api/v1/session', ...json({ email: u.email, password: PASSWORD, totp: code }) });
  assert.equal(replay.json().error.code, 'TOTP_INVALID', 'a code is accepted once');
  await login(u.email, PASSWORD, { recoveryCode: codes[0]!.toLowerCase() });
  const reuse = await h.app.inject({ method: 'POST', url: '/api/v1/session', ...json({ email: u.email, password: PASSWORD, recoveryCode: codes[0] }) });
  assert.equal(reuse.json().error.code, 'TOTP_INVALID');
  const wrongPw = await h.app.inject({ method: 'POST', url: '/api/v1/session', ...json({ email: u.email, password: 'wrong wrong wrong', totp: '123456' }) });
  assert.equal(wrongPw.json().error.code, 'LOGIN_FAILED', 'password is checked before the second factor');
  // API keys: 2FA required when on; the core hears of every new key.
  const k1 = await as(s, 'POST', '/api/v1/api-keys', { label: 'bot', permissions: ['read', 'trade'] });
  assert.equal(k1.json().error.code, 'TOTP_REQUIRED');
  h.now.t += 30_000;
  const k2 = await as(s, 'POST', '/api/v1/api-keys', { label: 'bot', permissions: ['read', 'trade'], totp: totp(key, h.now.t) });
  assert.equal(k2.statusCode, 200, k2.body);
  assert.ok(subs.some((x) => x.type === 'security.changed' && x.userId === u.userId && x.kind === 'api_key_created'));
  assert.ok(audit.some((e) => e.action === 'apikey.create' && e.actor === String(u.userId)));
  assert.ok(audit.some((e) => e.action === '2fa.enable'));
  // Disabling needs a code too.
  assert.equal((await as(s, 'DELETE', '/api/v1/2fa/totp', {})).json().error.code, 'TOTP_REQUIRED');
  assert.equal((await as(s, 'DELETE', '/api/v1/2fa/totp', { recoveryCode: codes[1] })).statusCode, 200);
  assert.equal((await as(s, 'GET', '/api/v1/2fa')).json().enabled, false);
});

test('sessions: list and revoke own; another user’s session is not found', async () => {
  const a = await h.user('sess-a@example.com');
  const b = await h.user('sess-b@example.com');
  const a1 = await login(a.email);
  const a2 = await login(a.email);
  const bs = await login(b.email);
  const list = (await as(a1, 'GET', '/api/v1/sessions')).json().sessions as { id: string }[];
  assert.equal(list.length, 2);
  assert.equal((await as(bs, 'GET', '/api/v1/sessions')).json().sessions.length, 1, 'Bob sees only his own');
  const target = list[0]!.id;
  const idor = await as(bs, 'DELETE', `/api/v1/sessions/${target}`);
  assert.equal(idor.statusCode, 404);
  assert.equal((await as(a1, 'GET', '/api/v1/sessions')).json().sessions.length, 2, 'Bob revoked nothing');
  assert.equal((await as(a1, 'DELETE', `/api/v1/sessions/${target}`)).statusCode, 200);
  const left = [await as(a1, 'GET', '/api/v1/balances'), await as(a2, 'GET', '/api/v1/balances')].filter((r) => r.statusCode === 200);
  assert.equal(left.length, 1);
  assert.equal((await as(a1, 'DELETE', '/api/v1/sessions/not-hex')).statusCode >= 400, true);
});

async function staff(email: string, role: 'support' | 'compliance' | 'treasury' | 'security' | 'admin'): Promise<Session & { staffId: string }> {
  const c = await h.ctx.security.createStaff({ email, password: PASSWORD, role });
  h.now.t += 30_000;
  const r = await h.app.inject({ method: 'POST', url: '/api/v1/staff/session', ...json({ email, password: PASSWORD, totp: totp(decodeTotpSecret(c.totpSecret), h.now.t) }) });
  assert.equal(r.statusCode, 200, r.body);
  const cookies = ([] as string[]).concat(r.headers['set-cookie'] as string[]).map((x) => x.split(';')[0]);
  return { cookie: cookies.join('; '), csrf: r.json().csrfToken, staffId: r.json().staffId };
}

const profile = { fullName: 'Fatima Al Mansouri', emiratesId: makeEmiratesId(1990, 1234567), dateOfBirth: '1990-04-02', nationality: 'AE', residency: { countryCode: 'AE', emirate: 'dubai' }, iban: IBAN };

test('KYC: validated profile, trading refused until compliance approves; approval raises tier and saves the own IBAN', async () => {
  const u = await h.accounts.createUser({ email: 'kyc@example.com', password: PASSWORD });
  await h.engine.submit({ type: 'deposit', userId: u.id, asset: 'AED', amount: 100_000_000n, source: 'bank', ref: 'kyc-dep' });
  const s = await login(u.email);
  assert.equal((await as(s, 'PUT', '/api/v1/kyc', { profile })).json().error.code, 'EMAIL_NOT_VERIFIED');
  h.ctx.security.store.setEmailVerified(u.id, h.now.t);
  for (const bad of [
    { ...profile, emiratesId: '784-1990-1234567-0' },
    { ...profile, dateOfBirth: '2015-01-01', emiratesId: makeEmiratesId(2015, 1) },
    { ...profile, nationality: 'XX' },
    { ...profile, residency: { countryCode: 'AE' } },
    { ...profile, extra: 1 },
    { ...profile, fullName: '<script>' },
    'not an object',
    null,
  ]) {
    const r = await as(s, 'PUT', '/api/v1/kyc', { profile: bad });
    assert.equal(r.statusCode, 400, `${JSON.stringify(bad)} → ${r.body}`);
  }
  assert.equal((await as(s, 'PUT', '/api/v1/kyc', { profile: { ...profile, iban: 'AE070331234567890123457' } })).json().error.code, 'IBAN_INVALID');
  const ok = await as(s, 'PUT', '/api/v1/kyc', { profile });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal((await as(s, 'GET', '/api/v1/kyc')).json().status, 'pending');
  // The bank-deposit matcher reads fullName and iban at the top level of the stored profile.
  const stored = JSON.parse(h.accounts.repo.userById(u.id)!.kycProfileJson!);
  assert.deepEqual([stored.fullName, stored.iban], [profile.fullName, IBAN]);
  const order = { market: 'BTC-AED', side: 'buy', type: 'limit', price: '100000', quantity: '0.001' };
  const refused = await as(s, 'POST', '/api/v1/orders', order);
  assert.equal(refused.statusCode, 403);
  assert.equal(refused.json().error.code, 'KYC_REQUIRED');
  // Authorization: customers are refused on staff routes; support may not review KYC.
  assert.equal((await as(s, 'POST', `/api/v1/staff/kyc/${u.id}/review`, { decision: 'approved' })).statusCode, 401);
  assert.equal((await as(s, 'GET', `/api/v1/staff/kyc/${u.id}`)).statusCode, 401);
  const support = await staff('support@rampart.example', 'support');
  assert.equal((await as(support, 'POST', `/api/v1/staff/kyc/${u.id}/review`, { decision: 'approved' })).json().error.code, 'STAFF_PERMISSION_DENIED');
  const comp = await staff('compliance@rampart.example', 'compliance');
  assert.equal((await as(comp, 'GET', `/api/v1/staff/kyc/${u.id}`)).json().kyc.profile.iban, IBAN);
  const noCsrf = await h.app.inject({ method: 'POST', url: `/api/v1/staff/kyc/${u.id}/review`, headers: { cookie: comp.cookie, 'content-type': 'application/json' }, payload: '{"decision":"approved"}' });
  assert.equal(noCsrf.json().error.code, 'CSRF_INVALID');
  const rev = await as(comp, 'POST', `/api/v1/staff/kyc/${u.id}/review`, { decision: 'approved' });
  assert.equal(rev.statusCode, 200, rev.body);
  assert.ok(subs.some((x) => x.type === 'user.tier' && x.userId === u.id && x.tier === 1));
  assert.ok(subs.some((x) => x.type === 'addressBook.add' && x.userId === u.id && x.destination === IBAN && x.ownerVerified === true));
  assert.ok(audit.some((e) => e.action === 'kyc.approve' && e.actor === comp.staffId));
  const placed = await as(s, 'POST', '/api/v1/orders', order);
  assert.equal(placed.statusCode, 201, placed.body);
  // A customer session cookie under the staff cookie name is not a staff session.
  const forged = await h.app.inject({ method: 'GET', url: '/api/v1/staff/me', headers: { cookie: s.cookie.replace('__Host-rampart_session', '__Host-rampart_staff') } });
  assert.ok(forged.statusCode >= 400 && forged.statusCode < 500);
});

test('four-eyes: no self-approval, payload hash must match, a second staff member executes account.unlock', async () => {
  const u = await h.user('locked@example.com');
  assert.equal((await h.engine.submit({ type: 'account.lock', userId: u.userId, reason: 'suspicious login' })).ok, true);
  const a = await staff('sec-a@rampart.example', 'security');
  const b = await staff('sec-b@rampart.example', 'security');
  const t = await staff('treasury-a@rampart.example', 'treasury');
  const support = await staff('support-b@rampart.example', 'support');
  assert.equal((await as(support, 'POST', '/api/v1/staff/proposals', { action: 'account.unlock', payload: { userId: u.userId, reason: 'verified by phone' } })).json().error.code, 'STAFF_PERMISSION_DENIED');
  const p = await as(a, 'POST', '/api/v1/staff/proposals', { action: 'account.unlock', payload: { userId: u.userId, reason: 'verified by phone' } });
  assert.equal(p.statusCode, 201, p.body);
  const { id, payloadHash } = p.json().proposal;
  assert.equal((await as(a, 'POST', `/api/v1/staff/proposals/${id}/approve`, { payloadHash })).json().error.code, 'FOUR_EYES_SELF_APPROVAL');
  assert.equal((await as(t, 'POST', `/api/v1/staff/proposals/${id}/approve`, { payloadHash })).json().error.code, 'FOUR_EYES_ROLE_NOT_ALLOWED');
  assert.equal((await as(b, 'POST', `/api/v1/staff/proposals/${id}/approve`, { payloadHash: '0'.repeat(64) })).statusCode >= 400, true);
  const ok = await as(b, 'POST', `/api/v1/staff/proposals/${id}/approve`, { payloadHash });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().proposal.status, 'executed');
  assert.ok(subs.some((x) => x.type === 'account.unlock' && x.userId === u.userId && x.staffId === b.staffId));
  assert.ok(audit.some((e) => e.action === 'four_eyes.propose' && e.actor === a.staffId));
  assert.ok(audit.some((e) => e.action === 'four_eyes.approve' && e.actor === b.staffId));
  assert.equal((await as(b, 'POST', `/api/v1/staff/proposals/${id}/approve`, { payloadHash })).json().error.code, 'FOUR_EYES_NOT_PENDING');
  // withdrawal.release goes to treasury; hostile payloads are refused.
  for (const bad of [{ withdrawalId: '../x' }, { userId: -1, reason: 'x' }, { userId: 1 }, {}, { withdrawalId: 'w1', extra: 1 }]) {
    const r = await as(t, 'POST', '/api/v1/staff/proposals', { action: 'withdrawal.release', payload: bad });
    assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${JSON.stringify(bad)} → ${r.statusCode}`);
  }
});

test('four-eyes: a held withdrawal is released by two distinct treasury staff (proposer and approver reviews)', async () => {
  const u = await h.user('whale@example.com');
  for (const s of [
    { type: 'user.tier', userId: u.userId, tier: 2 },
    { type: 'addressBook.add', userId: u.userId, asset: 'AED', destination: IBAN, label: 'own bank account', ownerVerified: true },
  ] as Submission[]) {
    const r = await h.engine.submit(s);
    assert.equal(r.ok, true, JSON.stringify(r.error));
  }
  h.now.t += 25 * 60 * 60_000; // past the new-destination cool-off
  const req = await h.engine.submit({
    type: 'withdrawal.request',
    withdrawalId: 'w-big-1',
    userId: u.userId,
    asset: 'AED',
    amount: 5_000_000n,
    fee: 0n,
    destination: IBAN,
    confirmationId: 'conf-w-big-1',
    confirmedTotp: true,
    emailConfirmed: true,
    confirmedTs: h.now.t,
    via: 'session',
  } as Submission);
  assert.equal(req.ok, true, JSON.stringify(req.error));
  const held = req.events.find((e) => e.type === 'withdrawal.requested') as { state?: string } | undefined;
  assert.equal(held?.state, 'held');
  const t1 = await staff('treasury-1@rampart.example', 'treasury');
  const t2 = await staff('treasury-2@rampart.example', 'treasury');
  const comp = await staff('compliance-2@rampart.example', 'compliance');
  assert.equal((await as(comp, 'POST', '/api/v1/staff/proposals', { action: 'withdrawal.release', payload: { withdrawalId: 'w-big-1' } })).json().error.code, 'STAFF_PERMISSION_DENIED');
  const p = await as(t1, 'POST', '/api/v1/staff/proposals', { action: 'withdrawal.release', payload: { withdrawalId: 'w-big-1' } });
  assert.equal(p.statusCode, 201, p.body);
  const { id, payloadHash } = p.json().proposal;
  const listed = (await as(t2, 'GET', '/api/v1/staff/proposals')).json().proposals as { id: string }[];
  assert.ok(listed.some((x) => x.id === id));
  const ok = await as(t2, 'POST', `/api/v1/staff/proposals/${id}/approve`, { payloadHash });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().proposal.status, 'executed');
  const reviews = subs.filter((x) => x.type === 'withdrawal.review' && x.withdrawalId === 'w-big-1') as { staffId: string }[];
  assert.deepEqual(
    reviews.map((r) => r.staffId),
    [t1.staffId, t2.staffId],
  );
  assert.notEqual(h.engine.core.withdrawals.get('w-big-1')?.state, 'held');
});

test('hostile input on every identity and staff route: always a typed 4xx, never 5xx', async () => {
  const u = await h.user('hostile-id@example.com');
  const s = await login(u.email);
  const st = await staff('hostile-staff@rampart.example', 'compliance');
  h.ctx.security.store.setEmailVerified(u.userId, h.now.t);
  const VALUES: unknown[] = [null, true, 0, -1, 1e308, '', ' ', 'x'.repeat(5000), '\u0000', '<script>', [], [1], {}, { $gt: '' }, '784-1990-1234567-1', '9'.repeat(40)];
  const routes: { who: Session | null; method: string; url: string; fields: string[] }[] = [
    { who: null, method: 'POST', url: '/api/v1/signup', fields: ['email', 'password'] },
    { who: null, method: 'POST', url: '/api/v1/verify-email', fields: ['token'] },
    { who: null, method: 'POST', url: '/api/v1/password-reset', fields: ['email'] },
    { who: null, method: 'POST', url: '/api/v1/password-reset/confirm', fields: ['token', 'password'] },
    { who: null, method: 'POST', url: '/api/v1/staff/session', fields: ['email', 'password', 'totp'] },
    { who: s, method: 'POST', url: '/api/v1/2fa/totp/confirm', fields: ['code'] },
    { who: s, method: 'DELETE', url: '/api/v1/2fa/totp', fields: ['totp', 'recoveryCode'] },
    { who: s, method: 'PUT', url: '/api/v1/kyc', fields: ['profile'] },
    { who: s, method: 'POST', url: '/api/v1/api-keys', fields: ['label', 'permissions', 'totp'] },
    { who: st, method: 'POST', url: `/api/v1/staff/kyc/${u.userId}/review`, fields: ['decision', 'reason'] },
    { who: st, method: 'POST', url: '/api/v1/staff/proposals', fields: ['action', 'payload'] },
    { who: st, method: 'POST', url: '/api/v1/staff/proposals/p-000000000000000000000000/approve', fields: ['payloadHash'] },
  ];
  let ip = 0;
  const send = async (r: (typeof routes)[number], payload: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (r.who !== null) Object.assign(headers, { cookie: r.who.cookie, 'x-csrf-token': r.who.csrf });
    // A fresh source address per request, so the per-IP login limiter does not answer for the route.
    const res = await h.app.inject({ method: r.method as 'POST', url: r.url, headers, payload, remoteAddress: `10.9.${(ip >> 8) & 255}.${ip++ & 255}` });
    // The reset request answers 202 to anything that parses (no enumeration, not even of malformed addresses).
    if (r.url === '/api/v1/password-reset' && res.statusCode === 202) return;
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${r.method} ${r.url} ${payload.slice(0, 80)} → ${res.statusCode} ${res.body.slice(0, 200)}`);
    assert.match(res.json().error.code, /^[A-Z][A-Z0-9_]+$/);
  };
  for (const r of routes) {
    for (const f of r.fields) for (const v of VALUES) await send(r, JSON.stringify({ [f]: v }));
    for (const raw of ['', '{', '[]', 'null', '"x"', '{"a":'.repeat(200), JSON.stringify({ unknown: 1 }), JSON.stringify({ x: 'y'.repeat(20_000) })]) await send(r, raw);
  }
  // KYC profile fields, each replaced by a hostile value.
  const good = { ...profile };
  for (const k of Object.keys(good)) for (const v of VALUES) await send(routes[7]!, JSON.stringify({ profile: { ...good, [k]: v } }));
  assert.equal(h.ctx.security.kycRecord(u.userId), null, 'nothing stored');
});

test('login lockout per email: after 5 failures even the right password is refused (429) until the lock ends', async () => {
  const u = await h.user('brute@example.com');
  for (let i = 0; i < 5; i++) {
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/session', ...json({ email: u.email, password: `wrong password ${i}!` }), remoteAddress: `10.7.0.${i}` });
    assert.equal(r.json().error.code, 'LOGIN_FAILED');
  }
  const locked = await h.app.inject({ method: 'POST', url: '/api/v1/session', ...json({ email: u.email, password: PASSWORD }), remoteAddress: '10.7.1.1' });
  assert.equal(locked.statusCode, 429);
  assert.ok(Number(locked.headers['retry-after']) > 0);
  // Unknown emails lock the same way (no enumeration through the lockout).
  for (let i = 0; i < 5; i++) await h.app.inject({ method: 'POST', url: '/api/v1/session', ...json({ email: 'ghost@example.com', password: `wrong password ${i}!` }), remoteAddress: `10.7.2.${i}` });
  assert.equal((await h.app.inject({ method: 'POST', url: '/api/v1/session', ...json({ email: 'ghost@example.com', password: PASSWORD }), remoteAddress: '10.7.3.1' })).statusCode, 429);
  h.now.t += 31_000;
  await login(u.email);
});
