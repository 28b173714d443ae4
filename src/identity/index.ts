/**
 * Public surface of the identity domain: accounts' and staff's security primitives.
 * Pure modules: time comes in as `nowMs`, randomness is injectable, storage is the
 * caller's (plain records in, plain records out).
 */
export { IdentityError, isIdentityError, type IdentityErrorCode } from './errors.ts';
export type { RandomBytes } from './crypto.ts';
export {
  consumeRecoveryCode,
  decodeTotpSecret,
  encodeTotpSecret,
  generateRecoveryCodes,
  generateTotpSecret,
  hotp,
  otpauthUri,
  RECOVERY_CODE_COUNT_DEFAULT,
  type RecoveryCodeRecord,
  TOTP_DEFAULTS,
  totp,
  totpStep,
  type OtpAlgorithm,
  type OtpDigits,
  type TotpParams,
  verifyTotp,
  type VerifyTotpInput,
  type VerifyTotpResult,
} from './totp.ts';
export {
  ARGON2_DEFAULTS,
  ARGON2_LIMITS,
  type Argon2Params,
  checkPasswordPolicy,
  hashPassword,
  needsRehash,
  PASSWORD_LENGTH_MAX,
  PASSWORD_LENGTH_MIN,
  type PasswordProblem,
  parsePhc,
  passwordProblems,
  verifyPassword,
  verifyPasswordOrDummy,
} from './password.ts';
export { type EmiratesId, luhnCheckDigit, luhnValid, makeEmiratesId, parseEmiratesId } from './emiratesId.ts';
export { type Cidr, cidrContains, formatCidr, formatIp, type IpAddress, ipAllowed, parseCidr, parseIp } from './ip.ts';
export { MemoryReplayCache, type ReplayGuard } from './replayCache.ts';
export {
  API_PERMISSIONS,
  type ApiKeyRecord,
  type ApiPermission,
  createApiKey,
  openApiSecret,
  RECV_WINDOW_DEFAULT_MS,
  RECV_WINDOW_MAX_MS,
  revokeApiKey,
  sealApiSecret,
  type ServerKey,
  type ServerKeyLookup,
  type SignedRequest,
  signRequest,
  type VerifiedRequest,
  verifySignedRequest,
} from './apiKey.ts';
export {
  buildCookie,
  clearSessionCookie,
  createCsrfToken,
  createSession,
  csrfCookie,
  hashSessionToken,
  listActiveSessions,
  revokeAllSessions,
  revokeSession,
  SESSION_POLICY_DEFAULT,
  sessionCookie,
  type SessionPolicy,
  type SessionRecord,
  sessionState,
  touchSession,
  verifyCsrfToken,
} from './sessions.ts';
export {
  BoundedLru,
  checkLoginAllowed,
  LOCKOUT_POLICY_DEFAULT,
  type LockoutPolicy,
  lockDurationMs,
  loginFailedError,
  LoginLockouts,
  type LoginThrottleState,
  loginThrottleKey,
  RATE_LIMITS,
  type RateDecision,
  RateLimiter,
  rateLimitedError,
  recordLoginFailure,
  recordLoginSuccess,
  takeToken,
  type TokenBucketPolicy,
} from './rateLimit.ts';
export { approve, expire, isExecutable, markExecuted, payloadHashOf, type Proposal, type ProposalStatus, propose, reject, type StaffActor, type Transition } from './fourEyes.ts';
export { AUDIT_GENESIS_HASH, appendAudit, type AuditEntry, type AuditInput, type AuditVerifyResult, canonicalJson, verifyAuditChain } from './audit.ts';
export { assertStaffCan, isStaffRole, STAFF_PERMISSIONS, STAFF_ROLES, type StaffAction, type StaffRole, staffCan } from './roles.ts';
export { ageYears, ISO_3166_ALPHA2, type KycProfile, type KycRecord, type KycStatus, kycProfileSchema, parseKycProfile, resubmitKyc, reviewKyc, submitKyc } from './kyc.ts';
