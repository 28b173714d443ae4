import { assert } from '../../shared/assert.ts';
import { CoreError } from '../errors.ts';
import { checkDestination, checkLabel } from './destination.ts';
import { toFils } from './fils.ts';
import { DAY_MS, HOUR_MS, MONTH_MS, policyToJson, TIERS_MAX, validateWithdrawalPolicy, type WithdrawalPolicy } from './policy.ts';
import { RollingLog } from './rolling.ts';
import { checkExternalRisk, type RiskScore, scoreWithdrawal } from './score.ts';

export const SECURITY_CHANGE_KINDS = ['password_reset', '2fa_change', 'api_key_created'] as const;
export type SecurityChangeKind = (typeof SECURITY_CHANGE_KINDS)[number];
export const CONFIRMATION_ID_LENGTH_MAX = 128;
export const REASON_LENGTH_MAX = 128;
export const STAFF_ID_RE = /^[A-Za-z0-9_:.@-]{1,128}$/;
/** Consumed confirmation ids are kept this long: the longest TTL a policy may set, so a pruned id is always expired too. */
const CONFIRMATION_KEEP_MS = DAY_MS;

export interface AddressEntry {
  readonly asset: string;
  readonly destination: string;
  readonly label: string;
  readonly addedTs: number;
  /** Settled withdrawals to this destination. */
  uses: number;
}

/** One accepted withdrawal in the rolling windows (removed again if it is cancelled). */
export interface OutflowEntry {
  readonly id: string;
  readonly userId: number;
  readonly asset: string;
  readonly amount: bigint;
  readonly fils: bigint;
  readonly ts: number;
}

/** What `withdrawal.request` attests and asks; checked by `assess`. */
export interface WithdrawalAsk {
  readonly ts: number;
  readonly userId: number;
  readonly asset: string;
  readonly decimals: number;
  readonly amount: bigint;
  readonly destination: string;
  readonly confirmationId: unknown;
  readonly confirmedTotp: unknown;
  readonly emailConfirmed: unknown;
  readonly confirmedTs: unknown;
  readonly via: unknown;
  readonly apiKeyHasWithdrawPerm: unknown;
  readonly ipAllowlisted: unknown;
  readonly externalRisk: unknown;
}

export interface Assessment extends RiskScore {
  readonly fils: bigint;
  readonly confirmationId: string;
  /** Why the withdrawal needs four-eyes review; empty means auto-approved. */
  readonly holdReasons: string[];
}

const addrKey = (asset: string, destination: string) => `${asset}:${destination}`;

/** Sum of entries strictly inside (now − windowMs, now]; optionally one asset only. */
export function windowSum(entries: readonly OutflowEntry[], now: number, windowMs: number, pick: (e: OutflowEntry) => bigint, asset?: string): bigint {
  let sum = 0n;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.ts <= now - windowMs) break; // entries are in ts order
    if (asset === undefined || e.asset === asset) sum += pick(e);
  }
  return sum;
}

/**
 * The withdrawal controls' state and checks. Pure and deterministic: time comes only
 * from command timestamps, nothing is read from outside. `assess` throws a CoreError
 * and changes nothing; the `on…` and `record…` methods change state and are called
 * only after every check of the command has passed.
 */
export class WithdrawalControls {
  policy: WithdrawalPolicy;
  /** Fed prices (`prices.set`): fils per whole unit and when they were set. */
  readonly prices = new Map<string, { fils: bigint; ts: number }>();
  readonly addressBooks = new Map<number, Map<string, AddressEntry>>();
  /** The latest security change per customer. */
  readonly securityChanges = new Map<number, { kind: SecurityChangeKind; ts: number }>();
  readonly accountLocks = new Map<number, { reason: string; ts: number }>();
  readonly tiers = new Map<number, number>();
  readonly lastDepositTs = new Map<number, number>();
  /** Settled withdrawals per customer: count and largest AED equivalent. */
  readonly history = new Map<number, { count: number; maxFils: bigint }>();
  /** Accepted withdrawals of the last 30 days per customer, and of the last 24 h per asset, in ts order. */
  readonly userOutflows = new Map<number, OutflowEntry[]>();
  readonly assetOutflows = new Map<string, RollingLog>();
  /**
   * Confirmation id → when it was consumed; a confirmation authorises one withdrawal only.
   * Kept a day (the longest TTL a policy allows, and consumed ≥ verified), so a pruned id is expired anyway.
   */
  readonly consumedConfirmations = new Map<string, number>();

