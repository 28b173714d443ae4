import { existsSync, readFileSync } from 'node:fs';
import { hex } from '@scure/base';
import type { LocalAccount } from 'viem';
import * as btc from '../../chains/btc/index.ts';
import * as eth from '../../chains/eth/index.ts';
import { assert } from '../../shared/assert.ts';
import { RampartError } from '../../shared/errors.ts';
import { CustodyError } from '../errors.ts';
import { checkIntent, intentHashHex, verifyIntent, type WithdrawalIntent } from '../intent.ts';
import type { SignedEntry, SignedLog } from './log.ts';

/** The signer's own limits per asset (minor units), independent of the core's withdrawal controls. */
export interface AssetPolicy {
  readonly txMaxMinor: bigint;
  readonly hourlyMaxMinor: bigint;
  readonly dailyMaxMinor: bigint;
  /** The hot wallet never legitimately holds more than this, so no single payout can exceed it. */
  readonly hotCapMinor: bigint;
  /** Largest network fee of any transaction the signer makes (and of any bump). */
  readonly feeCapMinor: bigint;
}

export interface SignerConfig {
  /** The signer's own directory: keystore.json, signed.log. Not the exchange's data dir. */
  readonly dir: string;
  readonly btcNetwork: btc.BtcNetwork;
  readonly ethChainId: number;
  /** Ed25519 public key of the withdrawal processor's intent key (hex). */
  readonly intentPublicKeyHex: string;
  /** One destination per line, '#' comments; re-read on every withdrawal. */
  readonly blocklistPath?: string;
  /** Cold account xpubs (no private key anywhere near the server): the only hot→cold destinations. */
  readonly coldBtcXpub?: string;
  readonly coldEthXpub?: string;
  readonly policy: Readonly<Record<'BTC' | 'ETH', AssetPolicy>>;
  /** KEK file outside the data dir (else env RAMPART_SIGNER_KEK, else dev-generated). */
  readonly kekPath?: string;
  readonly dev?: boolean;
}

/** UTXO of the signer's own BTC wallet (account 0 hot, 1 deposits), by derivation path. */
export interface OwnUtxo {
  readonly txid: string;
  readonly vout: number;
  readonly valueSat: bigint;
  readonly chain: 0 | 1;
  readonly index: number;
}

export interface SignerInfo {
  readonly btcHotXpub: string;
  readonly btcDepositXpub: string;
  readonly btcHotAddress: string;
  readonly btcHotChangeAddress: string;
  readonly ethHotAddress: string;
  readonly ethDepositXpub: string;
}

export type SignerRequest =
  | { op: 'info' }
  | {
      op: 'withdraw';
      intent: WithdrawalIntent;
      sigHex: string;
      btc?: { utxos: OwnUtxo[]; feeRateSatPerVb: bigint };
      eth?: { nonce: bigint; maxFeePerGasWei: bigint; maxPriorityFeePerGasWei: bigint };
    }
  | { op: 'bump'; kind: 'withdraw' | 'sweep' | 'toCold'; id: string; btc?: { feeRateSatPerVb: bigint }; eth?: { maxFeePerGasWei: bigint; maxPriorityFeePerGasWei: bigint } }
  | { op: 'sweep'; sweepId: string; asset: 'BTC' | 'ETH'; btc?: { utxos: OwnUtxo[]; feeRateSatPerVb: bigint }; eth?: { index: number; nonce: bigint; balanceWei: bigint; baseFeeWei: bigint; priorityFeeWei: bigint } }
  | {
      op: 'toCold';
      moveId: string;
      asset: 'BTC' | 'ETH';
      amountMinor: bigint;
      coldIndex: number;
      btc?: { utxos: OwnUtxo[]; feeRateSatPerVb: bigint };
      eth?: { nonce: bigint; maxFeePerGasWei: bigint; maxPriorityFeePerGasWei: bigint };
    }
  | { op: 'lookup'; kind: SignedEntry['kind']; id: string };

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const HOT = 0;
const DEPOSITS = 1;
/** Bound on the UTXOs one request may name (a request is never unbounded work). */
const UTXOS_PER_REQUEST_MAX = 500;

