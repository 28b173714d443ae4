import { readFileSync } from 'node:fs';
import type { Command } from '../core/commands.ts';
import { defaultCoreConfig } from '../core/config.ts';
import { ExchangeCore } from '../core/exchange.ts';
import { rng } from './stats.ts';

/**
 * A benchmark operation in the workload-file vocabulary: ids are the workload's own
 * (mapped to core order ids as orders are accepted), price in ticks, qty in lots.
 */
export type WorkloadOp =
  | { type: 'place'; id: number; account: number; side: 'buy' | 'sell'; price: number; qty: number; tif: 'GTC' | 'IOC' | 'FOK' }
  | { type: 'cancel'; id: number }
  | { type: 'move'; id: number; price: number };

export interface StandardMixOptions {
  readonly commands: number;
  readonly accounts: number;
  readonly seed: number;
  /** Target resting orders and price levels: ~1,000 orders over ~750 levels. */
  readonly restingTarget: number;
  readonly levelsTarget: number;
  readonly midPrice: number;
}

/**
 * exchange-core's published "standard mix" for one symbol: 9% new GTC, 3% IOC, 6% cancel,
 * 82% move, on a book of ~1,000 resting orders over ~750 price levels, with 1,000 funded
 * accounts so risk checks run on every order. Generated against a shadow core, so every
 * cancel and move names an order that is really live at that point (as exchange-core's
 * generator does); the benchmark then replays the ops on a fresh core.
 */
export function standardMix(o: StandardMixOptions): WorkloadOp[] {
  const rand = rng(o.seed);
  const ops: WorkloadOp[] = [];
  const shadow = new ExchangeCore(defaultCoreConfig);
  for (let u = 1; u <= o.accounts; u++) {
    shadow.apply({ type: 'user.open', ts: 0, userId: u });
    shadow.apply({ type: 'deposit', ts: 0, userId: u, asset: 'AED', amount: 10n ** 15n, source: 'bank', ref: `a${u}` });
    shadow.apply({ type: 'deposit', ts: 0, userId: u, asset: 'BTC', amount: 10n ** 15n, source: 'chain', ref: `b${u}` });
  }
  // Live orders as workload ids, with O(1) removal by swap.
  const live: Array<{ id: number; coreId: number; userId: number; side: 'buy' | 'sell' }> = [];
  const pos = new Map<number, number>(); // coreId → index in live
  const drop = (coreId: number) => {
    const i = pos.get(coreId);
    if (i === undefined) return;
    const last = live.pop()!;
    pos.delete(coreId);
    if (i < live.length) {
      live[i] = last;
      pos.set(last.coreId, i);
    }
  };
  const idMap = new Map<number, LiveOrderRef>();
  const apply = (op: WorkloadOp) => {
    ops.push(op);
    const r = shadow.apply(toCommand(op, 'BTC/AED', 0, idMap));
    if (op.type === 'place' && r.orderId !== undefined) {
      idMap.set(op.id, { orderId: r.orderId, userId: op.account });
      if (shadow.orders.has(r.orderId)) {
        live.push({ id: op.id, coreId: r.orderId, userId: op.account, side: op.side });
        pos.set(r.orderId, live.length - 1);
      }
    }
    for (const e of r.events) if (e.type === 'order.done') drop(e.orderId);
  };
  let nextId = 1;
  const half = Math.round((o.levelsTarget / 2) * 1.35);
  const priceFor = (side: 'buy' | 'sell') => (side === 'buy' ? o.midPrice - 1 - Math.floor(rand() * half) : o.midPrice + 1 + Math.floor(rand() * half));
  const place = (tif: 'GTC' | 'IOC') => {
    const side: 'buy' | 'sell' = rand() < 0.5 ? 'buy' : 'sell';
    const account = 1 + Math.floor(rand() * o.accounts);
    const id = nextId++;
    if (tif === 'GTC') apply({ type: 'place', id, account, side, price: priceFor(side), qty: 3 + Math.floor(rand() * 98), tif });
    // IOC crossing into the book: takes about one resting order.
    else apply({ type: 'place', id, account, side, price: side === 'buy' ? o.midPrice + half : o.midPrice - half, qty: 3 + Math.floor(rand() * 58), tif });
  };
  while (live.length < o.restingTarget) place('GTC');
  const warm = ops.length;
  while (ops.length - warm < o.commands) {
    const r = rand() * 100;
    if (live.length < o.restingTarget * 0.9 || r < 9) place('GTC');
    else if (r < 12) place('IOC');
    else if (r < 18) {
      const x = live[Math.floor(rand() * live.length)]!;
      apply({ type: 'cancel', id: x.id });
    } else {
      const x = live[Math.floor(rand() * live.length)]!;
      apply({ type: 'move', id: x.id, price: priceFor(x.side) });
    }
  }
  return ops;
}

export function readWorkloadFile(path: string): WorkloadOp[] {
  const ops: WorkloadOp[] = [];
  for (const [i, line] of readFileSync(path, 'utf8').split('\n').entries()) {
    if (line.trim() === '') continue;
    const v = JSON.parse(line) as WorkloadOp;
    if (!['place', 'cancel', 'move'].includes(v.type) || !Number.isSafeInteger(v.id)) throw new Error(`workload line ${i + 1}: bad op`);
    ops.push(v);
  }
  return ops;
}

export interface LiveOrderRef {
  orderId: number;
  userId: number;
}

const NONE: LiveOrderRef = { orderId: -1, userId: 1 };

/** Translates workload ops to core commands; order ids resolve through `idMap` at run time. */
export function toCommand(op: WorkloadOp, market: string, ts: number, idMap: Map<number, LiveOrderRef>): Command {
  switch (op.type) {
    case 'place':
      return { type: 'order.place', ts, userId: op.account, market, side: op.side, kind: 'limit', tif: op.tif, priceTicks: op.price, qtyLots: op.qty };
    case 'cancel': {
      const ref = idMap.get(op.id) ?? NONE;
      return { type: 'order.cancel', ts, userId: ref.userId, orderId: ref.orderId };
    }
    case 'move': {
      const ref = idMap.get(op.id) ?? NONE;
      return { type: 'order.amend', ts, userId: ref.userId, orderId: ref.orderId, priceTicks: op.price };
    }
  }
}
