import { hex } from '@scure/base';
import { RawTx } from '@scure/btc-signer/script.js';
import { checkP2wpkhInput, type DecodedTx, decodeRawTx, dustThresholdSat } from './txverify.ts';
import { hash160, pubECDSA, sha256x2 } from '@scure/btc-signer/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { parseAddress } from './address.ts';
import { assert } from '../../shared/assert.ts';
import { BtcChainError, RPC_CODE } from './errors.ts';

/**
 * The state machine behind the regtest devnet: blocks, a UTXO set, a mempool, and validation of
 * real signed transactions (P2WPKH, BIP143 signatures checked with secp256k1). Deterministic:
 * block times come from a counter, never from the clock. No HTTP here; devnet.ts serves it.
 */

export const COIN_SAT = 100_000_000n;
/** Regtest: subsidy halves every 150 blocks (chainparams.cpp, CRegTestParams). */
export const REGTEST_HALVING_INTERVAL = 150;
/** Regtest nBits (powLimit); the devnet does not grind proof of work. */
export const REGTEST_BITS = 0x207fffff;
/** Default -maxfeerate of sendrawtransaction / testmempoolaccept: 0.10 BTC/kvB. */
export const DEFAULT_MAX_FEE_RATE_SAT_PER_KVB = 10_000_000n;
/** -minrelaytxfee default 1000 sat/kvB; also BIP125 incremental relay fee. */
export const MIN_RELAY_FEE_SAT_PER_KVB = 1000n;
export const MAX_MONEY_SAT = 21_000_000n * COIN_SAT;
/** Bounds: a devnet is for tests, but nothing here is unbounded. */
export const MEMPOOL_TX_MAX = 10_000;
export const GENERATE_BLOCKS_MAX = 1000;

/** A refusal with bitcoind's RPC error code and reject reason. */
export class RpcFailure extends BtcChainError {
  constructor(
    readonly rpcCode: number,
    readonly reason: string,
  ) {
    super('RPC_ERROR', reason, { rpcCode });
  }
}

export type { DecodedTx };

export interface Utxo {
  valueSat: bigint;
  script: Uint8Array;
  height: number;
  coinbase: boolean;
}

export interface DevBlock {
  hash: string;
  height: number;
  prevHash: string | null;
  time: number;
  merkleRoot: string;
  header: Uint8Array;
  txs: DecodedTx[];
  /** Outputs this block spent, to restore them on disconnect. */
  undo: Array<[string, Utxo]>;
  invalid: boolean;
}

interface MempoolEntry {
  tx: DecodedTx;
  feeSat: bigint;
  spends: string[];
  signalsRbf: boolean;
}

export interface DevChainOptions {
  genesisTime?: number;
  blockIntervalS?: number;
  coinbaseMaturity?: number;
  /** BIP125 opt-in only (false, Core < 28 default) or full RBF (true, Core ≥ 28 default). */
  fullRbf?: boolean;
}

const rev = (b: Uint8Array): Uint8Array => Uint8Array.from(b).reverse();
const outpoint = (txid: string, vout: number): string => `${txid}:${vout}`;
const ZERO32 = new Uint8Array(32);

/** CScriptNum push of a non-negative integer (BIP34 coinbase height). */
function scriptNumPush(n: number): Uint8Array {
  if (n === 0) return Uint8Array.of(0x00);
  const bytes: number[] = [];
  let v = n;
  while (v > 0) {
    bytes.push(v & 0xff);
    v = Math.floor(v / 256);
  }
  if ((bytes[bytes.length - 1]! & 0x80) !== 0) bytes.push(0);
  return Uint8Array.of(bytes.length, ...bytes);
}

/** Decodes a raw tx, mapping failure to bitcoind's -22. */
export function decodeTx(raw: Uint8Array): DecodedTx {
  try {
    return decodeRawTx(raw);
  } catch {
    throw new RpcFailure(RPC_CODE.DESERIALIZATION_ERROR, 'TX decode failed. Make sure the tx has at least one input.');
  }
}

function isNullPrevout(input: { txid: Uint8Array; index: number }): boolean {
  return input.index === 0xffffffff && input.txid.every((b) => b === 0);
}


export interface AcceptResult {
  txid: string;
  wtxid: string;
  vsize: number;
  feeSat: bigint;
  replaced: string[];
}

