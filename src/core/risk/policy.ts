import { CoreError } from '../errors.ts';

/**
 * The withdrawal policy: every number the withdrawal controls use, in one typed,
 * validated object with safe defaults. It is core *state*, not a constant: the core
 * starts from the configured policy (genesis) and a journaled `withdrawalPolicy.set`
 * replaces it, so replaying the journal always applies the policy that was in force
 * when each command ran, and snapshots carry it.
 *
 * Money is bigint minor units of the asset (`…ByAsset`) or fils (`…Fils`, AED/100).
 * Times are milliseconds. Per-asset tables: an asset missing from a table has limit 0
 * (refused), so a newly listed asset cannot be withdrawn until someone sets its limits.
 */
export interface TierLimits {
  /** Rolling 24 h, per asset, minor units of that asset. */
  readonly dailyByAsset: Readonly<Record<string, bigint>>;
  /** Rolling 30 days, per asset, minor units of that asset. */
  readonly monthlyByAsset: Readonly<Record<string, bigint>>;
  /** Rolling 24 h, all assets together, AED equivalent in fils. */
  readonly dailyFils: bigint;
  /** Rolling 30 days, all assets together, AED equivalent in fils. */
  readonly monthlyFils: bigint;
}

export interface RiskWeights {
  /** No earlier withdrawal to this saved destination. */
  readonly firstToDestination: number;
  /** The customer has never withdrawn before. */
  readonly noHistory: number;
  /** Amount (AED equivalent) above `amountHistoryMultiple` × the customer's largest earlier withdrawal. */
  readonly amountAboveHistory: number;
  /** A deposit was credited less than `roundTripMs` ago (deposit → withdrawal round trip). */
  readonly roundTrip: number;
}

