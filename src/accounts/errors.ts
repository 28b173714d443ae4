import { RampartError } from '../shared/errors.ts';

/** Every code the accounts domain raises; the API maps them to HTTP statuses in its one table. */
export type AccountsErrorCode =
  | 'EMAIL_INVALID'
  | 'EMAIL_TAKEN'
  | 'USER_NOT_FOUND'
  | 'USER_DISABLED'
  | 'USER_OPEN_FAILED'
  | 'LOGIN_FAILED'
  | 'API_KEY_NOT_FOUND'
  | 'API_KEYS_LIMIT'
  | 'KYC_STATUS_INVALID'
  | 'TOKEN_INVALID'
  | 'TOTP_REQUIRED'
  | 'TOTP_INVALID'
  | 'TOTP_ALREADY_ENABLED'
  | 'TOTP_NOT_ENABLED'
  | 'EMAIL_NOT_VERIFIED'
  | 'IBAN_INVALID'
  | 'KYC_NOT_FOUND'
  | 'KYC_REQUIRED'
  | 'STAFF_NOT_FOUND'
  | 'PROPOSAL_NOT_FOUND'
  | 'PROPOSAL_CONFLICT'
  | 'CORE_REFUSED';

export class AccountsError extends RampartError {
  declare readonly code: AccountsErrorCode;
  constructor(code: AccountsErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
