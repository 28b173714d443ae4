import { assert } from '../shared/assert.ts';
import type { Command } from './commands.ts';
import { type CoreConfig, type MarketConfig, validateCoreConfig } from './config.ts';
import { CoreError } from './errors.ts';
import type { CommandResult, CoreEvent } from './events.ts';
import { type AccountMeta, accountKey, SYSTEM_ACCOUNTS, type SystemAccount, USER_BUCKETS, type UserBucket } from './ledger/accounts.ts';
import { Ledger, type Transfer } from './ledger/ledger.ts';
import { BUY, Order, SELL, type Side, type TimeInForce } from './matching/book.ts';
import { Market, type MarketHost } from './matching/market.ts';
import { checkStaff, type WithdrawalAsk, WithdrawalControls } from './risk/controls.ts';
import { defaultWithdrawalPolicy } from './risk/policy.ts';

/** The core's configuration with the withdrawal policy (genesis value; `withdrawalPolicy.set` changes it later, journaled). */
/** Kept for callers written before the policy joined CoreConfig. */
export type CoreConfigWithPolicy = CoreConfig;

/** Longest id or reference string a command may carry. */
export const REF_LENGTH_MAX = 128;
export const CLIENT_ORDER_ID_LENGTH_MAX = 64;

/** What an idempotency key remembers of the command that first used it. */
export interface FirstResult {
  readonly seq: number;
  readonly orderId?: number;
}

/**
 * requested (auto-approved) → authorized → settled; held (four-eyes) → approved → authorized;
 * any state → cancelled (customer, staff, or a review rejection).
 */
export type WithdrawalState = 'requested' | 'held' | 'approved' | 'authorized';
export interface Withdrawal {
  readonly id: string;
  readonly userId: number;
  readonly asset: string;
  readonly amount: bigint;
  readonly fee: bigint;
  readonly destination: string;
  state: WithdrawalState;
  readonly requestedTs: number;
  /** AED equivalent when requested (limits and four-eyes used it). */
  readonly amountFils: bigint;
  readonly riskScore: number;
  /** Distinct staff ids that approved a held withdrawal, in order. */
  readonly approvals: string[];
}

const EMPTY: never[] = [];

/**
 * The exchange core: a deterministic, single-writer state machine over the ledger and
 * every order book. `apply` takes one command and returns its result; nothing else
 * changes state. It reads no clock, no randomness and no I/O, so replaying the same
 * commands reproduces the same events and the same state hash on any machine.
 */
export class ExchangeCore implements MarketHost {
  readonly config: CoreConfig;
  readonly ledger: Ledger;
  readonly markets: Market[] = [];
  readonly marketBySymbol = new Map<string, Market>();
  readonly orders = new Map<number, Order>();
  readonly openOrdersByUser = new Map<number, number>();
  readonly withdrawals = new Map<string, Withdrawal>();
  /** Idempotency keys → the first result. Kept for the life of the journal (state, snapshotted). */
  readonly idempotent = new Map<string, FirstResult>();
  /** Assets whose withdrawals are paused; '*' pauses all. */
  readonly withdrawalsPaused = new Map<string, string>();
  /** Address books, security locks, tiers, prices, rolling outflow windows, consumed confirmations (src/core/risk). */
  controls: WithdrawalControls;
  seq = 0;
  lastTs = 0;
  nextOrderId = 1;
  tradeSeq = 0;
  private readonly decimals = new Map<string, number>();

  constructor(config: CoreConfig) {
    this.config = validateCoreConfig(config);
    this.ledger = new Ledger(config.assets.map((a) => a.code));
    for (const a of config.assets) this.decimals.set(a.code, a.decimals);
    this.controls = new WithdrawalControls(config.withdrawalPolicy ?? defaultWithdrawalPolicy);
    config.markets.forEach((m: MarketConfig, i) => {
      const market = new Market(i, m, this, this.decimals.get(m.base)!);
      this.markets.push(market);
      this.marketBySymbol.set(m.symbol, market);
    });
  }

  // ---- MarketHost --------------------------------------------------------------------
  nextTradeId(): number {
    return ++this.tradeSeq;
  }
  orderClosed(order: Order): void {
    if (this.orders.delete(order.id)) {
      const n = this.openOrdersByUser.get(order.userId)! - 1;
      if (n === 0) this.openOrdersByUser.delete(order.userId);
      else this.openOrdersByUser.set(order.userId, n);
    }
  }

  decimalsOf(asset: string): number {
    const d = this.decimals.get(asset);
    if (d === undefined) throw new CoreError('UNKNOWN_ASSET', `unknown asset ${asset}`, { asset });
    return d;
  }