  constructor(policy: WithdrawalPolicy) {
    this.policy = validateWithdrawalPolicy(policy);
  }

  setPolicy(policy: unknown): string {
    this.policy = validateWithdrawalPolicy(policy as WithdrawalPolicy);
    return policyToJson(this.policy);
  }

  setPrices(prices: unknown, ts: number, assets: ReadonlySet<string>): Record<string, bigint> {
    if (prices === null || typeof prices !== 'object' || Array.isArray(prices)) throw new CoreError('COMMAND_MALFORMED', 'pricesFils must be an object');
    const keys = Object.keys(prices).sort();
    if (keys.length === 0 || keys.length > assets.size) throw new CoreError('COMMAND_MALFORMED', 'pricesFils must name 1..(asset count) assets');
    const out: Record<string, bigint> = {};
    for (const k of keys) {
      const v = (prices as Record<string, unknown>)[k];
      if (!assets.has(k) || k === 'AED') throw new CoreError('UNKNOWN_ASSET', 'prices are set for configured non-AED assets', { asset: k.slice(0, 20) });
      if (typeof v !== 'bigint' || v <= 0n || v >= 1n << 128n) throw new CoreError('AMOUNT_INVALID', 'a price is a positive integer of fils per whole unit');
      out[k] = v;
    }
    for (const k of keys) this.prices.set(k, { fils: out[k]!, ts });
    return out;
  }

  /** Fils per whole unit now, or null if unknown or stale. AED is 100 by definition. */
  priceFils(asset: string, now: number): bigint | null {
    if (asset === 'AED') return 100n;
    const fed = this.prices.get(asset);
    if (fed !== undefined) return now - fed.ts <= this.policy.priceMaxAgeMs ? fed.fils : null;
    return this.policy.pricesFils[asset] ?? null;
  }

  tierOf(userId: number): number {
    return this.tiers.get(userId) ?? 0;
  }

  setTier(userId: number, tier: unknown): number {
    if (typeof tier !== 'number' || !Number.isSafeInteger(tier) || tier < 0 || tier >= TIERS_MAX) throw new CoreError('COMMAND_MALFORMED', `tier must be an integer 0..${TIERS_MAX - 1}`);
    if (tier >= this.policy.tiers.length) throw new CoreError('COMMAND_MALFORMED', 'the policy has no such tier', { tier });
    if (tier === 0) this.tiers.delete(userId);
    else this.tiers.set(userId, tier);
    return tier;
  }

  // ---- address book --------------------------------------------------------------------

  addAddress(userId: number, asset: string, destination: unknown, label: unknown, ownerVerified: unknown, ts: number): AddressEntry {
    this.checkNotLocked(userId);
    const dest = checkDestination(asset, destination);
    const lbl = checkLabel(label);
    // Bank payouts go only to IBANs the banking/KYC side verified as the customer's own (first-party rule).
    if (asset === 'AED' && ownerVerified !== true) throw new CoreError('DESTINATION_INVALID', 'a bank destination must be an IBAN verified as the customer’s own');
    const book = this.addressBooks.get(userId);
    if (book?.has(addrKey(asset, dest))) throw new CoreError('DUPLICATE_ID', 'destination already saved');
    if ((book?.size ?? 0) >= this.policy.addressBookPerUserMax) throw new CoreError('LIMIT_EXCEEDED', 'address book is full', { max: this.policy.addressBookPerUserMax });
    const entry: AddressEntry = { asset, destination: dest, label: lbl, addedTs: ts, uses: 0 };
    if (book === undefined) this.addressBooks.set(userId, new Map([[addrKey(asset, dest), entry]]));
    else book.set(addrKey(asset, dest), entry);
    return entry;
  }

  removeAddress(userId: number, asset: string, destination: unknown): void {
    const book = this.addressBooks.get(userId);
    const key = typeof destination === 'string' ? addrKey(asset, destination) : '';
    if (book === undefined || !book.delete(key)) throw new CoreError('DESTINATION_NOT_SAVED', 'destination is not in the address book');
    if (book.size === 0) this.addressBooks.delete(userId);
  }

  // ---- security --------------------------------------------------------------------------

