import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { hash160 } from '@scure/btc-signer/utils.js';
import { type BtcNetwork, p2wpkhAddress } from './address.ts';
import { BtcChainError } from './errors.ts';

/**
 * BIP39 mnemonics, BIP32 keys and BIP84 (native segwit P2WPKH) accounts.
 * The hot side only ever holds an account *public* key: receive addresses are derived from it
 * (m/84'/coin'/account'/0/i) so a breach of the deposit service leaks no spending key.
 */

/** SLIP-132 / BIP84 version bytes of extended keys. */
export const XKEY_VERSIONS = {
  xpub: { public: 0x0488b21e, private: 0x0488ade4 }, // BIP32 mainnet
  tpub: { public: 0x043587cf, private: 0x04358394 }, // BIP32 testnet/regtest
  zpub: { public: 0x04b24746, private: 0x04b2430c }, // BIP84 mainnet (zpub/zprv)
  vpub: { public: 0x045f1cf6, private: 0x045f18bc }, // BIP84 testnet (vpub/vprv)
} as const;
export type XkeyFormat = keyof typeof XKEY_VERSIONS;

const HARDENED = 0x80000000;
/** BIP32 child indices are 31-bit for non-hardened derivation. */
export const DERIVATION_INDEX_MAX = HARDENED - 1;

/** BIP84: purpose 84', coin type 0' on mainnet and 1' on testnet/regtest (SLIP-44). */
export function bip84AccountPath(network: BtcNetwork, account = 0): string {
  checkIndex(account, 'account');
  return `m/84'/${network === 'mainnet' ? 0 : 1}'/${account}'`;
}

function checkIndex(index: number, field: string): void {
  if (!Number.isInteger(index) || index < 0 || index > DERIVATION_INDEX_MAX) {
    throw new BtcChainError('DERIVATION_INDEX', `${field} must be an integer 0..${DERIVATION_INDEX_MAX}`, { field, index });
  }
}

/** Normalises and checks a BIP39 English mnemonic (word list and checksum). */
export function checkMnemonic(mnemonic: unknown): string {
  if (typeof mnemonic !== 'string' || mnemonic.length > 1000) throw new BtcChainError('MNEMONIC_INVALID', 'mnemonic must be a string of BIP39 words');
  const normalized = mnemonic.normalize('NFKD').trim().split(/\s+/).join(' ');
  if (!validateMnemonic(normalized, wordlist)) throw new BtcChainError('MNEMONIC_INVALID', 'mnemonic fails the BIP39 word list or checksum');
  return normalized;
}

/** BIP39: PBKDF2-HMAC-SHA512(mnemonic, "mnemonic" + passphrase, 2048) → 64-byte seed. */
export function mnemonicToSeed(mnemonic: string, passphrase = ''): Uint8Array {
  return mnemonicToSeedSync(checkMnemonic(mnemonic), passphrase);
}

/** BIP32 master key from a seed; `format` picks the version bytes used when serialising. */
export function masterKeyFromSeed(seed: Uint8Array, format: XkeyFormat = 'xpub'): HDKey {
  return HDKey.fromMasterSeed(seed, XKEY_VERSIONS[format]);
}

function defaultFormat(network: BtcNetwork, slip132: boolean): XkeyFormat {
  if (network === 'mainnet') return slip132 ? 'zpub' : 'xpub';
  return slip132 ? 'vpub' : 'tpub';
}

export interface Bip84Account {
  path: string;
  /** Account extended private key: only for the offline cold tool, never on a server. */
  xprv: string;
  xpub: string;
  /** BIP32 fingerprint of the master key (PSBT key origins, BIP174). */
  masterFingerprint: number;
}

/** Derives the BIP84 account keys from a seed (zpub/vpub with `slip132`, else xpub/tpub). */
export function bip84Account(seed: Uint8Array, network: BtcNetwork, account = 0, slip132 = true): Bip84Account {
  const format = defaultFormat(network, slip132);
  const master = masterKeyFromSeed(seed, format);
  const path = bip84AccountPath(network, account);
  const key = master.derive(path);
  return { path, xprv: key.privateExtendedKey, xpub: key.publicExtendedKey, masterFingerprint: master.fingerprint };
}

/**
 * Parses an account-level extended *public* key for `network` (xpub/zpub on mainnet,
 * tpub/vpub on testnet/regtest). Refuses private keys: a server must never be handed one.
 */
export function parseAccountXpub(xpub: unknown, network: BtcNetwork): HDKey {
  if (typeof xpub !== 'string' || xpub.length < 100 || xpub.length > 120) throw new BtcChainError('XPUB_INVALID', 'extended key must be a 111-character base58 string');
  const allowed: XkeyFormat[] = network === 'mainnet' ? ['xpub', 'zpub'] : ['tpub', 'vpub'];
  const others: XkeyFormat[] = network === 'mainnet' ? ['tpub', 'vpub'] : ['xpub', 'zpub'];
  for (const format of allowed) {
    const key = tryParse(xpub, format);
    if (key === 'private') throw new BtcChainError('XPUB_IS_PRIVATE', 'an extended private key was given where only a public key is allowed');
    if (key) {
      if (key.depth !== 3) throw new BtcChainError('XPUB_WRONG_DEPTH', `expected an account-level key (depth 3), got depth ${key.depth}`, { depth: key.depth });
      return key;
    }
  }
  for (const format of others) {
    if (tryParse(xpub, format)) throw new BtcChainError('XPUB_WRONG_NETWORK', `extended key is not for ${network}`, { network });
  }
  throw new BtcChainError('XPUB_INVALID', 'not a valid extended public key');
}

function tryParse(text: string, format: XkeyFormat): HDKey | 'private' | undefined {
  let key: HDKey;
  try {
    key = HDKey.fromExtendedKey(text, XKEY_VERSIONS[format]);
  } catch {
    return undefined;
  }
  return key.privateKey ? 'private' : key;
}

export interface DerivedAddress {
  address: string;
  /** Relative to the account: `0/i` receive, `1/i` change (BIP44 chain). */
  chain: 0 | 1;
  index: number;
  publicKey: Uint8Array;
  /** scriptPubKey: OP_0 <HASH160(pubkey)>. */
  scriptPubKey: Uint8Array;
}

/** Derives the P2WPKH address at `chain/index` from an account public key (no private key involved). */
export function deriveAddress(account: HDKey, network: BtcNetwork, chain: 0 | 1, index: number): DerivedAddress {
  checkIndex(index, 'index');
  if (chain !== 0 && chain !== 1) throw new BtcChainError('DERIVATION_INDEX', 'chain must be 0 (receive) or 1 (change)', { chain });
  const child = account.deriveChild(chain).deriveChild(index);
  const publicKey = child.publicKey;
  if (publicKey?.length !== 33) throw new BtcChainError('XPUB_INVALID', 'derived key has no compressed public key');
  const pkh = hash160(publicKey);
  return { address: p2wpkhAddress(network, pkh), chain, index, publicKey, scriptPubKey: Uint8Array.from([0x00, 0x14, ...pkh]) };
}

/** Receive address m/84'/coin'/account'/0/index from the account xpub/zpub text. */
export function deriveReceiveAddress(accountXpub: string, network: BtcNetwork, index: number): DerivedAddress {
  return deriveAddress(parseAccountXpub(accountXpub, network), network, 0, index);
}

/** Change address m/84'/coin'/account'/1/index from the account xpub/zpub text. */
export function deriveChangeAddress(accountXpub: string, network: BtcNetwork, index: number): DerivedAddress {
  return deriveAddress(parseAccountXpub(accountXpub, network), network, 1, index);
}
