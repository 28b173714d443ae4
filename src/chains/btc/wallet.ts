import { base64, hex } from '@scure/base';
import type { HDKey } from '@scure/bip32';
import { Transaction } from '@scure/btc-signer';
import { hash160, pubECDSA } from '@scure/btc-signer/utils.js';
import { type BtcNetwork, parseAddress } from './address.ts';
import { BtcChainError } from './errors.ts';
import { bip84AccountPath, masterKeyFromSeed, mnemonicToSeed, parseAccountXpub } from './hd.ts';
import { checkP2wpkhInput, decodeRawTx, dustThresholdSat } from './txverify.ts';

/**
 * Building blocks for the hot-wallet signer and the offline cold tool: coin selection, fee
 * estimation, P2WPKH signing with RBF (BIP125), fee bumps, and PSBT (BIP174) refills from cold
 * storage whose signed form is checked against exactly what was approved.
 * Amounts are satoshi bigints; fee rates are whole sat/vB.
 */

/** Core's dust threshold for a P2WPKH output at the default -dustrelayfee (3 sat/vB × 98 vB). */
export const P2WPKH_DUST_SAT = 294n;
/** BIP125: nSequence ≤ 0xfffffffd opts in to replace-by-fee (and keeps nLockTime enforced). */
export const RBF_SEQUENCE = 0xfffffffd;
/** BIP125 rule 4 with Core's default incremental relay fee (1 sat/vB). */
export const INCREMENTAL_RELAY_SAT_PER_VB = 1n;
export const FEE_RATE_SAT_PER_VB_MAX = 10_000n;
export const INPUTS_MAX = 500;
export const OUTPUTS_MAX = 500;
/** The most a PSBT refill may spend on fees unless the caller says otherwise: 0.01 BTC. */
export const PSBT_FEE_SAT_MAX_DEFAULT = 1_000_000n;

export interface WalletUtxo {
  txid: string;
  vout: number;
  valueSat: bigint;
  /** Must be P2WPKH: the only type these building blocks spend. */
  scriptPubKey: Uint8Array;
}
export interface TxOutputSpec {
  script: Uint8Array;
  amountSat: bigint;
}

/** An output to an address, validated for `network`. */
export function outputTo(address: string, amountSat: bigint, network: BtcNetwork): TxOutputSpec {
  return { script: parseAddress(address, network).scriptPubKey, amountSat };
}

function checkFeeRate(feeRateSatPerVb: bigint): void {
  if (typeof feeRateSatPerVb !== 'bigint' || feeRateSatPerVb < 1n || feeRateSatPerVb > FEE_RATE_SAT_PER_VB_MAX) {
    throw new BtcChainError('FEE_RATE_INVALID', `fee rate must be 1..${FEE_RATE_SAT_PER_VB_MAX} sat/vB`, { feeRateSatPerVb: String(feeRateSatPerVb) });
  }
}

function checkOutputs(outputs: TxOutputSpec[]): void {
  if (outputs.length === 0 || outputs.length > OUTPUTS_MAX) throw new BtcChainError('LIMIT_EXCEEDED', `1..${OUTPUTS_MAX} outputs`);
  for (const o of outputs) {
    if (typeof o.amountSat !== 'bigint' || o.amountSat <= 0n) throw new BtcChainError('AMOUNT_INVALID', 'output amounts must be positive satoshi bigints');
    if (o.amountSat < dustSat(o.script)) throw new BtcChainError('DUST_OUTPUT', `output of ${o.amountSat} sat is dust`, { amountSat: String(o.amountSat) });
  }
}

/** Dust threshold for an output script (Core policy): 294 for P2WPKH, 330 P2WSH/P2TR, 546 legacy. */
export const dustSat = dustThresholdSat;

/**
 * Virtual size of a transaction spending `inputCount` P2WPKH inputs to `outputScripts`, in weight
 * units as BIP141 defines them, assuming 72-byte signatures (an upper bound, so fees never fall short).
 */
