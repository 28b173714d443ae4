import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { type ApiPermission, rateLimitedError, verifyCsrfToken, verifySignedRequest } from '../identity/index.ts';
import type { ApiContext } from './context.ts';
import { ApiError } from './errors.ts';

/**
 * Authentication for both API families. Signatures are checked over the bytes as
 * received (raw query string and raw body), never over a re-serialisation, so what
 * was signed is exactly what is executed.
 */
export const SESSION_COOKIE = '__Host-rampart_session';
export const CSRF_COOKIE = '__Host-rampart_csrf';
const COOKIE_HEADER_LENGTH_MAX = 4096;

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received, for signature checks ('' when none). */
    rawBody?: string;
  }
}

export interface Principal {
  readonly userId: number;
  readonly via: 'apiKey' | 'session';
  readonly permissions: readonly ApiPermission[];
  /** Signed parameters (the Binance style), empty for sessions. */
  readonly params: Map<string, string>;
}

/** The raw query string (without '?') as the client sent it. */
export function rawQuery(req: FastifyRequest): string {
  const url = req.raw.url ?? '';
  const i = url.indexOf('?');
  return i < 0 ? '' : url.slice(i + 1);
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

function limitAccount(ctx: ApiContext, userId: number): void {
  const d = ctx.accountLimiter.take(`acct:${userId}`, ctx.clock());
  if (!d.allowed) throw rateLimitedError(d.retryAfterMs);
}

function userIdOf(accountId: string): number {
  const id = Number(accountId);
  if (!Number.isSafeInteger(id) || id <= 0) throw new ApiError('UNAUTHENTICATED', 'unauthenticated');
  return id;
}

/** /api/v3: Binance SIGNED rules (X-MBX-APIKEY; HMAC-SHA256 over query string + form body). */
export function authenticateBinance(ctx: ApiContext, req: FastifyRequest, permission: ApiPermission): Principal {
  const apiKey = header(req, 'x-mbx-apikey');
  if (apiKey === undefined) throw new ApiError('UNAUTHENTICATED', 'API key required');
  const v = verifySignedRequest({
    request: { apiKey, queryString: rawQuery(req), body: req.rawBody ?? '', clientIp: req.ip },
    lookupKey: (id) => ctx.accounts.lookupApiKey(id),
    serverKeys: ctx.config.serverKeys,
    requiredPermission: permission,
    nowMs: ctx.clock(),
    replay: ctx.replay,
  });
  const userId = userIdOf(v.accountId);
  limitAccount(ctx, userId);
  return { userId, via: 'apiKey', permissions: v.permissions, params: v.params };
}

/**
 * The string a native (/api/v1) client signs, in Binance's parameter syntax so the same
 * verifier (timestamp window, replay cache, IP allowlist, permissions) applies:
 * `timestamp=<ms>[&recvWindow=<ms>]&method=<METHOD>&path=<encoded path?query>&bodySha256=<hex>`.
 */
export function nativeSigningString(input: { timestampMs: string; recvWindowMs?: string; method: string; pathWithQuery: string; body: string }): string {
  const bodySha256 = createHash('sha256').update(input.body, 'utf8').digest('hex');
  const rw = input.recvWindowMs === undefined ? '' : `&recvWindow=${input.recvWindowMs}`;
  return `timestamp=${input.timestampMs}${rw}&method=${input.method}&path=${encodeURIComponent(input.pathWithQuery)}&bodySha256=${bodySha256}`;
}

function parseCookies(req: FastifyRequest): Map<string, string> {
  const out = new Map<string, string>();
  const h = header(req, 'cookie');
  if (h === undefined || h.length > COOKIE_HEADER_LENGTH_MAX) return out;
  for (const part of h.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const k = part.slice(0, eq).trim();
    if (!out.has(k)) out.set(k, part.slice(eq + 1).trim());
  }
  return out;
}

/** /api/v1: an API key signature in headers, or a session cookie (plus a CSRF token on state-changing requests). */
export function authenticateNative(ctx: ApiContext, req: FastifyRequest, permission: ApiPermission): Principal {
  const apiKey = header(req, 'x-api-key');
  if (apiKey !== undefined) {
    const ts = header(req, 'x-api-timestamp');
    const sig = header(req, 'x-api-signature');
    const rw = header(req, 'x-api-recv-window');
    if (ts === undefined || sig === undefined) throw new ApiError('UNAUTHENTICATED', 'X-API-Timestamp and X-API-Signature are required with X-API-Key');
    // Header values become parameters of the signed string: refuse anything that could inject one.
    if (!/^[0-9]{1,16}$/.test(ts) || (rw !== undefined && !/^[0-9]{1,6}$/.test(rw)) || !/^[0-9a-fA-F]{64}$/.test(sig)) {
      throw new ApiError('UNAUTHENTICATED', 'malformed signature headers');
    }
    const signed = nativeSigningString({ timestampMs: ts, ...(rw === undefined ? {} : { recvWindowMs: rw }), method: req.method, pathWithQuery: req.raw.url ?? '', body: req.rawBody ?? '' });
    const v = verifySignedRequest({
      request: { apiKey, queryString: `${signed}&signature=${sig}`, body: '', clientIp: req.ip },
      lookupKey: (id) => ctx.accounts.lookupApiKey(id),
      serverKeys: ctx.config.serverKeys,
      requiredPermission: permission,
      nowMs: ctx.clock(),
      replay: ctx.replay,
    });
    const userId = userIdOf(v.accountId);
    limitAccount(ctx, userId);
    return { userId, via: 'apiKey', permissions: v.permissions, params: new Map() };
  }
  const cookies = parseCookies(req);
  const token = cookies.get(SESSION_COOKIE);
  if (token === undefined) throw new ApiError('UNAUTHENTICATED', 'authentication required');
  const { userId, session } = ctx.accounts.authenticateSession(token);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    // OWASP signed double-submit: the header must carry the token bound to this session.
    verifyCsrfToken(ctx.config.csrfKey, session.tokenHash, header(req, 'x-csrf-token'), cookies.get(CSRF_COOKIE));
  }
  // Sessions trade and read; withdrawals will need step-up (2FA) and are not offered here.
  if (permission === 'withdraw') throw new ApiError('FORBIDDEN', 'withdrawals need a step-up authentication');
  limitAccount(ctx, userId);
  return { userId, via: 'session', permissions: ['read', 'trade'], params: new Map() };
}
