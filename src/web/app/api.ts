/**
 * The web app's one data layer: every REST call and the WebSocket live here, so
 * aligning with src/api (docs/api.md) is a change to this file only.
 *
 * REST: /api/v1, decimal strings for amounts, errors as `{ error: { code, message } }`.
 * Sessions: the server sets an HttpOnly session cookie and a readable CSRF cookie;
 * state-changing requests echo the CSRF token in X-CSRF-Token (OWASP signed double-submit).
 * WebSocket: /ws with Binance's SUBSCRIBE syntax; `<sym>@depth` (snapshot, then diffs
 * numbered U..u), `<sym>@trade`, `<sym>@ticker`; private `orders`, `fills`, `balances`
 * when the upgrade carried a session cookie.
 */
import { BACKOFF_DEFAULT, backoffDelayMs } from '../lib/backoff.ts';
import { type Diff, type Level, LocalBook } from '../lib/bookSync.ts';
import { FrameBatcher } from '../lib/frameBatcher.ts';
import type { MarketRules, OrderBody } from '../lib/orderForm.ts';

// ---- shapes (as src/api/v1.ts sends them) ------------------------------------------

export interface Market extends MarketRules {
  readonly status: string;
  readonly maxPrice: string;
  readonly maxQuantity: string;
  readonly makerFeeBps: number;
  readonly takerFeeBps: number;
}
export interface Ticker {
  market: string;
  last: string | null;
  open: string | null;
  high: string | null;
  low: string | null;
  volume: string;
  quoteVolume: string;
  bid: string | null;
  ask: string | null;
  trades: number;
  time: number;
}
export interface PublicTrade {
  id: number;
  price: string;
  quantity: string;
  takerSide: 'buy' | 'sell';
  time: number;
}
export interface Candle {
  openTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}
export interface Order {
  orderId: number;
  market: string;
  side: 'buy' | 'sell';
  type: 'limit' | 'market';
  timeInForce: string;
  postOnly: boolean;
  price: string | null;
  quantity: string;
  quoteQuantity: string | null;
  filledQuantity: string;
  filledQuote: string;
  status: string;
  clientOrderId: string | null;
  createdAt: number;
  updatedAt: number;
}
export interface Fill {
  tradeId: number;
  orderId: number;
  market: string;
  side: 'buy' | 'sell';
  price: string;
  quantity: string;
  quote: string;
  fee: string;
  feeAsset: string;
  liquidity: 'maker' | 'taker';
  time: number;
}
export interface Balance {
  asset: string;
  available: string;
  locked: string;
  withdrawing: string;
  frozen: string;
}
export interface ApiKey {
  keyId: string;
  label: string;
  permissions: string[];
  ipAllowlist: string[];
  createdAt: number;
  revokedAt: number | null;
}
export type Interval = '1m' | '5m' | '1h' | '1d';
export const INTERVALS: readonly Interval[] = ['1m', '5m', '1h', '1d'];

// ---- REST ----------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
  /** The route does not exist on this server yet (the UI shows an empty state). */
  get missing(): boolean {
    return this.status === 404 && (this.code === 'NOT_FOUND' || this.code === 'HTTP_404');
  }
}

const CSRF_COOKIE = '__Host-rampart_csrf';
/** Fired on window when a private call answers 401. */
export const UNAUTHENTICATED_EVENT = 'rampart:unauthenticated';
let csrfToken: string | null = null;

function csrf(): string | null {
  if (csrfToken !== null) return csrfToken;
  const m = new RegExp(`(?:^|;\\s*)${CSRF_COOKIE}=([^;]*)`).exec(document.cookie);
  return m?.[1] ?? null;
}

/** Request timeout: a hung request must not freeze a button for ever. */
const REQUEST_TIMEOUT_MS = 15_000;

async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const h: Record<string, string> = { accept: 'application/json', ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  if (method !== 'GET') {
    const t = csrf();
    if (t !== null) h['x-csrf-token'] = t;
  }
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers: h,
      credentials: 'same-origin',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (e) {
    throw new ApiError('NETWORK', e instanceof Error ? e.message : 'network error', 0);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
    // A session that expired (15 min idle, 12 h absolute) turns the page back to logged-out.
    if (res.status === 401 && path !== '/session') dispatchEvent(new Event(UNAUTHENTICATED_EVENT));
    throw new ApiError(err?.code ?? `HTTP_${res.status}`, err?.message ?? res.statusText, res.status);
  }
  return json as T;
}

const enc = encodeURIComponent;

