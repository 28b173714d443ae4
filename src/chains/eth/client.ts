import { BaseError, createPublicClient, HttpRequestError, http, type PublicClient, ResponseBodyTooLargeError, TimeoutError } from 'viem';
import { z } from 'zod';
import { assert } from '../../shared/assert.ts';
import { type EthAddress, LENIENT_ADDRESS_POLICY, parseAddress } from './address.ts';
import { ChainError } from './errors.ts';

export type Hex = `0x${string}`;
export type Hash = `0x${string}`;

export interface EthTx {
  hash: Hash;
  from: EthAddress;
  /** null for contract creation. */
  to: EthAddress | null;
  valueWei: bigint;
  nonce: bigint;
  /** 0 legacy, 1 EIP-2930, 2 EIP-1559, … */
  type: number;
  gasLimit: bigint;
  input: Hex;
  maxFeePerGasWei: bigint | null;
  maxPriorityFeePerGasWei: bigint | null;
  gasPriceWei: bigint | null;
  blockNumber: bigint | null;
  blockHash: Hash | null;
}

export interface EthBlock {
  number: bigint;
  hash: Hash;
  parentHash: Hash;
  timestampSec: bigint;
  baseFeePerGasWei: bigint | null;
  transactions: EthTx[];
}

export interface EthReceipt {
  transactionHash: Hash;
  blockNumber: bigint;
  blockHash: Hash;
  from: EthAddress;
  to: EthAddress | null;
  status: 'success' | 'reverted';
  gasUsed: bigint;
  effectiveGasPriceWei: bigint;
  /** gasUsed × effectiveGasPrice: what the sender paid (EIP-1559 burn + tip). */
  feePaidWei: bigint;
}

/** Fee caps we are willing to pay; the policy decides, never the node alone. */
export interface FeePolicy {
  priorityFeeMinWei: bigint;
  priorityFeeMaxWei: bigint;
  /** Hard ceiling for maxFeePerGas. */
  maxFeePerGasCapWei: bigint;
  /**
   * maxFee = baseFee × multiplier + priority. 2 keeps a tx includable through
   * six consecutive full blocks (EIP-1559: base fee moves at most 12.5% a block).
   */
  baseFeeMultiplier: bigint;
}

export const DEFAULT_FEE_POLICY: FeePolicy = Object.freeze({
  priorityFeeMinWei: 1_000_000n, // 0.001 gwei
  priorityFeeMaxWei: 5_000_000_000n, // 5 gwei
  maxFeePerGasCapWei: 500_000_000_000n, // 500 gwei
  baseFeeMultiplier: 2n,
});

export interface Eip1559Fees {
  baseFeeWei: bigint;
  maxFeePerGasWei: bigint;
  maxPriorityFeePerGasWei: bigint;
}

/**
 * Pure fee decision. The priority fee is the node's suggestion clamped to the
 * policy; maxFee = baseFee × multiplier + priority, clamped to the cap. If the
 * cap cannot even cover baseFee + priority the tx would never be mined: refuse.
 */
export function computeFees(baseFeeWei: bigint, suggestedPriorityWei: bigint | null, policy: FeePolicy): Eip1559Fees {
  assert(baseFeeWei >= 0n && policy.baseFeeMultiplier >= 1n, 'fee inputs are sane', { baseFeeWei });
  assert(policy.priorityFeeMinWei <= policy.priorityFeeMaxWei, 'priority min <= max');
  let priority = suggestedPriorityWei ?? policy.priorityFeeMinWei;
  if (priority < policy.priorityFeeMinWei) priority = policy.priorityFeeMinWei;
  if (priority > policy.priorityFeeMaxWei) priority = policy.priorityFeeMaxWei;
  let maxFee = baseFeeWei * policy.baseFeeMultiplier + priority;
  if (maxFee > policy.maxFeePerGasCapWei) maxFee = policy.maxFeePerGasCapWei;
  if (maxFee < baseFeeWei + priority) {
    throw new ChainError('FEE_CAP_EXCEEDED', 'current base fee plus tip is above the policy cap', {
      baseFeeWei: baseFeeWei.toString(),
      priorityWei: priority.toString(),
      capWei: policy.maxFeePerGasCapWei.toString(),
    });
  }
  assert(priority <= maxFee, 'priority fee never exceeds max fee');
  return { baseFeeWei, maxFeePerGasWei: maxFee, maxPriorityFeePerGasWei: priority };
}

// ---- Response validation ---------------------------------------------------