/**
 * The signing policy engine. It holds the keys and signs only: customer payouts carrying a
 * valid intent signature that pass its own limits (per tx, rolling hour and day, hot cap,
 * blocklist, fee cap); sweeps whose only destination is its own hot wallet; hot→cold moves
 * whose only destination is derived from the configured cold xpub. Every signature is logged
 * (fsync) before it is returned; a repeated request returns the logged transaction.
 */
export class SignerCore {
  private readonly cfg: SignerConfig;
  private readonly log: SignedLog;
  private readonly now: () => number;
  private readonly btcMaster: ReturnType<typeof btc.masterKeyFromSeed>;
  private readonly btcHot: btc.Bip84Account;
  private readonly btcDeposit: btc.Bip84Account;
  private readonly ethSeed: Uint8Array;
  private readonly ethHot: LocalAccount;

  constructor(cfg: SignerConfig, mnemonic: string, log: SignedLog, now: () => number) {
    this.cfg = cfg;
    this.log = log;
    this.now = now;
    const seed = btc.mnemonicToSeed(btc.checkMnemonic(mnemonic));
    this.btcMaster = btc.masterKeyFromSeed(seed);
    this.btcHot = btc.bip84Account(seed, cfg.btcNetwork, HOT);
    this.btcDeposit = btc.bip84Account(seed, cfg.btcNetwork, DEPOSITS);
    this.ethSeed = eth.mnemonicToSeed(mnemonic);
    this.ethHot = eth.accountFromSeed(this.ethSeed, 0, HOT);
  }

  info(): SignerInfo {
    return {
      btcHotXpub: this.btcHot.xpub,
      btcDepositXpub: this.btcDeposit.xpub,
      btcHotAddress: btc.deriveReceiveAddress(this.btcHot.xpub, this.cfg.btcNetwork, 0).address,
      btcHotChangeAddress: btc.deriveChangeAddress(this.btcHot.xpub, this.cfg.btcNetwork, 0).address,
      ethHotAddress: this.ethHot.address,
      ethDepositXpub: eth.accountXpubFromSeed(this.ethSeed, DEPOSITS),
    };
  }

  async handle(req: SignerRequest): Promise<unknown> {
    switch (req?.op) {
      case 'info':
        return this.info();
      case 'withdraw':
        return this.withdraw(req);
      case 'bump':
        return this.bump(req);
      case 'sweep':
        return this.sweep(req);
      case 'toCold':
        return this.toCold(req);
      case 'lookup':
        return this.log.attempts(req.kind, req.id);
      default:
        throw new CustodyError('SIGNER_PROTOCOL', 'unknown op');
    }
  }

  // ---- customer payouts ------------------------------------------------------------