  securityChanged(userId: number, kind: unknown, ts: number): number {
    if (!SECURITY_CHANGE_KINDS.includes(kind as SecurityChangeKind)) throw new CoreError('COMMAND_MALFORMED', `kind must be one of ${SECURITY_CHANGE_KINDS.join(', ')}`);
    this.securityChanges.set(userId, { kind: kind as SecurityChangeKind, ts });
    return ts + this.policy.securityLockMs;
  }

  lock(userId: number, reason: unknown, ts: number): string {
    const why = checkReason(reason);
    this.accountLocks.set(userId, { reason: why, ts });
    return why;
  }

  unlock(userId: number, staffId: unknown, reason: unknown): string {
    checkStaff(staffId);
    const why = checkReason(reason);
    if (!this.accountLocks.delete(userId)) throw new CoreError('HOLD_STATE', 'account is not locked', { userId });
    return why;
  }

  checkNotLocked(userId: number): void {
    const lock = this.accountLocks.get(userId);
    if (lock !== undefined) throw new CoreError('ACCOUNT_LOCKED', 'withdrawals are locked for this account', { userId, reason: lock.reason, sinceTs: lock.ts });
  }

  /** Account lock and security-change lock: checked at request and again at authorisation. */
  checkMayWithdraw(userId: number, now: number): void {
    this.checkNotLocked(userId);
    const change = this.securityChanges.get(userId);
    if (change !== undefined && now < change.ts + this.policy.securityLockMs) {
      throw new CoreError('SECURITY_LOCKED', 'withdrawals are blocked after a security change', { userId, kind: change.kind, untilTs: change.ts + this.policy.securityLockMs });
    }
  }

  onDeposit(userId: number, ts: number): void {
    this.lastDepositTs.set(userId, ts);
  }

  // ---- the request -----------------------------------------------------------------------

