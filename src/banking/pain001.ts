import { formatDecimalFixed, parseDecimal } from '../shared/decimal.ts';
import { parseSafeXml } from '../shared/xml.ts';
import { BankingError } from './errors.ts';
import { checkIban } from './iban.ts';
import { block, el, esc } from './xmlWrite.ts';
import { at, attr, children, rootElement, textAt } from './xmlTree.ts';

/**
 * ISO 20022 pain.001 CustomerCreditTransferInitiation: the file Rampart hands its bank to pay
 * customers' AED withdrawals. Versions: pain.001.001.03 (what most UAE host-to-host channels
 * still take) and pain.001.001.09 (CBPR+-era; differences used here: ReqdExctnDt becomes a
 * DateAndDateTime2Choice `<ReqdExctnDt><Dt>…</Dt></ReqdExctnDt>`, BIC becomes BICFI).
 * One PmtInf per file (one debtor account, one execution date), one CdtTrfTxInf per payout,
 * EndToEndId = payout id so statements (camt.053 Refs/EndToEndId) and pain.002 map back.
 */

export type Pain001Version = '001.001.03' | '001.001.09';
export const PAIN001_VERSIONS: readonly Pain001Version[] = ['001.001.03', '001.001.09'];
export const PAIN001_TXS_MAX = 10_000;
/** One payout above this is refused here as a last guard; business limits live in risk. */
export const PAIN001_AMOUNT_FILS_MAX = 10_000_000_000n; // AED 100 million

export interface Payout {
  /** Becomes EndToEndId and InstrId: ISO Max35Text, restricted to the SWIFT character set. */
  readonly payoutId: string;
  readonly creditorName: string;
  readonly creditorIban: string;
  readonly amountFils: bigint;
  /** Ustrd, ≤ 140 characters. */
  readonly remittance?: string;
}

export interface Pain001Batch {
  readonly version: Pain001Version;
  readonly messageId: string;
  /** ISO date-time, passed in (no clock in this module). */
  readonly createdAt: string;
  /** YYYY-MM-DD. */
  readonly requestedExecutionDate: string;
  readonly initiatingPartyName: string;
  readonly debtorName: string;
  readonly debtorIban: string;
  readonly debtorBic: string;
  readonly payouts: readonly Payout[];
}

export interface Pain001File {
  readonly xml: string;
  readonly messageId: string;
  readonly nbOfTxs: number;
  readonly controlSumFils: bigint;
}

/**
 * SWIFT "x" character set, which UAEFTS and most host-to-host channels accept in names and
 * references. Text outside it (Arabic script, &, @, accents) is refused, not silently rewritten:
 * the caller supplies the Latin name from KYC.
 */
