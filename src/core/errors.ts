import { RampartError } from '../shared/errors.ts';

/**
 * Every rejection the exchange core can produce. A rejected command changes nothing;
 * it is still journaled (the journal is the input sequence) and replays to the same rejection.
 */
export type CoreErrorCode =
  | 'CONFIG_INVALID'
  | 'COMMAND_MALFORMED'
  | 'TIME_NOT_MONOTONIC'
  | 'UNKNOWN_COMMAND'
  | 'UNKNOWN_ASSET'
  | 'UNKNOWN_MARKET'
  | 'UNKNOWN_USER'
  | 'UNKNOWN_ACCOUNT'
  | 'UNKNOWN_ORDER'
  | 'UNKNOWN_HOLD'
  | 'USER_EXISTS'
  | 'AMOUNT_INVALID'
  | 'PRICE_INVALID'
  | 'QUANTITY_INVALID'
  | 'NOTIONAL_TOO_SMALL'
  | 'INSUFFICIENT_FUNDS'
  | 'MARKET_HALTED'
  | 'MARKET_CANCEL_ONLY'
  | 'POST_ONLY_WOULD_TAKE'
  | 'FOK_NOT_FILLABLE'
  | 'NO_LIQUIDITY'
  | 'DUPLICATE_ID'
  | 'IDEMPOTENCY_CONFLICT'
  | 'HOLD_STATE'
  | 'UNBALANCED_BATCH'
  | 'TRANSFER_INVALID'
  | 'BALANCE_CONSTRAINT'
  | 'WITHDRAWALS_PAUSED'
  | 'ACCOUNT_LOCKED'
  | 'LIMIT_EXCEEDED'
  // Withdrawal controls (src/core/risk, docs/withdrawal-controls.md):
  | 'DESTINATION_NOT_SAVED'
  | 'DESTINATION_COOLING_OFF'
  | 'DESTINATION_INVALID'
  | 'SECURITY_LOCKED'
  | 'CONFIRMATION_REQUIRED'
  | 'CONFIRMATION_EXPIRED'
  | 'CONFIRMATION_REPLAYED'
  | 'API_KEY_NOT_PERMITTED'
  | 'PRICE_UNAVAILABLE'
  | 'RISK_REJECTED'
  | 'REVIEW_SAME_STAFF'
  | 'REVIEW_NOT_HELD';

export class CoreError extends RampartError {
  declare readonly code: CoreErrorCode;
  constructor(code: CoreErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
