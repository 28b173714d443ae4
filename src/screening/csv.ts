import type { Blocklist } from './blocklist.ts';
import { normaliseAddress } from './blocklist.ts';
import { ScreeningError } from './errors.ts';
import type { AddressValidator, Chain } from './types.ts';
import { isChain } from './types.ts';

/**
 * Blocklist CSV import (RFC 4180: comma separated, double-quoted fields with "" escapes,
 * CRLF or LF). Header exactly `chain,address,reason` (case-insensitive).
 *
 * Hostile input yields per-row errors, never a partial silent import:
 * - formula injection (OWASP "CSV Injection"): a field starting with = + - @ TAB CR would
 *   execute when staff open an export in a spreadsheet, so such rows are refused;
 * - oversized rows, too many rows, NUL bytes, wrong field counts, unknown chains and
 *   malformed addresses each give a typed row error.
 * An unterminated quote makes the rest of the file unparseable: it is one row error and
 * parsing stops there.
 */

export const CSV_BYTES_MAX = 4 * 1024 * 1024;
export const CSV_ROWS_MAX = 50_000;
export const CSV_ROW_CHARS_MAX = 2_000;
export const CSV_REASON_CHARS_MAX = 500;

export interface CsvRow {
  readonly line: number;
  readonly chain: Chain;
  readonly address: string;
  readonly reason: string;
}

export type CsvRowErrorCode =
  | 'CSV_FORMULA_INJECTION'
  | 'CSV_ROW_TOO_LONG'
  | 'CSV_FIELD_COUNT'
  | 'CSV_CHAIN_INVALID'
  | 'CSV_ADDRESS_INVALID'
  | 'CSV_REASON_TOO_LONG'
  | 'CSV_UNTERMINATED_QUOTE'
  | 'CSV_CONTROL_CHAR'
  | 'CSV_TOO_MANY_ROWS';

export interface CsvRowError {
  readonly line: number;
  readonly code: CsvRowErrorCode;
  readonly message: string;
}

export interface CsvParseResult {
  readonly rows: readonly CsvRow[];
  readonly errors: readonly CsvRowError[];
}

const FORMULA_START = /^[=+\-@\t\r]/;
// C0 controls other than TAB / LF / CR, and DEL.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

interface RawRecord {
  line: number;
  fields: string[];
  chars: number;
  error?: CsvRowErrorCode;
}

/** Splits RFC 4180 records; bounded by the caller's byte limit. */
function* records(text: string): Generator<RawRecord> {
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const start = i;
    const fields: string[] = [];
    let field = '';
    let inQuotes = false;
    while (i < n) {
      const c = text[i]!;
      if (inQuotes) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          inQuotes = false;
          i += 1;
          continue;
        }
        if (c === '\n') line += 1;
        field += c;
        i += 1;
        continue;
      }
      if (c === '"' && field.length === 0) {
        inQuotes = true;
        i += 1;
        continue;
      }
      if (c === ',') {
        fields.push(field);
        field = '';
        i += 1;
        continue;
      }
      if (c === '\r' && text[i + 1] === '\n') {
        i += 2;
        line += 1;
        break;
      }
      if (c === '\n') {
        i += 1;
        line += 1;
        break;
      }
      field += c;
      i += 1;
    }
    if (inQuotes) {
      yield { line: startLine, fields: [], chars: i - start, error: 'CSV_UNTERMINATED_QUOTE' };
      return;
    }
    fields.push(field);
    yield { line: startLine, fields, chars: i - start };
  }
}

