import { DecimalError, parseDecimal } from '../shared/decimal.ts';
import { parseSafeXml } from '../shared/xml.ts';
import { BankingError } from './errors.ts';
import { at, attr, child, children, rootElement, text, textAt, type XmlNode } from './xmlTree.ts';

/**
 * ISO 20022 bank-to-customer cash management, the two messages Rampart reads:
 *   camt.053 BankToCustomerStatement            (end-of-day statement, with balances)
 *   camt.054 BankToCustomerDebitCreditNotification (intraday advice per credit/debit)
 * Supported versions: .001.02 (the one most UAE host-to-host gateways still send), .001.04,
 * .001.06 and .001.08 (CBPR+/HVPS+ generation). Anything else is refused by namespace: a
 * version we have not read the schema of is not guessed at.
 *
 * Differences handled (from the message definitions):
 *   - Ntry/Sts: a code string up to .06 (`<Sts>BOOK</Sts>`), a choice from .07 (`<Sts><Cd>BOOK</Cd></Sts>`);
 *   - RltdPties/Dbtr: PartyIdentification (`Dbtr/Nm`) up to .06, Party40Choice (`Dbtr/Pty/Nm`) from .07;
 *   - TxDtls/Amt exists from .04; in .02 the transaction amount sits in TxDtls/AmtDtls/TxAmt/Amt;
 *   - dates are a choice of Dt or DtTm everywhere (banks differ in which they fill).
 * Money: amounts are decimal strings; AED has 2 decimals (ISO 4217). An amount that is negative,
 * has more than 2 decimals, or is in another currency becomes a per-entry issue, never a crash and
 * never a number: the deposit decision sends such entries to suspense.
 */

export type CamtKind = 'camt.053' | 'camt.054';
export const CAMT_VERSIONS = ['001.02', '001.04', '001.06', '001.08'] as const;
export type CamtVersion = (typeof CAMT_VERSIONS)[number];

/** Bounds: a day's statement for a busy collection account has thousands of entries, not millions. */
export const CAMT_STATEMENTS_MAX = 1_000;
export const CAMT_ENTRIES_MAX = 200_000;
export const CAMT_TX_DETAILS_PER_ENTRY_MAX = 10_000;
/** ISO 20022 Max35Text / Max140Text: longer values are truncated in the report, never trusted. */
const TEXT_MAX = 140;

export type CamtIssueCode =
  | 'AMOUNT_MISSING'
  | 'AMOUNT_FORMAT'
  | 'AMOUNT_NEGATIVE'
  | 'AMOUNT_PRECISION'
  | 'AMOUNT_ZERO'
  | 'WRONG_CURRENCY'
  | 'CDTDBT_INVALID'
  | 'DATE_INVALID'
  | 'BATCH_SUM_MISMATCH'
  | 'BALANCE_MISSING'
  | 'BALANCE_INVALID'
  | 'ACCOUNT_MISMATCH';

export interface CamtIssue {
  readonly code: CamtIssueCode;
  readonly detail: string;
}

export interface CamtEntry {
  /** Position in the file: statement / entry / transaction-detail index, for operators. */
  readonly position: { readonly statement: number; readonly entry: number; readonly tx: number };
  /** Exact amount in fils, or null when an issue prevents reading it as AED. */
  readonly amountFils: bigint | null;
  readonly amountText: string | undefined;
  readonly currency: string | undefined;
  readonly direction: 'credit' | 'debit' | undefined;
  /** RvslInd=true: the bank reverses an earlier entry (a returned payment). */
  readonly reversal: boolean;
  /** BOOK, PDNG, INFO … Only BOOK entries are final. */
  readonly status: string | undefined;
  readonly bookingDate: string | undefined;
  readonly valueDate: string | undefined;
  /** Ntry/AcctSvcrRef: the bank's own unique reference for the entry. */
  readonly entryAccountServicerRef: string | undefined;
  /** TxDtls/Refs/AcctSvcrRef: the bank's reference for one transaction inside a batch. */
  readonly txAccountServicerRef: string | undefined;
  /** Ntry/NtryRef: optional, unique within the statement only. */
  readonly entryRef: string | undefined;
  /** NOTPROVIDED (the ISO 20022 placeholder) is reported as undefined. */
  readonly endToEndId: string | undefined;
  readonly debtorName: string | undefined;
  readonly debtorIban: string | undefined;
  readonly ultimateDebtorName: string | undefined;
  readonly creditorName: string | undefined;
  readonly creditorIban: string | undefined;
  readonly remittanceUnstructured: readonly string[];
  /** Strd/CdtrRefInf/Ref values. */
  readonly remittanceReferences: readonly string[];
  /** Bank transaction code "Domn/Fmly/SubFmly" (e.g. PMNT/RCDT/DMCT; PMNT/ICDT/RRTN is a returned payment), else the proprietary code. */
  readonly bankTxCode: string | undefined;
  /** Set when the bank entry is a batch split into several transaction details. */
  readonly batch: { readonly size: number; readonly index: number } | undefined;
  readonly issues: readonly CamtIssue[];
}

