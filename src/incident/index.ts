/**
 * Breach detection and incident response (issue 8). Detect: every outflow matches an
 * authorised intent or opens an incident and freezes in the same tick. Contain: signer
 * halt, withdrawal pause, blocklist, key rotation. Account: exact loss per asset,
 * ledger postings. Make whole: treasury cover, largest-remainder haircut into recovery
 * claims, pro-rata repayment. Restore: four-eyes phases. Report: from the journal and
 * the incident log alone. Operations: docs/runbook.md.
 */
export { IncidentError } from './errors.ts';
export type { AlertSink, AuthorisedIntent, Chain, IncidentTrigger, IntentKind, ObservedInput, ObservedOutflow, ObservedOutput, OwnAddresses, PriceSnapshot, SignerControl, TriggerSource } from './types.ts';
export { IncidentLog, LOG_ENTRIES_MAX } from './log.ts';
export { FourEyesDesk } from './desk.ts';
export { FOUR_EYES_STATES, INCIDENT_APPROVER_ROLES, INCIDENT_ROLES, INCIDENT_STATES, type Incident, IncidentBook, type IncidentState, type IncidentTransition, incidentIdOf } from './incidents.ts';
export { AddressSet, attackerOutputs, checkOutflow, IntentRegistry, INTENTS_MAX, type MatchResult, normaliseAddressFor, type UnmatchedReason } from './outflowMatcher.ts';
export { BreachResponder, DEFAULT_RESPONDER_POLICY, type DetectionTiming, type EngineLike, type ResponderDeps, type ResponderPolicy, type UnmatchedRecord } from './responder.ts';
export { type Alert, type AlertChannel, type AlertDelivery, dispatchAlert, EmailOutboxChannel, WebhookChannel, type WebhookOptions } from './alerts.ts';
export { auditChainTrigger, journalChainTrigger, ledgerReserveRatio, reconciliationTrigger, RefusalBurst, reserveRatioTriggers, type StaffLoginPolicy, staffLoginTrigger } from './triggers.ts';
export { ASSET_DECIMALS, type ExactValue, type LossLine, type LossValuation, lossByAsset, lossLine, lossRef, recordLoss, recordPriceSnapshot, valueExact, valueLoss } from './loss.ts';
export {
  applyHaircut,
  type CoverInput,
  type CoverMethod,
  coverFromTreasury,
  coverPayload,
  type HaircutPart,
  type HaircutPlan,
  haircutPayload,
  largestRemainder,
  outstandingLoss,
  planHaircut,
  repayClaims,
  type StatementOfEffect,
  statementOfEffect,
} from './makeWhole.ts';
export { haltTrading, limitedPolicy, PHASE_CHECKLISTS, type Phase, type PhaseRecord, PHASES, type QueuedWithdrawal, queuedWithdrawals, Restoration, type RestorationDeps } from './restore.ts';
export { type CustodyControl, executeRotation, type NewHotWallet, type RotationPlan, type RotationResult, rotationPayload } from './keyRotation.ts';
export { buildReport, escapeHtml, type IncidentReport, REPORT_FORMAT, renderReportHtml, reportJson, type TimelineEvent, writeReport } from './report.ts';
export { type CustomerNotice, customerNotices, renderStatusPage, type StatusPage, statusPageModel, writeNotices } from './statusPage.ts';
export { btcBlockOutflows, BtcMempoolSpendScanner, btcOutflowFromTx, EthPendingScanner, type EthRpcLike, ethOutflowFromWatcher, MEMPOOL_SEEN_MAX, type OwnCoins } from './chainAdapters.ts';
export { customerBalancesSnapshot, type DrillFigures, drillFigures, type WithdrawalFate, withdrawalFates } from './drill.ts';
