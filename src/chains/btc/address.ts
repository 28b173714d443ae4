import { base58check as makeBase58check, bech32, bech32m } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { BtcChainError } from './errors.ts';

/**
 * Bitcoin address parsing and encoding for mainnet, testnet and regtest.
 * bech32 (BIP173) for witness v0, bech32m (BIP350) for witness v1..16, base58check for
 * legacy P2PKH / P2SH. The codecs are @scure/base; this module only adds Bitcoin's rules.
 */

export type BtcNetwork = 'mainnet' | 'testnet' | 'regtest';
export const BTC_NETWORKS: readonly BtcNetwork[] = ['mainnet', 'testnet', 'regtest'];

/** Per-network prefixes (Bitcoin Core chainparams.cpp). Testnet and regtest share base58 versions. */
export const NETWORK_PARAMS: Readonly<Record<BtcNetwork, { hrp: string; p2pkh: number; p2sh: number }>> = {
  mainnet: { hrp: 'bc', p2pkh: 0x00, p2sh: 0x05 },
  testnet: { hrp: 'tb', p2pkh: 0x6f, p2sh: 0xc4 },
  regtest: { hrp: 'bcrt', p2pkh: 0x6f, p2sh: 0xc4 },
};

export type AddressType = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr' | 'witness_unknown';

export interface ParsedAddress {
  /** Canonical form: lowercase for bech32/bech32m, unchanged for base58. */
  address: string;
  network: BtcNetwork;
  type: AddressType;
  /** Witness version 0..16, or null for base58 addresses. */
  witnessVersion: number | null;
  /** Witness program, or the 20-byte hash of a base58 address. */
  program: Uint8Array;
  /** The output script this address pays to. */
  scriptPubKey: Uint8Array;
}

/** BIP173: an address is at most 90 characters. */
const BECH32_LENGTH_MAX = 90;
const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
/** Longest base58 address is 35 characters; refuse long input before decoding. */
const BASE58_LENGTH_MAX = 40;

const b58c = makeBase58check(sha256);

function fail(code: string, message: string, address: unknown, extra: Record<string, unknown> = {}): never {
  const shown = typeof address === 'string' ? address.slice(0, 100) : typeof address;
  throw new BtcChainError(code, message, { address: shown, ...extra });
}

/** Script for witness version v and program (BIP141): OP_n <push program>. */
export function witnessScript(version: number, program: Uint8Array): Uint8Array {
  const op = version === 0 ? 0x00 : 0x50 + version;
  return Uint8Array.from([op, program.length, ...program]);
}

function hrpNetwork(hrp: string): BtcNetwork | undefined {
  return BTC_NETWORKS.find((n) => NETWORK_PARAMS[n].hrp === hrp);
}