export class DevChain {
  readonly blocks = new Map<string, DevBlock>();
  /** Active chain: hashes by height. */
  readonly active: string[] = [];
  readonly utxos = new Map<string, Utxo>();
  readonly mempool = new Map<string, MempoolEntry>();
  /** outpoint → txid of the mempool tx spending it. */
  private readonly mempoolSpends = new Map<string, string>();
  /** txid → hash of the active block holding it. */
  private readonly txIndex = new Map<string, string>();
  private blockCounter = 0;
  /** setmocktime: when set, new blocks take this time (kept above median time past). */
  mockTime: number | undefined;
  readonly genesisTime: number;
  readonly blockIntervalS: number;
  readonly coinbaseMaturity: number;
  readonly fullRbf: boolean;

  constructor(options: DevChainOptions = {}) {
    this.genesisTime = options.genesisTime ?? 1_296_688_602; // regtest genesis nTime
    this.blockIntervalS = options.blockIntervalS ?? 600;
    this.coinbaseMaturity = options.coinbaseMaturity ?? 100;
    this.fullRbf = options.fullRbf ?? false;
    // Genesis pays to OP_RETURN: like Bitcoin's, its coinbase output is unspendable.
    this.mineBlock(Uint8Array.of(0x6a));
  }

  get height(): number {
    return this.active.length - 1;
  }
  get tip(): DevBlock {
    return this.blocks.get(this.active[this.active.length - 1]!)!;
  }

  subsidySat(height: number): bigint {
    const halvings = Math.floor(height / REGTEST_HALVING_INTERVAL);
    return halvings >= 64 ? 0n : (50n * COIN_SAT) >> BigInt(halvings);
  }

  confirmations(hash: string): number {
    const b = this.blocks.get(hash);
    if (!b || this.active[b.height] !== hash) return -1;
    return this.height - b.height + 1;
  }

  medianTime(height: number): number {
    const times: number[] = [];
    for (let h = height; h >= 0 && h > height - 11; h--) times.push(this.blocks.get(this.active[h]!)!.time);
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  }

  /** Looks up a tx by id in the mempool or the active chain (as bitcoind -txindex=1). */
  findTx(txid: string): { tx: DecodedTx; block?: DevBlock } | undefined {
    const m = this.mempool.get(txid);
    if (m) return { tx: m.tx };
    const bh = this.txIndex.get(txid);
    if (!bh) return undefined;
    const block = this.blocks.get(bh)!;
    const tx = block.txs.find((t) => t.txid === txid)!;
    return { tx, block };
  }

  /** Coins available to a new transaction: confirmed UTXOs and mempool outputs not yet spent. */
  private lookupCoin(key: string): Utxo | undefined {
    const c = this.utxos.get(key);
    if (c) return c;
    const [txid, voutText] = key.split(':') as [string, string];
    const m = this.mempool.get(txid);
    const out = m?.tx.tx.outputs[Number(voutText)];
    return out ? { valueSat: out.amount, script: out.script, height: this.height + 1, coinbase: false } : undefined;
  }

  /** Spendable coins paying to `script` (confirmed and mempool), not spent in the mempool. */
  coinsFor(script: Uint8Array, minConfirmations = 0): Array<{ txid: string; vout: number; coin: Utxo }> {
    const want = hex.encode(script);
    const out: Array<{ txid: string; vout: number; coin: Utxo }> = [];
    for (const [key, coin] of this.utxos) {
      if (hex.encode(coin.script) !== want || this.mempoolSpends.has(key)) continue;
      if (this.height - coin.height + 1 < minConfirmations) continue;
      if (coin.coinbase && this.height + 1 - coin.height < this.coinbaseMaturity) continue;
      const [txid, v] = key.split(':') as [string, string];
      out.push({ txid, vout: Number(v), coin });
    }
    if (minConfirmations === 0) {
      for (const [txid, e] of this.mempool) {
        e.tx.tx.outputs.forEach((o, vout) => {
          const key = outpoint(txid, vout);
          if (hex.encode(o.script) === want && !this.mempoolSpends.has(key)) out.push({ txid, vout, coin: { valueSat: o.amount, script: o.script, height: this.height + 1, coinbase: false } });
        });
      }
    }
    return out;
  }

