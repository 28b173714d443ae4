import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isIdentityError } from './errors.ts';
import {
  consumeRecoveryCode,
  decodeTotpSecret,
  encodeTotpSecret,
  generateRecoveryCodes,
  generateTotpSecret,
  hotp,
  otpauthUri,
  totp,
  totpStep,
  verifyTotp,
  type OtpAlgorithm,
} from './totp.ts';

const ascii = (s: string) => new TextEncoder().encode(s);
const SEED_SHA1 = ascii('12345678901234567890');
const SEED_SHA256 = ascii('12345678901234567890123456789012');
const SEED_SHA512 = ascii('1234567890123456789012345678901234567890123456789012345678901234');

test('RFC 4226 Appendix D: HOTP values for counters 0..9', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  expected.forEach((code, counter) => {
    assert.equal(hotp(SEED_SHA1, counter), code);
    assert.equal(hotp(SEED_SHA1, BigInt(counter)), code);
  });
});

test('RFC 6238 Appendix B: TOTP values, 8 digits, SHA-1/256/512', () => {
  const rows: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  for (const [sec, s1, s256, s512] of rows) {
    const nowMs = sec * 1000;
    assert.equal(totp(SEED_SHA1, nowMs, { digits: 8, algorithm: 'SHA1' }), s1, `SHA1 ${sec}`);
    assert.equal(totp(SEED_SHA256, nowMs, { digits: 8, algorithm: 'SHA256' }), s256, `SHA256 ${sec}`);
    assert.equal(totp(SEED_SHA512, nowMs, { digits: 8, algorithm: 'SHA512' }), s512, `SHA512 ${sec}`);
  }
  // 6-digit codes are the last 6 digits of the 8-digit ones (same truncation, smaller modulus).
  assert.equal(totp(SEED_SHA1, 59_000), '287082');
  // RFC 6238 §4.2: times past 2038 (here year 2603) must not overflow 32-bit seconds.
  assert.equal(totpStep(20000000000 * 1000), 666666666);
});

test('verifyTotp: accepts ±1 step, refuses outside, returns the step', () => {
  const nowMs = 1_700_000_000_000;
  const step = totpStep(nowMs);
  for (const d of [-1, 0, 1]) {
    const code = hotp(SEED_SHA1, step + d);
    const r = verifyTotp({ secret: SEED_SHA1, code, nowMs, lastUsedStep: null });
    assert.deepEqual(r, { ok: true, step: step + d });
  }
  for (const d of [-3, -2, 2, 3]) {
    const r = verifyTotp({ secret: SEED_SHA1, code: hotp(SEED_SHA1, step + d), nowMs, lastUsedStep: null });
    assert.equal(r.ok, false);
  }
  // window 0: only the current step.
  assert.equal(verifyTotp({ secret: SEED_SHA1, code: hotp(SEED_SHA1, step - 1), nowMs, lastUsedStep: null, window: 0 }).ok, false);
});

test('verifyTotp: replay of an accepted code (and of an older one) is refused', () => {
  const nowMs = 1_700_000_000_000;
  const code = totp(SEED_SHA1, nowMs);
  const first = verifyTotp({ secret: SEED_SHA1, code, nowMs, lastUsedStep: null });
  assert.equal(first.ok, true);
  const lastUsedStep = first.ok ? first.step : -1;
  assert.deepEqual(verifyTotp({ secret: SEED_SHA1, code, nowMs: nowMs + 5000, lastUsedStep }), { ok: false, reason: 'REPLAY' });
  // The previous step's code is still inside the window but older than the accepted one.
  const older = hotp(SEED_SHA1, lastUsedStep - 1);
  assert.deepEqual(verifyTotp({ secret: SEED_SHA1, code: older, nowMs, lastUsedStep }), { ok: false, reason: 'REPLAY' });
  // The next step's code is fine.
  const next = verifyTotp({ secret: SEED_SHA1, code: hotp(SEED_SHA1, lastUsedStep + 1), nowMs: nowMs + 30_000, lastUsedStep });
  assert.deepEqual(next, { ok: true, step: lastUsedStep + 1 });
});