function parseSegwit(input: string, expected: BtcNetwork | undefined): ParsedAddress {
  if (input.length > BECH32_LENGTH_MAX) fail('ADDRESS_FORMAT', 'bech32 address longer than 90 characters', input);
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c < 33 || c > 126) fail('ADDRESS_FORMAT', 'address has a character outside US-ASCII 33..126', input, { position: i });
  }
  // BIP173: decoders must not accept mixed case.
  if (input !== input.toLowerCase() && input !== input.toUpperCase()) fail('ADDRESS_MIXED_CASE', 'address mixes upper and lower case', input);
  const lower = input.toLowerCase();
  const sep = lower.lastIndexOf('1');
  if (sep < 1) fail('ADDRESS_FORMAT', 'bech32 address has no human-readable part', input);
  const hrp = lower.slice(0, sep);
  const data = lower.slice(sep + 1);
  if (data.length < 6) fail('ADDRESS_FORMAT', 'bech32 data part shorter than its checksum', input);
  for (const ch of data) if (!BECH32_CHARSET.includes(ch)) fail('ADDRESS_FORMAT', 'bech32 data part has a character outside the charset', input);
  const network = hrpNetwork(hrp);
  if (network === undefined) fail('ADDRESS_UNKNOWN_PREFIX', `unknown bech32 prefix "${hrp}"`, input, { hrp });
  if (expected !== undefined && network !== expected) {
    fail('ADDRESS_WRONG_NETWORK', `address is for ${network}, expected ${expected}`, input, { network, expected });
  }
  const asBech32 = bech32.decodeUnsafe(lower, BECH32_LENGTH_MAX);
  const asBech32m = asBech32 ? undefined : bech32m.decodeUnsafe(lower, BECH32_LENGTH_MAX);
  const decoded = asBech32 ?? asBech32m;
  if (!decoded) fail('ADDRESS_CHECKSUM', 'bech32/bech32m checksum does not verify', input);
  const [version, ...words] = decoded.words;
  if (version === undefined) fail('ADDRESS_FORMAT', 'bech32 address has an empty data part', input);
  if (version > 16) fail('ADDRESS_WITNESS_VERSION', `witness version ${version} is above 16`, input, { version });
  // BIP350: version 0 uses bech32, versions 1..16 use bech32m; the other checksum is invalid.
  if (version === 0 && !asBech32) fail('ADDRESS_WRONG_ENCODING', 'witness v0 address must use bech32, not bech32m', input);
  if (version !== 0 && !asBech32m) fail('ADDRESS_WRONG_ENCODING', `witness v${version} address must use bech32m, not bech32`, input);
  const program = bech32.fromWordsUnsafe(words);
  // BIP173: at most 4 bits of zero padding; non-zero padding is invalid.
  if (!program) fail('ADDRESS_PADDING', 'witness program has invalid padding', input);
  if (program.length < 2 || program.length > 40) {
    fail('ADDRESS_PROGRAM_LENGTH', `witness program of ${program.length} bytes (allowed 2..40)`, input, { length: program.length });
  }
  if (version === 0 && program.length !== 20 && program.length !== 32) {
    fail('ADDRESS_PROGRAM_LENGTH', `witness v0 program must be 20 or 32 bytes, got ${program.length}`, input, { length: program.length });
  }
  let type: AddressType = 'witness_unknown';
  if (version === 0) type = program.length === 20 ? 'p2wpkh' : 'p2wsh';
  else if (version === 1 && program.length === 32) type = 'p2tr';
  return { address: lower, network, type, witnessVersion: version, program, scriptPubKey: witnessScript(version, program) };
}

function parseBase58(input: string, expected: BtcNetwork | undefined): ParsedAddress {
  if (input.length > BASE58_LENGTH_MAX) fail('ADDRESS_FORMAT', 'base58 address too long', input);
  let payload: Uint8Array;
  try {
    payload = b58c.decode(input);
  } catch (e) {
    const message = e instanceof Error ? e.message : '';
    const code = /checksum/i.test(message) ? 'ADDRESS_CHECKSUM' : 'ADDRESS_FORMAT';
    fail(code, code === 'ADDRESS_CHECKSUM' ? 'base58check checksum does not verify' : 'not a base58check string', input);
  }
  if (payload.length !== 21) fail('ADDRESS_FORMAT', `base58 payload of ${payload.length} bytes, expected 21`, input);
  const version = payload[0]!;
  const hash = payload.slice(1);
  const candidates = BTC_NETWORKS.filter((n) => NETWORK_PARAMS[n].p2pkh === version || NETWORK_PARAMS[n].p2sh === version);
  if (candidates.length === 0) fail('ADDRESS_UNKNOWN_PREFIX', `unknown base58 version byte ${version}`, input, { version });
  // Testnet and regtest share version bytes: the caller's expected network decides which it is.
  const network = expected !== undefined ? (candidates.includes(expected) ? expected : undefined) : candidates[0]!;
  if (network === undefined) fail('ADDRESS_WRONG_NETWORK', `address is for ${candidates.join('/')}, expected ${expected}`, input);
  const isP2pkh = NETWORK_PARAMS[network].p2pkh === version;
  const scriptPubKey = isP2pkh
    ? Uint8Array.from([0x76, 0xa9, 0x14, ...hash, 0x88, 0xac]) // OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG
    : Uint8Array.from([0xa9, 0x14, ...hash, 0x87]); // OP_HASH160 <20> OP_EQUAL
  return { address: input, network, type: isP2pkh ? 'p2pkh' : 'p2sh', witnessVersion: null, program: hash, scriptPubKey };
}

/**
 * Parses and validates an address. With `network` given, an address of any other network is
 * ADDRESS_WRONG_NETWORK. Never returns a partially checked address; changes nothing on error.
 */
