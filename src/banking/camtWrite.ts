import { formatDecimalFixed } from '../shared/decimal.ts';
import { assert } from '../shared/assert.ts';
import { block, el, esc } from './xmlWrite.ts';

/**
 * Writes camt.053 / camt.054 documents (AED), in versions .001.02 and .001.08, element order as
 * in the schemas. Used by the sandbox bank so that Rampart's own parser is exercised on the
 * same bytes a real bank would send, and by tests.
 */

export type CamtWriteVersion = '001.02' | '001.08';

export interface CamtWriteEntry {
  readonly accountServicerRef: string;
  readonly amountFils: bigint;
  readonly direction: 'credit' | 'debit';
  readonly bookingDate: string;
  readonly valueDate: string;
  /** Domn/Fmly/SubFmly, e.g. PMNT/RCDT/DMCT (received credit transfer), PMNT/ICDT/DMCT (issued), PMNT/ICDT/RRTN (return). */
  readonly bankTxCode: string;
  readonly endToEndId?: string;
  readonly debtorName?: string;
  readonly debtorIban?: string;
  readonly creditorName?: string;
  readonly creditorIban?: string;
  readonly remittance?: string;
}

export interface CamtWriteDocument {
  readonly kind: 'camt.053' | 'camt.054';
  readonly version: CamtWriteVersion;
  readonly messageId: string;
  readonly createdAt: string;
  readonly reportId: string;
  readonly accountIban: string;
  /** camt.053 only. Signed fils (negative = DBIT). */
  readonly openingBalanceFils?: bigint;
  readonly closingBalanceFils?: bigint;
  readonly balanceDate?: string;
  readonly entries: readonly CamtWriteEntry[];
}

const amt = (fils: bigint): string => `<Amt Ccy="AED">${formatDecimalFixed(fils < 0n ? -fils : fils, 2)}</Amt>`;
const cdtDbt = (d: 'credit' | 'debit'): string => el('CdtDbtInd', d === 'credit' ? 'CRDT' : 'DBIT');

function party(role: 'Dbtr' | 'Cdtr', name: string | undefined, version: CamtWriteVersion): string[] {
  if (name === undefined) return [];
  // .02: PartyIdentification32 (Nm); .08: Party40Choice (Pty/Nm).
  return [version === '001.02' ? block(role, [el('Nm', name)]) : block(role, [block('Pty', [el('Nm', name)])])];
}

function account(role: 'DbtrAcct' | 'CdtrAcct', iban: string | undefined): string[] {
  return iban === undefined ? [] : [block(role, [block('Id', [el('IBAN', iban)])])];
}

function entryXml(e: CamtWriteEntry, i: number, version: CamtWriteVersion): string {
  assert(e.amountFils > 0n, 'entry amounts are positive; the direction is CdtDbtInd', { index: i });
  const [domain, family, sub] = e.bankTxCode.split('/');
  const v02 = version === '001.02';
  const related = [
    ...party('Dbtr', e.debtorName, version),
    ...account('DbtrAcct', e.debtorIban),
    ...party('Cdtr', e.creditorName, version),
    ...account('CdtrAcct', e.creditorIban),
  ];
  const tx = block('TxDtls', [
    block('Refs', [el('AcctSvcrRef', e.accountServicerRef), el('EndToEndId', e.endToEndId ?? 'NOTPROVIDED')]),
    ...(v02 ? [block('AmtDtls', [block('TxAmt', [amt(e.amountFils)])])] : [amt(e.amountFils), cdtDbt(e.direction)]),
    ...(related.length > 0 ? [block('RltdPties', related)] : []),
    ...(e.remittance === undefined ? [] : [block('RmtInf', [el('Ustrd', e.remittance)])]),
  ]);
  return block('Ntry', [
    el('NtryRef', String(i + 1)),
    amt(e.amountFils),
    cdtDbt(e.direction),
    el('RvslInd', 'false'),
    v02 ? el('Sts', 'BOOK') : block('Sts', [el('Cd', 'BOOK')]),
    block('BookgDt', [el('Dt', e.bookingDate)]),
    block('ValDt', [el('Dt', e.valueDate)]),
    el('AcctSvcrRef', e.accountServicerRef),
    block('BkTxCd', [block('Domn', [el('Cd', domain ?? 'PMNT'), block('Fmly', [el('Cd', family ?? 'MCOP'), el('SubFmlyCd', sub ?? 'OTHR')])])]),
    block('NtryDtls', [tx]),
  ]);
}

function balance(code: 'OPBD' | 'CLBD', fils: bigint, date: string): string {
  return block('Bal', [block('Tp', [block('CdOrPrtry', [el('Cd', code)])]), amt(fils), el('CdtDbtInd', fils < 0n ? 'DBIT' : 'CRDT'), block('Dt', [el('Dt', date)])]);
}

export function writeCamt(d: CamtWriteDocument): string {
  const is053 = d.kind === 'camt.053';
  const msg = is053 ? 'BkToCstmrStmt' : 'BkToCstmrDbtCdtNtfctn';
  const report = is053 ? 'Stmt' : 'Ntfctn';
  const bals: string[] = [];
  if (is053) {
    assert(d.openingBalanceFils !== undefined && d.closingBalanceFils !== undefined && d.balanceDate !== undefined, 'camt.053 needs opening and closing balances');
    const net = d.entries.reduce((n, e) => n + (e.direction === 'credit' ? e.amountFils : -e.amountFils), 0n);
    assert(d.openingBalanceFils + net === d.closingBalanceFils, 'opening + entries must equal closing', { opening: String(d.openingBalanceFils), closing: String(d.closingBalanceFils) });
    bals.push(balance('OPBD', d.openingBalanceFils, d.balanceDate), balance('CLBD', d.closingBalanceFils, d.balanceDate));
  }
  const ns = `urn:iso:std:iso:20022:tech:xsd:${d.kind}.${d.version}`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    block(
      'Document',
      [
        block(msg, [
          block('GrpHdr', [el('MsgId', d.messageId), el('CreDtTm', d.createdAt)]),
          block(report, [
            el('Id', d.reportId),
            el('CreDtTm', d.createdAt),
            block('Acct', [block('Id', [el('IBAN', d.accountIban)]), el('Ccy', 'AED')]),
            ...bals,
            ...d.entries.map((e, i) => entryXml(e, i, d.version)),
          ]),
        ]),
      ],
      ` xmlns="${esc(ns)}"`,
    ) +
    '\n'
  );
}