test('verifyTotp: hostile codes are MALFORMED, never throw', () => {
  const nowMs = 1_700_000_000_000;
  const good = totp(SEED_SHA1, nowMs);
  for (const bad of ['', '12345', '1234567', ` ${good.slice(1)}`, `${good} `, '12345a', '١٢٣٤٥٦', '-12345', '1e5000', '0x1234', null, undefined, 123456, [good], { toString: () => good }]) {
    const r = verifyTotp({ secret: SEED_SHA1, code: bad, nowMs, lastUsedStep: null });
    assert.deepEqual(r, { ok: false, reason: 'MALFORMED' }, String(bad));
  }
});

test('verifyTotp / hotp: bad configuration is a typed error', () => {
  assert.throws(() => hotp(new Uint8Array(10), 0), (e) => isIdentityError(e, 'TOTP_SECRET_INVALID'));
  assert.throws(() => hotp(SEED_SHA1, -1), (e) => isIdentityError(e, 'TOTP_PARAMS_INVALID'));
  assert.throws(() => hotp(SEED_SHA1, 1.5), (e) => isIdentityError(e, 'TOTP_PARAMS_INVALID'));
  assert.throws(() => hotp(SEED_SHA1, 1n << 64n), (e) => isIdentityError(e, 'TOTP_PARAMS_INVALID'));
  assert.throws(() => hotp(SEED_SHA1, 0, 7 as 6), (e) => isIdentityError(e, 'TOTP_PARAMS_INVALID'));
  assert.throws(() => hotp(SEED_SHA1, 0, 6, 'MD5' as OtpAlgorithm), (e) => isIdentityError(e, 'TOTP_PARAMS_INVALID'));
  assert.throws(() => verifyTotp({ secret: SEED_SHA1, code: '123456', nowMs: 0, lastUsedStep: null, window: 5 }), (e) => isIdentityError(e, 'TOTP_PARAMS_INVALID'));
  assert.throws(() => totp(SEED_SHA1, -1), (e) => isIdentityError(e, 'TOTP_PARAMS_INVALID'));
  assert.throws(() => totp(SEED_SHA1, Number.NaN), (e) => isIdentityError(e, 'TOTP_PARAMS_INVALID'));
});

test('property: a code generated now always verifies once, then is a replay', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.integer({ min: 60_000, max: 4_000_000_000_000 }), fc.constantFrom<OtpAlgorithm>('SHA1', 'SHA256', 'SHA512'), (secret, nowMs, algorithm) => {
      const code = totp(secret, nowMs, { algorithm });
      const r = verifyTotp({ secret, code, nowMs, lastUsedStep: null, params: { algorithm } });
      assert.equal(r.ok, true);
      if (r.ok) assert.equal(verifyTotp({ secret, code, nowMs, lastUsedStep: r.step, params: { algorithm } }).ok, false);
    }),
    { numRuns: 200 },
  );
});

