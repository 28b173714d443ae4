import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { Transaction } from '@scure/btc-signer';
import { RawTx } from '@scure/btc-signer/script.js';
import { hash160, sha256x2 } from '@scure/btc-signer/utils.js';
import { BtcChainError } from './errors.ts';

/**
 * Decoding and P2WPKH signature checking of raw transactions, shared by the devnet (mempool
 * acceptance), the PSBT checker and BIP322 verification. btc-signer signs but does not verify,
 * so verification is here: BIP143 sighash from btc-signer, ECDSA from @noble/curves.
 */

/** Largest raw transaction accepted (400k weight units is Core's standard tx limit). */
export const TX_BYTES_MAX = 400_000;

export interface DecodedTx {
  txid: string;
  wtxid: string;
  raw: Uint8Array;
  tx: ReturnType<typeof RawTx.decode>;
  size: number;
  weight: number;
  vsize: number;
  /** Known once validated against its inputs; undefined for coinbases. */
  feeSat?: bigint;
}

const rev = (b: Uint8Array): Uint8Array => Uint8Array.from(b).reverse();

/** Decodes consensus-serialised tx bytes (BIP144 when witnessed). Throws TX_DECODE. */
export function decodeRawTx(raw: Uint8Array): DecodedTx {
  let tx: ReturnType<typeof RawTx.decode>;
  try {
    if (raw.length === 0 || raw.length > TX_BYTES_MAX) throw new Error('size');
    tx = RawTx.decode(raw);
  } catch {
    throw new BtcChainError('TX_DECODE', 'transaction bytes do not decode', { length: raw.length });
  }
  const stripped = RawTx.encode({ ...tx, segwitFlag: false, witnesses: undefined });
  const weight = stripped.length * 3 + raw.length;
  return {
    txid: hex.encode(rev(sha256x2(stripped))),
    wtxid: hex.encode(rev(sha256x2(raw))),
    raw,
    tx,
    size: raw.length,
    weight,
    vsize: Math.ceil(weight / 4),
  };
}

/** BIP143 scriptCode of a P2WPKH program: OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG. */
export function p2wpkhScriptCode(program: Uint8Array): Uint8Array {
  return Uint8Array.of(0x76, 0xa9, 0x14, ...program, 0x88, 0xac);
}

export function isP2wpkhScript(s: Uint8Array): boolean {
  return s.length === 22 && s[0] === 0x00 && s[1] === 0x14;
}

export const SIG_FAIL_REASON = 'mandatory-script-verify-flag-failed (Signature must be zero for failed CHECK(MULTI)SIG operation)';

/**
 * Checks that input `idx` of `decoded` validly spends a P2WPKH output (`prevScript`, `prevValueSat`).
 * Returns null when valid, else bitcoind's reject reason.
 */
export function checkP2wpkhInput(decoded: DecodedTx, idx: number, prevScript: Uint8Array, prevValueSat: bigint): string | null {
  if (!isP2wpkhScript(prevScript)) return 'non-mandatory-script-verify-flag (only P2WPKH inputs are verified here)';
  const input = decoded.tx.inputs[idx];
  if (!input) return 'input index out of range';
  if (input.finalScriptSig.length !== 0) return 'mandatory-script-verify-flag-failed (Witness requires empty scriptSig)';
  const witness = decoded.tx.witnesses?.[idx] ?? [];
  if (witness.length !== 2) return 'mandatory-script-verify-flag-failed (Witness program hash mismatch)';
  const [sigWithType, pubkey] = witness as [Uint8Array, Uint8Array];
  const program = prevScript.slice(2);
  // Core's policy (SCRIPT_VERIFY_WITNESS_PUBKEYTYPE) requires a compressed key in segwit v0.
  if (pubkey.length !== 33 || hex.encode(hash160(pubkey)) !== hex.encode(program)) {
    return 'mandatory-script-verify-flag-failed (Witness program hash mismatch)';
  }
  if (sigWithType.length < 9 || sigWithType.length > 73) return SIG_FAIL_REASON;
  const hashType = sigWithType[sigWithType.length - 1]!;
  if (![0x01, 0x02, 0x03, 0x81, 0x82, 0x83].includes(hashType)) {
    return 'non-mandatory-script-verify-flag (Signature hash type missing or not understood)';
  }
  try {
    const parsed = Transaction.fromRaw(decoded.raw, {
      allowUnknownOutputs: true,
      allowUnknownInputs: true,
      disableScriptCheck: true,
      allowUnknownVersion: true,
    });
    const digest = parsed.preimageWitnessV0(idx, p2wpkhScriptCode(program), hashType, prevValueSat);
    // lowS: Core's standardness (SCRIPT_VERIFY_LOW_S) refuses high-S signatures.
    const ok = secp256k1.verify(sigWithType.slice(0, -1), digest, pubkey, { prehash: false, format: 'der', lowS: true });
    return ok ? null : SIG_FAIL_REASON;
  } catch {
    return SIG_FAIL_REASON;
  }
}

/**
 * Core's dust threshold (policy.cpp GetDustThreshold at the default -dustrelayfee of 3000 sat/kvB):
 * the cost of creating and later spending the output. 294 sat for P2WPKH, 330 for P2WSH/P2TR,
 * 546 for P2PKH; OP_RETURN outputs are never dust.
 */
export function dustThresholdSat(script: Uint8Array): bigint {
  if (script[0] === 0x6a) return 0n;
  const outSize = 8 + 1 + script.length;
  const op = script[0];
  const isWitness = script.length >= 4 && script.length <= 42 && op !== undefined && (op === 0 || (op >= 0x51 && op <= 0x60)) && script[1] === script.length - 2;
  // Spending input: outpoint 36 + scriptSig length 1 + sequence 4, plus 107 bytes of signature and
  // key — discounted by 4 inside a witness (26 after rounding), in the scriptSig otherwise.
  const spendSize = 32 + 4 + 1 + 4 + (isWitness ? 26 : 107);
  return (BigInt(outSize + spendSize) * 3000n) / 1000n;
}
