import type * as btc from '../../chains/btc/index.ts';
import { BtcChainError, RPC_CODE } from '../../chains/btc/index.ts';
import type * as eth from '../../chains/eth/index.ts';
import type { BtcTx, BtcTxSource, EthTransfer, EthTxSource } from '../trace.ts';
import type { ScreeningStore } from './store.ts';

/**
 * BtcTxSource over bitcoind's `getrawtransaction` (needs -txindex, or the devnet). The RPC's
 * inputs name only the spent outpoint, so each input's address and value come from the
 * previous transaction's output. Confirmed transactions are immutable once deep, so they are
 * kept in the store's cache (`btc_tx_cache`); mempool ones are not cached.
 */
export function btcRpcTxSource(rpc: Pick<btc.BtcRpc, 'getRawTransaction'>, store?: ScreeningStore): BtcTxSource {
  const raw = new Map<string, btc.RpcTx | null>();
  async function fetchRaw(txid: string): Promise<btc.RpcTx | null> {
    if (raw.has(txid)) return raw.get(txid) ?? null;
    let t: btc.RpcTx | null;
    try {
      t = await rpc.getRawTransaction(txid);
    } catch (e) {
      // "No such mempool or blockchain transaction": unknown to the source (the trace notes it).
      if (e instanceof BtcChainError && e.code === 'RPC_ERROR' && (e.details as { rpcCode?: number } | undefined)?.rpcCode === RPC_CODE.INVALID_ADDRESS_OR_KEY) t = null;
      else throw e;
    }
    raw.set(txid, t);
    return t;
  }
  return {
    async getTx(txid: string): Promise<BtcTx | null> {
      const cached = store?.getCachedBtcTx(txid);
      if (cached) return cached;
      const t = await fetchRaw(txid);
      if (t === null) return null;
      const inputs: BtcTx['inputs'][number][] = [];
      for (const vin of t.vin) {
        if (vin.coinbase) continue;
        const prev = await fetchRaw(vin.txid);
        const out = prev?.vout[vin.vout];
        // An input whose funding tx the node cannot show: the trace cannot be exact, so no answer.
        if (out === undefined) return null;
        inputs.push({ prevTxid: vin.txid, prevVout: vin.vout, address: out.address ?? null, valueSat: out.valueSat });
      }
      const tx: BtcTx = { txid: t.txid, inputs, outputs: t.vout.map((o) => ({ address: o.address ?? null, valueSat: o.valueSat })) };
      if (store && t.blockhash !== undefined && (t.confirmations ?? 0) > 0) store.putCachedBtcTx(tx);
      return tx;
    },
  };
}

/**
 * EthTxSource over a plain JSON-RPC node, which has no address index: native transfers are
 * found by scanning whole blocks in a bounded window `[beforeBlock - windowBlocks, beforeBlock)`.
 * Older history counts as untraced (the trace's figures are lower bounds). Production wants an
 * indexer behind the same interface. Blocks are cached in memory for the source's lifetime.
 */
export function ethScanTxSource(client: Pick<eth.EthClient, 'getBlock'>, options: { windowBlocks?: number } = {}): EthTxSource {
  const windowBlocks = options.windowBlocks ?? 256;
  const blocks = new Map<number, EthTransfer[]>();
  async function transfers(n: number): Promise<EthTransfer[]> {
    const hit = blocks.get(n);
    if (hit) return hit;
    const b = await client.getBlock(BigInt(n));
    const out: EthTransfer[] = [];
    b?.transactions.forEach((t, i) => {
      if (t.to !== null && t.valueWei > 0n) out.push({ hash: t.hash, from: t.from.toLowerCase(), to: t.to.toLowerCase(), valueWei: t.valueWei, blockNumber: n, txIndex: i });
    });
    blocks.set(n, out);
    return out;
  }
  async function scan(address: string, beforeBlock: number, side: 'to' | 'from'): Promise<EthTransfer[]> {
    const a = address.toLowerCase();
    const out: EthTransfer[] = [];
    for (let n = Math.max(0, beforeBlock - windowBlocks); n < beforeBlock; n++) for (const t of await transfers(n)) if (t[side] === a) out.push(t);
    return out;
  }
  return {
    getIncoming: (address, beforeBlock) => scan(address, beforeBlock, 'to'),
    getOutgoing: (address, beforeBlock) => scan(address, beforeBlock, 'from'),
  };
}
