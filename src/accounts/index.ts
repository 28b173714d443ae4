/** Public surface of the accounts domain: users, API keys and sessions over a repository. */
export { AccountsError, type AccountsErrorCode } from './errors.ts';
export { API_KEYS_PER_USER_MAX, type AccountsRepo, type UserRow, type UserStatus } from './repo.ts';
export { openSqliteAccounts, SqliteAccountsRepo } from './sqliteRepo.ts';
export { Accounts, type AccountsOptions, EMAIL_LENGTH_MAX, type NewApiKey, normaliseEmail, type UserOpener } from './service.ts';
export { AccountSecurity, type AuditSink, createStaff, FOUR_EYES_ACTIONS, type FourEyesAction, type FourEyesPayload, type Mail, RESET_TOKEN_TTL_MS, type SecondFactorInput, type SecurityOptions, VERIFY_TOKEN_TTL_MS, writeOutboxMail } from './security.ts';
export { SecurityStore, type StaffRow } from './securityStore.ts';
