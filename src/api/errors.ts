import type { AccountsErrorCode } from '../accounts/index.ts';
import type { CoreErrorCode } from '../core/errors.ts';
import type { IdentityErrorCode } from '../identity/index.ts';
import { RampartError } from '../shared/errors.ts';

/**
 * The API's own rejections. Errors from other domains (core, identity, accounts, decimal)
 * pass through unchanged; `describeError` maps every code to an HTTP status for the
 * native API and to a Binance code/text for /api/v3, in the one table below.
 */
export type ApiErrorCode =
  | 'BAD_REQUEST'
  | 'PARAM_MISSING'
  | 'PARAM_UNKNOWN'
  | 'PARAM_INVALID'
  | 'INTERVAL_INVALID'
  | 'BAD_SYMBOL'
  | 'NOT_FOUND'
  | 'ORDER_NOT_FOUND'
  | 'CANCEL_UNKNOWN_ORDER'
  | 'METHOD_NOT_ALLOWED'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNAUTHENTICATED'
  | 'API_KEY_FORMAT'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'NOT_READY'
  | 'ENGINE_UNAVAILABLE'
  | 'UNSUPPORTED'
  | 'INTERNAL';

export class ApiError extends RampartError {
  declare readonly code: ApiErrorCode;
  constructor(code: ApiErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}

/** One row: HTTP status of the native API; Binance code, HTTP status and (when fixed) text for /api/v3. */
interface Row {
  readonly http: number;
  readonly bn: number;
  readonly bnHttp?: number;
  readonly bnMsg?: string;
}

const INSUFFICIENT = 'Account has insufficient balance for requested action.';
const LOT = 'Filter failure: LOT_SIZE';
const PRICE = 'Filter failure: PRICE_FILTER';
const AUTH = 'Invalid API-key, IP, or permissions for action.';

/**
 * Code → statuses. Binance codes from its spot API docs ("Error codes for Binance"),
 * texts where ccxt matches them exactly (see /work/shared/notes/ccxt.md): -2010 with
 * the insufficient-balance text is ccxt's InsufficientFunds; any 4xx body naming
 * LOT_SIZE or PRICE_FILTER is InvalidOrder.
 */
const TABLE = {
  // API
  BAD_REQUEST: { http: 400, bn: -1100 },
  PARAM_MISSING: { http: 400, bn: -1102 },
  PARAM_UNKNOWN: { http: 400, bn: -1104 },
  PARAM_INVALID: { http: 400, bn: -1100 },
  INTERVAL_INVALID: { http: 400, bn: -1120, bnMsg: 'Invalid interval.' },
  BAD_SYMBOL: { http: 400, bn: -1121, bnMsg: 'Invalid symbol.' },
  NOT_FOUND: { http: 404, bn: -1000, bnHttp: 404 },
  ORDER_NOT_FOUND: { http: 404, bn: -2013, bnMsg: 'Order does not exist.' },
  CANCEL_UNKNOWN_ORDER: { http: 404, bn: -2011, bnMsg: 'Unknown order sent.' },
  METHOD_NOT_ALLOWED: { http: 405, bn: -1000, bnHttp: 405 },
  BODY_TOO_LARGE: { http: 413, bn: -1100, bnHttp: 413 },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, bn: -1100, bnHttp: 415 },
  UNAUTHENTICATED: { http: 401, bn: -2015, bnHttp: 401, bnMsg: AUTH },
  API_KEY_FORMAT: { http: 401, bn: -2014, bnHttp: 401, bnMsg: 'API-key format invalid.' },
  FORBIDDEN: { http: 403, bn: -2015, bnHttp: 401, bnMsg: AUTH },
  RATE_LIMITED: { http: 429, bn: -1003, bnHttp: 429 },
  NOT_READY: { http: 503, bn: -1000, bnHttp: 503 },
  ENGINE_UNAVAILABLE: { http: 503, bn: -1000, bnHttp: 503 },
  UNSUPPORTED: { http: 400, bn: -1100 },
  INTERNAL: { http: 500, bn: -1000, bnHttp: 500, bnMsg: 'An unknown error occured while processing the request.' },
  // core (src/core/errors.ts)
  COMMAND_MALFORMED: { http: 400, bn: -1100 },
  UNKNOWN_MARKET: { http: 400, bn: -1121, bnMsg: 'Invalid symbol.' },
  UNKNOWN_ASSET: { http: 400, bn: -1100 },
  UNKNOWN_USER: { http: 403, bn: -2015, bnHttp: 401, bnMsg: AUTH },
  UNKNOWN_ORDER: { http: 404, bn: -2013, bnMsg: 'Order does not exist.' },
  AMOUNT_INVALID: { http: 400, bn: -1013, bnMsg: LOT },
  PRICE_INVALID: { http: 400, bn: -1013, bnMsg: PRICE },
  QUANTITY_INVALID: { http: 400, bn: -1013, bnMsg: LOT },
  // -2010, not -1013: ccxt reads -1013 as BadRequest unless the text names LOT_SIZE or PRICE_FILTER.
  NOTIONAL_TOO_SMALL: { http: 400, bn: -2010, bnMsg: 'Filter failure: NOTIONAL' },
  INSUFFICIENT_FUNDS: { http: 422, bn: -2010, bnMsg: INSUFFICIENT },
  MARKET_HALTED: { http: 409, bn: -2010, bnMsg: 'Market is closed.' },
  MARKET_CANCEL_ONLY: { http: 409, bn: -2010, bnMsg: 'Market is closed.' },
  POST_ONLY_WOULD_TAKE: { http: 409, bn: -2010, bnMsg: 'Order would immediately match and take.' },
  FOK_NOT_FILLABLE: { http: 409, bn: -2010, bnMsg: 'Order could not be filled completely.' },
  NO_LIQUIDITY: { http: 409, bn: -2010, bnMsg: 'Market has no liquidity.' },
  LIMIT_EXCEEDED: { http: 409, bn: -2010, bnMsg: 'Too many open orders.' },
  IDEMPOTENCY_CONFLICT: { http: 409, bn: -2010, bnMsg: 'Duplicate order sent.' },
  DUPLICATE_ID: { http: 409, bn: -2010, bnMsg: 'Duplicate order sent.' },
  CONFIG_INVALID: { http: 500, bn: -1000, bnHttp: 500 },
  TIME_NOT_MONOTONIC: { http: 503, bn: -1000, bnHttp: 503 },
  UNKNOWN_COMMAND: { http: 400, bn: -1100 },
  UNKNOWN_ACCOUNT: { http: 400, bn: -1100 },
  UNKNOWN_HOLD: { http: 404, bn: -1100 },
  USER_EXISTS: { http: 409, bn: -1100 },
  HOLD_STATE: { http: 409, bn: -1100 },
  UNBALANCED_BATCH: { http: 400, bn: -1100 },
  TRANSFER_INVALID: { http: 400, bn: -1100 },
  BALANCE_CONSTRAINT: { http: 422, bn: -2010, bnMsg: INSUFFICIENT },
  WITHDRAWALS_PAUSED: { http: 409, bn: -1100 },
  ACCOUNT_LOCKED: { http: 403, bn: -2010, bnMsg: 'This account may not place or cancel orders.' },
  API_KEY_NOT_PERMITTED: { http: 403, bn: -2015, bnHttp: 401, bnMsg: AUTH },
  CONFIRMATION_EXPIRED: { http: 403, bn: -2015, bnHttp: 401 },
  CONFIRMATION_REPLAYED: { http: 403, bn: -2015, bnHttp: 401 },
  CONFIRMATION_REQUIRED: { http: 403, bn: -2015, bnHttp: 401 },
  DESTINATION_COOLING_OFF: { http: 409, bn: -1100 },
  DESTINATION_INVALID: { http: 400, bn: -1100 },
  DESTINATION_NOT_SAVED: { http: 409, bn: -1100 },
  PRICE_UNAVAILABLE: { http: 503, bn: -1000, bnHttp: 503 },
  REVIEW_NOT_HELD: { http: 409, bn: -1100 },
  REVIEW_SAME_STAFF: { http: 403, bn: -2015, bnHttp: 401 },
  RISK_REJECTED: { http: 403, bn: -2010, bnMsg: 'Rejected by risk controls.' },
  SECURITY_LOCKED: { http: 403, bn: -2010, bnMsg: 'This account may not place or cancel orders.' },
  // decimal / units (src/shared/decimal.ts, src/core/units.ts)
  DECIMAL_NOT_STRING: { http: 400, bn: -1100 },
  DECIMAL_LENGTH: { http: 400, bn: -1100 },
  DECIMAL_FORMAT: { http: 400, bn: -1100 },
  DECIMAL_PRECISION: { http: 400, bn: -1111, bnMsg: 'Precision is over the maximum defined for this asset.' },
  MINOR_FORMAT: { http: 400, bn: -1100 },
  PRICE_NOT_ON_TICK: { http: 400, bn: -1013, bnMsg: PRICE },
  PRICE_OUT_OF_RANGE: { http: 400, bn: -1013, bnMsg: PRICE },
  QUANTITY_NOT_ON_LOT: { http: 400, bn: -1013, bnMsg: LOT },
  QUANTITY_OUT_OF_RANGE: { http: 400, bn: -1013, bnMsg: LOT },
  // identity (src/identity/errors.ts)
  API_KEY_INVALID: { http: 401, bn: -2015, bnHttp: 401, bnMsg: AUTH },
  IP_NOT_ALLOWED: { http: 403, bn: -2015, bnHttp: 401, bnMsg: AUTH },
  PERMISSION_DENIED: { http: 403, bn: -2015, bnHttp: 401, bnMsg: AUTH },
  API_KEY_PARAMS_INVALID: { http: 400, bn: -1100 },
  API_KEY_DECRYPT_FAILED: { http: 500, bn: -1000, bnHttp: 500 },
  SIGNATURE_INVALID: { http: 401, bn: -1022, bnMsg: 'Signature for this request is not valid.' },
  TIMESTAMP_OUTSIDE_WINDOW: { http: 400, bn: -1021, bnMsg: 'Timestamp for this request is outside of the recvWindow.' },
  RECV_WINDOW_INVALID: { http: 400, bn: -1131, bnMsg: 'recvWindow must be less than 60000' },
  REQUEST_PARAMS_INVALID: { http: 400, bn: -1100 },
  REPLAY: { http: 401, bn: -1022, bnMsg: 'Signature for this request was already used.' },
  REPLAY_CACHE_FULL: { http: 429, bn: -1003, bnHttp: 429 },
  IP_INVALID: { http: 400, bn: -1100 },
  SESSION_INVALID: { http: 401, bn: -2015, bnHttp: 401, bnMsg: AUTH },
  SESSION_EXPIRED: { http: 401, bn: -2015, bnHttp: 401, bnMsg: AUTH },
  SESSION_REVOKED: { http: 401, bn: -2015, bnHttp: 401, bnMsg: AUTH },
  CSRF_INVALID: { http: 403, bn: -2015, bnHttp: 401, bnMsg: AUTH },
  COOKIE_INVALID: { http: 401, bn: -2015, bnHttp: 401, bnMsg: AUTH },
  LOGIN_FAILED: { http: 401, bn: -2015, bnHttp: 401 },
  PASSWORD_POLICY: { http: 400, bn: -1100 },
  // accounts (src/accounts/errors.ts)
  EMAIL_INVALID: { http: 400, bn: -1100 },
  EMAIL_TAKEN: { http: 409, bn: -1100 },
  USER_NOT_FOUND: { http: 404, bn: -1100 },
  USER_DISABLED: { http: 403, bn: -2015, bnHttp: 401, bnMsg: AUTH },
  USER_OPEN_FAILED: { http: 503, bn: -1000, bnHttp: 503 },
  API_KEY_NOT_FOUND: { http: 404, bn: -1100 },
  API_KEYS_LIMIT: { http: 409, bn: -1100 },
  KYC_STATUS_INVALID: { http: 400, bn: -1100 },
  TOKEN_INVALID: { http: 400, bn: -1100 },
  TOTP_REQUIRED: { http: 401, bn: -2015, bnHttp: 401 },
  TOTP_INVALID: { http: 401, bn: -2015, bnHttp: 401 },
  TOTP_ALREADY_ENABLED: { http: 409, bn: -1100 },
  TOTP_NOT_ENABLED: { http: 409, bn: -1100 },
  EMAIL_NOT_VERIFIED: { http: 403, bn: -2015, bnHttp: 401 },
  IBAN_INVALID: { http: 400, bn: -1100 },
  KYC_NOT_FOUND: { http: 404, bn: -1100 },
  // Binance -2010 with a fixed text: ccxt raises a plain ExchangeError-family InvalidOrder for it.
  KYC_REQUIRED: { http: 403, bn: -2010, bnMsg: 'This account may not place or cancel orders.' },
  STAFF_NOT_FOUND: { http: 404, bn: -1100 },
  PROPOSAL_NOT_FOUND: { http: 404, bn: -1100 },
  PROPOSAL_CONFLICT: { http: 409, bn: -1100 },
  CORE_REFUSED: { http: 409, bn: -1100 },
  // identity codes no route raises today: mapped so that one never turns into a 500.
  TOTP_SECRET_INVALID: { http: 400, bn: -1100 },
  TOTP_PARAMS_INVALID: { http: 400, bn: -1100 },
  TOTP_LABEL_INVALID: { http: 400, bn: -1100 },
  RECOVERY_CODES_INVALID: { http: 400, bn: -1100 },
  PASSWORD_HASH_INVALID: { http: 500, bn: -1000, bnHttp: 500 },
  PASSWORD_PARAMS_INVALID: { http: 500, bn: -1000, bnHttp: 500 },
  EMIRATES_ID_FORMAT: { http: 400, bn: -1100 },
  EMIRATES_ID_COUNTRY: { http: 400, bn: -1100 },
  EMIRATES_ID_YEAR: { http: 400, bn: -1100 },
  EMIRATES_ID_CHECKSUM: { http: 400, bn: -1100 },
  RATE_LIMIT_PARAMS_INVALID: { http: 500, bn: -1000, bnHttp: 500 },
  FOUR_EYES_INVALID: { http: 400, bn: -1100 },
  FOUR_EYES_SELF_APPROVAL: { http: 403, bn: -2015, bnHttp: 401 },
  FOUR_EYES_DUPLICATE_APPROVER: { http: 409, bn: -1100 },
  FOUR_EYES_ROLE_NOT_ALLOWED: { http: 403, bn: -2015, bnHttp: 401 },
  FOUR_EYES_NOT_PENDING: { http: 409, bn: -1100 },
  FOUR_EYES_EXPIRED: { http: 409, bn: -1100 },
  FOUR_EYES_NOT_EXECUTABLE: { http: 409, bn: -1100 },
  AUDIT_INPUT_INVALID: { http: 400, bn: -1100 },
  AUDIT_NOT_CANONICAL: { http: 400, bn: -1100 },
  ROLE_INVALID: { http: 400, bn: -1100 },
  STAFF_PERMISSION_DENIED: { http: 403, bn: -2015, bnHttp: 401 },
  KYC_INVALID: { http: 400, bn: -1100 },
  KYC_TRANSITION_INVALID: { http: 409, bn: -1100 },
} satisfies Record<string, Row>;

