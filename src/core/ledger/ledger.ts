import { assert } from '../../shared/assert.ts';
import { CoreError } from '../errors.ts';
import {
  type AccountMeta,
  type Normal,
  SYSTEM_ACCOUNTS,
  SYSTEM_NORMAL,
  type SystemAccount,
  USER_BUCKETS,
  type UserBucket,
} from './accounts.ts';

/** One posted movement; the asset is the accounts' asset (both sides always share one). */
export interface Transfer {
  readonly debit: number;
  readonly credit: number;
  readonly amount: bigint;
}

/** A requested movement in a batch, before validation. */
export interface TransferSpec {
  readonly debit: number;
  readonly credit: number;
  readonly amount: bigint;
}

/** Two-phase hold: funds moved from available into a holding bucket, later posted (whole or part) or voided. */
export interface Hold {
  readonly id: string;
  readonly userId: number;
  readonly asset: string;
  readonly bucket: UserBucket;
  amount: bigint;
}

const BUCKET_COUNT = USER_BUCKETS.length;
const BUCKET_INDEX: Readonly<Record<UserBucket, number>> = Object.fromEntries(USER_BUCKETS.map((b, i) => [b, i])) as Record<UserBucket, number>;

/** Limit on transfers in one externally submitted batch. */
export const BATCH_TRANSFERS_MAX = 1024;

/**
 * The double-entry ledger: the only place balances change. It is deterministic and
 * in-memory; durability comes from the journal of commands that drove it.
 *
 * Hot path (matching) uses `move`, which asserts constraints after the fact because the
 * matching engine has already reserved the funds. Everything from outside uses
 * `postBatch`, which validates the whole batch first and applies all or nothing.
 */
export class Ledger {
  readonly assets: readonly string[];
  readonly accounts: AccountMeta[] = [];
  readonly balances: bigint[] = [];
  /** Transfers of the command being applied; the core hands them out as its events. */
  out: Transfer[] = [];
  private readonly assetIndex = new Map<string, number>();
  private readonly system: Int32Array;
  /** userId → account ids laid out [asset][bucket]. */
  private readonly users = new Map<number, Int32Array>();
  readonly holds = new Map<string, Hold>();

  constructor(assets: readonly string[]) {
    assert(assets.length > 0, 'ledger needs at least one asset');
    this.assets = assets;
    for (const [i, a] of assets.entries()) this.assetIndex.set(a, i);
    this.system = new Int32Array(assets.length * SYSTEM_ACCOUNTS.length);
    for (let a = 0; a < assets.length; a++) {
      for (let s = 0; s < SYSTEM_ACCOUNTS.length; s++) {
        const name = SYSTEM_ACCOUNTS[s]!;
        this.system[a * SYSTEM_ACCOUNTS.length + s] = this.open(0, assets[a]!, name, SYSTEM_NORMAL[name]);
      }
    }
  }

  private open(userId: number, asset: string, bucket: UserBucket | SystemAccount, normal: Normal): number {
    const id = this.accounts.length;
    this.accounts.push({ id, userId, asset, bucket, normal });
    this.balances.push(0n);
    return id;
  }

  hasAsset(asset: string): boolean {
    return this.assetIndex.has(asset);
  }

  assetIdx(asset: string): number {
    const i = this.assetIndex.get(asset);
    if (i === undefined) throw new CoreError('UNKNOWN_ASSET', `unknown asset ${asset}`, { asset });
    return i;
  }

  hasUser(userId: number): boolean {
    return this.users.has(userId);
  }

  openUser(userId: number): void {
    assert(Number.isSafeInteger(userId) && userId > 0, 'user id must be a positive integer');
    if (this.users.has(userId)) throw new CoreError('USER_EXISTS', `user ${userId} exists`, { userId });
    const ids = new Int32Array(this.assets.length * BUCKET_COUNT);
    for (let a = 0; a < this.assets.length; a++) {
      for (let b = 0; b < BUCKET_COUNT; b++) ids[a * BUCKET_COUNT + b] = this.open(userId, this.assets[a]!, USER_BUCKETS[b]!, 'credit');
    }
    this.users.set(userId, ids);
  }

