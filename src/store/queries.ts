import { StoreError } from './errors.ts';
import { CANDLE_PERIODS, type CandlePeriod } from './projector.ts';
import { amount, int, type Row, type SqlRunner } from './sql.ts';

/**
 * Read-model queries with keyset pagination: the cursor is the opaque base64url of the
 * last row's key (and the query it belongs to), so a page costs one index range scan
 * whatever the depth, and rows inserted meanwhile never shift a page.
 */
export const PAGE_LIMIT_MAX = 1000;
export const PAGE_LIMIT_DEFAULT = 100;
const CURSOR_CHARS_MAX = 256;

export interface PageOptions {
  readonly cursor?: string | null;
  readonly limit?: number;
}
export interface Page<T> {
  readonly items: T[];
  /** Pass back to get the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export function encodeCursor(kind: string, key: readonly number[]): string {
  return Buffer.from(JSON.stringify([kind, ...key]), 'utf8').toString('base64url');
}

/** Decodes a cursor this code issued for query `kind` with `arity` integer keys; anything else is refused. */
export function decodeCursor(cursor: string, kind: string, arity: number): number[] {
  const bad = (why: string) => new StoreError('STORE_CURSOR_INVALID', 'invalid pagination cursor', { why });
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > CURSOR_CHARS_MAX || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad('format');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad('json');
  }
  if (!Array.isArray(parsed) || parsed.length !== arity + 1 || parsed[0] !== kind) throw bad('shape');
  const keys = parsed.slice(1);
  if (!keys.every((k) => typeof k === 'number' && Number.isSafeInteger(k) && k >= 0)) throw bad('key');
  return keys as number[];
}

function limitOf(opts: PageOptions): number {
  const limit = opts.limit ?? PAGE_LIMIT_DEFAULT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > PAGE_LIMIT_MAX) throw new StoreError('STORE_LIMIT_INVALID', `limit must be 1..${PAGE_LIMIT_MAX}`, { limit });
  return limit;
}

function checkId(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new StoreError('STORE_LIMIT_INVALID', `${name} must be a non-negative integer`, { [name]: v });
}

function page<T>(rows: Row[], limit: number, kind: string, keyOf: (r: Row) => number[], map: (r: Row) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(map), nextCursor: more && last !== undefined ? encodeCursor(kind, keyOf(last)) : null };
}

export interface OrderView {
  id: number;
  userId: number;
  market: string;
  side: 'buy' | 'sell';
  kind: 'limit' | 'market';
  tif: string;
  postOnly: boolean;
  priceTicks: number;
  qtyLots: number;
  filledLots: number;
  quoteAmount: bigint;
  status: 'open' | 'filled' | 'canceled' | 'expired' | 'stp';
  clientOrderId: string | null;
  createdTs: number;
  updatedTs: number;
}
export interface FillView {
  tradeId: number;
  seq: number;
  market: string;
  priceTicks: number;
  qtyLots: number;
  takerSide: 'buy' | 'sell';
  makerOrderId: number;
  takerOrderId: number;
  makerUserId: number;
  takerUserId: number;
  baseAmount: bigint;
  buyerPaid: bigint;
  sellerGot: bigint;
  buyerFee: bigint;
  sellerFee: bigint;
  ts: number;
}
export interface LedgerEntryView {
  seq: number;
  entryIdx: number;
  accountKey: string;
  asset: string;
  delta: bigint;
  balance: bigint;
  counterAccount: string;
  ts: number;
}
export interface DepositView {
  seq: number;
  userId: number;
  asset: string;
  amount: bigint;
  source: string;
  ref: string;
  bucket: string;
  ts: number;
}
export interface WithdrawalView {
  withdrawalId: string;
  seq: number;
  userId: number;
  asset: string;
  amount: bigint;
  fee: bigint;
  destination: string;
  /** 'held' awaits four-eyes review; 'approved' passed it; then authorized → settled, or cancelled. */
  state: 'requested' | 'held' | 'approved' | 'authorized' | 'settled' | 'cancelled';
  txRef: string | null;
  reason: string | null;
  requestedTs: number;
  updatedTs: number;
}
export interface CandleView {
  market: string;
  period: CandlePeriod;
  bucketTs: number;
  openTicks: number;
  highTicks: number;
  lowTicks: number;
  closeTicks: number;
  volumeLots: number;
  volumeQuote: bigint;
  trades: number;
}
export interface AuditRow {
  seq: number;
  atTs: number;
  actor: string;
  action: string;
  ip: string | null;
  /** JSON text, as audit.ts produced it (hashed as is). */
  beforeJson: string | null;
  afterJson: string | null;
  prevHash: string;
  hash: string;
}

