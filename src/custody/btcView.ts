import * as btc from '../chains/btc/index.ts';
import { assert } from '../shared/assert.ts';

/** What an address of Rampart's is for (BIP84 accounts: hot 0, deposits 1 of the signer's seed; cold: its own seed). */
export type BtcRole = { role: 'deposit'; userId: number } | { role: 'hot'; chain: 0 | 1; index: number } | { role: 'cold'; chain: 0 | 1; index: number };

export interface TrackedUtxo {
  readonly txid: string;
  readonly vout: number;
  readonly valueSat: bigint;
  readonly address: string;
  readonly owner: BtcRole;
  readonly height: number;
  readonly blockHash: string;
  /** Spent in a block (height, hash) or reserved by a broadcast transaction not yet mined. */
  spentBy: { txid: string; height: number | null; blockHash: string | null } | null;
}

export interface BtcViewOptions {
  readonly rpc: btc.BtcRpc;
  readonly network: btc.BtcNetwork;
  readonly startHeight: number;
  readonly depositXpub: string;
  readonly hotXpub: string;
  readonly coldXpub?: string;
  /** Cold receive addresses 0..n-1 are watched (default 1). */
  readonly coldAddressCount?: number;
  readonly reorgDepthMax?: number;
  /** Resume from `exportState()` (after a restart) instead of scanning from startHeight. */
  readonly state?: BtcViewState;
}

/** What the view needs to resume: the watcher's position and recent blocks, the UTXO set, the watched users. */
export interface BtcViewState {
  readonly watcher: ReturnType<btc.BtcWatcher['state']>;
  readonly utxos: TrackedUtxo[];
  readonly userIds: number[];
}

/**
 * Rampart's view of its own Bitcoin: one watcher over every address it owns (customer deposit
 * addresses derived from the deposit account xpub, hot receive/change, cold receive/change
 * derived from the cold xpub), and the UTXO set those addresses hold, kept through reorgs.
 * It holds no private key.
 */
export class BtcChainView {
  readonly network: btc.BtcNetwork;
  readonly rpc: btc.BtcRpc;
  private readonly watcher: btc.BtcWatcher;
  private readonly owners = new Map<string, BtcRole>();
  private readonly utxos = new Map<string, TrackedUtxo>();
  private readonly depositAccount: ReturnType<typeof btc.parseAccountXpub>;
  readonly hotAddress: string;
  readonly hotChangeAddress: string;
  readonly coldAddresses: string[] = [];
  readonly coldChangeAddress: string | undefined;

  constructor(o: BtcViewOptions) {
    this.network = o.network;
    this.rpc = o.rpc;
    this.depositAccount = btc.parseAccountXpub(o.depositXpub, o.network);
    const wo = { rpc: o.rpc, network: o.network, addresses: [], ...(o.reorgDepthMax !== undefined ? { reorgDepthMax: o.reorgDepthMax } : {}) };
    this.watcher = o.state ? btc.BtcWatcher.restore(wo, o.state.watcher) : new btc.BtcWatcher({ ...wo, startHeight: o.startHeight });
    this.hotAddress = this.own(btc.deriveReceiveAddress(o.hotXpub, o.network, 0).address, { role: 'hot', chain: 0, index: 0 });
    this.hotChangeAddress = this.own(btc.deriveChangeAddress(o.hotXpub, o.network, 0).address, { role: 'hot', chain: 1, index: 0 });
    if (o.coldXpub !== undefined) {
      for (let i = 0; i < (o.coldAddressCount ?? 1); i++) this.coldAddresses.push(this.own(btc.deriveReceiveAddress(o.coldXpub, o.network, i).address, { role: 'cold', chain: 0, index: i }));
      this.coldChangeAddress = this.own(btc.deriveChangeAddress(o.coldXpub, o.network, 0).address, { role: 'cold', chain: 1, index: 0 });
    }
    if (o.state) {
      for (const id of o.state.userIds) this.watchUser(id);
      for (const u of o.state.utxos) {
        const owner = this.owners.get(u.address);
        if (owner !== undefined) this.utxos.set(`${u.txid}:${u.vout}`, { ...u, owner, spentBy: u.spentBy === null ? null : { ...u.spentBy } });
      }
    }
  }