  /**
   * Applies one command. Rejections are results, not exceptions: they carry a typed
   * error and leave the state exactly as it was (every check runs before the first move).
   * An InvariantError is different: it means the core is wrong, and it propagates.
   */
  apply(cmd: Command): CommandResult {
    const seq = ++this.seq;
    // Scratch arrays reused across commands, copied out exactly sized: a fresh array per
    // command would get a 16-slot backing store on its first push (most commands emit 1-3).
    const events = this.scratchEvents;
    events.length = 0;
    const ledger = this.ledger;
    ledger.out.length = 0;
    try {
      if (cmd === null || typeof cmd !== 'object') throw new CoreError('COMMAND_MALFORMED', 'command must be an object');
      const ts = cmd.ts;
      if (!Number.isSafeInteger(ts) || ts < 0) throw new CoreError('COMMAND_MALFORMED', 'ts must be a non-negative integer (ms)');
      if (ts < this.lastTs) throw new CoreError('TIME_NOT_MONOTONIC', 'command time is earlier than the previous command', { ts, lastTs: this.lastTs });
      const dup = this.dispatch(cmd, events);
      this.lastTs = ts;
      if (dup !== undefined) return { seq, ok: true, duplicate: true, firstSeq: dup.seq, events: EMPTY, transfers: EMPTY, orderId: dup.orderId };
      const result: CommandResult = { seq, ok: true, events: events.slice(), transfers: ledger.out.slice(), orderId: this.lastOrderId };
      this.lastResultForBench = result;
      this.lastOrderId = undefined;
      this.remember(cmd, result);
      return result;
    } catch (e) {
      this.lastOrderId = undefined;
      if (e instanceof CoreError) {
        assert(ledger.out.length === 0, 'a rejected command moved funds', { code: e.code, type: (cmd as { type?: unknown })?.type });
        const rejected = { seq, ok: false, events: EMPTY, transfers: EMPTY, error: { code: e.code, message: e.message, details: e.details } };
        this.lastResultForBench = rejected;
        return rejected;
      }
      throw e;
    }
  }

  private lastOrderId: number | undefined;
  private readonly scratchEvents: CoreEvent[] = [];
  /** The most recent result, for drivers that need it before durability (the benchmark). */
  lastResultForBench: CommandResult | undefined;

  /** Returns the earlier result when the command repeats an idempotency key. */
  private dispatch(cmd: Command, events: CoreEvent[]): FirstResult | undefined {
    switch (cmd.type) {
      case 'order.place':
        return this.place(cmd, events);
      case 'order.cancel': {
        const order = this.ownedOrder(cmd.userId, cmd.orderId);
        this.markets[order.marketIdx]!.cancel(order, events);
        return undefined;
      }
      case 'order.amend':
        this.amend(cmd, events);
        return undefined;
      case 'order.cancelAll':
        this.cancelAll(cmd.userId, cmd.market, events);
        return undefined;
      case 'user.open':
        if (!isId(cmd.userId)) throw new CoreError('COMMAND_MALFORMED', 'userId must be a positive integer');
        this.ledger.openUser(cmd.userId);
        events.push({ type: 'user.opened', userId: cmd.userId });
        return undefined;
      case 'deposit': {
        const first = this.deposit(cmd, events);
        // Risk scoring looks for deposit → withdrawal round trips.
        if (first === undefined) this.controls.onDeposit(cmd.userId, cmd.ts);
        return first;
      }
      case 'withdrawal.request':
        return this.withdrawalRequest(cmd, events);
      case 'withdrawal.review':
        this.withdrawalReview(cmd, events);
        return undefined;
      case 'addressBook.add':
      case 'addressBook.remove':
      case 'security.changed':
      case 'user.tier':
      case 'account.lock':
      case 'account.unlock':
      case 'prices.set':
      case 'withdrawalPolicy.set':
        this.withdrawalControl(cmd, events);
        return undefined;
      case 'withdrawal.authorize':
        this.withdrawalAuthorize(cmd.withdrawalId, cmd.ts, events);
        return undefined;
      case 'withdrawal.settle':
        this.withdrawalSettle(cmd.withdrawalId, cmd.txRef, events);
        return undefined;
      case 'withdrawal.cancel':
        this.withdrawalCancel(cmd.withdrawalId, cmd.reason, cmd.payoutFailed === true, events);
        return undefined;
      case 'withdrawals.pause':
        this.pause(cmd.asset, cmd.paused, cmd.reason, events);
        return undefined;
      case 'market.status': {
        const m = this.market(cmd.market);
        if (!['open', 'halted', 'cancel-only'].includes(cmd.status)) throw new CoreError('COMMAND_MALFORMED', 'bad market status');
        m.status = cmd.status;
        events.push({ type: 'market.status', market: m.symbol, status: cmd.status });
        return undefined;
      }
      case 'ledger.post':
        return this.ledgerPost(cmd, events);
      case 'funds.freeze':
      case 'funds.unfreeze':
        return this.freeze(cmd, events);
      default:
        throw new CoreError('UNKNOWN_COMMAND', 'unknown command type', { type: String((cmd as { type?: unknown }).type).slice(0, 40) });
    }
  }

  private remember(cmd: Command, result: CommandResult): void {
    const key = idempotencyKey(cmd);
    if (key !== null) this.idempotent.set(key, result.orderId === undefined ? { seq: result.seq } : { seq: result.seq, orderId: result.orderId });
  }

