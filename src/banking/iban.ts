import { BankingError } from './errors.ts';
import { type UaeBank, uaeBankByCode } from './uaeBanks.ts';

/**
 * ISO 13616-1 IBAN: country code (2 letters) + check digits (2 digits) + BBAN (up to 30
 * alphanumerics). Valid when the number formed by moving the first four characters to the
 * end and replacing letters by 10..35 is ≡ 1 (mod 97) (ISO 7064 MOD 97-10).
 *
 * Lengths per country from the SWIFT IBAN registry (release used: memory of the 2023-2024
 * registry). Rows marked "(?)" are less certain; an IBAN from an unlisted country is refused,
 * since Rampart only pays to and accepts from IBANs it can check.
 */
export const IBAN_LENGTH_BY_COUNTRY: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27 /* (?) */, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27 /* (?) */, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18 /* (?) */, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
  IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21,
  LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20 /* (?) */, MR: 27, MT: 31, MU: 30, NI: 28 /* (?) */, NL: 18,
  NO: 15, OM: 23 /* (?) */, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31,
  SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23 /* (?) */, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30 /* (?) */,
};

/** Longest input accepted before any work: 34 characters plus print-format spaces, with slack. */
export const IBAN_INPUT_LENGTH_MAX = 64;
/** UAE: "AE" + 2 check digits + 3-digit bank code + 16-digit account number (SWIFT registry: AE2!n3!n16!n). */
export const UAE_IBAN_LENGTH = 23;

export interface Iban {
  /** Electronic format: upper case, no spaces. */
  readonly iban: string;
  readonly country: string;
  readonly checkDigits: string;
  readonly bban: string;
  /** AE only: the 3-digit bank identifier, the 16-digit account number, and the bank-table row if any. */
  readonly uae?: { readonly bankCode: string; readonly accountNumber: string; readonly bank: UaeBank | undefined };
}

export type IbanCheck = { ok: true; value: Iban } | { ok: false; code: string; message: string };

/** ISO 7064 MOD 97-10 remainder of a decimal digit string, in chunks so no bigint is needed. */
export function mod97(digits: string): number {
  let r = 0;
  for (let i = 0; i < digits.length; i += 7) {
    r = Number(String(r) + digits.slice(i, i + 7)) % 97;
  }
  return r;
}

/** Letters → 10..35, digits unchanged (ISO 13616-1 §7.1). Input must be [0-9A-Z]. */
function toNumeric(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    out += c >= 65 ? String(c - 55) : ch;
  }
  return out;
}

/** Removes print-format spaces and upper-cases. Does not validate. */
export function normalizeIban(input: string): string {
  return input.replace(/ /g, '').toUpperCase();
}

/** Validates an IBAN in electronic ("AE070331234567890123456") or print ("AE07 0331 2345 …") format. Never throws. */
export function checkIban(input: unknown): IbanCheck {
  if (typeof input !== 'string') return { ok: false, code: 'IBAN_FORMAT', message: 'IBAN must be a string' };
  if (input.length === 0 || input.length > IBAN_INPUT_LENGTH_MAX) {
    return { ok: false, code: 'IBAN_LENGTH', message: `IBAN input must be 1..${IBAN_INPUT_LENGTH_MAX} characters` };
  }
  // Print format: groups separated by single spaces. Tabs, NBSP, dashes etc. are refused, not guessed.
  if (!/^[0-9A-Za-z]+( [0-9A-Za-z]+)*$/.test(input.trim()) || input.trim() !== input) {
    return { ok: false, code: 'IBAN_FORMAT', message: 'IBAN may contain only letters, digits and single spaces' };
  }
  const iban = normalizeIban(input);
  if (!/^[A-Z]{2}[0-9]{2}[0-9A-Z]{1,30}$/.test(iban)) {
    return { ok: false, code: 'IBAN_FORMAT', message: 'IBAN must be 2 letters, 2 digits, then up to 30 letters or digits' };
  }
  const country = iban.slice(0, 2);
  const expected = IBAN_LENGTH_BY_COUNTRY[country];
  if (expected === undefined) return { ok: false, code: 'IBAN_COUNTRY_UNKNOWN', message: `country ${country} does not use IBAN (or is not in the registry table)` };
  if (iban.length !== expected) return { ok: false, code: 'IBAN_LENGTH', message: `a ${country} IBAN has ${expected} characters, got ${iban.length}` };
  const checkDigits = iban.slice(2, 4);
  // ISO 13616: check digits are 02..98; 00, 01 and 99 cannot result from the algorithm.
  if (checkDigits === '00' || checkDigits === '01' || checkDigits === '99') {
    return { ok: false, code: 'IBAN_CHECKSUM', message: 'IBAN check digits must be 02..98' };
  }
  if (mod97(toNumeric(iban.slice(4) + iban.slice(0, 4))) !== 1) {
    return { ok: false, code: 'IBAN_CHECKSUM', message: 'IBAN check digits do not match (mod 97)' };
  }
  const bban = iban.slice(4);
  if (country === 'AE') {
    if (!/^[0-9]{19}$/.test(bban)) return { ok: false, code: 'IBAN_BBAN_FORMAT', message: 'a UAE BBAN is 3 digits of bank code and 16 digits of account' };
    const bankCode = bban.slice(0, 3);
    return { ok: true, value: { iban, country, checkDigits, bban, uae: { bankCode, accountNumber: bban.slice(3), bank: uaeBankByCode(bankCode) } } };
  }
  return { ok: true, value: { iban, country, checkDigits, bban } };
}

/** As checkIban, but throws BankingError with the failing code. */
export function parseIban(input: unknown): Iban {
  const r = checkIban(input);
  if (!r.ok) throw new BankingError(r.code, r.message, { input: typeof input === 'string' ? input.slice(0, IBAN_INPUT_LENGTH_MAX) : typeof input });
  return r.value;
}

export function isValidIban(input: unknown): boolean {
  return checkIban(input).ok;
}

/** Print format: groups of four separated by a space (ISO 13616-1 §5.4). */
export function formatIbanPrint(iban: string): string {
  return normalizeIban(iban).replace(/(.{4})(?=.)/g, '$1 ');
}

/** The two check digits for a country and BBAN: 98 − (BBAN ‖ country ‖ "00" mod 97), zero-padded. */
export function ibanCheckDigits(country: string, bban: string): string {
  if (!/^[A-Z]{2}$/.test(country) || !/^[0-9A-Z]{1,30}$/.test(bban)) {
    throw new BankingError('IBAN_FORMAT', 'country must be 2 upper-case letters and BBAN 1..30 upper-case letters or digits', { country });
  }
  return String(98 - mod97(toNumeric(`${bban}${country}00`))).padStart(2, '0');
}

/** Builds a valid IBAN from a country and BBAN (sandbox accounts, test fixtures). */
export function makeIban(country: string, bban: string): string {
  const iban = `${country}${ibanCheckDigits(country, bban)}${bban}`;
  parseIban(iban); // postcondition: length and format match the registry
  return iban;
}

/** A UAE IBAN from a 3-digit bank code and an account number of up to 16 digits (left-padded with zeros). */
export function makeUaeIban(bankCode: string, accountNumber: string | bigint): string {
  const account = String(accountNumber);
  if (!/^[0-9]{3}$/.test(bankCode) || !/^[0-9]{1,16}$/.test(account)) {
    throw new BankingError('IBAN_BBAN_FORMAT', 'UAE bank code is 3 digits and account number up to 16 digits', { bankCode });
  }
  return makeIban('AE', bankCode + account.padStart(16, '0'));
}
