import type { Command } from '../core/commands.ts';
import type { CommandResult, CoreEvent } from '../core/events.ts';
import { type AccountMeta, accountKey } from '../core/ledger/accounts.ts';
import { assert } from '../shared/assert.ts';
import { StoreError } from './errors.ts';
import { amount, int, type SqlDb, type SqlRunner } from './sql.ts';

/** One journaled command and what the core said about it. */
export interface ProjectionInput {
  readonly seq: number;
  readonly ts: number;
  readonly command: Command;
  readonly result: CommandResult;
  /** Account id (as in transfers) → stable key, e.g. `core.accountMeta(id)` through accountKey. */
  readonly accountKey: (id: number) => string;
  readonly assetOf: (id: number) => string;
}

/** Builds the projector's input from the core that produced `result` (its accounts never move ids). */
export function projectionInput(core: { accountMeta(id: number): AccountMeta }, command: Command, result: CommandResult): ProjectionInput {
  return {
    seq: result.seq,
    ts: command.ts,
    command,
    result,
    accountKey: (id) => accountKey(core.accountMeta(id)),
    assetOf: (id) => core.accountMeta(id).asset,
  };
}

export const CANDLE_PERIODS = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000, '1d': 86_400_000 } as const;
export type CandlePeriod = keyof typeof CANDLE_PERIODS;

/** Largest batch one transaction takes: bounded so a transaction stays short. */
export const PROJECTION_BATCH_MAX = 5_000;
/** Read models the projector owns; rebuild empties exactly these (never audit_log). */
export const READ_MODEL_TABLES = ['orders', 'fills', 'ledger_entries', 'balances', 'deposits', 'withdrawals', 'withdrawal_events', 'candles'] as const;

interface OrderRow {
  id: number;
  user_id: number;
  market: string;
  side: string;
  kind: string;
  tif: string;
  post_only: number;
  price_ticks: number;
  qty_lots: number;
  filled_lots: number;
  quote_amount: bigint;
  status: string;
  client_order_id: string | null;
  created_seq: number;
  created_ts: number;
  updated_ts: number;
}
interface WithdrawalRow {
  withdrawal_id: string;
  seq: number;
  user_id: number;
  asset: string;
  amount: bigint;
  fee: bigint;
  destination: string;
  state: string;
  tx_ref: string | null;
  reason: string | null;
  requested_ts: number;
  updated_ts: number;
}
interface CandleRow {
  market: string;
  period: string;
  bucket_ts: number;
  open_ticks: number;
  high_ticks: number;
  low_ticks: number;
  close_ticks: number;
  volume_lots: number;
  volume_quote: bigint;
  trades: number;
}
interface BalanceRow {
  account_key: string;
  user_id: number;
  asset: string;
  balance: bigint;
  last_seq: number;
}

const ORDER_COLS = ['id', 'user_id', 'market', 'side', 'kind', 'tif', 'post_only', 'price_ticks', 'qty_lots', 'filled_lots', 'quote_amount', 'status', 'client_order_id', 'created_seq', 'created_ts', 'updated_ts'] as const;
const WITHDRAWAL_COLS = ['withdrawal_id', 'seq', 'user_id', 'asset', 'amount', 'fee', 'destination', 'state', 'tx_ref', 'reason', 'requested_ts', 'updated_ts'] as const;
const CANDLE_COLS = ['market', 'period', 'bucket_ts', 'open_ticks', 'high_ticks', 'low_ticks', 'close_ticks', 'volume_lots', 'volume_quote', 'trades'] as const;
const BALANCE_COLS = ['account_key', 'user_id', 'asset', 'balance', 'last_seq'] as const;
const FILL_COLS = ['trade_id', 'seq', 'market', 'price_ticks', 'qty_lots', 'taker_side', 'maker_order_id', 'taker_order_id', 'maker_user_id', 'taker_user_id', 'base_amount', 'buyer_paid', 'seller_got', 'buyer_fee', 'seller_fee', 'ts'] as const;
const LEDGER_COLS = ['seq', 'entry_idx', 'account_key', 'user_id', 'asset', 'delta', 'balance', 'counter_account', 'ts'] as const;
const DEPOSIT_COLS = ['seq', 'user_id', 'asset', 'amount', 'source', 'ref', 'bucket', 'ts'] as const;
const WEVENT_COLS = ['withdrawal_id', 'seq', 'state', 'detail', 'ts'] as const;

