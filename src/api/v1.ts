import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { API_PERMISSIONS, type ApiPermission, createCsrfToken } from '../identity/index.ts';
import { CSRF_COOKIE, authenticateNative, SESSION_COOKIE } from './auth.ts';
import type { ApiContext } from './context.ts';
import { ApiError } from './errors.ts';
import { type ApiMarket, base, price, qty, quote, toLots, toQuoteMinor, toTicks } from './markets.ts';
import { type INTERVALS, isInterval } from './marketData.ts';
import type { FillView, OrderView } from './orderIndex.ts';
import { addRoute } from './route.ts';
import { amendOrder, balancesOf, cancelAll, cancelOrder, placeOrder } from './trading.ts';
import { clientIdText, decimalText, idText, intText } from './validate.ts';
import { formatDecimal } from '../shared/decimal.ts';

/**
 * The native REST API under /api/v1. Decimal strings for every amount, market names
 * as 'BTC-AED', one error shape `{ error: { code, message } }`.
 */
const marketParam = z.object({ market: z.string().max(32) }).strict();
const orderParam = z.object({ orderId: idText }).strict();
const TRADES_LIMIT_MAX = 1000;
const CANDLES_LIMIT_MAX = 1000;
const DEPTH_LIMIT_MAX = 1000;

export function orderJson(m: ApiMarket, o: OrderView) {
  return {
    orderId: o.orderId,
    market: m.dashed,
    side: o.side,
    type: o.kind,
    timeInForce: o.tif,
    postOnly: o.postOnly,
    price: o.kind === 'limit' ? price(m, o.priceTicks) : null,
    quantity: qty(m, o.origLots),
    quoteQuantity: o.quoteAmount > 0n ? quote(m, o.quoteAmount) : null,
    filledQuantity: qty(m, o.filledLots),
    filledQuote: quote(m, o.cumQuote),
    status: o.status,
    clientOrderId: o.clientOrderId,
    createdAt: o.createdTs,
    updatedAt: o.updatedTs,
  };
}

export function fillJson(m: ApiMarket, f: FillView) {
  return {
    tradeId: f.tradeId,
    orderId: f.orderId,
    market: m.dashed,
    side: f.isBuyer ? 'buy' : 'sell',
    price: price(m, f.priceTicks),
    quantity: qty(m, f.qtyLots),
    quote: quote(m, f.quoteAmount),
    fee: f.feeAsset === 'base' ? base(m, f.fee) : quote(m, f.fee),
    feeAsset: f.feeAsset === 'base' ? m.base.code : m.quote.code,
    liquidity: f.isMaker ? 'maker' : 'taker',
    time: f.ts,
  };
}

