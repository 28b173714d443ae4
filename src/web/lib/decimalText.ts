/**
 * Decimal strings as the API sends them ("350012", "0.00123"), compared and summed
 * exactly in the browser. Amounts never become floats on their way to an order; a
 * float appears only as a display ratio (the width of a depth bar).
 */

const DECIMAL_RE = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;
/** Longest decimal string handled (the API's own limit is 100 characters). */
export const DECIMAL_TEXT_LENGTH_MAX = 100;

export function isDecimalText(s: unknown): s is string {
  return typeof s === 'string' && s.length > 0 && s.length <= DECIMAL_TEXT_LENGTH_MAX && DECIMAL_RE.test(s);
}

/** Exact comparison of two non-negative decimal strings: -1, 0 or 1. */
export function compareDecimalText(a: string, b: string): number {
  const [ai = '0', af = ''] = a.split('.');
  const [bi = '0', bf = ''] = b.split('.');
  if (ai.length !== bi.length) return ai.length < bi.length ? -1 : 1;
  if (ai !== bi) return ai < bi ? -1 : 1;
  const n = Math.max(af.length, bf.length);
  const ap = af.padEnd(n, '0');
  const bp = bf.padEnd(n, '0');
  return ap === bp ? 0 : ap < bp ? -1 : 1;
}

/** "1.5" with 8 decimals → 150000000n. Throws on anything that is not a plain decimal with at most `decimals` places. */
export function toMinor(text: string, decimals: number): bigint {
  if (!isDecimalText(text)) throw new RangeError('not a decimal string');
  const [whole = '0', frac = ''] = text.split('.');
  if (frac.length > decimals) throw new RangeError(`more than ${decimals} decimal places`);
  return BigInt(whole + frac.padEnd(decimals, '0'));
}

/** 150000000n with 8 decimals → "1.5" (trailing zeros trimmed). */
export function fromMinor(minor: bigint, decimals: number): string {
  const neg = minor < 0n;
  const digits = (neg ? -minor : minor).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return (neg ? '-' : '') + (frac.length > 0 ? `${whole}.${frac}` : whole);
}

/** Number of fractional digits written ("1.50" → 2). */
export function fractionDigits(text: string): number {
  const i = text.indexOf('.');
  return i < 0 ? 0 : text.length - i - 1;
}

/**
 * Fixed-width display: pads or trims (never rounds up: truncation toward zero) to
 * `places` fractional digits and groups thousands, so columns of the book line up
 * with tabular numerals and the row does not change width as digits change.
 */
export function formatFixed(text: string, places: number, group = true): string {
  if (!isDecimalText(text)) return text;
  const [whole = '0', frac = ''] = text.split('.');
  const w = group ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : whole;
  if (places <= 0) return w;
  return `${w}.${frac.slice(0, places).padEnd(places, '0')}`;
}