const ORDER = 'id, user_id, market, side, kind, tif, post_only, price_ticks, qty_lots, filled_lots, quote_amount, status, client_order_id, created_ts, updated_ts';
const FILL = 'trade_id, seq, market, price_ticks, qty_lots, taker_side, maker_order_id, taker_order_id, maker_user_id, taker_user_id, base_amount, buyer_paid, seller_got, buyer_fee, seller_fee, ts';
const SAFE = Number.MAX_SAFE_INTEGER;

const toOrder = (r: Row): OrderView => ({
  id: int(r.id),
  userId: int(r.user_id),
  market: String(r.market),
  side: r.side as OrderView['side'],
  kind: r.kind as OrderView['kind'],
  tif: String(r.tif),
  postOnly: int(r.post_only) === 1,
  priceTicks: int(r.price_ticks),
  qtyLots: int(r.qty_lots),
  filledLots: int(r.filled_lots),
  quoteAmount: amount(r.quote_amount),
  status: r.status as OrderView['status'],
  clientOrderId: r.client_order_id === null ? null : String(r.client_order_id),
  createdTs: int(r.created_ts),
  updatedTs: int(r.updated_ts),
});
const toFill = (r: Row): FillView => ({
  tradeId: int(r.trade_id),
  seq: int(r.seq),
  market: String(r.market),
  priceTicks: int(r.price_ticks),
  qtyLots: int(r.qty_lots),
  takerSide: r.taker_side as FillView['takerSide'],
  makerOrderId: int(r.maker_order_id),
  takerOrderId: int(r.taker_order_id),
  makerUserId: int(r.maker_user_id),
  takerUserId: int(r.taker_user_id),
  baseAmount: amount(r.base_amount),
  buyerPaid: amount(r.buyer_paid),
  sellerGot: amount(r.seller_got),
  buyerFee: amount(r.buyer_fee),
  sellerFee: amount(r.seller_fee),
  ts: int(r.ts),
});

/** The hot read paths, each backed by an index (see migrations.ts; EXPLAIN-tested on PostgreSQL). */
export class Queries {
  constructor(private readonly db: SqlRunner) {}

  /** The SQL and parameters of each hot query, for EXPLAIN tests. */
  static readonly HOT = {
    openOrders: `SELECT ${ORDER} FROM orders WHERE user_id = ? AND status = 'open' AND id > ? ORDER BY id LIMIT ?`,
    closedOrders: `SELECT ${ORDER} FROM orders WHERE user_id = ? AND status <> 'open' AND id < ? ORDER BY id DESC LIMIT ?`,
    userFills: `SELECT * FROM (SELECT ${FILL} FROM fills WHERE maker_user_id = ? AND trade_id < ? ORDER BY trade_id DESC LIMIT ?) m UNION ALL SELECT * FROM (SELECT ${FILL} FROM fills WHERE taker_user_id = ? AND trade_id < ? ORDER BY trade_id DESC LIMIT ?) t ORDER BY trade_id DESC LIMIT ?`,
    ledger:
      'SELECT seq, entry_idx, account_key, asset, delta, balance, counter_account, ts FROM ledger_entries WHERE user_id = ? AND ts >= ? AND ts < ? AND (ts, seq, entry_idx) > (?, ?, ?) ORDER BY ts, seq, entry_idx LIMIT ?',
    deposits: 'SELECT seq, user_id, asset, amount, source, ref, bucket, ts FROM deposits WHERE user_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
    withdrawals:
      'SELECT withdrawal_id, seq, user_id, asset, amount, fee, destination, state, tx_ref, reason, requested_ts, updated_ts FROM withdrawals WHERE user_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
    marketTrades: `SELECT ${FILL} FROM fills WHERE market = ? AND trade_id < ? ORDER BY trade_id DESC LIMIT ?`,
    candles:
      'SELECT market, period, bucket_ts, open_ticks, high_ticks, low_ticks, close_ticks, volume_lots, volume_quote, trades FROM candles WHERE market = ? AND period = ? AND bucket_ts >= ? AND bucket_ts < ? AND bucket_ts > ? ORDER BY bucket_ts LIMIT ?',
  } as const;