  private seen(cmd: Command): FirstResult | undefined {
    const key = idempotencyKey(cmd);
    return key === null ? undefined : this.idempotent.get(key);
  }

  // ---- orders ------------------------------------------------------------------------

  market(symbol: unknown): Market {
    const m = typeof symbol === 'string' ? this.marketBySymbol.get(symbol) : undefined;
    if (m === undefined) throw new CoreError('UNKNOWN_MARKET', 'unknown market', { market: String(symbol).slice(0, 40) });
    return m;
  }

  private user(userId: unknown): number {
    if (!isId(userId)) throw new CoreError('COMMAND_MALFORMED', 'userId must be a positive integer');
    if (!this.ledger.hasUser(userId)) throw new CoreError('UNKNOWN_USER', 'unknown user', { userId });
    return userId;
  }

  private ownedOrder(userId: number, orderId: number): Order {
    this.user(userId);
    const order = Number.isSafeInteger(orderId) ? this.orders.get(orderId) : undefined;
    // Another user's order is reported as unknown: no oracle for other people's ids.
    if (order === undefined || order.userId !== userId) throw new CoreError('UNKNOWN_ORDER', 'unknown order', { orderId });
    return order;
  }

  private place(cmd: Extract<Command, { type: 'order.place' }>, events: CoreEvent[]): FirstResult | undefined {
    const userId = this.user(cmd.userId);
    const m = this.market(cmd.market);
    const cfg = m.config;
    if (cmd.clientOrderId !== undefined) {
      if (typeof cmd.clientOrderId !== 'string' || cmd.clientOrderId.length === 0 || cmd.clientOrderId.length > CLIENT_ORDER_ID_LENGTH_MAX) {
        throw new CoreError('COMMAND_MALFORMED', `clientOrderId must be 1..${CLIENT_ORDER_ID_LENGTH_MAX} characters`);
      }
      const first = this.seen(cmd);
      if (first !== undefined) return first;
    }
    if (m.status === 'halted') throw new CoreError('MARKET_HALTED', 'market is halted', { market: m.symbol });
    if (m.status === 'cancel-only') throw new CoreError('MARKET_CANCEL_ONLY', 'market accepts cancels only', { market: m.symbol });
    if (cmd.side !== 'buy' && cmd.side !== 'sell') throw new CoreError('COMMAND_MALFORMED', 'side must be buy or sell');
    const side: Side = cmd.side === 'buy' ? BUY : SELL;
    const tif: TimeInForce = cmd.tif ?? 'GTC';
    if (tif !== 'GTC' && tif !== 'IOC' && tif !== 'FOK') throw new CoreError('COMMAND_MALFORMED', 'tif must be GTC, IOC or FOK');
    const postOnly = cmd.postOnly === true;
    if ((this.openOrdersByUser.get(userId) ?? 0) >= this.config.openOrdersPerUserMax) {
      throw new CoreError('LIMIT_EXCEEDED', 'too many open orders', { max: this.config.openOrdersPerUserMax });
    }

    let limit: number;
    let qtyLots: number;
    let lock: bigint;
    let budget: bigint | null = null;
    let quoteAmount = 0n;
    if (cmd.kind === 'limit') {
      limit = checkTicks(cmd.priceTicks, cfg.priceTicksMax);
      qtyLots = checkLots(cmd.qtyLots, cfg.qtyLotsMax);
      if (cmd.quoteAmount !== undefined) throw new CoreError('COMMAND_MALFORMED', 'limit orders take qtyLots, not quoteAmount');
      if (m.notionalCeil(qtyLots, limit) < cfg.minNotionalQuote) throw new CoreError('NOTIONAL_TOO_SMALL', 'order value below the minimum', { min: cfg.minNotionalQuote.toString() });
      if (postOnly && m.crosses(side, limit)) throw new CoreError('POST_ONLY_WOULD_TAKE', 'post-only order would take liquidity');
      lock = side === BUY ? m.notionalCeil(qtyLots, limit) : BigInt(qtyLots) * m.lotSize;
    } else if (cmd.kind === 'market') {
      if (postOnly || (cmd.tif !== undefined && cmd.tif !== 'IOC' && cmd.tif !== 'FOK')) throw new CoreError('COMMAND_MALFORMED', 'market orders are IOC or FOK, never post-only');
      if (cmd.priceTicks !== undefined) throw new CoreError('COMMAND_MALFORMED', 'market orders take no price');
      const p = m.protectionPrice(side);
      if (p === undefined) throw new CoreError('NO_LIQUIDITY', 'no opposite orders to trade against', { market: m.symbol });
      limit = p;
      if (cmd.quoteAmount !== undefined) {
        if (side !== BUY) throw new CoreError('COMMAND_MALFORMED', 'market orders by quote amount are buys');
        if (cmd.qtyLots !== undefined) throw new CoreError('COMMAND_MALFORMED', 'give qtyLots or quoteAmount, not both');
        if (typeof cmd.quoteAmount !== 'bigint' || cmd.quoteAmount <= 0n) throw new CoreError('AMOUNT_INVALID', 'quoteAmount must be a positive integer');
        if (cmd.quoteAmount < cfg.minNotionalQuote) throw new CoreError('NOTIONAL_TOO_SMALL', 'order value below the minimum');
        quoteAmount = cmd.quoteAmount;
        budget = quoteAmount;
        lock = quoteAmount;
        qtyLots = cfg.qtyLotsMax;
      } else {
        qtyLots = checkLots(cmd.qtyLots, cfg.qtyLotsMax);
        const best = m.book.opposite(side).levels[0]!.priceTicks;
        if (m.notionalCeil(qtyLots, best) < cfg.minNotionalQuote) throw new CoreError('NOTIONAL_TOO_SMALL', 'order value below the minimum');
        lock = side === BUY ? m.notionalCeil(qtyLots, limit) : BigInt(qtyLots) * m.lotSize;
      }
    } else {
      throw new CoreError('COMMAND_MALFORMED', 'kind must be limit or market');
    }
    const available = m.available(userId, side);
    if (available < lock) {
      throw new CoreError('INSUFFICIENT_FUNDS', 'insufficient available balance', { needed: lock.toString(), available: available.toString() });
    }
    const order = new Order(this.nextOrderId++, userId, m.idx, side, cmd.kind === 'limit' ? limit : 0, qtyLots, cmd.kind === 'market' && tif === 'GTC' ? 'IOC' : tif, postOnly, cmd.clientOrderId ?? null, cmd.ts);
    this.orders.set(order.id, order);
    this.openOrdersByUser.set(userId, (this.openOrdersByUser.get(userId) ?? 0) + 1);
    this.lastOrderId = order.id;
    if (order.tif === 'FOK' && budget === null && !m.fillable(side, userId, limit, qtyLots)) {
      // Accepted and expired at once, with nothing reserved or moved.
      m.expireAtOnce(order, cmd.kind, quoteAmount, events);
      return undefined;
    }
    m.execute(order, lock, limit, cmd.kind, budget, quoteAmount, events);
    return undefined;
  }

