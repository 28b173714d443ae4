import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { z } from 'zod';
import type { ApiPermission } from '../identity/index.ts';
import { formatDecimal } from '../shared/decimal.ts';
import { authenticateBinance, rawQuery } from './auth.ts';
import type { ApiContext } from './context.ts';
import { ApiError } from './errors.ts';
import { type ApiMarket, base, price, qty, quote, toLots, toQuoteMinor, toTicks } from './markets.ts';
import { isInterval } from './marketData.ts';
import type { FillView, OrderView } from './orderIndex.ts';
import { balancesOf, cancelAll, cancelOrder, placeOrder } from './trading.ts';
import { clientIdText, decimalText, idText, intText, jsonSchemaOf, parseForm, parseInput } from './validate.ts';

/**
 * A Binance-Spot-compatible subset under /api/v3, enough for ccxt's `binance` client
 * (see docs/api.md and /work/shared/notes/ccxt.md). Parameters come from the raw query
 * string (and the form body for POST), parsed strictly; SIGNED endpoints use exactly the
 * parameters the signature covered. Errors are Binance's `{ code, msg }`.
 */
const ORDER_TYPES = ['LIMIT', 'LIMIT_MAKER', 'MARKET'] as const;
const SIGNING = new Set(['timestamp', 'recvWindow']);

const symbolQ = z.string().max(32);
const limitQ = (max: number) => intText(1, max);
const timeQ = intText(0, Number.MAX_SAFE_INTEGER);

type Params = Record<string, unknown>;

function statusOf(o: OrderView): string {
  return o.status;
}

function orderTypeOf(o: OrderView): string {
  return o.kind === 'market' ? 'MARKET' : o.postOnly ? 'LIMIT_MAKER' : 'LIMIT';
}

export function binanceOrder(m: ApiMarket, o: OrderView) {
  const open = o.status === 'NEW' || o.status === 'PARTIALLY_FILLED';
  return {
    symbol: m.binance,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId ?? `rampart-${o.orderId}`,
    price: o.kind === 'limit' ? price(m, o.priceTicks) : '0',
    origQty: qty(m, o.origLots),
    executedQty: qty(m, o.filledLots),
    cummulativeQuoteQty: quote(m, o.cumQuote),
    status: statusOf(o),
    timeInForce: o.tif,
    type: orderTypeOf(o),
    side: o.side === 'buy' ? 'BUY' : 'SELL',
    stopPrice: '0',
    icebergQty: '0',
    time: o.createdTs,
    updateTime: o.updatedTs,
    isWorking: open,
    workingTime: o.createdTs,
    origQuoteOrderQty: quote(m, o.quoteAmount),
    selfTradePreventionMode: 'EXPIRE_TAKER',
  };
}

function binanceFill(m: ApiMarket, f: FillView) {
  return {
    symbol: m.binance,
    id: f.tradeId,
    orderId: f.orderId,
    orderListId: -1,
    price: price(m, f.priceTicks),
    qty: qty(m, f.qtyLots),
    quoteQty: quote(m, f.quoteAmount),
    commission: f.feeAsset === 'base' ? base(m, f.fee) : quote(m, f.fee),
    commissionAsset: f.feeAsset === 'base' ? m.base.code : m.quote.code,
    time: f.ts,
    isBuyer: f.isBuyer,
    isMaker: f.isMaker,
    isBestMatch: true,
  };
}