export function parseAddress(address: unknown, network?: BtcNetwork): ParsedAddress {
  if (typeof address !== 'string' || address.length === 0) fail('ADDRESS_FORMAT', 'address must be a non-empty string', address);
  const lower = address.toLowerCase();
  const looksSegwit = BTC_NETWORKS.some((n) => lower.startsWith(`${NETWORK_PARAMS[n].hrp}1`)) || (lower.indexOf('1') > 0 && !/^[1-9A-HJ-NP-Za-km-z]+$/.test(address));
  return looksSegwit ? parseSegwit(address, network) : parseBase58(address, network);
}

/** True when `address` is valid for `network`; for callers that only need a yes/no. */
export function isValidAddress(address: unknown, network: BtcNetwork): boolean {
  try {
    parseAddress(address, network);
    return true;
  } catch (e) {
    if (e instanceof BtcChainError) return false;
    throw e;
  }
}

/** Encodes a witness program as a bech32 (v0) or bech32m (v1+) address. */
export function encodeSegwitAddress(network: BtcNetwork, version: number, program: Uint8Array): string {
  if (!Number.isInteger(version) || version < 0 || version > 16) fail('ADDRESS_WITNESS_VERSION', 'witness version must be 0..16', String(version));
  const words = [version, ...bech32.toWords(program)];
  const codec = version === 0 ? bech32 : bech32m;
  const address = codec.encode(NETWORK_PARAMS[network].hrp, words, BECH32_LENGTH_MAX);
  parseSegwit(address, network); // postcondition: what we emit, we accept
  return address;
}

/** P2WPKH address for a 20-byte HASH160 of a compressed public key. */
export function p2wpkhAddress(network: BtcNetwork, pubKeyHash: Uint8Array): string {
  if (pubKeyHash.length !== 20) fail('ADDRESS_PROGRAM_LENGTH', 'P2WPKH program must be 20 bytes', 'p2wpkh', { length: pubKeyHash.length });
  return encodeSegwitAddress(network, 0, pubKeyHash);
}

/**
 * The address of a scriptPubKey, or undefined for scripts without one (OP_RETURN, bare multisig,
 * non-standard). Used by the devnet to fill `scriptPubKey.address` as bitcoind does.
 */
export function scriptToAddress(script: Uint8Array, network: BtcNetwork): string | undefined {
  const p = NETWORK_PARAMS[network];
  const n = script.length;
  if (n === 25 && script[0] === 0x76 && script[1] === 0xa9 && script[2] === 0x14 && script[23] === 0x88 && script[24] === 0xac) {
    return b58c.encode(Uint8Array.from([p.p2pkh, ...script.slice(3, 23)]));
  }
  if (n === 23 && script[0] === 0xa9 && script[1] === 0x14 && script[22] === 0x87) {
    return b58c.encode(Uint8Array.from([p.p2sh, ...script.slice(2, 22)]));
  }
  const op = script[0];
  if (n >= 4 && n <= 42 && (op === 0x00 || (op !== undefined && op >= 0x51 && op <= 0x60)) && script[1] === n - 2) {
    const version = op === 0x00 ? 0 : op - 0x50;
    if (version === 0 && n !== 22 && n !== 34) return undefined;
    return encodeSegwitAddress(network, version, script.slice(2));
  }
  return undefined;
}

/** bitcoind's `scriptPubKey.type` name for a script (as in decoderawtransaction). */
export function scriptType(script: Uint8Array): string {
  const n = script.length;
  if (n === 25 && script[0] === 0x76 && script[1] === 0xa9) return 'pubkeyhash';
  if (n === 23 && script[0] === 0xa9 && script[22] === 0x87) return 'scripthash';
  if (n === 22 && script[0] === 0x00 && script[1] === 20) return 'witness_v0_keyhash';
  if (n === 34 && script[0] === 0x00 && script[1] === 32) return 'witness_v0_scripthash';
  if (n === 34 && script[0] === 0x51 && script[1] === 32) return 'witness_v1_taproot';
  if (n >= 4 && n <= 42 && script[0] !== undefined && script[0] >= 0x51 && script[0] <= 0x60 && script[1] === n - 2) return 'witness_unknown';
  if (n >= 1 && script[0] === 0x6a) return 'nulldata';
  return 'nonstandard';
}
