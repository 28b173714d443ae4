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
  | 'KYC_STATUS_INVALID';

export class AccountsError extends RampartError {
  declare readonly code: AccountsErrorCode;
  constructor(code: AccountsErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
