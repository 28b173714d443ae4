import { z } from 'zod';
import { BtcChainError } from './errors.ts';
import { BtcAmountJson, JsonNumber, type JsonValue, parseJsonLossless, toJsonText } from './json.ts';

/**
 * Bitcoin Core JSON-RPC client (HTTP POST, basic auth, JSON-RPC 1.0 framing as bitcoind speaks it)
 * for the subset custody needs. Every response is validated with zod; amounts arrive as JSON
 * numbers in BTC and are converted to satoshi from their source text (see json.ts) — a float
 * never touches money. A node that lies (wrong shapes, > 8 decimals, negative or impossible
 * amounts) yields RPC_BAD_RESPONSE; one that stalls yields RPC_TIMEOUT. Never a crash, never a
 * wrong value.
 */

/** Consensus limit: 21 million BTC in satoshi (Bitcoin Core amount.h MAX_MONEY). */
export const MAX_MONEY_SAT = 2_100_000_000_000_000n;
const AMOUNT_RE = /^(0|[1-9][0-9]{0,7})(?:\.([0-9]{1,8}))?$/;

/** Parses a node's BTC amount literal (e.g. "0.00012345") to satoshi; null when not a valid amount. */
export function btcTextToSat(text: string): bigint | null {
  const m = AMOUNT_RE.exec(text);
  if (!m) return null;
  const sat = BigInt(m[1]!) * 100_000_000n + BigInt((m[2] ?? '').padEnd(8, '0'));
  return sat <= MAX_MONEY_SAT ? sat : null;
}

const num = z.custom<JsonNumber>((v) => v instanceof JsonNumber, 'expected a number');
const int = num.transform((n, ctx) => {
  const v = /^-?(0|[1-9][0-9]*)$/.test(n.text) ? Number(n.text) : Number.NaN;
  if (!Number.isSafeInteger(v)) {
    ctx.addIssue({ code: 'custom', message: `expected an integer, got ${n.text.slice(0, 40)}` });
    return z.NEVER;
  }
  return v;
});
const uint = int.refine((v) => v >= 0, 'expected a non-negative integer');
/** Non-money floats (difficulty, verificationprogress). */
const float = num.transform((n) => Number(n.text)).refine((v) => Number.isFinite(v), 'expected a finite number');
/** A BTC amount → satoshi bigint, refusing more than 8 decimals, exponents, negatives, > MAX_MONEY. */
const amountSat = num.transform((n, ctx) => {
  const sat = btcTextToSat(n.text);
  if (sat === null) {
    ctx.addIssue({ code: 'custom', message: `not a BTC amount with at most 8 decimals: ${n.text.slice(0, 40)}` });
    return z.NEVER;
  }
  return sat;
});
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters');
/** Hex of at most 8 MB of bytes (a block's max weight bound for a single tx is 4 MWU). */
const hexBytes = z.string().max(8_000_000).regex(/^(?:[0-9a-f]{2})*$/, 'expected hex bytes');

const scriptPubKeySchema = z.object({ hex: hexBytes, type: z.string().max(64), address: z.string().max(100).optional() });
const voutSchema = z.object({ value: amountSat, n: uint, scriptPubKey: scriptPubKeySchema });
const vinSchema = z.union([
  z.object({ coinbase: hexBytes, sequence: uint, txinwitness: z.array(hexBytes).max(10_000).optional() }),
  z.object({
    txid: hex64,
    vout: uint,
    scriptSig: z.object({ hex: hexBytes }),
    txinwitness: z.array(hexBytes).max(10_000).optional(),
    sequence: uint,
  }),
]);
const txSchema = z.object({
  txid: hex64,
  hash: hex64,
  version: int,
  size: uint,
  vsize: uint,
  weight: uint,
  locktime: uint,
  vin: z.array(vinSchema).min(1).max(100_000),
  vout: z.array(voutSchema).max(100_000),
  hex: hexBytes.optional(),
  fee: amountSat.optional(),
  blockhash: hex64.optional(),
  confirmations: int.optional(),
  time: uint.optional(),
  blocktime: uint.optional(),
});

