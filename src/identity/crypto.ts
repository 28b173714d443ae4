import { createHash, createHmac, randomBytes as nodeRandomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Small crypto helpers shared by the identity modules. Randomness is injectable
 * so the logic stays deterministic under test; production uses the OS CSPRNG.
 */
export type RandomBytes = (length: number) => Uint8Array;

export const defaultRandomBytes: RandomBytes = (length) => new Uint8Array(nodeRandomBytes(length));

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(typeof data === 'string' ? utf8(data) : data).digest('hex');
}

export function hmacSha256(key: Uint8Array | string, data: Uint8Array | string): Uint8Array {
  const k = typeof key === 'string' ? utf8(key) : key;
  return new Uint8Array(createHmac('sha256', k).update(typeof data === 'string' ? utf8(data) : data).digest());
}

/**
 * Constant-time equality of two byte strings. Only the lengths may leak (they are
 * public here: fixed-size digests and codes). Avoids early-exit comparison, which
 * leaks the length of the matching prefix through timing.
 */
export function constantTimeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

export function constantTimeEqualStrings(a: string, b: string): boolean {
  return constantTimeEqualBytes(utf8(a), utf8(b));
}

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
