/**
 * Stolen-funds screening and compliance building blocks. Pure modules: no clock, no I/O;
 * time is passed in as `atMs` / `nowMs`, chain data through the BtcTxSource / EthTxSource
 * interfaces the chain adapters implement. See docs/screening.md.
 */
export { ScreeningError } from './errors.ts';
export type { AddressValidator, Chain, ListKind, ListSource } from './types.ts';
export { CHAINS, isChain } from './types.ts';

export type { AddResult, BlocklistEntry, BlocklistExport, NewEntry } from './blocklist.ts';
export { BLOCKLIST_ENTRIES_MAX, Blocklist, normaliseAddress, normaliseTxid, normaliseValue } from './blocklist.ts';

export type { OfacAddress, OfacImportSummary, OfacParseResult, OfacSkipped } from './ofac.ts';
export { importOfac, OFAC_NAMESPACE, parseOfacSdnXml } from './ofac.ts';

export type { CsvParseResult, CsvRow, CsvRowError, CsvRowErrorCode } from './csv.ts';
export { CSV_BYTES_MAX, CSV_ROWS_MAX, importCsv, parseBlocklistCsv } from './csv.ts';

export type { CoinTaint, Frac, Interval } from './taint.ts';
export { bpsOf } from './taint.ts';

export type {
  BtcTx,
  BtcTxInput,
  BtcTxOutput,
  BtcTxSource,
  EthTransfer,
  EthTxSource,
  EvidenceGraph,
  Exposure,
  ExposureModel,
  GraphEdge,
  GraphNode,
  ListedHit,
  ListLookup,
  TraceOptions,
  TraceResult,
} from './trace.ts';
export {
  combineUtxo,
  EXPOSURE_MODELS,
  TRACE_CACHE_ENTRIES_DEFAULT,
  TRACE_FANOUT_DEFAULT,
  TRACE_FANOUT_LIMIT,
  TRACE_HOPS_DEFAULT,
  TRACE_HOPS_LIMIT,
  TRACE_VISITS_DEFAULT,
  TraceCache,
  traceBtcDeposit,
  traceEthAddress,
  traceEthDeposit,
  traceToJson,
} from './trace.ts';

export type { DepositVerdict, ExposureSummary, Reason, ReasonCode, ScreeningPolicy, WithdrawalVerdict } from './policy.ts';
export { DEFAULT_SCREENING_POLICY, screenDeposit, screenWithdrawal, validatePolicy } from './policy.ts';

export type { AuditRecord, CaseAction, CaseAuthority, CaseEvidence, CaseSnapshot, CaseStatus, ComplianceCase, Ctx as CaseContext, Transition } from './cases.ts';
export { addNote, approveReturn, evidenceFromTrace, keepFrozen, ledgerInstruction, openCase, proposeReturn, rejectReturn, release } from './cases.ts';

export type { Counterparty, FreezeItem, FreezeMatch, FreezeRequest, FreezeResponse, Holding, VerifiedFreezeRequest } from './freezeRequest.ts';
export {
  blocklistFreezeItems,
  buildFreezeResponse,
  CounterpartyRegistry,
  canonicalJson,
  FREEZE_MAX_AGE_MS_DEFAULT,
  FreezeRequestSchema,
  matchFreezeRequest,
  signFreezeRequest,
  signFreezeResponse,
  verifyFreezeRequest,
  verifyFreezeResponse,
} from './freezeRequest.ts';

export type { StrAccount, StrEntity, StrParty, StrPerson, StrReport, StrTransaction } from './str.ts';
export { buildStrXml, escapeXmlText } from './str.ts';

export type { Ivms101, Ivms101Person, TravelRuleVerdict } from './travelRule.ts';
export { checkTravelRule, IVMS101, TRAVEL_RULE_THRESHOLD_FILS_DEFAULT } from './travelRule.ts';
