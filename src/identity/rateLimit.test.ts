import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isIdentityError } from './errors.ts';
import {
  BoundedLru,
  checkLoginAllowed,
  LOCKOUT_POLICY_DEFAULT,
  lockDurationMs,
  loginFailedError,
  LoginLockouts,
  loginThrottleKey,
  RateLimiter,
  recordLoginFailure,
  takeToken,
  type LoginThrottleState,
} from './rateLimit.ts';

test('token bucket: burst, refill, retryAfter', () => {
  const rl = new RateLimiter({ capacity: 3, refillPerMinute: 60 }); // 1 token/s
  assert.deepEqual(rl.take('ip:1', 0), { allowed: true, remainingTokens: 2 });
  rl.take('ip:1', 0);
  rl.take('ip:1', 0);
  assert.deepEqual(rl.take('ip:1', 0), { allowed: false, retryAfterMs: 1000 });
  assert.deepEqual(rl.take('ip:1', 400), { allowed: false, retryAfterMs: 600 });
  assert.equal(rl.take('ip:1', 1000).allowed, true);
  assert.equal(rl.take('ip:2', 0).allowed, true, 'keys are independent');
  // Long idle refills only up to capacity.
  assert.deepEqual(rl.take('ip:1', 10_000_000), { allowed: true, remainingTokens: 2 });
});

test('token bucket: clock going backwards mints nothing; bad params are typed errors', () => {
  const p = { capacity: 2, refillPerMinute: 60 };
  let b = takeToken(p, undefined, 10_000).bucket;
  b = takeToken(p, b, 10_000).bucket;
  assert.equal(takeToken(p, b, 0).decision.allowed, false);
  assert.equal(takeToken(p, b, 9_000).decision.allowed, false);
  for (const bad of [{ capacity: 0, refillPerMinute: 1 }, { capacity: 1.5, refillPerMinute: 1 }, { capacity: 1, refillPerMinute: Number.NaN }]) {
    assert.throws(() => new RateLimiter(bad), (e) => isIdentityError(e, 'RATE_LIMIT_PARAMS_INVALID'));
  }
  assert.throws(() => takeToken(p, undefined, 0, 3), (e) => isIdentityError(e, 'RATE_LIMIT_PARAMS_INVALID'));
});

test('property: never more than capacity + rate·t requests allowed in any run', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 600 }),
      fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 200 }),
      (capacity, refillPerMinute, gaps) => {
        const rl = new RateLimiter({ capacity, refillPerMinute });
        let now = 0;
        let allowed = 0;
        for (const g of gaps) {
          now += g;
          if (rl.take('k', now).allowed) allowed++;
        }
        assert.ok(allowed <= capacity + Math.floor((now * refillPerMinute) / 60_000));
      },
    ),
    { numRuns: 200 },
  );
});

test('bounded memory: LRU cap holds under a flood of keys; throttled keys survive', () => {
  const rl = new RateLimiter({ capacity: 1, refillPerMinute: 1 }, 100);
  assert.equal(rl.take('victim-attacker', 0).allowed, true);
  assert.equal(rl.take('victim-attacker', 0).allowed, false);
  for (let i = 0; i < 10_000; i++) rl.take(`flood:${i}`, 0);
  assert.ok(rl.size <= 100);
  // The flood keys themselves are all exhausted, so eviction had no idle choice; with
  // idle ones available they go first:
  const lru = new BoundedLru<number>(3, (v) => v === 0);
  lru.set('busy', 1, 0);
  lru.set('idle', 0, 0);
  lru.set('busy2', 1, 0);
  lru.set('new', 1, 0);
  assert.equal(lru.get('idle'), undefined);
  assert.equal(lru.get('busy'), 1);
  assert.throws(() => new BoundedLru<number>(0, () => true), (e) => isIdentityError(e, 'RATE_LIMIT_PARAMS_INVALID'));
});

test('eviction takes idle buckets before a throttled one', () => {
  const rl = new RateLimiter({ capacity: 1, refillPerMinute: 1 }, 50);
  for (let i = 0; i < 49; i++) rl.take(`old${i}`, 0); // full again by t = 60 s: idle
  rl.take('attacker', 120_000);
  assert.equal(rl.take('attacker', 120_000).allowed, false);
  for (let i = 0; i < 40; i++) rl.take(`new${i}`, 120_000); // 40 evictions, all of idle old keys
  assert.equal(rl.size, 50);
  assert.equal(rl.take('attacker', 120_001).allowed, false, 'still throttled');
});

test('lockout: exponential backoff schedule', () => {
  const d = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 20].map((f) => lockDurationMs(f));
  assert.deepEqual(d, [0, 0, 0, 0, 30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000]);
});

test('lockout: attempts during a lock are refused; success clears; memory expires', () => {
  let s: LoginThrottleState | undefined;
  let now = 0;
  for (let i = 0; i < 4; i++) {
    assert.equal(checkLoginAllowed(s, now).allowed, true);
    s = recordLoginFailure(s, now);
  }
  assert.equal(checkLoginAllowed(s, now).allowed, true);
  s = recordLoginFailure(s, now); // 5th
  assert.deepEqual(checkLoginAllowed(s, now + 1), { allowed: false, retryAfterMs: 29_999 });
  now += 30_000;
  assert.equal(checkLoginAllowed(s, now).allowed, true);
  s = recordLoginFailure(s, now); // 6th → 60 s
  assert.deepEqual(checkLoginAllowed(s, now), { allowed: false, retryAfterMs: 60_000 });
  // 24 h without failure: forgotten.
  assert.deepEqual(checkLoginAllowed(s, now + LOCKOUT_POLICY_DEFAULT.failureMemoryMs), { allowed: true, remainingTokens: 4 });
  assert.equal(recordLoginFailure(s, now + LOCKOUT_POLICY_DEFAULT.failureMemoryMs).failures, 1);
});

test('no account enumeration: same error, same lockout for unknown and known emails', () => {
  const e = loginFailedError();
  assert.equal(e.code, 'LOGIN_FAILED');
  assert.equal(e.message, 'Invalid email or password');
  const l = new LoginLockouts(LOCKOUT_POLICY_DEFAULT, 1000);
  for (let i = 0; i < 5; i++) {
    l.failure('known@example.ae', 0);
    l.failure('nobody-here@example.ae', 0);
  }
  assert.deepEqual(l.check('known@example.ae', 1), l.check('nobody-here@example.ae', 1));
  assert.equal(l.check(' KNOWN@example.ae ', 1).allowed, false, 'normalised key');
  assert.equal(loginThrottleKey('Ｋnown@example.ae'), loginThrottleKey('known@example.ae'));
  l.success('known@example.ae');
  assert.equal(l.check('known@example.ae', 2).allowed, true);
  for (let i = 0; i < 5000; i++) l.failure(`spray${i}@x.ae`, 3);
  assert.ok(l.size <= 1000);
  assert.equal(loginThrottleKey(undefined), 'email:');
  assert.equal(loginThrottleKey('x'.repeat(10_000)).length, 'email:'.length + 254);
});