export interface RpcVout {
  n: number;
  valueSat: bigint;
  scriptPubKeyHex: string;
  type: string;
  address?: string;
}
export type RpcVin =
  | { coinbase: true; coinbaseHex: string; sequence: number }
  | { coinbase: false; txid: string; vout: number; sequence: number; scriptSigHex: string; witness: string[] };
export interface RpcTx {
  txid: string;
  wtxid: string;
  version: number;
  size: number;
  vsize: number;
  weight: number;
  locktime: number;
  vin: RpcVin[];
  vout: RpcVout[];
  hex?: string;
  /** Present in getblock verbosity 2 for non-coinbase transactions. */
  feeSat?: bigint;
  /** getrawtransaction only, when confirmed. */
  blockhash?: string;
  confirmations?: number;
  blocktime?: number;
}

function toTx(t: z.infer<typeof txSchema>, where: string): RpcTx {
  t.vout.forEach((o, i) => {
    if (o.n !== i) throw new BtcChainError('RPC_BAD_RESPONSE', `${where}: vout[${i}].n is ${o.n}`);
  });
  const vin: RpcVin[] = t.vin.map((i) =>
    'coinbase' in i
      ? { coinbase: true, coinbaseHex: i.coinbase, sequence: i.sequence }
      : { coinbase: false, txid: i.txid, vout: i.vout, sequence: i.sequence, scriptSigHex: i.scriptSig.hex, witness: i.txinwitness ?? [] },
  );
  const vout: RpcVout[] = t.vout.map((o) => ({
    n: o.n,
    valueSat: o.value,
    scriptPubKeyHex: o.scriptPubKey.hex,
    type: o.scriptPubKey.type,
    ...(o.scriptPubKey.address !== undefined ? { address: o.scriptPubKey.address } : {}),
  }));
  const tx: RpcTx = { txid: t.txid, wtxid: t.hash, version: t.version, size: t.size, vsize: t.vsize, weight: t.weight, locktime: t.locktime, vin, vout };
  if (t.hex !== undefined) tx.hex = t.hex;
  if (t.fee !== undefined) tx.feeSat = t.fee;
  if (t.blockhash !== undefined) tx.blockhash = t.blockhash;
  if (t.confirmations !== undefined) tx.confirmations = t.confirmations;
  if (t.blocktime !== undefined) tx.blocktime = t.blocktime;
  return tx;
}

const blockchainInfoSchema = z.object({
  chain: z.string().max(32),
  blocks: uint,
  headers: uint,
  bestblockhash: hex64,
  mediantime: uint,
  verificationprogress: float,
  initialblockdownload: z.boolean(),
  pruned: z.boolean(),
});
export type BlockchainInfo = z.infer<typeof blockchainInfoSchema>;

const blockSchema = z.object({
  hash: hex64,
  /** -1 when the block is not on the active chain (bitcoind). */
  confirmations: int,
  height: uint,
  version: int,
  merkleroot: hex64,
  time: uint,
  mediantime: uint.optional(),
  nonce: uint,
  bits: z.string().regex(/^[0-9a-f]{8}$/),
  nTx: uint,
  previousblockhash: hex64.optional(),
  nextblockhash: hex64.optional(),
  tx: z.array(txSchema).min(1).max(1_000_000),
});
export interface RpcBlock {
  hash: string;
  confirmations: number;
  height: number;
  time: number;
  previousblockhash?: string;
  nextblockhash?: string;
  tx: RpcTx[];
}

const feeSchema = z.object({ feerate: amountSat.optional(), errors: z.array(z.string().max(1000)).max(100).optional(), blocks: uint });
export interface FeeEstimate {
  /** BTC/kvB from the node as satoshi per 1000 vbytes; undefined when the node has no estimate. */
  feeRateSatPerKvB?: bigint;
  blocks: number;
  errors: string[];
}