export interface WithdrawalPolicy {
  /** A newly saved destination is usable only after this delay (BitGo uses 48 h; we default to 24 h). */
  readonly coolingOffMs: number;
  /** Password reset, 2FA change or new API key blocks withdrawals this long. */
  readonly securityLockMs: number;
  /** Limits by KYC tier; index = tier. Tier 0 (unverified, and anyone never tiered) should be all zero. */
  readonly tiers: readonly TierLimits[];
  /** Platform-wide outflow per asset, rolling 1 h and rolling 24 h, minor units. */
  readonly platformHourlyByAsset: Readonly<Record<string, bigint>>;
  readonly platformDailyByAsset: Readonly<Record<string, bigint>>;
  /** At or above this AED equivalent a withdrawal is held for four-eyes review. */
  readonly fourEyesFils: bigint;
  /** Distinct staff approvals a held withdrawal needs. */
  readonly approvalsRequired: number;
  /** Score below `riskHoldAt` auto-approves; `riskHoldAt` ≤ score < `riskRejectAt` holds; ≥ `riskRejectAt` rejects. 0..100. */
  readonly riskHoldAt: number;
  readonly riskRejectAt: number;
  readonly riskWeights: RiskWeights;
  /** The largest external (caller-computed) score part the core accepts, 0..100. */
  readonly externalScoreMax: number;
  readonly amountHistoryMultiple: number;
  readonly roundTripMs: number;
  /** A confirmation (TOTP + e-mail link) is valid this long after the API verified it. */
  readonly confirmationTtlMs: number;
  /** Bounds: state per customer stays small whatever a customer does. */
  readonly requestsPerUserDayMax: number;
  readonly addressBookPerUserMax: number;
  /** Prices older than this are not used: AED-equivalent checks refuse the withdrawal instead. */
  readonly priceMaxAgeMs: number;
  /** Genesis price table: fils per whole unit (BTC: fils per 1 BTC). AED is always 100. */
  readonly pricesFils: Readonly<Record<string, bigint>>;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** "Monthly" is a rolling 30-day window: calendar months would make the limit depend on the time zone and the day. */
export const MONTH_MS = 30 * DAY_MS;
export const TIERS_MAX = 8;
export const POLICY_ASSETS_MAX = 64;

const BTC = 100_000_000n; // satoshi per BTC
const ETH = 10n ** 18n; // wei per ETH
const AED = 100n; // fils per AED

/** Safe defaults: everything on, unverified customers cannot withdraw, no crypto prices until a feed sets them. */
export const defaultWithdrawalPolicy: WithdrawalPolicy = {
  coolingOffMs: DAY_MS,
  securityLockMs: DAY_MS,
  tiers: [
    // 0: unverified (and the default for a customer never tiered): nothing leaves.
    { dailyByAsset: {}, monthlyByAsset: {}, dailyFils: 0n, monthlyFils: 0n },
    // 1: basic KYC.
    {
      dailyByAsset: { AED: 20_000n * AED, BTC: BTC / 2n, ETH: 10n * ETH },
      monthlyByAsset: { AED: 100_000n * AED, BTC: 2n * BTC, ETH: 50n * ETH },
      dailyFils: 20_000n * AED,
      monthlyFils: 100_000n * AED,
    },
    // 2: full KYC (Emirates ID, proof of address).
    {
      dailyByAsset: { AED: 200_000n * AED, BTC: 5n * BTC, ETH: 100n * ETH },
      monthlyByAsset: { AED: 1_000_000n * AED, BTC: 20n * BTC, ETH: 500n * ETH },
      dailyFils: 200_000n * AED,
      monthlyFils: 1_000_000n * AED,
    },
    // 3: enhanced due diligence (source of wealth reviewed).
    {
      dailyByAsset: { AED: 2_000_000n * AED, BTC: 50n * BTC, ETH: 1_000n * ETH },
      monthlyByAsset: { AED: 10_000_000n * AED, BTC: 200n * BTC, ETH: 5_000n * ETH },
      dailyFils: 2_000_000n * AED,
      monthlyFils: 10_000_000n * AED,
    },
  ],
  // What the hot wallet can lose in an hour is bounded by this, not by the attacker's patience.
  platformHourlyByAsset: { AED: 2_000_000n * AED, BTC: 10n * BTC, ETH: 200n * ETH },
  platformDailyByAsset: { AED: 10_000_000n * AED, BTC: 50n * BTC, ETH: 1_000n * ETH },
  fourEyesFils: 50_000n * AED,
  approvalsRequired: 2,
  riskHoldAt: 40,
  riskRejectAt: 80,
  riskWeights: { firstToDestination: 15, noHistory: 10, amountAboveHistory: 25, roundTrip: 30 },
  externalScoreMax: 100,
  amountHistoryMultiple: 5,
  roundTripMs: 6 * HOUR_MS,
  confirmationTtlMs: 15 * 60_000,
  requestsPerUserDayMax: 20,
  addressBookPerUserMax: 50,
  priceMaxAgeMs: DAY_MS,
  pricesFils: {},
};

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new CoreError('CONFIG_INVALID', `withdrawal policy: ${message}`, details);
}
function int(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) fail(`${name} must be an integer ${min}..${max}`);
  return v;
}
function amount(v: unknown, name: string): bigint {
  if (typeof v !== 'bigint' || v < 0n || v >= 1n << 256n) fail(`${name} must be a non-negative bigint below 2^256`);
  return v;
}
function table(v: unknown, name: string): Readonly<Record<string, bigint>> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`${name} must be an object`);
  const keys = Object.keys(v).sort();
  if (keys.length > POLICY_ASSETS_MAX) fail(`${name} has too many assets`);
  const out: Record<string, bigint> = {};
  for (const k of keys) {
    if (!/^[A-Z][A-Z0-9]{1,9}$/.test(k)) fail(`${name} has a bad asset code`, { asset: k.slice(0, 20) });
    out[k] = amount((v as Record<string, unknown>)[k], `${name}.${k}`);
  }
  return out;
}

/**
 * Validates a policy and returns a fresh copy in canonical form (fixed key order,
 * sorted asset tables), so its JSON is a stable input to the state hash.
 */