export function estimateVsize(inputCount: number, outputScripts: Uint8Array[]): number {
  const varint = (n: number): number => (n < 0xfd ? 1 : 3);
  const base = 4 + varint(inputCount) + inputCount * (32 + 4 + 1 + 4) + varint(outputScripts.length) + outputScripts.reduce((a, s) => a + 8 + varint(s.length) + s.length, 0) + 4;
  const witness = 2 + inputCount * (1 + 1 + 72 + 1 + 33); // marker+flag, then per input: count, sig, pubkey
  return Math.ceil((base * 4 + witness) / 4);
}

/** A node's estimate (sat per 1000 vB, as estimatesmartfee gives) as whole sat/vB, rounded up, at least 1. */
export function feeRateFromKvB(feeRateSatPerKvB: bigint): bigint {
  if (feeRateSatPerKvB < 0n) throw new BtcChainError('FEE_RATE_INVALID', 'negative fee rate');
  const perVb = (feeRateSatPerKvB + 999n) / 1000n;
  return perVb < 1n ? 1n : perVb;
}

export function feeForVsize(vsize: number, feeRateSatPerVb: bigint): bigint {
  return BigInt(vsize) * feeRateSatPerVb;
}

export interface CoinSelection {
  inputs: WalletUtxo[];
  /** Recipients, then the change output if any. */
  outputs: TxOutputSpec[];
  changeIndex: number;
  feeSat: bigint;
  vsize: number;
}

/**
 * Largest-first coin selection. Adds change when it is at least the dust threshold; otherwise the
 * remainder goes to the fee (never a dust output). Deterministic: ties break on txid:vout.
 */
export function selectCoins(params: {
  utxos: WalletUtxo[];
  outputs: TxOutputSpec[];
  feeRateSatPerVb: bigint;
  changeScript: Uint8Array;
}): CoinSelection {
  const { outputs, feeRateSatPerVb, changeScript } = params;
  checkFeeRate(feeRateSatPerVb);
  checkOutputs(outputs);
  const target = outputs.reduce((a, o) => a + o.amountSat, 0n);
  const sorted = [...params.utxos].sort((a, b) =>
    a.valueSat !== b.valueSat ? (a.valueSat > b.valueSat ? -1 : 1) : `${a.txid}:${a.vout}` < `${b.txid}:${b.vout}` ? -1 : 1,
  );
  const chosen: WalletUtxo[] = [];
  let inSat = 0n;
  const scripts = outputs.map((o) => o.script);
  for (const u of sorted) {
    if (chosen.length >= INPUTS_MAX) break;
    if (u.valueSat <= 0n) continue;
    chosen.push(u);
    inSat += u.valueSat;
    const vsizeNoChange = estimateVsize(chosen.length, scripts);
    const feeNoChange = feeForVsize(vsizeNoChange, feeRateSatPerVb);
    if (inSat < target + feeNoChange) continue;
    const vsizeChange = estimateVsize(chosen.length, [...scripts, changeScript]);
    const feeChange = feeForVsize(vsizeChange, feeRateSatPerVb);
    const changeSat = inSat - target - feeChange;
    if (changeSat >= dustSat(changeScript)) {
      return { inputs: chosen, outputs: [...outputs, { script: changeScript, amountSat: changeSat }], changeIndex: outputs.length, feeSat: feeChange, vsize: vsizeChange };
    }
    return { inputs: chosen, outputs: [...outputs], changeIndex: -1, feeSat: inSat - target, vsize: vsizeNoChange };
  }
  const available = params.utxos.reduce((a, u) => a + u.valueSat, 0n);
  throw new BtcChainError('INSUFFICIENT_FUNDS', 'not enough funds for the outputs and fee', { targetSat: String(target), availableSat: String(available) });
}

export interface SigningInput extends WalletUtxo {
  privateKey: Uint8Array;
}

export interface SignedTx {
  hex: string;
  txid: string;
  feeSat: bigint;
  vsize: number;
}