export const ERROR_TABLE: Readonly<Record<string, Row>> = TABLE;

/**
 * Compile-time exhaustiveness: every code any domain the API calls can raise has a row.
 * Adding a code without a row fails the typecheck here instead of answering 500 at run time.
 */
type Covered = CoreErrorCode | IdentityErrorCode | AccountsErrorCode | ApiErrorCode | DecimalCode;
type DecimalCode = 'DECIMAL_NOT_STRING' | 'DECIMAL_LENGTH' | 'DECIMAL_FORMAT' | 'DECIMAL_PRECISION' | 'MINOR_FORMAT' | 'PRICE_NOT_ON_TICK' | 'PRICE_OUT_OF_RANGE' | 'QUANTITY_NOT_ON_LOT' | 'QUANTITY_OUT_OF_RANGE';
type Missing = Exclude<Covered, keyof typeof TABLE>;
const exhaustive: [Missing] extends [never] ? true : Missing = true as never;
void exhaustive;

/** Codes whose message is safe to show as is (ours); anything else reports the code's generic text. */
export interface DescribedError {
  readonly code: string;
  readonly message: string;
  readonly http: number;
  readonly binance: { readonly http: number; readonly code: number; readonly msg: string };
  /** Seconds, for 429. */
  readonly retryAfterS?: number;
}