  /**
   * AcceptToMemoryPool, reduced to what custody relies on. Throws RpcFailure with bitcoind's code
   * and reject reason. With `dryRun` nothing changes (testmempoolaccept).
   */
  acceptToMempool(raw: Uint8Array, opts: { dryRun?: boolean; maxFeeRateSatPerKvB?: bigint } = {}): AcceptResult {
    const d = decodeTx(raw);
    const { inputs, outputs } = d.tx;
    if (inputs.length === 0) throw new RpcFailure(RPC_CODE.VERIFY_REJECTED, 'bad-txns-vin-empty');
    if (outputs.length === 0) throw new RpcFailure(RPC_CODE.VERIFY_REJECTED, 'bad-txns-vout-empty');
    if (inputs.some(isNullPrevout)) throw new RpcFailure(RPC_CODE.VERIFY_REJECTED, 'coinbase');
    const existing = this.mempool.get(d.txid);
    if (existing) {
      if (opts.dryRun) throw new RpcFailure(RPC_CODE.VERIFY_ALREADY_IN_CHAIN, 'txn-already-in-mempool');
      return { txid: d.txid, wtxid: d.wtxid, vsize: existing.tx.vsize, feeSat: existing.feeSat, replaced: [] };
    }
    if (this.txIndex.has(d.txid)) throw new RpcFailure(RPC_CODE.VERIFY_ALREADY_IN_CHAIN, 'Transaction outputs already in utxo set');
    let outSat = 0n;
    for (const o of outputs) {
      if (o.amount > MAX_MONEY_SAT) throw new RpcFailure(RPC_CODE.VERIFY_REJECTED, 'bad-txns-vout-toolarge');
      outSat += o.amount;
      if (outSat > MAX_MONEY_SAT) throw new RpcFailure(RPC_CODE.VERIFY_REJECTED, 'bad-txns-txouttotal-toolarge');
      if (o.amount < dustThresholdSat(o.script)) throw new RpcFailure(RPC_CODE.VERIFY_REJECTED, 'dust');
    }
    const keys = inputs.map((i) => outpoint(hex.encode(i.txid), i.index));
    if (new Set(keys).size !== keys.length) throw new RpcFailure(RPC_CODE.VERIFY_REJECTED, 'bad-txns-inputs-duplicate');
    // Conflicts: inputs already spent by mempool transactions (BIP125 replacement candidates).
    const conflicts = new Set<string>();
    const coins: Utxo[] = [];
    for (const key of keys) {
      const spender = this.mempoolSpends.get(key);
      if (spender) conflicts.add(spender);
      const coin = this.lookupCoin(key);
      if (!coin) throw new RpcFailure(RPC_CODE.VERIFY_ERROR, 'bad-txns-inputs-missingorspent');
      if (coin.coinbase && this.height + 1 - coin.height < this.coinbaseMaturity) {
        throw new RpcFailure(RPC_CODE.VERIFY_REJECTED, 'bad-txns-premature-spend-of-coinbase');
      }
      coins.push(coin);
    }
    const inSat = coins.reduce((a, c) => a + c.valueSat, 0n);
    if (inSat < outSat) throw new RpcFailure(RPC_CODE.VERIFY_REJECTED, 'bad-txns-in-belowout');
    const feeSat = inSat - outSat;
    coins.forEach((coin, idx) => {
      const reason = checkP2wpkhInput(d, idx, coin.script, coin.valueSat);
      if (reason !== null) throw new RpcFailure(RPC_CODE.VERIFY_REJECTED, reason);
    });
    const minFee = (BigInt(d.vsize) * MIN_RELAY_FEE_SAT_PER_KVB + 999n) / 1000n;
    if (feeSat < minFee) throw new RpcFailure(RPC_CODE.VERIFY_REJECTED, `min relay fee not met, ${feeSat} < ${minFee}`);
    const maxRate = opts.maxFeeRateSatPerKvB ?? DEFAULT_MAX_FEE_RATE_SAT_PER_KVB;
    if (maxRate > 0n && feeSat * 1000n > maxRate * BigInt(d.vsize)) {
      throw new RpcFailure(RPC_CODE.VERIFY_ERROR, 'Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)');
    }
    // BIP125 replacement rules 1, 3, 4, 6 over the conflicts and their descendants.
    const evicted = new Set<string>();
    for (const c of conflicts) this.collectDescendants(c, evicted);
    if (conflicts.size > 0) {
      for (const c of conflicts) {
        if (!this.fullRbf && !this.signalsRbf(c)) throw new RpcFailure(RPC_CODE.VERIFY_REJECTED, 'txn-mempool-conflict');
      }
      let replacedFee = 0n;
      for (const e of evicted) replacedFee += this.mempool.get(e)!.feeSat;
      for (const c of conflicts) {
        const old = this.mempool.get(c)!;
        if (feeSat * BigInt(old.tx.vsize) <= old.feeSat * BigInt(d.vsize)) {
          throw new RpcFailure(RPC_CODE.VERIFY_REJECTED, `insufficient fee, rejecting replacement ${d.txid}; new feerate not above ${c}`);
        }
      }
      const incremental = (BigInt(d.vsize) * MIN_RELAY_FEE_SAT_PER_KVB + 999n) / 1000n;
      if (feeSat < replacedFee + incremental) {
        throw new RpcFailure(RPC_CODE.VERIFY_REJECTED, `insufficient fee, rejecting replacement ${d.txid}, not enough additional fees to relay`);
      }
      for (const k of keys) {
        const [t] = k.split(':') as [string];
        if (evicted.has(t)) throw new RpcFailure(RPC_CODE.VERIFY_REJECTED, 'bad-txns-spends-conflicting-tx');
      }
    }
    if (!opts.dryRun) {
      if (this.mempool.size - evicted.size >= MEMPOOL_TX_MAX) throw new RpcFailure(RPC_CODE.VERIFY_REJECTED, 'mempool full');
      for (const e of evicted) this.removeFromMempool(e);
      d.feeSat = feeSat;
      this.mempool.set(d.txid, { tx: d, feeSat, spends: keys, signalsRbf: inputs.some((i) => i.sequence < 0xfffffffe) });
      for (const k of keys) this.mempoolSpends.set(k, d.txid);
    }
    return { txid: d.txid, wtxid: d.wtxid, vsize: d.vsize, feeSat, replaced: [...evicted] };
  }

