/**
 * The screening service: the pure screening modules (src/screening) wired to storage (SQLite),
 * the chain adapters, custody's deposit and withdrawal paths and the engine. See docs/screening.md
 * "Service".
 */
export { approveCaseReturn, blocklistFromIncident, type CaseSummary, exportStr, handleFreezeRequest, type ImportArgs, importCsvFile, importOfacFile, keepCaseFrozen, listCases, noteCase, proposeCaseReturn, rejectCaseReturn, releaseCase, returnPosting, type ReturnWallet, type StrProfile } from './actions.ts';
export { depositCaseId, frozenAccountId, SCREENING_ACTOR, ScreeningDepositScreener, type ScreenerOptions, SYSTEM_AUTHORITY, withdrawalCaseId, type WithdrawalToScreen, withdrawalScreen } from './screener.ts';
export { btcRpcTxSource, ethScanTxSource } from './sources.ts';
export { type CaseKind, ScreeningStore, type StoredCase } from './store.ts';
