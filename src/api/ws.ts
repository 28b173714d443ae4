import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from '@fastify/websocket';
import { formatDecimal } from '../shared/decimal.ts';
import { authenticateNative } from './auth.ts';
import type { ApiContext } from './context.ts';
import { describeError } from './errors.ts';
import type { FeedEvent } from './feed.ts';
import { type ApiMarket, price, qty } from './markets.ts';
import { balancesOf } from './trading.ts';
import { binanceOrder } from './v3.ts';
import { fillJson, tickerJson } from './v1.ts';
import { RateLimiter, verifySignedRequest } from '../identity/index.ts';

/**
 * WebSocket at /ws, Binance's subscription syntax:
 *   → {"method":"SUBSCRIBE","params":["btcaed@depth","btcaed@trade","btcaed@ticker"],"id":1}
 *   ← {"result":null,"id":1}
 * Public streams: <sym>@depth (a `depthSnapshot` first, then `depthUpdate` diffs whose U is
 * the previous u + 1, on the same counter as REST's lastUpdateId: a gap means resync),
 * <sym>@trade, <sym>@ticker. Private streams (orders, fills, balances) after LOGIN
 * (an API key signature over `apiKey=<key>&timestamp=<ms>`) or with a session cookie on
 * the upgrade request. Each connection's send buffer is bounded: a consumer that falls
 * behind is disconnected (close code 1008), never buffered without limit.
 */
export const WS_DEFAULTS = { sendQueueBytesMax: 1 << 20, connectionsMax: 1000, subscriptionsMax: 20, messageBytesMax: 4096, messagesPerMinute: 300, heartbeatMs: 30_000 } as const;
const PRIVATE = new Set(['orders', 'fills', 'balances']);
/** Close code for a slow consumer: RFC 6455 §7.4.1 1008 policy violation. */
export const CLOSE_SLOW_CONSUMER = 1008;

interface Conn {
  readonly socket: WebSocket;
  readonly streams: Set<string>;
  userId: number | null;
  /** Peer address at the upgrade, for API-key IP allowlists on LOGIN. */
  readonly ip: string;
  /** Answered the last ping (RFC 6455 §5.5.2); a peer that does not is gone and is terminated. */
  alive: boolean;
  /** Incoming-message token bucket (a SUBSCRIBE costs a snapshot: bound the amplification). */
  bucket: RateLimiter;
}