  /** BIP125: a tx signals replaceability if it, or an unconfirmed ancestor, has an input with nSequence < 0xfffffffe. */
  private signalsRbf(txid: string, depth = 0): boolean {
    const e = this.mempool.get(txid);
    if (!e || depth > 100) return false;
    if (e.signalsRbf) return true;
    return e.spends.some((k) => this.signalsRbf(k.split(':')[0]!, depth + 1));
  }

  private collectDescendants(txid: string, acc: Set<string>): void {
    if (acc.has(txid) || !this.mempool.has(txid)) return;
    acc.add(txid);
    const e = this.mempool.get(txid)!;
    e.tx.tx.outputs.forEach((_, vout) => {
      const child = this.mempoolSpends.get(outpoint(txid, vout));
      if (child) this.collectDescendants(child, acc);
    });
  }

  private removeFromMempool(txid: string): void {
    const e = this.mempool.get(txid);
    if (!e) return;
    for (const k of e.spends) if (this.mempoolSpends.get(k) === txid) this.mempoolSpends.delete(k);
    this.mempool.delete(txid);
  }

  private buildCoinbase(height: number, script: Uint8Array, valueSat: bigint, extraNonce: number): DecodedTx {
    // BIP34: the coinbase scriptSig starts with the block height; the counter keeps re-mined blocks distinct.
    const scriptSig = Uint8Array.of(...scriptNumPush(height), ...scriptNumPush(extraNonce + 1));
    const raw = RawTx.encode({
      version: 2,
      segwitFlag: false,
      inputs: [{ txid: ZERO32, index: 0xffffffff, finalScriptSig: scriptSig, sequence: 0xffffffff }],
      outputs: [{ amount: valueSat, script }],
      witnesses: undefined,
      lockTime: 0,
    });
    return decodeTx(raw);
  }

  /** Mines one block on the active tip with every mempool transaction; coinbase pays `script`. */
  mineBlock(script: Uint8Array): DevBlock {
    const height = this.active.length;
    const prev = height === 0 ? null : this.tip;
    const txs = height === 0 ? [] : [...this.mempool.values()].map((e) => e.tx);
    const fees = txs.reduce((a, t) => a + (t.feeSat ?? 0n), 0n);
    const counter = this.blockCounter++;
    const coinbase = this.buildCoinbase(height, script, this.subsidySat(height) + fees, counter);
    const all = [coinbase, ...txs];
    const merkle = merkleRoot(all.map((t) => rev(hex.decode(t.txid))));
    const counterTime = this.genesisTime + counter * this.blockIntervalS;
    // Consensus: a block's time must exceed the median of the previous 11 (BIP113's MTP).
    const time = height === 0 ? counterTime : Math.max(this.mockTime ?? counterTime, this.medianTime(height - 1) + 1);
    const header = new Uint8Array(80);
    const view = new DataView(header.buffer);
    view.setInt32(0, 0x20000000, true);
    header.set(prev ? rev(hex.decode(prev.hash)) : ZERO32, 4);
    header.set(merkle, 36);
    view.setUint32(68, time, true);
    view.setUint32(72, REGTEST_BITS, true);
    view.setUint32(76, 0, true);
    const hash = hex.encode(rev(sha256x2(header)));
    assert(!this.blocks.has(hash), 'devnet block hash collision', { hash });
    const block: DevBlock = { hash, height, prevHash: prev?.hash ?? null, time, merkleRoot: hex.encode(rev(merkle)), header, txs: all, undo: [], invalid: false };
    this.blocks.set(hash, block);
    this.connect(block);
    return block;
  }

