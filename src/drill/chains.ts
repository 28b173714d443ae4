import { generateMnemonic } from '@scure/bip39';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import {
  type BtcRpc,
  bip84Account,
  createBtcRpcClient,
  type Devnet,
  deriveReceiveAddress,
  hotKeyAt,
  mnemonicToSeed as btcSeed,
  outputTo,
  parseAddress,
  signP2wpkhTx,
  startDevnet,
} from '../chains/btc/index.ts';
import { accountFromSeed, type EthAddress, EthClient, type Hash, type HardhatNode, mine, rawRpc, setAutomine, signTransfer, startHardhatNode, mnemonicToSeed as ethSeed } from '../chains/eth/index.ts';
import type { AuthorisedIntent, ObservedOutflow, OwnCoins } from '../incident/index.ts';
import { btcBlockOutflows, ethOutflowFromWatcher } from '../incident/index.ts';
import { formatDecimal } from '../shared/decimal.ts';
import { DrillError } from './errors.ts';

/**
 * The drill's small hot-wallet pieces, built straight on src/chains (the custody service
 * is not a dependency): one BIP84 regtest hot address and one BIP44 Ethereum hot address
 * from a freshly generated "hot" mnemonic (the one that leaks), a cold address of each from
 * another mnemonic, an attacker, and the operator's outside money (the devnet faucet and
 * hardhat's unlocked account 0). Everything is signed locally and broadcast as raw txs.
 */

/** Where devnet blocks go (a throwaway regtest address, not Rampart's). */
const MINER = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
/** Fixed EIP-1559 caps for the drill (hardhat's base fee starts at 1 gwei and falls when blocks are empty). */
const MAX_FEE_WEI = 3_000_000_000n;
const PRIORITY_FEE_WEI = 1_000_000_000n;
const TRANSFER_GAS = 21_000n;

export function newMnemonic(): string {
  return generateMnemonic(english, 256);
}

/** Rampart's BTC coins the scanner watches: updated whenever Rampart's own tx or a funding lands. */
export class CoinBook implements OwnCoins {
  readonly coins = new Map<string, { address: string; valueMinor: bigint }>();
  get(outpoint: string) {
    return this.coins.get(outpoint);
  }
}

export class BtcSide {
  readonly devnet: Devnet;
  readonly rpc: BtcRpc;
  readonly coins = new CoinBook();
  /** Private key by address (the hot signer's view; the attacker has a copy of the old one). */
  readonly keys = new Map<string, Uint8Array>();

  private constructor(devnet: Devnet) {
    this.devnet = devnet;
    this.rpc = createBtcRpcClient({ url: devnet.url, timeoutMs: 10_000 });
  }

  static async start(): Promise<BtcSide> {
    return new BtcSide(await startDevnet({ feeRateSatPerKvB: 2000n }));
  }

  /** A new hot (or cold) address from a new mnemonic, with its signing key. */
  newWallet(mnemonic: string): { address: string; key: Uint8Array } {
    const seed = btcSeed(mnemonic);
    const address = deriveReceiveAddress(bip84Account(seed, 'regtest').xpub, 'regtest', 0).address;
    const key = hotKeyAt(seed, 'regtest', 0, 0);
    this.keys.set(address, key);
    return { address, key };
  }

  /** Receive address `index` of a mnemonic (customers' own wallets; no key kept). */
  addressOf(mnemonic: string, index: number): string {
    return deriveReceiveAddress(bip84Account(btcSeed(mnemonic), 'regtest').xpub, 'regtest', index).address;
  }

  /**
   * Signs a payment from `from` (every coin it has, confirmed or in the mempool): `amountSat`
   * to `to`, change back to `from`, a fixed fee. Returns what the intent needs.
   */
  signPayment(from: string, to: string, amountSat: bigint, feeSat: bigint): { hex: string; txid: string; inputs: string[] } {
    const key = this.keys.get(from);
    if (key === undefined) throw new DrillError('CHAIN_FAILED', 'no key for the address', { from });
    const coins = this.utxos(from);
    const change = coins.reduce((s, c) => s + c.valueSat, 0n) - amountSat - feeSat;
    if (change < 1_000n) throw new DrillError('CHAIN_FAILED', 'hot wallet too small for the payment', { from, amountSat: amountSat.toString() });
    const script = parseAddress(from, 'regtest').scriptPubKey;
    const signed = signP2wpkhTx(
      coins.map((c) => ({ txid: c.txid, vout: c.vout, valueSat: c.valueSat, scriptPubKey: script, privateKey: key })),
      [outputTo(to, amountSat, 'regtest'), outputTo(from, change, 'regtest')],
    );
    return { hex: signed.hex, txid: signed.txid, inputs: coins.map((c) => `${c.txid}:${c.vout}`) };
  }

