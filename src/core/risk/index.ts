/** Withdrawal protection and risk controls, enforced in the core's command path (docs/withdrawal-controls.md). */
export {
  type AddressEntry,
  type Assessment,
  type ControlsSnapshot,
  type OutflowEntry,
  SECURITY_CHANGE_KINDS,
  type SecurityChangeKind,
  type WithdrawalAsk,
  WithdrawalControls,
  windowSum,
} from './controls.ts';
export { checkDestination, isValidIban } from './destination.ts';
export { toFils } from './fils.ts';
export {
  DAY_MS,
  defaultWithdrawalPolicy,
  HOUR_MS,
  MONTH_MS,
  policyFromJson,
  policyToJson,
  type RiskWeights,
  type TierLimits,
  validateWithdrawalPolicy,
  type WithdrawalPolicy,
} from './policy.ts';
export { checkExternalRisk, type ExternalRisk, type InternalRiskFacts, type RiskScore, scoreWithdrawal } from './score.ts';
