import { createCipheriv, createDecipheriv } from 'node:crypto';
import { assert } from '../shared/assert.ts';
import { constantTimeEqualBytes, defaultRandomBytes, hmacSha256, type RandomBytes, toHex, utf8 } from './crypto.ts';
import { IdentityError } from './errors.ts';
import { type Cidr, formatCidr, ipAllowed, parseCidr } from './ip.ts';
import type { ReplayGuard } from './replayCache.ts';

/**
 * API keys signed like Binance's: HMAC-SHA256 hex over totalParams (query string
 * concatenated with the request body), with `timestamp` and `recvWindow`.
 *
 * Why the secret is stored encrypted, not hashed: HMAC verification recomputes the
 * MAC, so the server needs the secret itself; a hash of it is useless for that.
 * We store it sealed with AES-256-GCM under a server key kept outside the database
 * (key id in the envelope for rotation, the API key id as associated data so a
 * ciphertext moved to another row fails to open). A database dump alone then does
 * not let anyone sign requests.
 */

export type ApiPermission = 'read' | 'trade' | 'withdraw';
export const API_PERMISSIONS: readonly ApiPermission[] = ['read', 'trade', 'withdraw'];

export const API_KEY_LENGTH = 64; // like Binance: 64 alphanumerics for both key and secret
export const IP_ALLOWLIST_ENTRIES_MAX = 30;
export const RECV_WINDOW_DEFAULT_MS = 5000;
export const RECV_WINDOW_MAX_MS = 60_000;
/** Binance refuses timestamps more than 1 s ahead of server time; so do we. */
export const FUTURE_SKEW_MAX_MS = 1000;
export const TOTAL_PARAMS_LENGTH_MAX = 8192;
export const PARAMS_COUNT_MAX = 64;

export interface ApiKeyRecord {
  keyId: string;
  accountId: string;
  label: string;
  permissions: ApiPermission[];
  /** Canonical CIDR strings; empty = any IP (not allowed with 'withdraw'). */
  ipAllowlist: string[];
  /** AES-256-GCM envelope of the secret: v1.<kid>.<iv>.<ciphertext>.<tag> (base64url). */
  secretSealed: string;
  createdAtMs: number;
  revokedAtMs: number | null;
}

export interface ServerKey {
  kid: string;
  key: Uint8Array; // 32 bytes
}
export type ServerKeyLookup = (kid: string) => Uint8Array | undefined;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomAlnum(length: number, random: RandomBytes): string {
  let out = '';
  while (out.length < length) {
    for (const b of random(length)) {
      // Rejection sampling: 248 = 4·62, so b < 248 maps uniformly onto 62 symbols.
      if (b < 248 && out.length < length) out += ALNUM[b % 62];
    }
  }
  assert(out.length === length, 'alnum length');
  return out;
}

const KID_RE = /^[A-Za-z0-9_-]{1,32}$/;
const aad = (keyId: string) => utf8(`rampart-apikey-v1|${keyId}`);

export function sealApiSecret(secret: string, keyId: string, serverKey: ServerKey, random: RandomBytes = defaultRandomBytes): string {
  if (!KID_RE.test(serverKey.kid) || serverKey.key.length !== 32) throw new IdentityError('API_KEY_PARAMS_INVALID', 'server key must be 32 bytes with a kid [A-Za-z0-9_-]{1,32}');
  const iv = random(12); // NIST SP 800-38D: 96-bit IV, random, never reused with a key
  const cipher = createCipheriv('aes-256-gcm', serverKey.key, iv);
  cipher.setAAD(aad(keyId));
  const ct = Buffer.concat([cipher.update(utf8(secret)), cipher.final()]);
  const tag = cipher.getAuthTag();
  const b = (x: Uint8Array) => Buffer.from(x).toString('base64url');
  return `v1.${serverKey.kid}.${b(iv)}.${b(ct)}.${b(tag)}`;
}

export function openApiSecret(sealed: string, keyId: string, lookup: ServerKeyLookup): string {
  const fail = () => new IdentityError('API_KEY_DECRYPT_FAILED', 'cannot open the stored API secret');
  const parts = typeof sealed === 'string' ? sealed.split('.') : [];
  if (parts.length !== 5 || parts[0] !== 'v1' || !KID_RE.test(parts[1]!)) throw fail();
  const key = lookup(parts[1]!);
  if (key?.length !== 32) throw fail();
  try {
    const iv = Buffer.from(parts[2]!, 'base64url');
    const ct = Buffer.from(parts[3]!, 'base64url');
    const tag = Buffer.from(parts[4]!, 'base64url');
    if (iv.length !== 12 || tag.length !== 16) throw fail();
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(aad(keyId));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ct), d.final()]).toString('utf8');
  } catch {
    throw fail();
  }
}

export interface CreateApiKeyInput {
  accountId: string;
  label: string;
  permissions: readonly ApiPermission[];
  ipAllowlist?: readonly string[];
  nowMs: number;
  serverKey: ServerKey;
  random?: RandomBytes;
}

