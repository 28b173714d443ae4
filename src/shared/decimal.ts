import { ValidationError } from './errors.ts';

/**
 * The one place where decimal strings become integer minor units and back.
 * Money inside Rampart is always a bigint of the asset's smallest unit
 * (fils, satoshi, wei); decimal strings exist only at the edges (API, files, CLI).
 */

const DECIMAL_RE = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;
/** Longest decimal string accepted: 78 digits covers uint256 with 18 decimals. */
export const DECIMAL_STRING_LENGTH_MAX = 100;

export class DecimalError extends ValidationError {}

/**
 * Parses a non-negative decimal string into minor units with exactly `decimals` places.
 * Rejects signs, exponents, whitespace, leading zeros ("01"), a bare ".", and more
 * fractional digits than the asset has (never rounds silently).
 */
export function parseDecimal(text: unknown, decimals: number, field = 'amount'): bigint {
  if (typeof text !== 'string') throw new DecimalError('DECIMAL_NOT_STRING', `${field} must be a decimal string`, { field });
  if (text.length === 0 || text.length > DECIMAL_STRING_LENGTH_MAX) {
    throw new DecimalError('DECIMAL_LENGTH', `${field} must be 1..${DECIMAL_STRING_LENGTH_MAX} characters`, { field });
  }
  const m = DECIMAL_RE.exec(text);
  if (!m) throw new DecimalError('DECIMAL_FORMAT', `${field} is not a plain non-negative decimal`, { field, value: text });
  const whole = m[1]!;
  const frac = m[2] === undefined ? '' : m[2].slice(1);
  if (frac.length > decimals) {
    throw new DecimalError('DECIMAL_PRECISION', `${field} has more than ${decimals} decimal places`, { field, value: text, decimals });
  }
  return BigInt(whole + frac.padEnd(decimals, '0'));
}

/** Formats minor units as a decimal string with trailing fractional zeros trimmed ("1.5", "0.00000001", "12"). */
export function formatDecimal(minor: bigint, decimals: number): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return (negative ? '-' : '') + (frac.length > 0 ? `${whole}.${frac}` : whole);
}

/** Formats with exactly `decimals` places, for statements and reports where columns align. */
export function formatDecimalFixed(minor: bigint, decimals: number): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals);
  return (negative ? '-' : '') + (decimals > 0 ? `${whole}.${frac}` : whole);
}

/** Parses a canonical integer string of minor units ("123", "-5" when signed). */
export function parseMinor(text: unknown, field = 'amount', allowNegative = false): bigint {
  if (typeof text !== 'string' || text.length === 0 || text.length > DECIMAL_STRING_LENGTH_MAX) {
    throw new DecimalError('MINOR_FORMAT', `${field} must be an integer string`, { field });
  }
  const re = allowNegative ? /^(0|-?[1-9][0-9]*)$/ : /^(0|[1-9][0-9]*)$/;
  if (!re.test(text)) throw new DecimalError('MINOR_FORMAT', `${field} must be an integer string`, { field, value: text });
  return BigInt(text);
}

/** Exact division rounding up, for amounts the customer owes (a buyer's lock). Both operands non-negative. */
export function divCeil(a: bigint, b: bigint): bigint {
  return a === 0n ? 0n : (a - 1n) / b + 1n;
}
