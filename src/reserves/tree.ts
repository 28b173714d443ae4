import { hash as nodeHash } from 'node:crypto';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { assert } from '../shared/assert.ts';
import { ReservesError } from './errors.ts';

/**
 * Builder of the liabilities side of proof of reserves: a Merkle-sum tree over
 * every customer's balances at one journal sequence number.
 *
 * This module is the OPERATOR's side. The customer's side is verify.ts, written
 * separately on purpose (it shares only SHA-256 with this file) so that a bug
 * in one is not silently mirrored in the other. The byte layout below is
 * specified in docs/proof-of-reserves.md; both modules follow that document.
 *
 * Encoding (all integers big-endian, amounts unsigned 128-bit, A = asset count):
 *   idSalt   = SHA256(0x11 || snapshotSalt[32] || u8 len(id) || id)      operator-only derivation
 *   idHash   = SHA256(0x10 || idSalt[32] || id)
 *   leaf     = SHA256(0x00 || idHash[32] || amount_1[16] || … || amount_A[16])
 *   padding  = SHA256(0x02), all sums zero
 *   node     = SHA256(0x01 || leftHash[32] || leftSums[16A] || rightHash[32] || rightSums[16A])
 *   rootHash = SHA256(0x03 || treeRoot[32] || u32 leafCount || u8 depth || u8 A
 *                     || (u8 len || asset ascii)×A || u64 journalSeq || u8 len || snapshotTime ascii)
 *
 * Why each part (attacks from Hu, Zhang & Guo, "Merkle Tree-based Proof of Reserves:
 * Issues and Solutions" (2019), Chalkias et al., "Broken Proofs of Solvency in
 * Blockchain Custodial Wallets and Exchanges" (2022), and the Summa notes on
 * Gregory Maxwell's 2013 scheme):
 *  - node commits to BOTH child hashes AND BOTH child sums, not only the parent sum:
 *    with only the parent sum committed, the operator can set a parent to
 *    max(left, right) and hand each side a different "sibling sum" (the summing attack).
 *  - amounts are unsigned, fixed-width 16 bytes and range-checked (< 2^128), and every
 *    sum is checked for carry-out: no negative leaf, no wrap-around.
 *  - distinct first bytes for leaf (0x00), node (0x01), padding (0x02), root (0x03) as in
 *    RFC 6962 §2.1: a leaf can never be passed off as a node or the reverse.
 *  - the leaf position fixes the left/right order at every level; depth and leaf count
 *    are bound into rootHash, so a path of another length or shape cannot verify.
 *  - each leaf commits to the customer's own id (salted): the same leaf cannot be
 *    shown to two customers; uniqueness beyond that rests on customers checking.
 */

/** Tree arity is 2; the leaf count is bounded so positions fit the 24-bit sort key below. */
export const LEAF_COUNT_MAX = 1 << 24;
/** Amounts and sums are encoded on this many bytes (unsigned, big-endian). */
export const AMOUNT_BYTES = 16;
/** Every amount and every sum must be below this (2^128 ≈ 3.4e38, 10^12 × all ETH in wei). */
export const AMOUNT_LIMIT = 1n << 128n;
export const CUSTOMER_ID_BYTES_MAX = 128;
export const ASSET_COUNT_MAX = 16;

const PREFIX_LEAF = 0x00;
const PREFIX_NODE = 0x01;
const PREFIX_PADDING = 0x02;
const PREFIX_ROOT = 0x03;
const PREFIX_ID = 0x10;
const PREFIX_ID_SALT = 0x11;
const U64_MASK = (1n << 64n) - 1n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

const ASSET_RE = /^[A-Z0-9]{2,10}$/;
const SNAPSHOT_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** Printable ASCII without space: keeps ids unambiguous in JSON, logs and the id hash. */
const CUSTOMER_ID_RE = /^[\x21-\x7e]+$/;

export type HashImpl = 'node' | 'noble';
type HashFn = (data: Uint8Array) => Uint8Array;

function hashFn(impl: HashImpl): HashFn {
  // node:crypto's one-shot hash() is about 2× faster than @noble/hashes here (measured in bench.ts).
  return impl === 'node' ? (data) => nodeHash('sha256', data, 'buffer') : (data) => nobleSha256(data);
}

/** One customer's owed balances, every bucket (available, locked, withdrawing, frozen, claims) already summed. */
export interface CustomerBalances {
  customerId: string;
  /** Minor units per asset (fils, sat, wei); an asset left out counts as zero. */
  balances: Readonly<Record<string, bigint>>;
}