  private async withdraw(req: Extract<SignerRequest, { op: 'withdraw' }>): Promise<SignedEntry> {
    const intent = checkIntent(req.intent);
    if (!verifyIntent(intent, req.sigHex, this.cfg.intentPublicKeyHex)) {
      throw new CustodyError('INTENT_SIGNATURE_INVALID', 'intent signature does not verify under the processor key', { intentId: intent.intentId });
    }
    const intentHash = intentHashHex(intent);
    const previous = this.log.attempts('withdraw', intent.intentId);
    if (previous.length > 0) {
      // Idempotent: the same intent gets the same (latest) signed transaction, never a second payment.
      if (previous[0]!.intentHash !== intentHash) throw new CustodyError('INTENT_CONFLICT', 'intent id already signed with other terms', { intentId: intent.intentId });
      return previous[previous.length - 1]!;
    }
    const policy = this.cfg.policy[intent.asset];
    this.checkDestination(intent);
    const amount = intent.amountMinor;
    if (amount > policy.txMaxMinor) throw new CustodyError('LIMIT_TX', 'amount above the per-transaction maximum', { asset: intent.asset, maxMinor: String(policy.txMaxMinor) });
    if (amount > policy.hotCapMinor) throw new CustodyError('HOT_CAP_EXCEEDED', 'amount above the hot-wallet cap: pay from cold', { asset: intent.asset });
    const now = this.now();
    const hour = this.signedSince(intent.asset, now - HOUR_MS);
    const day = this.signedSince(intent.asset, now - DAY_MS);
    if (hour + amount > policy.hourlyMaxMinor) throw new CustodyError('LIMIT_HOURLY', 'rolling hourly maximum reached', { asset: intent.asset, usedMinor: String(hour) });
    if (day + amount > policy.dailyMaxMinor) throw new CustodyError('LIMIT_DAILY', 'rolling daily maximum reached', { asset: intent.asset, usedMinor: String(day) });
    const feeCap = min(policy.feeCapMinor, intent.feePolicy.feeCapMinor);
    const base = { kind: 'withdraw' as const, id: intent.intentId, attempt: 0, asset: intent.asset, destination: intent.destination, amountMinor: amount, atMs: now, intentHash };
    if (intent.asset === 'BTC') {
      if (req.btc === undefined) throw new CustodyError('SIGNER_PROTOCOL', 'BTC withdrawal needs utxos and a fee rate');
      const out = btc.outputTo(intent.destination, amount, this.cfg.btcNetwork);
      const signed = this.signBtc(HOT, req.btc.utxos, [out], req.btc.feeRateSatPerVb, feeCap, true);
      return this.record({ ...base, ...signed });
    }
    if (req.eth === undefined) throw new CustodyError('SIGNER_PROTOCOL', 'ETH withdrawal needs nonce and fees');
    const to = eth.parseAddress(intent.destination, eth.LENIENT_ADDRESS_POLICY);
    const signed = await this.signEth(this.ethHot, to, amount, req.eth.nonce, req.eth.maxFeePerGasWei, req.eth.maxPriorityFeePerGasWei, feeCap);
    return this.record({ ...base, ...signed });
  }

  private checkDestination(intent: WithdrawalIntent): void {
    let canonical: string;
    try {
      canonical = intent.asset === 'BTC' ? btc.parseAddress(intent.destination, this.cfg.btcNetwork).address : eth.parseAddress(intent.destination, eth.LENIENT_ADDRESS_POLICY).toLowerCase();
    } catch (e) {
      throw new CustodyError('DESTINATION_INVALID', 'destination is not a valid address for this network', { reason: e instanceof RampartError ? e.code : 'INVALID' });
    }
    if (this.blocklist().has(canonical.toLowerCase())) throw new CustodyError('DESTINATION_BLOCKED', 'destination is on the signer blocklist', { asset: intent.asset });
  }

  private blocklist(): Set<string> {
    const path = this.cfg.blocklistPath;
    if (path === undefined || !existsSync(path)) return new Set();
    const out = new Set<string>();
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const t = line.replace(/#.*/, '').trim();
      if (t !== '') out.add(t.toLowerCase());
    }
    return out;
  }

  /** Amount of first signatures of payouts in the window (bumps pay the same amount again: not counted twice). */
  private signedSince(asset: string, fromMs: number): bigint {
    let sum = 0n;
    for (const e of this.log.all()) if (e.kind === 'withdraw' && e.attempt === 0 && e.asset === asset && e.atMs > fromMs) sum += e.amountMinor;
    return sum;
  }

  // ---- bumps (RBF / same-nonce replacement) ---------------------------------------