export function v3Plugin(ctx: ApiContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const core = ctx.engine.core;

    /** Registers one endpoint: auth (SIGNED or not), strict parameters, handler. */
    function ep<T extends Params>(
      method: HTTPMethods,
      url: string,
      summary: string,
      schema: z.ZodType<T>,
      signed: ApiPermission | null,
      handler: (p: T, userId: number, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
    ): void {
      app.route({
        method,
        url,
        schema: { summary, tags: ['binance'], querystring: jsonSchemaOf(schema), ...(signed === null ? {} : { security: [{ binance: [] }] }) },
        handler: async (req, reply) => {
          let raw: Map<string, string>;
          let userId = 0;
          if (signed !== null) {
            const p = authenticateBinance(ctx, req, signed);
            raw = p.params;
            userId = p.userId;
          } else {
            raw = parseForm(rawQuery(req));
            if ((req.rawBody ?? '') !== '') throw new ApiError('PARAM_UNKNOWN', 'this endpoint takes no body');
          }
          const obj: Record<string, string> = {};
          for (const [k, v] of raw) if (!SIGNING.has(k)) obj[k] = v;
          const params = parseInput(schema, obj, 'parameter');
          return handler(params, userId, req, reply);
        },
      });
    }

    ep('GET', '/ping', 'Connectivity', z.object({}).strict(), null, async () => ({}));
    ep('GET', '/time', 'Server time', z.object({}).strict(), null, async () => ({ serverTime: ctx.clock() }));

    ep('GET', '/exchangeInfo', 'Markets and their filters', z.object({ symbol: symbolQ.optional(), symbols: z.string().max(1000).optional() }).strict(), null, async (p) => {
      const list = p.symbol !== undefined ? [ctx.markets.binance(p.symbol)] : p.symbols !== undefined ? symbolList(ctx, p.symbols) : ctx.markets.list;
      return {
        timezone: 'UTC',
        serverTime: ctx.clock(),
        rateLimits: [],
        exchangeFilters: [],
        symbols: list.map((m) => ({
          symbol: m.binance,
          status: core.market(m.symbol).status === 'open' ? 'TRADING' : 'HALT',
          baseAsset: m.base.code,
          baseAssetPrecision: m.base.decimals,
          quoteAsset: m.quote.code,
          quotePrecision: m.quote.decimals,
          quoteAssetPrecision: m.quote.decimals,
          baseCommissionPrecision: m.base.decimals,
          quoteCommissionPrecision: m.quote.decimals,
          orderTypes: [...ORDER_TYPES],
          icebergAllowed: false,
          ocoAllowed: false,
          otoAllowed: false,
          quoteOrderQtyMarketAllowed: true,
          allowTrailingStop: false,
          cancelReplaceAllowed: false,
          isSpotTradingAllowed: true,
          isMarginTradingAllowed: false,
          filters: [
            { filterType: 'PRICE_FILTER', minPrice: quote(m, m.config.tickSizeQuote), maxPrice: price(m, m.config.priceTicksMax), tickSize: quote(m, m.config.tickSizeQuote) },
            { filterType: 'LOT_SIZE', minQty: base(m, m.config.lotSizeBase), maxQty: qty(m, m.config.qtyLotsMax), stepSize: base(m, m.config.lotSizeBase) },
            { filterType: 'NOTIONAL', minNotional: quote(m, m.config.minNotionalQuote), applyMinToMarket: true, maxNotional: '9000000000', applyMaxToMarket: false, avgPriceMins: 0 },
          ],
          permissions: ['SPOT'],
          permissionSets: [['SPOT']],
          defaultSelfTradePreventionMode: 'EXPIRE_TAKER',
          allowedSelfTradePreventionModes: ['EXPIRE_TAKER'],
        })),
      };
    });

    ep('GET', '/depth', 'Order book', z.object({ symbol: symbolQ, limit: limitQ(5000).optional() }).strict(), null, async (p) => {
      const m = ctx.markets.binance(p.symbol);
      const book = core.market(m.symbol).book;
      const n = (p.limit as unknown as number | undefined) ?? 100;
      return {
        lastUpdateId: core.seq,
        bids: book.bids.depth(n).map(([pt, l]) => [price(m, pt), qty(m, l)]),
        asks: book.asks.depth(n).map(([pt, l]) => [price(m, pt), qty(m, l)]),
      };
    });

    ep('GET', '/ticker/24hr', '24 h ticker statistics', z.object({ symbol: symbolQ.optional(), symbols: z.string().max(1000).optional(), type: z.enum(['FULL', 'MINI']).optional() }).strict(), null, async (p) => {
      if (p.symbol !== undefined && p.symbols !== undefined) throw new ApiError('PARAM_INVALID', 'give symbol or symbols, not both');
      if (p.symbol !== undefined) return ticker24(ctx, ctx.markets.binance(p.symbol));
      const list = p.symbols !== undefined ? symbolList(ctx, p.symbols) : ctx.markets.list;
      return list.map((m) => ticker24(ctx, m));
    });

    ep('GET', '/ticker/price', 'Last price', z.object({ symbol: symbolQ.optional() }).strict(), null, async (p) => {
      const one = (m: ApiMarket) => {
        const t = ctx.feed.marketData.lastTrade(m.symbol);
        return { symbol: m.binance, price: t === undefined ? '0' : price(m, t.priceTicks) };
      };
      return p.symbol !== undefined ? one(ctx.markets.binance(p.symbol)) : ctx.markets.list.map(one);
    });

    const tradesQ = z.object({ symbol: symbolQ, limit: limitQ(1000).optional(), fromId: intText(0, Number.MAX_SAFE_INTEGER).optional(), startTime: timeQ.optional(), endTime: timeQ.optional() }).strict();
    ep('GET', '/aggTrades', 'Recent trades (one aggregate per trade)', tradesQ, null, async (p) => {
      const m = ctx.markets.binance(p.symbol);
      const q = p as unknown as { limit?: number; fromId?: number; startTime?: number; endTime?: number };
      return ctx.feed.marketData
        .trades(m.symbol, {
          limit: q.limit ?? 500,
          ...(q.fromId === undefined ? {} : { fromId: q.fromId }),
          ...(q.startTime === undefined ? {} : { startMs: q.startTime }),
          ...(q.endTime === undefined ? {} : { endMs: q.endTime }),
        })
        .map((t) => ({ a: t.id, p: price(m, t.priceTicks), q: qty(m, t.qtyLots), f: t.id, l: t.id, T: t.ts, m: t.takerSide === 'sell', M: true }));
    });
    ep('GET', '/trades', 'Recent trades', z.object({ symbol: symbolQ, limit: limitQ(1000).optional() }).strict(), null, async (p) => {
      const m = ctx.markets.binance(p.symbol);
      const limit = (p.limit as unknown as number | undefined) ?? 500;
      return ctx.feed.marketData
        .trades(m.symbol, { limit })
        .map((t) => ({ id: t.id, price: price(m, t.priceTicks), qty: qty(m, t.qtyLots), quoteQty: quote(m, t.quoteAmount), time: t.ts, isBuyerMaker: t.takerSide === 'sell', isBestMatch: true }));
    });

    ep(
      'GET',
      '/klines',
      'Candles',
      z.object({ symbol: symbolQ, interval: z.string().max(8), limit: limitQ(1000).optional(), startTime: timeQ.optional(), endTime: timeQ.optional(), timeZone: z.string().max(8).optional() }).strict(),
      null,
      async (p) => {
        const m = ctx.markets.binance(p.symbol);
        if (!isInterval(p.interval)) throw new ApiError('INTERVAL_INVALID', 'interval must be 1m, 5m, 1h or 1d');
        const q = p as unknown as { limit?: number; startTime?: number; endTime?: number };
        const step = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000, '1d': 86_400_000 }[p.interval];
        return ctx.feed.marketData
          .candles(m.symbol, p.interval, {
            limit: q.limit ?? 500,
            ...(q.startTime === undefined ? {} : { startMs: q.startTime }),
            ...(q.endTime === undefined ? {} : { endMs: q.endTime }),
          })
          .map((c) => [
            c.openTimeMs,
            price(m, c.openTicks),
            price(m, c.highTicks),
            price(m, c.lowTicks),
            price(m, c.closeTicks),
            base(m, c.volumeBase),
            c.openTimeMs + step - 1,
            quote(m, c.volumeQuote),
            c.trades,
            base(m, c.takerBuyBase),
            quote(m, c.takerBuyQuote),
            '0',
          ]);
      },
    );

    // ---- SIGNED ----------------------------------------------------------------------

    ep('GET', '/account', 'Balances (SIGNED)', z.object({ omitZeroBalances: z.enum(['true', 'false']).optional() }).strict(), 'read', async (p, userId) => {
      const rows = balancesOf(ctx, userId).map((b) => ({
        asset: b.asset,
        free: formatDecimal(b.available, b.decimals),
        // Everything the customer owns but cannot trade right now: in orders, withdrawing, frozen.
        locked: formatDecimal(b.locked + b.withdrawing + b.frozen, b.decimals),
        zero: b.available + b.locked + b.withdrawing + b.frozen === 0n,
      }));
      const m0 = ctx.markets.list[0];
      return {
        makerCommission: m0 === undefined ? 0 : m0.config.makerFeeBps,
        takerCommission: m0 === undefined ? 0 : m0.config.takerFeeBps,
        buyerCommission: 0,
        sellerCommission: 0,
        canTrade: true,
        canWithdraw: false,
        canDeposit: true,
        brokered: false,
        requireSelfTradePrevention: false,
        preventSor: true,
        updateTime: ctx.clock(),
        accountType: 'SPOT',
        balances: rows.filter((r) => p.omitZeroBalances !== 'true' || !r.zero).map(({ asset, free, locked }) => ({ asset, free, locked })),
        permissions: ['SPOT'],
        uid: userId,
      };
    });

    const newOrder = z
      .object({
        symbol: symbolQ,
        side: z.enum(['BUY', 'SELL']),
        type: z.string().max(32),
        timeInForce: z.enum(['GTC', 'IOC', 'FOK']).optional(),
        quantity: decimalText.optional(),
        quoteOrderQty: decimalText.optional(),
        price: decimalText.optional(),
        newClientOrderId: clientIdText.optional(),
        newOrderRespType: z.enum(['ACK', 'RESULT', 'FULL']).optional(),
        selfTradePreventionMode: z.enum(['EXPIRE_TAKER', 'NONE']).optional(),
      })
      .strict();
    ep('POST', '/order', 'New order (SIGNED)', newOrder, 'trade', async (p, userId) => {
      const m = ctx.markets.binance(p.symbol);
      if (!(ORDER_TYPES as readonly string[]).includes(p.type)) throw new ApiError('PARAM_INVALID', 'Invalid order type. Supported: LIMIT, LIMIT_MAKER, MARKET');
      const side = p.side === 'BUY' ? 'buy' : 'sell';
      const cid = p.newClientOrderId;
      let res: Awaited<ReturnType<typeof placeOrder>>;
      if (p.type === 'MARKET') {
        if (p.price !== undefined || p.timeInForce !== undefined) throw new ApiError('PARAM_UNKNOWN', 'MARKET orders take no price or timeInForce');
        if ((p.quantity === undefined) === (p.quoteOrderQty === undefined)) throw new ApiError('PARAM_MISSING', "Mandatory parameter 'quantity' or 'quoteOrderQty' was not sent, was empty/null, or malformed.");
        if (p.quoteOrderQty !== undefined && side !== 'buy') throw new ApiError('UNSUPPORTED', 'quoteOrderQty is supported for market buys only');
        const quoteAmount = p.quoteOrderQty === undefined ? undefined : toQuoteMinor(m, p.quoteOrderQty, 'quoteOrderQty');
        if (quoteAmount === 0n) throw new ApiError('PARAM_INVALID', 'quoteOrderQty must be positive');
        res = await placeOrder(ctx, userId, {
          market: m,
          side,
          kind: 'market',
          ...(p.quantity === undefined ? {} : { qtyLots: toLots(m, p.quantity) }),
          ...(quoteAmount === undefined ? {} : { quoteAmount }),
          ...(cid === undefined ? {} : { clientOrderId: cid }),
        });
      } else {
        if (p.price === undefined || p.quantity === undefined) throw new ApiError('PARAM_MISSING', "Mandatory parameter 'price' and 'quantity' were not sent, were empty/null, or malformed.");
        if (p.quoteOrderQty !== undefined) throw new ApiError('PARAM_UNKNOWN', 'limit orders take quantity, not quoteOrderQty');
        if (p.type === 'LIMIT' && p.timeInForce === undefined) throw new ApiError('PARAM_MISSING', "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.");
        if (p.type === 'LIMIT_MAKER' && p.timeInForce !== undefined && p.timeInForce !== 'GTC') throw new ApiError('PARAM_INVALID', 'LIMIT_MAKER orders are GTC');
        res = await placeOrder(ctx, userId, {
          market: m,
          side,
          kind: 'limit',
          tif: p.type === 'LIMIT_MAKER' ? 'GTC' : p.timeInForce!,
          postOnly: p.type === 'LIMIT_MAKER',
          priceTicks: toTicks(m, p.price),
          qtyLots: toLots(m, p.quantity),
          ...(cid === undefined ? {} : { clientOrderId: cid }),
        });
      }
      const o = res.order;
      const ack = { symbol: m.binance, orderId: o.orderId, orderListId: -1, clientOrderId: o.clientOrderId ?? `rampart-${o.orderId}`, transactTime: o.updatedTs };
      if (p.newOrderRespType === 'ACK') return ack;
      const full = { ...binanceOrder(m, o), transactTime: o.updatedTs };
      if (p.newOrderRespType === 'RESULT') return full;
      const fills = ctx.feed.orders
        .fills(userId, m.symbol)
        .filter((f) => f.orderId === o.orderId && !f.isMaker)
        .map((f) => ({
          price: price(m, f.priceTicks),
          qty: qty(m, f.qtyLots),
          commission: f.feeAsset === 'base' ? base(m, f.fee) : quote(m, f.fee),
          commissionAsset: f.feeAsset === 'base' ? m.base.code : m.quote.code,
          tradeId: f.tradeId,
        }));
      return { ...full, fills };
    });

    const orderRef = z.object({ symbol: symbolQ, orderId: idText.optional(), origClientOrderId: clientIdText.optional() }).strict();
    const findOrder = (userId: number, m: ApiMarket, p: { orderId?: string; origClientOrderId?: string }, notFound: 'ORDER_NOT_FOUND' | 'CANCEL_UNKNOWN_ORDER'): OrderView => {
      if (p.orderId === undefined && p.origClientOrderId === undefined) throw new ApiError('PARAM_MISSING', "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
      const o = p.orderId !== undefined ? ctx.feed.orders.get(userId, Number(p.orderId)) : ctx.feed.orders.byClientOrderId(userId, p.origClientOrderId!);
      if (o === undefined || o.market !== m.symbol) throw new ApiError(notFound, 'order not found');
      if (p.orderId !== undefined && p.origClientOrderId !== undefined && o.clientOrderId !== p.origClientOrderId) throw new ApiError(notFound, 'order not found');
      return o;
    };

    ep('GET', '/order', 'Query order (SIGNED)', orderRef, 'read', async (p, userId) => {
      const m = ctx.markets.binance(p.symbol);
      return binanceOrder(m, findOrder(userId, m, p, 'ORDER_NOT_FOUND'));
    });

    ep('DELETE', '/order', 'Cancel order (SIGNED)', orderRef.extend({ newClientOrderId: clientIdText.optional(), cancelRestrictions: z.enum(['ONLY_NEW', 'ONLY_PARTIALLY_FILLED']).optional() }).strict(), 'trade', async (p, userId) => {
      const m = ctx.markets.binance(p.symbol);
      const known = findOrder(userId, m, p, 'CANCEL_UNKNOWN_ORDER');
      if (p.cancelRestrictions === 'ONLY_NEW' && known.status !== 'NEW') throw new ApiError('CANCEL_UNKNOWN_ORDER', 'Order was not canceled due to cancel restrictions.');
      if (p.cancelRestrictions === 'ONLY_PARTIALLY_FILLED' && known.status !== 'PARTIALLY_FILLED') throw new ApiError('CANCEL_UNKNOWN_ORDER', 'Order was not canceled due to cancel restrictions.');
      let o: OrderView;
      try {
        o = await cancelOrder(ctx, userId, known.orderId, m);
      } catch (e) {
        if ((e as { code?: string }).code === 'UNKNOWN_ORDER') throw new ApiError('CANCEL_UNKNOWN_ORDER', 'Unknown order sent.');
        throw e;
      }
      return { ...binanceOrder(m, o), origClientOrderId: o.clientOrderId ?? `rampart-${o.orderId}` };
    });

    ep('GET', '/openOrders', 'Open orders (SIGNED)', z.object({ symbol: symbolQ.optional() }).strict(), 'read', async (p, userId) => {
      const m = p.symbol === undefined ? undefined : ctx.markets.binance(p.symbol);
      return ctx.feed.orders.open(userId, m?.symbol).map((o) => binanceOrder(ctx.markets.core(o.market), o));
    });

    ep('DELETE', '/openOrders', 'Cancel all open orders of a symbol (SIGNED)', z.object({ symbol: symbolQ }).strict(), 'trade', async (p, userId) => {
      const m = ctx.markets.binance(p.symbol);
      const list = await cancelAll(ctx, userId, m);
      return list.map((o) => ({ ...binanceOrder(m, o), origClientOrderId: o.clientOrderId ?? `rampart-${o.orderId}` }));
    });

    const histQ = z.object({ symbol: symbolQ, orderId: idText.optional(), fromId: idText.optional(), startTime: timeQ.optional(), endTime: timeQ.optional(), limit: limitQ(1000).optional() }).strict();
    ep('GET', '/allOrders', 'All retained orders (SIGNED)', histQ, 'read', async (p, userId) => {
      const m = ctx.markets.binance(p.symbol);
      const q = p as unknown as { orderId?: string; startTime?: number; endTime?: number; limit?: number };
      let list = ctx.feed.orders.all(userId, m.symbol);
      if (q.orderId !== undefined) list = list.filter((o) => o.orderId >= Number(q.orderId));
      if (q.startTime !== undefined) list = list.filter((o) => o.createdTs >= q.startTime!);
      if (q.endTime !== undefined) list = list.filter((o) => o.createdTs <= q.endTime!);
      const limit = q.limit ?? 500;
      list = q.orderId !== undefined || q.startTime !== undefined ? list.slice(0, limit) : list.slice(-limit);
      return list.map((o) => binanceOrder(m, o));
    });

    ep('GET', '/myTrades', "The caller's fills (SIGNED)", histQ, 'read', async (p, userId) => {
      const m = ctx.markets.binance(p.symbol);
      const q = p as unknown as { orderId?: string; fromId?: string; startTime?: number; endTime?: number; limit?: number };
      let list = ctx.feed.orders.fills(userId, m.symbol);
      if (q.orderId !== undefined) list = list.filter((f) => f.orderId === Number(q.orderId));
      if (q.fromId !== undefined) list = list.filter((f) => f.tradeId >= Number(q.fromId));
      if (q.startTime !== undefined) list = list.filter((f) => f.ts >= q.startTime!);
      if (q.endTime !== undefined) list = list.filter((f) => f.ts <= q.endTime!);
      const limit = q.limit ?? 500;
      list = q.fromId !== undefined || q.startTime !== undefined ? list.slice(0, limit) : list.slice(-limit);
      return list.map((f) => binanceFill(m, f));
    });
  };
}

