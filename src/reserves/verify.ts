import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

/**
 * The customer's verifier of a proof-of-liabilities inclusion proof.
 *
 * Written independently of the builder (tree.ts) from the byte layout in
 * docs/proof-of-reserves.md, and sharing nothing with it but SHA-256, so that a
 * mistake in one is not mirrored in the other. It runs unchanged in a browser:
 * its only import is @noble/hashes (no node: modules, no Buffer).
 *
 * It never throws on bad input: every outcome is a result with a stable code.
 * It trusts nothing in the proof: every number is range-checked, every sum is
 * recomputed, every left/right order comes from the leaf index, the path length
 * must equal the depth implied by the leaf count, and the root it arrives at
 * must equal the root the customer obtained from the operator's publication.
 *
 * Attacks defended (see the doc for each): negative values (a), the summing attack
 * on Maxwell's scheme (b; Hu, Zhang & Guo 2019; Chalkias et al. 2022; Summa notes),
 * overflow/wrap-around (c), ambiguous paths (d; RFC 6962-style prefixes), a leaf
 * shown to two customers (e), and value-carrying padding (f).
 */

const V_PREFIX_LEAF = 0x00;
const V_PREFIX_NODE = 0x01;
const V_PREFIX_PADDING = 0x02;
const V_PREFIX_ROOT = 0x03;
const V_PREFIX_ID = 0x10;
const V_AMOUNT_BYTES = 16;
const V_AMOUNT_LIMIT = 1n << 128n;
const V_SEQ_LIMIT = 1n << 64n;
const V_LEAF_COUNT_MAX = 1 << 24;
const V_ASSET_COUNT_MAX = 16;
const V_CUSTOMER_ID_MAX = 128;

const HEX32_RE = /^[0-9a-f]{64}$/;
/** Canonical non-negative integer: no sign, no leading zero, at most 39 digits (2^128 has 39). */
const AMOUNT_RE = /^(0|[1-9][0-9]{0,38})$/;
const SEQ_RE = /^(0|[1-9][0-9]{0,19})$/;
const ASSET_RE = /^[A-Z0-9]{2,10}$/;
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const CUSTOMER_RE = /^[\x21-\x7e]+$/;
const BASE64URL_RE = /^[A-Za-z0-9_-]*$/;
/** A version-2 path is at most 24 levels × (32 + 16 × 19) bytes; its base64url text at most 4/3 of that. */
const V2_PATH_CHARS_MAX = Math.ceil((24 * (32 + V_ASSET_COUNT_MAX * 19) * 4) / 3);
/** LEB128 of a value below 2^128 takes at most 19 bytes (19 × 7 = 133 bits). */
const VARINT_BYTES_MAX = 19;

export type ProofCheckCode =
  | 'PROOF_FORMAT'
  | 'PROOF_AMOUNT_RANGE'
  | 'PROOF_SHAPE'
  | 'PROOF_PADDING'
  | 'PROOF_SUM_OVERFLOW'
  | 'PROOF_TOTALS_MISMATCH'
  | 'PROOF_ROOT_MISMATCH'
  | 'PROOF_NOT_PUBLISHED_ROOT'
  | 'PROOF_SNAPSHOT_MISMATCH'
  | 'PROOF_CUSTOMER_MISMATCH'
  | 'PROOF_BALANCE_MISMATCH';

export type ProofCheck =
  | {
      ok: true;
      rootHash: string;
      snapshotTime: string;
      journalSeq: string;
      customerId: string;
      index: number;
      balances: Record<string, string>;
      totals: Record<string, string>;
    }
  | { ok: false; code: ProofCheckCode; message: string };

/** What the customer got from the operator's publication (site, signed statement, auditor). */
export interface PublishedRootInfo {
  rootHash: string;
  snapshotTime?: string;
  journalSeq?: string;
  assets?: readonly string[];
  totals?: readonly string[];
  leafCount?: number;
  depth?: number;
}

/** What the customer's account page shows; the proof must commit to exactly this. */
export interface ExpectedCustomer {
  customerId?: string;
  /** Minor units per asset; an asset of the snapshot left out here must be zero in the proof. */
  balances?: Readonly<Record<string, bigint | string>>;
}

class Fail {
  constructor(
    readonly code: ProofCheckCode,
    readonly message: string,
  ) {}
}

function fail(code: ProofCheckCode, message: string): never {
  throw new Fail(code, message);
}

