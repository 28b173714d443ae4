/**
 * Reconnect delays: exponential with full jitter (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"), so a thousand browsers dropped by one restart do not all come
 * back in the same millisecond. `random` is injected for tests.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
}
export const BACKOFF_DEFAULT: BackoffPolicy = { baseMs: 500, capMs: 30_000 };

export function backoffDelayMs(attempt: number, policy: BackoffPolicy = BACKOFF_DEFAULT, random: () => number = Math.random): number {
  const n = Math.max(0, Math.min(30, Math.floor(attempt)));
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** n);
  return Math.floor(policy.baseMs / 2 + random() * (ceiling - policy.baseMs / 2));
}