  private amend(cmd: Extract<Command, { type: 'order.amend' }>, events: CoreEvent[]): void {
    const order = this.ownedOrder(cmd.userId, cmd.orderId);
    const m = this.markets[order.marketIdx]!;
    if (m.status === 'halted') throw new CoreError('MARKET_HALTED', 'market is halted');
    if (m.status === 'cancel-only') throw new CoreError('MARKET_CANCEL_ONLY', 'market accepts cancels only');
    if (cmd.priceTicks === undefined && cmd.qtyLots === undefined) throw new CoreError('COMMAND_MALFORMED', 'amend needs priceTicks or qtyLots');
    const price = cmd.priceTicks === undefined ? order.priceTicks : checkTicks(cmd.priceTicks, m.config.priceTicksMax);
    const lots = cmd.qtyLots === undefined ? order.remLots : checkLots(cmd.qtyLots, m.config.qtyLotsMax);
    m.amend(order, price, lots, events);
  }

  private cancelAll(userId: number, symbol: string | undefined, events: CoreEvent[]): void {
    this.user(userId);
    const only = symbol === undefined ? undefined : this.market(symbol);
    // Canonical order (ascending id) so the events are deterministic.
    const mine = [...this.orders.values()].filter((o) => o.userId === userId && (only === undefined || o.marketIdx === only.idx)).sort((a, b) => a.id - b.id);
    for (const o of mine) this.markets[o.marketIdx]!.cancel(o, events);
  }

  // ---- funding -----------------------------------------------------------------------

  private deposit(cmd: Extract<Command, { type: 'deposit' }>, events: CoreEvent[]): FirstResult | undefined {
    checkRef(cmd.ref);
    const first = this.seen(cmd);
    if (first !== undefined) return first;
    const userId = this.user(cmd.userId);
    const a = this.ledger.assetIdx(cmd.asset);
    checkAmount(cmd.amount);
    const source = cmd.source;
    const from: SystemAccount = source === 'bank' ? 'bank_omnibus' : source === 'chain' ? 'deposit_wallets' : source === 'manual' ? 'treasury' : invalid('source must be bank, chain or manual');
    const bucket: UserBucket = cmd.frozen === true ? 'frozen' : 'available';
    const debit = this.ledger.systemAccount(a, from);
    if (from === 'treasury' && this.ledger.balances[debit]! < cmd.amount) throw new CoreError('INSUFFICIENT_FUNDS', 'treasury cannot cover a manual credit');
    this.ledger.move(debit, this.ledger.userAccount(userId, a, bucket), cmd.amount);
    events.push({ type: 'deposit.credited', userId, asset: cmd.asset, amount: cmd.amount, source, ref: cmd.ref, bucket });
    return undefined;
  }

