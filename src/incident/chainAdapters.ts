import type { BtcRpc, RpcTx } from '../chains/btc/index.ts';
import type { Outflow as EthOutflow } from '../chains/eth/index.ts';
import type { ObservedOutflow } from './types.ts';

/**
 * Turning what the chain adapters report into ObservedOutflow. Bitcoin: a scanner over
 * the node's mempool and each new block that reports every tx spending an outpoint
 * Rampart owns (custody supplies the coin set: its UTXOs with address and value), so a
 * theft is seen when the node first shows it, not when it is mined. Ethereum: the
 * EthWatcher's `Outflow` (txs from watched addresses, in blocks) maps one to one.
 */

/** Rampart's spendable coins, by "txid:vout". */
export interface OwnCoins {
  get(outpoint: string): { address: string; valueMinor: bigint } | undefined;
}

/**
 * One tx as an outflow, or null if it spends no Rampart coin. Fee: inputs − outputs when
 * every input is Rampart's (an attacker spending a stolen key's coins); otherwise the
 * node's fee, if it gave one (then the loss check in loss.ts will refuse: a tx mixing
 * foreign inputs needs a human to attribute the fee).
 */
export function btcOutflowFromTx(tx: RpcTx, coins: OwnCoins, seenAtMs: number, where: 'mempool' | 'block'): ObservedOutflow | null {
  const inputs: Array<{ outpoint: string; address: string; valueMinor: bigint }> = [];
  let foreign = 0;
  for (const vin of tx.vin) {
    if (vin.coinbase) return null;
    const op = `${vin.txid}:${vin.vout}`;
    const c = coins.get(op);
    if (c === undefined) foreign++;
    else inputs.push({ outpoint: op, address: c.address, valueMinor: c.valueMinor });
  }
  if (inputs.length === 0) return null;
  const outputs = tx.vout.map((o) => ({ address: o.address ?? `script:${o.scriptPubKeyHex}`, valueMinor: o.valueSat }));
  const outSum = outputs.reduce((s, o) => s + o.valueMinor, 0n);
  const feeMinor = foreign === 0 ? inputs.reduce((s, i) => s + i.valueMinor, 0n) - outSum : (tx.feeSat ?? 0n);
  return { chain: 'BTC', txid: tx.txid, inputs, outputs, feeMinor, seenAtMs, where };
}

export const MEMPOOL_SEEN_MAX = 100_000;

/** Polls the node's mempool; each tx is fetched once (bounded memory of seen txids). */
export class BtcMempoolSpendScanner {
  readonly #rpc: BtcRpc;
  readonly #coins: OwnCoins;
  readonly #clock: () => number;
  readonly #seen = new Set<string>();

  constructor(rpc: BtcRpc, coins: OwnCoins, clock: () => number) {
    this.#rpc = rpc;
    this.#coins = coins;
    this.#clock = clock;
  }

  async scan(): Promise<ObservedOutflow[]> {
    const out: ObservedOutflow[] = [];
    const txids = await this.#rpc.getRawMempool();
    for (const txid of txids) {
      if (this.#seen.has(txid)) continue;
      if (this.#seen.size >= MEMPOOL_SEEN_MAX) this.#seen.delete(this.#seen.values().next().value as string);
      this.#seen.add(txid);
      let tx: RpcTx;
      try {
        tx = await this.#rpc.getRawTransaction(txid);
      } catch {
        continue; // left the mempool between the two calls (mined or replaced): the block scan sees it
      }
      const o = btcOutflowFromTx(tx, this.#coins, this.#clock(), 'mempool');
      if (o !== null) out.push(o);
    }
    return out;
  }
}

/** Every outflow in one block (the block scan catches what the mempool scan missed). */
export async function btcBlockOutflows(rpc: BtcRpc, blockHash: string, coins: OwnCoins, seenAtMs: number): Promise<ObservedOutflow[]> {
  const block = await rpc.getBlock(blockHash);
  const out: ObservedOutflow[] = [];
  for (const tx of block.tx) {
    const o = btcOutflowFromTx(tx, coins, seenAtMs, 'block');
    if (o !== null) out.push(o);
  }
  return out;
}

/** The EthWatcher's outflow (a tx from a watched address, in a block). */
export function ethOutflowFromWatcher(o: EthOutflow, seenAtMs: number): ObservedOutflow {
  return {
    chain: 'ETH',
    txid: o.hash,
    from: o.from,
    nonce: o.nonce,
    outputs: o.to === null ? [] : [{ address: o.to, valueMinor: o.valueWei }],
    feeMinor: o.feePaidWei,
    seenAtMs,
    where: 'block',
    status: o.status,
  };
}

/** What the pending scanner needs of an Ethereum client (EthClient satisfies it through `call`). */
export interface EthRpcLike {
  call(method: string, params?: unknown[]): Promise<unknown>;
}

function hexBig(v: unknown): bigint | null {
  return typeof v === 'string' && /^0x[0-9a-fA-F]{1,64}$/.test(v) ? BigInt(v) : null;
}

/**
 * Pending txs sent from watched addresses (the node's pending block), so an ETH theft
 * freezes when the node first shows it rather than when it is mined. The fee is the
 * most the tx can pay (gas limit × max fee per gas, or × gas price): custody registers
 * its intent's feeMaxMinor on the same basis; the mined tx (with its real fee) is
 * observed again from the block.
 */
export class EthPendingScanner {
  readonly #rpc: EthRpcLike;
  readonly #watched: Set<string>;
  readonly #clock: () => number;
  readonly #seen = new Set<string>();

  constructor(rpc: EthRpcLike, watched: Iterable<string>, clock: () => number) {
    this.#rpc = rpc;
    this.#watched = new Set([...watched].map((a) => a.toLowerCase()));
    this.#clock = clock;
  }

  watch(address: string): void {
    this.#watched.add(address.toLowerCase());
  }

  async scan(): Promise<ObservedOutflow[]> {
    const block = (await this.#rpc.call('eth_getBlockByNumber', ['pending', true])) as { transactions?: unknown } | null;
    const txs = Array.isArray(block?.transactions) ? (block.transactions as Array<Record<string, unknown>>) : [];
    const out: ObservedOutflow[] = [];
    for (const t of txs.slice(0, 100_000)) {
      const from = typeof t.from === 'string' ? t.from.toLowerCase() : '';
      const hash = typeof t.hash === 'string' ? t.hash.toLowerCase() : '';
      if (!this.#watched.has(from) || !/^0x[0-9a-f]{64}$/.test(hash) || this.#seen.has(hash)) continue;
      const nonce = hexBig(t.nonce);
      const value = hexBig(t.value);
      const gas = hexBig(t.gas);
      const price = hexBig(t.maxFeePerGas) ?? hexBig(t.gasPrice);
      if (nonce === null || value === null || gas === null || price === null) continue;
      if (this.#seen.size >= MEMPOOL_SEEN_MAX) this.#seen.delete(this.#seen.values().next().value as string);
      this.#seen.add(hash);
      const to = typeof t.to === 'string' ? t.to.toLowerCase() : null;
      out.push({ chain: 'ETH', txid: hash, from, nonce, outputs: to === null ? [] : [{ address: to, valueMinor: value }], feeMinor: gas * price, seenAtMs: this.#clock(), where: 'mempool' });
    }
    return out;
  }
}