export interface CamtStatement {
  /** Stmt/Id or Ntfctn/Id. */
  readonly id: string | undefined;
  readonly createdAt: string | undefined;
  readonly accountIban: string | undefined;
  /** Acct/Id/Othr/Id when the bank identifies the account without an IBAN. */
  readonly accountOtherId: string | undefined;
  readonly accountCurrency: string | undefined;
  /** camt.053 only: OPBD (or PRCD) and CLBD, signed (DBIT negative), in fils. */
  readonly openingBalanceFils: bigint | undefined;
  readonly closingBalanceFils: bigint | undefined;
  readonly openingBalanceDate: string | undefined;
  readonly closingBalanceDate: string | undefined;
  readonly entries: readonly CamtEntry[];
  readonly issues: readonly CamtIssue[];
}

export interface CamtDocument {
  readonly kind: CamtKind;
  readonly version: CamtVersion;
  readonly namespace: string;
  readonly messageId: string | undefined;
  readonly createdAt: string | undefined;
  readonly statements: readonly CamtStatement[];
}

export interface CamtParseOptions {
  /** ISO 4217 code of the account; entries in another currency get WRONG_CURRENCY. Default AED. */
  readonly currency?: string;
  /** When given, a statement for another account gets ACCOUNT_MISMATCH. */
  readonly accountIban?: string;
  readonly bytesMax?: number;
}

const ARRAY_TAGS = new Set(['Stmt', 'Ntfctn', 'Ntry', 'NtryDtls', 'TxDtls', 'Bal', 'Ustrd', 'Strd']);
const ROOT_BY_KIND: Record<CamtKind, { root: string; report: string }> = {
  'camt.053': { root: 'BkToCstmrStmt', report: 'Stmt' },
  'camt.054': { root: 'BkToCstmrDbtCdtNtfctn', report: 'Ntfctn' },
};
/** Decimal places per ISO 4217 for the currencies this module converts to minor units. */
const CURRENCY_DECIMALS: Readonly<Record<string, number>> = { AED: 2 };

/** Maps a namespace to (kind, version), or throws CAMT_NAMESPACE_UNSUPPORTED. */
export function camtVersionOf(namespace: string | undefined): { kind: CamtKind; version: CamtVersion } {
  const m = /^urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.(001\.\d\d)$/.exec(namespace ?? '');
  if (m === null || !(CAMT_VERSIONS as readonly string[]).includes(m[2]!)) {
    throw new BankingError('CAMT_NAMESPACE_UNSUPPORTED', 'not a supported camt.053/camt.054 namespace', {
      namespace: (namespace ?? '').slice(0, 120),
      supported: CAMT_VERSIONS.flatMap((v) => [`camt.053.${v}`, `camt.054.${v}`]),
    });
  }
  return { kind: m[1] as CamtKind, version: m[2] as CamtVersion };
}

function clip(s: string | undefined): string | undefined {
  return s === undefined ? undefined : s.slice(0, TEXT_MAX);
}

