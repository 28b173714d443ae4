import { XMLParser } from 'fast-xml-parser';
import { ValidationError } from './errors.ts';

/**
 * The only door through which untrusted XML (bank statements, sanctions lists,
 * payment status reports) enters Rampart. Refused before any parser sees it:
 * DOCTYPE and ENTITY declarations (XXE, billion laughs), processing instructions
 * other than the XML declaration, and documents over the size limit.
 */
export class XmlError extends ValidationError {}

/** 32 MiB: a day's camt.053 for a busy collection account is a few MiB; the OFAC SDN list ~10 MiB. */
export const XML_BYTES_MAX = 32 * 1024 * 1024;

export interface SafeXmlOptions {
  bytesMax?: number;
  /** Element names that must always parse as arrays (ISO 20022 repeats: Ntry, TxDtls, Stmt…). */
  arrayTags?: ReadonlySet<string>;
}

export function assertSafeXml(xml: string | Uint8Array, bytesMax = XML_BYTES_MAX): string {
  const bytes = typeof xml === 'string' ? Buffer.byteLength(xml, 'utf8') : xml.byteLength;
  if (bytes > bytesMax) throw new XmlError('XML_TOO_LARGE', `XML document is ${bytes} bytes; the limit is ${bytesMax}`, { bytes, bytesMax });
  let text: string;
  try {
    text = typeof xml === 'string' ? xml : new TextDecoder('utf-8', { fatal: true }).decode(xml);
  } catch {
    throw new XmlError('XML_ENCODING', 'XML is not valid UTF-8');
  }
  if (/<!DOCTYPE/i.test(text)) throw new XmlError('XML_DTD_REFUSED', 'XML with a DOCTYPE is refused (XXE / entity expansion)');
  if (/<!ENTITY/i.test(text)) throw new XmlError('XML_ENTITY_REFUSED', 'XML with ENTITY declarations is refused');
  // Only the leading <?xml ...?> declaration is allowed; any other PI (e.g. xml-stylesheet) is refused.
  const pis = text.match(/<\?[^?]*\?>/g) ?? [];
  for (const [i, pi] of pis.entries()) {
    if (i > 0 || !/^<\?xml\s/.test(pi) || !text.trimStart().startsWith(pi)) {
      throw new XmlError('XML_PI_REFUSED', 'XML processing instructions other than the declaration are refused');
    }
  }
  return text;
}

/**
 * Parses untrusted XML into plain objects after assertSafeXml. Namespaces prefixes are
 * removed (removeNSPrefix) so callers match on local names and check the default
 * namespace (`@_xmlns`) themselves. Text is kept as strings: amounts are never numbers.
 */
export function parseSafeXml(xml: string | Uint8Array, options: SafeXmlOptions = {}): Record<string, unknown> {
  const text = assertSafeXml(xml, options.bytesMax);
  const arrayTags = options.arrayTags ?? new Set<string>();
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: true, // only the five predefined XML entities; DOCTYPE was refused above
    trimValues: true,
    isArray: (name) => arrayTags.has(name),
  });
  try {
    const out: unknown = parser.parse(text, true);
    if (out === null || typeof out !== 'object') throw new XmlError('XML_MALFORMED', 'XML did not parse to a document');
    return out as Record<string, unknown>;
  } catch (e) {
    if (e instanceof XmlError) throw e;
    throw new XmlError('XML_MALFORMED', 'XML is not well-formed', { reason: e instanceof Error ? e.message.slice(0, 200) : String(e) });
  }
}

/**
 * The default namespace declared on the root element, read from the raw text (the parser
 * drops xmlns attributes when it strips prefixes). Handles a prefixed root
 * (`<ns2:Document xmlns:ns2="…">`) too. Null when the root declares none.
 */
export function rootNamespace(xml: string): string | null {
  const text = assertSafeXml(xml);
  const m = /<(?:([A-Za-z_][\w.-]*):)?[A-Za-z_][\w.-]*(\s[^>]*)?>/.exec(text.replace(/^\s*<\?xml[^?]*\?>/, '').replace(/<!--[\s\S]*?-->/g, ''));
  if (m === null) return null;
  const prefix = m[1];
  const attrs = m[2] ?? '';
  const re = prefix === undefined ? /\sxmlns\s*=\s*("([^"]*)"|'([^']*)')/ : new RegExp(`\\sxmlns:${prefix}\\s*=\\s*("([^"]*)"|'([^']*)')`);
  const a = re.exec(attrs);
  return a === null ? null : (a[2] ?? a[3] ?? null);
}
