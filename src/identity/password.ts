import { argon2id } from 'hash-wasm';
import { assert } from '../shared/assert.ts';
import { constantTimeEqualBytes, defaultRandomBytes, type RandomBytes, utf8 } from './crypto.ts';
import { IdentityError } from './errors.ts';

/**
 * Password hashing with argon2id (RFC 9106) in PHC string format, and the
 * password policy (NIST SP 800-63B §5.1.1.2 style: length, blocklist, context).
 */

export interface Argon2Params {
  /** Memory in KiB. */
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/**
 * OWASP Password Storage Cheat Sheet, first argon2id configuration:
 * m = 19 MiB (19456 KiB), t = 2, p = 1. Measured ≈ 120 ms per hash here (hash-wasm,
 * single-threaded WASM, 2-core box). RFC 9106 §4's "second recommended option"
 * (m = 64 MiB, t = 3, p = 4) costs ≈ 5× more CPU·memory; with only 2 cores that turns
 * the login endpoint into a denial-of-service amplifier. We take the OWASP baseline,
 * put the login rate limiter in front, and let `needsRehash` raise the cost later.
 */
export const ARGON2_DEFAULTS: Readonly<Argon2Params> = Object.freeze({ memoryKiB: 19456, iterations: 2, parallelism: 1 });

/** Upper bounds when parsing a stored hash: a poisoned row must not DoS the verifier. */
export const ARGON2_LIMITS = Object.freeze({
  memoryKiBMax: 262_144, // 256 MiB
  iterationsMax: 16,
  parallelismMax: 8,
  saltBytesMin: 8,
  saltBytesMax: 64,
  hashBytesMin: 16,
  hashBytesMax: 64,
});
const SALT_BYTES = 16; // RFC 9106 §3.1: 128-bit salt recommended for password hashing.
const HASH_BYTES = 32; // RFC 9106 §4: 256-bit tag.
/** Bytes of (NFKC-normalised UTF-8) password we are willing to hash: bounds CPU per request. */
export const PASSWORD_BYTES_MAX = 1024;

function checkParams(p: Argon2Params): void {
  const okInt = (v: number, min: number, max: number) => Number.isSafeInteger(v) && v >= min && v <= max;
  if (
    !okInt(p.parallelism, 1, ARGON2_LIMITS.parallelismMax) ||
    !okInt(p.iterations, 1, ARGON2_LIMITS.iterationsMax) ||
    // RFC 9106 §3.1: m ≥ 8·p KiB.
    !okInt(p.memoryKiB, 8 * p.parallelism, ARGON2_LIMITS.memoryKiBMax)
  ) {
    throw new IdentityError('PASSWORD_PARAMS_INVALID', 'argon2 parameters out of range', { ...p });
  }
}

/**
 * NIST SP 800-63B §5.1.1.2: apply Unicode normalisation (we use NFKC) before hashing,
 * so the same password typed on different keyboards/OSes hashes the same.
 */
function passwordBytes(password: unknown): Uint8Array {
  if (typeof password !== 'string') throw new IdentityError('PASSWORD_POLICY', 'password must be a string');
  const bytes = utf8(password.normalize('NFKC'));
  if (bytes.length > PASSWORD_BYTES_MAX) throw new IdentityError('PASSWORD_POLICY', 'password too long');
  if (bytes.length === 0) throw new IdentityError('PASSWORD_POLICY', 'password is empty');
  return bytes;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');

function b64Decode(text: string): Uint8Array | null {
  // PHC: standard base64 alphabet, no padding. Reject anything Buffer would silently skip.
  if (!/^[A-Za-z0-9+/]+$/.test(text) || text.length % 4 === 1) return null;
  const bytes = new Uint8Array(Buffer.from(text, 'base64'));
  return b64(bytes) === text ? bytes : null; // canonical encodings only
}

export interface ParsedPhc {
  params: Argon2Params;
  salt: Uint8Array;
  hash: Uint8Array;
}

const PHC_RE = /^\$argon2id\$v=19\$m=([1-9][0-9]{0,9}),t=([1-9][0-9]{0,9}),p=([1-9][0-9]{0,9})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** Strict PHC parser for `$argon2id$v=19$m=…,t=…,p=…$salt$hash`. */
export function parsePhc(phc: unknown): ParsedPhc {
  const bad = (why: string) => new IdentityError('PASSWORD_HASH_INVALID', `stored password hash invalid: ${why}`);
  if (typeof phc !== 'string' || phc.length > 512) throw bad('not a string of sane length');
  const m = PHC_RE.exec(phc);
  if (!m) throw bad('not $argon2id$v=19$m=,t=,p=$salt$hash');
  const params: Argon2Params = { memoryKiB: Number(m[1]), iterations: Number(m[2]), parallelism: Number(m[3]) };
  try {
    checkParams(params);
  } catch {
    throw bad('parameters out of range');
  }
  const salt = b64Decode(m[4]!);
  const hash = b64Decode(m[5]!);
  if (!salt || salt.length < ARGON2_LIMITS.saltBytesMin || salt.length > ARGON2_LIMITS.saltBytesMax) throw bad('salt');
  if (!hash || hash.length < ARGON2_LIMITS.hashBytesMin || hash.length > ARGON2_LIMITS.hashBytesMax) throw bad('hash');
  return { params, salt, hash };
}

export function formatPhc(p: ParsedPhc): string {
  return `$argon2id$v=19$m=${p.params.memoryKiB},t=${p.params.iterations},p=${p.params.parallelism}$${b64(p.salt)}$${b64(p.hash)}`;
}

async function argon2Raw(password: Uint8Array, salt: Uint8Array, params: Argon2Params, hashLength: number, secret?: Uint8Array): Promise<Uint8Array> {
  const out = await argon2id({
    password,
    salt,
    ...(secret ? { secret } : {}),
    iterations: params.iterations,
    parallelism: params.parallelism,
    memorySize: params.memoryKiB,
    hashLength,
    outputType: 'binary',
  });
  assert(out.length === hashLength, 'argon2 output length');
  return out;
}

export interface HashPasswordOptions {
  params?: Argon2Params;
  /**
   * Optional server-side pepper (argon2's secret input K, RFC 9106 §3.1), kept outside
   * the database. Verify must pass the same one.
   */
  secret?: Uint8Array;
  random?: RandomBytes;
}

/** Hashes a password into a PHC string. Does not apply the policy (call checkPasswordPolicy first). */
export async function hashPassword(password: string, options: HashPasswordOptions = {}): Promise<string> {
  const params = options.params ?? ARGON2_DEFAULTS;
  checkParams(params);
  const salt = (options.random ?? defaultRandomBytes)(SALT_BYTES);
  assert(salt.length === SALT_BYTES, 'random returned wrong length');
  const hash = await argon2Raw(passwordBytes(password), salt, params, HASH_BYTES, options.secret);
  const phc = formatPhc({ params, salt, hash });
  assert(parsePhc(phc).hash.length === HASH_BYTES, 'PHC round-trip');
  return phc;
}

/**
 * Verifies a password against a stored PHC string; constant-time comparison of the
 * tags. A malformed stored hash throws PASSWORD_HASH_INVALID (a bug or tampering,
 * not a wrong password); a wrong or oversized password returns false.
 */
export async function verifyPassword(password: unknown, phc: string, options: { secret?: Uint8Array } = {}): Promise<boolean> {
  const parsed = parsePhc(phc);
  let bytes: Uint8Array;
  let acceptable = true;
  try {
    bytes = passwordBytes(password);
  } catch {
    acceptable = false;
    bytes = utf8('\u0000invalid'); // still do the work, so timing does not tell
  }
  const computed = await argon2Raw(bytes, parsed.salt, parsed.params, parsed.hash.length, options.secret);
  return constantTimeEqualBytes(computed, parsed.hash) && acceptable;
}

const DUMMY_SALT = utf8('rampart-dummy-salt');

/**
 * For login with an unknown account: spend the same argon2 work as a real verify and
 * return false, so response time does not reveal whether the email exists.
 */
export async function verifyPasswordOrDummy(password: unknown, phc: string | null | undefined, options: { secret?: Uint8Array } = {}): Promise<boolean> {
  if (typeof phc === 'string') return verifyPassword(password, phc, options);
  const bytes = typeof password === 'string' ? utf8(password.slice(0, PASSWORD_BYTES_MAX)) : DUMMY_SALT;
  await argon2Raw(bytes, DUMMY_SALT, ARGON2_DEFAULTS, HASH_BYTES, options.secret);
  return false;
}

/** True when the stored hash was made with parameters other than `params` (rehash after a successful login). */
export function needsRehash(phc: string, params: Argon2Params = ARGON2_DEFAULTS): boolean {
  checkParams(params);
  let parsed: ParsedPhc;
  try {
    parsed = parsePhc(phc);
  } catch {
    return true;
  }
  return (
    parsed.params.memoryKiB !== params.memoryKiB ||
    parsed.params.iterations !== params.iterations ||
    parsed.params.parallelism !== params.parallelism ||
    parsed.salt.length < SALT_BYTES ||
    parsed.hash.length !== HASH_BYTES
  );
}

// ---------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------

/** NIST SP 800-63B §5.1.1.2: at least 8 (we take 12, OWASP ASVS 2.1.1); allow at least 64 (we allow 128). */
export const PASSWORD_LENGTH_MIN = 12;
export const PASSWORD_LENGTH_MAX = 128;

/**
 * A small embedded blocklist: the most common leaked passwords of 12+ characters,
 * plus a few short classics (they also fail the length rule). Compared case-insensitively.
 * Not a substitute for a breached-password service; see docs/identity.md.
 */
const COMMON_PASSWORDS = new Set(
  [
    '123456789012', '1234567890123', '12345678901234', '123456789123', '123123123123', '111111111111',
    '000000000000', '121212121212', '123412341234', '098765432109', '987654321098', '147258369147',
    'password1234', 'password12345', 'password123456', 'passwordpassword', 'password1234567', 'password!234',
    'qwertyuiop12', 'qwertyuiop123', 'qwerty123456', 'qwertyqwerty', '1q2w3e4r5t6y', '1qaz2wsx3edc',
    'qazwsxedcrfv', 'zaq12wsxcde3', 'asdfghjkl123', 'asdfghjkl;\'', 'zxcvbnm12345', 'qwertyuiopasdfghjkl',
    'iloveyou1234', 'iloveyou12345', 'letmein12345', 'welcome12345', 'welcome123456', 'administrator',
    'administrator1', 'admin1234567', 'changeme1234', 'changeme12345', 'trustno1trustno1', 'football1234',
    'baseball1234', 'superman1234', 'sunshine1234', 'princess1234', 'monkey123456', 'dragon123456',
    'master123456', 'shadow123456', 'michael12345', 'jennifer1234', 'computer1234', 'starwars1234',
    'whatever1234', 'passw0rd1234', 'p@ssw0rd1234', 'p@ssword1234', 'p@$$w0rd1234', 'bitcoin12345',
    'bitcoinbitcoin', 'ethereum1234', 'cryptocurrency', 'blockchain123', 'satoshinakamoto', 'tothemoon123',
    'hodlhodlhodl', 'dubai1234567', 'dubaidubai12', 'abudhabi1234', 'emirates1234', 'uae123456789',
    'rampart12345', 'rampart123456', 'rampartexchange', 'correcthorsebatterystaple', 'abcdefghijkl',
    'abcdefghijklm', 'abcd1234abcd', 'abc123abc123', 'aaaaaaaaaaaa', 'a1b2c3d4e5f6', 'iloveyouiloveyou',
    'myspace12345', 'linkedin1234', 'facebook1234', 'google123456', 'samsung12345', 'liverpool123',
    'chelsea12345', 'arsenal12345', 'manchester12', 'qwerty', 'password', '123456', '12345678', '123456789',
    'iloveyou', 'admin', 'letmein', 'welcome', 'monkey', 'dragon', 'abc123',
  ].map((p) => p.toLowerCase()),
);

export type PasswordProblem = 'TOO_SHORT' | 'TOO_LONG' | 'COMMON' | 'SAME_AS_EMAIL' | 'REPEATED_CHARACTER' | 'NOT_A_STRING';

/**
 * Checks a new password. Length is counted in Unicode code points after NFKC
 * (NIST SP 800-63B: each Unicode code point counts as one character). No
 * composition rules (NIST advises against them).
 */
export function passwordProblems(password: unknown, context: { email?: string } = {}): PasswordProblem[] {
  if (typeof password !== 'string') return ['NOT_A_STRING'];
  const normalised = password.normalize('NFKC');
  const problems: PasswordProblem[] = [];
  const length = [...normalised].length;
  if (length < PASSWORD_LENGTH_MIN) problems.push('TOO_SHORT');
  if (length > PASSWORD_LENGTH_MAX) problems.push('TOO_LONG');
  const lower = normalised.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) problems.push('COMMON');
  if (length > 0 && new Set(normalised).size === 1) problems.push('REPEATED_CHARACTER');
  if (context.email) {
    const email = context.email.normalize('NFKC').toLowerCase().trim();
    const local = email.split('@')[0] ?? '';
    if (lower === email || (local.length > 0 && lower === local)) problems.push('SAME_AS_EMAIL');
  }
  return problems;
}

/** Throws PASSWORD_POLICY with `details.problems` when the password is not acceptable. */
export function checkPasswordPolicy(password: unknown, context: { email?: string } = {}): void {
  const problems = passwordProblems(password, context);
  if (problems.length > 0) throw new IdentityError('PASSWORD_POLICY', 'password does not meet the policy', { problems });
}
