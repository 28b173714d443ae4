import type { BlocklistEntry } from './blocklist.ts';
import { normaliseAddress } from './blocklist.ts';
import { ScreeningError } from './errors.ts';
import type { Exposure, ExposureModel, ListLookup } from './trace.ts';
import { EXPOSURE_MODELS } from './trace.ts';
import type { AddressValidator, Chain } from './types.ts';

/**
 * Screening verdicts. The ledger credits a deposit to `frozen` instead of `available`
 * when the verdict says so; a withdrawal is signed only on `allow`.
 *
 * Default thresholds: haircut exposure ≥ 10 bps (0.1 %), or any direct contact (the
 * deposit transaction itself listed, or a listed direct sender). Poison is available but
 * off by default: at 3 hops almost every coin touches something (Möser et al. 2014 show
 * poison taint spreads to most of the UTXO set), so it is a tool for investigations, not
 * a default gate. FIFO can be enabled per deployment.
 */

export interface ScreeningPolicy {
  /** Act when exposure under a model reaches this many basis points (inclusive). A model absent here is ignored. */
  readonly bpsMin: Readonly<Partial<Record<ExposureModel, number>>>;
  readonly freezeOnDirectContact: boolean;
  /** Freeze (without a case: re-screen later) when the trace was cut by a bound or a missing transaction. */
  readonly freezeOnIncompleteTrace: boolean;
  /** Freeze (without a case) when no trace could be made at all (source down). Security first: true. */
  readonly freezeWhenUntraced: boolean;
  /** Withdrawal: hold when the destination's own exposure reaches these bps. */
  readonly withdrawalHoldBpsMin: Readonly<Partial<Record<ExposureModel, number>>>;
}

export const DEFAULT_SCREENING_POLICY: ScreeningPolicy = Object.freeze({
  bpsMin: Object.freeze({ haircut: 10 }),
  freezeOnDirectContact: true,
  freezeOnIncompleteTrace: false,
  freezeWhenUntraced: true,
  withdrawalHoldBpsMin: Object.freeze({ haircut: 10 }),
});

export type ReasonCode =
  | 'DIRECT_CONTACT'
  | 'EXPOSURE_THRESHOLD'
  | 'TRACE_INCOMPLETE'
  | 'TRACE_UNAVAILABLE'
  | 'DESTINATION_LISTED'
  | 'DESTINATION_INVALID'
  | 'DESTINATION_EXPOSURE'
  | 'TRAVEL_RULE_HOLD'
  | 'CLEAN';

export interface Reason {
  readonly code: ReasonCode;
  readonly message: string;
  readonly model?: ExposureModel;
  readonly bps?: number;
  readonly thresholdBps?: number;
}

/** The parts of a TraceResult the policy reads (so a stored trace can be re-judged). */
export interface ExposureSummary {
  readonly exposures: Readonly<Record<ExposureModel, Exposure>>;
  readonly directContact: boolean;
  readonly complete: boolean;
}

export interface DepositVerdict {
  readonly action: 'credit_available' | 'credit_frozen';
  /** A compliance case must be opened (listed exposure). Frozen without a case means: re-screen later. */
  readonly caseNeeded: boolean;
  readonly reasons: readonly Reason[];
}

export function validatePolicy(p: ScreeningPolicy): ScreeningPolicy {
  for (const table of [p.bpsMin, p.withdrawalHoldBpsMin]) {
    for (const [model, bps] of Object.entries(table)) {
      if (!(EXPOSURE_MODELS as readonly string[]).includes(model)) throw new ScreeningError('POLICY_INVALID', 'unknown exposure model', { model });
      if (!Number.isSafeInteger(bps) || (bps as number) < 0 || (bps as number) > 10_000) throw new ScreeningError('POLICY_INVALID', 'bps threshold must be an integer in [0, 10000]', { model, bps });
    }
  }
  return p;
}

function thresholdReasons(ex: ExposureSummary, table: Readonly<Partial<Record<ExposureModel, number>>>, code: ReasonCode): Reason[] {
  const out: Reason[] = [];
  for (const model of EXPOSURE_MODELS) {
    const min = table[model];
    if (min === undefined) continue;
    const e = ex.exposures[model];
    // A 0-bps threshold means "any exposure at all", not "everything".
    const hitsThreshold = e.exposureUnits > 0n && e.bps >= min;
    if (hitsThreshold) out.push({ code, model, bps: e.bps, thresholdBps: min, message: `${model} exposure ${e.bps} bps ≥ ${min} bps (${e.exposureUnits} of ${e.totalUnits})` });
  }
  return out;
}