  /** JSON-safe with custody's bigint codec (json.ts); persist after each tick. */
  exportState(): BtcViewState {
    const userIds: number[] = [];
    for (const o of this.owners.values()) if (o.role === 'deposit') userIds.push(o.userId);
    return { watcher: this.watcher.state(), utxos: [...this.utxos.values()].map((u) => ({ ...u, spentBy: u.spentBy === null ? null : { ...u.spentBy } })), userIds };
  }

  private own(address: string, role: BtcRole): string {
    this.owners.set(address, role);
    this.watcher.watchAddress(address);
    return address;
  }

  /** Deterministic: BIP84 deposit account, receive chain, index = userId. */
  addressFor(userId: number): string {
    assert(Number.isSafeInteger(userId) && userId > 0, 'userId is a positive integer');
    return btc.deriveAddress(this.depositAccount, this.network, 0, userId).address;
  }

  watchUser(userId: number): string {
    const a = this.addressFor(userId);
    if (!this.owners.has(a)) this.own(a, { role: 'deposit', userId });
    return a;
  }

  ownerOf(address: string): BtcRole | undefined {
    return this.owners.get(address);
  }

  get tipHeight(): number {
    return this.watcher.tipHeight;
  }

  confirmations(height: number): number {
    return this.watcher.confirmations(height);
  }

  /** One watcher step; the UTXO set follows connected and disconnected blocks. */
  async poll(): Promise<btc.PollResult> {
    const r = await this.watcher.poll();
    for (const b of r.disconnected) {
      for (const d of b.deposits) this.utxos.delete(`${d.txid}:${d.vout}`);
      for (const u of this.utxos.values()) if (u.spentBy?.blockHash === b.hash) u.spentBy = { txid: u.spentBy.txid, height: null, blockHash: null };
    }
    for (const b of r.connected) {
      for (const d of b.deposits) {
        const owner = this.owners.get(d.address);
        if (owner === undefined) continue;
        this.utxos.set(`${d.txid}:${d.vout}`, { txid: d.txid, vout: d.vout, valueSat: d.amountSat, address: d.address, owner, height: d.height, blockHash: d.blockHash, spentBy: null });
      }
      for (const s of b.spends) {
        const u = this.utxos.get(`${s.txid}:${s.vout}`);
        if (u !== undefined) u.spentBy = { txid: s.spendingTxid, height: s.height, blockHash: s.blockHash };
      }
    }
    return r;
  }

  /** Marks outpoints as spent by a broadcast transaction (so no second transaction picks them). */
  reserve(outpoints: ReadonlyArray<{ txid: string; vout: number }>, byTxid: string): void {
    for (const o of outpoints) {
      const u = this.utxos.get(`${o.txid}:${o.vout}`);
      if (u !== undefined && u.spentBy === null) u.spentBy = { txid: byTxid, height: null, blockHash: null };
    }
  }

  /** Unspent outputs of a role with at least `minConf` confirmations. */
  unspent(role: BtcRole['role'], minConf = 1): TrackedUtxo[] {
    const out: TrackedUtxo[] = [];
    for (const u of this.utxos.values()) if (u.owner.role === role && u.spentBy === null && this.confirmations(u.height) >= minConf) out.push(u);
    return out.sort((a, b) => (a.height - b.height) || (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : a.vout - b.vout));
  }

  /** Confirmed holdings of a role: outputs not spent in a block (a reserved output still counts until its spend is mined). */
  balanceSat(role: BtcRole['role']): bigint {
    let sum = 0n;
    for (const u of this.utxos.values()) if (u.owner.role === role && (u.spentBy === null || u.spentBy.height === null)) sum += u.valueSat;
    return sum;
  }

  /** The signer's view of a hot or deposit UTXO: path only, scripts are derived by the signer. */
  static ownUtxo(u: TrackedUtxo): { txid: string; vout: number; valueSat: bigint; chain: 0 | 1; index: number } {
    const o = u.owner;
    if (o.role === 'deposit') return { txid: u.txid, vout: u.vout, valueSat: u.valueSat, chain: 0, index: o.userId };
    return { txid: u.txid, vout: u.vout, valueSat: u.valueSat, chain: o.chain, index: o.index };
  }
}