  /** Every check of a withdrawal request; throws a typed CoreError and changes nothing. */
  assess(ask: WithdrawalAsk): Assessment {
    const { ts, userId, asset, amount } = ask;
    const p = this.policy;
    this.checkMayWithdraw(userId, ts);
    // API-key withdrawals: the key must carry the withdraw permission and the caller's IP must be on the key's allowlist.
    if (ask.via !== 'session' && ask.via !== 'api_key') throw new CoreError('COMMAND_MALFORMED', "via must be 'session' or 'api_key'");
    if (ask.via === 'api_key' && (ask.apiKeyHasWithdrawPerm !== true || ask.ipAllowlisted !== true)) {
      throw new CoreError('API_KEY_NOT_PERMITTED', 'API-key withdrawals need the withdraw permission and an allowlisted IP', {
        withdrawPermission: ask.apiKeyHasWithdrawPerm === true,
        ipAllowlisted: ask.ipAllowlisted === true,
      });
    }
    // Both factors, every time: TOTP (RFC 6238) and the e-mailed confirmation link.
    if (ask.confirmedTotp !== true || ask.emailConfirmed !== true) {
      throw new CoreError('CONFIRMATION_REQUIRED', 'a withdrawal needs TOTP and e-mail confirmation', { totp: ask.confirmedTotp === true, email: ask.emailConfirmed === true });
    }
    const cid = ask.confirmationId;
    if (typeof cid !== 'string' || cid.length === 0 || cid.length > CONFIRMATION_ID_LENGTH_MAX) throw new CoreError('COMMAND_MALFORMED', `confirmationId must be 1..${CONFIRMATION_ID_LENGTH_MAX} characters`);
    const cts = ask.confirmedTs;
    if (typeof cts !== 'number' || !Number.isSafeInteger(cts) || cts < 0) throw new CoreError('COMMAND_MALFORMED', 'confirmedTs must be a non-negative integer (ms)');
    if (this.consumedConfirmations.has(cid)) throw new CoreError('CONFIRMATION_REPLAYED', 'this confirmation was already used');
    if (cts > ts || ts - cts > p.confirmationTtlMs) throw new CoreError('CONFIRMATION_EXPIRED', 'the confirmation is expired or from the future', { confirmedTs: cts, ttlMs: p.confirmationTtlMs });
    // Destination: saved, and past its cooling-off.
    const entry = this.addressBooks.get(userId)?.get(addrKey(asset, ask.destination));
    if (entry === undefined) throw new CoreError('DESTINATION_NOT_SAVED', 'withdrawals go only to saved destinations', { asset });
    if (ts < entry.addedTs + p.coolingOffMs) throw new CoreError('DESTINATION_COOLING_OFF', 'a new destination is usable after its cooling-off', { usableFromTs: entry.addedTs + p.coolingOffMs });
    // Limits.
    const mine = this.userOutflows.get(userId) ?? [];
    const requestsToday = windowSum(mine, ts, DAY_MS, () => 1n);
    if (requestsToday >= BigInt(p.requestsPerUserDayMax)) throw new CoreError('LIMIT_EXCEEDED', 'too many withdrawals in 24 hours', { scope: 'user', window: '24h', limit: 'requests', max: p.requestsPerUserDayMax });
    const price = this.priceFils(asset, ts);
    if (price === null) throw new CoreError('PRICE_UNAVAILABLE', 'no current AED price for this asset: AED-equivalent limits cannot be checked', { asset });
    const fils = toFils(amount, ask.decimals, price);
    const tier = p.tiers[this.tierOf(userId)] ?? p.tiers[0]!;
    const amt = (e: OutflowEntry) => e.amount;
    const fl = (e: OutflowEntry) => e.fils;
    const over = (used: bigint, max: bigint, scope: string, window: string, unit: string) => {
      if (used > max) throw new CoreError('LIMIT_EXCEEDED', `withdrawal over the ${scope} ${window} limit`, { scope, window, unit, max: max.toString(), used: (used - (unit === 'fils' ? fils : amount)).toString(), tier: this.tierOf(userId) });
    };
    over(windowSum(mine, ts, DAY_MS, amt, asset) + amount, tier.dailyByAsset[asset] ?? 0n, 'user', '24h', asset);
    over(windowSum(mine, ts, MONTH_MS, amt, asset) + amount, tier.monthlyByAsset[asset] ?? 0n, 'user', '30d', asset);
    over(windowSum(mine, ts, DAY_MS, fl) + fils, tier.dailyFils, 'user', '24h', 'fils');
    over(windowSum(mine, ts, MONTH_MS, fl) + fils, tier.monthlyFils, 'user', '30d', 'fils');
    const all = this.assetOutflows.get(asset);
    over((all?.sumAfter(ts - HOUR_MS) ?? 0n) + amount, p.platformHourlyByAsset[asset] ?? 0n, 'platform', '1h', asset);
    over((all?.sumAfter(ts - DAY_MS) ?? 0n) + amount, p.platformDailyByAsset[asset] ?? 0n, 'platform', '24h', asset);
    // Risk.
    const external = checkExternalRisk(ask.externalRisk, p);
    const hist = this.history.get(userId);
    const lastDep = this.lastDepositTs.get(userId);
    const risk = scoreWithdrawal(
      p,
      { destinationUses: entry.uses, historyCount: hist?.count ?? 0, historyMaxFils: hist?.maxFils ?? 0n, amountFils: fils, sinceLastDepositMs: lastDep === undefined ? null : ts - lastDep },
      external,
    );
    if (risk.score >= p.riskRejectAt) throw new CoreError('RISK_REJECTED', 'withdrawal refused by risk scoring', { score: risk.score, reasons: risk.reasons });
    const holdReasons: string[] = [];
    if (fils >= p.fourEyesFils) holdReasons.push('four_eyes_amount');
    if (risk.score >= p.riskHoldAt) holdReasons.push('risk_score');
    return { ...risk, fils, confirmationId: cid, holdReasons };
  }

  /** Records an accepted request (after the funds hold succeeded). */
  recordAccepted(withdrawalId: string, ask: WithdrawalAsk, a: Assessment): void {
    assert(!this.consumedConfirmations.has(a.confirmationId), 'confirmation consumed twice');
    this.prune(ask.userId, ask.asset, ask.ts);
    this.consumedConfirmations.set(a.confirmationId, ask.ts);
    const e: OutflowEntry = { id: withdrawalId, userId: ask.userId, asset: ask.asset, amount: ask.amount, fils: a.fils, ts: ask.ts };
    push(this.userOutflows, ask.userId, e);
    this.log(ask.asset).push(e);
  }

  /** A cancelled or rejected withdrawal never left: it stops counting against the limits. */
  recordCancelled(withdrawalId: string, userId: number, asset: string): void {
    drop(this.userOutflows, userId, withdrawalId);
    const log = this.assetOutflows.get(asset);
    if (log?.remove(withdrawalId) && log.length === 0) this.assetOutflows.delete(asset);
  }

