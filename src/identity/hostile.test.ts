import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson } from './audit.ts';
import { parseEmiratesId } from './emiratesId.ts';
import { IdentityError } from './errors.ts';
import { cidrContains, parseCidr, parseIp } from './ip.ts';
import { parseKycProfile } from './kyc.ts';
import { parsePhc } from './password.ts';
import { decodeTotpSecret, verifyTotp } from './totp.ts';
import { createApiKey, signRequest, verifySignedRequest } from './apiKey.ts';
import { MemoryReplayCache } from './replayCache.ts';
import { hashSessionToken, verifyCsrfToken } from './sessions.ts';

/**
 * Fuzz every parser that sees untrusted input: it either returns or throws an
 * IdentityError (a clear, typed refusal), never a TypeError/RangeError or a hang.
 */
function onlyTyped(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof IdentityError)) throw e;
  }
}

const hostileString = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.stringMatching(/^[0-9a-fA-F:.%/\- ]{0,60}$/),
  fc.constantFrom('__proto__', 'constructor', '\u0000', '\ud800', '%', '%zz', '&&&', '='),
);
const NOW = 1_750_000_000_000;

test('fuzz: parseIp / parseCidr / parseEmiratesId / decodeTotpSecret / parsePhc / session & CSRF tokens', () => {
  fc.assert(
    fc.property(fc.oneof(hostileString, fc.anything()), (s) => {
      onlyTyped(() => parseIp(s));
      onlyTyped(() => parseCidr(s));
      onlyTyped(() => parseEmiratesId(s, NOW));
      onlyTyped(() => decodeTotpSecret(s));
      onlyTyped(() => parsePhc(s));
      onlyTyped(() => hashSessionToken(s));
      onlyTyped(() => verifyCsrfToken(new Uint8Array(32), 'h', s, s));
      onlyTyped(() => canonicalJson(s));
      const r = verifyTotp({ secret: new Uint8Array(20), code: s, nowMs: NOW, lastUsedStep: null });
      assert.ok(r.ok === false || typeof r.step === 'number');
    }),
    { numRuns: 300 },
  );
});

test('fuzz: KYC profile from arbitrary objects', () => {
  const field = fc.oneof(hostileString, fc.anything({ maxDepth: 2 }));
  fc.assert(
    fc.property(fc.record({ fullName: field, emiratesId: field, dateOfBirth: field, nationality: field, residency: field, iban: field }, { requiredKeys: [] }), (p) => {
      onlyTyped(() => parseKycProfile(p, NOW));
    }),
    { numRuns: 100 },
  );
});

test('fuzz: signed requests with arbitrary query/body/ip/key never escape as untyped errors', () => {
  const serverKey = { kid: 'k1', key: new Uint8Array(32).fill(3) };
  const { record, secret } = createApiKey({ accountId: 'a', label: 'f', permissions: ['trade'], ipAllowlist: ['192.0.2.0/24'], nowMs: NOW, serverKey });
  const replay = new MemoryReplayCache(1000);
  fc.assert(
    fc.property(hostileString, hostileString, hostileString, fc.boolean(), (q, b, ip, signIt) => {
      const query = signIt ? `${q}&signature=${signRequest(secret, q + b)}` : q;
      onlyTyped(() =>
        verifySignedRequest({
          request: { apiKey: record.keyId, queryString: query, body: b, clientIp: ip },
          lookupKey: (id) => (id === record.keyId ? record : undefined),
          serverKeys: () => serverKey.key,
          requiredPermission: 'trade',
          nowMs: NOW,
          replay,
        }),
      );
    }),
    { numRuns: 300 },
  );
});

test('property: CIDR containment agrees with a bigint reference', () => {
  const toBig = (bytes: Uint8Array) => bytes.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
  fc.assert(
    fc.property(fc.ipV4(), fc.ipV4(), fc.integer({ min: 16, max: 32 }), (net, addr, prefix) => {
      const n = parseIp(net);
      const mask = ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - prefix)) - 1n);
      const base = toBig(n.bytes) & mask;
      const text = `${[24, 16, 8, 0].map((s) => Number((base >> BigInt(s)) & 255n)).join('.')}/${prefix}`;
      const c = parseCidr(text);
      const a = parseIp(addr);
      assert.equal(cidrContains(c, a), (toBig(a.bytes) & mask) === base);
    }),
    { numRuns: 300 },
  );
});