/** Builds and signs a P2WPKH transaction with RBF signalled on every input (BIP125). */
export function signP2wpkhTx(inputs: SigningInput[], outputs: TxOutputSpec[]): SignedTx {
  if (inputs.length === 0 || inputs.length > INPUTS_MAX) throw new BtcChainError('LIMIT_EXCEEDED', `1..${INPUTS_MAX} inputs`);
  checkOutputs(outputs);
  const tx = new Transaction({ version: 2, lowR: true });
  for (const i of inputs) {
    const pkh = hash160(pubECDSA(i.privateKey));
    if (hex.encode(i.scriptPubKey) !== `0014${hex.encode(pkh)}`) {
      throw new BtcChainError('SIGNATURE_INVALID', 'private key does not match the P2WPKH output it would spend', { txid: i.txid, vout: i.vout });
    }
    tx.addInput({ txid: i.txid, index: i.vout, witnessUtxo: { script: i.scriptPubKey, amount: i.valueSat }, sequence: RBF_SEQUENCE });
  }
  for (const o of outputs) tx.addOutput({ script: o.script, amount: o.amountSat });
  const inSat = inputs.reduce((a, i) => a + i.valueSat, 0n);
  const outSat = outputs.reduce((a, o) => a + o.amountSat, 0n);
  if (inSat < outSat) throw new BtcChainError('INSUFFICIENT_FUNDS', 'inputs are worth less than outputs');
  inputs.forEach((i, idx) => {
    tx.signIdx(i.privateKey, idx);
  });
  tx.finalize();
  const raw = tx.extract();
  const d = decodeRawTx(raw);
  // Postcondition: every signature verifies as a node would verify it.
  inputs.forEach((i, idx) => {
    const reason = checkP2wpkhInput(d, idx, i.scriptPubKey, i.valueSat);
    if (reason !== null) throw new BtcChainError('SIGNATURE_INVALID', reason);
  });
  return { hex: hex.encode(raw), txid: d.txid, feeSat: inSat - outSat, vsize: d.vsize };
}

/** Selects coins and signs: the hot-wallet withdrawal path. `keyFor` maps a UTXO to its key. */
export function createWithdrawal(params: {
  utxos: WalletUtxo[];
  outputs: TxOutputSpec[];
  feeRateSatPerVb: bigint;
  changeScript: Uint8Array;
  keyFor: (utxo: WalletUtxo) => Uint8Array;
}): SignedTx & { selection: CoinSelection } {
  const selection = selectCoins(params);
  const signed = signP2wpkhTx(
    selection.inputs.map((u) => ({ ...u, privateKey: params.keyFor(u) })),
    selection.outputs,
  );
  return { ...signed, selection };
}

/**
 * Replaces a stuck transaction (BIP125): same inputs, same recipient outputs, the change output
 * reduced to pay `newFeeRateSatPerVb`. The new fee must exceed the old by at least the incremental
 * relay fee for the new size (rule 4); if the change would become dust it is dropped to the fee.
 */
