import { assert } from '../shared/assert.ts';
import type { CoreConfig } from './config.ts';
import { ExchangeCore } from './exchange.ts';
import { Order, type Side, type TimeInForce } from './matching/book.ts';
import { type ControlsSnapshot, WithdrawalControls } from './risk/controls.ts';
import { policyFromJson } from './risk/policy.ts';
import { stateHash } from './stateHash.ts';

/**
 * A snapshot is the whole core state as JSON (bigints as decimal strings), with the
 * state hash it must reproduce. Restoring re-opens users in their original order (so
 * account ids match), sets balances, and re-adds resting orders in book order (so
 * time priority is kept). A snapshot that does not hash back to its own claim is refused.
 */
export interface SnapshotV1 {
  readonly version: 1;
  readonly seq: number;
  readonly lastTs: number;
  readonly nextOrderId: number;
  readonly tradeSeq: number;
  readonly stateHash: string;
  readonly users: number[];
  readonly balances: string[];
  readonly markets: Array<{ symbol: string; status: 'open' | 'halted' | 'cancel-only'; orders: SnapshotOrder[] }>;
  readonly holds: Array<{ id: string; userId: number; asset: string; bucket: string; amount: string }>;
  readonly withdrawals: Array<{ id: string; userId: number; asset: string; amount: string; fee: string; destination: string; state: string; requestedTs: number; amountFils: string; riskScore: number; approvals: string[] }>;
  readonly paused: Array<[string, string]>;
  readonly idempotent: Array<[string, number, number | null]>;
  /** Withdrawal controls, policy included: the snapshot, not the config, says which policy was in force. */
  readonly controls: ControlsSnapshot;
}

type SnapshotOrder = [id: number, userId: number, side: number, priceTicks: number, remLots: number, origLots: number, filledLots: number, cum: string, locked: string, tif: string, postOnly: number, createdTs: number, clientOrderId: string | null];

export function takeSnapshot(core: ExchangeCore): SnapshotV1 {
  const users: number[] = [];
  for (const meta of core.ledger.accounts) if (meta.userId !== 0 && (users.length === 0 || users[users.length - 1] !== meta.userId)) users.push(meta.userId);
  return {
    version: 1,
    seq: core.seq,
    lastTs: core.lastTs,
    nextOrderId: core.nextOrderId,
    tradeSeq: core.tradeSeq,
    stateHash: stateHash(core),
    users,
    balances: core.ledger.balances.map((b) => b.toString()),
    markets: core.markets.map((m) => ({
      symbol: m.symbol,
      status: m.status,
      orders: [...m.book.orders()].map((o): SnapshotOrder => [o.id, o.userId, o.side, o.priceTicks, o.remLots, o.origLots, o.filledLots, o.cumLotTicks.toString(), o.lockedAmount.toString(), o.tif, o.postOnly ? 1 : 0, o.createdTs, o.clientOrderId]),
    })),
    holds: [...core.ledger.holds.values()].map((h) => ({ id: h.id, userId: h.userId, asset: h.asset, bucket: h.bucket, amount: h.amount.toString() })),
    withdrawals: [...core.withdrawals.values()].map((w) => ({
      id: w.id,
      userId: w.userId,
      asset: w.asset,
      amount: w.amount.toString(),
      fee: w.fee.toString(),
      destination: w.destination,
      state: w.state,
      requestedTs: w.requestedTs,
      amountFils: w.amountFils.toString(),
      riskScore: w.riskScore,
      approvals: [...w.approvals],
    })),
    paused: [...core.withdrawalsPaused.entries()],
    idempotent: [...core.idempotent.entries()].map(([k, r]) => [k, r.seq, r.orderId ?? null]),
    controls: core.controls.toSnapshot(),
  };
}

export function restoreSnapshot(config: CoreConfig, snap: SnapshotV1): ExchangeCore {
  assert(snap.version === 1, 'unknown snapshot version', { version: snap.version });
  const core = new ExchangeCore(config);
  for (const u of snap.users) core.ledger.openUser(u);
  assert(snap.balances.length === core.ledger.balances.length, 'snapshot account count differs from config', { snapshot: snap.balances.length, rebuilt: core.ledger.balances.length });
  snap.balances.forEach((b, i) => {
    core.ledger.balances[i] = BigInt(b);
  });
  for (const ms of snap.markets) {
    const m = core.market(ms.symbol);
    m.status = ms.status;
    for (const [id, userId, side, priceTicks, remLots, origLots, filledLots, cum, locked, tif, postOnly, createdTs, coid] of ms.orders) {
      const o = new Order(id, userId, m.idx, side as Side, priceTicks, remLots, tif as TimeInForce, postOnly === 1, coid, createdTs);
      o.origLots = origLots;
      o.filledLots = filledLots;
      o.cumLotTicks = BigInt(cum);
      o.lockedAmount = BigInt(locked);
      m.book.side(o.side).add(o);
      core.orders.set(o.id, o);
      core.openOrdersByUser.set(userId, (core.openOrdersByUser.get(userId) ?? 0) + 1);
    }
  }
  for (const h of snap.holds) core.ledger.holds.set(h.id, { id: h.id, userId: h.userId, asset: h.asset, bucket: h.bucket as 'withdrawing', amount: BigInt(h.amount) });
  for (const w of snap.withdrawals) {
    assert(['requested', 'held', 'approved', 'authorized'].includes(w.state), 'bad withdrawal state in snapshot', { state: w.state });
    core.withdrawals.set(w.id, {
      id: w.id,
      userId: w.userId,
      asset: w.asset,
      amount: BigInt(w.amount),
      fee: BigInt(w.fee),
      destination: w.destination,
      state: w.state as 'requested',
      requestedTs: w.requestedTs,
      amountFils: BigInt(w.amountFils),
      riskScore: w.riskScore,
      approvals: [...w.approvals],
    });
  }
  for (const [k, v] of snap.paused) core.withdrawalsPaused.set(k, v);
  for (const [k, seq, orderId] of snap.idempotent) core.idempotent.set(k, orderId === null ? { seq } : { seq, orderId });
  core.controls = WithdrawalControls.fromSnapshot(snap.controls, policyFromJson);
  core.seq = snap.seq;
  core.lastTs = snap.lastTs;
  core.nextOrderId = snap.nextOrderId;
  core.tradeSeq = snap.tradeSeq;
  const hash = stateHash(core);
  assert(hash === snap.stateHash, 'restored snapshot does not reproduce its state hash', { claimed: snap.stateHash, got: hash });
  core.checkInvariants();
  return core;
}
