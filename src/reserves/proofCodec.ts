import { ReservesError } from './errors.ts';
import type { InclusionProof, InclusionProofV1, ProofStep } from './tree.ts';

/**
 * Conversions between proof format versions, on the operator's side (the customer's
 * verifier, verify.ts, has its own decoder). Version 2 packs the path as one base64url
 * blob (per level: 32-byte sibling hash, then each sibling sum as an unsigned LEB128
 * varint); version 1 spelled it as JSON arrays of hex and decimal strings. Both verify to
 * the same root: the tree's hashing is the same, only the proof file's spelling differs.
 */

/** A sum's varint is at most 19 bytes: 19·7 = 133 bits ≥ 128. */
const VARINT_BYTES_MAX = 19;
const AMOUNT_RE = /^(0|[1-9][0-9]{0,38})$/;

function bad(message: string): never {
  throw new ReservesError('POR_INPUT', message, {});
}

/** Decodes a version-2 path blob into steps; strict (canonical varints, exact length). */
export function decodePathV2(path: string, depth: number, assetCount: number): Array<{ hash: Uint8Array; sums: bigint[] }> {
  if (!/^[A-Za-z0-9_-]*$/.test(path)) bad('path is not base64url');
  const bytes = Buffer.from(path, 'base64url');
  if (bytes.toString('base64url') !== path) bad('path is not canonical base64url');
  const steps: Array<{ hash: Uint8Array; sums: bigint[] }> = [];
  let o = 0;
  for (let h = 0; h < depth; h++) {
    if (o + 32 > bytes.length) bad('path too short');
    const hash = Uint8Array.from(bytes.subarray(o, o + 32));
    o += 32;
    const sums: bigint[] = [];
    for (let a = 0; a < assetCount; a++) {
      let v = 0n;
      let shift = 0n;
      for (let k = 0; ; k++) {
        if (k >= VARINT_BYTES_MAX || o >= bytes.length) bad('varint too long or truncated');
        const b = bytes[o++]!;
        v |= BigInt(b & 0x7f) << shift;
        shift += 7n;
        if ((b & 0x80) === 0) {
          if (b === 0 && k > 0) bad('varint not minimal');
          break;
        }
      }
      sums.push(v);
    }
    steps.push({ hash, sums });
  }
  if (o !== bytes.length) bad('path has trailing bytes');
  return steps;
}

/** The same proof spelled in format version 1. */
export function proofToV1(proof: InclusionProof): InclusionProofV1 {
  const { path, version: _v, ...rest } = proof;
  const steps = decodePathV2(path, proof.depth, proof.assets.length);
  return { version: 1, ...rest, path: steps.map((s) => [Buffer.from(s.hash).toString('hex'), ...s.sums.map(String)] as ProofStep) };
}

/** The same proof spelled in format version 2; throws POR_INPUT for what version 2 cannot express (a sign, a non-number). */
export function proofToV2(proof: InclusionProofV1): InclusionProof {
  const { path, version: _v, ...rest } = proof;
  const bytes: number[] = [];
  for (const step of path) {
    const [hashHex, ...sums] = step;
    if (!/^[0-9a-f]{64}$/.test(hashHex)) bad('sibling hash must be 64 lowercase hex');
    bytes.push(...Buffer.from(hashHex, 'hex'));
    for (const s of sums) {
      if (!AMOUNT_RE.test(s)) bad('sum must be a canonical decimal integer');
      let x = BigInt(s);
      while (x >= 0x80n) {
        bytes.push(Number(x & 0x7fn) | 0x80);
        x >>= 7n;
      }
      bytes.push(Number(x));
    }
  }
  return { version: 2, ...rest, path: Buffer.from(bytes).toString('base64url') };
}
