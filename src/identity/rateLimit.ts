import { assert } from '../shared/assert.ts';
import { IdentityError } from './errors.ts';

/**
 * Token buckets per key (IP, account, API key) and login lockout with exponential
 * backoff. Integer arithmetic only; bounded memory (LRU cap); time passed in.
 */

export interface TokenBucketPolicy {
  /** Burst size, in tokens. */
  capacity: number;
  /** Sustained rate, in tokens per minute. */
  refillPerMinute: number;
}

/** Stated maxima. Binance's REQUEST_WEIGHT is 6000/min per IP; we are a smaller venue and stricter. */
export const RATE_LIMITS = Object.freeze({
  loginPerIp: { capacity: 20, refillPerMinute: 10 },
  loginPerAccount: { capacity: 10, refillPerMinute: 5 },
  signupPerIp: { capacity: 5, refillPerMinute: 1 },
  apiPerIp: { capacity: 600, refillPerMinute: 1200 },
  apiPerAccount: { capacity: 300, refillPerMinute: 600 },
  withdrawalPerAccount: { capacity: 5, refillPerMinute: 1 },
} satisfies Record<string, TokenBucketPolicy>);

export const RATE_LIMIT_KEYS_MAX_DEFAULT = 100_000;
/** How many least-recently-used entries eviction inspects looking for one that holds no information. */
const EVICTION_SCAN_MAX = 16;

const MS_PER_MINUTE = 60_000;

interface Bucket {
  /** Level in units of 1/60000 token: each elapsed ms adds refillPerMinute units. Exact integers. */
  units: number;
  updatedAtMs: number;
}

/**
 * A map with a hard size cap and least-recently-used eviction. Eviction first looks
 * among the oldest EVICTION_SCAN_MAX entries for one `isIdle` says carries no state
 * (a full bucket, an expired lock), so an attacker flooding new keys cannot cheaply
 * wipe the state of keys that are being throttled. Only if none is found is the
 * oldest evicted (that is the price of bounded memory; see docs/identity.md).
 */
export class BoundedLru<V> {
  readonly #map = new Map<string, V>();
  constructor(
    readonly keysMax: number,
    private readonly isIdle: (value: V, nowMs: number) => boolean,
  ) {
    if (!Number.isSafeInteger(keysMax) || keysMax < 1 || keysMax > 10_000_000) throw new IdentityError('RATE_LIMIT_PARAMS_INVALID', 'keysMax out of range');
  }
  get size(): number {
    return this.#map.size;
  }
  get(key: string): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }
  set(key: string, value: V, nowMs: number): void {
    this.#map.delete(key);
    if (this.#map.size >= this.keysMax) {
      let victim: string | undefined;
      let scanned = 0;
      for (const [k, v] of this.#map) {
        victim ??= k;
        if (this.isIdle(v, nowMs)) {
          victim = k;
          break;
        }
        if (++scanned >= EVICTION_SCAN_MAX) break;
      }
      if (victim !== undefined) this.#map.delete(victim);
    }
    this.#map.set(key, value);
    assert(this.#map.size <= this.keysMax, 'LRU bound');
  }
  delete(key: string): void {
    this.#map.delete(key);
  }
}

export type RateDecision = { allowed: true; remainingTokens: number } | { allowed: false; retryAfterMs: number };

function checkPolicy(p: TokenBucketPolicy): void {
  const ok = (v: number) => Number.isSafeInteger(v) && v >= 1 && v <= 1_000_000;
  if (!ok(p.capacity) || !ok(p.refillPerMinute)) throw new IdentityError('RATE_LIMIT_PARAMS_INVALID', 'capacity and refillPerMinute must be integers 1..1e6');
}

/** Pure token-bucket step: returns the new bucket and the decision. */
export function takeToken(policy: TokenBucketPolicy, bucket: Bucket | undefined, nowMs: number, cost = 1): { bucket: Bucket; decision: RateDecision } {
  checkPolicy(policy);
  if (!Number.isSafeInteger(cost) || cost < 1 || cost > policy.capacity) throw new IdentityError('RATE_LIMIT_PARAMS_INVALID', 'cost must be 1..capacity');
  const capUnits = policy.capacity * MS_PER_MINUTE;
  const prev = bucket ?? { units: capUnits, updatedAtMs: nowMs };
  // A clock stepping backwards must not mint tokens (elapsed clamps at 0).
  const elapsedMs = Math.max(0, nowMs - prev.updatedAtMs);
  const units = Math.min(capUnits, prev.units + elapsedMs * policy.refillPerMinute);
  const updatedAtMs = Math.max(prev.updatedAtMs, nowMs);
  const costUnits = cost * MS_PER_MINUTE;
  if (units >= costUnits) {
    const left = units - costUnits;
    return { bucket: { units: left, updatedAtMs }, decision: { allowed: true, remainingTokens: Math.floor(left / MS_PER_MINUTE) } };
  }
  const retryAfterMs = Math.ceil((costUnits - units) / policy.refillPerMinute);
  assert(retryAfterMs > 0, 'retry after must be positive');
  return { bucket: { units, updatedAtMs }, decision: { allowed: false, retryAfterMs } };
}

