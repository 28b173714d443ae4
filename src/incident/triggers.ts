import type { ExchangeCore } from '../core/exchange.ts';
import { USER_BUCKETS } from '../core/ledger/accounts.ts';
import { type AuditEntry, verifyAuditChain } from '../identity/index.ts';
import type { JournalBackend } from '../journal/backend.ts';
import { readChain } from '../journal/journal.ts';
import { type ReserveRatioReport, reserveRatio } from '../reserves/index.ts';
import { IncidentError } from './errors.ts';
import type { IncidentTrigger } from './types.ts';

/**
 * Detectors for the triggers other than unmatched outflows. Each returns the trigger
 * with its evidence (or nothing); the caller hands it to the AlertSink.
 */

/** Custody accounts whose balance is real money held (incident_loss is a receivable, not money). */
const HELD = ['bank_omnibus', 'hot_wallet', 'cold_wallet', 'deposit_wallets'] as const;

/**
 * Reserves and liabilities per asset from the ledger. `withClaims: false` leaves out
 * recovery claims (what customers can use now); true counts everything owed.
 * `chainReservesMinor` (from custody's wallet reconciliation) replaces the ledger's
 * view of crypto holdings when given: the chain is the truth about coins.
 */
export function ledgerReserveRatio(core: ExchangeCore, options: { withClaims?: boolean; chainReservesMinor?: Readonly<Record<string, bigint>> } = {}): ReserveRatioReport {
  const ledger = core.ledger;
  const reserves: Record<string, bigint> = {};
  const liabilities: Record<string, bigint> = {};
  ledger.assets.forEach((asset, a) => {
    let held = 0n;
    for (const s of HELD) held -= ledger.balances[ledger.systemAccount(a, s)]!;
    reserves[asset] = options.chainReservesMinor?.[asset] ?? held;
    let owed = ledger.balances[ledger.systemAccount(a, 'suspense')]!;
    for (const userId of ledger.userIds()) {
      for (const b of USER_BUCKETS) {
        if (b === 'recovery_claim' && options.withClaims !== true) continue;
        owed += ledger.balances[ledger.userAccount(userId, a, b)]!;
      }
    }
    liabilities[asset] = owed;
  });
  return reserveRatio(reserves, liabilities);
}

export function reserveRatioTriggers(report: ReserveRatioReport): IncidentTrigger[] {
  return Object.values(report.byAsset)
    .filter((c) => !c.covered)
    .map((c) => ({ source: 'reserve_ratio' as const, asset: c.asset, reservesMinor: c.reservesMinor, liabilitiesMinor: c.liabilitiesMinor }));
}

/** Custody's wallet reconciliation: the ledger says one thing, the chain another. */
export function reconciliationTrigger(asset: string, ledgerMinor: bigint, chainMinor: bigint, detail?: string): IncidentTrigger | null {
  if (ledgerMinor === chainMinor) return null;
  return { source: 'wallet_reconciliation', asset, ledgerMinor, chainMinor, differenceMinor: chainMinor - ledgerMinor, ...(detail === undefined ? {} : { detail }) };
}

export const BURST_EVENTS_MAX = 10_000;

/**
 * Signer policy refusals in a burst (someone is trying to make the signer sign what it
 * should not: a stolen API session, a compromised withdrawal processor). Fires once per burst.
 */
export class RefusalBurst {
  readonly #times: number[] = [];
  readonly #reasons: string[] = [];
  readonly #threshold: number;
  readonly #windowMs: number;
  #firedAtMs = -Infinity;

  constructor(threshold = 5, windowMs = 60_000) {
    if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > BURST_EVENTS_MAX) throw new IncidentError('OUTFLOW_INVALID', 'threshold out of range');
    this.#threshold = threshold;
    this.#windowMs = windowMs;
  }

  record(atMs: number, reason: string): IncidentTrigger | null {
    this.#times.push(atMs);
    this.#reasons.push(reason.slice(0, 120));
    while (this.#times.length > 0 && (this.#times[0]! <= atMs - this.#windowMs || this.#times.length > BURST_EVENTS_MAX)) {
      this.#times.shift();
      this.#reasons.shift();
    }
    if (this.#times.length < this.#threshold || atMs - this.#firedAtMs < this.#windowMs) return null;
    this.#firedAtMs = atMs;
    return { source: 'signer_refusals', count: this.#times.length, windowMs: this.#windowMs, reasons: [...new Set(this.#reasons)].sort() };
  }
}

/**
 * Re-reads the whole journal checking every checksum and link; a break is a trigger.
 * `expectedLastSeq` (the running engine's head) catches a record damaged so that a
 * reader stops early (a cut looks like a shorter, valid journal).
 */
export async function journalChainTrigger(backend: JournalBackend, expectedLastSeq?: number): Promise<IncidentTrigger | null> {
  let last = 0;
  try {
    await readChain(backend, 1, new Uint8Array(32), (seq) => {
      last = seq;
    });
    if (expectedLastSeq !== undefined && last !== expectedLastSeq) return { source: 'hash_chain_break', log: 'journal', brokenAtSeq: last + 1, reason: 'HEAD' };
    return null;
  } catch (e) {
    return { source: 'hash_chain_break', log: 'journal', brokenAtSeq: last + 1, reason: (e as { code?: string }).code ?? 'JOURNAL_CORRUPT' };
  }
}

export function auditChainTrigger(entries: readonly AuditEntry[], expectedHead?: { seq: number; hash: string }): IncidentTrigger | null {
  const v = verifyAuditChain(entries, expectedHead === undefined ? {} : { expectedHead });
  return v.ok ? null : { source: 'hash_chain_break', log: 'audit', brokenAtSeq: v.brokenAtSeq, reason: v.reason };
}

/** Staff login anomalies (configurable): an unknown IP, outside working hours, or too many failures. */
export interface StaffLoginPolicy {
  readonly hoursUtc: readonly [number, number];
  readonly failuresMax: number;
}
export function staffLoginTrigger(
  login: { staffId: string; ip: string; atMs: number; knownIps: ReadonlySet<string>; recentFailures: number },
  policy: StaffLoginPolicy = { hoursUtc: [4, 20], failuresMax: 5 },
): IncidentTrigger | null {
  const hour = new Date(login.atMs).getUTCHours();
  const problems: string[] = [];
  if (!login.knownIps.has(login.ip)) problems.push(`unknown ip ${login.ip}`);
  if (hour < policy.hoursUtc[0] || hour >= policy.hoursUtc[1]) problems.push(`outside hours (${hour}h UTC)`);
  if (login.recentFailures >= policy.failuresMax) problems.push(`${login.recentFailures} failed attempts`);
  return problems.length === 0 ? null : { source: 'staff_login_anomaly', staffId: login.staffId, kind: problems.length > 1 ? 'multiple' : 'single', detail: problems.join('; ') };
}
