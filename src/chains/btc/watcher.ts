import { type BtcNetwork, parseAddress } from './address.ts';
import { assert } from '../../shared/assert.ts';
import { BtcChainError } from './errors.ts';
import type { BtcRpc, RpcBlock } from './rpc.ts';

/**
 * Follows the chain through the RPC client and reports, per block, outputs paying watched
 * addresses (deposits) and spends of watched outpoints (outflows, for matching withdrawals).
 * Reorgs: the hashes of recent blocks are kept; when the node's chain no longer has one, that
 * block and those above it are reported as disconnected together with what they had reported,
 * so the caller can reverse exactly that. A deposit coming back in a new block is reported again
 * with the same txid:vout — callers key deposits by outpoint and are idempotent.
 * The watcher credits nothing; it only tells.
 */

export interface DepositSeen {
  txid: string;
  vout: number;
  address: string;
  amountSat: bigint;
  height: number;
  blockHash: string;
}
export interface SpendSeen {
  /** The watched outpoint that was spent. */
  txid: string;
  vout: number;
  spendingTxid: string;
  spendingVin: number;
  height: number;
  blockHash: string;
}
export interface ScannedBlock {
  height: number;
  hash: string;
  deposits: DepositSeen[];
  spends: SpendSeen[];
}
export interface PollResult {
  tipHeight: number;
  /** Blocks that left the active chain since the last poll, highest first. */
  disconnected: ScannedBlock[];
  /** Blocks newly scanned, lowest first. */
  connected: ScannedBlock[];
}

export interface WatcherOptions {
  rpc: BtcRpc;
  network: BtcNetwork;
  addresses: Iterable<string>;
  /** First height to scan. */
  startHeight: number;
  /** Outpoints ("txid:vout") whose spending is reported; deposits found are added automatically. */
  outpoints?: Iterable<string>;
  /** Deepest reorg handled; deeper is WATCHER_REORG_TOO_DEEP (operator attention). */
  reorgDepthMax?: number;
  /** Bound on blocks fetched per poll, so one poll cannot run unbounded. */
  blocksPerPollMax?: number;
}

/** Everything the watcher must remember across restarts, JSON-safe (amounts as decimal strings of satoshi). */
export interface WatcherState {
  nextHeight: number;
  recent: Array<{
    height: number;
    hash: string;
    deposits: Array<Omit<DepositSeen, 'amountSat'> & { amountSat: string }>;
    spends: SpendSeen[];
  }>;
  outpoints: string[];
}

export const WATCHER_DEFAULTS = { reorgDepthMax: 100, blocksPerPollMax: 50 } as const;
export const WATCHED_ADDRESSES_MAX = 1_000_000;

/** Confirmations of a block at `height` when the tip is `tipHeight` (1 = in the tip block). */
export function confirmationsAt(height: number, tipHeight: number): number {
  return height > tipHeight ? 0 : tipHeight - height + 1;
}

export class BtcWatcher {
  private readonly rpc: BtcRpc;
  private readonly network: BtcNetwork;
  private readonly addresses = new Set<string>();
  private readonly outpoints = new Set<string>();
  /** Recent scanned blocks, lowest first, at most reorgDepthMax. */
  private readonly recent: ScannedBlock[] = [];
  private nextHeight: number;
  private readonly reorgDepthMax: number;
  private readonly blocksPerPollMax: number;
  private lastTipHeight = -1;

  constructor(options: WatcherOptions) {
    this.rpc = options.rpc;
    this.network = options.network;
    if (!Number.isSafeInteger(options.startHeight) || options.startHeight < 0) throw new BtcChainError('WATCHER_CONFIG', 'startHeight must be a non-negative integer');
    this.nextHeight = options.startHeight;
    this.reorgDepthMax = options.reorgDepthMax ?? WATCHER_DEFAULTS.reorgDepthMax;
    this.blocksPerPollMax = options.blocksPerPollMax ?? WATCHER_DEFAULTS.blocksPerPollMax;
    for (const a of options.addresses) this.watchAddress(a);
    for (const o of options.outpoints ?? []) this.outpoints.add(o);
  }

  /** A snapshot to persist after handling a poll's result; restore with `BtcWatcher.restore`. */
  state(): WatcherState {
    return {
      nextHeight: this.nextHeight,
      recent: this.recent.map((b) => ({ ...b, deposits: b.deposits.map((d) => ({ ...d, amountSat: d.amountSat.toString() })), spends: b.spends.map((x) => ({ ...x })) })),
      outpoints: [...this.outpoints],
    };
  }

  /** Rebuilds a watcher from a persisted state (the addresses come from the caller, as at first start). */
  static restore(options: Omit<WatcherOptions, 'startHeight' | 'outpoints'>, state: WatcherState): BtcWatcher {
    if (!Number.isSafeInteger(state.nextHeight) || state.nextHeight < 0 || !Array.isArray(state.recent) || !Array.isArray(state.outpoints)) {
      throw new BtcChainError('WATCHER_STATE_INVALID', 'watcher state is malformed');
    }
    const w = new BtcWatcher({ ...options, startHeight: state.nextHeight, outpoints: state.outpoints });
    let prevHeight = -1;
    for (const b of state.recent) {
      if (!Number.isSafeInteger(b.height) || b.height <= prevHeight || !/^[0-9a-f]{64}$/.test(b.hash)) throw new BtcChainError('WATCHER_STATE_INVALID', 'watcher state blocks out of order');
      prevHeight = b.height;
      w.recent.push({
        height: b.height,
        hash: b.hash,
        deposits: b.deposits.map((d) => ({ ...d, amountSat: BigInt(d.amountSat) })),
        spends: b.spends.map((x) => ({ ...x })),
      });
    }
    if (prevHeight !== -1 && prevHeight !== state.nextHeight - 1) throw new BtcChainError('WATCHER_STATE_INVALID', 'nextHeight does not follow the last block');
    return w;
  }

