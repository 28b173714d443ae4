/**
 * Rampart bank rails: the AED banking modules (src/banking) connected to the engine. Deposits from
 * camt.053/054, the compliance suspense queue, AED payouts via pain.001/pain.002, reconciliation,
 * and the sandbox deposit. See docs/banking.md ("Rails").
 */
export { BankRailsError } from './errors.ts';
export {
  availableOf,
  checkRailsConfig,
  DEFAULT_PAYOUT_RAILS,
  ledgerOmnibusFils,
  memoryDirectory,
  OMNIBUS,
  type RailsConfig,
  type RailsContext,
  type RailsCustomer,
  type RailsDirectory,
  type RailsEngine,
  SUSPENSE,
  serialized,
} from './context.ts';
export { listenerFailures, type OpenRailsOptions, openBankRails } from './openRails.ts';
export { MemoryRailsStore, type RailsStore, SqliteRailsStore } from './store.ts';
export { BankLedgerView, compactBankRef, type OmnibusMovement } from './ledgerView.ts';
export { type ImportedFile, type ImportReport, importBankFile, importBankFiles, type StoredStatement } from './depositPipeline.ts';
export {
  listSuspense,
  matchToCustomer,
  returnToSender,
  type SuspenseItem,
  type SuspenseItemReason,
  type SuspenseState,
  suspenseItemId,
  suspenseReturnEndToEndId,
} from './suspense.ts';
export {
  aedWithdrawalTerms,
  listPaymentAnomalies,
  type PaymentAnomaly,
  parseAedDestination,
  type PayoutBatch,
  type PayoutRecord,
  type PayoutRunReport,
  type PayoutState,
  payoutEndToEndId,
  payoutFeeFils,
  sendPayouts,
  type StatusReportResult,
} from './payouts.ts';
export { type BankReconciliation, reconcileBank, reconcileStatement, reconciliationToJson, runDailyReconciliation, storedReconciliations } from './reconcileRunner.ts';
export { SANDBOX_MINT_IBAN, type SandboxDepositResult, sandboxDeposit } from './sandboxDeposit.ts';
