import { BankingError } from './errors.ts';

/**
 * Personal deposit references: what a customer types into their bank's "payment details"
 * field so an incoming AED transfer can be attributed to them.
 *
 *   electronic: RP7K3M9Q2X41        printed: RP-7K3M-9Q2X-41
 *               ^^ prefix  ^^^^^^^^ customer code (8 Crockford base-32 symbols)  ^^ check symbols
 *
 * Alphabet: Crockford base 32 (0-9, A-Z without I L O U), so references survive being read
 * aloud or retyped; on input I and L read as 1 and O as 0, case is ignored.
 *
 * Check: ISO 7064 MOD 97-10 (the IBAN algorithm) over the whole reference, prefix included,
 * with every symbol written as its two-digit value 00..31. The full number must be ≡ 1 (mod 97).
 * Why this catches every single-symbol error and every adjacent transposition:
 *   - substituting x by y at base-100 position m changes the number by (x−y)·100^m; 97 is prime,
 *     does not divide 100^m, and 0 < |x−y| ≤ 31 < 97, so the remainder changes;
 *   - swapping neighbours x,y changes it by (x−y)·(100−1)·100^m = (x−y)·99·100^m, and
 *     99 ≡ 2 (mod 97), so again non-zero.
 * reference.test.ts checks both claims exhaustively on random references.
 */

export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const REFERENCE_PREFIX = 'RP';
export const CUSTOMER_CODE_LENGTH = 8;
/** Prefix + code + 2 check symbols. */
export const REFERENCE_LENGTH = REFERENCE_PREFIX.length + CUSTOMER_CODE_LENGTH + 2;
/** Remittance text longer than this is not scanned (ISO 20022 Ustrd is Max140Text; several may repeat). */
export const REMITTANCE_SCAN_CHARS_MAX = 2_000;

const VALUE: ReadonlyMap<string, number> = new Map([...CROCKFORD_ALPHABET].map((c, i) => [c, i]));

function symbolValue(ch: string): number | undefined {
  return VALUE.get(ch);
}

/** Remainder mod 97 of the reference written with two decimal digits per symbol. */
function mod97Symbols(symbols: string): number {
  let r = 0;
  for (const ch of symbols) {
    const v = symbolValue(ch);
    if (v === undefined) throw new BankingError('REFERENCE_FORMAT', 'reference contains a symbol outside the alphabet', { symbol: ch });
    r = (r * 100 + v) % 97;
  }
  return r;
}

/** Two check symbols (a, b) with 100a + b ≡ t (mod 97), i.e. 3a + b ≡ t; a = ⌊t/4⌋ keeps both in 0..31. */
function checkSymbols(body: string): string {
  const t = (((1 - mod97Symbols(body) * 10_000) % 97) + 97) % 97;
  const a = Math.floor(t / 4);
  const b = t - 3 * a;
  return CROCKFORD_ALPHABET[a]! + CROCKFORD_ALPHABET[b]!;
}

/** Encodes a customer number (0 ≤ n < 32^8 ≈ 1.1e12) as the 8-symbol customer code. */
export function customerCodeFromNumber(n: bigint): string {
  if (n < 0n || n >= 32n ** BigInt(CUSTOMER_CODE_LENGTH)) {
    throw new BankingError('REFERENCE_RANGE', 'customer number out of range for an 8-symbol code', { n: n.toString() });
  }
  let out = '';
  let rest = n;
  for (let i = 0; i < CUSTOMER_CODE_LENGTH; i++) {
    out = CROCKFORD_ALPHABET[Number(rest % 32n)]! + out;
    rest /= 32n;
  }
  return out;
}

/** The electronic reference for a customer code (8 Crockford symbols). */
export function makeDepositReference(customerCode: string): string {
  const code = normalizeSymbols(customerCode);
  if (code.length !== CUSTOMER_CODE_LENGTH || ![...code].every((c) => VALUE.has(c))) {
    throw new BankingError('REFERENCE_FORMAT', `customer code must be ${CUSTOMER_CODE_LENGTH} Crockford base-32 symbols`);
  }
  const body = REFERENCE_PREFIX + code;
  const ref = body + checkSymbols(body);
  if (mod97Symbols(ref) !== 1) throw new BankingError('REFERENCE_INTERNAL', 'generated reference fails its own check');
  return ref;
}