export interface BuildParams {
  accounts: readonly CustomerBalances[];
  /** Ordered asset list; the order is part of the encoding. */
  assets: readonly string[];
  /** 32 secret random bytes, fresh per snapshot; never published. The caller supplies the randomness. */
  snapshotSalt: Uint8Array;
  /** ISO 8601 UTC, e.g. "2026-11-25T10:00:00Z". */
  snapshotTime: string;
  /** Journal sequence number the balances were read at. */
  journalSeq: bigint;
  hashImpl?: HashImpl;
}

/** What the operator publishes for a snapshot. Amounts are decimal strings of minor units. */
export interface PublishedSnapshot {
  version: 1;
  rootHash: string;
  snapshotTime: string;
  journalSeq: string;
  assets: string[];
  totals: string[];
  leafCount: number;
  depth: number;
}

/** One level of the path: sibling hash (hex) then the sibling's sums per asset (decimal strings). */
export type ProofStep = [string, ...string[]];

/** A customer's inclusion proof, as JSON. Format: docs/proof-of-reserves.md. */
export interface InclusionProof extends PublishedSnapshot {
  index: number;
  customerId: string;
  idSalt: string;
  balances: string[];
  path: ProofStep[];
}

export interface LiabilitiesTree {
  readonly published: PublishedSnapshot;
  readonly totals: Readonly<Record<string, bigint>>;
  /** Inclusion proof of one customer; throws POR_UNKNOWN_CUSTOMER. */
  proofFor(customerId: string): InclusionProof;
  /** Position of the customer's leaf, or undefined. */
  positionOf(customerId: string): number | undefined;
}