function amount(text: unknown, what: string): bigint {
  if (typeof text !== 'string' || !AMOUNT_RE.test(text)) fail('PROOF_FORMAT', `${what} must be a canonical decimal integer string`);
  const v = BigInt(text);
  if (v >= V_AMOUNT_LIMIT) fail('PROOF_AMOUNT_RANGE', `${what} is not below 2^128`);
  return v;
}

function amountBytes(v: bigint): Uint8Array {
  return hexToBytes(v.toString(16).padStart(2 * V_AMOUNT_BYTES, '0'));
}

const B64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** RFC 4648 §5 base64url without padding, strict: only the alphabet, and the unused low bits of the last character must be zero (one spelling per byte string). */
function base64UrlDecode(text: string): Uint8Array {
  if (!BASE64URL_RE.test(text) || text.length % 4 === 1) fail('PROOF_FORMAT', 'path must be base64url without padding');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    acc = (acc << 6) | B64URL_ALPHABET.indexOf(text[i]!);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  if (acc !== 0) fail('PROOF_FORMAT', 'path is not canonical base64url');
  return out;
}

interface Step {
  hash: Uint8Array;
  sums: bigint[];
}

/** Version 2: per level, sibling hash[32] then A unsigned LEB128 varints; exactly `depth` levels, no byte left over. */
function stepsV2(path: unknown, depth: number, A: number): Step[] {
  if (typeof path !== 'string' || path.length > V2_PATH_CHARS_MAX) fail('PROOF_FORMAT', 'path must be a base64url string');
  const bytes = base64UrlDecode(path);
  const steps: Step[] = [];
  let o = 0;
  for (let h = 0; h < depth; h++) {
    if (o + 32 > bytes.length) fail('PROOF_SHAPE', `path must have exactly ${depth} steps`);
    const hash = bytes.slice(o, o + 32);
    o += 32;
    const sums: bigint[] = [];
    for (let a = 0; a < A; a++) {
      let v = 0n;
      let shift = 0n;
      for (let k = 0; ; k++) {
        if (o >= bytes.length) fail('PROOF_SHAPE', `path must have exactly ${depth} steps`);
        if (k >= VARINT_BYTES_MAX) fail('PROOF_AMOUNT_RANGE', `path[${h}] sum[${a}] is not below 2^128`);
        const b = bytes[o++]!;
        v |= BigInt(b & 0x7f) << shift;
        shift += 7n;
        if ((b & 0x80) === 0) {
          // One spelling per value: a final zero group after others is padding.
          if (b === 0 && k > 0) fail('PROOF_FORMAT', `path[${h}] sum[${a}] is not a minimal varint`);
          break;
        }
      }
      if (v >= V_AMOUNT_LIMIT) fail('PROOF_AMOUNT_RANGE', `path[${h}] sum[${a}] is not below 2^128`);
      sums.push(v);
    }
    steps.push({ hash, sums });
  }
  if (o !== bytes.length) fail('PROOF_SHAPE', `path must have exactly ${depth} steps`);
  return steps;
}

/** Version 1: [[hash hex, sum, …], …], exactly `depth` steps. */
function stepsV1(path: unknown, depth: number, A: number): Step[] {
  if (!Array.isArray(path) || path.length !== depth) fail('PROOF_SHAPE', `path must have exactly ${depth} steps`);
  return path.map((step: unknown, h) => {
    if (!Array.isArray(step) || step.length !== 1 + A) fail('PROOF_FORMAT', `path[${h}] must be [hash, ${A} sums]`);
    return { hash: hash32(step[0], `path[${h}] hash`), sums: step.slice(1).map((t, i) => amount(t, `path[${h}] sum[${i}]`)) };
  });
}

function hash32(text: unknown, what: string): Uint8Array {
  if (typeof text !== 'string' || !HEX32_RE.test(text)) fail('PROOF_FORMAT', `${what} must be 64 lowercase hex characters`);
  return hexToBytes(text);
}

