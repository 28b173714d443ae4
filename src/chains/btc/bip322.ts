import { sha256 } from '@noble/hashes/sha2.js';
import { base64, hex } from '@scure/base';
import { Transaction } from '@scure/btc-signer';
import { RawTx, RawWitness } from '@scure/btc-signer/script.js';
import { hash160, pubECDSA, sha256x2 } from '@scure/btc-signer/utils.js';
import { type BtcNetwork, p2wpkhAddress, parseAddress } from './address.ts';
import { BtcChainError } from './errors.ts';
import { checkP2wpkhInput, decodeRawTx } from './txverify.ts';

/**
 * BIP322 "simple" generic signed messages for P2WPKH addresses (proof of reserves: "this exchange
 * controls bc1q…"). The signature is the witness of a virtual `to_sign` transaction that spends a
 * virtual `to_spend` output locked to the address, so a signature means exactly what spending does.
 */

const TAG = sha256(new TextEncoder().encode('BIP0322-signed-message'));
export const BIP322_MESSAGE_BYTES_MAX = 100_000;

/** BIP322: tagged hash (BIP340 style) of the message with tag "BIP0322-signed-message". */
export function bip322MessageHash(message: string | Uint8Array): Uint8Array {
  const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : message;
  if (bytes.length > BIP322_MESSAGE_BYTES_MAX) throw new BtcChainError('LIMIT_EXCEEDED', 'message too long');
  return sha256(Uint8Array.of(...TAG, ...TAG, ...bytes));
}

const rev = (b: Uint8Array): Uint8Array => Uint8Array.from(b).reverse();

/** The virtual to_spend transaction's txid (display hex) for `message` and `scriptPubKey`. */
export function bip322ToSpendTxid(message: string | Uint8Array, scriptPubKey: Uint8Array): string {
  const raw = RawTx.encode({
    version: 0,
    segwitFlag: false,
    inputs: [{ txid: new Uint8Array(32), index: 0xffffffff, finalScriptSig: Uint8Array.of(0x00, 0x20, ...bip322MessageHash(message)), sequence: 0 }],
    outputs: [{ amount: 0n, script: scriptPubKey }],
    witnesses: undefined,
    lockTime: 0,
  });
  return hex.encode(rev(sha256x2(raw)));
}

function p2wpkhOnly(address: string, network: BtcNetwork): Uint8Array {
  const parsed = parseAddress(address, network);
  if (parsed.type !== 'p2wpkh') throw new BtcChainError('ADDRESS_UNSUPPORTED', 'BIP322 here supports P2WPKH addresses only', { type: parsed.type });
  return parsed.scriptPubKey;
}

function toSignRaw(toSpendTxid: string, witness: Uint8Array[] | undefined): Uint8Array {
  return RawTx.encode({
    version: 0,
    segwitFlag: witness !== undefined,
    inputs: [{ txid: hex.decode(toSpendTxid), index: 0, finalScriptSig: new Uint8Array(0), sequence: 0 }],
    outputs: [{ amount: 0n, script: Uint8Array.of(0x6a) }],
    witnesses: witness === undefined ? undefined : [witness],
    lockTime: 0,
  });
}

/** Signs `message` for the P2WPKH address of `privateKey`; returns the base64 "simple" signature. */
export function signMessageBip322(message: string | Uint8Array, privateKey: Uint8Array, network: BtcNetwork): { address: string; signature: string } {
  const script = Uint8Array.of(0x00, 0x14, ...hash160(pubECDSA(privateKey)));
  const toSpend = bip322ToSpendTxid(message, script);
  const tx = new Transaction({ version: 0, allowUnknownVersion: true, allowUnknownOutputs: true, lowR: true });
  tx.addInput({ txid: toSpend, index: 0, sequence: 0, witnessUtxo: { script, amount: 0n } });
  tx.addOutput({ script: Uint8Array.of(0x6a), amount: 0n });
  tx.signIdx(privateKey, 0);
  tx.finalizeIdx(0);
  const witness = tx.getInput(0).finalScriptWitness;
  if (!witness) throw new BtcChainError('SIGNATURE_INVALID', 'signing produced no witness');
  const address = parseAddress(encodeP2wpkh(script, network), network).address;
  const signature = base64.encode(RawWitness.encode(witness));
  if (!verifyMessageBip322(message, address, signature, network)) throw new BtcChainError('SIGNATURE_INVALID', 'own BIP322 signature does not verify');
  return { address, signature };
}

function encodeP2wpkh(script: Uint8Array, network: BtcNetwork): string {
  return p2wpkhAddress(network, script.slice(2));
}

/**
 * Verifies a BIP322 simple signature of `message` by `address` (P2WPKH). Returns false for a
 * wrong signature; throws a typed error only for malformed input (bad address, undecodable base64).
 */
export function verifyMessageBip322(message: string | Uint8Array, address: string, signatureBase64: string, network: BtcNetwork): boolean {
  const script = p2wpkhOnly(address, network);
  let witness: Uint8Array[];
  try {
    if (typeof signatureBase64 !== 'string' || signatureBase64.length > 10_000) throw new Error('length');
    witness = RawWitness.decode(base64.decode(signatureBase64));
  } catch {
    throw new BtcChainError('SIGNATURE_INVALID', 'BIP322 signature is not a base64 witness stack');
  }
  // P2WPKH needs exactly [signature, pubkey]; anything else cannot be valid (and an empty stack
  // cannot even be serialised with the segwit flag).
  if (witness.length !== 2) return false;
  const d = decodeRawTx(toSignRaw(bip322ToSpendTxid(message, script), witness));
  return checkP2wpkhInput(d, 0, script, 0n) === null;
}
