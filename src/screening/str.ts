import { assert } from '../shared/assert.ts';
import { formatDecimal, formatDecimalFixed } from '../shared/decimal.ts';
import { ScreeningError } from './errors.ts';
import type { Chain } from './types.ts';

/**
 * Suspicious Transaction Report (STR) export for the UAE Financial Intelligence Unit,
 * which receives reports through goAML (the UNODC system). The XML produced here follows
 * goAML's report structure (report → rentity_id, submission_code, report_code,
 * reporting_person, location, reason, action, transaction → t_from / t_to_my_client …,
 * report_indicators) but it is goAML-STYLE: it has not been validated against the FIU's
 * certified XSD, whose code lists (transmode_code, funds codes, indicators) the FIU
 * publishes to registered reporting entities. Code values are therefore passed in by the
 * caller from that list rather than invented here. See docs/screening.md.
 *
 * The builder is our own, small and strict: element names come only from this module,
 * every text is escaped, and characters XML 1.0 cannot carry are refused (not dropped),
 * so a customer-supplied name cannot break or inject structure.
 */

export const STR_TEXT_CHARS_MAX = 4_000;
export const STR_TRANSACTIONS_MAX = 1_000;

// ---------- Tiny escaped XML builder ----------

export type XmlNode = { readonly name: string; readonly children: readonly XmlNode[] } | { readonly name: string; readonly text: string };

// XML 1.0 §2.2 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]; lone surrogates are not characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the characters XML forbids is the point
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NAME_RE = /^[a-z][a-z0-9_]*$/;

export function escapeXmlText(s: string): string {
  if (XML_FORBIDDEN.test(s)) throw new ScreeningError('STR_INVALID', 'text contains a character XML 1.0 cannot carry', {});
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function el(name: string, content: string | readonly (XmlNode | null | undefined)[]): XmlNode {
  assert(NAME_RE.test(name), 'element names are fixed identifiers', { name });
  if (typeof content === 'string') return { name, text: content };
  return { name, children: content.filter((c): c is XmlNode => c !== null && c !== undefined) };
}

/** Optional text element: omitted when the value is absent or empty. */
function opt(name: string, value: string | undefined | null): XmlNode | null {
  return value === undefined || value === null || value === '' ? null : el(name, value);
}

export function renderXml(root: XmlNode, indent = '  '): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const walk = (n: XmlNode, depth: number): void => {
    const pad = indent.repeat(depth);
    if ('text' in n) {
      out.push(`${pad}<${n.name}>${escapeXmlText(n.text)}</${n.name}>`);
    } else if (n.children.length === 0) {
      out.push(`${pad}<${n.name}/>`);
    } else {
      out.push(`${pad}<${n.name}>`);
      for (const c of n.children) walk(c, depth + 1);
      out.push(`${pad}</${n.name}>`);
    }
  };
  walk(root, 0);
  return `${out.join('\n')}\n`;
}

// ---------- Report model ----------

export interface StrPerson {
  readonly kind: 'person';
  readonly firstName: string;
  readonly lastName: string;
  /** YYYY-MM-DD */
  readonly birthDate?: string;
  readonly nationality?: string;
  readonly idNumber?: string;
  readonly email?: string;
  readonly occupation?: string;
}
export interface StrEntity {
  readonly kind: 'entity';
  readonly name: string;
  readonly incorporationCountry?: string;
}
/** A wallet or bank account; for crypto the "account" is the address and the institution the VASP (or "unhosted"). */
export interface StrAccount {
  readonly kind: 'account';
  readonly institutionName: string;
  readonly account: string;
  readonly currencyCode: string;
  readonly holder?: StrPerson | StrEntity;
}
export type StrParty = StrPerson | StrEntity | StrAccount;

export interface StrTransaction {
  /** On-chain txid or bank reference. */
  readonly transactionNumber: string;
  readonly internalRef: string;
  readonly description: string;
  readonly dateMs: number;
  /** From the FIU's transmode code list (caller-supplied). */
  readonly transmodeCode: string;
  /** AED value at the time, in fils. */
  readonly amountLocalFils: bigint;
  /** The crypto leg, exact: amountUnits in sat / wei. */
  readonly asset?: { readonly chain: Chain; readonly amountUnits: bigint };
  readonly fundsCode: string;
  readonly from: StrParty;
  readonly fromCountry: string;
  readonly to: StrParty;
  readonly toCountry: string;
  /** True when the receiving side is our client (goAML t_to_my_client vs t_to). */
  readonly toIsMyClient: boolean;
  readonly fromIsMyClient: boolean;
}

export interface StrReport {
  readonly rentityId: string;
  readonly rentityBranch?: string;
  /** E: electronic, M: manual (goAML submission codes). */
  readonly submissionCode: 'E' | 'M';
  readonly entityReference: string;
  readonly submissionDateMs: number;
  readonly reportingPerson: StrPerson;
  readonly location: { readonly address: string; readonly city: string; readonly countryCode: string };
  readonly reason: string;
  readonly action: string;
  readonly transactions: readonly StrTransaction[];
  readonly indicators: readonly string[];
}

const DECIMALS: Record<Chain, number> = { BTC: 8, ETH: 18 };

function isoSeconds(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new ScreeningError('STR_INVALID', 'timestamps must be non-negative integer ms', { ms });
  // goAML dates are xs:dateTime without zone; we state UTC in the docs.
  return new Date(ms).toISOString().slice(0, 19);
}

function checkText(field: string, v: string, max = STR_TEXT_CHARS_MAX, required = true): void {
  if (typeof v !== 'string' || (required && v.trim().length === 0)) throw new ScreeningError('STR_INVALID', `${field} is required`, { field });
  if (v.length > max) throw new ScreeningError('STR_INVALID', `${field} is longer than ${max} characters`, { field });
}