/** Rows per PostgreSQL unnest() insert: bounds one message's size. */
const PG_ROWS_PER_STATEMENT = 5_000;

const PG_TEXT = new Set(['market', 'side', 'kind', 'tif', 'status', 'client_order_id', 'taker_side', 'account_key', 'asset', 'counter_account', 'source', 'ref', 'bucket', 'withdrawal_id', 'destination', 'state', 'tx_ref', 'reason', 'detail', 'period']);
const PG_NUMERIC = new Set(['quote_amount', 'base_amount', 'buyer_paid', 'seller_got', 'buyer_fee', 'seller_fee', 'delta', 'balance', 'amount', 'fee', 'volume_quote']);
/** Column → PostgreSQL element type for unnest(); every other column is bigint. */
function pgType(col: string): string {
  return PG_TEXT.has(col) ? 'text' : PG_NUMERIC.has(col) ? 'numeric' : 'bigint';
}
/** Keys per IN (...) lookup. */
const LOOKUP_CHUNK = 500;

/** user id from an account key ('user:7:AED:available' → 7; system accounts → 0). */
export function userOfAccount(key: string): number {
  if (!key.startsWith('user:')) return 0;
  const n = Number(key.slice(5, key.indexOf(':', 5)));
  assert(Number.isSafeInteger(n) && n > 0, 'bad user account key', { key: key.slice(0, 80) });
  return n;
}

function toParam(v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

async function insertRows(q: SqlRunner, table: string, cols: readonly string[], rows: ReadonlyArray<Readonly<Record<string, unknown>>>, upsertKey?: readonly string[]): Promise<number> {
  if (rows.length === 0) return 0;
  const tuple = `(${cols.map(() => '?').join(', ')})`;
  let conflict = '';
  if (upsertKey !== undefined) {
    const set = cols.filter((c) => !upsertKey.includes(c)).map((c) => `${c} = excluded.${c}`);
    conflict = ` ON CONFLICT (${upsertKey.join(', ')}) DO UPDATE SET ${set.join(', ')}`;
  }
  if (q.dialect === 'sqlite') {
    // In-process: no round trips to save, and one cached statement beats preparing a new multi-row shape per batch.
    const sql = `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${tuple}${conflict}`;
    for (const r of rows) await q.run(sql, cols.map((c) => toParam(r[c] ?? null)));
    return rows.length;
  }
  // PostgreSQL: one array parameter per column through unnest(), so the statement text (and its
  // parse/plan cost) is the same whatever the row count; 16-column statements, not 16,000-parameter ones.
  const sql = `INSERT INTO ${table} (${cols.join(', ')}) SELECT * FROM unnest(${cols.map((c) => `?::${pgType(c)}[]`).join(', ')})${conflict}`;
  for (let i = 0; i < rows.length; i += PG_ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + PG_ROWS_PER_STATEMENT);
    await q.run(
      sql,
      cols.map((c) => chunk.map((r) => toParam(r[c] ?? null))),
    );
  }
  return rows.length;
}

async function lookup<T>(q: SqlRunner, sql: (placeholders: string) => string, keys: readonly unknown[]): Promise<T[]> {
  const out: T[] = [];
  if (q.dialect === 'sqlite') {
    const one = sql('?');
    for (const k of keys) out.push(...(await q.all<T>(one, [k])));
    return out;
  }
  for (let i = 0; i < keys.length; i += LOOKUP_CHUNK) {
    const chunk = keys.slice(i, i + LOOKUP_CHUNK);
    out.push(...(await q.all<T>(sql(chunk.map(() => '?').join(', ')), chunk)));
  }
  return out;
}

export interface ApplyOutcome {
  readonly applied: number;
  readonly skipped: number;
  readonly lastSeq: number;
  /** Rows written (inserted or updated) across the read models. */
  readonly rows: number;
}

/**
 * Projects core results into the read models, exactly once: each batch is one
 * transaction that also moves projection_state.last_seq, and a seq at or below
 * last_seq is skipped. A replay after a crash therefore neither loses nor doubles a row.
 */
export class Projector {
  constructor(private readonly db: SqlDb) {}

  async lastSeq(): Promise<number> {
    const [r] = await this.db.all<{ last_seq: unknown }>('SELECT last_seq FROM projection_state WHERE id = 1');
    return r === undefined ? 0 : int(r.last_seq);
  }