/** Verdict for an incoming deposit. `trace` null means no trace could be made. */
export function screenDeposit(trace: ExposureSummary | null, policy: ScreeningPolicy = DEFAULT_SCREENING_POLICY, extra: { travelRuleAction?: 'proceed' | 'hold' } = {}): DepositVerdict {
  validatePolicy(policy);
  const v = screenDepositExposure(trace, policy);
  if (extra.travelRuleAction !== 'hold') return v;
  // Travel Rule data missing at or above the threshold: frozen until it arrives (no case by itself).
  const reason: Reason = { code: 'TRAVEL_RULE_HOLD', message: 'Travel Rule information incomplete; frozen until received' };
  const reasons = v.action === 'credit_available' ? [reason] : [...v.reasons, reason];
  return { action: 'credit_frozen', caseNeeded: v.caseNeeded, reasons };
}

function screenDepositExposure(trace: ExposureSummary | null, policy: ScreeningPolicy): DepositVerdict {
  if (trace === null) {
    return policy.freezeWhenUntraced
      ? { action: 'credit_frozen', caseNeeded: false, reasons: [{ code: 'TRACE_UNAVAILABLE', message: 'no trace available; frozen until re-screened' }] }
      : { action: 'credit_available', caseNeeded: false, reasons: [{ code: 'TRACE_UNAVAILABLE', message: 'no trace available; credited by policy' }] };
  }
  const reasons: Reason[] = [];
  if (policy.freezeOnDirectContact && trace.directContact) reasons.push({ code: 'DIRECT_CONTACT', message: 'deposit transaction or a direct sender is listed' });
  reasons.push(...thresholdReasons(trace, policy.bpsMin, 'EXPOSURE_THRESHOLD'));
  const caseNeeded = reasons.length > 0;
  if (!trace.complete && policy.freezeOnIncompleteTrace) reasons.push({ code: 'TRACE_INCOMPLETE', message: 'trace cut by a bound; frozen until re-screened' });
  if (reasons.length === 0) return { action: 'credit_available', caseNeeded: false, reasons: [{ code: 'CLEAN', message: 'no exposure at or above the thresholds' }] };
  return { action: 'credit_frozen', caseNeeded, reasons };
}

export interface WithdrawalVerdict {
  readonly action: 'allow' | 'hold' | 'reject';
  readonly reasons: readonly Reason[];
  readonly listedEntries: readonly BlocklistEntry[];
}

/**
 * Verdict for a withdrawal destination, before signing: reject a listed or malformed
 * destination (OFAC: making funds available to an SDN is prohibited); hold when the
 * destination's own exposure reaches the threshold or the Travel Rule check holds.
 */
export function screenWithdrawal(
  args: { chain: Chain; address: string; list: ListLookup; validator?: AddressValidator; destinationExposure?: ExposureSummary | null; travelRuleAction?: 'proceed' | 'hold' },
  policy: ScreeningPolicy = DEFAULT_SCREENING_POLICY,
): WithdrawalVerdict {
  validatePolicy(policy);
  let address: string;
  try {
    address = normaliseAddress(args.chain, args.address, args.validator);
  } catch {
    return { action: 'reject', reasons: [{ code: 'DESTINATION_INVALID', message: 'destination address is malformed' }], listedEntries: [] };
  }
  const entries = args.list.lookup(args.chain, 'address', address);
  if (entries.length > 0) {
    return { action: 'reject', reasons: [{ code: 'DESTINATION_LISTED', message: `destination is listed (${entries.map((e) => e.source).join(', ')})` }], listedEntries: entries };
  }
  const reasons: Reason[] = [];
  const ex = args.destinationExposure;
  if (ex) {
    if (ex.directContact) reasons.push({ code: 'DESTINATION_EXPOSURE', message: 'destination received directly from a listed address' });
    reasons.push(...thresholdReasons(ex, policy.withdrawalHoldBpsMin, 'DESTINATION_EXPOSURE'));
  }
  if (args.travelRuleAction === 'hold') reasons.push({ code: 'TRAVEL_RULE_HOLD', message: 'Travel Rule information incomplete' });
  if (reasons.length > 0) return { action: 'hold', reasons, listedEntries: [] };
  return { action: 'allow', reasons: [{ code: 'CLEAN', message: 'destination not listed' }], listedEntries: [] };
}