  /** A user's open orders, oldest first. */
  async openOrders(userId: number, opts: PageOptions = {}): Promise<Page<OrderView>> {
    checkId('userId', userId);
    const limit = limitOf(opts);
    const [after] = opts.cursor ? decodeCursor(opts.cursor, 'oo', 1) : [0];
    const rows = await this.db.all(Queries.HOT.openOrders, [userId, after, limit + 1]);
    return page(rows, limit, 'oo', (r) => [int(r.id)], toOrder);
  }

  /** A user's filled, canceled and expired orders, newest first. */
  async closedOrders(userId: number, opts: PageOptions = {}): Promise<Page<OrderView>> {
    checkId('userId', userId);
    const limit = limitOf(opts);
    const [before] = opts.cursor ? decodeCursor(opts.cursor, 'co', 1) : [SAFE];
    const rows = await this.db.all(Queries.HOT.closedOrders, [userId, before, limit + 1]);
    return page(rows, limit, 'co', (r) => [int(r.id)], toOrder);
  }

  /** A user's fills as maker or taker, newest first. */
  async fills(userId: number, opts: PageOptions = {}): Promise<Page<FillView>> {
    checkId('userId', userId);
    const limit = limitOf(opts);
    const [before] = opts.cursor ? decodeCursor(opts.cursor, 'uf', 1) : [SAFE];
    const rows = await this.db.all(Queries.HOT.userFills, [userId, before, limit + 1, userId, before, limit + 1, limit + 1]);
    return page(rows, limit, 'uf', (r) => [int(r.trade_id)], toFill);
  }

  /** A user's ledger entries (every bucket and asset) with running balances, fromTs ≤ ts < toTs, in order. */
  async ledgerStatement(userId: number, fromTs: number, toTs: number, opts: PageOptions = {}): Promise<Page<LedgerEntryView>> {
    checkId('userId', userId);
    checkId('fromTs', fromTs);
    checkId('toTs', toTs);
    const limit = limitOf(opts);
    const [ts, seq, idx] = opts.cursor ? decodeCursor(opts.cursor, 'le', 3) : [0, 0, -1];
    const rows = await this.db.all(Queries.HOT.ledger, [userId, fromTs, toTs, ts, seq, idx, limit + 1]);
    return page(
      rows,
      limit,
      'le',
      (r) => [int(r.ts), int(r.seq), int(r.entry_idx)],
      (r) => ({
        seq: int(r.seq),
        entryIdx: int(r.entry_idx),
        accountKey: String(r.account_key),
        asset: String(r.asset),
        delta: amount(r.delta),
        balance: amount(r.balance),
        counterAccount: String(r.counter_account),
        ts: int(r.ts),
      }),
    );
  }

  async deposits(userId: number, opts: PageOptions = {}): Promise<Page<DepositView>> {
    checkId('userId', userId);
    const limit = limitOf(opts);
    const [before] = opts.cursor ? decodeCursor(opts.cursor, 'dp', 1) : [SAFE];
    const rows = await this.db.all(Queries.HOT.deposits, [userId, before, limit + 1]);
    return page(
      rows,
      limit,
      'dp',
      (r) => [int(r.seq)],
      (r) => ({ seq: int(r.seq), userId: int(r.user_id), asset: String(r.asset), amount: amount(r.amount), source: String(r.source), ref: String(r.ref), bucket: String(r.bucket), ts: int(r.ts) }),
    );
  }

  async withdrawals(userId: number, opts: PageOptions = {}): Promise<Page<WithdrawalView>> {
    checkId('userId', userId);
    const limit = limitOf(opts);
    const [before] = opts.cursor ? decodeCursor(opts.cursor, 'wd', 1) : [SAFE];
    const rows = await this.db.all(Queries.HOT.withdrawals, [userId, before, limit + 1]);
    return page(rows, limit, 'wd', (r) => [int(r.seq)], toWithdrawal);
  }

  /** A withdrawal's state history, oldest first (bounded: four states at most). */
  async withdrawalHistory(withdrawalId: string): Promise<Array<{ seq: number; state: string; detail: string | null; ts: number }>> {
    const rows = await this.db.all('SELECT seq, state, detail, ts FROM withdrawal_events WHERE withdrawal_id = ? ORDER BY seq, ts LIMIT 32', [withdrawalId]);
    return rows.map((r) => ({ seq: int(r.seq), state: String(r.state), detail: r.detail === null ? null : String(r.detail), ts: int(r.ts) }));
  }