const SWIFT_X = /^[A-Za-z0-9/\-?:().,'+ ]*$/;
const ID_RE = /^[A-Za-z0-9/\-?:().,'+]{1,35}$/;
const BIC_RE = /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;
const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATETIME_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$/;

/**
 * Opt-in helper for callers holding names outside the SWIFT set (from KYC): strips accents
 * (NFKD), writes & as AND, turns every other refused character into a space, collapses spaces
 * and cuts to `max`. Returns undefined when nothing usable remains (e.g. Arabic script only):
 * the caller must then ask the customer for the Latin name their bank account is held under.
 */
export function toSwiftText(text: string, max = 140): string | undefined {
  const out = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/&/g, ' AND ')
    .replace(/[^A-Za-z0-9/\-?:().,'+ ]/g, ' ')
    .replace(/ +/g, ' ')
    .trim()
    .slice(0, max)
    .trim();
  return /[A-Za-z0-9]/.test(out) ? out : undefined;
}

function need(cond: boolean, code: string, message: string, details: Record<string, unknown> = {}): asserts cond {
  if (!cond) throw new BankingError(code, message, details);
}

function checkText(value: string, field: string, max: number): void {
  need(value.length >= 1 && value.length <= max && value.trim() === value, 'PAIN001_TEXT', `${field} must be 1..${max} characters without outer spaces`, { field });
  need(SWIFT_X.test(value), 'PAIN001_CHARSET', `${field} has characters outside the SWIFT character set`, { field });
}

function ns(version: Pain001Version): string {
  return `urn:iso:std:iso:20022:tech:xsd:pain.${version}`;
}

const aed = (fils: bigint): string => formatDecimalFixed(fils, 2);

/** Builds the pain.001 XML. Throws BankingError (PAIN001_*) before producing anything if an input is wrong. */
export function buildPain001(batch: Pain001Batch): Pain001File {
  need(PAIN001_VERSIONS.includes(batch.version), 'PAIN001_VERSION', 'unsupported pain.001 version', { version: batch.version });
  need(ID_RE.test(batch.messageId), 'PAIN001_ID', 'MsgId must be 1..35 SWIFT characters without spaces');
  need(DATETIME_RE.test(batch.createdAt), 'PAIN001_DATE', 'CreDtTm must be an ISO date-time');
  need(DATE_RE.test(batch.requestedExecutionDate), 'PAIN001_DATE', 'ReqdExctnDt must be YYYY-MM-DD');
  checkText(batch.initiatingPartyName, 'InitgPty/Nm', 140);
  checkText(batch.debtorName, 'Dbtr/Nm', 140);
  need(BIC_RE.test(batch.debtorBic), 'PAIN001_BIC', 'DbtrAgt BIC must be 8 or 11 characters');
  const debtor = checkIban(batch.debtorIban);
  need(debtor.ok, 'PAIN001_IBAN', 'debtor IBAN is invalid', { field: 'DbtrAcct' });
  need(batch.payouts.length >= 1 && batch.payouts.length <= PAIN001_TXS_MAX, 'PAIN001_COUNT', `a file holds 1..${PAIN001_TXS_MAX} payouts`);

  const ids = new Set<string>();
  let controlSumFils = 0n;
  for (const [i, p] of batch.payouts.entries()) {
    need(ID_RE.test(p.payoutId), 'PAIN001_ID', 'payout id must be 1..35 SWIFT characters without spaces', { index: i });
    need(!ids.has(p.payoutId), 'PAIN001_DUPLICATE', 'payout ids must be unique in a file (EndToEndId)', { index: i, payoutId: p.payoutId });
    ids.add(p.payoutId);
    need(p.amountFils > 0n && p.amountFils <= PAIN001_AMOUNT_FILS_MAX, 'PAIN001_AMOUNT', 'payout amount must be positive and within the per-payment cap', { index: i });
    checkText(p.creditorName, 'Cdtr/Nm', 140);
    const c = checkIban(p.creditorIban);
    need(c.ok, 'PAIN001_IBAN', 'creditor IBAN is invalid', { index: i, reason: c.ok ? undefined : c.code });
    if (p.remittance !== undefined) checkText(p.remittance, 'RmtInf/Ustrd', 140);
    controlSumFils += p.amountFils;
  }

  const v09 = batch.version === '001.001.09';
  const bicTag = v09 ? 'BICFI' : 'BIC';
  const nb = String(batch.payouts.length);
  const ctrl = aed(controlSumFils);
  const txs = batch.payouts.map((p) => {
    const cIban = checkIban(p.creditorIban);
    const iban = cIban.ok ? cIban.value.iban : p.creditorIban;
    return block('CdtTrfTxInf', [
      block('PmtId', [el('InstrId', p.payoutId), el('EndToEndId', p.payoutId)]),
      block('Amt', [`<InstdAmt Ccy="AED">${aed(p.amountFils)}</InstdAmt>`]),
      block('Cdtr', [el('Nm', p.creditorName)]),
      block('CdtrAcct', [block('Id', [el('IBAN', iban)])]),
      ...(p.remittance === undefined ? [] : [block('RmtInf', [el('Ustrd', p.remittance)])]),
    ]);
  });
  const debtorIban = debtor.value.iban;
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    block(
      'Document',
      [
        block('CstmrCdtTrfInitn', [
          block('GrpHdr', [el('MsgId', batch.messageId), el('CreDtTm', batch.createdAt), el('NbOfTxs', nb), el('CtrlSum', ctrl), block('InitgPty', [el('Nm', batch.initiatingPartyName)])]),
          block('PmtInf', [
            el('PmtInfId', `${batch.messageId.slice(0, 32)}-P1`),
            el('PmtMtd', 'TRF'),
            el('BtchBookg', 'false'),
            el('NbOfTxs', nb),
            el('CtrlSum', ctrl),
            v09 ? block('ReqdExctnDt', [el('Dt', batch.requestedExecutionDate)]) : el('ReqdExctnDt', batch.requestedExecutionDate),
            block('Dbtr', [el('Nm', batch.debtorName)]),
            block('DbtrAcct', [block('Id', [el('IBAN', debtorIban)]), el('Ccy', 'AED')]),
            block('DbtrAgt', [block('FinInstnId', [el(bicTag, batch.debtorBic)])]),
            // SHAR: charges shared, the usual choice for domestic AED transfers (SLEV is a SEPA service-level rule).
            el('ChrgBr', 'SHAR'),
            ...txs,
          ]),
        ]),
      ],
      ` xmlns="${esc(ns(batch.version))}"`,
    ) +
    '\n';
  return { xml, messageId: batch.messageId, nbOfTxs: batch.payouts.length, controlSumFils };
}

export interface Pain001Payment {
  readonly endToEndId: string;
  readonly amountFils: bigint;
  readonly creditorName: string;
  readonly creditorIban: string;
  readonly remittance: string | undefined;
}

export interface Pain001Parsed {
  readonly version: Pain001Version;
  readonly messageId: string;
  readonly createdAt: string;
  readonly requestedExecutionDate: string;
  readonly debtorIban: string;
  readonly controlSumFils: bigint;
  readonly payments: readonly Pain001Payment[];
}

/**
 * Reads a pain.001 back (the sandbox bank executes it; tests check our own output). Strict:
 * AED only, NbOfTxs and CtrlSum must agree with the transactions, every IBAN must validate.
 */
export function parsePain001(xml: string): Pain001Parsed {
  const doc = parseSafeXml(xml, { arrayTags: new Set(['PmtInf', 'CdtTrfTxInf']) });
  const root = rootElement(xml);
  const m = /^urn:iso:std:iso:20022:tech:xsd:pain\.(001\.001\.0[39])$/.exec(root.namespace ?? '');
  need(root.localName === 'Document' && m !== null, 'PAIN001_NAMESPACE_UNSUPPORTED', 'not a supported pain.001 document', { namespace: (root.namespace ?? '').slice(0, 120) });
  const version = m[1] as Pain001Version;
  const msg = at(doc, 'Document', 'CstmrCdtTrfInitn');
  const messageId = textAt(msg, 'GrpHdr', 'MsgId');
  const createdAt = textAt(msg, 'GrpHdr', 'CreDtTm');
  need(messageId !== undefined && createdAt !== undefined, 'PAIN001_STRUCTURE', 'GrpHdr/MsgId and CreDtTm are required');
  const pmtInfs = children(msg, 'PmtInf');
  need(pmtInfs.length === 1, 'PAIN001_STRUCTURE', 'exactly one PmtInf is supported');
  const pi = pmtInfs[0];
  need(textAt(pi, 'PmtMtd') === 'TRF', 'PAIN001_STRUCTURE', 'PmtMtd must be TRF');
  const date = version === '001.001.09' ? textAt(pi, 'ReqdExctnDt', 'Dt') : textAt(pi, 'ReqdExctnDt');
  need(date !== undefined && DATE_RE.test(date), 'PAIN001_STRUCTURE', 'ReqdExctnDt is missing or not a date');
  const debtor = checkIban(textAt(pi, 'DbtrAcct', 'Id', 'IBAN'));
  need(debtor.ok, 'PAIN001_IBAN', 'debtor IBAN is invalid');
  const txs = children(pi, 'CdtTrfTxInf');
  need(txs.length >= 1 && txs.length <= PAIN001_TXS_MAX, 'PAIN001_COUNT', `1..${PAIN001_TXS_MAX} transactions required`);
  const seenIds = new Set<string>();
  const payments = txs.map((t, i): Pain001Payment => {
    const amt = at(t, 'Amt', 'InstdAmt');
    need(attr(amt, 'Ccy') === 'AED', 'PAIN001_CURRENCY', 'only AED payments are supported', { index: i });
    const amountFils = parseDecimal(textAt(t, 'Amt', 'InstdAmt'), 2, 'InstdAmt');
    need(amountFils > 0n, 'PAIN001_AMOUNT', 'amount must be positive', { index: i });
    const endToEndId = textAt(t, 'PmtId', 'EndToEndId');
    const creditorName = textAt(t, 'Cdtr', 'Nm');
    const iban = checkIban(textAt(t, 'CdtrAcct', 'Id', 'IBAN'));
    need(endToEndId !== undefined && creditorName !== undefined, 'PAIN001_STRUCTURE', 'EndToEndId and Cdtr/Nm are required', { index: i });
    need(iban.ok, 'PAIN001_IBAN', 'creditor IBAN is invalid', { index: i });
    need(!seenIds.has(endToEndId), 'PAIN001_DUPLICATE', 'EndToEndId repeats within the file', { index: i });
    seenIds.add(endToEndId);
    return { endToEndId, amountFils, creditorName, creditorIban: iban.value.iban, remittance: textAt(t, 'RmtInf', 'Ustrd') };
  });
  const sum = payments.reduce((s, p) => s + p.amountFils, 0n);
  for (const node of [at(msg, 'GrpHdr'), pi]) {
    need(textAt(node, 'NbOfTxs') === String(payments.length), 'PAIN001_TOTALS', 'NbOfTxs does not match the transactions');
    const ctrl = textAt(node, 'CtrlSum');
    need(ctrl === undefined || parseDecimal(ctrl, 2, 'CtrlSum') === sum, 'PAIN001_TOTALS', 'CtrlSum does not match the transactions');
  }
  return { version, messageId, createdAt, requestedExecutionDate: date, debtorIban: debtor.value.iban, controlSumFils: sum, payments };
}