/** Token buckets keyed by string (e.g. `ip:192.0.2.1`, `acct:123`), bounded to keysMax keys. */
export class RateLimiter {
  readonly #buckets: BoundedLru<Bucket>;
  constructor(
    readonly policy: TokenBucketPolicy,
    keysMax: number = RATE_LIMIT_KEYS_MAX_DEFAULT,
  ) {
    checkPolicy(policy);
    const capUnits = policy.capacity * MS_PER_MINUTE;
    // A bucket that would be full by now carries no information: evicting it changes nothing.
    this.#buckets = new BoundedLru(keysMax, (b, nowMs) => b.units + Math.max(0, nowMs - b.updatedAtMs) * policy.refillPerMinute >= capUnits);
  }
  get size(): number {
    return this.#buckets.size;
  }
  take(key: string, nowMs: number, cost = 1): RateDecision {
    assert(typeof key === 'string' && key.length <= 512, 'rate-limit key must be a short string');
    const { bucket, decision } = takeToken(this.policy, this.#buckets.get(key), nowMs, cost);
    this.#buckets.set(key, bucket, nowMs);
    return decision;
  }
}

// ---------------------------------------------------------------------------
// Login lockout
// ---------------------------------------------------------------------------

export interface LockoutPolicy {
  /** Failures allowed before the first lock. */
  freeFailures: number;
  firstLockMs: number;
  lockMsMax: number;
  /** Failures are forgotten after this long without a new one. */
  failureMemoryMs: number;
}

/**
 * 5th consecutive failure locks 30 s, then 1, 2, 4 … min, capped at 1 h; 24 h without a
 * failure clears the count. Lock durations double (exponential backoff) so online
 * guessing is capped at ≈ 24 + 4 guesses/day/account after a handful of
 * hours, while a user who fat-fingers a few times is not shut out for long.
 */
export const LOCKOUT_POLICY_DEFAULT: Readonly<LockoutPolicy> = Object.freeze({
  freeFailures: 4,
  firstLockMs: 30_000,
  lockMsMax: 60 * 60_000,
  failureMemoryMs: 24 * 60 * 60_000,
});

export interface LoginThrottleState {
  failures: number;
  lastFailureAtMs: number;
  lockedUntilMs: number;
}

export function lockDurationMs(failures: number, policy: LockoutPolicy = LOCKOUT_POLICY_DEFAULT): number {
  if (failures <= policy.freeFailures) return 0;
  const doublings = Math.min(failures - policy.freeFailures - 1, 30);
  return Math.min(policy.lockMsMax, policy.firstLockMs * 2 ** doublings);
}

function fresh(state: LoginThrottleState | undefined, nowMs: number, policy: LockoutPolicy): LoginThrottleState | undefined {
  if (state && nowMs - state.lastFailureAtMs >= policy.failureMemoryMs) return undefined;
  return state;
}

/** Before checking the password: is this login key (normalised email) locked? */
export function checkLoginAllowed(state: LoginThrottleState | undefined, nowMs: number, policy: LockoutPolicy = LOCKOUT_POLICY_DEFAULT): RateDecision {
  const s = fresh(state, nowMs, policy);
  if (s && nowMs < s.lockedUntilMs) return { allowed: false, retryAfterMs: s.lockedUntilMs - nowMs };
  return { allowed: true, remainingTokens: Math.max(0, policy.freeFailures - (s?.failures ?? 0)) };
}

export function recordLoginFailure(state: LoginThrottleState | undefined, nowMs: number, policy: LockoutPolicy = LOCKOUT_POLICY_DEFAULT): LoginThrottleState {
  const s = fresh(state, nowMs, policy);
  const failures = Math.min((s?.failures ?? 0) + 1, 1_000_000);
  const next = { failures, lastFailureAtMs: nowMs, lockedUntilMs: nowMs + lockDurationMs(failures, policy) };
  assert(next.lockedUntilMs >= nowMs, 'lock in the future');
  return next;
}

/** A successful login clears the state (store `undefined`). */
export function recordLoginSuccess(): undefined {
  return undefined;
}

/**
 * Key lockouts by the normalised email as typed, whether or not an account exists,
 * so locking behaviour cannot reveal which emails are registered.
 */
export function loginThrottleKey(email: unknown): string {
  if (typeof email !== 'string') return 'email:';
  return `email:${email.normalize('NFKC').trim().toLowerCase().slice(0, 254)}`;
}

/** One message for unknown email and wrong password (OWASP Authentication Cheat Sheet). */
export function loginFailedError(): IdentityError {
  return new IdentityError('LOGIN_FAILED', 'Invalid email or password');
}

export function rateLimitedError(retryAfterMs: number): IdentityError {
  return new IdentityError('RATE_LIMITED', 'Too many attempts; try again later', { retryAfterMs });
}

/** In-memory lockouts bounded to keysMax (a DB-backed store can use the pure functions above). */
export class LoginLockouts {
  readonly #states: BoundedLru<LoginThrottleState>;
  constructor(
    readonly policy: LockoutPolicy = LOCKOUT_POLICY_DEFAULT,
    keysMax: number = RATE_LIMIT_KEYS_MAX_DEFAULT,
  ) {
    this.#states = new BoundedLru(keysMax, (s, nowMs) => nowMs >= s.lockedUntilMs && nowMs - s.lastFailureAtMs >= policy.failureMemoryMs);
  }
  get size(): number {
    return this.#states.size;
  }
  check(email: unknown, nowMs: number): RateDecision {
    return checkLoginAllowed(this.#states.get(loginThrottleKey(email)), nowMs, this.policy);
  }
  failure(email: unknown, nowMs: number): void {
    const key = loginThrottleKey(email);
    this.#states.set(key, recordLoginFailure(this.#states.get(key), nowMs, this.policy), nowMs);
  }
  success(email: unknown): void {
    this.#states.delete(loginThrottleKey(email));
  }
}
