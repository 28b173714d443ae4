/**
 * The chart of accounts. An account is (owner, asset, bucket): a user's bucket, or a
 * system account. Balances are one signed bigint per account, credits minus debits, so
 * a transfer is `balance[debit] -= x; balance[credit] += x` and the sum over every account
 * of one asset is zero by construction (double entry). Each kind states its normal side:
 * liabilities and equity carry credit balances (>= 0), assets carry debit balances (<= 0).
 */

/** What the exchange owes a customer, split by what the funds are doing. */
export const USER_BUCKETS = ['available', 'locked', 'withdrawing', 'frozen', 'recovery_claim'] as const;
export type UserBucket = (typeof USER_BUCKETS)[number];

export const SYSTEM_ACCOUNTS = [
  'bank_omnibus', // AED held at the bank (asset)
  'hot_wallet', // crypto the signer can spend (asset)
  'cold_wallet', // crypto only offline keys can spend (asset)
  'deposit_wallets', // crypto on customer deposit addresses, not yet swept (asset)
  'incident_loss', // funds taken by an attacker, until covered or written down (asset: a receivable)
  'fee_revenue', // fees and rounding residue (equity)
  'treasury', // the operator's own funds (equity)
  'suspense', // money received that is not yet attributable: owed back or to be matched (liability)
] as const;
export type SystemAccount = (typeof SYSTEM_ACCOUNTS)[number];

export type Normal = 'credit' | 'debit';

export const SYSTEM_NORMAL: Readonly<Record<SystemAccount, Normal>> = {
  bank_omnibus: 'debit',
  hot_wallet: 'debit',
  cold_wallet: 'debit',
  deposit_wallets: 'debit',
  incident_loss: 'debit',
  fee_revenue: 'credit',
  treasury: 'credit',
  suspense: 'credit',
};

export interface AccountMeta {
  /** Dense index into the balance array; also the account id in events. */
  readonly id: number;
  /** Customer id, or 0 for a system account. */
  readonly userId: number;
  readonly asset: string;
  /** A user bucket or a system account name. */
  readonly bucket: UserBucket | SystemAccount;
  readonly normal: Normal;
}

/** Stable text key of an account, used in events, statements and the API. */
export function accountKey(meta: Pick<AccountMeta, 'userId' | 'asset' | 'bucket'>): string {
  return meta.userId === 0 ? `system:${meta.asset}:${meta.bucket}` : `user:${meta.userId}:${meta.asset}:${meta.bucket}`;
}