export function bumpFee(params: {
  inputs: SigningInput[];
  outputs: TxOutputSpec[];
  changeIndex: number;
  oldFeeSat: bigint;
  newFeeRateSatPerVb: bigint;
}): SignedTx {
  const { inputs, outputs, changeIndex, oldFeeSat, newFeeRateSatPerVb } = params;
  checkFeeRate(newFeeRateSatPerVb);
  const change = outputs[changeIndex];
  if (!change) throw new BtcChainError('FEE_BUMP_INVALID', 'a fee bump needs the change output to pay from');
  const inSat = inputs.reduce((a, i) => a + i.valueSat, 0n);
  const recipients = outputs.filter((_, i) => i !== changeIndex);
  const recipientsSat = recipients.reduce((a, o) => a + o.amountSat, 0n);
  const vsize = estimateVsize(inputs.length, outputs.map((o) => o.script));
  let feeSat = feeForVsize(vsize, newFeeRateSatPerVb);
  const minFeeSat = oldFeeSat + BigInt(vsize) * INCREMENTAL_RELAY_SAT_PER_VB;
  if (feeSat < minFeeSat) feeSat = minFeeSat;
  const newChange = inSat - recipientsSat - feeSat;
  let newOutputs: TxOutputSpec[];
  if (newChange >= dustSat(change.script)) {
    newOutputs = outputs.map((o, i) => (i === changeIndex ? { script: o.script, amountSat: newChange } : o));
  } else if (newChange >= 0n) {
    newOutputs = recipients;
  } else {
    throw new BtcChainError('FEE_BUMP_INVALID', 'change cannot cover the higher fee; add inputs', { shortSat: String(-newChange) });
  }
  const signed = signP2wpkhTx(inputs, newOutputs);
  if (signed.feeSat < oldFeeSat + BigInt(signed.vsize) * INCREMENTAL_RELAY_SAT_PER_VB) {
    throw new BtcChainError('FEE_BUMP_INVALID', 'replacement does not pay the BIP125 incremental fee');
  }
  return signed;
}

// ---------------------------------------------------------------------------------------------
// PSBT (BIP174) refills: cold storage → hot wallet.

export interface ColdUtxo extends WalletUtxo {
  /** BIP44 chain (0 receive, 1 change) and index under the cold account. */
  chain: 0 | 1;
  index: number;
}

/** What a human approved; the signed PSBT must match it exactly. */
export interface ApprovedSpend {
  inputs: Array<{ txid: string; vout: number; valueSat: bigint }>;
  outputs: Array<{ scriptHex: string; amountSat: bigint }>;
  maxFeeSat: bigint;
}

/**
 * Creates an unsigned PSBT spending cold UTXOs to the approved outputs (e.g. the hot wallet's
 * refill address), with change back to the cold account. Each input carries its witness UTXO and
 * BIP32 key origin so the offline signer can find its key without any other data.
 */
