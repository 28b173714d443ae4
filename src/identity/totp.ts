import { createHash, createHmac } from 'node:crypto';
import { base32nopad } from '@scure/base';
import { assert } from '../shared/assert.ts';
import { constantTimeEqualBytes, defaultRandomBytes, type RandomBytes, utf8 } from './crypto.ts';
import { IdentityError } from './errors.ts';

/**
 * HOTP (RFC 4226) and TOTP (RFC 6238), plus single-use recovery codes.
 * Pure: the caller passes `nowMs` and stores `lastUsedStep` for replay protection.
 */

export type OtpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';
export type OtpDigits = 6 | 8;

export interface TotpParams {
  algorithm: OtpAlgorithm;
  digits: OtpDigits;
  /** RFC 6238 §4.1 X, the time step; 30 s is the RFC's recommended default. */
  periodSec: number;
}

export const TOTP_DEFAULTS: Readonly<TotpParams> = Object.freeze({ algorithm: 'SHA1', digits: 6, periodSec: 30 });

/** RFC 4226 §4 R6: the shared secret MUST be at least 128 bits; 160 bits RECOMMENDED. */
export const OTP_SECRET_BYTES_MIN = 16;
export const OTP_SECRET_BYTES_MAX = 128;
/** RFC 6238 §5.2 recommends at most one step of network delay either way. */
export const TOTP_WINDOW_MAX = 2;

const NODE_ALGORITHM: Record<OtpAlgorithm, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };
/** Default secret size per algorithm = the hash output size (RFC 6238 Appendix B seeds: 20/32/64 bytes). */
const SECRET_BYTES_DEFAULT: Record<OtpAlgorithm, number> = { SHA1: 20, SHA256: 32, SHA512: 64 };

function checkParams(p: TotpParams): void {
  if (!(p.algorithm in NODE_ALGORITHM)) throw new IdentityError('TOTP_PARAMS_INVALID', 'unknown OTP algorithm', { algorithm: p.algorithm });
  if (p.digits !== 6 && p.digits !== 8) throw new IdentityError('TOTP_PARAMS_INVALID', 'OTP digits must be 6 or 8', { digits: p.digits });
  if (!Number.isSafeInteger(p.periodSec) || p.periodSec < 1 || p.periodSec > 300) {
    throw new IdentityError('TOTP_PARAMS_INVALID', 'TOTP period must be an integer 1..300 s', { periodSec: p.periodSec });
  }
}

function checkSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length < OTP_SECRET_BYTES_MIN || secret.length > OTP_SECRET_BYTES_MAX) {
    throw new IdentityError('TOTP_SECRET_INVALID', `OTP secret must be ${OTP_SECRET_BYTES_MIN}..${OTP_SECRET_BYTES_MAX} bytes`);
  }
}

/**
 * RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, dynamic truncation,
 * modulo 10^digits, left-padded with zeros. Counter is a 64-bit unsigned value.
 */
export function hotp(secret: Uint8Array, counter: bigint | number, digits: OtpDigits = 6, algorithm: OtpAlgorithm = 'SHA1'): string {
  checkSecret(secret);
  checkParams({ algorithm, digits, periodSec: 30 });
  if (typeof counter === 'number' && !Number.isSafeInteger(counter)) throw new IdentityError('TOTP_PARAMS_INVALID', 'counter must be an integer');
  const c = typeof counter === 'bigint' ? counter : BigInt(counter);
  if (c < 0n || c >= 1n << 64n) throw new IdentityError('TOTP_PARAMS_INVALID', 'counter must fit in 64 bits unsigned');
  const msg = new Uint8Array(8);
  new DataView(msg.buffer).setBigUint64(0, c, false);
  const mac = new Uint8Array(createHmac(NODE_ALGORITHM[algorithm], secret).update(msg).digest());
  // RFC 4226 §5.4: offset = low 4 bits of the last byte (for SHA-256/512 too, RFC 6238 §1.2).
  const offset = mac[mac.length - 1]! & 0x0f;
  const binCode = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  const code = String(binCode % 10 ** digits).padStart(digits, '0');
  assert(code.length === digits, 'HOTP code length', { digits });
  return code;
}

/** RFC 6238 §4.2: T = floor((Unix time − T0) / X), T0 = 0. */
export function totpStep(nowMs: number, periodSec: number = TOTP_DEFAULTS.periodSec): number {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0) throw new IdentityError('TOTP_PARAMS_INVALID', 'nowMs must be a non-negative integer');
  return Math.floor(nowMs / (periodSec * 1000));
}

export function totp(secret: Uint8Array, nowMs: number, params: Partial<TotpParams> = {}): string {
  const p: TotpParams = { ...TOTP_DEFAULTS, ...params };
  checkParams(p);
  return hotp(secret, totpStep(nowMs, p.periodSec), p.digits, p.algorithm);
}

