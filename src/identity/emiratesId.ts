import { assert } from '../shared/assert.ts';
import { IdentityError } from './errors.ts';

/**
 * Emirates ID number: 784-YYYY-NNNNNNN-C. 784 is the UAE's ISO 3166-1 numeric
 * code, YYYY the holder's year of birth, NNNNNNN a serial, C a Luhn (ISO/IEC 7812-1
 * Annex B) check digit computed over the first 14 digits.
 */

export interface EmiratesId {
  /** The 15 digits without separators: what to store and index. */
  digits: string;
  /** 784-YYYY-NNNNNNN-C, for display. */
  formatted: string;
  birthYear: number;
}

export const EMIRATES_ID_BIRTH_YEAR_MIN = 1900;
const INPUT_LENGTH_MAX = 32;

/** Luhn check digit for a string of decimal digits (the payload, without the check digit). */
export function luhnCheckDigit(payload: string): number {
  assert(/^[0-9]+$/.test(payload), 'luhn payload must be digits');
  let sum = 0;
  // Walking from the right, double every digit at an even distance from the check position.
  for (let i = 0; i < payload.length; i++) {
    let d = payload.charCodeAt(payload.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  const check = (10 - (sum % 10)) % 10;
  assert(check >= 0 && check <= 9, 'luhn digit range');
  return check;
}

export function luhnValid(digits: string): boolean {
  if (!/^[0-9]{2,}$/.test(digits)) return false;
  return luhnCheckDigit(digits.slice(0, -1)) === Number(digits[digits.length - 1]);
}

/**
 * Parses an Emirates ID number written either as 15 digits or as 784-YYYY-NNNNNNN-C
 * (surrounding whitespace ignored; nothing else accepted: no spaces inside, no
 * other dash positions, ASCII digits only). `nowMs` bounds the plausible birth year.
 */
export function parseEmiratesId(text: unknown, nowMs: number): EmiratesId {
  if (typeof text !== 'string' || text.length > INPUT_LENGTH_MAX) {
    throw new IdentityError('EMIRATES_ID_FORMAT', 'Emirates ID must be 15 digits, optionally as 784-YYYY-NNNNNNN-C');
  }
  assert(Number.isSafeInteger(nowMs), 'nowMs must be an integer');
  const t = text.trim();
  let digits: string;
  if (/^[0-9]{15}$/.test(t)) digits = t;
  else if (/^[0-9]{3}-[0-9]{4}-[0-9]{7}-[0-9]$/.test(t)) digits = t.replace(/-/g, '');
  else throw new IdentityError('EMIRATES_ID_FORMAT', 'Emirates ID must be 15 digits, optionally as 784-YYYY-NNNNNNN-C');
  if (!digits.startsWith('784')) throw new IdentityError('EMIRATES_ID_COUNTRY', 'Emirates ID must start with 784 (UAE)');
  const birthYear = Number(digits.slice(3, 7));
  const yearNow = new Date(nowMs).getUTCFullYear();
  if (birthYear < EMIRATES_ID_BIRTH_YEAR_MIN || birthYear > yearNow) {
    throw new IdentityError('EMIRATES_ID_YEAR', `Emirates ID birth year must be ${EMIRATES_ID_BIRTH_YEAR_MIN}..${yearNow}`, { birthYear });
  }
  if (!luhnValid(digits)) throw new IdentityError('EMIRATES_ID_CHECKSUM', 'Emirates ID check digit is wrong');
  const formatted = `${digits.slice(0, 3)}-${digits.slice(3, 7)}-${digits.slice(7, 14)}-${digits.slice(14)}`;
  return { digits, formatted, birthYear };
}

/** Builds a valid number from year and serial (tests, fixtures, demo data). */
export function makeEmiratesId(birthYear: number, serial: number): string {
  assert(Number.isSafeInteger(birthYear) && birthYear >= 1000 && birthYear <= 9999, 'birth year 4 digits');
  assert(Number.isSafeInteger(serial) && serial >= 0 && serial <= 9_999_999, 'serial 7 digits');
  const payload = `784${birthYear}${String(serial).padStart(7, '0')}`;
  return `${payload}${luhnCheckDigit(payload)}`;
}