export const api = {
  // public market data
  markets: () => call<{ markets: Market[] }>('GET', '/markets').then((r) => r.markets),
  ticker: (m: string) => call<Ticker>('GET', `/markets/${enc(m)}/ticker`),
  depth: (m: string, limit = 100) => call<{ lastUpdateId: number; bids: Level[]; asks: Level[] }>('GET', `/markets/${enc(m)}/depth?limit=${limit}`),
  trades: (m: string, limit = 50) => call<{ trades: PublicTrade[] }>('GET', `/markets/${enc(m)}/trades?limit=${limit}`).then((r) => r.trades),
  candles: (m: string, interval: Interval, limit = 300) => call<{ candles: Candle[] }>('GET', `/markets/${enc(m)}/candles?interval=${interval}&limit=${limit}`).then((r) => r.candles),
  health: () => call<{ status: string; seq: number; time: number }>('GET', '/health'),
  /** Public status page (components, incidents); not in src/api yet. */
  status: () => call<StatusReport>('GET', '/status'),

  // session
  async login(email: string, password: string, totp?: string): Promise<{ userId: number }> {
    const r = await call<{ userId: number; csrfToken: string }>('POST', '/session', totp === undefined ? { email, password } : { email, password, totp });
    csrfToken = r.csrfToken;
    return { userId: r.userId };
  },
  async logout(): Promise<void> {
    try {
      await call('DELETE', '/session');
    } finally {
      csrfToken = null;
    }
  },
  /** Sign-up; not in src/api yet (POST /api/v1/users is the obvious shape). */
  signup: (email: string, password: string) => call<{ userId: number }>('POST', '/users', { email, password }),

  // account
  balances: () => call<{ balances: Balance[] }>('GET', '/balances').then((r) => r.balances),
  orders: (status: 'open' | 'all', market?: string) => call<{ orders: Order[] }>('GET', `/orders?status=${status}${market === undefined ? '' : `&market=${enc(market)}`}`).then((r) => r.orders),
  fills: (market?: string, limit = 100) => call<{ fills: Fill[] }>('GET', `/fills?limit=${limit}${market === undefined ? '' : `&market=${enc(market)}`}`).then((r) => r.fills),
  placeOrder: (body: OrderBody, idempotencyKey: string) => call<{ order: Order; duplicate: boolean }>('POST', '/orders', body, { 'idempotency-key': idempotencyKey }),
  cancelOrder: (orderId: number) => call<{ order: Order }>('DELETE', `/orders/${orderId}`),
  amendOrder: (orderId: number, change: { price?: string; quantity?: string }) => call<{ order: Order }>('PATCH', `/orders/${orderId}`, change),
  apiKeys: () => call<{ apiKeys: ApiKey[] }>('GET', '/api-keys').then((r) => r.apiKeys),
  createApiKey: (label: string, permissions: string[]) => call<{ keyId: string; secret: string }>('POST', '/api-keys', { label, permissions }),
  revokeApiKey: (keyId: string) => call<{ ok: true }>('DELETE', `/api-keys/${enc(keyId)}`),

  // 2FA (not in src/api yet: the obvious shapes)
  totpSetup: () => call<{ secret: string; otpauthUri: string }>('POST', '/2fa/totp'),
  totpConfirm: (code: string) => call<{ recoveryCodes: string[] }>('POST', '/2fa/totp/confirm', { code }),

  // funding (not in src/api yet)
  aedDepositInstructions: () => call<{ iban: string; beneficiary: string; bank: string; reference: string }>('GET', '/deposits/AED/instructions'),
  cryptoDepositAddress: (asset: string) => call<{ asset: string; network: string; address: string; confirmationsRequired: number }>('GET', `/deposits/${enc(asset)}/address`),
  deposits: () => call<{ deposits: Array<{ id: string; asset: string; amount: string; confirmations: number; confirmationsRequired: number; status: string; time: number }> }>('GET', '/deposits').then((r) => r.deposits),
  withdrawalAddresses: () => call<{ addresses: Array<{ id: string; asset: string; address: string; label: string; usableAt: number }> }>('GET', '/withdrawal-addresses').then((r) => r.addresses),
  addWithdrawalAddress: (asset: string, address: string, label: string, totp: string) => call<{ id: string; usableAt: number }>('POST', '/withdrawal-addresses', { asset, address, label, totp }),
  withdraw: (asset: string, addressId: string, amount: string, totp: string) => call<{ id: string; status: string }>('POST', '/withdrawals', { asset, addressId, amount, totp }),

  // proof of reserves (not in src/api yet)
  reserves: () => call<ReservesReport>('GET', '/reserves'),
  myReservesProof: () => call<{ proof: unknown; expected: { customerId: string; balances: Record<string, string> } }>('GET', '/reserves/proof'),

  // staff console (not in src/api yet)
  staff: (path: string) => call<unknown>('GET', `/staff/${path}`),
  staffAction: (path: string, body: unknown) => call<unknown>('POST', `/staff/${path}`, body),
};