const FASTIFY: Readonly<Record<string, ApiErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_BAD_URL: 'BAD_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'BAD_REQUEST',
};

/**
 * Turns anything thrown into the one error shape. Known domain errors keep their code
 * and message; a client error from the HTTP layer (bad JSON, too large) becomes a 4xx;
 * anything else is INTERNAL with a generic message (details go to the log, not the client).
 */
export function describeError(e: unknown): DescribedError {
  let code = 'INTERNAL';
  let message = 'internal error';
  let retryAfterS: number | undefined;
  if (e instanceof RampartError && ERROR_TABLE[e.code] !== undefined) {
    code = e.code;
    message = e.message;
    if (e.code === 'RATE_LIMITED') {
      const ms = Number((e.details as { retryAfterMs?: unknown }).retryAfterMs);
      if (Number.isFinite(ms) && ms > 0) retryAfterS = Math.ceil(ms / 1000);
    }
  } else if (typeof e === 'object' && e !== null) {
    const fe = e as { code?: unknown; statusCode?: unknown; message?: unknown; validation?: unknown };
    const mapped = typeof fe.code === 'string' ? FASTIFY[fe.code] : undefined;
    if (mapped !== undefined) {
      code = mapped;
      message = typeof fe.message === 'string' ? fe.message.slice(0, 200) : mapped;
    } else {
      const status = typeof fe.statusCode === 'number' ? fe.statusCode : e instanceof SyntaxError ? 400 : 0;
      if (status >= 400 && status < 500) {
        // Fastify's content-type parsers raise plain 4xx errors for malformed bodies.
        code = status === 413 ? 'BODY_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST';
        message = 'malformed request';
      }
    }
  }
  const row = ERROR_TABLE[code]!;
  const out: DescribedError = {
    code,
    message,
    http: row.http,
    binance: { http: row.bnHttp ?? (row.http === 429 ? 429 : 400), code: row.bn, msg: row.bnMsg ?? message },
  };
  return retryAfterS === undefined ? out : { ...out, retryAfterS };
}

/** Raises a core rejection (a CommandResult's error) as a RampartError the table knows. */
export class CoreRejection extends RampartError {}