  async apply(batch: readonly ProjectionInput[]): Promise<ApplyOutcome> {
    if (batch.length > PROJECTION_BATCH_MAX) throw new StoreError('STORE_LIMIT_INVALID', 'projection batch too large', { size: batch.length, max: PROJECTION_BATCH_MAX });
    return this.db.tx(async (q) => {
      const lock = q.dialect === 'postgres' ? ' FOR UPDATE' : '';
      const [state] = await q.all<{ last_seq: unknown }>(`SELECT last_seq FROM projection_state WHERE id = 1${lock}`);
      assert(state !== undefined, 'projection_state row missing');
      const last = int(state.last_seq);
      const fresh = batch.filter((b) => b.seq > last);
      if (fresh.length === 0) return { applied: 0, skipped: batch.length, lastSeq: last, rows: 0 };
      let expected = last + 1;
      for (const b of fresh) {
        if (b.seq !== expected) throw new StoreError('STORE_SEQ_GAP', 'projection input is not contiguous', { expected, got: b.seq });
        assert(b.result.seq === b.seq, 'result seq differs from input seq', { seq: b.seq, resultSeq: b.result.seq });
        expected++;
      }
      const rows = await project(q, fresh);
      const newLast = fresh[fresh.length - 1]!.seq;
      await q.run('UPDATE projection_state SET last_seq = ? WHERE id = 1', [newLast]);
      return { applied: fresh.length, skipped: batch.length - fresh.length, lastSeq: newLast, rows };
    });
  }

  /** Empties the read models (not the audit log) and projects `source` from the start. */
  async rebuild(source: AsyncIterable<ProjectionInput> | Iterable<ProjectionInput>, batchSize = 1000): Promise<ApplyOutcome> {
    assert(batchSize > 0 && batchSize <= PROJECTION_BATCH_MAX, 'bad rebuild batch size', { batchSize });
    await this.db.tx(async (q) => {
      // PostgreSQL TRUNCATE is transactional and O(1); SQLite turns an unqualified DELETE into a truncate.
      if (q.dialect === 'postgres') await q.run(`TRUNCATE ${READ_MODEL_TABLES.join(', ')}`);
      else for (const t of READ_MODEL_TABLES) await q.run(`DELETE FROM ${t}`);
      await q.run('UPDATE projection_state SET last_seq = 0 WHERE id = 1');
    });
    let applied = 0;
    let rows = 0;
    let lastSeq = 0;
    let batch: ProjectionInput[] = [];
    const flush = async () => {
      const r = await this.apply(batch);
      applied += r.applied;
      rows += r.rows;
      lastSeq = r.lastSeq;
      batch = [];
    };
    for await (const input of source) {
      batch.push(input);
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length > 0) await flush();
    return { applied, skipped: 0, lastSeq, rows };
  }
}