  /** The operator's outside money (the devnet faucet) pays `address`; returns the txid. Coins are tracked if `own`. */
  async fund(address: string, amountSat: bigint, own: boolean): Promise<string> {
    const txid = (await this.rpc.call('sendtoaddress', [address, formatDecimal(amountSat, 8)])) as string;
    if (own) await this.track(txid, address);
    return txid;
  }

  async track(txid: string, address: string): Promise<void> {
    const tx = await this.rpc.getRawTransaction(txid);
    for (const o of tx.vout) if (o.address === address) this.coins.coins.set(`${txid}:${o.n}`, { address, valueMinor: o.valueSat });
  }

  async mine(): Promise<string> {
    const [hash] = (await this.rpc.call('generatetoaddress', [1, MINER])) as string[];
    if (hash === undefined) throw new DrillError('CHAIN_FAILED', 'the devnet mined no block');
    return hash;
  }

  /** Unspent coins on `address` (confirmed and mempool, not spent in the mempool): the chain's truth. */
  utxos(address: string): Array<{ txid: string; vout: number; valueSat: bigint }> {
    const script = parseAddress(address, 'regtest').scriptPubKey;
    return this.devnet.chain.coinsFor(script).map((c) => ({ txid: c.txid, vout: c.vout, valueSat: c.coin.valueSat }));
  }

  balance(address: string): bigint {
    return this.utxos(address).reduce((s, c) => s + c.valueSat, 0n);
  }

  /** Signs a spend of `coins` of `from` (key known) paying `to` everything minus `feeSat`. */
  signSweep(from: string, coins: ReadonlyArray<{ txid: string; vout: number; valueSat: bigint }>, to: string, feeSat: bigint): { hex: string; txid: string; valueSat: bigint } {
    const key = this.keys.get(from);
    if (key === undefined) throw new DrillError('CHAIN_FAILED', 'no key for the address', { from });
    const script = parseAddress(from, 'regtest').scriptPubKey;
    const total = coins.reduce((s, c) => s + c.valueSat, 0n);
    const valueSat = total - feeSat;
    if (coins.length === 0 || valueSat <= 0n) throw new DrillError('CHAIN_FAILED', 'nothing to spend', { from });
    const signed = signP2wpkhTx(
      coins.map((c) => ({ txid: c.txid, vout: c.vout, valueSat: c.valueSat, scriptPubKey: script, privateKey: key })),
      [outputTo(to, valueSat, 'regtest')],
    );
    return { hex: signed.hex, txid: signed.txid, valueSat };
  }

  async broadcast(hex: string): Promise<string> {
    return this.rpc.sendRawTransaction(hex);
  }

  /** Outflows from Rampart coins in one block (Rampart's block scan). */
  async blockOutflows(blockHash: string, nowMs: number): Promise<ObservedOutflow[]> {
    return btcBlockOutflows(this.rpc, blockHash, this.coins, nowMs);
  }

  async close(): Promise<void> {
    await this.devnet.close();
  }
}

export interface EthSigned {
  readonly raw: `0x${string}`;
  readonly hash: Hash;
  readonly from: string;
  readonly to: string;
  readonly nonce: bigint;
  readonly valueWei: bigint;
  readonly feeMaxWei: bigint;
}

export class EthSide {
  readonly node: HardhatNode;
  readonly client: EthClient;
  readonly accounts = new Map<string, ReturnType<typeof accountFromSeed>>();
  #lastScanned = 0n;

  private constructor(node: HardhatNode) {
    this.node = node;
    this.client = new EthClient({ rpcUrl: node.rpcUrl, chainId: node.chainId });
  }

  static async start(): Promise<EthSide> {
    const node = await startHardhatNode();
    try {
      await setAutomine(node.rpcUrl, false);
      const side = new EthSide(node);
      side.#lastScanned = await side.client.blockNumber();
      return side;
    } catch (e) {
      await node.stop();
      throw e;
    }
  }