function int(x: unknown, min: number, max: number, what: string): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) fail('PROOF_FORMAT', `${what} must be an integer in ${min}..${max}`);
  return x;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function nodeHash(leftHash: Uint8Array, leftSums: bigint[], rightHash: Uint8Array, rightSums: bigint[]): Uint8Array {
  return sha256(concat([Uint8Array.of(V_PREFIX_NODE), leftHash, ...leftSums.map(amountBytes), rightHash, ...rightSums.map(amountBytes)]));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

function check(proofInput: unknown, published: string | PublishedRootInfo, expected: ExpectedCustomer | undefined): ProofCheck {
  if (typeof proofInput !== 'object' || proofInput === null || Array.isArray(proofInput)) fail('PROOF_FORMAT', 'proof must be a JSON object');
  const p = proofInput as Record<string, unknown>;
  if (p.version !== 1 && p.version !== 2) fail('PROOF_FORMAT', 'unsupported proof version');

  const assets = p.assets;
  if (!Array.isArray(assets) || assets.length < 1 || assets.length > V_ASSET_COUNT_MAX) fail('PROOF_FORMAT', 'assets must be a non-empty list');
  for (const a of assets) if (typeof a !== 'string' || !ASSET_RE.test(a)) fail('PROOF_FORMAT', 'asset code malformed');
  if (new Set(assets).size !== assets.length) fail('PROOF_FORMAT', 'assets repeat');
  const A = assets.length;
  const assetList = assets as string[];

  const amounts = (x: unknown, what: string): bigint[] => {
    if (!Array.isArray(x) || x.length !== A) fail('PROOF_FORMAT', `${what} must list one amount per asset`);
    return x.map((t, i) => amount(t, `${what}[${i}]`));
  };
  const balances = amounts(p.balances, 'balances');
  const totalsClaimed = amounts(p.totals, 'totals');

  const customerId = p.customerId;
  if (typeof customerId !== 'string' || customerId.length < 1 || customerId.length > V_CUSTOMER_ID_MAX || !CUSTOMER_RE.test(customerId)) {
    fail('PROOF_FORMAT', 'customerId malformed');
  }
  const idSalt = hash32(p.idSalt, 'idSalt');
  const rootClaimed = hash32(p.rootHash, 'rootHash');
  if (typeof p.snapshotTime !== 'string' || !TIME_RE.test(p.snapshotTime)) fail('PROOF_FORMAT', 'snapshotTime malformed');
  if (typeof p.journalSeq !== 'string' || !SEQ_RE.test(p.journalSeq) || BigInt(p.journalSeq) >= V_SEQ_LIMIT) fail('PROOF_FORMAT', 'journalSeq malformed');
  const snapshotTime = p.snapshotTime;
  const journalSeq = BigInt(p.journalSeq);

  // (d) Shape: the depth is implied by the leaf count; the path must have exactly that many steps,
  // and the index (whose bits are the left/right directions) must point at a real leaf.
  const leafCount = int(p.leafCount, 1, V_LEAF_COUNT_MAX, 'leafCount');
  const depth = int(p.depth, 0, 24, 'depth');
  let impliedDepth = 0;
  while (2 ** impliedDepth < leafCount) impliedDepth++;
  if (depth !== impliedDepth) fail('PROOF_SHAPE', `depth ${depth} does not match leafCount ${leafCount}`);
  const index = int(p.index, 0, V_LEAF_COUNT_MAX - 1, 'index');
  if (index >= leafCount) fail('PROOF_SHAPE', 'index is not below leafCount');
  const path = p.version === 1 ? stepsV1(p.path, depth, A) : stepsV2(p.path, depth, A);

  // (e) The leaf commits to this customer's own id.
  if (expected?.customerId !== undefined && expected.customerId !== customerId) fail('PROOF_CUSTOMER_MISMATCH', 'proof is for another customer id');
  const idHash = sha256(concat([Uint8Array.of(V_PREFIX_ID), idSalt, ascii(customerId)]));
  let current: Uint8Array = sha256(concat([Uint8Array.of(V_PREFIX_LEAF), idHash, ...balances.map(amountBytes)]));
  let sums = balances.slice();

  // Padding subtrees are the constant hash chain from SHA256(0x02) with zero sums.
  let padding: Uint8Array = sha256(Uint8Array.of(V_PREFIX_PADDING));
  const zeros = new Array<bigint>(A).fill(0n);

  for (let h = 0; h < depth; h++) {
    const siblingHash = path[h]!.hash;
    const siblingSums = path[h]!.sums;
    const siblingIndex = (index >> h) ^ 1;
    // (f) A sibling whose first leaf lies past the last real leaf is all padding: it must carry zero.
    if (siblingIndex * 2 ** h >= leafCount) {
      if (!sameBytes(siblingHash, padding) || siblingSums.some((s) => s !== 0n)) fail('PROOF_PADDING', `path[${h}] must be the zero-valued padding subtree`);
    }
    // (b) The node commits to both children's hashes and both children's sums; the parent's
    // sum is computed here, never read from the proof.
    const rightSide = ((index >> h) & 1) === 1;
    current = rightSide ? nodeHash(siblingHash, siblingSums, current, sums) : nodeHash(current, sums, siblingHash, siblingSums);
    sums = sums.map((s, i) => s + siblingSums[i]!);
    // (c) No sum may reach 2^128: there is no wrap-around to exploit.
    if (sums.some((s) => s >= V_AMOUNT_LIMIT)) fail('PROOF_SUM_OVERFLOW', `sum at height ${h + 1} is not below 2^128`);
    padding = nodeHash(padding, zeros, padding, zeros);
  }

  if (sums.some((s, i) => s !== totalsClaimed[i])) fail('PROOF_TOTALS_MISMATCH', 'path sums do not add up to the stated totals');

  const seqBytes = amountBytes(journalSeq).subarray(8); // u64 big-endian
  const head = new Uint8Array(6);
  new DataView(head.buffer).setUint32(0, leafCount);
  head[4] = depth;
  head[5] = A;
  const rootHash = sha256(
    concat([
      Uint8Array.of(V_PREFIX_ROOT),
      current,
      head,
      ...assetList.flatMap((a) => [Uint8Array.of(a.length), ascii(a)]),
      seqBytes,
      Uint8Array.of(snapshotTime.length),
      ascii(snapshotTime),
    ]),
  );
  if (!sameBytes(rootHash, rootClaimed)) fail('PROOF_ROOT_MISMATCH', 'path does not lead to the proof\'s rootHash');

  const pub: PublishedRootInfo = typeof published === 'string' ? { rootHash: published } : published;
  if (typeof pub?.rootHash !== 'string' || pub.rootHash.toLowerCase() !== bytesToHex(rootHash)) {
    fail('PROOF_NOT_PUBLISHED_ROOT', 'proof does not lead to the published root');
  }
  const mismatch = (field: string) => fail('PROOF_SNAPSHOT_MISMATCH', `${field} differs from the publication`);
  if (pub.snapshotTime !== undefined && pub.snapshotTime !== snapshotTime) mismatch('snapshotTime');
  if (pub.journalSeq !== undefined && pub.journalSeq !== p.journalSeq) mismatch('journalSeq');
  if (pub.leafCount !== undefined && pub.leafCount !== leafCount) mismatch('leafCount');
  if (pub.depth !== undefined && pub.depth !== depth) mismatch('depth');
  if (pub.assets !== undefined && (pub.assets.length !== A || pub.assets.some((a, i) => a !== assetList[i]))) mismatch('assets');
  if (pub.totals !== undefined && (pub.totals.length !== A || pub.totals.some((t, i) => t !== (p.totals as string[])[i]))) mismatch('totals');

  if (expected?.balances !== undefined) {
    for (const asset of Object.keys(expected.balances)) {
      if (!assetList.includes(asset)) fail('PROOF_BALANCE_MISMATCH', `asset ${asset} is not in the snapshot`);
    }
    assetList.forEach((asset, i) => {
      const want = expected.balances![asset];
      const wantValue = want === undefined ? 0n : typeof want === 'bigint' ? want : AMOUNT_RE.test(want) ? BigInt(want) : -1n;
      if (wantValue !== balances[i]) fail('PROOF_BALANCE_MISMATCH', `${asset} in the proof is ${balances[i]}, your account shows ${String(want ?? '0')}`);
    });
  }

  const record = (values: bigint[]): Record<string, string> => Object.fromEntries(assetList.map((a, i) => [a, values[i]!.toString()]));
  return {
    ok: true,
    rootHash: bytesToHex(rootHash),
    snapshotTime,
    journalSeq: p.journalSeq,
    customerId,
    index,
    balances: record(balances),
    totals: record(sums),
  };
}

/**
 * Verifies a customer's inclusion proof against the root the customer obtained from
 * the operator's publication (a hex string, or the published snapshot object so that
 * time, sequence, assets, totals and leaf count are compared too), and optionally
 * against the customer's own id and the balances their account page shows.
 */
export function verifyInclusionProof(proof: unknown, publishedRoot: string | PublishedRootInfo, expected?: ExpectedCustomer): ProofCheck {
  try {
    return check(proof, publishedRoot, expected);
  } catch (e) {
    if (e instanceof Fail) return { ok: false, code: e.code, message: e.message };
    throw e;
  }
}
