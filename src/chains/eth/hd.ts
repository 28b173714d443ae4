import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import type { Hex } from 'viem';
import { assert } from '../../shared/assert.ts';
import { addressFromBytes, type EthAddress } from './address.ts';
import { ChainError } from './errors.ts';

/** BIP44 coin type of Ether (SLIP-44). */
export const ETH_COIN_TYPE = 60;
/** Non-hardened child indexes only: 0 .. 2^31 - 1 (BIP32). */
export const HD_INDEX_MAX = 0x7fffffff;
/** An xpub/xprv is 111 base58 characters; refuse anything far longer before decoding. */
const EXTENDED_KEY_LENGTH_MAX = 120;

/** m/44'/60'/{account}' — the level whose xpub the hot deposit service holds. */
export function accountPath(account = 0): string {
  checkIndex(account, 'account');
  return `m/44'/${ETH_COIN_TYPE}'/${account}'`;
}

/** m/44'/60'/{account}'/0/{index} — external chain (BIP44 "change" = 0). */
export function addressPath(index: number, account = 0): string {
  checkIndex(index, 'index');
  return `${accountPath(account)}/0/${index}`;
}

function checkIndex(i: number, field: string): void {
  if (!Number.isSafeInteger(i) || i < 0 || i > HD_INDEX_MAX) {
    throw new ChainError('HD_BAD_INDEX', `${field} must be an integer in 0..2^31-1`, { field, value: i });
  }
}

/** Validate a BIP39 English mnemonic (checksum included) and stretch it to a seed. */
export function mnemonicToSeed(mnemonic: string, passphrase = ''): Uint8Array {
  if (typeof mnemonic !== 'string' || mnemonic.length > 1000 || !validateMnemonic(mnemonic.normalize('NFKD'), english)) {
    throw new ChainError('HD_BAD_MNEMONIC', 'not a valid BIP39 English mnemonic', {});
  }
  return mnemonicToSeedSync(mnemonic, passphrase);
}

/** Ethereum address of a secp256k1 public key (compressed or not): keccak256(X||Y)[12..]. */
export function publicKeyToAddress(publicKey: Uint8Array): EthAddress {
  const uncompressed = secp256k1.Point.fromBytes(publicKey).toBytes(false);
  assert(uncompressed.length === 65 && uncompressed[0] === 0x04, 'uncompressed secp256k1 point');
  return addressFromBytes(keccak_256(uncompressed.subarray(1)).subarray(12));
}

/** The account-level xpub (m/44'/60'/account') to hand to the deposit service. */
export function accountXpubFromSeed(seed: Uint8Array, account = 0): string {
  return HDKey.fromMasterSeed(seed).derive(accountPath(account)).publicExtendedKey;
}

/** A parsed account-level xpub: public only, depth 3. */
export interface AccountXpub {
  readonly xpub: string;
  readonly key: HDKey;
}

/**
 * Parse an account-level xpub. Refuses private keys (an xprv has no business on
 * the hot deposit side) and keys at any depth other than 3 (m/44'/60'/a'), so a
 * master or address-level key cannot be mistaken for the account key.
 */
export function parseAccountXpub(xpub: string): AccountXpub {
  if (typeof xpub !== 'string' || xpub.length === 0 || xpub.length > EXTENDED_KEY_LENGTH_MAX) {
    throw new ChainError('HD_BAD_XPUB', 'extended public key has a bad length', {});
  }
  if (xpub.startsWith('xprv') || xpub.startsWith('tprv')) {
    throw new ChainError('HD_PRIVATE_KEY_REFUSED', 'an extended private key was given where an xpub is expected', {});
  }
  let key: HDKey;
  try {
    key = HDKey.fromExtendedKey(xpub);
  } catch (e) {
    throw new ChainError('HD_BAD_XPUB', 'not a valid BIP32 extended public key', { reason: (e as Error).message });
  }
  if (key.privateKey !== null) throw new ChainError('HD_PRIVATE_KEY_REFUSED', 'extended key carries a private key', {});
  if (key.depth !== 3) {
    throw new ChainError('HD_NOT_ACCOUNT_LEVEL', "xpub must be the account level m/44'/60'/a' (depth 3)", { depth: key.depth });
  }
  return { xpub, key };
}

/** Deposit address number `index` (m/…/0/index) from the account xpub alone. */
export function deriveDepositAddress(account: AccountXpub | string, index: number): EthAddress {
  checkIndex(index, 'index');
  const acct = typeof account === 'string' ? parseAccountXpub(account) : account;
  const child = acct.key.deriveChild(0).deriveChild(index);
  assert(child.publicKey !== null, 'derived child has a public key');
  return publicKeyToAddress(child.publicKey);
}

/** Key material for one address; the private key is a secret, keep its lifetime short. */
export interface DerivedSigner {
  readonly path: string;
  readonly address: EthAddress;
  readonly privateKey: Hex;
}

/** Derive the signing key of any BIP32 path from a seed (signer / cold side only). */
export function deriveSignerAtPath(seed: Uint8Array, path: string): DerivedSigner {
  if (typeof path !== 'string' || !/^m(\/\d{1,10}'?){0,10}$/.test(path)) {
    throw new ChainError('HD_BAD_PATH', 'not a BIP32 derivation path', { path });
  }
  let key: HDKey;
  try {
    key = HDKey.fromMasterSeed(seed).derive(path);
  } catch (e) {
    throw new ChainError('HD_BAD_PATH', 'cannot derive path', { path, reason: (e as Error).message });
  }
  assert(key.privateKey !== null && key.publicKey !== null, 'derived key is private');
  return { path, address: publicKeyToAddress(key.publicKey), privateKey: `0x${bytesToHex(key.privateKey)}` };
}

/** Derive the signer of deposit/hot address `index` (m/44'/60'/account'/0/index). */
export function deriveSigner(seed: Uint8Array, index: number, account = 0): DerivedSigner {
  return deriveSignerAtPath(seed, addressPath(index, account));
}