test('base32 secrets round-trip; hostile secrets are typed errors', () => {
  const s = generateTotpSecret();
  assert.equal(s.length, 20);
  assert.equal(generateTotpSecret('SHA512').length, 64);
  const b32 = encodeTotpSecret(SEED_SHA1);
  assert.equal(b32, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'); // RFC 4648 base32 of "12345678901234567890"
  assert.deepEqual(decodeTotpSecret(b32), SEED_SHA1);
  assert.deepEqual(decodeTotpSecret('gezd gnbv gy3t qojq gezd gnbv gy3t qojq'), SEED_SHA1);
  for (const bad of ['', 'GEZDGNBV', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ0', 'GEZD\u0000GNBV', 'A'.repeat(600), 'ÄÖÜ', 42, null]) {
    assert.throws(() => decodeTotpSecret(bad), (e) => isIdentityError(e, 'TOTP_SECRET_INVALID'), String(bad));
  }
});

test('otpauth URI (Key Uri Format)', () => {
  const uri = otpauthUri({ secret: SEED_SHA1, issuer: 'Rampart', accountName: 'alice@example.ae' });
  assert.equal(uri, 'otpauth://totp/Rampart:alice%40example.ae?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Rampart&algorithm=SHA1&digits=6&period=30');
  const u2 = otpauthUri({ secret: SEED_SHA256, issuer: 'Rampart Exchange', accountName: 'bob', params: { algorithm: 'SHA256', digits: 8 } });
  assert.ok(u2.startsWith('otpauth://totp/Rampart%20Exchange:bob?'));
  assert.ok(u2.includes('algorithm=SHA256&digits=8&period=30'));
  // Injection attempts: separator, control chars, query smuggling gets percent-encoded.
  for (const bad of ['a:b', '', 'x\n', 'y'.repeat(200)]) {
    assert.throws(() => otpauthUri({ secret: SEED_SHA1, issuer: bad, accountName: 'bob' }), (e) => isIdentityError(e, 'TOTP_LABEL_INVALID'));
    assert.throws(() => otpauthUri({ secret: SEED_SHA1, issuer: 'Rampart', accountName: bad }), (e) => isIdentityError(e, 'TOTP_LABEL_INVALID'));
  }
  const smuggle = otpauthUri({ secret: SEED_SHA1, issuer: 'R', accountName: 'x?secret=AAAA&a=b#' });
  assert.equal(new URL(smuggle).searchParams.getAll('secret').length, 1);
});

test('recovery codes: 10 codes, hashes only, single use, constant shape', () => {
  const { codes, records } = generateRecoveryCodes();
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const c of codes) assert.match(c, /^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/);
  for (const r of records) {
    assert.match(r.hashHex, /^[0-9a-f]{64}$/);
    assert.ok(!codes.some((c) => r.hashHex.includes(c)));
  }
  const used = consumeRecoveryCode(records, codes[3]!.toLowerCase().replace(/-/g, ' '), 1000);
  assert.equal(used.ok, true);
  if (!used.ok) return;
  assert.equal(used.remaining, 9);
  assert.equal(used.records[3]!.usedAtMs, 1000);
  assert.equal(records[3]!.usedAtMs, null, 'input not mutated');
  // Second use refused.
  assert.deepEqual(consumeRecoveryCode(used.records, codes[3], 2000), { ok: false });
  // Others still work.
  assert.equal(consumeRecoveryCode(used.records, codes[4], 2000).ok, true);
});

test('recovery codes: hostile input never matches or throws', () => {
  const { records } = generateRecoveryCodes(3);
  for (const bad of ['', 'AAAA-AAAA-AAAA-AAAA', 'x'.repeat(10_000), null, 7, {}, records[0]!.hashHex]) {
    assert.deepEqual(consumeRecoveryCode(records, bad, 1), { ok: false });
  }
  const corrupt = [{ hashHex: 'zz', usedAtMs: null }];
  assert.deepEqual(consumeRecoveryCode(corrupt, 'AAAA-AAAA-AAAA-AAAA', 1), { ok: false });
  assert.throws(() => generateRecoveryCodes(0), (e) => isIdentityError(e, 'RECOVERY_CODES_INVALID'));
  assert.throws(() => generateRecoveryCodes(1000), (e) => isIdentityError(e, 'RECOVERY_CODES_INVALID'));
  // Deterministic randomness with collisions still yields distinct codes.
  let n = 0;
  const rnd = (len: number) => new Uint8Array(len).fill(Math.floor(n++ / 2));
  const g = generateRecoveryCodes(3, rnd);
  assert.equal(new Set(g.codes).size, 3);
});
