import { ValidationError } from '../shared/errors.ts';

/**
 * The banking domain's one error class. Codes are stable (callers branch on `code`):
 * IBAN_*, REFERENCE_*, CAMT_*, PAIN001_*, PAIN002_*, SANDBOX_*, FILE_EXCHANGE_*.
 * A BankingError is always raised before anything changes (parsers are pure; the
 * sandbox and the file exchange check before they mutate).
 */
export class BankingError extends ValidationError {}
