import { RampartError } from '../shared/errors.ts';

/**
 * Every code the identity domain raises on purpose. Callers (the API) branch on
 * `code` and map it to an HTTP status / Binance error code in one table.
 */
export type IdentityErrorCode =
  // totp.ts
  | 'TOTP_SECRET_INVALID'
  | 'TOTP_PARAMS_INVALID'
  | 'TOTP_LABEL_INVALID'
  | 'RECOVERY_CODES_INVALID'
  // password.ts
  | 'PASSWORD_POLICY'
  | 'PASSWORD_HASH_INVALID'
  | 'PASSWORD_PARAMS_INVALID'
  // emiratesId.ts
  | 'EMIRATES_ID_FORMAT'
  | 'EMIRATES_ID_COUNTRY'
  | 'EMIRATES_ID_YEAR'
  | 'EMIRATES_ID_CHECKSUM'
  // apiKey.ts
  | 'API_KEY_INVALID'
  | 'API_KEY_PARAMS_INVALID'
  | 'API_KEY_DECRYPT_FAILED'
  | 'SIGNATURE_INVALID'
  | 'TIMESTAMP_OUTSIDE_WINDOW'
  | 'RECV_WINDOW_INVALID'
  | 'REQUEST_PARAMS_INVALID'
  | 'REPLAY'
  | 'REPLAY_CACHE_FULL'
  | 'IP_INVALID'
  | 'IP_NOT_ALLOWED'
  | 'PERMISSION_DENIED'
  // sessions.ts
  | 'SESSION_INVALID'
  | 'SESSION_EXPIRED'
  | 'SESSION_REVOKED'
  | 'CSRF_INVALID'
  | 'COOKIE_INVALID'
  // rateLimit.ts
  | 'RATE_LIMITED'
  | 'LOGIN_FAILED'
  | 'RATE_LIMIT_PARAMS_INVALID'
  // fourEyes.ts
  | 'FOUR_EYES_INVALID'
  | 'FOUR_EYES_SELF_APPROVAL'
  | 'FOUR_EYES_DUPLICATE_APPROVER'
  | 'FOUR_EYES_ROLE_NOT_ALLOWED'
  | 'FOUR_EYES_NOT_PENDING'
  | 'FOUR_EYES_EXPIRED'
  | 'FOUR_EYES_NOT_EXECUTABLE'
  // audit.ts
  | 'AUDIT_INPUT_INVALID'
  | 'AUDIT_NOT_CANONICAL'
  // roles.ts
  | 'ROLE_INVALID'
  | 'STAFF_PERMISSION_DENIED'
  // kyc.ts
  | 'KYC_INVALID'
  | 'KYC_TRANSITION_INVALID';

/** The identity domain's one error class (see src/shared/errors.ts). */
export class IdentityError extends RampartError {
  declare readonly code: IdentityErrorCode;
  constructor(code: IdentityErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}

/** True when `e` is an IdentityError with the given code (handy in tests and callers). */
export function isIdentityError(e: unknown, code?: IdentityErrorCode): e is IdentityError {
  return e instanceof IdentityError && (code === undefined || e.code === code);
}