/** Normalises and checks permissions + allowlist; shared by create and update. */
export function checkKeyPolicy(permissions: readonly unknown[], ipAllowlist: readonly unknown[]): { permissions: ApiPermission[]; ipAllowlist: string[] } {
  if (!Array.isArray(permissions) || permissions.some((p) => !API_PERMISSIONS.includes(p as ApiPermission))) {
    throw new IdentityError('API_KEY_PARAMS_INVALID', `permissions must be among ${API_PERMISSIONS.join(', ')}`);
  }
  // 'read' is implied (as on Binance); order is canonical.
  const perms = API_PERMISSIONS.filter((p) => p === 'read' || permissions.includes(p));
  if (!Array.isArray(ipAllowlist) || ipAllowlist.length > IP_ALLOWLIST_ENTRIES_MAX) {
    throw new IdentityError('API_KEY_PARAMS_INVALID', `at most ${IP_ALLOWLIST_ENTRIES_MAX} allowlist entries`);
  }
  const cidrs = [...new Set(ipAllowlist.map((e) => formatCidr(parseCidr(e))))];
  // Like Binance: a key that can withdraw must be bound to trusted IPs.
  if (perms.includes('withdraw') && cidrs.length === 0) {
    throw new IdentityError('API_KEY_PARAMS_INVALID', "a key with 'withdraw' permission needs an IP allowlist");
  }
  return { permissions: perms, ipAllowlist: cidrs };
}

/** Creates a key. The plain secret is returned once for display and never stored. */
export function createApiKey(input: CreateApiKeyInput): { record: ApiKeyRecord; secret: string } {
  const random = input.random ?? defaultRandomBytes;
  if (typeof input.label !== 'string' || input.label.length < 1 || input.label.length > 64 || /\p{Cc}/u.test(input.label)) {
    throw new IdentityError('API_KEY_PARAMS_INVALID', 'label must be 1..64 printable characters');
  }
  if (typeof input.accountId !== 'string' || input.accountId.length < 1 || input.accountId.length > 128) {
    throw new IdentityError('API_KEY_PARAMS_INVALID', 'accountId must be 1..128 characters');
  }
  const policy = checkKeyPolicy(input.permissions, input.ipAllowlist ?? []);
  const keyId = randomAlnum(API_KEY_LENGTH, random);
  const secret = randomAlnum(API_KEY_LENGTH, random);
  const record: ApiKeyRecord = {
    keyId,
    accountId: input.accountId,
    label: input.label,
    permissions: policy.permissions,
    ipAllowlist: policy.ipAllowlist,
    secretSealed: sealApiSecret(secret, keyId, input.serverKey, random),
    createdAtMs: input.nowMs,
    revokedAtMs: null,
  };
  assert(!record.secretSealed.includes(secret), 'secret must not be stored in clear');
  return { record, secret };
}

export function revokeApiKey(record: ApiKeyRecord, nowMs: number): ApiKeyRecord {
  return record.revokedAtMs === null ? { ...record, revokedAtMs: nowMs } : record;
}

/** HMAC-SHA256(secret, totalParams) as lowercase hex: exactly Binance's SIGNED endpoint rule. */
export function signRequest(secret: string, totalParams: string): string {
  return toHex(hmacSha256(secret, totalParams));
}

export interface SignedRequest {
  /** The X-MBX-APIKEY header (untrusted). */
  apiKey: unknown;
  /** Raw query string without the leading '?', as received (untrusted). */
  queryString: string;
  /** Raw application/x-www-form-urlencoded body, '' when none (untrusted). */
  body: string;
  /** The peer address as seen by the server (or by a trusted proxy). */
  clientIp: string;
}

export interface VerifyRequestInput {
  request: SignedRequest;
  lookupKey: (keyId: string) => ApiKeyRecord | undefined;
  serverKeys: ServerKeyLookup;
  requiredPermission: ApiPermission;
  nowMs: number;
  replay: ReplayGuard;
}

export interface VerifiedRequest {
  keyId: string;
  accountId: string;
  permissions: ApiPermission[];
  /** Decoded parameters (signature removed), each key at most once. */
  params: Map<string, string>;
  timestampMs: number;
  recvWindowMs: number;
}

const SIG_RE = /^[0-9a-fA-F]{64}$/;

/** Removes a trailing `signature=` parameter; returns [rest, signature|null]. */
function splitSignature(s: string): [string, string | null] {
  const m = /(^|&)signature=([^&]*)$/.exec(s);
  if (!m) return [s, null];
  return [s.slice(0, m.index), m[2]!];
}