  userIds(): IterableIterator<number> {
    return this.users.keys();
  }

  /** Account id of a user's bucket; the user must exist. */
  userAccount(userId: number, assetIdx: number, bucket: UserBucket): number {
    const ids = this.users.get(userId);
    if (ids === undefined) throw new CoreError('UNKNOWN_USER', `unknown user ${userId}`, { userId });
    return ids[assetIdx * BUCKET_COUNT + BUCKET_INDEX[bucket]]!;
  }

  /** Account ids [asset][bucket] of a user, for the hot path. */
  userAccounts(userId: number): Int32Array {
    const ids = this.users.get(userId);
    if (ids === undefined) throw new CoreError('UNKNOWN_USER', `unknown user ${userId}`, { userId });
    return ids;
  }

  systemAccount(assetIdx: number, name: SystemAccount): number {
    const s = SYSTEM_ACCOUNTS.indexOf(name);
    assert(s >= 0 && assetIdx >= 0 && assetIdx < this.assets.length, 'bad system account', { name, assetIdx });
    return this.system[assetIdx * SYSTEM_ACCOUNTS.length + s]!;
  }

  balance(accountId: number): bigint {
    const b = this.balances[accountId];
    if (b === undefined) throw new CoreError('UNKNOWN_ACCOUNT', `unknown account ${accountId}`, { accountId });
    return b;
  }

  /**
   * Posts one movement whose validity the caller has established (funds reserved).
   * Asserts, rather than checks, because a failure here is a bug in the caller.
   */
  move(debit: number, credit: number, amount: bigint): void {
    if (amount === 0n) return;
    assert(amount > 0n, 'move amount must be positive', { debit, credit });
    const balances = this.balances;
    const d = balances[debit]! - amount;
    balances[debit] = d;
    balances[credit] = balances[credit]! + amount;
    assert(this.accounts[debit]!.normal === 'debit' || d >= 0n, 'credit-normal account went negative', { account: debit });
    this.out.push({ debit, credit, amount });
  }

  /** Validates a batch completely (same asset per transfer, constraints on net effect) and applies it all or nothing. */
  postBatch(specs: readonly TransferSpec[]): void {
    if (specs.length === 0 || specs.length > BATCH_TRANSFERS_MAX) {
      throw new CoreError('TRANSFER_INVALID', `a batch holds 1..${BATCH_TRANSFERS_MAX} transfers`, { count: specs.length });
    }
    const net = new Map<number, bigint>();
    for (const [i, t] of specs.entries()) {
      const dm = this.accounts[t.debit];
      const cm = this.accounts[t.credit];
      if (dm === undefined || cm === undefined) throw new CoreError('UNKNOWN_ACCOUNT', 'transfer names an unknown account', { index: i });
      if (dm.asset !== cm.asset) throw new CoreError('TRANSFER_INVALID', 'a transfer moves one asset', { index: i });
      if (t.debit === t.credit) throw new CoreError('TRANSFER_INVALID', 'a transfer needs two different accounts', { index: i });
      if (typeof t.amount !== 'bigint' || t.amount <= 0n) throw new CoreError('AMOUNT_INVALID', 'transfer amount must be positive', { index: i });
      net.set(t.debit, (net.get(t.debit) ?? 0n) - t.amount);
      net.set(t.credit, (net.get(t.credit) ?? 0n) + t.amount);
    }
    for (const [id, delta] of net) {
      const after = this.balances[id]! + delta;
      if (!this.allowed(id, after)) {
        throw new CoreError('BALANCE_CONSTRAINT', 'batch would break a balance constraint', { account: id, asset: this.accounts[id]!.asset });
      }
    }
    for (const t of specs) this.move(t.debit, t.credit, t.amount);
  }

  /** User and equity accounts never go negative; asset accounts never hold less than nothing. */
  private allowed(id: number, balance: bigint): boolean {
    return this.accounts[id]!.normal === 'credit' ? balance >= 0n : balance <= 0n;
  }

  // ---- two-phase holds -------------------------------------------------------------