/** uint256 quantity: at most 64 hex digits. */
const quantity = z
  .string()
  .regex(/^0x[0-9a-fA-F]{1,64}$/)
  .transform((s) => BigInt(s));
const hash32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/)
  .transform((s) => s.toLowerCase() as Hash);
const hexData = z
  .string()
  .regex(/^0x([0-9a-fA-F]{2})*$/)
  .transform((s) => s as Hex);
const address = z.string().transform((s, ctx) => {
  try {
    return parseAddress(s, { ...LENIENT_ADDRESS_POLICY, allowZero: true });
  } catch {
    ctx.addIssue({ code: 'custom', message: 'bad address' });
    return z.NEVER;
  }
});

const txSchema = z.object({
  hash: hash32,
  from: address,
  to: address.nullable().optional(),
  value: quantity,
  nonce: quantity,
  type: quantity.optional(),
  gas: quantity,
  input: hexData,
  maxFeePerGas: quantity.nullable().optional(),
  maxPriorityFeePerGas: quantity.nullable().optional(),
  gasPrice: quantity.nullable().optional(),
  blockNumber: quantity.nullable().optional(),
  blockHash: hash32.nullable().optional(),
});

function toTx(t: z.infer<typeof txSchema>): EthTx {
  return {
    hash: t.hash,
    from: t.from,
    to: t.to ?? null,
    valueWei: t.value,
    nonce: t.nonce,
    type: Number(t.type ?? 0n),
    gasLimit: t.gas,
    input: t.input,
    maxFeePerGasWei: t.maxFeePerGas ?? null,
    maxPriorityFeePerGasWei: t.maxPriorityFeePerGas ?? null,
    gasPriceWei: t.gasPrice ?? null,
    blockNumber: t.blockNumber ?? null,
    blockHash: t.blockHash ?? null,
  };
}

const blockSchema = z.object({
  number: quantity,
  hash: hash32,
  parentHash: hash32,
  timestamp: quantity,
  baseFeePerGas: quantity.nullable().optional(),
  transactions: z.array(txSchema).max(100_000),
});

const receiptSchema = z.object({
  transactionHash: hash32,
  blockNumber: quantity,
  blockHash: hash32,
  from: address,
  to: address.nullable().optional(),
  status: z.enum(['0x0', '0x1']),
  gasUsed: quantity,
  effectiveGasPrice: quantity,
});

function validate<T>(schema: z.ZodType<T, unknown>, value: unknown, method: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new ChainError('RPC_BAD_RESPONSE', `${method}: node returned a malformed result`, {
      method,
      issues: r.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  }
  return r.data;
}

// ---- Client ----------------------------------------------------------------

export interface EthClientOptions {
  rpcUrl: string;
  /** EIP-155 chain id we expect; `connect` refuses any other. */
  chainId: number;
  timeoutMs?: number;
  /** Retries after the first attempt, for timeouts and connection errors only. */
  retriesMax?: number;
  retryDelayMs?: number;
  /** Refuse larger bodies (a full mainnet block is a few MB). Default 16 MiB. */
  responseBytesMax?: number;
}

export type BlockTag = bigint | 'latest' | 'pending';

export interface SendResult {
  hash: Hash;
  /** The node already had this exact transaction (a harmless resend). */
  alreadyKnown: boolean;
}

const RETRIES_MAX_LIMIT = 10;
const TIMEOUT_MS_DEFAULT = 5_000;
const RESPONSE_BYTES_MAX_DEFAULT = 16 * 1024 * 1024;

function tag(b: BlockTag): string {
  return typeof b === 'bigint' ? `0x${b.toString(16)}` : b;
}

/** All text of a viem error chain, for classifying node rejections. */
function errorText(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 8; depth++) {
    if (cur instanceof BaseError) parts.push(cur.shortMessage, cur.details);
    else if (cur instanceof Error) parts.push(cur.message);
    cur = (cur as { cause?: unknown }).cause;
  }
  return parts.join(' | ');
}

/**
 * Validated, bounded access to one Ethereum JSON-RPC node through viem's
 * public client. Every result is schema-checked; timeouts and connection
 * failures are retried a bounded number of times, then surface as typed errors.
 */
export class EthClient {
  readonly rpcUrl: string;
  readonly chainId: number;
  private readonly viem: PublicClient;
  private readonly retriesMax: number;
  private readonly retryDelayMs: number;