  /** A settled withdrawal becomes history: the destination is no longer new; the amount joins the customer's record. */
  recordSettled(userId: number, asset: string, destination: string, fils: bigint): void {
    const entry = this.addressBooks.get(userId)?.get(addrKey(asset, destination));
    if (entry !== undefined) entry.uses++;
    const h = this.history.get(userId);
    if (h === undefined) this.history.set(userId, { count: 1, maxFils: fils });
    else {
      h.count++;
      if (fils > h.maxFils) h.maxFils = fils;
    }
  }

  /**
   * Drops what no window can see any more, for the customer and asset at hand (others
   * are pruned on their next withdrawal: each list is bounded by the per-day request
   * cap either way). Deterministic: depends only on command time.
   */
  private prune(userId: number, asset: string, now: number): void {
    pruneList(this.userOutflows, userId, now - MONTH_MS);
    const log = this.assetOutflows.get(asset);
    if (log !== undefined) {
      log.dropThrough(now - DAY_MS);
      if (log.length === 0) this.assetOutflows.delete(asset);
    }
    // Insertion order is consumption order, and consumption times only grow.
    for (const [id, usedTs] of this.consumedConfirmations) {
      if (usedTs >= now - CONFIRMATION_KEEP_MS) break;
      this.consumedConfirmations.delete(id);
    }
  }

  private log(asset: string): RollingLog {
    let log = this.assetOutflows.get(asset);
    if (log === undefined) this.assetOutflows.set(asset, (log = new RollingLog()));
    return log;
  }

  // ---- state hash and snapshot -------------------------------------------------------------

  /** Canonical lines for the state hash: everything above, in sorted order. */
  *hashLines(): Generator<string> {
    yield `rp ${policyToJson(this.policy)}`;
    for (const k of [...this.prices.keys()].sort()) yield `rq ${k} ${this.prices.get(k)!.fils} ${this.prices.get(k)!.ts}`;
    for (const u of [...this.addressBooks.keys()].sort(num)) {
      const book = this.addressBooks.get(u)!;
      for (const k of [...book.keys()].sort()) {
        const e = book.get(k)!;
        yield `ra ${u} ${e.asset} ${JSON.stringify(e.destination)} ${JSON.stringify(e.label)} ${e.addedTs} ${e.uses}`;
      }
    }
    for (const u of [...this.securityChanges.keys()].sort(num)) yield `rs ${u} ${this.securityChanges.get(u)!.kind} ${this.securityChanges.get(u)!.ts}`;
    for (const u of [...this.accountLocks.keys()].sort(num)) yield `rl ${u} ${JSON.stringify(this.accountLocks.get(u)!.reason)} ${this.accountLocks.get(u)!.ts}`;
    for (const u of [...this.tiers.keys()].sort(num)) yield `rt ${u} ${this.tiers.get(u)}`;
    for (const u of [...this.lastDepositTs.keys()].sort(num)) yield `rd ${u} ${this.lastDepositTs.get(u)}`;
    for (const u of [...this.history.keys()].sort(num)) yield `rh ${u} ${this.history.get(u)!.count} ${this.history.get(u)!.maxFils}`;
    for (const u of [...this.userOutflows.keys()].sort(num)) for (const e of this.userOutflows.get(u)!) yield `ru ${u} ${JSON.stringify(e.id)} ${e.asset} ${e.amount} ${e.fils} ${e.ts}`;
    for (const a of [...this.assetOutflows.keys()].sort()) for (const e of this.assetOutflows.get(a)!.entries) yield `rx ${a} ${JSON.stringify(e.id)} ${e.userId} ${e.amount} ${e.fils} ${e.ts}`;
    for (const id of [...this.consumedConfirmations.keys()].sort()) yield `rc ${JSON.stringify(id)} ${this.consumedConfirmations.get(id)}`;
  }