  /** Adds an address (validated for the network; stored in canonical form). */
  watchAddress(address: string): void {
    if (this.addresses.size >= WATCHED_ADDRESSES_MAX) throw new BtcChainError('LIMIT_EXCEEDED', 'too many watched addresses');
    this.addresses.add(parseAddress(address, this.network).address);
  }

  watchOutpoint(txid: string, vout: number): void {
    this.outpoints.add(`${txid}:${vout}`);
  }

  get tipHeight(): number {
    return this.lastTipHeight;
  }

  /** Confirmations of a block at `height` as of the last poll. */
  confirmations(height: number): number {
    return confirmationsAt(height, this.lastTipHeight);
  }

  /** One step: detect reorgs against the node, then scan up to blocksPerPollMax new blocks. */
  async poll(): Promise<PollResult> {
    const info = await this.rpc.getBlockchainInfo();
    const tipHeight = info.blocks;
    const disconnected = await this.findDisconnected(tipHeight);
    for (const b of disconnected) {
      const top = this.recent.pop();
      assert(top?.hash === b.hash, 'watcher disconnects from the top');
      // Outpoints created by the disconnected block are no longer ours to follow.
      for (const d of b.deposits) this.outpoints.delete(`${d.txid}:${d.vout}`);
      this.nextHeight = b.height;
    }
    const connected: ScannedBlock[] = [];
    const last = Math.min(tipHeight, this.nextHeight + this.blocksPerPollMax - 1);
    for (let h = this.nextHeight; h <= last; h++) {
      const hash = await this.hashAt(h);
      if (hash === undefined) break; // the chain shrank since getblockchaininfo
      const block = await this.rpc.getBlock(hash);
      const prev = this.recent[this.recent.length - 1];
      // The chain moved between calls (a reorg raced us): stop; the next poll sees it.
      if (block.height !== h || (prev && prev.height === h - 1 && block.previousblockhash !== prev.hash)) break;
      const scanned = this.scanBlock(block);
      this.recent.push(scanned);
      if (this.recent.length > this.reorgDepthMax) this.recent.shift();
      this.nextHeight = h + 1;
      connected.push(scanned);
    }
    this.lastTipHeight = tipHeight;
    return { tipHeight, disconnected, connected };
  }

  /** Tracked blocks no longer on the node's active chain, highest first. Changes nothing. */
  private async findDisconnected(tipHeight: number): Promise<ScannedBlock[]> {
    const gone: ScannedBlock[] = [];
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const b = this.recent[i]!;
      if (b.height <= tipHeight && (await this.hashAt(b.height)) === b.hash) return gone;
      gone.push(b);
    }
    if (gone.length > 0 && gone.length >= this.reorgDepthMax) {
      throw new BtcChainError('WATCHER_REORG_TOO_DEEP', `reorg deeper than ${this.reorgDepthMax} blocks`, { depth: gone.length });
    }
    return gone;
  }

  /** The active chain's hash at `height`, or undefined when the node has no block there (-8). */
  private async hashAt(height: number): Promise<string | undefined> {
    try {
      return await this.rpc.getBlockHash(height);
    } catch (e) {
      if (e instanceof BtcChainError && e.code === 'RPC_ERROR' && e.details.rpcCode === -8) return undefined;
      throw e;
    }
  }

  private scanBlock(block: RpcBlock): ScannedBlock {
    const deposits: DepositSeen[] = [];
    const spends: SpendSeen[] = [];
    for (const tx of block.tx) {
      tx.vin.forEach((vin, i) => {
        if (vin.coinbase) return;
        const key = `${vin.txid}:${vin.vout}`;
        if (this.outpoints.has(key)) {
          spends.push({ txid: vin.txid, vout: vin.vout, spendingTxid: tx.txid, spendingVin: i, height: block.height, blockHash: block.hash });
        }
      });
      for (const out of tx.vout) {
        if (out.address === undefined || !this.addresses.has(out.address)) continue;
        deposits.push({ txid: tx.txid, vout: out.n, address: out.address, amountSat: out.valueSat, height: block.height, blockHash: block.hash });
        this.outpoints.add(`${tx.txid}:${out.n}`);
      }
    }
    return { height: block.height, hash: block.hash, deposits, spends };
  }

  /** Unconfirmed payments to watched addresses in the node's mempool (at most `txMax` looked at). */
  async scanMempool(txMax = 1000): Promise<Array<Omit<DepositSeen, 'height' | 'blockHash'>>> {
    const txids = (await this.rpc.getRawMempool()).slice(0, txMax);
    const found: Array<Omit<DepositSeen, 'height' | 'blockHash'>> = [];
    for (const txid of txids) {
      let tx: Awaited<ReturnType<BtcRpc['getRawTransaction']>>;
      try {
        tx = await this.rpc.getRawTransaction(txid);
      } catch (e) {
        // Mined or evicted since getrawmempool: not an error.
        if (e instanceof BtcChainError && e.code === 'RPC_ERROR' && e.details.rpcCode === -5) continue;
        throw e;
      }
      for (const out of tx.vout) {
        if (out.address !== undefined && this.addresses.has(out.address)) found.push({ txid, vout: out.n, address: out.address, amountSat: out.valueSat });
      }
    }
    return found;
  }
}