  private async bump(req: Extract<SignerRequest, { op: 'bump' }>): Promise<SignedEntry> {
    const attempts = this.log.attempts(req.kind, req.id);
    const last = attempts[attempts.length - 1];
    if (last === undefined) throw new CustodyError('BUMP_INVALID', 'nothing signed under this id', { id: req.id });
    const feeCap = this.cfg.policy[last.asset].feeCapMinor;
    const base = { ...last, attempt: last.attempt + 1, atMs: this.now() };
    if (last.asset === 'BTC') {
      assert(last.btc !== undefined, 'BTC entry has its inputs');
      if (req.btc === undefined) throw new CustodyError('BUMP_INVALID', 'BTC bump needs a fee rate');
      // BIP125: the same inputs, so the replacement and the original can never both confirm.
      const inputs = last.btc.inputs.map((u) => ({ ...u, scriptPubKey: this.btcScript(u.account, u.chain, u.index), privateKey: this.btcKey(u.account, u.chain, u.index) }));
      const outputs = last.btc.outputs.map((o) => ({ script: hex.decode(o.scriptHex), amountSat: o.amountSat }));
      const signed = btc.bumpFee({ inputs, outputs, changeIndex: last.btc.changeIndex, oldFeeSat: last.feeMinor, newFeeRateSatPerVb: req.btc.feeRateSatPerVb });
      if (signed.feeSat > feeCap) throw new CustodyError('FEE_CAP_EXCEEDED', 'bumped fee above the cap', { feeSat: String(signed.feeSat) });
      const decoded = btc.decodeRawTx(hex.decode(signed.hex));
      const newOutputs = decoded.tx.outputs.map((o: { script?: Uint8Array; amount?: bigint }) => ({ scriptHex: hex.encode(o.script!), amountSat: o.amount! }));
      const changeIndex = newOutputs.length === outputs.length ? last.btc.changeIndex : -1;
      return this.record({ ...base, feeMinor: signed.feeSat, txid: signed.txid, hex: signed.hex, btc: { inputs: last.btc.inputs, outputs: newOutputs, changeIndex } });
    }
    assert(last.eth !== undefined, 'ETH entry has its nonce');
    if (req.eth === undefined) throw new CustodyError('BUMP_INVALID', 'ETH bump needs fees');
    const min = eth.bumpFees(last.eth);
    if (req.eth.maxFeePerGasWei < min.maxFeePerGasWei || req.eth.maxPriorityFeePerGasWei < min.maxPriorityFeePerGasWei) {
      throw new CustodyError('BUMP_INVALID', 'replacement fees must rise by at least 10% (geth price bump)');
    }
    const account = last.kind === 'sweep' ? undefined : this.ethHot;
    if (account === undefined) throw new CustodyError('BUMP_INVALID', 'ETH sweeps are exact-fee and are not bumped');
    const to = eth.parseAddress(last.destination, eth.LENIENT_ADDRESS_POLICY);
    const signed = await this.signEth(account, to, last.amountMinor, last.eth.nonce, req.eth.maxFeePerGasWei, req.eth.maxPriorityFeePerGasWei, feeCap);
    return this.record({ ...base, ...signed });
  }

  // ---- internal moves ----------------------------------------------------------------

  private async sweep(req: Extract<SignerRequest, { op: 'sweep' }>): Promise<SignedEntry> {
    const previous = this.log.attempts('sweep', req.sweepId);
    if (previous.length > 0) return previous[previous.length - 1]!;
    const policy = this.cfg.policy[req.asset];
    if (policy === undefined) throw new CustodyError('ASSET_UNSUPPORTED', 'unknown asset');
    const now = this.now();
    if (req.asset === 'BTC') {
      if (req.btc === undefined) throw new CustodyError('SIGNER_PROTOCOL', 'BTC sweep needs utxos');
      const hotAddress = this.info().btcHotAddress;
      const total = req.btc.utxos.reduce((a, u) => a + u.valueSat, 0n);
      const hotScript = btc.parseAddress(hotAddress, this.cfg.btcNetwork).scriptPubKey;
      const vsize = btc.estimateVsize(req.btc.utxos.length, [hotScript]);
      const fee = btc.feeForVsize(vsize, req.btc.feeRateSatPerVb);
      if (total - fee < btc.P2WPKH_DUST_SAT) throw new CustodyError('INSUFFICIENT_FUNDS', 'sweep would leave only dust');
      const signed = this.signBtc(DEPOSITS, req.btc.utxos, [{ script: hotScript, amountSat: total - fee }], req.btc.feeRateSatPerVb, policy.feeCapMinor, false);
      return this.record({ kind: 'sweep', id: req.sweepId, attempt: 0, asset: 'BTC', destination: hotAddress, amountMinor: total - signed.feeMinor, atMs: now, ...signed });
    }
    if (req.eth === undefined) throw new CustodyError('SIGNER_PROTOCOL', 'ETH sweep needs the address index');
    const from = eth.accountFromSeed(this.ethSeed, req.eth.index, DEPOSITS);
    const plan = eth.planSweep({ chainId: this.cfg.ethChainId, nonce: req.eth.nonce, to: eth.parseAddress(this.ethHot.address, eth.LENIENT_ADDRESS_POLICY), balanceWei: req.eth.balanceWei, baseFeeWei: req.eth.baseFeeWei, priorityFeeWei: req.eth.priorityFeeWei });
    if (plan.feeWei > policy.feeCapMinor) throw new CustodyError('FEE_CAP_EXCEEDED', 'sweep fee above the cap');
    const s = await eth.signTransfer(plan.tx, from);
    return this.record({
      kind: 'sweep',
      id: req.sweepId,
      attempt: 0,
      asset: 'ETH',
      destination: this.ethHot.address,
      amountMinor: plan.tx.valueWei,
      feeMinor: plan.feeWei,
      txid: s.hash,
      hex: s.raw,
      atMs: now,
      eth: { from: s.from, nonce: plan.tx.nonce, maxFeePerGasWei: plan.tx.maxFeePerGasWei, maxPriorityFeePerGasWei: plan.tx.maxPriorityFeePerGasWei, gasLimit: plan.tx.gasLimit },
    });
  }