function parseParams(parts: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of parts) {
    if (part === '') continue;
    for (const pair of part.split('&')) {
      const eq = pair.indexOf('=');
      if (pair === '' || eq <= 0) throw new IdentityError('REQUEST_PARAMS_INVALID', 'malformed parameter');
      let k: string;
      let v: string;
      try {
        k = decodeURIComponent(pair.slice(0, eq).replace(/\+/g, ' '));
        v = decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
      } catch {
        throw new IdentityError('REQUEST_PARAMS_INVALID', 'malformed percent-encoding');
      }
      // Duplicates are parameter pollution: which copy wins differs between layers. Refuse.
      if (out.has(k)) throw new IdentityError('REQUEST_PARAMS_INVALID', 'duplicate parameter', { param: k.slice(0, 32) });
      if (out.size >= PARAMS_COUNT_MAX) throw new IdentityError('REQUEST_PARAMS_INVALID', 'too many parameters');
      out.set(k, v);
    }
  }
  return out;
}

/**
 * Verifies a SIGNED request. Checks, in order: sizes and syntax; API key exists and
 * is not revoked (API_KEY_INVALID); client IP in the allowlist (IP_NOT_ALLOWED);
 * timestamp inside recvWindow (TIMESTAMP_OUTSIDE_WINDOW); signature, constant time
 * (SIGNATURE_INVALID); not seen before (REPLAY); permission (PERMISSION_DENIED).
 * The replay cache is touched only after the signature is valid, so unauthenticated
 * traffic cannot fill it.
 */
export function verifySignedRequest(input: VerifyRequestInput): VerifiedRequest {
  const { request, nowMs } = input;
  if (typeof request.queryString !== 'string' || typeof request.body !== 'string' || request.queryString.length + request.body.length > TOTAL_PARAMS_LENGTH_MAX) {
    throw new IdentityError('REQUEST_PARAMS_INVALID', 'request parameters missing or too long');
  }
  // The signature may end either the query string or the body (Binance allows both), not both.
  const [q, sigQ] = splitSignature(request.queryString);
  const [b, sigB] = splitSignature(request.body);
  if ((sigQ === null) === (sigB === null)) throw new IdentityError('SIGNATURE_INVALID', 'exactly one signature parameter is required');
  const signature = (sigQ ?? sigB)!;
  if (!SIG_RE.test(signature)) throw new IdentityError('SIGNATURE_INVALID', 'signature must be 64 hex characters');
  const params = parseParams([q, b]);
  if (params.has('signature')) throw new IdentityError('SIGNATURE_INVALID', 'signature must be the last parameter');

  const apiKey = request.apiKey;
  if (typeof apiKey !== 'string' || apiKey.length !== API_KEY_LENGTH || !/^[A-Za-z0-9]+$/.test(apiKey)) {
    throw new IdentityError('API_KEY_INVALID', 'API key invalid');
  }
  const record = input.lookupKey(apiKey);
  if (!record || record.keyId !== apiKey || record.revokedAtMs !== null) throw new IdentityError('API_KEY_INVALID', 'API key invalid');

  if (record.ipAllowlist.length > 0) {
    const list: Cidr[] = record.ipAllowlist.map((c) => parseCidr(c));
    if (!ipAllowed(list, request.clientIp)) throw new IdentityError('IP_NOT_ALLOWED', 'request IP not in the key allowlist');
  }

  const tsText = params.get('timestamp');
  if (tsText === undefined || !/^[0-9]{1,16}$/.test(tsText)) throw new IdentityError('TIMESTAMP_OUTSIDE_WINDOW', 'timestamp missing or malformed');
  const timestampMs = Number(tsText);
  const rwText = params.get('recvWindow');
  let recvWindowMs = RECV_WINDOW_DEFAULT_MS;
  if (rwText !== undefined) {
    if (!/^[0-9]{1,6}$/.test(rwText) || Number(rwText) < 1 || Number(rwText) > RECV_WINDOW_MAX_MS) {
      throw new IdentityError('RECV_WINDOW_INVALID', `recvWindow must be 1..${RECV_WINDOW_MAX_MS}`);
    }
    recvWindowMs = Number(rwText);
  }
  if (nowMs - timestampMs > recvWindowMs || timestampMs - nowMs > Math.min(recvWindowMs, FUTURE_SKEW_MAX_MS)) {
    throw new IdentityError('TIMESTAMP_OUTSIDE_WINDOW', 'timestamp outside recvWindow', { serverTimeMs: nowMs });
  }

  const secret = openApiSecret(record.secretSealed, record.keyId, input.serverKeys);
  const expected = hmacSha256(secret, q + b);
  if (!constantTimeEqualBytes(expected, Buffer.from(signature, 'hex'))) throw new IdentityError('SIGNATURE_INVALID', 'signature invalid');

  // Entry lives until the timestamp can no longer pass the window check above.
  if (input.replay.checkAndRemember(`${record.keyId}:${signature.toLowerCase()}`, timestampMs + recvWindowMs, nowMs) === 'replay') {
    throw new IdentityError('REPLAY', 'request already seen');
  }

  if (!record.permissions.includes(input.requiredPermission)) {
    throw new IdentityError('PERMISSION_DENIED', `API key lacks '${input.requiredPermission}' permission`);
  }
  return { keyId: record.keyId, accountId: record.accountId, permissions: [...record.permissions], params, timestampMs, recvWindowMs };
}