export interface StatusReport {
  status: 'operational' | 'degraded' | 'down';
  message?: string;
  components?: Array<{ name: string; status: string }>;
  incidents?: Array<{ id: string; title: string; status: string; time: number }>;
}
export interface ReservesReport {
  time: number;
  rootHash: string;
  snapshotTime?: string;
  journalSeq?: string;
  /** Per asset, as src/reserves' AssetCoverage: decimal strings, ratio rounded down ("∞" without liabilities). */
  assets: Array<{ asset: string; reserves: string; liabilities: string; ratio: string; covered?: boolean }>;
}

/** Session check without a /me route: a read-only private call succeeds only when logged in. */
export async function probeSession(): Promise<boolean> {
  try {
    await api.balances();
    return true;
  } catch {
    return false;
  }
}

/** A fresh idempotency key per submitted order (a double click sends the same key). */
export function newIdempotencyKey(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return `web-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}

// ---- WebSocket: live market data ----------------------------------------------------

export type ConnState = 'connecting' | 'live' | 'resyncing' | 'reconnecting';

export interface MarketView {
  readonly market: string;
  readonly conn: ConnState;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
  readonly trades: readonly PublicTrade[];
  readonly ticker: Ticker | null;
  /** Bumped on every private event (orders, fills, balances): panels refetch. */
  readonly accountVersion: number;
  readonly gaps: number;
  readonly reconnects: number;
}

/** Levels per side rendered. */
export const BOOK_ROWS = 14;
/** Recent trades kept. */
export const TRADES_MAX = 40;
/** Messages applied per frame before the rest wait for the next one (keeps a frame short). */
const FRAME_MESSAGES_MAX = 20_000;

type WsMessage = { stream?: string; data?: Record<string, unknown>; id?: unknown; result?: unknown; error?: { code: string; message: string } };
type Listener = () => void;

/** `BTC-AED` → `btcaed` (the stream prefix). */
export const streamSymbol = (market: string): string => market.replace('-', '').toLowerCase();

/**
 * One WebSocket for the page. Reconnects with jittered exponential backoff, keeps one
 * LocalBook per market in step by sequence number, resynchronises on a gap by
 * resubscribing (the server answers with a fresh snapshot), and batches everything
 * it receives into one view update per animation frame.
 */
export class LiveFeed {
  private ws: WebSocket | null = null;
  private market: string;
  private book = new LocalBook();
  private trades: PublicTrade[] = [];
  private ticker: Ticker | null = null;
  private conn: ConnState = 'connecting';
  private attempt = 0;
  private reconnects = 0;
  private accountVersion = 0;
  private privateStreams = false;
  private nextId = 1;
  private closed = false;
  private reopenOnOpen = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private view: MarketView;
  private readonly listeners = new Set<Listener>();
  private readonly batcher: FrameBatcher<WsMessage>;
  /** Messages received (for the e2e test and the dev overlay). */
  received = 0;

  constructor(market: string) {
    this.market = market;
    this.view = this.makeView();
    this.batcher = new FrameBatcher<WsMessage>((run) => requestAnimationFrame(run), (items) => this.applyBatch(items), FRAME_MESSAGES_MAX);
    this.connect();
  }

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  getView = (): MarketView => this.view;

  /** Switches market: drops the old streams, starts the new book from a snapshot. */
  setMarket(market: string): void {
    if (market === this.market) return;
    const old = this.market;
    this.market = market;
    this.book = new LocalBook();
    this.trades = [];
    this.ticker = null;
    this.send('UNSUBSCRIBE', this.publicStreams(old));
    this.send('SUBSCRIBE', this.publicStreams(market));
    void this.loadTrades(market);
    this.publish();
  }

  /** After login or logout the socket is reopened so the upgrade carries (or drops) the session cookie. */
  setAuthenticated(on: boolean): void {
    if (on === this.privateStreams) return;
    this.privateStreams = on;
    // A socket still connecting is closed as soon as it opens (closing it earlier makes the browser log an error).
    if (this.ws?.readyState === WebSocket.CONNECTING) this.reopenOnOpen = true;
    else this.ws?.close(1000, 'session changed');
  }

  /** Feeds one message as if it came from the socket (the e2e test forces a sequence gap with it). */
  inject(msg: unknown): void {
    this.batcher.push(msg as WsMessage);
  }

  /** Messages received and renders caused, for the e2e load test. */
  stats(): { received: number; flushes: number } {
    return { received: this.received, flushes: this.batcher.flushes };
  }

  /** Sequence state of the local book, for the e2e test. */
  bookState(): { state: string; lastUpdateId: number; gaps: number } {
    return { state: this.book.state, lastUpdateId: this.book.lastUpdateId, gaps: this.book.gaps };
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.ws?.close(1000, 'bye');
  }

  private publicStreams(market: string): string[] {
    const s = streamSymbol(market);
    return [`${s}@depth`, `${s}@trade`, `${s}@ticker`];
  }

  private connect(): void {
    if (this.closed) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      if (this.reopenOnOpen) {
        this.reopenOnOpen = false;
        ws.close(1000, 'session changed');
        return;
      }
      this.send('SUBSCRIBE', this.publicStreams(this.market));
      if (this.privateStreams) this.send('SUBSCRIBE', ['orders', 'fills', 'balances']);
    };
    ws.onmessage = (ev) => {
      this.received++;
      if (typeof ev.data !== 'string') return;
      let msg: WsMessage;
      try {
        msg = JSON.parse(ev.data) as WsMessage;
      } catch {
        return;
      }
      this.batcher.push(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.book.markStale();
      if (this.closed) return;
      this.conn = 'reconnecting';
      this.publish();
      // A close we asked for (session change) reconnects at once; others back off.
      const delay = this.attempt === 0 ? 50 : backoffDelayMs(this.attempt, BACKOFF_DEFAULT);
      this.attempt++;
      this.reconnects++;
      this.timer = setTimeout(() => this.connect(), delay);
    };
    ws.onerror = () => undefined;
    void this.loadTrades(this.market);
  }

  private send(method: string, params: string[]): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify({ method, params, id: this.nextId++ }));
  }

  private async loadTrades(market: string): Promise<void> {
    try {
      const list = await api.trades(market, TRADES_MAX);
      if (market !== this.market) return;
      // Merge with what the stream already delivered, newest first, no duplicates.
      const seen = new Set(this.trades.map((t) => t.id));
      const merged = [...this.trades, ...list.slice().reverse().filter((t) => !seen.has(t.id))];
      merged.sort((a, b) => b.id - a.id);
      this.trades = merged.slice(0, TRADES_MAX);
      this.publish();
    } catch {
      // The stream fills the list as trades happen.
    }
    try {
      const t = await api.ticker(market);
      if (market === this.market && this.ticker === null) {
        this.ticker = t;
        this.publish();
      }
    } catch {
      // idem
    }
  }

  private applyBatch(items: WsMessage[]): void {
    const sym = streamSymbol(this.market);
    let resync = false;
    for (const msg of items) {
      if (msg.error !== undefined || msg.stream === undefined || msg.data === undefined) continue;
      const d = msg.data;
      const stream = msg.stream;
      if (stream === 'orders' || stream === 'fills' || stream === 'balances') {
        this.accountVersion++;
        continue;
      }
      if (!stream.startsWith(`${sym}@`)) continue; // a late message of the previous market
      if (d.e === 'depthSnapshot') {
        this.book.applySnapshot({ lastUpdateId: d.lastUpdateId as number, bids: d.bids as Level[], asks: d.asks as Level[] });
        resync = false;
      } else if (d.e === 'depthUpdate') {
        const out = this.book.applyDiff({ U: d.U as number, u: d.u as number, b: d.b as Level[], a: d.a as Level[] } satisfies Diff);
        if (out === 'gap') resync = true;
      } else if (d.e === 'trade') {
        const t: PublicTrade = { id: d.t as number, price: d.p as string, quantity: d.q as string, takerSide: d.m === true ? 'sell' : 'buy', time: d.T as number };
        if (this.trades[0] === undefined || t.id > this.trades[0].id) {
          this.trades.unshift(t);
          if (this.trades.length > TRADES_MAX) this.trades.length = TRADES_MAX;
        }
      } else if (d.e === 'ticker') {
        this.ticker = d as unknown as Ticker;
      }
    }
    if (resync) {
      // Gap: our copy is stale; a fresh subscription brings a fresh snapshot, no reload.
      const s = `${sym}@depth`;
      this.send('UNSUBSCRIBE', [s]);
      this.send('SUBSCRIBE', [s]);
    }
    this.conn = this.ws?.readyState !== WebSocket.OPEN ? 'reconnecting' : this.book.state === 'live' ? 'live' : this.book.gaps > 0 ? 'resyncing' : 'connecting';
    this.publish();
  }

  private makeView(): MarketView {
    const top = this.book.state === 'syncing' ? { bids: [], asks: [] } : this.book.top(BOOK_ROWS);
    return {
      market: this.market,
      conn: this.conn,
      bids: top.bids,
      asks: top.asks,
      trades: this.trades.slice(),
      ticker: this.ticker,
      accountVersion: this.accountVersion,
      gaps: this.book.gaps,
      reconnects: this.reconnects,
    };
  }

  private publish(): void {
    this.view = this.makeView();
    for (const l of this.listeners) l();
  }
}