export function parseBlocklistCsv(input: string, options: { validator?: AddressValidator; bytesMax?: number; rowsMax?: number } = {}): CsvParseResult {
  const bytesMax = options.bytesMax ?? CSV_BYTES_MAX;
  const rowsMax = options.rowsMax ?? CSV_ROWS_MAX;
  if (typeof input !== 'string') throw new ScreeningError('CSV_INVALID', 'CSV must be text', {});
  const bytes = Buffer.byteLength(input, 'utf8');
  if (bytes > bytesMax) throw new ScreeningError('CSV_TOO_LARGE', `CSV is ${bytes} bytes; the limit is ${bytesMax}`, { bytes, bytesMax });
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const rows: CsvRow[] = [];
  const errors: CsvRowError[] = [];
  let header = true;
  let count = 0;
  for (const rec of records(text)) {
    if (header) {
      header = false;
      const h = rec.fields.map((f) => f.trim().toLowerCase());
      if (rec.error || h.length !== 3 || h[0] !== 'chain' || h[1] !== 'address' || h[2] !== 'reason') {
        throw new ScreeningError('CSV_HEADER', 'CSV header must be exactly chain,address,reason', { header: h.join(',').slice(0, 100) });
      }
      continue;
    }
    const err = (code: CsvRowErrorCode, message: string) => errors.push({ line: rec.line, code, message });
    if (rec.error) {
      err(rec.error, 'unterminated quoted field; the rest of the file was not read');
      break;
    }
    if (rec.fields.length === 1 && rec.fields[0]!.trim() === '') continue; // blank line
    count += 1;
    if (count > rowsMax) {
      err('CSV_TOO_MANY_ROWS', `more than ${rowsMax} rows; the rest of the file was not read`);
      break;
    }
    if (rec.chars > CSV_ROW_CHARS_MAX) {
      err('CSV_ROW_TOO_LONG', `row is longer than ${CSV_ROW_CHARS_MAX} characters`);
      continue;
    }
    if (rec.fields.some((f) => CONTROL_RE.test(f))) {
      err('CSV_CONTROL_CHAR', 'control characters are not allowed');
      continue;
    }
    if (rec.fields.some((f) => FORMULA_START.test(f) || FORMULA_START.test(f.trimStart()))) {
      err('CSV_FORMULA_INJECTION', 'a field starts with = + - @ TAB or CR (spreadsheet formula injection)');
      continue;
    }
    if (rec.fields.length !== 3) {
      err('CSV_FIELD_COUNT', `expected 3 fields, found ${rec.fields.length}`);
      continue;
    }
    const [chainRaw, addressRaw, reasonRaw] = rec.fields as [string, string, string];
    const chain = chainRaw.trim().toUpperCase();
    if (!isChain(chain)) {
      err('CSV_CHAIN_INVALID', 'chain must be BTC or ETH');
      continue;
    }
    const reason = reasonRaw.trim();
    if (reason.length > CSV_REASON_CHARS_MAX) {
      err('CSV_REASON_TOO_LONG', `reason is longer than ${CSV_REASON_CHARS_MAX} characters`);
      continue;
    }
    let address: string;
    try {
      address = normaliseAddress(chain, addressRaw, options.validator);
    } catch (e) {
      err('CSV_ADDRESS_INVALID', e instanceof Error ? e.message : 'invalid address');
      continue;
    }
    rows.push({ line: rec.line, chain, address, reason });
  }
  if (header) throw new ScreeningError('CSV_HEADER', 'CSV is empty; header chain,address,reason required', {});
  return { rows, errors };
}

/** Adds parsed rows (source 'csv', sourceRef `<fileRef>:<line>`). Rows already listed from the same file line are skipped. */
export function importCsv(blocklist: Blocklist, parsed: CsvParseResult, args: { atMs: number; by: string; fileRef: string }): { added: number; alreadyListed: number } {
  let added = 0;
  let already = 0;
  for (const r of parsed.rows) {
    const res = blocklist.add({ chain: r.chain, kind: 'address', value: r.address, reason: r.reason, source: 'csv', sourceRef: `${args.fileRef.slice(0, 180)}:${r.line}`, addedAtMs: args.atMs, addedBy: args.by });
    if (res.added) added += 1;
    else already += 1;
  }
  return { added, alreadyListed: already };
}