  private async toCold(req: Extract<SignerRequest, { op: 'toCold' }>): Promise<SignedEntry> {
    const previous = this.log.attempts('toCold', req.moveId);
    if (previous.length > 0) return previous[previous.length - 1]!;
    const policy = this.cfg.policy[req.asset];
    if (policy === undefined) throw new CustodyError('ASSET_UNSUPPORTED', 'unknown asset');
    if (typeof req.amountMinor !== 'bigint' || req.amountMinor <= 0n) throw new CustodyError('INTENT_MALFORMED', 'amount must be positive');
    const now = this.now();
    const base = { kind: 'toCold' as const, id: req.moveId, attempt: 0, asset: req.asset, amountMinor: req.amountMinor, atMs: now };
    if (req.asset === 'BTC') {
      if (this.cfg.coldBtcXpub === undefined || req.btc === undefined) throw new CustodyError('SIGNER_PROTOCOL', 'no BTC cold xpub configured or no utxos');
      const cold = btc.deriveReceiveAddress(this.cfg.coldBtcXpub, this.cfg.btcNetwork, req.coldIndex);
      const signed = this.signBtc(HOT, req.btc.utxos, [{ script: cold.scriptPubKey, amountSat: req.amountMinor }], req.btc.feeRateSatPerVb, policy.feeCapMinor, true);
      return this.record({ ...base, destination: cold.address, ...signed });
    }
    if (this.cfg.coldEthXpub === undefined || req.eth === undefined) throw new CustodyError('SIGNER_PROTOCOL', 'no ETH cold xpub configured or no fees');
    const to = eth.deriveDepositAddress(this.cfg.coldEthXpub, req.coldIndex);
    const signed = await this.signEth(this.ethHot, to, req.amountMinor, req.eth.nonce, req.eth.maxFeePerGasWei, req.eth.maxPriorityFeePerGasWei, policy.feeCapMinor);
    return this.record({ ...base, destination: to, ...signed });
  }

  // ---- signing primitives --------------------------------------------------------------

  private btcKey(account: number, chain: 0 | 1, index: number): Uint8Array {
    const k = this.btcMaster.derive(`${btc.bip84AccountPath(this.cfg.btcNetwork, account)}/${chain}/${index}`);
    assert(k.privateKey !== null && k.privateKey !== undefined, 'derived a private key');
    return k.privateKey;
  }

  private btcScript(account: number, chain: 0 | 1, index: number): Uint8Array {
    const xpub = account === HOT ? this.btcHot.xpub : this.btcDeposit.xpub;
    return btc.deriveAddress(btc.parseAccountXpub(xpub, this.cfg.btcNetwork), this.cfg.btcNetwork, chain, index).scriptPubKey;
  }