  /**
   * A withdrawal request passes every control or changes nothing: account and
   * security-change locks, API-key permission, TOTP + e-mail confirmation (one use per
   * confirmation id), saved destination past its cooling-off, per-customer and
   * platform rolling limits, risk score. Then the funds are held (single writer: two
   * requests can never both spend one balance) and it is `requested` (auto-approved)
   * or `held` for four-eyes review. Requests are accepted while withdrawals are paused:
   * they queue, and authorisation waits for the pause to lift.
   */
  private withdrawalRequest(cmd: Extract<Command, { type: 'withdrawal.request' }>, events: CoreEvent[]): FirstResult | undefined {
    checkRef(cmd.withdrawalId);
    const first = this.seen(cmd);
    if (first !== undefined) return first;
    if (this.withdrawals.has(cmd.withdrawalId)) throw new CoreError('DUPLICATE_ID', 'withdrawal id in use');
    const userId = this.user(cmd.userId);
    this.ledger.assetIdx(cmd.asset); // throws UNKNOWN_ASSET
    checkAmount(cmd.amount);
    if (typeof cmd.fee !== 'bigint' || cmd.fee < 0n) throw new CoreError('AMOUNT_INVALID', 'fee must be a non-negative integer');
    if (typeof cmd.destination !== 'string' || cmd.destination.length === 0 || cmd.destination.length > REF_LENGTH_MAX) throw new CoreError('COMMAND_MALFORMED', 'destination required');
    const ask: WithdrawalAsk = {
      ts: cmd.ts,
      userId,
      asset: cmd.asset,
      decimals: this.decimalsOf(cmd.asset),
      amount: cmd.amount,
      destination: cmd.destination,
      confirmationId: cmd.confirmationId,
      confirmedTotp: cmd.confirmedTotp,
      emailConfirmed: cmd.emailConfirmed,
      confirmedTs: cmd.confirmedTs,
      via: cmd.via,
      apiKeyHasWithdrawPerm: cmd.apiKeyHasWithdrawPerm,
      ipAllowlisted: cmd.ipAllowlisted,
      externalRisk: cmd.externalRisk,
    };
    const verdict = this.controls.assess(ask);
    this.ledger.createHold(`w:${cmd.withdrawalId}`, userId, cmd.asset, 'withdrawing', cmd.amount + cmd.fee);
    this.controls.recordAccepted(cmd.withdrawalId, ask, verdict);
    const state = verdict.holdReasons.length > 0 ? 'held' : 'requested';
    this.withdrawals.set(cmd.withdrawalId, {
      id: cmd.withdrawalId,
      userId,
      asset: cmd.asset,
      amount: cmd.amount,
      fee: cmd.fee,
      destination: cmd.destination,
      state,
      requestedTs: cmd.ts,
      amountFils: verdict.fils,
      riskScore: verdict.score,
      approvals: [],
    });
    events.push({
      type: 'withdrawal.requested',
      withdrawalId: cmd.withdrawalId,
      userId,
      asset: cmd.asset,
      amount: cmd.amount,
      fee: cmd.fee,
      destination: cmd.destination,
      state,
      amountFils: verdict.fils,
      riskScore: verdict.score,
      riskReasons: verdict.reasons,
      holdReasons: verdict.holdReasons,
      confirmationId: verdict.confirmationId,
      via: cmd.via,
    });
    return undefined;
  }

  /**
   * Four-eyes: a held withdrawal needs approvals from `policy.approvalsRequired`
   * distinct staff members; one rejection cancels it and returns the funds.
   */
  private withdrawalReview(cmd: Extract<Command, { type: 'withdrawal.review' }>, events: CoreEvent[]): void {
    const w = this.withdrawal(cmd.withdrawalId);
    const staffId = checkStaff(cmd.staffId);
    if (cmd.decision !== 'approve' && cmd.decision !== 'reject') throw new CoreError('COMMAND_MALFORMED', "decision must be 'approve' or 'reject'");
    if (w.state !== 'held') throw new CoreError('REVIEW_NOT_HELD', 'only a held withdrawal is reviewed', { state: w.state });
    const required = this.controls.policy.approvalsRequired;
    if (cmd.decision === 'reject') {
      events.push({ type: 'withdrawal.reviewed', withdrawalId: w.id, staffId, decision: 'reject', approvals: w.approvals.length, approvalsRequired: required });
      this.withdrawalCancel(w.id, `review rejected by ${staffId}`, false, events);
      return;
    }
    if (w.approvals.includes(staffId)) throw new CoreError('REVIEW_SAME_STAFF', 'the same staff member cannot approve twice', { staffId });
    w.approvals.push(staffId);
    events.push({ type: 'withdrawal.reviewed', withdrawalId: w.id, staffId, decision: 'approve', approvals: w.approvals.length, approvalsRequired: required });
    if (w.approvals.length >= required) {
      w.state = 'approved';
      events.push({ type: 'withdrawal.approved', withdrawalId: w.id, staffIds: [...w.approvals] });
    }
  }