export function createRefillPsbt(params: {
  accountXpub: string;
  network: BtcNetwork;
  masterFingerprint: number;
  utxos: ColdUtxo[];
  outputs: TxOutputSpec[];
  feeRateSatPerVb: bigint;
  changeIndex: number;
  maxFeeSat?: bigint;
}): { psbtBase64: string; approved: ApprovedSpend; feeSat: bigint } {
  const account = parseAccountXpub(params.accountXpub, params.network);
  const accountPath = bip84AccountPath(params.network).replace(/^m\//, '');
  const pathIndices = accountPath.split('/').map((p) => (p.endsWith("'") ? Number(p.slice(0, -1)) + 0x80000000 : Number(p)));
  const changeChild = account.deriveChild(1).deriveChild(params.changeIndex);
  const changeScript = Uint8Array.of(0x00, 0x14, ...hash160(changeChild.publicKey!));
  const selection = selectCoins({ utxos: params.utxos, outputs: params.outputs, feeRateSatPerVb: params.feeRateSatPerVb, changeScript });
  const tx = new Transaction({ version: 2 });
  for (const u of selection.inputs as ColdUtxo[]) {
    const pub = account.deriveChild(u.chain).deriveChild(u.index).publicKey!;
    if (hex.encode(u.scriptPubKey) !== `0014${hex.encode(hash160(pub))}`) {
      throw new BtcChainError('PSBT_INVALID', 'cold UTXO does not belong to the derivation path given', { txid: u.txid, vout: u.vout });
    }
    tx.addInput({
      txid: u.txid,
      index: u.vout,
      sequence: RBF_SEQUENCE,
      witnessUtxo: { script: u.scriptPubKey, amount: u.valueSat },
      bip32Derivation: [[pub, { fingerprint: params.masterFingerprint, path: [...pathIndices, u.chain, u.index] }]],
    });
  }
  for (const o of selection.outputs) tx.addOutput({ script: o.script, amount: o.amountSat });
  const maxFeeSat = params.maxFeeSat ?? PSBT_FEE_SAT_MAX_DEFAULT;
  if (selection.feeSat > maxFeeSat) throw new BtcChainError('PSBT_FEE_TOO_HIGH', 'fee above the allowed maximum', { feeSat: String(selection.feeSat) });
  return {
    psbtBase64: base64.encode(tx.toPSBT(0)),
    feeSat: selection.feeSat,
    approved: {
      inputs: selection.inputs.map((u) => ({ txid: u.txid, vout: u.vout, valueSat: u.valueSat })),
      outputs: selection.outputs.map((o) => ({ scriptHex: hex.encode(o.script), amountSat: o.amountSat })),
      maxFeeSat,
    },
  };
}

function readPsbt(psbtBase64: string): Transaction {
  if (typeof psbtBase64 !== 'string' || psbtBase64.length > 2_000_000) throw new BtcChainError('PSBT_INVALID', 'PSBT must be base64 text under 2 MB');
  try {
    return Transaction.fromPSBT(base64.decode(psbtBase64));
  } catch (e) {
    throw new BtcChainError('PSBT_INVALID', 'PSBT does not decode', { reason: String(e).slice(0, 200) });
  }
}

export interface PsbtSummary {
  inputs: Array<{ txid: string; vout: number; valueSat: bigint; scriptHex: string }>;
  outputs: Array<{ scriptHex: string; amountSat: bigint }>;
  feeSat: bigint;
}

/** What a PSBT spends and pays, for the offline tool's screen and for checks. */
export function describePsbt(psbtBase64: string): PsbtSummary {
  const tx = readPsbt(psbtBase64);
  const inputs: PsbtSummary['inputs'] = [];
  for (let i = 0; i < tx.inputsLength; i++) {
    const inp = tx.getInput(i);
    if (!inp.txid || inp.index === undefined || !inp.witnessUtxo) throw new BtcChainError('PSBT_INVALID', `input ${i} lacks its witness UTXO`);
    inputs.push({ txid: hex.encode(inp.txid), vout: inp.index, valueSat: inp.witnessUtxo.amount, scriptHex: hex.encode(inp.witnessUtxo.script) });
  }
  const outputs: PsbtSummary['outputs'] = [];
  for (let i = 0; i < tx.outputsLength; i++) {
    const o = tx.getOutput(i);
    if (!o.script || o.amount === undefined) throw new BtcChainError('PSBT_INVALID', `output ${i} incomplete`);
    outputs.push({ scriptHex: hex.encode(o.script), amountSat: o.amount });
  }
  const inSat = inputs.reduce((a, x) => a + x.valueSat, 0n);
  const outSat = outputs.reduce((a, x) => a + x.amountSat, 0n);
  if (inSat < outSat) throw new BtcChainError('PSBT_INVALID', 'PSBT outputs exceed inputs');
  return { inputs, outputs, feeSat: inSat - outSat };
}

/**
 * The offline signer: signs every input whose BIP32 origin belongs to this mnemonic's master key
 * and whose witness UTXO is the P2WPKH of the derived key. Refuses a PSBT with nothing of ours.
 */
export function coldSign(psbtBase64: string, mnemonic: string, passphrase = '', expected?: ApprovedSpend): string {
  // Defence in depth: given the approval (carried to the offline machine separately from the
  // PSBT), the cold tool refuses to sign anything else — a compromised hot side cannot swap outputs
  // or lie about input values (the segwit v0 fee attack) between approval and signing.
  if (expected !== undefined) checkAgainstApproval(describePsbt(psbtBase64), expected);
  const master = masterKeyFromSeed(mnemonicToSeed(mnemonic, passphrase));
  const tx = readPsbt(psbtBase64);
  let signed = 0;
  for (let i = 0; i < tx.inputsLength; i++) {
    const inp = tx.getInput(i);
    for (const [pub, origin] of inp.bip32Derivation ?? []) {
      if (origin.fingerprint !== master.fingerprint) continue;
      if (origin.path.length > 10) throw new BtcChainError('PSBT_INVALID', 'derivation path too long');
      let key: HDKey = master;
      for (const index of origin.path) key = key.deriveChild(index);
      if (!key.privateKey || hex.encode(key.publicKey!) !== hex.encode(pub)) throw new BtcChainError('PSBT_INVALID', `input ${i}: key origin does not match its public key`);
      if (!inp.witnessUtxo || hex.encode(inp.witnessUtxo.script) !== `0014${hex.encode(hash160(pub))}`) {
        throw new BtcChainError('PSBT_INVALID', `input ${i}: witness UTXO is not this key's P2WPKH`);
      }
      tx.signIdx(key.privateKey, i);
      signed++;
    }
  }
  if (signed === 0) throw new BtcChainError('PSBT_NOTHING_TO_SIGN', 'no input of this PSBT belongs to this key');
  return base64.encode(tx.toPSBT(0));
}

/**
 * Checks a signed PSBT against what was approved — the same inputs (outpoints and values), exactly
 * the approved outputs in order, fee within the cap, every signature valid — and returns the final
 * transaction. Any tampering (an output added, an amount or script changed, an input swapped,
 * a lied-about input value) is an error, never a broadcastable transaction.
 */
function checkAgainstApproval(summary: PsbtSummary, approved: ApprovedSpend): void {
  const key = (x: { txid: string; vout: number; valueSat: bigint }): string => `${x.txid}:${x.vout}:${x.valueSat}`;
  const got = summary.inputs.map(key);
  const want = approved.inputs.map(key);
  if (got.length !== want.length || got.some((g, i) => g !== want[i])) {
    throw new BtcChainError('PSBT_INPUTS_MISMATCH', 'PSBT inputs differ from the approved inputs', { got, want });
  }
  const outputsMatch =
    summary.outputs.length === approved.outputs.length &&
    summary.outputs.every((o, i) => o.scriptHex === approved.outputs[i]!.scriptHex && o.amountSat === approved.outputs[i]!.amountSat);
  if (!outputsMatch) throw new BtcChainError('PSBT_OUTPUTS_MISMATCH', 'PSBT outputs differ from the approved outputs');
  if (summary.feeSat > approved.maxFeeSat) throw new BtcChainError('PSBT_FEE_TOO_HIGH', 'PSBT fee above the approved maximum', { feeSat: String(summary.feeSat) });
}

export function finalizeApprovedPsbt(psbtBase64: string, approved: ApprovedSpend): SignedTx {
  const summary = describePsbt(psbtBase64);
  checkAgainstApproval(summary, approved);
  const tx = readPsbt(psbtBase64);
  try {
    tx.finalize();
  } catch (e) {
    throw new BtcChainError('PSBT_NOT_SIGNED', 'PSBT is not fully signed', { reason: String(e).slice(0, 200) });
  }
  const raw = tx.extract();
  const d = decodeRawTx(raw);
  summary.inputs.forEach((inp, idx) => {
    const reason = checkP2wpkhInput(d, idx, hex.decode(inp.scriptHex), inp.valueSat);
    if (reason !== null) throw new BtcChainError('SIGNATURE_INVALID', `input ${idx}: ${reason}`);
  });
  return { hex: hex.encode(raw), txid: d.txid, feeSat: summary.feeSat, vsize: d.vsize };
}

/** Private key for a hot-wallet address at chain/index under a BIP84 account of `seed`. */
export function hotKeyAt(seed: Uint8Array, network: BtcNetwork, chain: 0 | 1, index: number): Uint8Array {
  const key = masterKeyFromSeed(seed).derive(`${bip84AccountPath(network)}/${chain}/${index}`);
  if (!key.privateKey) throw new BtcChainError('DERIVATION_INDEX', 'no private key derived');
  return key.privateKey;
}
