import { parseSafeXml } from '../shared/xml.ts';
import { BankingError } from './errors.ts';
import { at, children, rootElement, textAt, type XmlNode } from './xmlTree.ts';
import { block, el, esc } from './xmlWrite.ts';

/**
 * ISO 20022 pain.002 CustomerPaymentStatusReport: the bank's answer to a pain.001.
 * Versions: pain.002.001.03 and pain.002.001.10. Statuses per ExternalPaymentTransactionStatus1Code;
 * rejection reasons per ExternalStatusReason1Code (AC01 incorrect account number, AC04 closed
 * account, AM04 insufficient funds, BE01 inconsistent with end customer, RR04 regulatory, …).
 */

/** Everything after "pain." in the namespace: pain.002.001.03, pain.002.001.10. */
export type Pain002Version = '002.001.03' | '002.001.10';
export const PAIN002_VERSIONS: readonly Pain002Version[] = ['002.001.03', '002.001.10'];
export const PAIN002_TXS_MAX = 10_000;

export const PAYMENT_STATUSES = ['RCVD', 'ACTC', 'ACCP', 'ACSP', 'ACWC', 'ACWP', 'ACFC', 'ACIS', 'PDNG', 'PATC', 'ACSC', 'ACCC', 'RJCT', 'CANC', 'BLCK', 'PART'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** What Rampart does with a status: final settled, final rejected (release the customer's funds), or still in flight. */
export type PaymentOutcome = 'settled' | 'rejected' | 'pending';

export function paymentOutcome(status: PaymentStatus): PaymentOutcome {
  if (status === 'ACSC' || status === 'ACCC') return 'settled';
  if (status === 'RJCT' || status === 'CANC' || status === 'BLCK') return 'rejected';
  return 'pending';
}

export interface PaymentStatusLine {
  readonly endToEndId: string;
  /** 'UNKNOWN' when the bank sent a code outside the list: treated as pending and alerted, never as settled. */
  readonly status: PaymentStatus | 'UNKNOWN';
  readonly rawStatus: string | undefined;
  readonly reasonCode: string | undefined;
  readonly additionalInfo: string | undefined;
}

export interface Pain002Report {
  readonly version: Pain002Version;
  readonly messageId: string;
  readonly originalMessageId: string;
  readonly originalMessageName: string | undefined;
  /** Group status: when RJCT and no line is listed, every transaction of the original file is rejected. */
  readonly groupStatus: PaymentStatus | 'UNKNOWN' | undefined;
  readonly groupReasonCode: string | undefined;
  readonly payments: readonly PaymentStatusLine[];
}

function asStatus(raw: string | undefined): PaymentStatus | 'UNKNOWN' | undefined {
  if (raw === undefined) return undefined;
  return (PAYMENT_STATUSES as readonly string[]).includes(raw) ? (raw as PaymentStatus) : 'UNKNOWN';
}

function reason(node: XmlNode): { code: string | undefined; info: string | undefined } {
  const sri = children(node, 'StsRsnInf')[0];
  return { code: textAt(sri, 'Rsn', 'Cd') ?? textAt(sri, 'Rsn', 'Prtry'), info: textAt(sri, 'AddtlInf')?.slice(0, 140) };
}

/** Parses a pain.002. Throws BankingError (PAIN002_*) or XmlError when the file cannot be trusted at all. */
export function parsePain002(xml: string): Pain002Report {
  const doc = parseSafeXml(xml, { arrayTags: new Set(['OrgnlPmtInfAndSts', 'TxInfAndSts', 'StsRsnInf', 'AddtlInf']) });
  const root = rootElement(xml);
  const m = /^urn:iso:std:iso:20022:tech:xsd:pain\.(002\.001\.(?:03|10))$/.exec(root.namespace ?? '');
  if (root.localName !== 'Document' || m === null) {
    throw new BankingError('PAIN002_NAMESPACE_UNSUPPORTED', 'not a supported pain.002 document', { namespace: (root.namespace ?? '').slice(0, 120) });
  }
  const version = m[1] as Pain002Version;
  const msg = at(doc, 'Document', 'CstmrPmtStsRpt');
  const messageId = textAt(msg, 'GrpHdr', 'MsgId');
  const grp = at(msg, 'OrgnlGrpInfAndSts');
  const originalMessageId = textAt(grp, 'OrgnlMsgId');
  if (messageId === undefined || originalMessageId === undefined) {
    throw new BankingError('PAIN002_STRUCTURE', 'GrpHdr/MsgId and OrgnlGrpInfAndSts/OrgnlMsgId are required');
  }
  const lines = children(msg, 'OrgnlPmtInfAndSts').flatMap((pi) => {
    const txs = children(pi, 'TxInfAndSts');
    return txs.map((t) => ({ t, piStatus: textAt(pi, 'PmtInfSts'), piReason: reason(pi) }));
  });
  if (lines.length > PAIN002_TXS_MAX) throw new BankingError('PAIN002_TOO_LARGE', `more than ${PAIN002_TXS_MAX} transaction statuses`);
  const seen = new Set<string>();
  const payments = lines.map(({ t, piStatus, piReason }, i): PaymentStatusLine => {
    const endToEndId = textAt(t, 'OrgnlEndToEndId');
    if (endToEndId === undefined) throw new BankingError('PAIN002_STRUCTURE', 'TxInfAndSts without OrgnlEndToEndId', { index: i });
    if (seen.has(endToEndId)) throw new BankingError('PAIN002_DUPLICATE', 'the same payment appears twice in one report', { endToEndId });
    seen.add(endToEndId);
    // TxSts is optional; when absent the payment-information status applies to the line.
    const raw = textAt(t, 'TxSts') ?? piStatus;
    const r = reason(t);
    return {
      endToEndId: endToEndId.slice(0, 35),
      status: asStatus(raw) ?? 'UNKNOWN',
      rawStatus: raw?.slice(0, 8),
      reasonCode: (r.code ?? piReason.code)?.slice(0, 8),
      additionalInfo: r.info ?? piReason.info,
    };
  });
  const g = reason(grp);
  return {
    version,
    messageId,
    originalMessageId,
    originalMessageName: textAt(grp, 'OrgnlMsgNmId'),
    groupStatus: asStatus(textAt(grp, 'GrpSts')),
    groupReasonCode: g.code?.slice(0, 8),
    payments,
  };
}

export interface Pain002Build {
  readonly version: Pain002Version;
  readonly messageId: string;
  readonly createdAt: string;
  readonly originalMessageId: string;
  readonly originalMessageName: string;
  readonly groupStatus?: PaymentStatus;
  readonly lines: readonly { endToEndId: string; status: PaymentStatus; reasonCode?: string; additionalInfo?: string }[];
}

/** Writes a pain.002 (the sandbox bank's answer). */
export function buildPain002(b: Pain002Build): string {
  const rsn = (code: string | undefined, info: string | undefined): string[] =>
    code === undefined ? [] : [block('StsRsnInf', [block('Rsn', [el('Cd', code)]), ...(info === undefined ? [] : [el('AddtlInf', info)])])];
  const txs = b.lines.map((l, i) =>
    block('TxInfAndSts', [el('StsId', `${b.messageId.slice(0, 28)}-${i + 1}`), el('OrgnlEndToEndId', l.endToEndId), el('TxSts', l.status), ...rsn(l.reasonCode, l.additionalInfo)]),
  );
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    block(
      'Document',
      [
        block('CstmrPmtStsRpt', [
          block('GrpHdr', [el('MsgId', b.messageId), el('CreDtTm', b.createdAt)]),
          block('OrgnlGrpInfAndSts', [el('OrgnlMsgId', b.originalMessageId), el('OrgnlMsgNmId', b.originalMessageName), ...(b.groupStatus === undefined ? [] : [el('GrpSts', b.groupStatus)])]),
          ...(txs.length === 0 ? [] : [block('OrgnlPmtInfAndSts', [el('OrgnlPmtInfId', `${b.originalMessageId.slice(0, 32)}-P1`), ...txs])]),
        ]),
      ],
      ` xmlns="${esc(`urn:iso:std:iso:20022:tech:xsd:pain.${b.version}`)}"`,
    ) +
    '\n'
  );
}
