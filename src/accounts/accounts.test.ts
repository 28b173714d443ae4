import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { defaultCoreConfig } from '../core/config.ts';
import { Engine } from '../engine/engine.ts';
import { openApiSecret, signRequest, verifySignedRequest, MemoryReplayCache } from '../identity/index.ts';
import { FileJournal } from '../journal/fileJournal.ts';
import { Accounts, AccountsError, createStaff, normaliseEmail, openSqliteAccounts } from './index.ts';

const SERVER_KEY = { kid: 'k1', key: new Uint8Array(32).fill(7) };
const FAST_ARGON = { memoryKiB: 64, iterations: 1, parallelism: 1 };
const PASSWORD = 'correct horse battery staple';

function fakeEngine(ok = true) {
  const opened: number[] = [];
  return {
    opened,
    submit: async (s: { type: string; userId?: number }) => {
      if (s.type === 'user.open') opened.push(s.userId!);
      return ok ? { seq: 1, ok: true, events: [], transfers: [] } : { seq: 1, ok: false, events: [], transfers: [], error: { code: 'USER_EXISTS', message: 'x', details: {} } };
    },
  };
}

function make(ok = true, now = { t: 1_700_000_000_000 }) {
  const engine = fakeEngine(ok);
  // biome-ignore lint/suspicious/noExplicitAny: the fake implements only submit
  const accounts = new Accounts({ repo: openSqliteAccounts(':memory:'), engine: engine as any, clock: () => now.t, serverKey: SERVER_KEY, passwordParams: FAST_ARGON });
  return { accounts, engine, now };
}

test('createUser stores a normalised email and an argon2id hash, and opens the user in the engine', async () => {
  const { accounts, engine } = make();
  const u = await accounts.createUser({ email: '  Alice@Example.COM ', password: PASSWORD });
  assert.equal(u.email, 'alice@example.com');
  assert.match(u.passwordHash, /^\$argon2id\$/);
  assert.ok(!u.passwordHash.includes(PASSWORD));
  assert.deepEqual(engine.opened, [u.id]);
  assert.equal(u.kycStatus, 'pending');
  assert.equal(await accounts.verifyPassword(u.id, PASSWORD), true);
  assert.equal(await accounts.verifyPassword(u.id, 'wrong password entirely'), false);
  await assert.rejects(accounts.createUser({ email: 'ALICE@example.com', password: PASSWORD }), (e) => e instanceof AccountsError && e.code === 'EMAIL_TAKEN');
});

test('a core refusal removes the user row again', async () => {
  const { accounts } = make(false);
  await assert.rejects(accounts.createUser({ email: 'bob@example.com', password: PASSWORD }), (e) => e instanceof AccountsError && e.code === 'USER_OPEN_FAILED');
  assert.equal(accounts.repo.userByEmail('bob@example.com'), undefined);
});

test('weak passwords and bad emails are refused before anything is stored', async () => {
  const { accounts, engine } = make();
  await assert.rejects(accounts.createUser({ email: 'carol@example.com', password: 'short' }), (e: { code?: string }) => e.code === 'PASSWORD_POLICY');
  for (const email of ['', 'no-at-sign', 'a@b', 'a b@example.com', `${'x'.repeat(250)}@example.com`, 42, null, 'a@@example.com']) {
    await assert.rejects(accounts.createUser({ email, password: PASSWORD }), (e: { code?: string }) => e.code === 'EMAIL_INVALID');
  }
  assert.deepEqual(engine.opened, []);
});

test('normaliseEmail never throws anything but EMAIL_INVALID', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.anything()), (v) => {
      try {
        normaliseEmail(v);
      } catch (e) {
        assert.ok(e instanceof AccountsError && e.code === 'EMAIL_INVALID');
      }
    }),
    { numRuns: 300 },
  );
});

test('login: one LOGIN_FAILED answer for unknown email, wrong password and disabled user; sessions authenticate and log out', async () => {
  const { accounts, now } = make();
  const u = await accounts.createUser({ email: 'dan@example.com', password: PASSWORD });
  await assert.rejects(accounts.login({ email: 'nobody@example.com', password: PASSWORD }), (e) => e instanceof AccountsError && e.code === 'LOGIN_FAILED');
  await assert.rejects(accounts.login({ email: 'dan@example.com', password: 'wrong wrong wrong' }), (e) => e instanceof AccountsError && e.code === 'LOGIN_FAILED');
  const { token, session } = await accounts.login({ email: 'DAN@example.com', password: PASSWORD, ip: '192.0.2.1' });
  assert.equal(session.accountId, String(u.id));
  assert.ok(!JSON.stringify(accounts.repo.sessionsOf(String(u.id))).includes(token), 'only the token hash is stored');
  assert.equal(accounts.authenticateSession(token).userId, u.id);
  now.t += accounts.sessionPolicy.idleTimeoutMs + 1;
  assert.throws(() => accounts.authenticateSession(token), (e: { code?: string }) => e.code === 'SESSION_EXPIRED');
  const again = await accounts.login({ email: 'dan@example.com', password: PASSWORD });
  accounts.logout(again.token);
  assert.throws(() => accounts.authenticateSession(again.token), (e: { code?: string }) => e.code === 'SESSION_REVOKED');
  assert.throws(() => accounts.authenticateSession('garbage'), (e: { code?: string }) => e.code === 'SESSION_INVALID');
  accounts.repo.setUserStatus(u.id, 'disabled');
  await assert.rejects(accounts.login({ email: 'dan@example.com', password: PASSWORD }), (e) => e instanceof AccountsError && e.code === 'LOGIN_FAILED');
});

