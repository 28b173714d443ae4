import { CoreError } from '../errors.ts';
import type { WithdrawalPolicy } from './policy.ts';

export const RISK_REASONS_MAX = 8;
export const RISK_REASON_LENGTH_MAX = 64;

/** What the caller computed outside the core (device and IP history, destination screening). */
export interface ExternalRisk {
  /** 0..policy.externalScoreMax. */
  readonly score: number;
  /** Short codes: 'new_device', 'new_ip', 'screening:high', … */
  readonly reasons: readonly string[];
}

/** Facts the core knows from its own journaled history. */
export interface InternalRiskFacts {
  /** Settled withdrawals to this saved destination. */
  readonly destinationUses: number;
  /** Settled withdrawals of this customer, and the largest of them in fils. */
  readonly historyCount: number;
  readonly historyMaxFils: bigint;
  readonly amountFils: bigint;
  /** ms since the customer's last credited deposit, or null if none. */
  readonly sinceLastDepositMs: number | null;
}

export interface RiskScore {
  /** 0..100. */
  readonly score: number;
  /** Internal reasons first (fixed order), then the caller's, each at most once. */
  readonly reasons: string[];
}

export function checkExternalRisk(v: unknown, policy: WithdrawalPolicy): ExternalRisk {
  if (v === undefined) return { score: 0, reasons: [] };
  if (v === null || typeof v !== 'object') throw new CoreError('COMMAND_MALFORMED', 'externalRisk must be an object');
  const { score, reasons } = v as { score?: unknown; reasons?: unknown };
  if (typeof score !== 'number' || !Number.isSafeInteger(score) || score < 0 || score > policy.externalScoreMax) {
    throw new CoreError('COMMAND_MALFORMED', `externalRisk.score must be an integer 0..${policy.externalScoreMax}`);
  }
  if (!Array.isArray(reasons) || reasons.length > RISK_REASONS_MAX) throw new CoreError('COMMAND_MALFORMED', `externalRisk.reasons must hold at most ${RISK_REASONS_MAX} codes`);
  for (const r of reasons) {
    if (typeof r !== 'string' || !/^[a-z0-9_.:-]{1,64}$/.test(r)) throw new CoreError('COMMAND_MALFORMED', 'risk reasons are short lower-case codes');
  }
  return { score, reasons: reasons as string[] };
}

/**
 * The withdrawal's risk score: the deterministic parts the core computes from its own
 * history (first use of the destination, amount against the customer's history,
 * deposit→withdrawal round trip) plus the caller's external part, capped at 100.
 */
export function scoreWithdrawal(policy: WithdrawalPolicy, facts: InternalRiskFacts, external: ExternalRisk): RiskScore {
  const w = policy.riskWeights;
  let score = 0;
  const reasons: string[] = [];
  const add = (weight: number, reason: string) => {
    if (weight === 0) return;
    score += weight;
    reasons.push(reason);
  };
  if (facts.destinationUses === 0) add(w.firstToDestination, 'first_to_destination');
  if (facts.historyCount === 0) add(w.noHistory, 'no_history');
  else if (facts.amountFils > facts.historyMaxFils * BigInt(policy.amountHistoryMultiple)) add(w.amountAboveHistory, 'amount_above_history');
  if (facts.sinceLastDepositMs !== null && facts.sinceLastDepositMs < policy.roundTripMs) add(w.roundTrip, 'deposit_round_trip');
  score += external.score;
  for (const r of external.reasons) if (!reasons.includes(r)) reasons.push(r);
  return { score: Math.min(100, score), reasons };
}