const acceptSchema = z.array(
  z.object({
    txid: hex64,
    wtxid: hex64.optional(),
    allowed: z.boolean().optional(),
    vsize: uint.optional(),
    fees: z.object({ base: amountSat }).optional(),
    'reject-reason': z.string().max(1000).optional(),
  }),
);
export interface MempoolAccept {
  txid: string;
  wtxid?: string;
  allowed: boolean;
  vsize?: number;
  feeSat?: bigint;
  rejectReason?: string;
}

export interface BtcRpcOptions {
  /** e.g. http://127.0.0.1:18443/ for bitcoind -regtest. */
  url: string;
  username?: string;
  password?: string;
  /** Per attempt, covering connect, headers and body. */
  timeoutMs?: number;
  /** Extra attempts after a transport failure or timeout (never after the node answered an error). */
  retriesMax?: number;
  retryDelayMs?: number;
  responseBytesMax?: number;
  fetch?: typeof fetch;
}

export const RPC_DEFAULTS = { timeoutMs: 10_000, retriesMax: 2, retryDelayMs: 100, responseBytesMax: 64 * 1024 * 1024 } as const;
export const RPC_RETRIES_MAX_LIMIT = 10;

export interface BtcRpc {
  /** Any method; returns the validated-as-JSON result. For devnet control and extensions. */
  call(method: string, params?: unknown[]): Promise<JsonValue>;
  getBlockchainInfo(): Promise<BlockchainInfo>;
  getBlockHash(height: number): Promise<string>;
  /** getblock <hash> 2: the block with decoded transactions. */
  getBlock(hash: string): Promise<RpcBlock>;
  getRawMempool(): Promise<string[]>;
  /** getrawtransaction <txid> true. */
  getRawTransaction(txid: string): Promise<RpcTx>;
  sendRawTransaction(hex: string, maxFeeRateSatPerKvB?: bigint): Promise<string>;
  estimateSmartFee(confTarget: number, mode?: 'economical' | 'conservative'): Promise<FeeEstimate>;
  testMempoolAccept(hexes: string[], maxFeeRateSatPerKvB?: bigint): Promise<MempoolAccept[]>;
}

function validate<T extends z.ZodType>(schema: T, value: JsonValue, method: string): z.output<T> {
  let r: ReturnType<T['safeParse']>;
  try {
    r = schema.safeParse(value) as ReturnType<T['safeParse']>;
  } catch (e) {
    throw new BtcChainError('RPC_BAD_RESPONSE', `${method}: response failed validation`, { method, reason: String(e).slice(0, 300) });
  }
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new BtcChainError('RPC_BAD_RESPONSE', `${method}: response has the wrong shape`, {
      method,
      path: issue?.path.join('.'),
      reason: issue?.message.slice(0, 300),
    });
  }
  return r.data as z.output<T>;
}

const envelopeSchema = z.object({
  result: z.unknown(),
  error: z.union([z.null(), z.object({ code: int, message: z.string().max(10_000) })]).optional(),
  id: z.unknown(),
});

class Transient extends Error {
  constructor(readonly inner: BtcChainError) {
    super(inner.message);
  }
}

async function readLimited(res: Response, bytesMax: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > bytesMax) throw new BtcChainError('RPC_RESPONSE_TOO_LARGE', `response of ${declared} bytes exceeds ${bytesMax}`);
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > bytesMax) {
      await reader.cancel();
      throw new BtcChainError('RPC_RESPONSE_TOO_LARGE', `response exceeds ${bytesMax} bytes`);
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
}