export function v1Plugin(ctx: ApiContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const auth = (req: Parameters<typeof authenticateNative>[1], p: ApiPermission) => authenticateNative(ctx, req, p);
    const r = <Q, B, P>(def: Parameters<typeof addRoute<Q, B, P>>[2]) => addRoute<Q, B, P>(app, auth, def);
    const core = ctx.engine.core;

    r({
      method: 'GET',
      url: '/health',
      summary: 'Readiness: the engine is open and accepting commands',
      tags: ['public'],
      handler: async () => {
        const ready = ctx.engine.journal.failed === null;
        if (!ready) throw new ApiError('NOT_READY', 'journal failed; restart required');
        return { status: 'ready', seq: core.seq, time: ctx.clock() };
      },
    });

    r({
      method: 'GET',
      url: '/markets',
      summary: 'Markets with their tick, lot and minimum order value',
      tags: ['public'],
      handler: async () => ({
        markets: ctx.markets.list.map((m) => ({
          market: m.dashed,
          base: m.base.code,
          quote: m.quote.code,
          status: core.market(m.symbol).status,
          tickSize: quote(m, m.config.tickSizeQuote),
          lotSize: base(m, m.config.lotSizeBase),
          minNotional: quote(m, m.config.minNotionalQuote),
          maxPrice: price(m, m.config.priceTicksMax),
          maxQuantity: qty(m, m.config.qtyLotsMax),
          makerFeeBps: m.config.makerFeeBps,
          takerFeeBps: m.config.takerFeeBps,
        })),
      }),
    });

    r({
      method: 'GET',
      url: '/markets/:market/ticker',
      summary: '24 h ticker',
      tags: ['public'],
      params: marketParam,
      handler: async ({ params }) => tickerJson(ctx, ctx.markets.native(params.market)),
    });

    r({
      method: 'GET',
      url: '/markets/:market/depth',
      summary: 'Order book (aggregated levels); lastUpdateId is the core sequence',
      tags: ['public'],
      params: marketParam,
      query: z.object({ limit: intText(1, DEPTH_LIMIT_MAX).optional() }).strict(),
      handler: async ({ params, query }) => {
        const m = ctx.markets.native(params.market);
        const book = core.market(m.symbol).book;
        const n = query.limit ?? 100;
        return {
          market: m.dashed,
          lastUpdateId: core.seq,
          bids: book.bids.depth(n).map(([p, l]) => [price(m, p), qty(m, l)]),
          asks: book.asks.depth(n).map(([p, l]) => [price(m, p), qty(m, l)]),
        };
      },
    });

    r({
      method: 'GET',
      url: '/markets/:market/trades',
      summary: 'Recent public trades (newest last)',
      tags: ['public'],
      params: marketParam,
      query: z.object({ limit: intText(1, TRADES_LIMIT_MAX).optional() }).strict(),
      handler: async ({ params, query }) => {
        const m = ctx.markets.native(params.market);
        return {
          trades: ctx.feed.marketData.trades(m.symbol, { limit: query.limit ?? 100 }).map((t) => ({
            id: t.id,
            price: price(m, t.priceTicks),
            quantity: qty(m, t.qtyLots),
            quote: quote(m, t.quoteAmount),
            takerSide: t.takerSide,
            time: t.ts,
          })),
        };
      },
    });

    r({
      method: 'GET',
      url: '/markets/:market/candles',
      summary: 'Candles (1m, 5m, 1h, 1d)',
      tags: ['public'],
      params: marketParam,
      query: z
        .object({
          interval: z.string().refine(isInterval, 'interval must be 1m, 5m, 1h or 1d'),
          limit: intText(1, CANDLES_LIMIT_MAX).optional(),
          startTime: intText(0, Number.MAX_SAFE_INTEGER).optional(),
          endTime: intText(0, Number.MAX_SAFE_INTEGER).optional(),
        })
        .strict(),
      handler: async ({ params, query }) => {
        const m = ctx.markets.native(params.market);
        const interval = query.interval as keyof typeof INTERVALS;
        const list = ctx.feed.marketData.candles(m.symbol, interval, {
          limit: query.limit ?? 500,
          ...(query.startTime === undefined ? {} : { startMs: query.startTime }),
          ...(query.endTime === undefined ? {} : { endMs: query.endTime }),
        });
        return {
          candles: list.map((c) => ({
            openTime: c.openTimeMs,
            open: price(m, c.openTicks),
            high: price(m, c.highTicks),
            low: price(m, c.lowTicks),
            close: price(m, c.closeTicks),
            volume: base(m, c.volumeBase),
            quoteVolume: quote(m, c.volumeQuote),
            trades: c.trades,
          })),
        };
      },
    });

    // ---- session ---------------------------------------------------------------------

    r({
      method: 'POST',
      url: '/session',
      summary: 'Log in with email and password; sets the session and CSRF cookies',
      tags: ['session'],
      body: z.object({ email: z.string().max(254), password: z.string().max(1024), totp: z.string().max(16).optional(), recoveryCode: z.string().max(64).optional() }).strict(),
      handler: async ({ req, reply, body }) => {
        const d = ctx.loginLimiter.take(`ip:${req.ip}`, ctx.clock());
        if (!d.allowed) throw new ApiError('RATE_LIMITED', 'too many login attempts', { retryAfterMs: d.retryAfterMs });
        const ua = typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : '';
        const { user, token, session } = await ctx.security.login({ email: body.email, password: body.password, ip: req.ip, userAgent: ua, totp: body.totp, recoveryCode: body.recoveryCode });
        const csrf = createCsrfToken(ctx.config.csrfKey, session.tokenHash);
        const secure = ctx.config.secureCookies === false ? '' : '; Secure';
        const maxAge = Math.floor(ctx.accounts.sessionPolicy.absoluteTimeoutMs / 1000);
        reply.header('set-cookie', [
          `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`,
          `${CSRF_COOKIE}=${csrf}; Path=/; SameSite=Strict; Max-Age=${maxAge}${secure}`,
        ]);
        return { userId: user.id, csrfToken: csrf };
      },
    });

    r({
      method: 'DELETE',
      url: '/session',
      summary: 'Log out (revokes the session)',
      tags: ['session'],
      auth: 'read',
      handler: async ({ req, reply }) => {
        const token = /(?:^|;\s*)__Host-rampart_session=([^;]*)/.exec(String(req.headers.cookie ?? ''))?.[1];
        if (token !== undefined) ctx.accounts.logout(token);
        reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
        return { ok: true };
      },
    });

    // ---- account ---------------------------------------------------------------------

    r({
      method: 'GET',
      url: '/balances',
      summary: "The caller's balances",
      tags: ['account'],
      auth: 'read',
      handler: async ({ principal }) => ({
        balances: balancesOf(ctx, principal!.userId).map((b) => ({
          asset: b.asset,
          available: formatDecimal(b.available, b.decimals),
          locked: formatDecimal(b.locked, b.decimals),
          withdrawing: formatDecimal(b.withdrawing, b.decimals),
          frozen: formatDecimal(b.frozen, b.decimals),
        })),
      }),
    });

    r({
      method: 'GET',
      url: '/api-keys',
      summary: "The caller's API keys (never their secrets)",
      tags: ['account'],
      auth: 'read',
      handler: async ({ principal }) => ({
        apiKeys: ctx.accounts.repo.apiKeysOf(principal!.userId).map((k) => ({
          keyId: k.keyId,
          label: k.label,
          permissions: k.permissions,
          ipAllowlist: k.ipAllowlist,
          createdAt: k.createdAtMs,
          revokedAt: k.revokedAtMs,
        })),
      }),
    });

    r({
      method: 'POST',
      url: '/api-keys',
      summary: 'Create an API key (session only); the secret is shown once',
      tags: ['account'],
      auth: 'trade',
      body: z
        .object({
          label: z.string().min(1).max(64),
          permissions: z.array(z.enum(API_PERMISSIONS as [ApiPermission, ...ApiPermission[]])).max(3),
          ipAllowlist: z.array(z.string().max(64)).max(30).optional(),
          totp: z.string().max(16).optional(),
          recoveryCode: z.string().max(64).optional(),
        })
        .strict(),
      handler: async ({ req, principal, body }) => {
        // A key must not mint keys: a leaked key would otherwise persist itself.
        if (principal!.via !== 'session') throw new ApiError('FORBIDDEN', 'API keys are managed from a logged-in session');
        const k = await ctx.security.createApiKey(
          principal!.userId,
          { label: body.label, permissions: body.permissions, totp: body.totp, recoveryCode: body.recoveryCode, ...(body.ipAllowlist === undefined ? {} : { ipAllowlist: body.ipAllowlist }) },
          req.ip,
        );
        return { keyId: k.keyId, secret: k.secret, permissions: k.record.permissions, ipAllowlist: k.record.ipAllowlist };
      },
    });

    r({
      method: 'DELETE',
      url: '/api-keys/:keyId',
      summary: 'Revoke one of the caller’s API keys',
      tags: ['account'],
      auth: 'trade',
      params: z.object({ keyId: z.string().regex(/^[A-Za-z0-9]{64}$/) }).strict(),
      handler: async ({ req, principal, params }) => {
        await ctx.security.revokeApiKey(principal!.userId, params.keyId, req.ip);
        return { ok: true };
      },
    });

    // ---- orders ----------------------------------------------------------------------

    const placeBody = z
      .object({
        market: z.string().max(32),
        side: z.enum(['buy', 'sell']),
        type: z.enum(['limit', 'market']),
        timeInForce: z.enum(['GTC', 'IOC', 'FOK']).optional(),
        postOnly: z.boolean().optional(),
        price: decimalText.optional(),
        quantity: decimalText.optional(),
        quoteQuantity: decimalText.optional(),
        clientOrderId: clientIdText.optional(),
      })
      .strict();

    r({
      method: 'POST',
      url: '/orders',
      summary: 'Place an order (Idempotency-Key header → clientOrderId)',
      tags: ['orders'],
      auth: 'trade',
      body: placeBody,
      handler: async ({ req, reply, principal, body }) => {
        const m = ctx.markets.native(body.market);
        const idem = req.headers['idempotency-key'];
        let clientOrderId = body.clientOrderId;
        if (idem !== undefined) {
          const parsed = clientIdText.safeParse(idem);
          if (!parsed.success) throw new ApiError('PARAM_INVALID', 'Idempotency-Key must be 1..64 of [A-Za-z0-9._:-]');
          if (clientOrderId !== undefined && clientOrderId !== parsed.data) throw new ApiError('PARAM_INVALID', 'Idempotency-Key and clientOrderId differ');
          clientOrderId = parsed.data;
        }
        if (body.type === 'limit') {
          if (body.price === undefined || body.quantity === undefined) throw new ApiError('PARAM_MISSING', 'limit orders need price and quantity');
          if (body.quoteQuantity !== undefined) throw new ApiError('PARAM_INVALID', 'limit orders take quantity, not quoteQuantity');
        } else {
          if (body.price !== undefined || body.postOnly === true) throw new ApiError('PARAM_INVALID', 'market orders take no price and are never post-only');
          if ((body.quantity === undefined) === (body.quoteQuantity === undefined)) throw new ApiError('PARAM_MISSING', 'market orders need exactly one of quantity or quoteQuantity');
          if (body.quoteQuantity !== undefined && body.side !== 'buy') throw new ApiError('PARAM_INVALID', 'quoteQuantity is for market buys');
        }
        const { order, duplicate } = await placeOrder(ctx, principal!.userId, {
          market: m,
          side: body.side,
          kind: body.type,
          ...(body.timeInForce === undefined ? {} : { tif: body.timeInForce }),
          ...(body.postOnly === undefined ? {} : { postOnly: body.postOnly }),
          ...(body.price === undefined ? {} : { priceTicks: toTicks(m, body.price) }),
          ...(body.quantity === undefined ? {} : { qtyLots: toLots(m, body.quantity) }),
          ...(body.quoteQuantity === undefined ? {} : { quoteAmount: positive(toQuoteMinor(m, body.quoteQuantity)) }),
          ...(clientOrderId === undefined ? {} : { clientOrderId }),
        });
        reply.code(duplicate ? 200 : 201);
        return { order: orderJson(m, order), duplicate };
      },
    });

    r({
      method: 'GET',
      url: '/orders',
      summary: "The caller's open orders (or recent orders with status=all)",
      tags: ['orders'],
      auth: 'read',
      query: z.object({ market: z.string().max(32).optional(), status: z.enum(['open', 'all']).optional() }).strict(),
      handler: async ({ principal, query }) => {
        const m = query.market === undefined ? undefined : ctx.markets.native(query.market);
        const list = query.status === 'all' ? ctx.feed.orders.all(principal!.userId, m?.symbol) : ctx.feed.orders.open(principal!.userId, m?.symbol);
        return { orders: list.map((o) => orderJson(ctx.markets.core(o.market), o)) };
      },
    });

    r({
      method: 'GET',
      url: '/orders/:orderId',
      summary: 'One of the caller’s orders',
      tags: ['orders'],
      auth: 'read',
      params: orderParam,
      handler: async ({ principal, params }) => {
        const o = ctx.feed.orders.get(principal!.userId, Number(params.orderId));
        if (o === undefined) throw new ApiError('ORDER_NOT_FOUND', 'order not found');
        return { order: orderJson(ctx.markets.core(o.market), o) };
      },
    });

    r({
      method: 'PATCH',
      url: '/orders/:orderId',
      summary: 'Amend price and/or quantity (quantity down at the same price keeps priority)',
      tags: ['orders'],
      auth: 'trade',
      params: orderParam,
      body: z.object({ price: decimalText.optional(), quantity: decimalText.optional() }).strict(),
      handler: async ({ principal, params, body }) => {
        const o = ctx.feed.orders.get(principal!.userId, Number(params.orderId));
        if (o === undefined || o.status === 'FILLED' || o.status === 'CANCELED' || o.status === 'EXPIRED') throw new ApiError('ORDER_NOT_FOUND', 'open order not found');
        if (body.price === undefined && body.quantity === undefined) throw new ApiError('PARAM_MISSING', 'give price or quantity');
        const m = ctx.markets.core(o.market);
        const out = await amendOrder(ctx, principal!.userId, o.orderId, {
          ...(body.price === undefined ? {} : { priceTicks: toTicks(m, body.price) }),
          ...(body.quantity === undefined ? {} : { qtyLots: toLots(m, body.quantity) }),
        });
        return { order: orderJson(m, out) };
      },
    });

    r({
      method: 'DELETE',
      url: '/orders/:orderId',
      summary: 'Cancel one order',
      tags: ['orders'],
      auth: 'trade',
      params: orderParam,
      handler: async ({ principal, params }) => {
        const o = await cancelOrder(ctx, principal!.userId, Number(params.orderId));
        return { order: orderJson(ctx.markets.core(o.market), o) };
      },
    });

    r({
      method: 'DELETE',
      url: '/orders',
      summary: 'Cancel all open orders (optionally of one market)',
      tags: ['orders'],
      auth: 'trade',
      query: z.object({ market: z.string().max(32).optional() }).strict(),
      handler: async ({ principal, query }) => {
        const m = query.market === undefined ? undefined : ctx.markets.native(query.market);
        const list = await cancelAll(ctx, principal!.userId, m);
        return { orders: list.map((o) => orderJson(ctx.markets.core(o.market), o)) };
      },
    });

    r({
      method: 'GET',
      url: '/fills',
      summary: "The caller's recent fills",
      tags: ['orders'],
      auth: 'read',
      query: z.object({ market: z.string().max(32).optional(), limit: intText(1, 1000).optional() }).strict(),
      handler: async ({ principal, query }) => {
        const m = query.market === undefined ? undefined : ctx.markets.native(query.market);
        const list = ctx.feed.orders.fills(principal!.userId, m?.symbol).slice(-(query.limit ?? 100));
        return { fills: list.map((f) => fillJson(ctx.markets.core(f.market), f)) };
      },
    });
  };
}

function positive(v: bigint): bigint {
  if (v <= 0n) throw new ApiError('PARAM_INVALID', 'quoteQuantity must be positive');
  return v;
}

export function tickerJson(ctx: ApiContext, m: ApiMarket) {
  const t = ctx.feed.marketData.ticker(m.symbol, ctx.clock());
  const book = ctx.engine.core.market(m.symbol).book;
  const bid = book.bids.levels[0];
  const ask = book.asks.levels[0];
  const p = (v: number | null) => (v === null ? null : price(m, v));
  return {
    market: m.dashed,
    last: p(t.lastTicks),
    open: p(t.openTicks),
    high: p(t.highTicks),
    low: p(t.lowTicks),
    volume: base(m, t.volumeBase),
    quoteVolume: quote(m, t.volumeQuote),
    bid: bid === undefined ? null : price(m, bid.priceTicks),
    bidQuantity: bid === undefined ? null : qty(m, bid.totalLots),
    ask: ask === undefined ? null : price(m, ask.priceTicks),
    askQuantity: ask === undefined ? null : qty(m, ask.totalLots),
    trades: t.trades,
    time: t.closeTimeMs,
  };
}
