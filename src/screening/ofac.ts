import { assert } from '../shared/assert.ts';
import { parseSafeXml } from '../shared/xml.ts';
import type { Blocklist } from './blocklist.ts';
import { normaliseAddress } from './blocklist.ts';
import { ScreeningError } from './errors.ts';
import type { AddressValidator, Chain } from './types.ts';

/**
 * OFAC Specially Designated Nationals list, XML edition (sdn.xml, schema sdnList.xsd,
 * default namespace http://tempuri.org/sdnList.xsd). Since 2018 OFAC publishes virtual
 * currency addresses as `id` features with idType "Digital Currency Address - <TICKER>"
 * (XBT, ETH, USDT, USDC, XMR, LTC, TRX, ARB, BSC, ETC, ZEC, DASH, BCH, BSV, BTG, XVG …).
 *
 * Rampart supports BTC and ETH, so "- XBT" (OFAC's ticker for bitcoin) maps to BTC and
 * "- ETH" to ETH. Every other ticker is reported (so compliance sees it) but not imported.
 * Note: OFAC's USDT/USDC features do not name the network (a 0x… address may be on
 * Ethereum or another EVM chain); they are reported, not imported, by design here.
 *
 * Input is untrusted: it enters only through parseSafeXml (no DTD/entities, size limit).
 */

export const OFAC_NAMESPACE = 'http://tempuri.org/sdnList.xsd';
export const OFAC_DIGITAL_CURRENCY_PREFIX = 'Digital Currency Address - ';
/** Stated bound: the real list has ~18,000 entries; refuse anything wildly larger. */
export const OFAC_ENTRIES_MAX = 100_000;

const TICKER_TO_CHAIN: Readonly<Record<string, Chain>> = { XBT: 'BTC', ETH: 'ETH' };

export interface OfacAddress {
  readonly chain: Chain;
  /** Normalised address (ETH lowercase; bech32 lowercase; base58 as is). */
  readonly address: string;
  readonly uid: string;
  readonly idUid: string;
  readonly name: string;
  readonly sdnType: string;
  readonly programs: readonly string[];
  /** Human reason stored on the blocklist entry. */
  readonly reason: string;
  /** `ofac:sdn:<uid>:<id uid>` */
  readonly sourceRef: string;
}

export interface OfacSkipped {
  readonly uid: string;
  readonly name: string;
  readonly idType: string;
  readonly idNumber: string;
  readonly why: 'UNSUPPORTED_CURRENCY' | 'ADDRESS_INVALID';
}

export interface OfacParseResult {
  readonly publishDate: string | null;
  readonly recordCount: number | null;
  readonly entriesSeen: number;
  readonly entriesWithDigitalCurrency: number;
  readonly addresses: readonly OfacAddress[];
  readonly skipped: readonly OfacSkipped[];
}

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new ScreeningError('OFAC_FORMAT', message, details);
}

function asArray(x: unknown): unknown[] {
  if (x === undefined || x === null || x === '') return [];
  return Array.isArray(x) ? x : [x];
}

function text(x: unknown): string {
  if (typeof x === 'string') return x.trim();
  // An element with attributes parses to { '#text': … }.
  if (x !== null && typeof x === 'object' && typeof (x as Record<string, unknown>)['#text'] === 'string') return ((x as Record<string, unknown>)['#text'] as string).trim();
  return '';
}

function obj(x: unknown): Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
}

