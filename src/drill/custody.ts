import type { AuthorisedIntent, Chain, CustodyControl, NewHotWallet } from '../incident/index.ts';
import { type BtcSide, type EthSide, ethIntent, type EthSigned, newMnemonic } from './chains.ts';
import { DrillError } from './errors.ts';

/**
 * The drill's stand-in for the custody service's CustodyControl (key rotation): a new hot
 * wallet from a NEW mnemonic (the old seed leaked, so a new account path of it would not
 * do), the rescue move of what is left on the compromised address signed with the old
 * key one last time (racing the attacker), retirement recorded (old addresses stay
 * watched). Deposit addresses are not re-derived: the drill's leak is the hot seed only.
 */
const BTC_MOVE_FEE_SAT = 1_000n;

export class DrillCustody implements CustodyControl {
  readonly #btc: BtcSide;
  readonly #eth: EthSide;
  readonly #prepared = new Map<string, { chain: Chain; hex?: string; eth?: EthSigned; to: string }>();
  readonly newHot: Partial<Record<Chain, string>> = {};
  readonly retired: Array<{ chain: Chain; addresses: readonly string[]; sweepTo: string }> = [];
  /** Fee each rescue move paid (BTC exact at signing; ETH at most this, the receipt says exactly). */
  readonly moves: Array<{ chain: Chain; txid: string; amountMinor: bigint; feeMinor: bigint }> = [];

  constructor(btc: BtcSide, eth: EthSide) {
    this.#btc = btc;
    this.#eth = eth;
  }

  async generateHotWallet(chain: Chain, incidentId: string): Promise<NewHotWallet> {
    const mnemonic = newMnemonic();
    const address = chain === 'BTC' ? this.#btc.newWallet(mnemonic).address : this.#eth.newWallet(mnemonic).address;
    this.newHot[chain] = address;
    return { walletId: `hot-${chain.toLowerCase()}-${incidentId}`, chain, keyPath: chain === 'BTC' ? "m/84'/1'/0'" : "m/44'/60'/0'/0/0", addresses: [address] };
  }

  async remainingOn(chain: Chain, addresses: readonly string[]): Promise<bigint> {
    let sum = 0n;
    for (const a of addresses) sum += chain === 'BTC' ? this.#btc.balance(a) : await this.#eth.balance(a);
    return sum;
  }

  async prepareMove(chain: Chain, from: readonly string[], to: string, intentId: string): Promise<{ intent: AuthorisedIntent; amountMinor: bigint; feeMinor: bigint; txid: string }> {
    if (from.length !== 1) throw new DrillError('CHAIN_FAILED', 'the drill rotates one compromised address per chain');
    const addr = from[0]!;
    if (chain === 'BTC') {
      const coins = this.#btc.utxos(addr);
      const s = this.#btc.signSweep(addr, coins, to, BTC_MOVE_FEE_SAT);
      this.#prepared.set(intentId, { chain, hex: s.hex, to });
      const intent: AuthorisedIntent = { id: intentId, kind: 'rotation', chain, txids: [s.txid], inputs: coins.map((c) => `${c.txid}:${c.vout}`), outputs: [{ address: to, valueMinor: s.valueSat }], feeMaxMinor: BTC_MOVE_FEE_SAT };
      this.moves.push({ chain, txid: s.txid, amountMinor: s.valueSat, feeMinor: BTC_MOVE_FEE_SAT });
      return { intent, amountMinor: s.valueSat, feeMinor: BTC_MOVE_FEE_SAT, txid: s.txid };
    }
    const s = await this.#eth.sign(addr, to, null);
    this.#prepared.set(intentId, { chain, eth: s, to });
    this.moves.push({ chain, txid: s.hash, amountMinor: s.valueWei, feeMinor: s.feeMaxWei });
    return { intent: { ...ethIntent(intentId, 'rotation', s) }, amountMinor: s.valueWei, feeMinor: s.feeMaxWei, txid: s.hash };
  }

  async broadcast(intentId: string): Promise<void> {
    const p = this.#prepared.get(intentId);
    if (p === undefined) throw new DrillError('CHAIN_FAILED', 'no prepared move', { intentId });
    if (p.hex !== undefined) {
      const txid = await this.#btc.broadcast(p.hex);
      await this.#btc.track(txid, p.to);
    } else if (p.eth !== undefined) await this.#eth.broadcast(p.eth);
  }

  async retireAddresses(chain: Chain, addresses: readonly string[], sweepTo: string): Promise<void> {
    this.retired.push({ chain, addresses: [...addresses], sweepTo });
  }

  async rederiveDepositAddresses(): Promise<{ newXpubFingerprint: string; reassigned: number }> {
    throw new DrillError('CHAIN_FAILED', 'the drill does not re-derive deposit addresses (deposit xpub not suspected)');
  }
}