  /** Address book, security events, tiers, account locks, prices, policy: state for the withdrawal controls. */
  private withdrawalControl(cmd: Extract<Command, { type: 'addressBook.add' | 'addressBook.remove' | 'security.changed' | 'user.tier' | 'account.lock' | 'account.unlock' | 'prices.set' | 'withdrawalPolicy.set' }>, events: CoreEvent[]): void {
    const c = this.controls;
    switch (cmd.type) {
      case 'addressBook.add': {
        const userId = this.user(cmd.userId);
        this.ledger.assetIdx(cmd.asset);
        const e = c.addAddress(userId, cmd.asset, cmd.destination, cmd.label, cmd.ownerVerified, cmd.ts);
        events.push({ type: 'addressBook.added', userId, asset: e.asset, destination: e.destination, label: e.label, usableFromTs: e.addedTs + c.policy.coolingOffMs });
        return;
      }
      case 'addressBook.remove': {
        const userId = this.user(cmd.userId);
        this.ledger.assetIdx(cmd.asset);
        c.removeAddress(userId, cmd.asset, cmd.destination);
        events.push({ type: 'addressBook.removed', userId, asset: cmd.asset, destination: cmd.destination });
        return;
      }
      case 'security.changed': {
        const userId = this.user(cmd.userId);
        const lockedUntilTs = c.securityChanged(userId, cmd.kind, cmd.ts);
        events.push({ type: 'security.changed', userId, kind: cmd.kind, lockedUntilTs });
        return;
      }
      case 'user.tier': {
        const userId = this.user(cmd.userId);
        events.push({ type: 'user.tier', userId, tier: c.setTier(userId, cmd.tier) });
        return;
      }
      case 'account.lock': {
        const userId = this.user(cmd.userId);
        events.push({ type: 'account.locked', userId, reason: c.lock(userId, cmd.reason, cmd.ts) });
        return;
      }
      case 'account.unlock': {
        const userId = this.user(cmd.userId);
        events.push({ type: 'account.unlocked', userId, staffId: checkStaff(cmd.staffId), reason: c.unlock(userId, cmd.staffId, cmd.reason) });
        return;
      }
      case 'prices.set':
        events.push({ type: 'prices.set', pricesFils: c.setPrices(cmd.pricesFils, cmd.ts, new Set(this.ledger.assets)) });
        return;
      case 'withdrawalPolicy.set':
        events.push({ type: 'withdrawalPolicy.set', policyJson: c.setPolicy(cmd.policy) });
        return;
    }
  }

  private withdrawal(id: string): Withdrawal {
    const w = typeof id === 'string' ? this.withdrawals.get(id) : undefined;
    if (w === undefined) throw new CoreError('UNKNOWN_HOLD', 'unknown withdrawal', { withdrawalId: String(id).slice(0, REF_LENGTH_MAX) });
    return w;
  }

  isWithdrawalPaused(asset: string): boolean {
    return this.withdrawalsPaused.has('*') || this.withdrawalsPaused.has(asset);
  }

  /**
   * Authorisation is the last core step before signing: only an auto-approved or fully
   * reviewed withdrawal, refused while withdrawals are paused or the account is locked
   * (a "this wasn't me" or a security change after the request still stops the payout).
   */
  private withdrawalAuthorize(id: string, ts: number, events: CoreEvent[]): void {
    const w = this.withdrawal(id);
    if (w.state === 'held') throw new CoreError('HOLD_STATE', 'withdrawal awaits four-eyes review', { state: w.state, approvals: w.approvals.length });
    if (w.state !== 'requested' && w.state !== 'approved') throw new CoreError('HOLD_STATE', 'withdrawal is not awaiting authorisation', { state: w.state });
    if (this.isWithdrawalPaused(w.asset)) throw new CoreError('WITHDRAWALS_PAUSED', 'withdrawals are paused', { asset: w.asset });
    this.controls.checkMayWithdraw(w.userId, ts);
    w.state = 'authorized';
    events.push({ type: 'withdrawal.authorized', withdrawalId: id });
  }

  /** The payout happened (tx confirmed, bank accepted): funds leave custody; the fee is revenue. */
  private withdrawalSettle(id: string, txRef: string, events: CoreEvent[]): void {
    const w = this.withdrawal(id);
    checkRef(txRef);
    if (w.state !== 'authorized') throw new CoreError('HOLD_STATE', 'only an authorised withdrawal settles', { state: w.state });
    const a = this.ledger.assetIdx(w.asset);
    const custody = this.ledger.systemAccount(a, w.asset === 'AED' ? 'bank_omnibus' : 'hot_wallet');
    const custodyHeld = -this.ledger.balances[custody]!;
    if (custodyHeld < w.amount) throw new CoreError('INSUFFICIENT_FUNDS', 'custody account holds less than the payout', { asset: w.asset });
    this.ledger.postHold(`w:${id}`, w.amount, custody);
    if (w.fee > 0n) this.ledger.postHold(`w:${id}`, w.fee, this.ledger.systemAccount(a, 'fee_revenue'));
    this.withdrawals.delete(id);
    this.controls.recordSettled(w.userId, w.asset, w.destination, w.amountFils);
    events.push({ type: 'withdrawal.settled', withdrawalId: id, userId: w.userId, asset: w.asset, amount: w.amount, fee: w.fee, txRef });
  }

