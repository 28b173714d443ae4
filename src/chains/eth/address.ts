import { keccak_256 } from '@noble/hashes/sha3.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { ChainError } from './errors.ts';

/**
 * An Ethereum address in its EIP-55 checksummed form. Only `parseAddress`,
 * `toChecksumAddress` and the HD derivation produce it, so holding one means
 * it was validated.
 */
export type EthAddress = `0x${string}` & { readonly __brand: 'EthAddress' };

export interface AddressPolicy {
  /**
   * EIP-55 treats all-lowercase and all-uppercase as "no checksum". A customer
   * typing a withdrawal address should give a checksum (a typo then fails
   * with probability ~1 - 2^-15); internal config may allow lowercase.
   */
  allowUnchecksummed: boolean;
  /** The zero address burns funds: refused unless a caller really means it. */
  allowZero: boolean;
}

export const STRICT_ADDRESS_POLICY: AddressPolicy = Object.freeze({ allowUnchecksummed: false, allowZero: false });
export const LENIENT_ADDRESS_POLICY: AddressPolicy = Object.freeze({ allowUnchecksummed: true, allowZero: false });

const HEX40 = /^[0-9a-fA-F]{40}$/;
/** Bound the input before any work: 2 + 40 chars is the only valid length. */
const ADDRESS_LENGTH = 42;

/**
 * EIP-55: hash the lowercase hex (ASCII, no 0x) with keccak-256; the i-th
 * letter is uppercased when the i-th nibble of the hash is >= 8.
 * Input: exactly 40 hex characters, any case.
 */
function checksumBody(hex40: string): string {
  const lower = hex40.toLowerCase();
  const hash = keccak_256(utf8ToBytes(lower));
  let out = '';
  for (let i = 0; i < 40; i++) {
    const c = lower[i] as string;
    const byte = hash[i >> 1] as number;
    const nibble = i % 2 === 0 ? byte >> 4 : byte & 0x0f;
    out += nibble >= 8 ? c.toUpperCase() : c;
  }
  return out;
}

/** Format any well-formed 20-byte hex address (any case) in EIP-55 form. */
export function toChecksumAddress(input: string): EthAddress {
  return parseAddress(input, { allowUnchecksummed: true, allowZero: true });
}

/**
 * Validate an address from an untrusted edge and return it checksummed.
 * Mixed case must match EIP-55 exactly; uniform case is accepted only when
 * the policy allows unchecksummed input.
 */
export function parseAddress(input: unknown, policy: AddressPolicy = STRICT_ADDRESS_POLICY): EthAddress {
  if (typeof input !== 'string') throw new ChainError('ADDRESS_NOT_STRING', 'address must be a string', { type: typeof input });
  if (input.length !== ADDRESS_LENGTH) {
    throw new ChainError('ADDRESS_BAD_LENGTH', 'address must be 0x followed by 40 hex characters', { length: input.length });
  }
  if (!input.startsWith('0x')) throw new ChainError('ADDRESS_NOT_HEX', 'address must start with 0x', {});
  const body = input.slice(2);
  if (!HEX40.test(body)) throw new ChainError('ADDRESS_NOT_HEX', 'address has non-hex characters', {});
  const checksummed = checksumBody(body);
  const isUniform = body === body.toLowerCase() || body === body.toUpperCase();
  if (body !== checksummed) {
    if (!isUniform) {
      // Mixed case is a claim of a checksum; a wrong one means a typo.
      throw new ChainError('ADDRESS_BAD_CHECKSUM', 'address checksum (EIP-55) does not match', { input, expected: `0x${checksummed}` });
    }
    if (!policy.allowUnchecksummed) {
      throw new ChainError('ADDRESS_UNCHECKSUMMED', 'address has no EIP-55 checksum (all one case)', { input });
    }
  }
  if (!policy.allowZero && /^0+$/.test(body)) throw new ChainError('ADDRESS_ZERO', 'the zero address is refused', {});
  return `0x${checksummed}` as EthAddress;
}

/** True when `input` passes `parseAddress` under `policy`. */
export function isValidAddress(input: unknown, policy: AddressPolicy = STRICT_ADDRESS_POLICY): boolean {
  try {
    parseAddress(input, policy);
    return true;
  } catch (e) {
    if (e instanceof ChainError) return false;
    throw e;
  }
}

/** Compare two addresses case-insensitively (both must be well-formed). */
export function sameAddress(a: string, b: string): boolean {
  return toChecksumAddress(a) === toChecksumAddress(b);
}

/** Address from a 20-byte keccak tail, as used by hd.ts. */
export function addressFromBytes(bytes20: Uint8Array): EthAddress {
  if (bytes20.length !== 20) throw new ChainError('ADDRESS_BAD_LENGTH', 'address must be 20 bytes', { length: bytes20.length });
  let hex = '';
  for (const b of bytes20) hex += b.toString(16).padStart(2, '0');
  return toChecksumAddress(`0x${hex}`);
}