/** Depth of the complete binary tree over n leaves: ceil(log2 n), 0 for n ≤ 1. */
export function treeDepth(leafCount: number): number {
  let depth = 0;
  while (2 ** depth < leafCount) depth++;
  return depth;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function readAmount(buf: Buffer, offset: number): bigint {
  return (buf.readBigUInt64BE(offset) << 64n) | buf.readBigUInt64BE(offset + 8);
}

/** Adds two 128-bit big-endian amounts into `out`; throws on carry out (sum ≥ 2^128, attack (c)). */
function addAmount(src: DataView, leftOff: number, rightOff: number, out: DataView, outOff: number): void {
  let carry = 0;
  for (let k = 12; k >= 0; k -= 4) {
    const s = src.getUint32(leftOff + k) + src.getUint32(rightOff + k) + carry;
    out.setUint32(outOff + k, s >>> 0);
    carry = s > 0xffffffff ? 1 : 0;
  }
  if (carry !== 0) throw new ReservesError('POR_SUM_OVERFLOW', 'a node sum reaches 2^128', {});
}

function validateParams(p: BuildParams): void {
  if (!Array.isArray(p.assets) || p.assets.length < 1 || p.assets.length > ASSET_COUNT_MAX) {
    throw new ReservesError('POR_INPUT', `assets must list 1..${ASSET_COUNT_MAX} assets`, {});
  }
  if (new Set(p.assets).size !== p.assets.length) throw new ReservesError('POR_INPUT', 'assets repeat', { assets: p.assets });
  for (const a of p.assets) {
    if (typeof a !== 'string' || !ASSET_RE.test(a)) throw new ReservesError('POR_INPUT', 'asset code must be 2-10 of A-Z0-9', { asset: a });
  }
  if (!(p.snapshotSalt instanceof Uint8Array) || p.snapshotSalt.length !== 32) {
    throw new ReservesError('POR_INPUT', 'snapshotSalt must be 32 bytes', {});
  }
  if (typeof p.snapshotTime !== 'string' || !SNAPSHOT_TIME_RE.test(p.snapshotTime)) {
    throw new ReservesError('POR_INPUT', 'snapshotTime must be ISO 8601 UTC (…Z)', { snapshotTime: p.snapshotTime });
  }
  if (typeof p.journalSeq !== 'bigint' || p.journalSeq < 0n || p.journalSeq > U64_MASK) {
    throw new ReservesError('POR_INPUT', 'journalSeq must be a bigint in 0..2^64-1', {});
  }
  if (p.accounts.length > LEAF_COUNT_MAX) {
    throw new ReservesError('POR_TOO_MANY_LEAVES', `at most ${LEAF_COUNT_MAX} customers per tree`, { count: p.accounts.length });
  }
}

function checkCustomerId(customerId: unknown): asserts customerId is string {
  if (typeof customerId !== 'string' || customerId.length === 0 || customerId.length > CUSTOMER_ID_BYTES_MAX || !CUSTOMER_ID_RE.test(customerId)) {
    throw new ReservesError('POR_CUSTOMER_ID', `customerId must be 1..${CUSTOMER_ID_BYTES_MAX} printable ASCII characters`, {
      customerId: typeof customerId === 'string' ? customerId.slice(0, 40) : typeof customerId,
    });
  }
}

/** The rootHash preimage: binds the tree root to leaf count, depth, asset list, sequence and time. */
export function rootPreimage(treeRoot: Uint8Array, leafCount: number, depth: number, assets: readonly string[], journalSeq: bigint, snapshotTime: string): Buffer {
  const parts: Buffer[] = [Buffer.from([PREFIX_ROOT]), Buffer.from(treeRoot)];
  const head = Buffer.alloc(6);
  head.writeUInt32BE(leafCount, 0);
  head.writeUInt8(depth, 4);
  head.writeUInt8(assets.length, 5);
  parts.push(head);
  for (const a of assets) parts.push(Buffer.from([a.length]), Buffer.from(a, 'latin1'));
  const seq = Buffer.alloc(8);
  seq.writeBigUInt64BE(journalSeq);
  parts.push(seq, Buffer.from([snapshotTime.length]), Buffer.from(snapshotTime, 'latin1'));
  return Buffer.concat(parts);
}

/**
 * Builds the Merkle-sum tree. Pure: no clock, no randomness (the salt is a parameter).
 * Leaves are ordered by idHash, so the order of `accounts` does not matter and a
 * leaf's neighbours are unrelated customers (the sibling sums a proof reveals
 * cannot be tied to, say, the next sign-up).
 * Cost for N customers: 3N SHA-256 calls for leaves, N-1 for nodes; memory ≈ 2·2^depth·(32+16A) bytes.
 */
export function buildLiabilitiesTree(params: BuildParams): LiabilitiesTree {
  validateParams(params);
  const { accounts, assets, snapshotSalt, snapshotTime, journalSeq } = params;
  const H = hashFn(params.hashImpl ?? 'node');
  const A = assets.length;
  const REC = 32 + AMOUNT_BYTES * A; // one node record: hash then sums, exactly as hashed
  const N = accounts.length;
  const depth = treeDepth(N);
  const width = 2 ** depth;
  const assetIndex = new Map<string, number>(assets.map((a, i) => [a, i]));

  // Level storage: records grouped in pairs, each pair preceded by the node prefix byte,
  // so a pair slice IS the parent's preimage (0x01 || left record || right record):
  // hashing needs no copy. Record k of a level sits at recordOffset(k).
  const PAIR = 1 + 2 * REC;
  const recordOffset = (k: number): number => (k >>> 1) * PAIR + 1 + (k & 1) * REC;
  const allocLevel = (count: number): Buffer => {
    const buf = Buffer.alloc(Math.ceil(count / 2) * PAIR);
    for (let o = 0; o < buf.length; o += PAIR) buf[o] = PREFIX_NODE;
    return buf;
  };

  // 1. Salted id hashes, in input order. Scratch buffers are reused: no allocation per customer but the digests.
  const idHashes = Buffer.alloc(32 * N);
  const saltIn = Buffer.alloc(1 + 32 + 1 + CUSTOMER_ID_BYTES_MAX);
  saltIn[0] = PREFIX_ID_SALT;
  saltIn.set(snapshotSalt, 1);
  const idIn = Buffer.alloc(1 + 32 + CUSTOMER_ID_BYTES_MAX);
  idIn[0] = PREFIX_ID;
  // Views of each possible preimage length, made once: hashing a customer allocates nothing but the digest.
  const saltViews = Array.from({ length: CUSTOMER_ID_BYTES_MAX + 1 }, (_, len) => saltIn.subarray(0, 34 + len));
  const idViews = Array.from({ length: CUSTOMER_ID_BYTES_MAX + 1 }, (_, len) => idIn.subarray(0, 33 + len));
  const idHashOf = (id: string): Uint8Array => {
    const len = id.length;
    saltIn[33] = len;
    saltIn.write(id, 34, 'latin1');
    idIn.set(H(saltViews[len]!), 1);
    idIn.write(id, 33, 'latin1');
    return H(idViews[len]!);
  };
  for (let i = 0; i < N; i++) {
    const id = accounts[i]!.customerId;
    checkCustomerId(id);
    idHashes.set(idHashOf(id), 32 * i);
  }

  // 2. Order leaves by idHash. Key = first 5 bytes of idHash ‖ 24-bit input index, sorted natively
  //    as uint64 (no comparator callbacks); equal 40-bit prefixes are then ordered by the full hash.
  //    Equal idHashes mean the same customer id twice: refused there (no Map of 10^6 ids needed).
  const order = sortByIdHash(idHashes, N, (i) => accounts[i]!.customerId);

  // 3. Leaves (level 0), then padding up to a power of two.
  const levels: Buffer[] = [];
  const level0 = allocLevel(width);
  const leafIn = Buffer.alloc(1 + 32 + AMOUNT_BYTES * A);
  leafIn[0] = PREFIX_LEAF;
  const leafLength = leafIn.length;
  const leafView = new DataView(leafIn.buffer, leafIn.byteOffset, leafIn.byteLength);
  // Plain bigint totals, kept beside the tree: a postcondition checks them against the
  // root's sums, so a bug in the word-wise adder cannot publish wrong totals.
  const checkTotals = new Array<bigint>(A).fill(0n);
  for (let pos = 0; pos < N; pos++) {
    const i = order[pos]!;
    const account = accounts[i]!;
    for (let k = 0, src = 32 * i; k < 32; k++) leafIn[1 + k] = idHashes[src + k]!;
    for (let k = 33; k < leafLength; k++) leafIn[k] = 0;
    const balances = account.balances;
    for (const asset in balances) {
      if (!Object.hasOwn(balances, asset)) continue;
      const a = assetIndex.get(asset);
      if (a === undefined) throw new ReservesError('POR_UNKNOWN_ASSET', 'balance in an asset outside the snapshot', { customerId: account.customerId, asset });
      const v = balances[asset];
      if (typeof v !== 'bigint') throw new ReservesError('POR_AMOUNT_RANGE', 'balance must be a bigint of minor units', { customerId: account.customerId, asset });
      if (v <= 0n) {
        if (v === 0n) continue;
        throw new ReservesError('POR_NEGATIVE_BALANCE', 'a balance the operator owes cannot be negative', { customerId: account.customerId, asset });
      }
      const off = 33 + AMOUNT_BYTES * a;
      checkTotals[a]! += v;
      if (v <= SAFE_MAX) {
        // Most balances fit a double exactly: two 32-bit words, no BigInt arithmetic.
        const n = Number(v);
        leafView.setUint32(off + 8, Math.floor(n / 0x100000000));
        leafView.setUint32(off + 12, n >>> 0);
      } else {
        if (v >= AMOUNT_LIMIT) throw new ReservesError('POR_AMOUNT_RANGE', 'balance must be below 2^128', { customerId: account.customerId, asset });
        leafView.setBigUint64(off, v >> 64n);
        leafView.setBigUint64(off + 8, BigInt.asUintN(64, v));
      }
    }
    const o = recordOffset(pos);
    level0.set(H(leafIn), o);
    for (let k = 33; k < leafLength; k++) level0[o - 1 + k] = leafIn[k]!;
  }
  const padHashes: Buffer[] = [Buffer.from(H(Uint8Array.of(PREFIX_PADDING)))];
  for (let pos = N; pos < width; pos++) level0.set(padHashes[0]!, recordOffset(pos)); // sums stay zero
  levels.push(level0);

  // 4. Internal nodes. A node whose subtree holds only padding is the constant padHashes[h].
  const zeroPair = Buffer.alloc(PAIR);
  zeroPair[0] = PREFIX_NODE;
  for (let h = 1; h <= depth; h++) {
    const below = levels[h - 1]!;
    const belowView = new DataView(below.buffer, below.byteOffset, below.byteLength);
    const count = width >> h;
    const level = allocLevel(count);
    const view = new DataView(level.buffer, level.byteOffset, level.byteLength);
    zeroPair.set(padHashes[h - 1]!, 1);
    zeroPair.set(padHashes[h - 1]!, 1 + REC);
    padHashes.push(Buffer.from(H(zeroPair)));
    const realCount = Math.ceil(N / 2 ** h); // nodes with at least one real leaf below
    for (let j = 0; j < count; j++) {
      const out = recordOffset(j);
      if (j >= realCount) {
        level.set(padHashes[h]!, out);
        continue;
      }
      const pair = PAIR * j;
      for (let a = 0; a < A; a++) {
        const s = pair + 1 + 32 + AMOUNT_BYTES * a;
        addAmount(belowView, s, s + REC, view, out + 32 + AMOUNT_BYTES * a);
      }
      level.set(H(below.subarray(pair, pair + PAIR)), out);
    }
    levels.push(level);
  }

  const top = levels[depth]!;
  const treeRoot = top.subarray(recordOffset(0), recordOffset(0) + 32);
  const totals: Record<string, bigint> = {};
  assets.forEach((a, i) => {
    totals[a] = readAmount(top, recordOffset(0) + 32 + AMOUNT_BYTES * i);
    assert(totals[a] === checkTotals[i], 'root sums equal the sum of all balances', { asset: a });
  });
  const rootHash = hex(H(rootPreimage(treeRoot, N, depth, assets, journalSeq, snapshotTime)));
  const published: PublishedSnapshot = {
    version: 1,
    rootHash,
    snapshotTime,
    journalSeq: journalSeq.toString(),
    assets: [...assets],
    totals: assets.map((a) => totals[a]!.toString()),
    leafCount: N,
    depth,
  };

  function recordSums(level: Buffer, index: number): string[] {
    const out: string[] = [];
    for (let a = 0; a < A; a++) out.push(readAmount(level, recordOffset(index) + 32 + AMOUNT_BYTES * a).toString());
    return out;
  }

  /** Binary search of the customer's idHash among the sorted leaves. */
  function positionOf(customerId: string): number | undefined {
    if (typeof customerId !== 'string' || customerId.length === 0 || customerId.length > CUSTOMER_ID_BYTES_MAX || !CUSTOMER_ID_RE.test(customerId)) return undefined;
    const target = Buffer.from(idHashOf(customerId));
    let lo = 0;
    let hi = N - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const i = order[mid]!;
      const c = Buffer.compare(idHashes.subarray(32 * i, 32 * i + 32), target);
      if (c === 0) return accounts[i]!.customerId === customerId ? mid : undefined;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  return {
    published: Object.freeze(published),
    totals: Object.freeze(totals),
    positionOf,
    proofFor(customerId: string): InclusionProof {
      const pos = positionOf(customerId);
      if (pos === undefined) throw new ReservesError('POR_UNKNOWN_CUSTOMER', 'customer not in this snapshot', { customerId });
      saltIn[33] = customerId.length;
      saltIn.write(customerId, 34, 'latin1');
      const idSalt = H(saltIn.subarray(0, 34 + customerId.length));
      const path: ProofStep[] = [];
      for (let h = 0; h < depth; h++) {
        const sib = (pos >> h) ^ 1;
        const level = levels[h]!;
        path.push([level.toString('hex', recordOffset(sib), recordOffset(sib) + 32), ...recordSums(level, sib)]);
      }
      const proof: InclusionProof = {
        ...published,
        assets: [...published.assets],
        totals: [...published.totals],
        index: pos,
        customerId,
        idSalt: hex(idSalt),
        balances: recordSums(level0, pos),
        path,
      };
      assert(path.length === depth, 'proof path length equals depth', { depth });
      return proof;
    },
  };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function sortByIdHash(idHashes: Buffer, n: number, idOf: (i: number) => string): Uint32Array {
  assert(LITTLE_ENDIAN, 'sort key layout assumes a little-endian platform');
  assert(n <= LEAF_COUNT_MAX, 'leaf count fits the 24-bit index field');
  const keys = new BigUint64Array(n);
  const words = new Uint32Array(keys.buffer); // [lo, hi] per key on little-endian
  for (let i = 0; i < n; i++) {
    const o = 32 * i;
    words[2 * i + 1] = idHashes.readUInt32BE(o);
    words[2 * i] = ((idHashes[o + 4]! << 24) | i) >>> 0;
  }
  keys.sort();
  const order = new Uint32Array(n);
  for (let p = 0; p < n; p++) order[p] = words[2 * p]! & 0xffffff;
  // Fix runs whose 40-bit prefixes tie (≈ n²/2^41 of them): order by the full idHash.
  let p = 0;
  while (p < n) {
    let q = p + 1;
    while (q < n && words[2 * q + 1] === words[2 * p + 1] && words[2 * q]! >>> 24 === words[2 * p]! >>> 24) q++;
    if (q - p > 1) {
      const run = Array.from(order.subarray(p, q)).sort((x, y) => {
        const c = Buffer.compare(idHashes.subarray(32 * x, 32 * x + 32), idHashes.subarray(32 * y, 32 * y + 32));
        if (c === 0) throw new ReservesError('POR_DUPLICATE_CUSTOMER', 'customer appears twice in the snapshot', { customerId: idOf(x) });
        return c;
      });
      order.set(run, p);
    }
    p = q;
  }
  return order;
}