test('API keys: secret returned once, stored sealed, verifies a signed request; revocation and IDOR', async () => {
  const { accounts, now } = make();
  const a = await accounts.createUser({ email: 'erin@example.com', password: PASSWORD });
  const b = await accounts.createUser({ email: 'frank@example.com', password: PASSWORD });
  const k = accounts.createApiKey(a.id, { label: 'bot', permissions: ['read', 'trade'] });
  const stored = accounts.repo.apiKey(k.keyId)!;
  assert.ok(!stored.secretSealed.includes(k.secret));
  assert.equal(openApiSecret(stored.secretSealed, k.keyId, (kid) => (kid === 'k1' ? SERVER_KEY.key : undefined)), k.secret);
  const qs = `symbol=BTCAED&timestamp=${now.t}`;
  const v = verifySignedRequest({
    request: { apiKey: k.keyId, queryString: `${qs}&signature=${signRequest(k.secret, qs)}`, body: '', clientIp: '127.0.0.1' },
    lookupKey: (id) => accounts.lookupApiKey(id),
    serverKeys: (kid) => (kid === 'k1' ? SERVER_KEY.key : undefined),
    requiredPermission: 'trade',
    nowMs: now.t,
    replay: new MemoryReplayCache(10),
  });
  assert.equal(v.accountId, String(a.id));
  assert.throws(() => accounts.revokeApiKey(b.id, k.keyId), (e) => e instanceof AccountsError && e.code === 'API_KEY_NOT_FOUND');
  assert.equal(accounts.repo.apiKey(k.keyId)!.revokedAtMs, null);
  accounts.revokeApiKey(a.id, k.keyId);
  assert.notEqual(accounts.lookupApiKey(k.keyId)!.revokedAtMs, null);
  const k2 = accounts.createApiKey(a.id, { label: 'bot2', permissions: ['read'] });
  accounts.repo.setUserStatus(a.id, 'disabled');
  assert.equal(accounts.lookupApiKey(k2.keyId), undefined, 'a disabled user has no usable keys');
  assert.throws(() => accounts.createApiKey(a.id, { label: 'x', permissions: ['read'] }), (e) => e instanceof AccountsError && e.code === 'USER_DISABLED');
  assert.throws(() => accounts.createApiKey(b.id, { label: 'w', permissions: ['withdraw'] }), (e: { code?: string }) => e.code === 'API_KEY_PARAMS_INVALID');
});

test('with a real engine and a file journal, the user exists in the core and on disk (WAL)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-accounts-'));
  try {
    const engine = await Engine.open({ config: defaultCoreConfig, backend: new FileJournal(join(dir, 'journal')), clock: () => 1_700_000_000_000 });
    const repo = openSqliteAccounts(dir);
    assert.equal(repo.db.pragma('journal_mode', { simple: true }), 'wal');
    const accounts = new Accounts({ repo, engine, clock: () => 1_700_000_000_000, serverKey: SERVER_KEY, passwordParams: FAST_ARGON });
    const u = await accounts.createUser({ email: 'gina@example.com', password: PASSWORD });
    assert.ok(engine.core.ledger.hasUser(u.id));
    repo.close();
    await engine.close();
    const reopened = openSqliteAccounts(dir);
    assert.equal(reopened.userByEmail('gina@example.com')!.id, u.id);
    reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('createStaff (CLI): stores role and a sealed TOTP secret, returns the secret once; bad role and duplicate email refused', async () => {
  const { accounts } = make();
  const out = await createStaff(accounts, { email: 'Ops@Rampart.example', password: PASSWORD, role: 'treasury' });
  assert.equal(out.staff.role, 'treasury');
  assert.equal(out.staff.staffId, `staff:${out.staff.id}`);
  assert.match(out.totpSecret, /^[A-Z2-7]{32}$/);
  assert.match(out.otpauthUri, /^otpauth:\/\/totp\//);
  assert.ok(!out.staff.totpSealed.includes(out.totpSecret), 'sealed at rest');
  await assert.rejects(createStaff(accounts, { email: 'ops@rampart.example', password: PASSWORD, role: 'treasury' }), (e: { code?: string }) => e.code === 'EMAIL_TAKEN');
  // biome-ignore lint/suspicious/noExplicitAny: hostile role
  await assert.rejects(createStaff(accounts, { email: 'x@rampart.example', password: PASSWORD, role: 'root' as any }), (e: { code?: string }) => e.code === 'ROLE_INVALID');
});
