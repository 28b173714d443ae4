/**
 * Rampart banking: the AED bank rails. Pure parsers, builders and decisions; the ledger core
 * applies the decisions (this folder never changes a balance). See docs/banking.md.
 */
export { BankingError } from './errors.ts';
export { UAE_BANKS, type UaeBank, uaeBankByCode } from './uaeBanks.ts';
export {
  checkIban,
  formatIbanPrint,
  IBAN_LENGTH_BY_COUNTRY,
  type Iban,
  type IbanCheck,
  ibanCheckDigits,
  isValidIban,
  makeIban,
  makeUaeIban,
  normalizeIban,
  parseIban,
  UAE_IBAN_LENGTH,
} from './iban.ts';
export {
  checkDepositReference,
  customerCodeFromNumber,
  findDepositReference,
  formatDepositReference,
  makeDepositReference,
  type ReferenceCheck,
  type ReferenceSearch,
} from './reference.ts';
export {
  CAMT_VERSIONS,
  type CamtDocument,
  type CamtEntry,
  type CamtIssue,
  type CamtIssueCode,
  type CamtKind,
  type CamtParseOptions,
  type CamtStatement,
  type CamtVersion,
  camtVersionOf,
  parseCamt,
} from './camt.ts';
export { type CamtWriteDocument, type CamtWriteEntry, type CamtWriteVersion, writeCamt } from './camtWrite.ts';
export { buildPain001, PAIN001_VERSIONS, type Pain001Batch, type Pain001File, type Pain001Parsed, type Pain001Version, type Payout, parsePain001, toSwiftText } from './pain001.ts';
export {
  buildPain002,
  PAIN002_VERSIONS,
  type Pain002Report,
  type Pain002Version,
  type PaymentOutcome,
  type PaymentStatus,
  type PaymentStatusLine,
  parsePain002,
  paymentOutcome,
} from './pain002.ts';
export { canonicalNameTokens, matchNames, type NameMatch, TRUNCATION_LENGTHS as NAME_TRUNCATION_LENGTHS, VARIANTS as NAME_VARIANTS } from './names.ts';
export {
  type CustomerDirectory,
  type DepositDecision,
  type DepositInput,
  type DepositLimits,
  decideDeposit,
  type DirectoryCustomer,
  entryIdempotencyKey,
  type SuspenseReason,
} from './deposits.ts';
export type { BankAdapter, InboundFile } from './bankAdapter.ts';
export { type BankFile, parseBankFile } from './inbound.ts';
export { SandboxBank, type SandboxBankOptions } from './sandboxBank.ts';
export { FileExchange, type FileExchangeOptions } from './fileExchange.ts';
export { type LedgerBankTransfer, type ReconciliationReport, reconcile, statementEntryReference } from './reconcile.ts';