function country(field: string, c: string): string {
  if (!/^[A-Z]{2}$/.test(c)) throw new ScreeningError('STR_INVALID', `${field} must be an ISO 3166-1 alpha-2 code`, { field });
  return c;
}

function personNode(name: string, p: StrPerson): XmlNode {
  checkText(`${name}.first_name`, p.firstName, 200);
  checkText(`${name}.last_name`, p.lastName, 200);
  if (p.birthDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(p.birthDate)) throw new ScreeningError('STR_INVALID', 'birthDate must be YYYY-MM-DD', {});
  return el(name, [
    el('first_name', p.firstName),
    el('last_name', p.lastName),
    opt('birthdate', p.birthDate ? `${p.birthDate}T00:00:00` : undefined),
    opt('id_number', p.idNumber),
    opt('nationality1', p.nationality ? country('nationality', p.nationality) : undefined),
    opt('email', p.email),
    opt('occupation', p.occupation),
  ]);
}

function entityNode(name: string, e: StrEntity): XmlNode {
  checkText(`${name}.name`, e.name, 500);
  return el(name, [el('name', e.name), opt('incorporation_country_code', e.incorporationCountry ? country('incorporationCountry', e.incorporationCountry) : undefined)]);
}

function partyNodes(side: 'from' | 'to', p: StrParty): XmlNode {
  if (p.kind === 'person') return personNode(`${side}_person`, p);
  if (p.kind === 'entity') return entityNode(`${side}_entity`, p);
  checkText(`${side}_account.account`, p.account, 200);
  checkText(`${side}_account.institution_name`, p.institutionName, 500);
  const holder = p.holder ? (p.holder.kind === 'person' ? el('signatory', [personNode('t_person', p.holder)]) : entityNode('t_entity', p.holder)) : null;
  return el(`${side}_account`, [el('institution_name', p.institutionName), el('account', p.account), el('currency_code', p.currencyCode), holder]);
}

function transactionNode(t: StrTransaction): XmlNode {
  checkText('transactionnumber', t.transactionNumber, 200);
  checkText('internal_ref_number', t.internalRef, 200);
  checkText('transaction_description', t.description);
  checkText('transmode_code', t.transmodeCode, 50);
  checkText('funds_code', t.fundsCode, 50);
  if (typeof t.amountLocalFils !== 'bigint' || t.amountLocalFils < 0n) throw new ScreeningError('STR_INVALID', 'amountLocalFils must be a non-negative bigint', {});
  const foreign = t.asset
    ? el('foreign_currency', [el('foreign_currency_code', t.asset.chain), el('foreign_amount', formatDecimal(t.asset.amountUnits, DECIMALS[t.asset.chain]))])
    : null;
  const withForeign = (side: 'from' | 'to', node: XmlNode | null): XmlNode | null => (node && 'children' in node ? el(`${side}_${node.name}`, node.children) : null);
  const fromEl = el(t.fromIsMyClient ? 't_from_my_client' : 't_from', [
    el('from_funds_code', t.fundsCode),
    withForeign('from', foreign),
    partyNodes('from', t.from),
    el('from_country', country('fromCountry', t.fromCountry)),
  ]);
  const toEl = el(t.toIsMyClient ? 't_to_my_client' : 't_to', [
    el('to_funds_code', t.fundsCode),
    withForeign('to', foreign),
    partyNodes('to', t.to),
    el('to_country', country('toCountry', t.toCountry)),
  ]);
  return el('transaction', [
    el('transactionnumber', t.transactionNumber),
    el('internal_ref_number', t.internalRef),
    el('transaction_location', 'online'),
    el('transaction_description', t.description),
    el('date_transaction', isoSeconds(t.dateMs)),
    el('transmode_code', t.transmodeCode),
    el('amount_local', formatDecimalFixed(t.amountLocalFils, 2)),
    fromEl,
    toEl,
  ]);
}

/** Builds the goAML-style STR XML document. Throws ScreeningError STR_INVALID on bad input; builds nothing partial. */
export function buildStrXml(r: StrReport): string {
  checkText('rentity_id', r.rentityId, 50);
  if (!/^\d{1,20}$/.test(r.rentityId)) throw new ScreeningError('STR_INVALID', 'rentity_id is the numeric id the FIU assigned', {});
  checkText('entity_reference', r.entityReference, 200);
  checkText('reason', r.reason);
  checkText('action', r.action);
  if (r.submissionCode !== 'E' && r.submissionCode !== 'M') throw new ScreeningError('STR_INVALID', 'submission_code is E or M', {});
  if (r.transactions.length === 0 || r.transactions.length > STR_TRANSACTIONS_MAX) throw new ScreeningError('STR_INVALID', `an STR carries 1..${STR_TRANSACTIONS_MAX} transactions`, {});
  if (r.indicators.length > 100) throw new ScreeningError('STR_INVALID', 'too many indicators', {});
  const doc = el('report', [
    el('rentity_id', r.rentityId),
    opt('rentity_branch', r.rentityBranch),
    el('submission_code', r.submissionCode),
    el('report_code', 'STR'),
    el('entity_reference', r.entityReference),
    el('submission_date', isoSeconds(r.submissionDateMs)),
    el('currency_code_local', 'AED'),
    personNode('reporting_person', r.reportingPerson),
    el('location', [el('address_type', 'BIZZ'), el('address', r.location.address), el('city', r.location.city), el('country_code', country('location.countryCode', r.location.countryCode))]),
    el('reason', r.reason),
    el('action', r.action),
    ...r.transactions.map(transactionNode),
    r.indicators.length > 0 ? el('report_indicators', r.indicators.map((i) => el('indicator', i))) : null,
  ]);
  return renderXml(doc);
}