export function createBtcRpcClient(options: BtcRpcOptions): BtcRpc {
  const timeoutMs = options.timeoutMs ?? RPC_DEFAULTS.timeoutMs;
  const retriesMax = options.retriesMax ?? RPC_DEFAULTS.retriesMax;
  const retryDelayMs = options.retryDelayMs ?? RPC_DEFAULTS.retryDelayMs;
  const bytesMax = options.responseBytesMax ?? RPC_DEFAULTS.responseBytesMax;
  const doFetch = options.fetch ?? fetch;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new BtcChainError('RPC_CONFIG', 'timeoutMs must be a positive integer');
  if (!Number.isInteger(retriesMax) || retriesMax < 0 || retriesMax > RPC_RETRIES_MAX_LIMIT) {
    throw new BtcChainError('RPC_CONFIG', `retriesMax must be 0..${RPC_RETRIES_MAX_LIMIT}`);
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.username !== undefined || options.password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${options.username ?? ''}:${options.password ?? ''}`).toString('base64')}`;
  }
  let nextId = 1;

  async function attempt(method: string, body: string, id: number): Promise<JsonValue> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      let res: Response;
      try {
        res = await doFetch(options.url, { method: 'POST', headers, body, signal: controller.signal });
      } catch (e) {
        if (controller.signal.aborted) throw new Transient(new BtcChainError('RPC_TIMEOUT', `${method}: no answer within ${timeoutMs} ms`, { method, timeoutMs }));
        throw new Transient(new BtcChainError('RPC_TRANSPORT', `${method}: ${String(e).slice(0, 200)}`, { method }));
      }
      if (res.status === 401) throw new BtcChainError('RPC_UNAUTHORIZED', 'node refused the RPC credentials', { method });
      let text: string;
      try {
        text = await readLimited(res, bytesMax);
      } catch (e) {
        if (e instanceof BtcChainError) throw e;
        if (controller.signal.aborted) throw new Transient(new BtcChainError('RPC_TIMEOUT', `${method}: body not complete within ${timeoutMs} ms`, { method, timeoutMs }));
        throw new BtcChainError('RPC_BAD_RESPONSE', `${method}: unreadable body`, { method });
      }
      // bitcoind answers errors with HTTP 500 (404 unknown method, 400 invalid request) and a JSON-RPC body.
      if (res.status !== 200 && !(text.startsWith('{') && (res.status === 500 || res.status === 404 || res.status === 400))) {
        const err = new BtcChainError('RPC_HTTP_STATUS', `${method}: HTTP ${res.status}`, { method, status: res.status });
        if (res.status >= 502 && res.status <= 504) throw new Transient(err);
        throw err;
      }
      const envelope = validate(envelopeSchema, parseJsonLossless(text), method);
      if (!(envelope.id instanceof JsonNumber) || envelope.id.text !== String(id)) {
        throw new BtcChainError('RPC_BAD_RESPONSE', `${method}: response id does not match the request`, { method });
      }
      if (envelope.error) {
        throw new BtcChainError('RPC_ERROR', `${method}: ${envelope.error.message.slice(0, 500)}`, {
          method,
          rpcCode: envelope.error.code,
          rpcMessage: envelope.error.message.slice(0, 500),
        });
      }
      if (!('result' in envelope)) throw new BtcChainError('RPC_BAD_RESPONSE', `${method}: no result`, { method });
      return envelope.result as JsonValue;
    } finally {
      clearTimeout(timer);
    }
  }

  async function call(method: string, params: unknown[] = []): Promise<JsonValue> {
    const id = nextId++;
    const body = toJsonText({ jsonrpc: '1.0', id, method, params });
    let last: BtcChainError | undefined;
    for (let i = 0; i <= retriesMax; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, retryDelayMs * i));
      try {
        return await attempt(method, body, id);
      } catch (e) {
        if (!(e instanceof Transient)) throw e;
        last = e.inner;
      }
    }
    throw new BtcChainError(last!.code, last!.message, { ...last!.details, attempts: retriesMax + 1 });
  }

  function checkHex64(v: string, field: string): void {
    if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw new BtcChainError('RPC_BAD_REQUEST', `${field} must be 64 lowercase hex characters`);
  }
  function feeRateParam(sat: bigint | undefined): BtcAmountJson[] {
    if (sat === undefined) return [];
    if (sat < 0n || sat > MAX_MONEY_SAT) throw new BtcChainError('RPC_BAD_REQUEST', 'maxfeerate out of range');
    return [new BtcAmountJson(sat)];
  }

  return {
    call,
    async getBlockchainInfo() {
      return validate(blockchainInfoSchema, await call('getblockchaininfo'), 'getblockchaininfo');
    },
    async getBlockHash(height) {
      if (!Number.isSafeInteger(height) || height < 0) throw new BtcChainError('RPC_BAD_REQUEST', 'height must be a non-negative integer');
      return validate(hex64, await call('getblockhash', [height]), 'getblockhash');
    },
    async getBlock(hash) {
      checkHex64(hash, 'hash');
      const b = validate(blockSchema, await call('getblock', [hash, 2]), 'getblock');
      if (b.hash !== hash) throw new BtcChainError('RPC_BAD_RESPONSE', 'getblock: returned a different block', { hash });
      if (b.nTx !== b.tx.length) throw new BtcChainError('RPC_BAD_RESPONSE', 'getblock: nTx does not match tx count', { hash });
      if (b.height > 0 && b.previousblockhash === undefined) throw new BtcChainError('RPC_BAD_RESPONSE', 'getblock: missing previousblockhash', { hash });
      if (!b.tx[0]!.vin[0] || !('coinbase' in b.tx[0]!.vin[0])) throw new BtcChainError('RPC_BAD_RESPONSE', 'getblock: first tx is not a coinbase', { hash });
      const block: RpcBlock = { hash: b.hash, confirmations: b.confirmations, height: b.height, time: b.time, tx: b.tx.map((t) => toTx(t, 'getblock')) };
      if (b.previousblockhash !== undefined) block.previousblockhash = b.previousblockhash;
      if (b.nextblockhash !== undefined) block.nextblockhash = b.nextblockhash;
      return block;
    },
    async getRawMempool() {
      return validate(z.array(hex64).max(1_000_000), await call('getrawmempool'), 'getrawmempool');
    },
    async getRawTransaction(txid) {
      checkHex64(txid, 'txid');
      const t = toTx(validate(txSchema, await call('getrawtransaction', [txid, true]), 'getrawtransaction'), 'getrawtransaction');
      if (t.txid !== txid) throw new BtcChainError('RPC_BAD_RESPONSE', 'getrawtransaction: returned a different transaction', { txid });
      return t;
    },
    async sendRawTransaction(hex, maxFeeRateSatPerKvB) {
      if (typeof hex !== 'string' || !/^(?:[0-9a-f]{2})+$/.test(hex)) throw new BtcChainError('RPC_BAD_REQUEST', 'hex must be lowercase hex bytes');
      return validate(hex64, await call('sendrawtransaction', [hex, ...feeRateParam(maxFeeRateSatPerKvB)]), 'sendrawtransaction');
    },
    async estimateSmartFee(confTarget, mode = 'conservative') {
      if (!Number.isInteger(confTarget) || confTarget < 1 || confTarget > 1008) throw new BtcChainError('RPC_BAD_REQUEST', 'confTarget must be 1..1008');
      const r = validate(feeSchema, await call('estimatesmartfee', [confTarget, mode]), 'estimatesmartfee');
      const out: FeeEstimate = { blocks: r.blocks, errors: r.errors ?? [] };
      if (r.feerate !== undefined) out.feeRateSatPerKvB = r.feerate;
      return out;
    },
    async testMempoolAccept(hexes, maxFeeRateSatPerKvB) {
      if (!Array.isArray(hexes) || hexes.length === 0 || hexes.length > 25) throw new BtcChainError('RPC_BAD_REQUEST', '1..25 transactions');
      const r = validate(acceptSchema, await call('testmempoolaccept', [hexes, ...feeRateParam(maxFeeRateSatPerKvB)]), 'testmempoolaccept');
      if (r.length !== hexes.length) throw new BtcChainError('RPC_BAD_RESPONSE', 'testmempoolaccept: one result per transaction expected');
      return r.map((x) => {
        const out: MempoolAccept = { txid: x.txid, allowed: x.allowed === true };
        if (x.wtxid !== undefined) out.wtxid = x.wtxid;
        if (x.vsize !== undefined) out.vsize = x.vsize;
        if (x.fees !== undefined) out.feeSat = x.fees.base;
        if (x['reject-reason'] !== undefined) out.rejectReason = x['reject-reason'];
        return out;
      });
    },
  };
}