const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATETIME_RE = /^(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$/;

/** DateAndDateTimeChoice → the calendar date (YYYY-MM-DD) as the bank wrote it, or an issue. */
function readDate(node: XmlNode, field: string, issues: CamtIssue[]): string | undefined {
  if (node === undefined) return undefined;
  const d = textAt(node, 'Dt');
  if (d !== undefined) {
    if (DATE_RE.test(d)) return d;
    issues.push({ code: 'DATE_INVALID', detail: `${field}/Dt is not an ISO date` });
    return undefined;
  }
  const dt = textAt(node, 'DtTm');
  if (dt !== undefined) {
    const m = DATETIME_RE.exec(dt);
    if (m) return m[1];
    issues.push({ code: 'DATE_INVALID', detail: `${field}/DtTm is not an ISO date-time` });
    return undefined;
  }
  issues.push({ code: 'DATE_INVALID', detail: `${field} has neither Dt nor DtTm` });
  return undefined;
}

interface AmountRead {
  text: string | undefined;
  currency: string | undefined;
  fils: bigint | null;
}

/** Reads an ActiveOrHistoricCurrencyAndAmount into fils, pushing issues instead of throwing. */
function readAmount(node: XmlNode, field: string, expectedCurrency: string, issues: CamtIssue[]): AmountRead {
  const amountText = text(node);
  const currency = attr(node, 'Ccy');
  if (amountText === undefined || amountText === '') {
    issues.push({ code: 'AMOUNT_MISSING', detail: `${field} is missing` });
    return { text: undefined, currency, fils: null };
  }
  const t = clip(amountText)!;
  if (currency !== expectedCurrency) {
    issues.push({ code: 'WRONG_CURRENCY', detail: `${field} is in ${String(currency).slice(0, 8)}, the account is ${expectedCurrency}` });
    return { text: t, currency, fils: null };
  }
  if (/^-/.test(amountText)) {
    issues.push({ code: 'AMOUNT_NEGATIVE', detail: `${field} is negative; ISO 20022 amounts are unsigned (direction is CdtDbtInd)` });
    return { text: t, currency, fils: null };
  }
  const decimals = CURRENCY_DECIMALS[expectedCurrency];
  if (decimals === undefined) {
    issues.push({ code: 'WRONG_CURRENCY', detail: `${expectedCurrency} has no minor-unit table entry` });
    return { text: t, currency, fils: null };
  }
  try {
    const fils = parseDecimal(amountText, decimals, field);
    if (fils === 0n) issues.push({ code: 'AMOUNT_ZERO', detail: `${field} is zero` });
    return { text: t, currency, fils };
  } catch (e) {
    if (e instanceof DecimalError && e.code === 'DECIMAL_PRECISION') {
      issues.push({ code: 'AMOUNT_PRECISION', detail: `${field} has more than ${decimals} decimals` });
    } else {
      issues.push({ code: 'AMOUNT_FORMAT', detail: `${field} is not a plain decimal` });
    }
    return { text: t, currency, fils: null };
  }
}

function readDirection(node: XmlNode, field: string, issues: CamtIssue[]): 'credit' | 'debit' | undefined {
  const v = text(node);
  if (v === 'CRDT') return 'credit';
  if (v === 'DBIT') return 'debit';
  issues.push({ code: 'CDTDBT_INVALID', detail: `${field} must be CRDT or DBIT` });
  return undefined;
}

/** Party name: `Nm` (≤ .06) or `Pty/Nm` (≥ .07). */
function partyName(party: XmlNode): string | undefined {
  return clip(textAt(party, 'Pty', 'Nm') ?? textAt(party, 'Nm'));
}

function accountIbanOf(acct: XmlNode): string | undefined {
  const v = textAt(acct, 'Id', 'IBAN');
  return v === undefined ? undefined : clip(v.replace(/ /g, '').toUpperCase());
}

function readStatus(entry: XmlNode): string | undefined {
  const sts = child(entry, 'Sts');
  return clip(text(sts) === '' ? undefined : (text(sts) ?? textAt(sts, 'Cd') ?? textAt(sts, 'Prtry')));
}

function readBankTxCode(node: XmlNode): string | undefined {
  const domain = textAt(node, 'Domn', 'Cd');
  if (domain !== undefined) return clip(`${domain}/${textAt(node, 'Domn', 'Fmly', 'Cd') ?? ''}/${textAt(node, 'Domn', 'Fmly', 'SubFmlyCd') ?? ''}`);
  return clip(textAt(node, 'Prtry', 'Cd'));
}

function readEntry(entry: XmlNode, si: number, ei: number, currency: string): CamtEntry[] {
  const entryIssues: CamtIssue[] = [];
  const amount = readAmount(child(entry, 'Amt'), 'Ntry/Amt', currency, entryIssues);
  const direction = readDirection(child(entry, 'CdtDbtInd'), 'Ntry/CdtDbtInd', entryIssues);
  const bookingDate = readDate(child(entry, 'BookgDt'), 'Ntry/BookgDt', entryIssues);
  const valueDate = readDate(child(entry, 'ValDt'), 'Ntry/ValDt', entryIssues);
  const common = {
    bankTxCode: readBankTxCode(child(entry, 'BkTxCd')),
    reversal: textAt(entry, 'RvslInd') === 'true',
    status: readStatus(entry),
    bookingDate,
    valueDate,
    entryAccountServicerRef: clip(textAt(entry, 'AcctSvcrRef')),
    entryRef: clip(textAt(entry, 'NtryRef')),
  };
  const txs = children(entry, 'NtryDtls').flatMap((d) => children(d, 'TxDtls'));
  if (txs.length > CAMT_TX_DETAILS_PER_ENTRY_MAX) {
    throw new BankingError('CAMT_TOO_LARGE', `an entry has more than ${CAMT_TX_DETAILS_PER_ENTRY_MAX} transaction details`, { statement: si, entry: ei });
  }

  const fromTx = (tx: XmlNode, ti: number, amountOverride: AmountRead | undefined, txIssues: CamtIssue[], batch: CamtEntry['batch']): CamtEntry => {
    const parties = child(tx, 'RltdPties');
    const rmt = child(tx, 'RmtInf');
    const e2e = textAt(tx, 'Refs', 'EndToEndId');
    const a = amountOverride ?? amount;
    return {
      position: { statement: si, entry: ei, tx: ti },
      amountFils: a.fils,
      amountText: a.text,
      currency: a.currency,
      direction,
      ...common,
      txAccountServicerRef: clip(textAt(tx, 'Refs', 'AcctSvcrRef')),
      endToEndId: e2e === undefined || e2e === 'NOTPROVIDED' ? undefined : clip(e2e),
      debtorName: partyName(child(parties, 'Dbtr')),
      debtorIban: accountIbanOf(child(parties, 'DbtrAcct')),
      ultimateDebtorName: partyName(child(parties, 'UltmtDbtr')),
      creditorName: partyName(child(parties, 'Cdtr')),
      creditorIban: accountIbanOf(child(parties, 'CdtrAcct')),
      remittanceUnstructured: children(rmt, 'Ustrd').map((u) => clip(text(u))).filter((u): u is string => u !== undefined && u !== ''),
      remittanceReferences: children(rmt, 'Strd')
        .map((s) => clip(textAt(s, 'CdtrRefInf', 'Ref')))
        .filter((r): r is string => r !== undefined),
      batch,
      issues: [...entryIssues, ...txIssues],
    };
  };

  if (txs.length <= 1) return [fromTx(txs[0], 0, undefined, [], undefined)];

  // A batch: one bank entry, several transactions. Each becomes its own item with its own
  // amount (TxDtls/Amt from .04, AmtDtls/TxAmt/Amt in .02); the parts must add up to the entry.
  const parts = txs.map((tx) => {
    const issues: CamtIssue[] = [];
    const node = child(tx, 'Amt') ?? at(tx, 'AmtDtls', 'TxAmt', 'Amt');
    const a = readAmount(node, 'TxDtls/Amt', currency, issues);
    const txDir = child(tx, 'CdtDbtInd');
    if (txDir !== undefined && direction !== undefined && readDirection(txDir, 'TxDtls/CdtDbtInd', issues) !== direction) {
      issues.push({ code: 'CDTDBT_INVALID', detail: 'TxDtls/CdtDbtInd differs from the entry' });
    }
    return { a, issues };
  });
  const allRead = parts.every((p) => p.a.fils !== null);
  if (allRead && amount.fils !== null) {
    const sum = parts.reduce((s, p) => s + p.a.fils!, 0n);
    if (sum !== amount.fils) for (const p of parts) p.issues.push({ code: 'BATCH_SUM_MISMATCH', detail: 'transaction details do not add up to the entry amount' });
  }
  return txs.map((tx, ti) => fromTx(tx, ti, parts[ti]!.a, parts[ti]!.issues, { size: txs.length, index: ti }));
}

/** Signed balance of the given type code (OPBD, PRCD, CLBD…) in fils. */
function readBalance(bals: XmlNode[], codes: string[], currency: string, issues: CamtIssue[]): { fils: bigint | undefined; date: string | undefined } {
  // Codes in order of preference (OPBD over PRCD when a bank sends both).
  let bal: XmlNode;
  for (const code of codes) {
    bal = bals.find((b) => textAt(b, 'Tp', 'CdOrPrtry', 'Cd') === code);
    if (bal !== undefined) break;
  }
  if (bal === undefined) return { fils: undefined, date: undefined };
  const local: CamtIssue[] = [];
  const a = readAmount(child(bal, 'Amt'), `Bal(${codes[0]})/Amt`, currency, local);
  const dir = readDirection(child(bal, 'CdtDbtInd'), `Bal(${codes[0]})/CdtDbtInd`, local);
  const date = readDate(child(bal, 'Dt'), `Bal(${codes[0]})/Dt`, local);
  const hard = local.filter((i) => i.code !== 'AMOUNT_ZERO');
  if (hard.length > 0 || a.fils === null || dir === undefined) {
    issues.push(...hard.map((i) => ({ code: i.code === 'WRONG_CURRENCY' ? i.code : ('BALANCE_INVALID' as const), detail: i.detail })));
    return { fils: undefined, date };
  }
  return { fils: dir === 'debit' ? -a.fils : a.fils, date };
}

/**
 * Parses a camt.053 or camt.054 document. Throws BankingError (CAMT_NAMESPACE_UNSUPPORTED,
 * CAMT_STRUCTURE, CAMT_TOO_LARGE) or XmlError for files that cannot be read at all; every
 * problem inside an entry is reported in that entry's `issues`.
 */
export function parseCamt(xml: string | Uint8Array, options: CamtParseOptions = {}): CamtDocument {
  const currency = options.currency ?? 'AED';
  const doc = parseSafeXml(xml, { bytesMax: options.bytesMax, arrayTags: ARRAY_TAGS });
  const raw = typeof xml === 'string' ? xml : new TextDecoder().decode(xml);
  const root = rootElement(raw);
  if (root.localName !== 'Document') throw new BankingError('CAMT_STRUCTURE', 'root element must be Document', { root: root.localName.slice(0, 40) });
  const { kind, version } = camtVersionOf(root.namespace);
  const { root: msgName, report } = ROOT_BY_KIND[kind];
  const msg = at(doc, 'Document', msgName);
  if (msg === undefined || typeof msg !== 'object') throw new BankingError('CAMT_STRUCTURE', `Document/${msgName} is missing`, { kind });
  const reports = children(msg, report);
  if (reports.length === 0) throw new BankingError('CAMT_STRUCTURE', `${msgName} has no ${report} (1..n required)`, { kind });
  if (reports.length > CAMT_STATEMENTS_MAX) throw new BankingError('CAMT_TOO_LARGE', `more than ${CAMT_STATEMENTS_MAX} ${report} elements`);
  const entryCount = reports.reduce<number>((n, r) => n + children(r, 'Ntry').length, 0);
  if (entryCount > CAMT_ENTRIES_MAX) throw new BankingError('CAMT_TOO_LARGE', `more than ${CAMT_ENTRIES_MAX} entries`, { entryCount });

  const statements = reports.map((s, si): CamtStatement => {
    const issues: CamtIssue[] = [];
    const acct = child(s, 'Acct');
    const accountIban = accountIbanOf(acct);
    if (options.accountIban !== undefined && accountIban !== options.accountIban) {
      issues.push({ code: 'ACCOUNT_MISMATCH', detail: `statement is for ${accountIban ?? 'an account without IBAN'}, expected ${options.accountIban}` });
    }
    const accountCurrency = clip(textAt(acct, 'Ccy'));
    if (accountCurrency !== undefined && accountCurrency !== currency) {
      issues.push({ code: 'WRONG_CURRENCY', detail: `account currency is ${accountCurrency}, expected ${currency}` });
    }
    const bals = children(s, 'Bal');
    const opening = readBalance(bals, ['OPBD', 'PRCD'], currency, issues);
    const closing = readBalance(bals, ['CLBD'], currency, issues);
    if (kind === 'camt.053' && (opening.fils === undefined || closing.fils === undefined) && !issues.some((i) => i.code === 'BALANCE_INVALID' || i.code === 'WRONG_CURRENCY')) {
      issues.push({ code: 'BALANCE_MISSING', detail: 'statement lacks an opening (OPBD/PRCD) or closing (CLBD) booked balance' });
    }
    return {
      id: clip(textAt(s, 'Id')),
      createdAt: clip(textAt(s, 'CreDtTm')),
      accountIban,
      accountOtherId: clip(textAt(acct, 'Id', 'Othr', 'Id')),
      accountCurrency,
      openingBalanceFils: opening.fils,
      closingBalanceFils: closing.fils,
      openingBalanceDate: opening.date,
      closingBalanceDate: closing.date,
      entries: children(s, 'Ntry').flatMap((e, ei) => readEntry(e, si, ei, currency)),
      issues,
    };
  });
  return {
    kind,
    version,
    namespace: root.namespace!,
    messageId: clip(textAt(msg, 'GrpHdr', 'MsgId')),
    createdAt: clip(textAt(msg, 'GrpHdr', 'CreDtTm')),
    statements,
  };
}