/** Printed form for the customer's screen: RP-XXXX-XXXX-CC. */
export function formatDepositReference(reference: string): string {
  const r = normalizeSymbols(reference);
  return `${r.slice(0, 2)}-${r.slice(2, 6)}-${r.slice(6, 10)}-${r.slice(10)}`;
}

/** Upper-cases, drops spaces and hyphens, applies Crockford's aliases (I, L → 1; O → 0). */
function normalizeSymbols(text: string): string {
  return text.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
}

export type ReferenceCheck =
  | { ok: true; reference: string; customerCode: string }
  | { ok: false; code: 'REFERENCE_FORMAT' | 'REFERENCE_CHECK_DIGIT' };

/** Validates a reference typed by a human (spaces, hyphens, lower case, Crockford aliases tolerated). */
export function checkDepositReference(input: string): ReferenceCheck {
  if (input.length > 40) return { ok: false, code: 'REFERENCE_FORMAT' };
  // "RP" is matched before aliasing so that no alias can turn another word into the prefix.
  const upper = input.toUpperCase().replace(/[\s-]/g, '');
  if (!upper.startsWith(REFERENCE_PREFIX)) return { ok: false, code: 'REFERENCE_FORMAT' };
  const ref = REFERENCE_PREFIX + normalizeSymbols(upper.slice(REFERENCE_PREFIX.length));
  if (ref.length !== REFERENCE_LENGTH || ![...ref].every((c) => VALUE.has(c))) return { ok: false, code: 'REFERENCE_FORMAT' };
  if (mod97Symbols(ref) !== 1) return { ok: false, code: 'REFERENCE_CHECK_DIGIT' };
  return { ok: true, reference: ref, customerCode: ref.slice(2, 2 + CUSTOMER_CODE_LENGTH) };
}

export type ReferenceSearch =
  | { kind: 'found'; reference: string; customerCode: string }
  /** Several different valid references in one payment: nobody can tell whose it is. */
  | { kind: 'ambiguous'; references: string[] }
  /** Something shaped like a reference whose check symbols do not match (a typo). */
  | { kind: 'bad_check'; candidate: string }
  /** "RP" followed by symbols, but not 10 of them (a symbol dropped or added). */
  | { kind: 'malformed'; candidate: string }
  | { kind: 'none' };

/** "RP" then 10 symbols, each optionally preceded by one space or hyphen (people group digits as they like). */
const CANDIDATE_RE = /(?<![0-9A-Z])RP(?:[ -]?[0-9A-Z]){10}(?![0-9A-Z])/g;
const NEAR_CANDIDATE_RE = /(?<![0-9A-Z])RP[ -]?[0-9A-Z]{3,}/g;

/** Looks for a deposit reference in free remittance text (ISO 20022 Ustrd / Strd Ref), ignoring everything else. */
export function findDepositReference(texts: readonly string[]): ReferenceSearch {
  const text = texts.join('\n').slice(0, REMITTANCE_SCAN_CHARS_MAX).toUpperCase();
  const valid = new Map<string, string>();
  let badCheck: string | undefined;
  for (const m of text.matchAll(CANDIDATE_RE)) {
    const r = checkDepositReference(m[0]);
    if (r.ok) valid.set(r.reference, r.customerCode);
    else badCheck ??= m[0];
  }
  if (valid.size === 1) {
    const [reference, customerCode] = [...valid.entries()][0]!;
    return { kind: 'found', reference, customerCode };
  }
  if (valid.size > 1) return { kind: 'ambiguous', references: [...valid.keys()].sort() };
  if (badCheck !== undefined) return { kind: 'bad_check', candidate: badCheck };
  const near = text.match(NEAR_CANDIDATE_RE);
  if (near !== null) return { kind: 'malformed', candidate: near[0] };
  return { kind: 'none' };
}