export function validateWithdrawalPolicy(p: WithdrawalPolicy): WithdrawalPolicy {
  if (p === null || typeof p !== 'object') fail('must be an object');
  if (!Array.isArray(p.tiers) || p.tiers.length < 1 || p.tiers.length > TIERS_MAX) fail(`tiers must hold 1..${TIERS_MAX} entries`);
  const tiers = p.tiers.map((t: TierLimits, i: number) => {
    if (t === null || typeof t !== 'object') fail(`tier ${i} must be an object`);
    return {
      dailyByAsset: table(t.dailyByAsset, `tiers[${i}].dailyByAsset`),
      monthlyByAsset: table(t.monthlyByAsset, `tiers[${i}].monthlyByAsset`),
      dailyFils: amount(t.dailyFils, `tiers[${i}].dailyFils`),
      monthlyFils: amount(t.monthlyFils, `tiers[${i}].monthlyFils`),
    };
  });
  const w = p.riskWeights;
  if (w === null || typeof w !== 'object') fail('riskWeights must be an object');
  const out: WithdrawalPolicy = {
    coolingOffMs: int(p.coolingOffMs, 'coolingOffMs', 0, 30 * DAY_MS),
    securityLockMs: int(p.securityLockMs, 'securityLockMs', 0, 30 * DAY_MS),
    tiers,
    platformHourlyByAsset: table(p.platformHourlyByAsset, 'platformHourlyByAsset'),
    platformDailyByAsset: table(p.platformDailyByAsset, 'platformDailyByAsset'),
    fourEyesFils: amount(p.fourEyesFils, 'fourEyesFils'),
    approvalsRequired: int(p.approvalsRequired, 'approvalsRequired', 2, 5),
    riskHoldAt: int(p.riskHoldAt, 'riskHoldAt', 1, 100),
    riskRejectAt: int(p.riskRejectAt, 'riskRejectAt', 1, 101),
    riskWeights: {
      firstToDestination: int(w.firstToDestination, 'riskWeights.firstToDestination', 0, 100),
      noHistory: int(w.noHistory, 'riskWeights.noHistory', 0, 100),
      amountAboveHistory: int(w.amountAboveHistory, 'riskWeights.amountAboveHistory', 0, 100),
      roundTrip: int(w.roundTrip, 'riskWeights.roundTrip', 0, 100),
    },
    externalScoreMax: int(p.externalScoreMax, 'externalScoreMax', 0, 100),
    amountHistoryMultiple: int(p.amountHistoryMultiple, 'amountHistoryMultiple', 1, 1_000_000),
    roundTripMs: int(p.roundTripMs, 'roundTripMs', 0, 30 * DAY_MS),
    confirmationTtlMs: int(p.confirmationTtlMs, 'confirmationTtlMs', 1_000, DAY_MS),
    requestsPerUserDayMax: int(p.requestsPerUserDayMax, 'requestsPerUserDayMax', 1, 1_000),
    addressBookPerUserMax: int(p.addressBookPerUserMax, 'addressBookPerUserMax', 1, 1_000),
    priceMaxAgeMs: int(p.priceMaxAgeMs, 'priceMaxAgeMs', 60_000, 30 * DAY_MS),
    pricesFils: table(p.pricesFils, 'pricesFils'),
  };
  // Four-eyes needs at least two distinct people: one approval would be a rubber stamp.
  if (out.riskHoldAt >= out.riskRejectAt) fail('riskHoldAt must be below riskRejectAt');
  for (const [k, v] of Object.entries(out.pricesFils)) if (v === 0n) fail('a price must be positive', { asset: k });
  return out;
}

function replacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? { $n: v.toString() } : v;
}
function reviver(_k: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && '$n' in v) {
    const d = (v as { $n: unknown }).$n;
    if (typeof d !== 'string' || !/^[0-9]{1,80}$/.test(d)) fail('bad bigint');
    return BigInt(d);
  }
  return v;
}

/** Canonical JSON (bigints as {"$n":"digits"}) of a validated policy: snapshot form and state-hash input. */
export function policyToJson(p: WithdrawalPolicy): string {
  return JSON.stringify(validateWithdrawalPolicy(p), replacer);
}

export function policyFromJson(text: string): WithdrawalPolicy {
  return validateWithdrawalPolicy(JSON.parse(text, reviver) as WithdrawalPolicy);
}
