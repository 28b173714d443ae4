import type { Accounts, AccountSecurity, AuditSink } from '../accounts/index.ts';
import type { Engine } from '../engine/engine.ts';
import { type LockoutPolicy, type MemoryReplayCache, RateLimiter, RATE_LIMITS, type ServerKeyLookup, type TokenBucketPolicy } from '../identity/index.ts';
import type { Feed } from './feed.ts';
import type { MarketDirectory } from './markets.ts';

/** The API's configuration: one typed object, validated by buildApp. */
export interface ApiConfig {
  /** Opens sealed API secrets (AES-256-GCM server keys by kid). */
  readonly serverKeys: ServerKeyLookup;
  /** ≥ 32 bytes: signs CSRF tokens bound to sessions. */
  readonly csrfKey: Uint8Array;
  /** Largest request body accepted (bytes). */
  readonly bodyLimitBytes?: number;
  readonly rateLimits?: { readonly perIp?: TokenBucketPolicy; readonly perAccount?: TokenBucketPolicy; readonly loginPerIp?: TokenBucketPolicy };
  /** Per-email login lockout with backoff (identity's LOCKOUT_POLICY_DEFAULT unless set). */
  readonly loginLockout?: LockoutPolicy;
  /** Honour X-Forwarded-For (only behind a proxy you control). */
  readonly trustProxy?: boolean;
  /** Mark cookies Secure (always in production; tests over plain HTTP may turn it off). */
  readonly secureCookies?: boolean;
  readonly ws?: { readonly sendQueueBytesMax?: number; readonly connectionsMax?: number; readonly subscriptionsMax?: number; readonly messageBytesMax?: number; readonly messagesPerMinute?: number; readonly heartbeatMs?: number };
  /** Dev mail outbox: verification and reset mails are written there as .eml files (default `<dataDir>/outbox` by the caller; none when unset). */
  readonly outboxDir?: string;
  /** Base URL of links in mails (default http://localhost:8080). */
  readonly publicUrl?: string;
  /** Serve /docs (Swagger UI). */
  readonly docs?: boolean;
}

export const BODY_LIMIT_BYTES_DEFAULT = 16 * 1024;

export interface ApiContext {
  readonly engine: Engine;
  readonly accounts: Accounts;
  /** Sign-up, 2FA, KYC, staff and four-eyes flows over `accounts`. */
  readonly security: AccountSecurity;
  /** Audit trail for security-relevant and staff actions (optional in tests). */
  readonly audit?: AuditSink;
  readonly config: ApiConfig;
  readonly clock: () => number;
  readonly markets: MarketDirectory;
  readonly feed: Feed;
  readonly replay: MemoryReplayCache;
  readonly ipLimiter: RateLimiter;
  readonly accountLimiter: RateLimiter;
  readonly loginLimiter: RateLimiter;
}

export function makeLimiters(config: ApiConfig): Pick<ApiContext, 'ipLimiter' | 'accountLimiter' | 'loginLimiter'> {
  return {
    ipLimiter: new RateLimiter(config.rateLimits?.perIp ?? RATE_LIMITS.apiPerIp),
    accountLimiter: new RateLimiter(config.rateLimits?.perAccount ?? RATE_LIMITS.apiPerAccount),
    loginLimiter: new RateLimiter(config.rateLimits?.loginPerIp ?? RATE_LIMITS.loginPerIp),
  };
}
