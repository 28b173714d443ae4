import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { CustodyError } from './errors.ts';

/**
 * A withdrawal intent: what the core side (the withdrawal processor) asks the signer to pay.
 * The processor signs it with its Ed25519 intent key; the signer holds only the public key,
 * so a compromised network path or a forged request cannot make the signer pay anyone.
 */
export interface WithdrawalIntent {
  /** = the core's withdrawal id: one intent per withdrawal, ever. */
  readonly intentId: string;
  readonly asset: 'BTC' | 'ETH';
  readonly destination: string;
  /** What the customer receives, in satoshi or wei. */
  readonly amountMinor: bigint;
  /** The network fee the signer may pay at most for this intent (all attempts, each). */
  readonly feePolicy: { readonly feeCapMinor: bigint };
  readonly createdMs: number;
}

const DOMAIN = 'rampart-withdrawal-intent-v1';
export const INTENT_ID_RE = /^[A-Za-z0-9_:.-]{1,128}$/;

export function checkIntent(i: unknown): WithdrawalIntent {
  const bad = (why: string): never => {
    throw new CustodyError('INTENT_MALFORMED', `intent ${why}`);
  };
  if (i === null || typeof i !== 'object') return bad('must be an object');
  const x = i as Record<string, unknown>;
  if (typeof x.intentId !== 'string' || !INTENT_ID_RE.test(x.intentId)) bad('id');
  if (x.asset !== 'BTC' && x.asset !== 'ETH') bad('asset');
  if (typeof x.destination !== 'string' || x.destination.length < 8 || x.destination.length > 128) bad('destination');
  if (typeof x.amountMinor !== 'bigint' || x.amountMinor <= 0n) bad('amount');
  const fp = x.feePolicy as { feeCapMinor?: unknown } | null;
  if (fp === null || typeof fp !== 'object' || typeof fp.feeCapMinor !== 'bigint' || fp.feeCapMinor <= 0n) bad('feePolicy');
  if (!Number.isSafeInteger(x.createdMs) || (x.createdMs as number) < 0) bad('createdMs');
  return x as unknown as WithdrawalIntent;
}

/** Domain-separated, fixed-order bytes: what is signed and what the signer's log keys on. */
export function intentBytes(i: WithdrawalIntent): Uint8Array {
  const body = JSON.stringify([DOMAIN, i.intentId, i.asset, i.destination, i.amountMinor.toString(), i.feePolicy.feeCapMinor.toString(), i.createdMs]);
  return new TextEncoder().encode(body);
}

export function intentHashHex(i: WithdrawalIntent): string {
  return sha256Hex(intentBytes(i));
}

function sha256Hex(b: Uint8Array): string {
  return bytesToHex(sha256(b));
}

export interface IntentKeyPair {
  readonly secretKeyHex: string;
  readonly publicKeyHex: string;
}

export function generateIntentKey(): IntentKeyPair {
  const sk = ed25519.utils.randomSecretKey();
  return { secretKeyHex: bytesToHex(sk), publicKeyHex: bytesToHex(ed25519.getPublicKey(sk)) };
}

export function signIntent(i: WithdrawalIntent, secretKeyHex: string): string {
  return bytesToHex(ed25519.sign(intentBytes(checkIntent(i)), hexToBytes(secretKeyHex)));
}

/** RFC 8032 verification; any malformed input is simply "not valid". */
export function verifyIntent(i: WithdrawalIntent, sigHex: unknown, publicKeyHex: string): boolean {
  if (typeof sigHex !== 'string' || !/^[0-9a-f]{128}$/.test(sigHex)) return false;
  try {
    return ed25519.verify(hexToBytes(sigHex), intentBytes(i), hexToBytes(publicKeyHex));
  } catch {
    return false;
  }
}