  /** Public trades of a market, newest first. */
  async marketTrades(market: string, opts: PageOptions = {}): Promise<Page<FillView>> {
    const limit = limitOf(opts);
    const [before] = opts.cursor ? decodeCursor(opts.cursor, 'mt', 1) : [SAFE];
    const rows = await this.db.all(Queries.HOT.marketTrades, [market, before, limit + 1]);
    return page(rows, limit, 'mt', (r) => [int(r.trade_id)], toFill);
  }

  /** Candles with fromTs ≤ bucket start < toTs, oldest first. */
  async candles(market: string, period: CandlePeriod, fromTs: number, toTs: number, opts: PageOptions = {}): Promise<Page<CandleView>> {
    if (!Object.hasOwn(CANDLE_PERIODS, period)) throw new StoreError('STORE_LIMIT_INVALID', 'unknown candle period', { period: String(period).slice(0, 8) });
    checkId('fromTs', fromTs);
    checkId('toTs', toTs);
    const limit = limitOf(opts);
    const [after] = opts.cursor ? decodeCursor(opts.cursor, 'cd', 1) : [-1];
    const rows = await this.db.all(Queries.HOT.candles, [market, period, fromTs, toTs, after, limit + 1]);
    return page(
      rows,
      limit,
      'cd',
      (r) => [int(r.bucket_ts)],
      (r) => ({
        market: String(r.market),
        period: r.period as CandlePeriod,
        bucketTs: int(r.bucket_ts),
        openTicks: int(r.open_ticks),
        highTicks: int(r.high_ticks),
        lowTicks: int(r.low_ticks),
        closeTicks: int(r.close_ticks),
        volumeLots: int(r.volume_lots),
        volumeQuote: amount(r.volume_quote),
        trades: int(r.trades),
      }),
    );
  }

  /** A user's projected balances per account key (bounded: assets × buckets). */
  async balances(userId: number): Promise<Array<{ accountKey: string; asset: string; balance: bigint; lastSeq: number }>> {
    checkId('userId', userId);
    const rows = await this.db.all('SELECT account_key, asset, balance, last_seq FROM balances WHERE user_id = ? ORDER BY account_key LIMIT 1000', [userId]);
    return rows.map((r) => ({ accountKey: String(r.account_key), asset: String(r.asset), balance: amount(r.balance), lastSeq: int(r.last_seq) }));
  }

  /** Audit rows in order, for verification of the hash chain (src/identity/audit.ts). */
  async auditLog(opts: PageOptions = {}): Promise<Page<AuditRow>> {
    const limit = limitOf(opts);
    const [after] = opts.cursor ? decodeCursor(opts.cursor, 'au', 1) : [0];
    const rows = await this.db.all('SELECT seq, at_ts, actor, action, ip, before_json, after_json, prev_hash, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?', [after, limit + 1]);
    return page(rows, limit, 'au', (r) => [int(r.seq)], toAudit);
  }

  /** The newest audit row (the chain head), or null. */
  async auditHead(): Promise<AuditRow | null> {
    const [r] = await this.db.all('SELECT seq, at_ts, actor, action, ip, before_json, after_json, prev_hash, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    return r === undefined ? null : toAudit(r);
  }
}

const toWithdrawal = (r: Row): WithdrawalView => ({
  withdrawalId: String(r.withdrawal_id),
  seq: int(r.seq),
  userId: int(r.user_id),
  asset: String(r.asset),
  amount: amount(r.amount),
  fee: amount(r.fee),
  destination: String(r.destination),
  state: r.state as WithdrawalView['state'],
  txRef: r.tx_ref === null ? null : String(r.tx_ref),
  reason: r.reason === null ? null : String(r.reason),
  requestedTs: int(r.requested_ts),
  updatedTs: int(r.updated_ts),
});
const toAudit = (r: Row): AuditRow => ({
  seq: int(r.seq),
  atTs: int(r.at_ts),
  actor: String(r.actor),
  action: String(r.action),
  ip: r.ip === null ? null : String(r.ip),
  beforeJson: r.before_json === null ? null : String(r.before_json),
  afterJson: r.after_json === null ? null : String(r.after_json),
  prevHash: String(r.prev_hash),
  hash: String(r.hash),
});

/** Stores audit rows exactly as given (the chain is computed and verified by identity/audit.ts). */
export async function appendAudit(db: SqlRunner, rows: readonly AuditRow[]): Promise<void> {
  for (const r of rows) {
    await db.run('INSERT INTO audit_log (seq, at_ts, actor, action, ip, before_json, after_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      r.seq,
      r.atTs,
      r.actor,
      r.action,
      r.ip,
      r.beforeJson,
      r.afterJson,
      r.prevHash,
      r.hash,
    ]);
  }
}