/** Computes every row change of `inputs` in memory (after one bulk read), then writes in bulk. */
async function project(q: SqlRunner, inputs: readonly ProjectionInput[]): Promise<number> {
  // Pass 1: what existing rows the batch touches.
  const orderIds = new Set<number>();
  const withdrawalIds = new Set<string>();
  const accountKeys = new Set<string>();
  const candleKeys = new Map<string, { market: string; period: string; bucket: number }>();
  for (const input of inputs) {
    if (!input.result.ok || input.result.duplicate === true) continue;
    for (const e of input.result.events) {
      if (e.type === 'trade') {
        orderIds.add(e.makerOrderId).add(e.takerOrderId);
        for (const [period, ms] of Object.entries(CANDLE_PERIODS)) {
          const bucket = input.ts - (input.ts % ms);
          candleKeys.set(`${e.market}|${period}|${bucket}`, { market: e.market, period, bucket });
        }
      } else if (e.type === 'order.done' || e.type === 'order.amended') orderIds.add(e.orderId);
      else if (e.type === 'withdrawal.authorized' || e.type === 'withdrawal.settled' || e.type === 'withdrawal.cancelled') withdrawalIds.add(e.withdrawalId);
      else {
        const loose = e as unknown as { type: string; withdrawalId?: unknown };
        if (loose.type === 'withdrawal.reviewed' || loose.type === 'withdrawal.approved') withdrawalIds.add(String(loose.withdrawalId));
      }
    }
    for (const t of input.result.transfers) accountKeys.add(input.accountKey(t.debit)).add(input.accountKey(t.credit));
  }

  const orders = new Map<number, OrderRow>();
  for (const r of await lookup<Record<string, unknown>>(q, (p) => `SELECT ${ORDER_COLS.join(', ')} FROM orders WHERE id IN (${p})`, [...orderIds])) {
    orders.set(int(r.id), {
      id: int(r.id),
      user_id: int(r.user_id),
      market: String(r.market),
      side: String(r.side),
      kind: String(r.kind),
      tif: String(r.tif),
      post_only: int(r.post_only),
      price_ticks: int(r.price_ticks),
      qty_lots: int(r.qty_lots),
      filled_lots: int(r.filled_lots),
      quote_amount: amount(r.quote_amount),
      status: String(r.status),
      client_order_id: r.client_order_id === null ? null : String(r.client_order_id),
      created_seq: int(r.created_seq),
      created_ts: int(r.created_ts),
      updated_ts: int(r.updated_ts),
    });
  }
  const withdrawals = new Map<string, WithdrawalRow>();
  for (const r of await lookup<Record<string, unknown>>(q, (p) => `SELECT ${WITHDRAWAL_COLS.join(', ')} FROM withdrawals WHERE withdrawal_id IN (${p})`, [...withdrawalIds])) {
    withdrawals.set(String(r.withdrawal_id), {
      withdrawal_id: String(r.withdrawal_id),
      seq: int(r.seq),
      user_id: int(r.user_id),
      asset: String(r.asset),
      amount: amount(r.amount),
      fee: amount(r.fee),
      destination: String(r.destination),
      state: String(r.state),
      tx_ref: r.tx_ref === null ? null : String(r.tx_ref),
      reason: r.reason === null ? null : String(r.reason),
      requested_ts: int(r.requested_ts),
      updated_ts: int(r.updated_ts),
    });
  }
  const balances = new Map<string, BalanceRow>();
  for (const r of await lookup<Record<string, unknown>>(q, (p) => `SELECT ${BALANCE_COLS.join(', ')} FROM balances WHERE account_key IN (${p})`, [...accountKeys])) {
    balances.set(String(r.account_key), { account_key: String(r.account_key), user_id: int(r.user_id), asset: String(r.asset), balance: amount(r.balance), last_seq: int(r.last_seq) });
  }
  const candles = new Map<string, CandleRow>();
  const byMarketPeriod = new Map<string, number[]>();
  for (const k of candleKeys.values()) {
    const mp = `${k.market}|${k.period}`;
    byMarketPeriod.set(mp, [...(byMarketPeriod.get(mp) ?? []), k.bucket]);
  }
  for (const [mp, buckets] of byMarketPeriod) {
    const [market, period] = mp.split('|') as [string, string];
    const step = q.dialect === 'sqlite' ? 1 : LOOKUP_CHUNK; // SQLite: one cached statement shape
    for (let i = 0; i < buckets.length; i += step) {
      const chunk = buckets.slice(i, i + step);
      const rows = await q.all<Record<string, unknown>>(`SELECT ${CANDLE_COLS.join(', ')} FROM candles WHERE market = ? AND period = ? AND bucket_ts IN (${chunk.map(() => '?').join(', ')})`, [market, period, ...chunk]);
      for (const r of rows) {
        const c: CandleRow = {
          market: String(r.market),
          period: String(r.period),
          bucket_ts: int(r.bucket_ts),
          open_ticks: int(r.open_ticks),
          high_ticks: int(r.high_ticks),
          low_ticks: int(r.low_ticks),
          close_ticks: int(r.close_ticks),
          volume_lots: int(r.volume_lots),
          volume_quote: amount(r.volume_quote),
          trades: int(r.trades),
        };
        candles.set(`${c.market}|${c.period}|${c.bucket_ts}`, c);
      }
    }
  }

  // Pass 2: apply every event in order, in memory.
  const touchedOrders = new Set<number>();
  const touchedWithdrawals = new Set<string>();
  const touchedBalances = new Set<string>();
  const touchedCandles = new Set<string>();
  const fills: Record<string, unknown>[] = [];
  const ledger: Record<string, unknown>[] = [];
  const deposits: Record<string, unknown>[] = [];
  const wevents: Record<string, unknown>[] = [];

  const order = (id: number): OrderRow => {
    const o = orders.get(id);
    if (o === undefined) throw new StoreError('STORE_SEQ_GAP', 'projection refers to an order it never saw accepted', { orderId: id });
    touchedOrders.add(id);
    return o;
  };
  const withdrawal = (id: string): WithdrawalRow => {
    const w = withdrawals.get(id);
    if (w === undefined) throw new StoreError('STORE_SEQ_GAP', 'projection refers to a withdrawal it never saw requested', { withdrawalId: id });
    touchedWithdrawals.add(id);
    return w;
  };

  for (const input of inputs) {
    const { seq, ts, result } = input;
    if (!result.ok || result.duplicate === true) continue;
    for (const e of result.events) applyEvent(e, seq, ts);
    result.transfers.forEach((t, i) => {
      const debitKey = input.accountKey(t.debit);
      const creditKey = input.accountKey(t.credit);
      const asset = input.assetOf(t.debit);
      assert(asset === input.assetOf(t.credit), 'transfer crosses assets', { seq });
      assert(t.amount > 0n, 'transfer amount must be positive', { seq });
      for (const [side, key, counter, delta] of [
        [0, debitKey, creditKey, -t.amount],
        [1, creditKey, debitKey, t.amount],
      ] as const) {
        let b = balances.get(key);
        if (b === undefined) {
          b = { account_key: key, user_id: userOfAccount(key), asset, balance: 0n, last_seq: seq };
          balances.set(key, b);
        }
        b.balance += delta;
        b.last_seq = seq;
        touchedBalances.add(key);
        ledger.push({ seq, entry_idx: i * 2 + side, account_key: key, user_id: b.user_id, asset, delta, balance: b.balance, counter_account: counter, ts });
      }
    });
  }

  function applyEvent(e: CoreEvent, seq: number, ts: number): void {
    switch (e.type) {
      case 'order.accepted': {
        assert(!orders.has(e.orderId), 'order accepted twice', { orderId: e.orderId });
        orders.set(e.orderId, {
          id: e.orderId,
          user_id: e.userId,
          market: e.market,
          side: e.side,
          kind: e.kind,
          tif: e.tif,
          post_only: e.postOnly ? 1 : 0,
          price_ticks: e.priceTicks,
          qty_lots: e.qtyLots,
          filled_lots: 0,
          quote_amount: e.quoteAmount,
          status: 'open',
          client_order_id: e.clientOrderId,
          created_seq: seq,
          created_ts: ts,
          updated_ts: ts,
        });
        touchedOrders.add(e.orderId);
        return;
      }
      case 'trade': {
        for (const id of [e.makerOrderId, e.takerOrderId]) {
          const o = order(id);
          o.filled_lots += e.qtyLots;
          o.updated_ts = ts;
        }
        fills.push({
          trade_id: e.tradeId,
          seq,
          market: e.market,
          price_ticks: e.priceTicks,
          qty_lots: e.qtyLots,
          taker_side: e.takerSide,
          maker_order_id: e.makerOrderId,
          taker_order_id: e.takerOrderId,
          maker_user_id: e.makerUserId,
          taker_user_id: e.takerUserId,
          base_amount: e.baseAmount,
          buyer_paid: e.buyerPaid,
          seller_got: e.sellerGot,
          buyer_fee: e.buyerFee,
          seller_fee: e.sellerFee,
          ts,
        });
        for (const [period, ms] of Object.entries(CANDLE_PERIODS)) {
          const bucket = ts - (ts % ms);
          const key = `${e.market}|${period}|${bucket}`;
          const c = candles.get(key);
          if (c === undefined) {
            candles.set(key, {
              market: e.market,
              period,
              bucket_ts: bucket,
              open_ticks: e.priceTicks,
              high_ticks: e.priceTicks,
              low_ticks: e.priceTicks,
              close_ticks: e.priceTicks,
              volume_lots: e.qtyLots,
              // Quote volume counts what buyers paid (before fees), exact minor units.
              volume_quote: e.buyerPaid,
              trades: 1,
            });
          } else {
            c.high_ticks = Math.max(c.high_ticks, e.priceTicks);
            c.low_ticks = Math.min(c.low_ticks, e.priceTicks);
            c.close_ticks = e.priceTicks;
            c.volume_lots += e.qtyLots;
            c.volume_quote += e.buyerPaid;
            c.trades++;
          }
          touchedCandles.add(key);
        }
        return;
      }
      case 'order.done': {
        const o = order(e.orderId);
        o.status = e.reason;
        o.filled_lots = e.filledLots;
        o.updated_ts = ts;
        return;
      }
      case 'order.amended': {
        const o = order(e.orderId);
        o.price_ticks = e.priceTicks;
        o.qty_lots = o.filled_lots + e.remLots;
        o.updated_ts = ts;
        return;
      }
      case 'deposit.credited':
        deposits.push({ seq, user_id: e.userId, asset: e.asset, amount: e.amount, source: e.source, ref: e.ref, bucket: e.bucket, ts });
        return;
      case 'withdrawal.requested': {
        assert(!withdrawals.has(e.withdrawalId), 'withdrawal requested twice', { withdrawalId: e.withdrawalId });
        // 'held' (four-eyes review) or 'requested' (auto-approved) when the core's controls say so.
        const state = (e as { state?: unknown }).state === 'held' ? 'held' : 'requested';
        withdrawals.set(e.withdrawalId, {
          withdrawal_id: e.withdrawalId,
          seq,
          user_id: e.userId,
          asset: e.asset,
          amount: e.amount,
          fee: e.fee,
          destination: e.destination,
          state,
          tx_ref: null,
          reason: null,
          requested_ts: ts,
          updated_ts: ts,
        });
        touchedWithdrawals.add(e.withdrawalId);
        wevents.push({ withdrawal_id: e.withdrawalId, seq, state, detail: null, ts });
        return;
      }
      case 'withdrawal.authorized': {
        const w = withdrawal(e.withdrawalId);
        w.state = 'authorized';
        w.updated_ts = ts;
        wevents.push({ withdrawal_id: e.withdrawalId, seq, state: 'authorized', detail: null, ts });
        return;
      }
      case 'withdrawal.settled': {
        const w = withdrawal(e.withdrawalId);
        w.state = 'settled';
        w.tx_ref = e.txRef;
        w.updated_ts = ts;
        wevents.push({ withdrawal_id: e.withdrawalId, seq, state: 'settled', detail: e.txRef, ts });
        return;
      }
      case 'withdrawal.cancelled': {
        const w = withdrawal(e.withdrawalId);
        w.state = 'cancelled';
        w.reason = e.reason;
        w.updated_ts = ts;
        wevents.push({ withdrawal_id: e.withdrawalId, seq, state: 'cancelled', detail: e.reason, ts });
        return;
      }
      default:
        applyLooseEvent(e as unknown as { type: string } & Record<string, unknown>, seq, ts);
        // user.opened, market.status, ledger.posted, funds.(un)frozen, withdrawals.paused:
        // their money moves arrive as transfers and land in ledger_entries.
        return;
    }
  }

  /** Review events, matched by name so the projector keeps compiling while the controls evolve. */
  function applyLooseEvent(e: { type: string } & Record<string, unknown>, seq: number, ts: number): void {
    if (e.type !== 'withdrawal.reviewed' && e.type !== 'withdrawal.approved') return;
    const id = String(e.withdrawalId);
    const w = withdrawal(id);
    w.updated_ts = ts;
    if (e.type === 'withdrawal.approved') {
      w.state = 'approved';
      wevents.push({ withdrawal_id: id, seq, state: 'approved', detail: Array.isArray(e.staffIds) ? e.staffIds.join(',').slice(0, 256) : null, ts });
    } else {
      // One review per command; the second approval's 'approved' shares its seq (key includes state).
      wevents.push({ withdrawal_id: id, seq, state: 'reviewed', detail: `${String(e.staffId).slice(0, 64)}:${String(e.decision).slice(0, 16)}`, ts });
    }
  }

  // Pass 3: write.
  let n = 0;
  n += await insertRows(q, 'orders', ORDER_COLS, [...touchedOrders].map((id) => orders.get(id)! as unknown as Record<string, unknown>), ['id']);
  n += await insertRows(q, 'fills', FILL_COLS, fills);
  n += await insertRows(q, 'ledger_entries', LEDGER_COLS, ledger);
  n += await insertRows(q, 'balances', BALANCE_COLS, [...touchedBalances].map((k) => balances.get(k)! as unknown as Record<string, unknown>), ['account_key']);
  n += await insertRows(q, 'deposits', DEPOSIT_COLS, deposits);
  n += await insertRows(q, 'withdrawals', WITHDRAWAL_COLS, [...touchedWithdrawals].map((k) => withdrawals.get(k)! as unknown as Record<string, unknown>), ['withdrawal_id']);
  n += await insertRows(q, 'withdrawal_events', WEVENT_COLS, wevents);
  n += await insertRows(q, 'candles', CANDLE_COLS, [...touchedCandles].map((k) => candles.get(k)! as unknown as Record<string, unknown>), ['market', 'period', 'bucket_ts']);
  return n;
}