export function wsPlugin(ctx: ApiContext) {
  const limits = { ...WS_DEFAULTS, ...(ctx.config.ws ?? {}) };
  const conns = new Set<Conn>();

  const send = (c: Conn, msg: unknown): void => {
    if (c.socket.readyState !== 1) return;
    if (c.socket.bufferedAmount > limits.sendQueueBytesMax) {
      conns.delete(c);
      c.socket.close(CLOSE_SLOW_CONSUMER, 'slow consumer');
      // If even the close frame cannot get out, drop the TCP connection.
      setTimeout(() => c.socket.terminate(), 1000).unref();
      return;
    }
    c.socket.send(JSON.stringify(msg));
  };

  const streamOf = (m: ApiMarket, kind: string) => `${m.binance.toLowerCase()}@${kind}`;

  const onFeed = (e: FeedEvent): void => {
    if (conns.size === 0) return;
    const now = ctx.clock();
    switch (e.kind) {
      case 'trade': {
        const m = ctx.markets.core(e.market);
        const s = streamOf(m, 'trade');
        const msg = { stream: s, data: { e: 'trade', E: now, s: m.binance, t: e.trade.id, p: price(m, e.trade.priceTicks), q: qty(m, e.trade.qtyLots), T: e.trade.ts, m: e.trade.takerSide === 'sell', M: true } };
        for (const c of conns) if (c.streams.has(s)) send(c, msg);
        break;
      }
      case 'depth': {
        const m = ctx.markets.core(e.market);
        const s = streamOf(m, 'depth');
        const lv = (l: Array<[number, number]>) => l.map(([p, n]) => [price(m, p), qty(m, n)]);
        const msg = { stream: s, data: { e: 'depthUpdate', E: now, s: m.binance, U: e.diff.U, u: e.diff.u, b: lv(e.diff.bids), a: lv(e.diff.asks) } };
        for (const c of conns) if (c.streams.has(s)) send(c, msg);
        break;
      }
      case 'ticker': {
        const m = ctx.markets.core(e.market);
        const s = streamOf(m, 'ticker');
        let msg: unknown;
        for (const c of conns) {
          if (!c.streams.has(s)) continue;
          msg ??= { stream: s, data: { e: 'ticker', ...tickerJson(ctx, m) } };
          send(c, msg);
        }
        break;
      }
      case 'order':
      case 'fill':
      case 'balance': {
        const stream = e.kind === 'order' ? 'orders' : e.kind === 'fill' ? 'fills' : 'balances';
        for (const c of conns) {
          if (c.userId !== e.userId || !c.streams.has(stream)) continue;
          if (e.kind === 'order') send(c, { stream, data: { e: 'order', ...binanceOrder(ctx.markets.core(e.order.market), e.order) } });
          else if (e.kind === 'fill') send(c, { stream, data: { e: 'fill', ...fillJson(ctx.markets.core(e.fill.market), e.fill) } });
          else send(c, { stream, data: { e: 'balances', balances: balancesJson(ctx, e.userId) } });
        }
        break;
      }
    }
  };

  const plugin = async (app: FastifyInstance): Promise<void> => {
    const unsubscribe = ctx.feed.subscribe(onFeed);
    // Dead TCP peers (no FIN) would otherwise hold a connection slot forever.
    const heartbeat = setInterval(() => {
      for (const c of conns) {
        if (!c.alive) {
          conns.delete(c);
          c.socket.terminate();
          continue;
        }
        c.alive = false;
        c.socket.ping();
      }
    }, limits.heartbeatMs);
    heartbeat.unref();
    app.addHook('onClose', async () => {
      clearInterval(heartbeat);
      unsubscribe();
      for (const c of conns) c.socket.terminate();
      conns.clear();
    });

    app.get('/ws', { websocket: true, schema: { summary: 'WebSocket market data and private streams', tags: ['websocket'] } }, (socket: WebSocket, req: FastifyRequest) => {
      if (conns.size >= limits.connectionsMax) {
        socket.close(1013, 'too many connections');
        return;
      }
      const c: Conn = { socket, streams: new Set(), userId: null, ip: req.ip, alive: true, bucket: new RateLimiter({ capacity: Math.max(1, Math.ceil(limits.messagesPerMinute / 6)), refillPerMinute: limits.messagesPerMinute }, 1) };
      // A session cookie on the upgrade authenticates the connection for private streams, but only
      // from our own origin: browsers send cookies on cross-site WebSocket upgrades (CSWSH), and
      // SameSite=Strict is the first line, this the second.
      if (typeof req.headers.cookie === 'string' && sameOrigin(req)) {
        try {
          c.userId = authenticateNative(ctx, req, 'read').userId;
        } catch {
          c.userId = null;
        }
      }
      conns.add(c);
      socket.on('pong', () => {
        c.alive = true;
      });
      socket.on('close', () => conns.delete(c));
      socket.on('error', () => conns.delete(c));
      socket.on('message', (data: Buffer, isBinary: boolean) => {
        if (!c.bucket.take('m', ctx.clock()).allowed) {
          conns.delete(c);
          socket.close(1008, 'too many messages');
          return;
        }
        let id: unknown = null;
        try {
          if (isBinary || data.length > limits.messageBytesMax) throw new WsError('message must be JSON text of at most ' + limits.messageBytesMax + ' bytes');
          const msg = JSON.parse(data.toString('utf8')) as { method?: unknown; params?: unknown; id?: unknown };
          if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw new WsError('message must be an object');
          id = typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null;
          handle(c, msg.method, msg.params, id);
        } catch (e) {
          const d = e instanceof WsError ? { code: 'BAD_REQUEST', message: e.message } : describeError(e);
          send(c, { id, error: { code: d.code, message: d.message } });
        }
      });
    });

    function handle(c: Conn, method: unknown, params: unknown, id: unknown): void {
      if (method === 'LOGIN') {
        const p = params as { apiKey?: unknown; timestamp?: unknown; signature?: unknown } | null;
        if (typeof p !== 'object' || p === null || typeof p.apiKey !== 'string' || typeof p.timestamp !== 'string' || typeof p.signature !== 'string') {
          throw new WsError('LOGIN params: { apiKey, timestamp, signature }');
        }
        if (!/^[0-9]{1,16}$/.test(p.timestamp) || !/^[0-9a-fA-F]{64}$/.test(p.signature) || !/^[A-Za-z0-9]{1,64}$/.test(p.apiKey)) throw new WsError('LOGIN params malformed');
        const v = verifySignedRequest({
          request: { apiKey: p.apiKey, queryString: `apiKey=${p.apiKey}&timestamp=${p.timestamp}&signature=${p.signature}`, body: '', clientIp: c.ip },
          lookupKey: (k) => ctx.accounts.lookupApiKey(k),
          serverKeys: ctx.config.serverKeys,
          requiredPermission: 'read',
          nowMs: ctx.clock(),
          replay: ctx.replay,
        });
        c.userId = Number(v.accountId);
        send(c, { result: { userId: c.userId }, id });
        return;
      }
      if (method !== 'SUBSCRIBE' && method !== 'UNSUBSCRIBE' && method !== 'LIST_SUBSCRIPTIONS') throw new WsError('method must be SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS or LOGIN');
      if (method === 'LIST_SUBSCRIPTIONS') {
        send(c, { result: [...c.streams], id });
        return;
      }
      if (!Array.isArray(params) || params.length === 0 || params.length > limits.subscriptionsMax || params.some((s) => typeof s !== 'string' || s.length > 64)) {
        throw new WsError(`params must be 1..${limits.subscriptionsMax} stream names`);
      }
      const streams = (params as string[]).map((s) => normaliseStream(s));
      if (method === 'UNSUBSCRIBE') {
        for (const s of streams) c.streams.delete(s);
        send(c, { result: null, id });
        return;
      }
      for (const s of streams) if (PRIVATE.has(s) && c.userId === null) throw new WsError(`stream ${s} needs LOGIN first`);
      if (c.streams.size + streams.filter((s) => !c.streams.has(s)).length > limits.subscriptionsMax) throw new WsError(`at most ${limits.subscriptionsMax} streams per connection`);
      for (const s of streams) c.streams.add(s);
      send(c, { result: null, id });
      // Snapshots right after the acknowledgement, so a client starts from a consistent state.
      for (const s of streams) {
        if (s.endsWith('@depth')) {
          const m = ctx.markets.binance(s.slice(0, -'@depth'.length).toUpperCase());
          const book = ctx.engine.core.market(m.symbol).book;
          const lv = (l: Array<[number, number]>) => l.map(([p, n]) => [price(m, p), qty(m, n)]);
          send(c, { stream: s, data: { e: 'depthSnapshot', s: m.binance, lastUpdateId: ctx.engine.core.seq, bids: lv(book.bids.depth(1000)), asks: lv(book.asks.depth(1000)) } });
        } else if (s === 'balances' && c.userId !== null) {
          send(c, { stream: s, data: { e: 'balances', balances: balancesJson(ctx, c.userId) } });
        }
      }
    }

    function normaliseStream(s: string): string {
      if (PRIVATE.has(s)) return s;
      // ccxt.pro asks for '<sym>@depth@100ms'; every diff is pushed as it happens, so the speed suffix is accepted and ignored.
      const m = /^([a-z0-9]{2,20})@(depth|trade|ticker)(@100ms)?$/.exec(s);
      if (m === null) throw new WsError(`unknown stream ${s.slice(0, 64)}`);
      ctx.markets.binance(m[1]!.toUpperCase());
      return `${m[1]}@${m[2]}`;
    }
  };
  return Object.assign(plugin, { connections: () => conns.size });
}

class WsError extends Error {}

function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function balancesJson(ctx: ApiContext, userId: number) {
  return balancesOf(ctx, userId).map((b) => ({ asset: b.asset, free: formatDecimal(b.available, b.decimals), locked: formatDecimal(b.locked + b.withdrawing + b.frozen, b.decimals) }));
}
