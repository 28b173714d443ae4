import { AccountsError } from '../accounts/index.ts';
import type { Submission } from '../engine/engine.ts';
import type { CommandResult } from '../core/events.ts';
import type { ApiContext } from './context.ts';
import { ApiError, CoreRejection } from './errors.ts';
import type { ApiMarket } from './markets.ts';
import type { OrderView } from './orderIndex.ts';

/**
 * Order operations shared by the native and Binance-compatible APIs. Input is already
 * validated and converted to ticks/lots; the core re-validates everything (it trusts no
 * producer). A rejected command changes nothing and comes back as a typed error.
 */
export interface PlaceOrder {
  readonly market: ApiMarket;
  readonly side: 'buy' | 'sell';
  readonly kind: 'limit' | 'market';
  readonly tif?: 'GTC' | 'IOC' | 'FOK';
  readonly postOnly?: boolean;
  readonly priceTicks?: number;
  readonly qtyLots?: number;
  readonly quoteAmount?: bigint;
  readonly clientOrderId?: string;
}

async function submit(ctx: ApiContext, s: Submission): Promise<CommandResult> {
  let r: CommandResult;
  try {
    r = await ctx.engine.submit(s);
  } catch {
    // The journal failed: the engine refuses everything until restarted.
    throw new ApiError('ENGINE_UNAVAILABLE', 'the exchange is not accepting commands');
  }
  if (!r.ok) {
    const err = r.error!;
    throw new CoreRejection(err.code, err.message, {});
  }
  return r;
}

/** Places an order; returns its view once durable (a repeated clientOrderId returns the first order). */
export async function placeOrder(ctx: ApiContext, userId: number, p: PlaceOrder): Promise<{ order: OrderView; duplicate: boolean }> {
  // Trading needs an approved KYC profile (issue 4); checked here so /api/v1 and /api/v3 agree.
  if (!ctx.security.kycApproved(userId)) throw new AccountsError('KYC_REQUIRED', 'identity verification (KYC) must be approved before trading');
  const s: Submission = {
    type: 'order.place',
    userId,
    market: p.market.symbol,
    side: p.side,
    kind: p.kind,
    ...(p.tif === undefined ? {} : { tif: p.tif }),
    ...(p.postOnly === true ? { postOnly: true } : {}),
    ...(p.priceTicks === undefined ? {} : { priceTicks: p.priceTicks }),
    ...(p.qtyLots === undefined ? {} : { qtyLots: p.qtyLots }),
    ...(p.quoteAmount === undefined ? {} : { quoteAmount: p.quoteAmount }),
    ...(p.clientOrderId === undefined ? {} : { clientOrderId: p.clientOrderId }),
  };
  const r = await submit(ctx, s);
  const orderId = r.orderId;
  if (orderId === undefined) throw new ApiError('INTERNAL', 'order id missing');
  const order = ctx.feed.orders.get(userId, orderId);
  if (order === undefined) throw new ApiError('ORDER_NOT_FOUND', 'order no longer retained');
  if (order.market !== p.market.symbol) throw new ApiError('PARAM_INVALID', 'clientOrderId already used in another market');
  return { order, duplicate: r.duplicate === true };
}

export async function cancelOrder(ctx: ApiContext, userId: number, orderId: number, market?: ApiMarket): Promise<OrderView> {
  const known = ctx.feed.orders.get(userId, orderId);
  if (market !== undefined && known !== undefined && known.market !== market.symbol) throw new ApiError('CANCEL_UNKNOWN_ORDER', 'unknown order');
  await submit(ctx, { type: 'order.cancel', userId, orderId });
  const order = ctx.feed.orders.get(userId, orderId);
  if (order === undefined) throw new ApiError('CANCEL_UNKNOWN_ORDER', 'unknown order');
  return order;
}

/** Cancels every open order of the user (in one market, or all); returns the orders canceled. */
export async function cancelAll(ctx: ApiContext, userId: number, market?: ApiMarket): Promise<OrderView[]> {
  const before = ctx.feed.orders.open(userId, market?.symbol).map((o) => o.orderId);
  await submit(ctx, { type: 'order.cancelAll', userId, ...(market === undefined ? {} : { market: market.symbol }) });
  return before.map((id) => ctx.feed.orders.get(userId, id)).filter((o): o is OrderView => o !== undefined && o.status === 'CANCELED');
}

export async function amendOrder(ctx: ApiContext, userId: number, orderId: number, change: { priceTicks?: number; qtyLots?: number }): Promise<OrderView> {
  await submit(ctx, { type: 'order.amend', userId, orderId, ...change });
  const order = ctx.feed.orders.get(userId, orderId);
  if (order === undefined) throw new ApiError('ORDER_NOT_FOUND', 'order no longer retained');
  return order;
}

/** The user's balances from the core, per asset: available and everything else held. */
export function balancesOf(ctx: ApiContext, userId: number): Array<{ asset: string; decimals: number; available: bigint; locked: bigint; withdrawing: bigint; frozen: bigint }> {
  if (!ctx.engine.core.ledger.hasUser(userId)) return [];
  const b = ctx.engine.core.userBalances(userId);
  return ctx.markets.assets.map((a) => {
    const row = b[a.code]!;
    return { asset: a.code, decimals: a.decimals, available: row.available, locked: row.locked, withdrawing: row.withdrawing, frozen: row.frozen };
  });
}