  constructor(opts: EthClientOptions) {
    const retriesMax = opts.retriesMax ?? 2;
    assert(retriesMax >= 0 && retriesMax <= RETRIES_MAX_LIMIT, 'retriesMax in 0..10');
    assert(Number.isSafeInteger(opts.chainId) && opts.chainId > 0, 'chainId positive');
    this.rpcUrl = opts.rpcUrl;
    this.chainId = opts.chainId;
    this.retriesMax = retriesMax;
    this.retryDelayMs = opts.retryDelayMs ?? 100;
    // viem's own retry is off: ours is bounded and only retries what is safe.
    this.viem = createPublicClient({
      transport: http(opts.rpcUrl, {
        timeout: opts.timeoutMs ?? TIMEOUT_MS_DEFAULT,
        retryCount: 0,
        maxResponseBodySize: opts.responseBytesMax ?? RESPONSE_BYTES_MAX_DEFAULT,
      }),
    });
  }

  /** Create a client and check the node's chain id (EIP-155) before any use. */
  static async connect(opts: EthClientOptions): Promise<EthClient> {
    const c = new EthClient(opts);
    const got = await c.nodeChainId();
    if (got !== opts.chainId) {
      throw new ChainError('CHAIN_ID_MISMATCH', 'node serves another chain', { expected: opts.chainId, got });
    }
    return c;
  }