  createHold(id: string, userId: number, asset: string, bucket: UserBucket, amount: bigint): Hold {
    if (this.holds.has(id)) throw new CoreError('DUPLICATE_ID', `hold ${id} exists`, { holdId: id });
    if (amount <= 0n) throw new CoreError('AMOUNT_INVALID', 'hold amount must be positive');
    assert(bucket !== 'available', 'a hold moves funds out of available');
    const a = this.assetIdx(asset);
    const from = this.userAccount(userId, a, 'available');
    if (this.balances[from]! < amount) {
      throw new CoreError('INSUFFICIENT_FUNDS', 'insufficient available balance', { userId, asset, available: this.balances[from]!.toString() });
    }
    this.move(from, this.userAccount(userId, a, bucket), amount);
    const hold: Hold = { id, userId, asset, bucket, amount };
    this.holds.set(id, hold);
    return hold;
  }

  /** Posts `amount` of a hold to `creditAccount`; the rest stays held (call void to release it). */
  postHold(id: string, amount: bigint, creditAccount: number): Hold {
    const hold = this.holds.get(id);
    if (hold === undefined) throw new CoreError('UNKNOWN_HOLD', `unknown hold ${id}`, { holdId: id });
    if (amount <= 0n || amount > hold.amount) throw new CoreError('AMOUNT_INVALID', 'post amount must be 1..held', { holdId: id });
    const meta = this.accounts[creditAccount];
    if (meta === undefined || meta.asset !== hold.asset) throw new CoreError('TRANSFER_INVALID', 'post target must hold the same asset');
    const from = this.userAccount(hold.userId, this.assetIdx(hold.asset), hold.bucket);
    this.move(from, creditAccount, amount);
    hold.amount -= amount;
    if (hold.amount === 0n) this.holds.delete(id);
    return hold;
  }

  /** Releases what is left of a hold back to available. */
  voidHold(id: string): bigint {
    const hold = this.holds.get(id);
    if (hold === undefined) throw new CoreError('UNKNOWN_HOLD', `unknown hold ${id}`, { holdId: id });
    const a = this.assetIdx(hold.asset);
    this.move(this.userAccount(hold.userId, a, hold.bucket), this.userAccount(hold.userId, a, 'available'), hold.amount);
    this.holds.delete(id);
    return hold.amount;
  }

  // ---- invariants ------------------------------------------------------------------

  /** Per asset: sum of balances is zero, and no account breaks its constraint. Throws on violation. */
  checkInvariants(): void {
    const sums = this.assets.map(() => 0n);
    for (const meta of this.accounts) {
      const b = this.balances[meta.id]!;
      sums[this.assetIndex.get(meta.asset)!]! += b;
      assert(this.allowed(meta.id, b), 'account breaks its balance constraint', { account: meta.id, balance: b.toString() });
    }
    for (const [i, s] of sums.entries()) assert(s === 0n, 'ledger does not balance', { asset: this.assets[i], sum: s.toString() });
    // What the operator owes customers equals what it holds minus its own funds.
    for (let a = 0; a < this.assets.length; a++) {
      let liabilities = 0n;
      for (const ids of this.users.values()) for (let b = 0; b < BUCKET_COUNT; b++) liabilities += this.balances[ids[a * BUCKET_COUNT + b]!]!;
      liabilities += this.balances[this.systemAccount(a, 'suspense')]!;
      let held = 0n;
      for (const s of ['bank_omnibus', 'hot_wallet', 'cold_wallet', 'deposit_wallets', 'incident_loss'] as const) held -= this.balances[this.systemAccount(a, s)]!;
      const own = this.balances[this.systemAccount(a, 'treasury')]! + this.balances[this.systemAccount(a, 'fee_revenue')]!;
      assert(liabilities === held - own, 'liabilities differ from holdings minus own funds', { asset: this.assets[a] });
    }
  }

  /** Sum of a user's buckets for one asset: what the operator owes them. */
  userTotal(userId: number, assetIdx: number): bigint {
    const ids = this.userAccounts(userId);
    let t = 0n;
    for (let b = 0; b < BUCKET_COUNT; b++) t += this.balances[ids[assetIdx * BUCKET_COUNT + b]!]!;
    return t;
  }
}