  newWallet(mnemonic: string): { address: string } {
    const acct = accountFromSeed(ethSeed(mnemonic), 0);
    const address = acct.address.toLowerCase();
    this.accounts.set(address, acct);
    return { address };
  }

  addressOf(mnemonic: string, index: number): string {
    return accountFromSeed(ethSeed(mnemonic), index).address.toLowerCase();
  }

  /** The operator's outside money (hardhat's unlocked account 0) pays `address`. */
  async fund(address: string, amountWei: bigint): Promise<string> {
    const [from] = (await rawRpc(this.node.rpcUrl, 'eth_accounts')) as string[];
    return (await rawRpc(this.node.rpcUrl, 'eth_sendTransaction', [{ from, to: address, value: `0x${amountWei.toString(16)}` }])) as string;
  }

  async mine(): Promise<void> {
    await mine(this.node.rpcUrl);
  }

  async balance(address: string): Promise<bigint> {
    return this.client.getBalance(address as EthAddress);
  }

  /** Signs a plain transfer from a key Rampart (or the attacker) holds; `valueWei` null = everything minus the most the fee can be. */
  async sign(from: string, to: string, valueWei: bigint | null): Promise<EthSigned> {
    const acct = this.accounts.get(from.toLowerCase());
    if (acct === undefined) throw new DrillError('CHAIN_FAILED', 'no key for the address', { from });
    const nonce = await this.client.getNonce(from as EthAddress, 'pending');
    const feeMaxWei = TRANSFER_GAS * MAX_FEE_WEI;
    const value = valueWei ?? (await this.client.getBalance(from as EthAddress, 'pending')) - feeMaxWei;
    if (value <= 0n) throw new DrillError('CHAIN_FAILED', 'nothing to send', { from });
    const s = await signTransfer(
      { chainId: this.node.chainId, nonce, to: to as EthAddress, valueWei: value, gasLimit: TRANSFER_GAS, maxFeePerGasWei: MAX_FEE_WEI, maxPriorityFeePerGasWei: PRIORITY_FEE_WEI },
      acct,
    );
    return { raw: s.raw, hash: s.hash, from: from.toLowerCase(), to: to.toLowerCase(), nonce, valueWei: value, feeMaxWei };
  }

  async broadcast(s: EthSigned): Promise<void> {
    await this.client.sendRawTransaction(s.raw, s.hash);
  }

  /** Mined txs from watched addresses since the last call, with their receipts (Rampart's block scan). */
  async blockOutflows(watched: ReadonlySet<string>, nowMs: number): Promise<ObservedOutflow[]> {
    const head = await this.client.blockNumber();
    const out: ObservedOutflow[] = [];
    for (let n = this.#lastScanned + 1n; n <= head; n++) {
      const block = (await this.client.call('eth_getBlockByNumber', [`0x${n.toString(16)}`, true])) as { hash: string; transactions: Array<{ hash: string; from: string }> } | null;
      for (const t of block?.transactions ?? []) {
        if (!watched.has(t.from.toLowerCase())) continue;
        const tx = await this.client.getTransaction(t.hash as Hash);
        const rc = await this.client.getReceipt(t.hash as Hash);
        if (tx === null || rc === null) throw new DrillError('CHAIN_FAILED', 'mined tx without receipt', { hash: t.hash });
        out.push(
          ethOutflowFromWatcher(
            { hash: tx.hash, from: tx.from, nonce: tx.nonce, to: tx.to, valueWei: tx.valueWei, feePaidWei: rc.feePaidWei, status: rc.status, blockNumber: rc.blockNumber, blockHash: rc.blockHash },
            nowMs,
          ),
        );
      }
    }
    this.#lastScanned = head;
    return out;
  }

  async close(): Promise<void> {
    await this.node.stop();
  }
}

/** The intent Rampart registers before broadcasting its own ETH transfer. */
export function ethIntent(id: string, kind: AuthorisedIntent['kind'], s: EthSigned): AuthorisedIntent {
  return { id, kind, chain: 'ETH', txids: [s.hash], from: s.from, nonce: s.nonce, outputs: [{ address: s.to, valueMinor: s.valueWei }], feeMaxMinor: s.feeMaxWei };
}