  toSnapshot(): ControlsSnapshot {
    const out = (e: OutflowEntry): SnapOutflow => [e.id, e.userId, e.asset, e.amount.toString(), e.fils.toString(), e.ts];
    return {
      policy: policyToJson(this.policy),
      prices: [...this.prices].map(([k, v]) => [k, v.fils.toString(), v.ts]),
      addresses: [...this.addressBooks].flatMap(([u, book]) => [...book.values()].map((e): SnapAddress => [u, e.asset, e.destination, e.label, e.addedTs, e.uses])),
      securityChanges: [...this.securityChanges].map(([u, c]) => [u, c.kind, c.ts]),
      accountLocks: [...this.accountLocks].map(([u, l]) => [u, l.reason, l.ts]),
      tiers: [...this.tiers],
      lastDepositTs: [...this.lastDepositTs],
      history: [...this.history].map(([u, h]) => [u, h.count, h.maxFils.toString()]),
      userOutflows: [...this.userOutflows.values()].flatMap((l) => l.map(out)),
      assetOutflows: [...this.assetOutflows.values()].flatMap((l) => l.entries.map(out)),
      consumedConfirmations: [...this.consumedConfirmations],
    };
  }

  static fromSnapshot(s: ControlsSnapshot, policyFromJson: (text: string) => WithdrawalPolicy): WithdrawalControls {
    const c = new WithdrawalControls(policyFromJson(s.policy));
    for (const [k, fils, ts] of s.prices) c.prices.set(k, { fils: BigInt(fils), ts });
    for (const [u, asset, destination, label, addedTs, uses] of s.addresses) {
      let book = c.addressBooks.get(u);
      if (book === undefined) c.addressBooks.set(u, (book = new Map()));
      book.set(addrKey(asset, destination), { asset, destination, label, addedTs, uses });
    }
    for (const [u, kind, ts] of s.securityChanges) c.securityChanges.set(u, { kind, ts });
    for (const [u, reason, ts] of s.accountLocks) c.accountLocks.set(u, { reason, ts });
    for (const [u, t] of s.tiers) c.tiers.set(u, t);
    for (const [u, ts] of s.lastDepositTs) c.lastDepositTs.set(u, ts);
    for (const [u, count, maxFils] of s.history) c.history.set(u, { count, maxFils: BigInt(maxFils) });
    const entry = ([id, userId, asset, amount, fils, ts]: SnapOutflow): OutflowEntry => ({ id, userId, asset, amount: BigInt(amount), fils: BigInt(fils), ts });
    for (const r of s.userOutflows) push(c.userOutflows, r[1], entry(r));
    for (const r of s.assetOutflows) c.log(r[2]).push(entry(r));
    for (const [id, ts] of s.consumedConfirmations) c.consumedConfirmations.set(id, ts);
    return c;
  }
}

type SnapOutflow = [id: string, userId: number, asset: string, amount: string, fils: string, ts: number];
type SnapAddress = [userId: number, asset: string, destination: string, label: string, addedTs: number, uses: number];
export interface ControlsSnapshot {
  readonly policy: string;
  readonly prices: Array<[string, string, number]>;
  readonly addresses: SnapAddress[];
  readonly securityChanges: Array<[number, SecurityChangeKind, number]>;
  readonly accountLocks: Array<[number, string, number]>;
  readonly tiers: Array<[number, number]>;
  readonly lastDepositTs: Array<[number, number]>;
  readonly history: Array<[number, number, string]>;
  readonly userOutflows: SnapOutflow[];
  readonly assetOutflows: SnapOutflow[];
  readonly consumedConfirmations: Array<[string, number]>;
}

const num = (a: number, b: number) => a - b;

function push<K>(m: Map<K, OutflowEntry[]>, k: K, e: OutflowEntry): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [e]);
  else list.push(e);
}
function pruneList<K>(m: Map<K, OutflowEntry[]>, k: K, cutoffTs: number): void {
  const list = m.get(k);
  if (list === undefined) return;
  let i = 0;
  while (i < list.length && list[i]!.ts <= cutoffTs) i++;
  if (i === list.length) m.delete(k);
  else if (i > 0) list.splice(0, i);
}
function drop<K>(m: Map<K, OutflowEntry[]>, k: K, id: string): void {
  const list = m.get(k);
  if (list === undefined) return;
  const i = list.findIndex((e) => e.id === id);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) m.delete(k);
}

export function checkReason(reason: unknown): string {
  if (typeof reason !== 'string' || reason.length === 0 || reason.length > REASON_LENGTH_MAX) throw new CoreError('COMMAND_MALFORMED', `reason must be 1..${REASON_LENGTH_MAX} characters`);
  return reason;
}
export function checkStaff(staffId: unknown): string {
  if (typeof staffId !== 'string' || !STAFF_ID_RE.test(staffId)) throw new CoreError('COMMAND_MALFORMED', 'staffId must be 1..128 of [A-Za-z0-9_:.@-]');
  return staffId;
}