  private withdrawalCancel(id: string, reason: string, payoutFailed: boolean, events: CoreEvent[]): void {
    const w = this.withdrawal(id);
    if (w.state === 'authorized' && !payoutFailed) {
      throw new CoreError('HOLD_STATE', 'an authorised withdrawal may be in flight: cancel only with the payout processor attesting the payout failed', { withdrawalId: id });
    }
    const amount = this.ledger.voidHold(`w:${id}`);
    this.withdrawals.delete(id);
    this.controls.recordCancelled(id, w.userId, w.asset);
    events.push({ type: 'withdrawal.cancelled', withdrawalId: id, userId: w.userId, asset: w.asset, amount, reason: String(reason).slice(0, REF_LENGTH_MAX) });
  }

  private pause(asset: string | null, paused: boolean, reason: string, events: CoreEvent[]): void {
    if (asset !== null) this.ledger.assetIdx(asset);
    if (typeof paused !== 'boolean') throw new CoreError('COMMAND_MALFORMED', 'paused must be a boolean');
    const key = asset ?? '*';
    const why = String(reason).slice(0, REF_LENGTH_MAX);
    if (paused) this.withdrawalsPaused.set(key, why);
    else this.withdrawalsPaused.delete(key);
    events.push({ type: 'withdrawals.paused', asset, paused, reason: why });
  }

  // ---- privileged ledger moves -------------------------------------------------------

  accountByKey(key: unknown): number {
    if (typeof key !== 'string') throw new CoreError('UNKNOWN_ACCOUNT', 'account key must be a string');
    const parts = key.split(':');
    if (parts[0] === 'system' && parts.length === 3) {
      const name = parts[2] as SystemAccount;
      if (!SYSTEM_ACCOUNTS.includes(name)) throw new CoreError('UNKNOWN_ACCOUNT', 'unknown system account', { key: key.slice(0, 80) });
      return this.ledger.systemAccount(this.ledger.assetIdx(parts[1]!), name);
    }
    if (parts[0] === 'user' && parts.length === 4) {
      const userId = Number(parts[1]);
      const bucket = parts[3] as UserBucket;
      if (!USER_BUCKETS.includes(bucket) || !isId(userId) || String(userId) !== parts[1]) throw new CoreError('UNKNOWN_ACCOUNT', 'bad user account key', { key: key.slice(0, 80) });
      return this.ledger.userAccount(this.user(userId), this.ledger.assetIdx(parts[2]!), bucket);
    }
    throw new CoreError('UNKNOWN_ACCOUNT', 'bad account key', { key: key.slice(0, 80) });
  }

  private ledgerPost(cmd: Extract<Command, { type: 'ledger.post' }>, events: CoreEvent[]): FirstResult | undefined {
    checkRef(cmd.ref);
    const first = this.seen(cmd);
    if (first !== undefined) return first;
    if (!Array.isArray(cmd.transfers)) throw new CoreError('COMMAND_MALFORMED', 'transfers must be an array');
    const specs = cmd.transfers.map((t) => {
      checkAmount(t?.amount);
      return { debit: this.accountByKey(t.debit), credit: this.accountByKey(t.credit), amount: t.amount };
    });
    this.ledger.postBatch(specs);
    events.push({ type: 'ledger.posted', ref: cmd.ref, memo: String(cmd.memo ?? '').slice(0, 256) });
    return undefined;
  }

  private freeze(cmd: Extract<Command, { type: 'funds.freeze' | 'funds.unfreeze' }>, events: CoreEvent[]): FirstResult | undefined {
    checkRef(cmd.ref);
    const first = this.seen(cmd);
    if (first !== undefined) return first;
    const userId = this.user(cmd.userId);
    const a = this.ledger.assetIdx(cmd.asset);
    checkAmount(cmd.amount);
    const avail = this.ledger.userAccount(userId, a, 'available');
    const frozen = this.ledger.userAccount(userId, a, 'frozen');
    const [from, to] = cmd.type === 'funds.freeze' ? [avail, frozen] : [frozen, avail];
    if (this.ledger.balances[from]! < cmd.amount) throw new CoreError('INSUFFICIENT_FUNDS', 'not enough funds to move', { userId, asset: cmd.asset });
    this.ledger.move(from, to, cmd.amount);
    events.push({ type: cmd.type === 'funds.freeze' ? 'funds.frozen' : 'funds.unfrozen', userId, asset: cmd.asset, amount: cmd.amount, ref: cmd.ref });
    return undefined;
  }

  // ---- invariants --------------------------------------------------------------------