  private connect(block: DevBlock): void {
    assert(block.height === this.active.length, 'connect out of order');
    for (const t of block.txs) {
      for (const input of t.tx.inputs) {
        if (isNullPrevout(input)) continue;
        const key = outpoint(hex.encode(input.txid), input.index);
        const coin = this.utxos.get(key);
        assert(coin !== undefined, 'connecting a block that spends a missing coin', { key });
        block.undo.push([key, coin]);
        this.utxos.delete(key);
      }
      const isCoinbase = isNullPrevout(t.tx.inputs[0]!);
      t.tx.outputs.forEach((o, vout) => {
        if (o.script[0] === 0x6a) return; // provably unspendable: not in the UTXO set
        this.utxos.set(outpoint(t.txid, vout), { valueSat: o.amount, script: o.script, height: block.height, coinbase: isCoinbase });
      });
      this.txIndex.set(t.txid, block.hash);
      this.removeFromMempool(t.txid);
    }
    this.active.push(block.hash);
  }

  private disconnectTip(): DevBlock {
    const block = this.tip;
    assert(block.height > 0, 'cannot disconnect genesis');
    for (const t of [...block.txs].reverse()) {
      t.tx.outputs.forEach((_, vout) => {
        this.utxos.delete(outpoint(t.txid, vout));
      });
      this.txIndex.delete(t.txid);
    }
    for (const [key, coin] of block.undo) this.utxos.set(key, coin);
    block.undo = [];
    this.active.pop();
    return block;
  }

  /**
   * invalidateblock: disconnects `hash` and its descendants, marks them invalid, and re-submits
   * their transactions to the mempool ahead of what was there; any that no longer validate
   * (spending a vanished coinbase, conflicting) are dropped, as in Core's MaybeUpdateMempoolForReorg.
   */
  /** Returns the disconnected block hashes highest first, and the txids that did not survive. */
  invalidateBlock(hash: string): { disconnected: string[]; dropped: string[] } {
    const block = this.blocks.get(hash);
    if (!block) throw new RpcFailure(RPC_CODE.INVALID_ADDRESS_OR_KEY, 'Block not found');
    if (block.height === 0) throw new RpcFailure(RPC_CODE.INVALID_PARAMETER, 'cannot invalidate the genesis block');
    block.invalid = true;
    if (this.active[block.height] !== hash) return { disconnected: [], dropped: [] };
    const gone: DevBlock[] = [];
    while (this.height >= block.height) gone.push(this.disconnectTip());
    for (const b of gone) b.invalid = true;
    const resubmit = [...gone]
      .reverse()
      .flatMap((b) => b.txs.slice(1))
      .concat([...this.mempool.values()].map((e) => e.tx));
    for (const txid of [...this.mempool.keys()]) this.removeFromMempool(txid);
    const dropped: string[] = [];
    for (const t of resubmit) {
      try {
        this.acceptToMempool(t.raw, { maxFeeRateSatPerKvB: 0n });
      } catch (e) {
        if (!(e instanceof RpcFailure)) throw e;
        dropped.push(t.txid);
      }
    }
    // Coinbases of disconnected blocks vanish: report them as dropped too.
    for (const b of gone) dropped.push(b.txs[0]!.txid);
    return { disconnected: gone.map((b) => b.hash), dropped };
  }
}

/** Bitcoin merkle root over txids in internal byte order (duplicates the last of an odd level). */
export function merkleRoot(leaves: Uint8Array[]): Uint8Array {
  assert(leaves.length > 0, 'merkle root of nothing');
  let level = leaves;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const a = level[i]!;
      const b = level[i + 1] ?? a;
      next.push(sha256x2(Uint8Array.of(...a, ...b)));
    }
    level = next;
  }
  return level[0]!;
}

/** The devnet's own wallet key (faucet), fixed so every run is the same. */
export function devnetFaucetKey(seedText = 'rampart-devnet-faucet'): { privateKey: Uint8Array; publicKey: Uint8Array; script: Uint8Array } {
  const privateKey = sha256(new TextEncoder().encode(seedText));
  const publicKey = pubECDSA(privateKey);
  return { privateKey, publicKey, script: Uint8Array.of(0x00, 0x14, ...hash160(publicKey)) };
}

/** Checks an address for the devnet and returns its script (RPC -5 "Invalid address" otherwise). */
export function regtestScript(address: unknown): Uint8Array {
  try {
    return parseAddress(address, 'regtest').scriptPubKey;
  } catch (e) {
    if (e instanceof BtcChainError) throw new RpcFailure(RPC_CODE.INVALID_ADDRESS_OR_KEY, 'Error: Invalid address');
    throw e;
  }
}
