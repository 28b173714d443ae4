import { assertSafeXml } from '../shared/xml.ts';
import { type CamtDocument, type CamtParseOptions, parseCamt } from './camt.ts';
import { BankingError } from './errors.ts';
import { type Pain002Report, parsePain002 } from './pain002.ts';
import { rootElement } from './xmlTree.ts';

/**
 * One entry point for whatever the bank drops in the inbox: the namespace decides the parser.
 * camt.053 / camt.054 → statements and notifications; pain.002 → payment statuses. Anything
 * else (camt.052, pain.001 echoed back, HTML error pages) is refused with BANK_FILE_UNKNOWN.
 */
export type BankFile = { type: 'camt'; doc: CamtDocument } | { type: 'pain.002'; report: Pain002Report };

export function parseBankFile(content: string, options: CamtParseOptions = {}): BankFile {
  const text = assertSafeXml(content, options.bytesMax);
  const ns = rootElement(text).namespace ?? '';
  if (/^urn:iso:std:iso:20022:tech:xsd:camt\.05[34]\./.test(ns)) return { type: 'camt', doc: parseCamt(text, options) };
  if (/^urn:iso:std:iso:20022:tech:xsd:pain\.002\./.test(ns)) return { type: 'pain.002', report: parsePain002(text) };
  throw new BankingError('BANK_FILE_UNKNOWN', 'not a camt.053, camt.054 or pain.002 document', { namespace: ns.slice(0, 120) });
}