  /** Coin selection over our own UTXOs (scripts derived here, never taken from the caller), fee cap, sign. */
  private signBtc(account: number, utxos: OwnUtxo[], outputs: btc.TxOutputSpec[], feeRateSatPerVb: bigint, feeCap: bigint, withChange: boolean): Pick<SignedEntry, 'feeMinor' | 'txid' | 'hex' | 'btc'> {
    if (!Array.isArray(utxos) || utxos.length === 0 || utxos.length > UTXOS_PER_REQUEST_MAX) throw new CustodyError('SIGNER_PROTOCOL', `1..${UTXOS_PER_REQUEST_MAX} utxos`);
    const paths = new Map<string, OwnUtxo>();
    const wallet: btc.WalletUtxo[] = utxos.map((u) => {
      if (typeof u.valueSat !== 'bigint' || (u.chain !== 0 && u.chain !== 1) || !Number.isSafeInteger(u.index)) throw new CustodyError('SIGNER_PROTOCOL', 'malformed utxo');
      paths.set(`${u.txid}:${u.vout}`, u);
      return { txid: u.txid, vout: u.vout, valueSat: u.valueSat, scriptPubKey: this.btcScript(account, u.chain, u.index) };
    });
    let sel: btc.CoinSelection;
    if (withChange) {
      const changeScript = this.btcScript(HOT, 1, 0);
      sel = btc.selectCoins({ utxos: wallet, outputs, feeRateSatPerVb, changeScript });
    } else {
      // Sweep: every input, one output, fee = what is left.
      const inSat = wallet.reduce((a, u) => a + u.valueSat, 0n);
      const outSat = outputs.reduce((a, o) => a + o.amountSat, 0n);
      sel = { inputs: wallet, outputs, changeIndex: -1, feeSat: inSat - outSat, vsize: btc.estimateVsize(wallet.length, outputs.map((o) => o.script)) };
    }
    if (sel.feeSat > feeCap) throw new CustodyError('FEE_CAP_EXCEEDED', 'network fee above the cap', { feeSat: String(sel.feeSat), capSat: String(feeCap) });
    const signed = btc.signP2wpkhTx(
      sel.inputs.map((u) => {
        const p = paths.get(`${u.txid}:${u.vout}`)!;
        return { ...u, privateKey: this.btcKey(account, p.chain, p.index) };
      }),
      sel.outputs,
    );
    return {
      feeMinor: signed.feeSat,
      txid: signed.txid,
      hex: signed.hex,
      btc: {
        inputs: sel.inputs.map((u) => {
          const p = paths.get(`${u.txid}:${u.vout}`)!;
          return { txid: u.txid, vout: u.vout, valueSat: u.valueSat, chain: p.chain, index: p.index, account };
        }),
        outputs: sel.outputs.map((o) => ({ scriptHex: hex.encode(o.script), amountSat: o.amountSat })),
        changeIndex: sel.changeIndex,
      },
    };
  }

  private async signEth(account: LocalAccount, to: eth.EthAddress, valueWei: bigint, nonce: bigint, maxFee: bigint, tip: bigint, feeCap: bigint): Promise<Pick<SignedEntry, 'feeMinor' | 'txid' | 'hex' | 'eth'>> {
    const tx = eth.checkTransfer({ chainId: this.cfg.ethChainId, nonce, to, valueWei, gasLimit: eth.TRANSFER_GAS, maxFeePerGasWei: maxFee, maxPriorityFeePerGasWei: tip });
    const feeMax = tx.gasLimit * tx.maxFeePerGasWei;
    if (feeMax > feeCap) throw new CustodyError('FEE_CAP_EXCEEDED', 'gas × maxFeePerGas above the cap', { feeWei: String(feeMax) });
    const s = await eth.signTransfer(tx, account);
    return { feeMinor: feeMax, txid: s.hash, hex: s.raw, eth: { from: s.from, nonce, maxFeePerGasWei: maxFee, maxPriorityFeePerGasWei: tip, gasLimit: tx.gasLimit } };
  }

  private record(entry: SignedEntry): SignedEntry {
    this.log.append(entry);
    return entry;
  }

  /** For the signing fingerprint in docs and PSBT key origins. */
  get btcMasterFingerprint(): number {
    return this.btcMaster.fingerprint;
  }
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
