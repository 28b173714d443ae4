import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIdentityError, type IdentityErrorCode } from './errors.ts';
import {
  type ApiKeyRecord,
  createApiKey,
  openApiSecret,
  revokeApiKey,
  sealApiSecret,
  signRequest,
  verifySignedRequest,
  type SignedRequest,
  type ApiPermission,
} from './apiKey.ts';
import { MemoryReplayCache } from './replayCache.ts';

test("Binance's documented HMAC-SHA256 examples", () => {
  // Binance Spot API docs, "SIGNED endpoint examples for POST /api/v3/order".
  const secret = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
  const body = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
  assert.equal(signRequest(secret, body), 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71');
  // Example 3: mixed query string and body, concatenated without '&'.
  const q = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC';
  const b = 'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
  assert.equal(signRequest(secret, q + b), '0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77');
});

const SERVER_KEY = { kid: 'k1', key: new Uint8Array(32).fill(7) };
const serverKeys = (kid: string) => (kid === 'k1' ? SERVER_KEY.key : undefined);
const NOW = 1_750_000_000_000;

function setup(permissions: ApiPermission[] = ['read', 'trade'], ipAllowlist: string[] = []) {
  const { record, secret } = createApiKey({ accountId: 'acct-1', label: 'bot', permissions, ipAllowlist, nowMs: NOW, serverKey: SERVER_KEY });
  const store = new Map<string, ApiKeyRecord>([[record.keyId, record]]);
  const replay = new MemoryReplayCache(1000);
  const sign = (query: string, body = '', where: 'query' | 'body' = 'query'): SignedRequest => {
    const sig = signRequest(secret, query + body);
    return where === 'query'
      ? { apiKey: record.keyId, queryString: `${query}${query ? '&' : ''}signature=${sig}`, body, clientIp: '192.0.2.10' }
      : { apiKey: record.keyId, queryString: query, body: `${body}${body ? '&' : ''}signature=${sig}`, clientIp: '192.0.2.10' };
  };
  const verify = (request: SignedRequest, requiredPermission: ApiPermission = 'trade', nowMs = NOW) =>
    verifySignedRequest({ request, lookupKey: (id) => store.get(id), serverKeys, requiredPermission, nowMs, replay });
  return { record, secret, store, replay, sign, verify };
}

const expectCode = (fn: () => unknown, code: IdentityErrorCode, msg?: string) => assert.throws(fn, (e) => isIdentityError(e, code), msg ?? code);

test('createApiKey: 64-char key and secret; secret stored sealed, opened only with the server key', () => {
  const { record, secret } = setup();
  assert.match(record.keyId, /^[A-Za-z0-9]{64}$/);
  assert.match(secret, /^[A-Za-z0-9]{64}$/);
  assert.ok(!JSON.stringify(record).includes(secret));
  assert.deepEqual(record.permissions, ['read', 'trade']);
  assert.equal(openApiSecret(record.secretSealed, record.keyId, serverKeys), secret);
  // Wrong server key, other key id (row swap), tampering: all API_KEY_DECRYPT_FAILED.
  expectCode(() => openApiSecret(record.secretSealed, record.keyId, () => new Uint8Array(32)), 'API_KEY_DECRYPT_FAILED');
  expectCode(() => openApiSecret(record.secretSealed, 'x'.repeat(64), serverKeys), 'API_KEY_DECRYPT_FAILED');
  const parts = record.secretSealed.split('.');
  const flipped = Buffer.from(parts[3]!, 'base64url');
  flipped[0]! ^= 1;
  parts[3] = flipped.toString('base64url');
  expectCode(() => openApiSecret(parts.join('.'), record.keyId, serverKeys), 'API_KEY_DECRYPT_FAILED');
  for (const bad of ['', 'v1', 'v2.k1.a.b.c', 'v1.k9.a.b.c', 'v1.k1.!!.b.c']) expectCode(() => openApiSecret(bad, record.keyId, serverKeys), 'API_KEY_DECRYPT_FAILED');
  // Random IVs: sealing twice differs.
  assert.notEqual(sealApiSecret('s', 'id', SERVER_KEY), sealApiSecret('s', 'id', SERVER_KEY));
});

test('createApiKey: policy (withdraw needs an allowlist, hostile permissions/labels/IPs)', () => {
  expectCode(() => setup(['read', 'withdraw']), 'API_KEY_PARAMS_INVALID');
  const ok = setup(['withdraw'], ['192.0.2.0/24', '192.0.2.0/24', '2001:db8::1']);
  assert.deepEqual(ok.record.permissions, ['read', 'withdraw']);
  assert.deepEqual(ok.record.ipAllowlist, ['192.0.2.0/24', '2001:db8::1/128']);
  expectCode(() => setup(['admin' as ApiPermission]), 'API_KEY_PARAMS_INVALID');
  expectCode(() => setup(['read'], ['0.0.0.0/0']), 'IP_INVALID');
  expectCode(() => setup(['read'], Array.from({ length: 31 }, (_, i) => `192.0.2.${i}`)), 'API_KEY_PARAMS_INVALID');
  expectCode(() => createApiKey({ accountId: 'a', label: 'x\u0000', permissions: ['read'], nowMs: NOW, serverKey: SERVER_KEY }), 'API_KEY_PARAMS_INVALID');
  expectCode(() => createApiKey({ accountId: 'a', label: 'x', permissions: ['read'], nowMs: NOW, serverKey: { kid: 'k1', key: new Uint8Array(16) } }), 'API_KEY_PARAMS_INVALID');
});

test('verifySignedRequest: valid requests (query, body, mixed) pass once', () => {
  const t = setup();
  const v1 = t.verify(t.sign(`symbol=BTCAED&side=BUY&timestamp=${NOW}`));
  assert.equal(v1.accountId, 'acct-1');
  assert.equal(v1.params.get('symbol'), 'BTCAED');
  assert.equal(v1.recvWindowMs, 5000);
  t.verify(t.sign('', `symbol=BTCAED&timestamp=${NOW}&recvWindow=60000`, 'body'));
  t.verify(t.sign('symbol=BTCAED', `quantity=1&timestamp=${NOW - 1}`));
  // Uppercase hex signature is the same signature.
  const r = t.sign(`symbol=ETHAED&timestamp=${NOW}`);
  t.verify({ ...r, queryString: r.queryString.replace(/signature=(.*)$/, (_, s: string) => `signature=${s.toUpperCase()}`) });
  expectCode(() => t.verify(r), 'REPLAY', 'lowercase replay of an uppercase-accepted signature');
});

test('verifySignedRequest: replay refused; bounded cache', () => {
  const t = setup();
  const r = t.sign(`symbol=BTCAED&timestamp=${NOW}`);
  t.verify(r);
  expectCode(() => t.verify(r), 'REPLAY');
  expectCode(() => t.verify(r, 'trade', NOW + 4000), 'REPLAY');
  // After the window the timestamp check refuses it anyway.
  expectCode(() => t.verify(r, 'trade', NOW + 5001), 'TIMESTAMP_OUTSIDE_WINDOW');
  // Fail closed when the cache is full of live entries; recover once they expire.
  const small = new MemoryReplayCache(2);
  assert.equal(small.checkAndRemember('a', 100, 0), 'fresh');
  assert.equal(small.checkAndRemember('b', 100, 0), 'fresh');
  expectCode(() => small.checkAndRemember('c', 100, 50), 'REPLAY_CACHE_FULL');
  assert.equal(small.checkAndRemember('a', 100, 60), 'replay');
  assert.equal(small.checkAndRemember('c', 300, 101), 'fresh');
  assert.ok(small.size <= 2);
});

test('replay cache is touched only by validly signed requests', () => {
  const t = setup();
  const r = t.sign(`symbol=BTCAED&timestamp=${NOW}`);
  for (let i = 0; i < 50; i++) {
    const forged = { ...r, queryString: r.queryString.replace(/signature=.*/, `signature=${i.toString(16).padStart(64, '0')}`) };
    expectCode(() => t.verify(forged), 'SIGNATURE_INVALID');
  }
  assert.equal(t.replay.size, 0);
  t.verify(r);
  assert.equal(t.replay.size, 1);
});

test('verifySignedRequest: timestamp window (max 60 000 ms, 1 s future skew)', () => {
  const t = setup();
  t.verify(t.sign(`timestamp=${NOW - 5000}`));
  expectCode(() => t.verify(t.sign(`timestamp=${NOW - 5001}`)), 'TIMESTAMP_OUTSIDE_WINDOW');
  t.verify(t.sign(`timestamp=${NOW - 60_000}&recvWindow=60000`));
  expectCode(() => t.verify(t.sign(`timestamp=${NOW - 60_001}&recvWindow=60000`)), 'TIMESTAMP_OUTSIDE_WINDOW');
  t.verify(t.sign(`timestamp=${NOW + 1000}`));
  expectCode(() => t.verify(t.sign(`timestamp=${NOW + 1001}`)), 'TIMESTAMP_OUTSIDE_WINDOW');
  for (const rw of ['60001', '0', '-1', '5000.5', '1e4', '', ' 5000', '0005000']) {
    expectCode(() => t.verify(t.sign(`timestamp=${NOW}&recvWindow=${rw}`)), 'RECV_WINDOW_INVALID', rw);
  }
  for (const ts of ['', 'abc', '-1', `${NOW}.0`, '1e12', ' 1', '99999999999999999999']) {
    expectCode(() => t.verify(t.sign(`timestamp=${ts}`)), 'TIMESTAMP_OUTSIDE_WINDOW', ts);
  }
  expectCode(() => t.verify(t.sign('symbol=BTCAED')), 'TIMESTAMP_OUTSIDE_WINDOW', 'missing timestamp');
});

test('verifySignedRequest: signature tampering and placement', () => {
  const t = setup();
  const r = t.sign(`symbol=BTCAED&quantity=1&timestamp=${NOW}`);
  expectCode(() => t.verify({ ...r, queryString: r.queryString.replace('quantity=1', 'quantity=9') }), 'SIGNATURE_INVALID');
  expectCode(() => t.verify({ ...r, body: 'price=100' }), 'SIGNATURE_INVALID');
  expectCode(() => t.verify({ ...r, queryString: r.queryString.replace(/signature=.*/, 'signature=') }), 'SIGNATURE_INVALID');
  expectCode(() => t.verify({ ...r, queryString: r.queryString.replace(/signature=.*/, `signature=${'0'.repeat(64)}`) }), 'SIGNATURE_INVALID');
  expectCode(() => t.verify({ ...r, queryString: `${r.queryString}0` }), 'SIGNATURE_INVALID');
  expectCode(() => t.verify({ ...r, queryString: `symbol=BTCAED&timestamp=${NOW}` }), 'SIGNATURE_INVALID', 'no signature');
  expectCode(() => t.verify({ ...r, body: r.queryString.slice(r.queryString.indexOf('signature=')) }), 'SIGNATURE_INVALID', 'two signatures');
  // Signature in the middle of the query string.
  const sig = r.queryString.slice(r.queryString.indexOf('signature=') + 10);
  expectCode(() => t.verify({ ...r, queryString: `signature=${sig}&timestamp=${NOW}&signature=${sig}` }), 'SIGNATURE_INVALID');
  // Signed by a different secret.
  const other = setup();
  const forged = other.sign(`symbol=BTCAED&timestamp=${NOW}`);
  expectCode(() => t.verify({ ...forged, apiKey: t.record.keyId }), 'SIGNATURE_INVALID');
});

test('verifySignedRequest: parameter pollution and hostile syntax', () => {
  const t = setup();
  expectCode(() => t.verify(t.sign(`symbol=BTCAED&symbol=ETHAED&timestamp=${NOW}`)), 'REQUEST_PARAMS_INVALID');
  expectCode(() => t.verify(t.sign(`symbol=BTCAED&timestamp=${NOW}`, `timestamp=${NOW}`)), 'REQUEST_PARAMS_INVALID', 'dup across query/body');
  expectCode(() => t.verify(t.sign(`symbol=%E0%A4%A&timestamp=${NOW}`)), 'REQUEST_PARAMS_INVALID');
  expectCode(() => t.verify(t.sign(`=x&timestamp=${NOW}`)), 'REQUEST_PARAMS_INVALID');
  expectCode(() => t.verify(t.sign(`a&timestamp=${NOW}`)), 'REQUEST_PARAMS_INVALID');
  expectCode(() => t.verify(t.sign(`a=1&&timestamp=${NOW}`)), 'REQUEST_PARAMS_INVALID');
  expectCode(() => t.verify(t.sign(`${'x=1&'.repeat(3000)}timestamp=${NOW}`)), 'REQUEST_PARAMS_INVALID');
  const many = Array.from({ length: 70 }, (_, i) => `p${i}=1`).join('&');
  expectCode(() => t.verify(t.sign(`${many}&timestamp=${NOW}`)), 'REQUEST_PARAMS_INVALID');
  // Encoded "timestamp" key counts as the same key.
  expectCode(() => t.verify(t.sign(`timestamp=${NOW}&time%73tamp=${NOW}`)), 'REQUEST_PARAMS_INVALID');
});

test('verifySignedRequest: API key, revocation, IP allowlist, permission', () => {
  const t = setup(['read', 'trade'], ['192.0.2.0/24']);
  const good = t.sign(`timestamp=${NOW}`);
  for (const k of [undefined, '', 'x', t.record.keyId.toLowerCase() === t.record.keyId ? 'Z'.repeat(64) : t.record.keyId.toLowerCase(), `${t.record.keyId} `, 'A'.repeat(64)]) {
    expectCode(() => t.verify({ ...good, apiKey: k }), 'API_KEY_INVALID', String(k));
  }
  expectCode(() => t.verify({ ...good, clientIp: '198.51.100.1' }), 'IP_NOT_ALLOWED');
  expectCode(() => t.verify({ ...good, clientIp: 'garbage' }), 'IP_NOT_ALLOWED');
  expectCode(() => t.verify({ ...good, clientIp: '192.0.2.10, 198.51.100.1' }), 'IP_NOT_ALLOWED');
  t.verify({ ...good, clientIp: '::ffff:192.0.2.99' });
  expectCode(() => t.verify(t.sign(`w=1&timestamp=${NOW}`), 'withdraw'), 'PERMISSION_DENIED');
  t.verify(t.sign(`a=1&timestamp=${NOW}`), 'read');
  t.store.set(t.record.keyId, revokeApiKey(t.record, NOW));
  expectCode(() => t.verify(t.sign(`a=2&timestamp=${NOW}`)), 'API_KEY_INVALID', 'revoked');
  // A record returned for a different id (store bug) is not trusted.
  const other = setup();
  expectCode(() => verifySignedRequest({ request: other.sign(`timestamp=${NOW}`), lookupKey: () => t.record, serverKeys, requiredPermission: 'read', nowMs: NOW, replay: t.replay }), 'API_KEY_INVALID');
});