export interface VerifyTotpInput {
  secret: Uint8Array;
  /** What the user typed; untrusted. */
  code: unknown;
  nowMs: number;
  /** The step of the last code accepted for this secret, or null if none yet (caller stores it). */
  lastUsedStep: number | null;
  params?: Partial<TotpParams>;
  /** Steps tolerated either side of now; default 1 (RFC 6238 §5.2). */
  window?: number;
}

export type VerifyTotpResult =
  | { ok: true; step: number }
  | { ok: false; reason: 'MALFORMED' | 'INVALID' | 'REPLAY' };

/**
 * Verifies a TOTP code within ±window steps. On success returns the accepted step:
 * the caller MUST persist it as `lastUsedStep` (atomically, compare-and-set) before
 * acting. RFC 6238 §5.2: the verifier MUST NOT accept the second attempt of the same
 * OTP; we refuse every step ≤ lastUsedStep, so an older code from the window cannot
 * be used after a newer one either.
 * Every candidate step is computed and compared in constant time (no early exit).
 */
export function verifyTotp(input: VerifyTotpInput): VerifyTotpResult {
  const p: TotpParams = { ...TOTP_DEFAULTS, ...input.params };
  checkParams(p);
  checkSecret(input.secret);
  const window = input.window ?? 1;
  if (!Number.isSafeInteger(window) || window < 0 || window > TOTP_WINDOW_MAX) {
    throw new IdentityError('TOTP_PARAMS_INVALID', `window must be 0..${TOTP_WINDOW_MAX}`, { window });
  }
  if (input.lastUsedStep !== null && (!Number.isSafeInteger(input.lastUsedStep) || input.lastUsedStep < 0)) {
    throw new IdentityError('TOTP_PARAMS_INVALID', 'lastUsedStep must be null or a non-negative integer');
  }
  const code = input.code;
  if (typeof code !== 'string' || code.length !== p.digits || !/^[0-9]+$/.test(code)) return { ok: false, reason: 'MALFORMED' };
  const now = totpStep(input.nowMs, p.periodSec);
  const given = utf8(code);
  let matchedStep = -1;
  for (let step = now - window; step <= now + window; step++) {
    if (step < 0) continue;
    const equal = constantTimeEqualBytes(utf8(hotp(input.secret, step, p.digits, p.algorithm)), given);
    // Keep the newest matching step; no early exit so timing doesn't reveal which step matched.
    if (equal) matchedStep = step;
  }
  if (matchedStep < 0) return { ok: false, reason: 'INVALID' };
  if (input.lastUsedStep !== null && matchedStep <= input.lastUsedStep) return { ok: false, reason: 'REPLAY' };
  return { ok: true, step: matchedStep };
}

/** A fresh random secret, as long as the hash output (RFC 4226 §4 R6 recommends ≥ 160 bits). */
export function generateTotpSecret(algorithm: OtpAlgorithm = 'SHA1', random: RandomBytes = defaultRandomBytes): Uint8Array {
  const secret = random(SECRET_BYTES_DEFAULT[algorithm]);
  assert(secret.length === SECRET_BYTES_DEFAULT[algorithm], 'random returned wrong length');
  return secret;
}

/** RFC 4648 base32 without padding: what authenticator apps expect in the URI. */
export function encodeTotpSecret(secret: Uint8Array): string {
  checkSecret(secret);
  return base32nopad.encode(secret);
}

/**
 * Decodes a base32 secret as users paste it: case-insensitive, spaces and trailing
 * '=' padding ignored. Anything else is TOTP_SECRET_INVALID.
 */
export function decodeTotpSecret(text: unknown): Uint8Array {
  if (typeof text !== 'string' || text.length > 512) throw new IdentityError('TOTP_SECRET_INVALID', 'secret must be a base32 string');
  const cleaned = text.replace(/ /g, '').toUpperCase().replace(/=+$/, '');
  if (!/^[A-Z2-7]+$/.test(cleaned)) throw new IdentityError('TOTP_SECRET_INVALID', 'secret must be base32 (A-Z, 2-7)');
  let bytes: Uint8Array;
  try {
    bytes = base32nopad.decode(cleaned);
  } catch {
    throw new IdentityError('TOTP_SECRET_INVALID', 'secret is not valid base32');
  }
  checkSecret(bytes);
  return bytes;
}

export interface OtpauthUriInput {
  secret: Uint8Array;
  issuer: string;
  accountName: string;
  params?: Partial<TotpParams>;
}