/** Parses sdn.xml and extracts the BTC and ETH digital-currency addresses. */
export function parseOfacSdnXml(
  xml: string | Uint8Array,
  options: {
    validator?: AddressValidator;
    bytesMax?: number;
    /**
     * Tickers whose 0x addresses are also imported as ETH addresses (e.g. ['USDT', 'USDC']):
     * the same key controls a 0x address on every EVM chain. Off by default; see the note above.
     */
    evmTickersAsEth?: readonly string[];
  } = {},
): OfacParseResult {
  const doc = parseSafeXml(xml, {
    ...(options.bytesMax !== undefined ? { bytesMax: options.bytesMax } : {}),
    arrayTags: new Set(['sdnEntry', 'program', 'id', 'aka', 'address']),
  });
  if (!('sdnList' in doc)) fail('root element is not sdnList');
  // parseSafeXml's removeNSPrefix drops xmlns attributes, so the default namespace is
  // checked on the root start tag of the (already safety-checked) text.
  const rawText = typeof xml === 'string' ? xml : new TextDecoder().decode(xml);
  const rootTag = /<sdnList\b[^>]*>/.exec(rawText)?.[0] ?? '';
  const ns = /\sxmlns\s*=\s*(["'])([^"']*)\1/.exec(rootTag)?.[2];
  if (ns !== OFAC_NAMESPACE) fail('sdnList has the wrong namespace', { xmlns: String(ns ?? '').slice(0, 100) });
  const r = obj(doc.sdnList);
  const pub = obj(r.publshInformation); // sic: OFAC's own spelling
  const publishDate = text(pub.Publish_Date) || null;
  const countText = text(pub.Record_Count);
  const recordCount = /^\d{1,7}$/.test(countText) ? Number(countText) : null;

  const entries = asArray(r.sdnEntry);
  if (entries.length > OFAC_ENTRIES_MAX) fail('too many sdnEntry elements', { count: entries.length, max: OFAC_ENTRIES_MAX });
  const addresses: OfacAddress[] = [];
  const skipped: OfacSkipped[] = [];
  let withDc = 0;
  for (const raw of entries) {
    const e = obj(raw);
    const uid = text(e.uid);
    if (!/^\d{1,10}$/.test(uid)) fail('sdnEntry without a numeric uid', { uid: uid.slice(0, 20) });
    const last = text(e.lastName);
    const first = text(e.firstName);
    const name = first ? `${first} ${last}` : last;
    const sdnType = text(e.sdnType);
    const programs = asArray(obj(e.programList).program).map(text).filter((p) => p.length > 0);
    let hasDc = false;
    for (const idRaw of asArray(obj(e.idList).id)) {
      const id = obj(idRaw);
      const idType = text(id.idType);
      if (!idType.startsWith(OFAC_DIGITAL_CURRENCY_PREFIX)) continue;
      hasDc = true;
      const ticker = idType.slice(OFAC_DIGITAL_CURRENCY_PREFIX.length).trim();
      const idNumber = text(id.idNumber);
      const chain = TICKER_TO_CHAIN[ticker] ?? (options.evmTickersAsEth?.includes(ticker) && /^0x[0-9a-fA-F]{40}$/.test(idNumber) ? 'ETH' : undefined);
      if (chain === undefined) {
        skipped.push({ uid, name, idType, idNumber, why: 'UNSUPPORTED_CURRENCY' });
        continue;
      }
      let address: string;
      try {
        address = normaliseAddress(chain, idNumber, options.validator);
      } catch {
        skipped.push({ uid, name, idType, idNumber: idNumber.slice(0, 200), why: 'ADDRESS_INVALID' });
        continue;
      }
      const idUid = text(id.uid);
      addresses.push({
        chain,
        address,
        uid,
        idUid,
        name,
        sdnType,
        programs,
        reason: `OFAC SDN: ${name} (${sdnType || 'unknown type'}; programs ${programs.join(', ') || 'none'})`.slice(0, 1000),
        sourceRef: `ofac:sdn:${uid}${idUid ? `:${idUid}` : ''}`,
      });
    }
    if (hasDc) withDc += 1;
  }
  assert(addresses.length + skipped.length >= withDc, 'each entry with a digital-currency feature yields an address or a skip');
  return { publishDate, recordCount, entriesSeen: entries.length, entriesWithDigitalCurrency: withDc, addresses, skipped };
}

export interface OfacImportSummary {
  readonly added: number;
  readonly alreadyListed: number;
  /** Previously imported OFAC entries absent from this list, now de-listed (removal recorded). */
  readonly delisted: number;
}

/**
 * Imports a parsed list into the blocklist. With `sync: true`, OFAC entries that are no
 * longer on the list are removed (recorded, not erased); entries of other sources for
 * the same address are untouched.
 */
export function importOfac(blocklist: Blocklist, parsed: OfacParseResult, args: { atMs: number; by: string; sync?: boolean }): OfacImportSummary {
  let added = 0;
  let already = 0;
  const present = new Set<string>();
  for (const a of parsed.addresses) {
    const r = blocklist.add({ chain: a.chain, kind: 'address', value: a.address, reason: a.reason, source: 'ofac', sourceRef: a.sourceRef, addedAtMs: args.atMs, addedBy: args.by });
    if (r.added) added += 1;
    else already += 1;
    present.add(`${a.chain}:${r.entry.value}:${a.sourceRef}`);
  }
  let delisted = 0;
  if (args.sync) {
    for (const e of blocklist.activeBySource('ofac')) {
      if (present.has(`${e.chain}:${e.value}:${e.sourceRef}`)) continue;
      delisted += blocklist.remove({ chain: e.chain, kind: e.kind, value: e.value, atMs: args.atMs, by: args.by, reason: `absent from OFAC SDN list published ${parsed.publishDate ?? 'unknown'}`, source: 'ofac', sourceRef: e.sourceRef }).length;
    }
  }
  return { added, alreadyListed: already, delisted };
}