  /** One JSON-RPC call with bounded retries for transport failures. */
  async call(method: string, params: unknown[] = []): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        // biome-ignore lint/suspicious/noExplicitAny: raw EIP-1193 request, validated by the caller
        return await this.viem.request({ method: method as any, params: params as any });
      } catch (e) {
        const err = this.classify(e, method);
        const retryable = err.code === 'RPC_TIMEOUT' || err.code === 'RPC_UNAVAILABLE';
        if (!retryable || attempt >= this.retriesMax) throw err;
        await new Promise((r) => setTimeout(r, this.retryDelayMs * (attempt + 1)));
      }
    }
  }

  private classify(e: unknown, method: string): ChainError {
    if (e instanceof ChainError) return e;
    const text = errorText(e);
    const details = { method, reason: text.slice(0, 500) };
    const walk = (pred: (x: unknown) => boolean): boolean => e instanceof BaseError && e.walk(pred) !== null;
    if (walk((x) => x instanceof ResponseBodyTooLargeError)) return new ChainError('RPC_BAD_RESPONSE', `${method}: response body too large`, details);
    if (walk((x) => x instanceof TimeoutError)) return new ChainError('RPC_TIMEOUT', `${method}: node did not answer in time`, details);
    if (e instanceof BaseError) {
      const http = e.walk((x) => x instanceof HttpRequestError) as HttpRequestError | null;
      if (http) {
        // Non-2xx (502 from a proxy, 503 overloaded) or no answer: transient, retried.
        // A 2xx whose body is not JSON: a live server sending garbage, not retried.
        const failingStatus = http.status !== undefined && (http.status < 200 || http.status >= 300);
        if (!failingStatus && /JSON|Unexpected token|not valid/i.test(text)) return new ChainError('RPC_BAD_RESPONSE', `${method}: node sent garbage`, details);
        return new ChainError('RPC_UNAVAILABLE', `${method}: node unreachable or failing`, { ...details, httpStatus: http.status });
      }
    }
    return new ChainError('RPC_ERROR', `${method}: node returned an error`, details);
  }

  async nodeChainId(): Promise<number> {
    const id = validate(quantity, await this.call('eth_chainId'), 'eth_chainId');
    assert(id <= BigInt(Number.MAX_SAFE_INTEGER), 'chain id fits a number');
    return Number(id);
  }

  async blockNumber(): Promise<bigint> {
    return validate(quantity, await this.call('eth_blockNumber'), 'eth_blockNumber');
  }

  /** Block with full transactions, or null when the node has no such block. */
  async getBlock(at: BlockTag): Promise<EthBlock | null> {
    const raw = await this.call('eth_getBlockByNumber', [tag(at), true]);
    if (raw === null) return null;
    const b = validate(blockSchema, raw, 'eth_getBlockByNumber');
    if (typeof at === 'bigint' && b.number !== at) {
      throw new ChainError('RPC_BAD_RESPONSE', 'node returned another block than asked', { asked: at.toString(), got: b.number.toString() });
    }
    const txs = b.transactions.map(toTx);
    for (const t of txs) {
      if (t.blockHash !== null && t.blockHash !== b.hash) {
        throw new ChainError('RPC_BAD_RESPONSE', 'transaction block hash differs from its block', { tx: t.hash });
      }
    }
    return { number: b.number, hash: b.hash, parentHash: b.parentHash, timestampSec: b.timestamp, baseFeePerGasWei: b.baseFeePerGas ?? null, transactions: txs };
  }

  async getTransaction(hash: Hash): Promise<EthTx | null> {
    const raw = await this.call('eth_getTransactionByHash', [hash]);
    if (raw === null) return null;
    const t = toTx(validate(txSchema, raw, 'eth_getTransactionByHash'));
    if (t.hash !== hash.toLowerCase()) throw new ChainError('RPC_BAD_RESPONSE', 'node returned another transaction', { hash });
    return t;
  }

  async getReceipt(hash: Hash): Promise<EthReceipt | null> {
    const raw = await this.call('eth_getTransactionReceipt', [hash]);
    if (raw === null) return null;
    const r = validate(receiptSchema, raw, 'eth_getTransactionReceipt');
    if (r.transactionHash !== hash.toLowerCase()) throw new ChainError('RPC_BAD_RESPONSE', 'node returned another receipt', { hash });
    return {
      transactionHash: r.transactionHash,
      blockNumber: r.blockNumber,
      blockHash: r.blockHash,
      from: r.from,
      to: r.to ?? null,
      status: r.status === '0x1' ? 'success' : 'reverted',
      gasUsed: r.gasUsed,
      effectiveGasPriceWei: r.effectiveGasPrice,
      feePaidWei: r.gasUsed * r.effectiveGasPrice,
    };
  }

  async getBalance(addr: EthAddress, at: BlockTag = 'latest'): Promise<bigint> {
    return validate(quantity, await this.call('eth_getBalance', [addr, tag(at)]), 'eth_getBalance');
  }

  /** Transaction count: 'pending' includes the node's mempool, 'latest' only mined. */
  async getNonce(addr: EthAddress, at: BlockTag = 'pending'): Promise<bigint> {
    return validate(quantity, await this.call('eth_getTransactionCount', [addr, tag(at)]), 'eth_getTransactionCount');
  }

  async getCode(addr: EthAddress, at: BlockTag = 'latest'): Promise<Hex> {
    return validate(hexData, await this.call('eth_getCode', [addr, tag(at)]), 'eth_getCode');
  }

  /** EIP-1559 fees for the next block under `policy`. */
  async feeData(policy: FeePolicy = DEFAULT_FEE_POLICY): Promise<Eip1559Fees> {
    const latest = await this.getBlock('latest');
    if (latest === null) throw new ChainError('BLOCK_NOT_FOUND', 'node has no latest block', {});
    if (latest.baseFeePerGasWei === null) throw new ChainError('RPC_BAD_RESPONSE', 'latest block has no base fee (pre-London chain?)', {});
    let suggested: bigint | null = null;
    try {
      suggested = validate(quantity, await this.call('eth_maxPriorityFeePerGas'), 'eth_maxPriorityFeePerGas');
    } catch (e) {
      // Not every node implements it; the policy floor then applies.
      if (!(e instanceof ChainError) || e.code !== 'RPC_ERROR') throw e;
    }
    return computeFees(latest.baseFeePerGasWei, suggested, policy);
  }

  /**
   * Broadcast a signed transaction. Resending the same bytes is harmless: a
   * node that already has it answers "already known" (→ alreadyKnown: true).
   */
  async sendRawTransaction(raw: Hex, expectedHash: Hash): Promise<SendResult> {
    try {
      const h = validate(hash32, await this.call('eth_sendRawTransaction', [raw]), 'eth_sendRawTransaction');
      if (h !== expectedHash.toLowerCase()) throw new ChainError('RPC_BAD_RESPONSE', 'node reports another hash', { expectedHash, got: h });
      return { hash: h, alreadyKnown: false };
    } catch (e) {
      if (!(e instanceof ChainError) || e.code !== 'RPC_ERROR') throw e;
      const reason = String(e.details.reason ?? '');
      if (/already known|known transaction|already imported/i.test(reason)) return { hash: expectedHash, alreadyKnown: true };
      if (/nonce too low/i.test(reason)) throw new ChainError('NONCE_TOO_LOW', 'nonce already used on chain', { hash: expectedHash, reason });
      if (/underpriced|replacement/i.test(reason)) throw new ChainError('REPLACEMENT_UNDERPRICED', 'replacement fee bump too small', { hash: expectedHash, reason });
      throw new ChainError('TX_REJECTED', `node rejected the transaction: ${reason.slice(0, 200)}`, { hash: expectedHash, reason });
    }
  }
}