function checkLabelPart(value: unknown, what: string): string {
  // Key Uri Format: neither issuer nor account name may contain a colon (label separator).
  if (typeof value !== 'string' || value.length < 1 || value.length > 128 || value.includes(':') || /\p{Cc}/u.test(value)) {
    throw new IdentityError('TOTP_LABEL_INVALID', `${what} must be 1..128 printable characters without ':'`);
  }
  return value;
}

/**
 * otpauth:// URI for QR enrolment, in the Key Uri Format (Google Authenticator's
 * spec, referenced by RFC 6238 apps): otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…
 * Algorithm/digits/period are always written so apps that honour them agree with us.
 */
export function otpauthUri(input: OtpauthUriInput): string {
  const p: TotpParams = { ...TOTP_DEFAULTS, ...input.params };
  checkParams(p);
  const issuer = checkLabelPart(input.issuer, 'issuer');
  const account = checkLabelPart(input.accountName, 'accountName');
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = [
    `secret=${encodeTotpSecret(input.secret)}`,
    `issuer=${encodeURIComponent(issuer)}`,
    `algorithm=${p.algorithm}`,
    `digits=${p.digits}`,
    `period=${p.periodSec}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}

// ---------------------------------------------------------------------------
// Recovery codes
// ---------------------------------------------------------------------------

export const RECOVERY_CODE_COUNT_DEFAULT = 10;
export const RECOVERY_CODE_COUNT_MAX = 20;
/** 16 base32 characters = 80 bits: too many for an offline search of the SHA-256 hashes. */
const RECOVERY_CODE_CHARS = 16;
const RECOVERY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface RecoveryCodeRecord {
  /** SHA-256 hex of the normalised code; the code itself is never stored. */
  hashHex: string;
  usedAtMs: number | null;
}

function normaliseRecoveryCode(code: string): string | null {
  if (code.length > 64) return null;
  const c = code.replace(/[\s-]/g, '').toUpperCase();
  if (c.length !== RECOVERY_CODE_CHARS || !/^[A-Z2-7]+$/.test(c)) return null;
  return c;
}

function hashRecoveryCode(normalised: string): string {
  return createHash('sha256').update(`rampart-recovery-v1:${normalised}`).digest('hex');
}

/**
 * Generates N single-use codes shown once to the user as XXXX-XXXX-XXXX-XXXX;
 * only their hashes are returned for storage.
 */
export function generateRecoveryCodes(
  count: number = RECOVERY_CODE_COUNT_DEFAULT,
  random: RandomBytes = defaultRandomBytes,
): { codes: string[]; records: RecoveryCodeRecord[] } {
  if (!Number.isSafeInteger(count) || count < 1 || count > RECOVERY_CODE_COUNT_MAX) {
    throw new IdentityError('RECOVERY_CODES_INVALID', `count must be 1..${RECOVERY_CODE_COUNT_MAX}`);
  }
  const codes: string[] = [];
  const seen = new Set<string>();
  while (codes.length < count) {
    const bytes = random(RECOVERY_CODE_CHARS);
    assert(bytes.length === RECOVERY_CODE_CHARS, 'random returned wrong length');
    // 256 is a multiple of 32, so `b & 31` is unbiased.
    let raw = '';
    for (const b of bytes) raw += RECOVERY_ALPHABET[b & 31];
    if (seen.has(raw)) continue;
    seen.add(raw);
    codes.push(raw.match(/.{4}/g)!.join('-'));
  }
  const records = codes.map((c) => ({ hashHex: hashRecoveryCode(normaliseRecoveryCode(c)!), usedAtMs: null }));
  return { codes, records };
}

/**
 * Verifies a recovery code and consumes it. Compares against every stored hash
 * in constant time (no early exit). Returns the new record list (the matched one
 * marked used); the caller persists it atomically before granting access.
 */
export function consumeRecoveryCode(
  records: readonly RecoveryCodeRecord[],
  code: unknown,
  nowMs: number,
): { ok: true; records: RecoveryCodeRecord[]; remaining: number } | { ok: false } {
  if (typeof code !== 'string') return { ok: false };
  const normalised = normaliseRecoveryCode(code);
  // Hash something even for malformed input so timing does not separate the two paths.
  const given = Buffer.from(hashRecoveryCode(normalised ?? 'malformed'), 'hex');
  let matched = -1;
  records.forEach((r, i) => {
    const stored = /^[0-9a-f]{64}$/.test(r.hashHex) ? Buffer.from(r.hashHex, 'hex') : Buffer.alloc(32);
    if (constantTimeEqualBytes(stored, given) && r.usedAtMs === null && normalised !== null) matched = i;
  });
  if (matched < 0) return { ok: false };
  const next = records.map((r, i) => (i === matched ? { hashHex: r.hashHex, usedAtMs: nowMs } : { ...r }));
  return { ok: true, records: next, remaining: next.filter((r) => r.usedAtMs === null).length };
}