function symbolList(ctx: ApiContext, text: string): ApiMarket[] {
  let arr: unknown;
  try {
    arr = JSON.parse(text);
  } catch {
    throw new ApiError('PARAM_INVALID', 'symbols must be a JSON array of symbols');
  }
  if (!Array.isArray(arr) || arr.length === 0 || arr.length > 100) throw new ApiError('PARAM_INVALID', 'symbols must be a JSON array of 1..100 symbols');
  return arr.map((s) => ctx.markets.binance(s));
}

function ticker24(ctx: ApiContext, m: ApiMarket) {
  const t = ctx.feed.marketData.ticker(m.symbol, ctx.clock());
  const book = ctx.engine.core.market(m.symbol).book;
  const bid = book.bids.levels[0];
  const ask = book.asks.levels[0];
  const last = t.lastTicks ?? 0;
  const open = t.openTicks ?? last;
  const change = last - open;
  // Percent to 3 places, computed in integers (display figure; no money flows from it).
  const pct = open === 0 ? '0' : formatDecimal((BigInt(change) * 100_000n) / BigInt(open), 3);
  const avgMinor = t.volumeBase === 0n ? 0n : (t.volumeQuote * 10n ** BigInt(m.base.decimals)) / t.volumeBase;
  return {
    symbol: m.binance,
    priceChange: change < 0 ? `-${price(m, -change)}` : price(m, change),
    priceChangePercent: pct,
    weightedAvgPrice: quote(m, avgMinor),
    prevClosePrice: price(m, open),
    lastPrice: price(m, last),
    lastQty: qty(m, t.lastLots),
    bidPrice: bid === undefined ? '0' : price(m, bid.priceTicks),
    bidQty: bid === undefined ? '0' : qty(m, bid.totalLots),
    askPrice: ask === undefined ? '0' : price(m, ask.priceTicks),
    askQty: ask === undefined ? '0' : qty(m, ask.totalLots),
    openPrice: price(m, open),
    highPrice: price(m, t.highTicks ?? last),
    lowPrice: price(m, t.lowTicks ?? last),
    volume: base(m, t.volumeBase),
    quoteVolume: quote(m, t.volumeQuote),
    openTime: t.openTimeMs,
    closeTime: t.closeTimeMs,
    firstId: t.firstTradeId,
    lastId: t.lastTradeId,
    count: t.trades,
  };
}
