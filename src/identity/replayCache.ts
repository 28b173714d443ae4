import { assert } from '../shared/assert.ts';
import { IdentityError } from './errors.ts';

/**
 * Remembers request signatures until their timestamp window has passed, so a
 * captured signed request cannot be replayed inside its recvWindow.
 * The interface lets a multi-node deployment put this in a shared store
 * (e.g. PostgreSQL unique key or Redis SET NX PX); MemoryReplayCache is per process.
 */
export interface ReplayGuard {
  /** 'fresh' and remembered until expiresAtMs; 'replay' if already seen; throws REPLAY_CACHE_FULL when it cannot remember. */
  checkAndRemember(id: string, expiresAtMs: number, nowMs: number): 'fresh' | 'replay';
}

export const REPLAY_CACHE_ENTRIES_DEFAULT = 100_000;

/**
 * Bounded in memory. When full it first drops expired entries; if still full it
 * fails closed (REPLAY_CACHE_FULL) rather than forgetting a live signature, which
 * would reopen the replay window. Entries only go in after a valid signature, so
 * only key holders can fill it, and the rate limiter bounds them: at the 60 s
 * maximum window, 100 000 entries hold ≈ 1 600 signed requests/s sustained.
 */
export class MemoryReplayCache implements ReplayGuard {
  readonly #entriesMax: number;
  readonly #expiry = new Map<string, number>();

  constructor(entriesMax: number = REPLAY_CACHE_ENTRIES_DEFAULT) {
    assert(Number.isSafeInteger(entriesMax) && entriesMax >= 1 && entriesMax <= 10_000_000, 'replay cache size');
    this.#entriesMax = entriesMax;
  }

  get size(): number {
    return this.#expiry.size;
  }

  checkAndRemember(id: string, expiresAtMs: number, nowMs: number): 'fresh' | 'replay' {
    const seen = this.#expiry.get(id);
    if (seen !== undefined && seen >= nowMs) return 'replay';
    if (seen !== undefined) this.#expiry.delete(id);
    if (this.#expiry.size >= this.#entriesMax) this.sweep(nowMs);
    if (this.#expiry.size >= this.#entriesMax) {
      throw new IdentityError('REPLAY_CACHE_FULL', 'too many signed requests in flight; try again shortly');
    }
    this.#expiry.set(id, expiresAtMs);
    assert(this.#expiry.size <= this.#entriesMax, 'replay cache bound');
    return 'fresh';
  }

  /** Drops every entry whose window has passed. O(n); runs only when the cache is full. */
  sweep(nowMs: number): void {
    for (const [id, exp] of this.#expiry) if (exp < nowMs) this.#expiry.delete(id);
  }
}