  /**
   * Conservation per asset, no negative user balance, liabilities = holdings − own funds
   * (in the ledger), and locked funds equal exactly what open orders reserve.
   */
  checkInvariants(): void {
    this.ledger.checkInvariants();
    const lockedByAccount = new Map<number, bigint>();
    for (const o of this.orders.values()) {
      const m = this.markets[o.marketIdx]!;
      assert(o.level !== null, 'open order is not in its book', { orderId: o.id });
      assert(o.lockedAmount === m.need(o, o.priceTicks, o.remLots), 'order reservation differs from its need', { orderId: o.id });
      const acct = this.ledger.userAccount(o.userId, o.side === BUY ? m.quoteIdx : m.baseIdx, 'locked');
      lockedByAccount.set(acct, (lockedByAccount.get(acct) ?? 0n) + o.lockedAmount);
    }
    for (const meta of this.ledger.accounts) {
      if (meta.bucket !== 'locked') continue;
      assert(this.ledger.balances[meta.id] === (lockedByAccount.get(meta.id) ?? 0n), 'locked balance differs from open orders', { account: accountKey(meta) });
    }
    let resting = 0;
    for (const m of this.markets) {
      for (const o of m.book.orders()) {
        resting++;
        assert(this.orders.get(o.id) === o, 'resting order not indexed', { orderId: o.id });
      }
      const bestBid = m.book.bids.levels[0];
      const bestAsk = m.book.asks.levels[0];
      assert(bestBid === undefined || bestAsk === undefined || bestBid.priceTicks < bestAsk.priceTicks, 'book is crossed', { market: m.symbol });
    }
    assert(resting === this.orders.size, 'order index and books disagree');
    const withdrawing = new Map<number, bigint>();
    for (const w of this.withdrawals.values()) {
      const acct = this.ledger.userAccount(w.userId, this.ledger.assetIdx(w.asset), 'withdrawing');
      withdrawing.set(acct, (withdrawing.get(acct) ?? 0n) + w.amount + w.fee);
    }
    for (const meta of this.ledger.accounts) {
      if (meta.bucket === 'withdrawing') assert(this.ledger.balances[meta.id] === (withdrawing.get(meta.id) ?? 0n), 'withdrawing balance differs from pending withdrawals');
    }
  }

  /** Everything the operator owes one customer in one asset. */
  userBalances(userId: number): Record<string, Record<UserBucket, bigint>> {
    const out: Record<string, Record<UserBucket, bigint>> = {};
    const ids = this.ledger.userAccounts(userId);
    this.ledger.assets.forEach((asset, a) => {
      const row = {} as Record<UserBucket, bigint>;
      USER_BUCKETS.forEach((b, i) => {
        row[b] = this.ledger.balances[ids[a * USER_BUCKETS.length + i]!]!;
      });
      out[asset] = row;
    });
    return out;
  }

  accountMeta(id: number): AccountMeta {
    const meta = this.ledger.accounts[id];
    if (meta === undefined) throw new CoreError('UNKNOWN_ACCOUNT', 'unknown account');
    return meta;
  }

  transfersAsKeys(transfers: readonly Transfer[]): Array<{ debit: string; credit: string; asset: string; amount: bigint }> {
    return transfers.map((t) => {
      const d = this.ledger.accounts[t.debit]!;
      return { debit: accountKey(d), credit: accountKey(this.ledger.accounts[t.credit]!), asset: d.asset, amount: t.amount };
    });
  }
}

function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}
function invalid(message: string): never {
  throw new CoreError('COMMAND_MALFORMED', message);
}
function checkRef(ref: unknown): asserts ref is string {
  if (typeof ref !== 'string' || ref.length === 0 || ref.length > REF_LENGTH_MAX) throw new CoreError('COMMAND_MALFORMED', `reference must be 1..${REF_LENGTH_MAX} characters`);
}
function checkAmount(amount: unknown): asserts amount is bigint {
  if (typeof amount !== 'bigint' || amount <= 0n) throw new CoreError('AMOUNT_INVALID', 'amount must be a positive integer of minor units');
  // 2^256: no asset's supply in minor units reaches it; anything larger is an attack on memory or CPU.
  if (amount >= 1n << 256n) throw new CoreError('AMOUNT_INVALID', 'amount too large');
}
function checkTicks(v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0 || v > max) throw new CoreError('PRICE_INVALID', `price must be an integer number of ticks in 1..${max}`);
  return v;
}
function checkLots(v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0 || v > max) throw new CoreError('QUANTITY_INVALID', `quantity must be an integer number of lots in 1..${max}`);
  return v;
}

/** The key under which a command's first result is remembered, or null for commands without one. */
export function idempotencyKey(cmd: Command): string | null {
  switch (cmd.type) {
    case 'deposit':
      return `deposit:${cmd.ref}`;
    case 'order.place':
      return cmd.clientOrderId === undefined ? null : `order:${cmd.userId}:${cmd.clientOrderId}`;
    case 'withdrawal.request':
      return `withdrawal:${cmd.withdrawalId}`;
    case 'ledger.post':
      return `ledger:${cmd.ref}`;
    case 'funds.freeze':
    case 'funds.unfreeze':
      return `${cmd.type}:${cmd.ref}`;
    default:
      return null;
  }
}
