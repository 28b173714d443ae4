import { hash as nodeHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { assert } from '../shared/assert.ts';
import { ReservesError } from './errors.ts';
import { WORKER_SOURCE, localKernel } from './kernel.ts';

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

/** Leaf prefix 0x00 and the id-hash/leaf hashing live in kernel.ts. */
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

/** One level of a version-1 path: sibling hash (hex) then the sibling's sums per asset (decimal strings). */
export type ProofStep = [string, ...string[]];

/** Fields every proof version shares: the publication plus the customer's own leaf. */
interface ProofEnvelope extends Omit<PublishedSnapshot, 'version'> {
  index: number;
  customerId: string;
  /** The customer's salt (64 hex); only this customer gets it. */
  idSalt: string;
  /** The customer's own balances, decimal strings of minor units, one per asset. */
  balances: string[];
}

/**
 * A customer's inclusion proof, format version 2 (what the builder issues): the path is one
 * base64url blob, per level the 32-byte sibling hash then the sibling's sums as unsigned
 * LEB128 varints. Format: docs/proof-of-reserves.md §3.
 */
export interface InclusionProof extends ProofEnvelope {
  version: 2;
  path: string;
}

/** Version 1 (the first format, still verified): the path as JSON arrays of hex and decimal strings. */
export interface InclusionProofV1 extends ProofEnvelope {
  version: 1;
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

/** Smallest tree built with workers; below it, starting threads costs more than it saves. */
export const PARALLEL_LEAF_COUNT_MIN = 1 << 12;
/** Worker threads a parallel build may use (a power of two). */
export const BUILD_WORKERS_MAX = 8;

type Alloc = (bytes: number) => Buffer;
const localAlloc: Alloc = (bytes) => Buffer.alloc(bytes);
/** Shared memory: handed to workers without copying. */
const sharedAlloc: Alloc = (bytes) => Buffer.from(new SharedArrayBuffer(Math.max(1, bytes)), 0, bytes);

/** The input as flat bytes: ids (latin1, concatenated), their offsets, and amounts (16 bytes BE per asset, input order). */
interface EncodedInput {
  idBytes: Buffer;
  idOffsets: Uint32Array;
  amounts: Buffer;
  /** Plain bigint totals, to check the root's sums against (a postcondition on the word-wise adder). */
  checkTotals: bigint[];
}

function encodeInput(accounts: readonly CustomerBalances[], assets: readonly string[], alloc: Alloc): EncodedInput {
  const N = accounts.length;
  const A = assets.length;
  const assetIndex = new Map<string, number>(assets.map((a, i) => [a, i]));
  const idOffsets = new Uint32Array(alloc(4 * (N + 1)).buffer, 0, N + 1);
  let idLength = 0;
  for (let i = 0; i < N; i++) {
    const id = accounts[i]!.customerId;
    checkCustomerId(id);
    idLength += id.length;
    idOffsets[i + 1] = idLength;
  }
  const idBytes = alloc(idLength);
  const amounts = alloc(AMOUNT_BYTES * A * N);
  const view = new DataView(amounts.buffer, amounts.byteOffset, amounts.byteLength);
  const checkTotals = new Array<bigint>(A).fill(0n);
  for (let i = 0; i < N; i++) {
    const account = accounts[i]!;
    idBytes.write(account.customerId, idOffsets[i]!, 'latin1');
    const balances = account.balances;
    for (const asset in balances) {
      if (!Object.hasOwn(balances, asset)) continue;
      const a = assetIndex.get(asset);
      if (a === undefined) throw new ReservesError('POR_UNKNOWN_ASSET', 'balance in an asset outside the snapshot', { customerId: account.customerId, asset });
      const v = balances[asset];
      if (typeof v !== 'bigint') throw new ReservesError('POR_AMOUNT_RANGE', 'balance must be a bigint of minor units', { customerId: account.customerId, asset });
      if (v <= 0n) {
        if (v === 0n) continue;
        // Attack (a): a negative leaf would cancel real liabilities.
        throw new ReservesError('POR_NEGATIVE_BALANCE', 'a balance the operator owes cannot be negative', { customerId: account.customerId, asset });
      }
      const off = AMOUNT_BYTES * (A * i + a);
      checkTotals[a]! += v;
      if (v <= SAFE_MAX) {
        // Most balances fit a double exactly: two 32-bit words, no BigInt arithmetic.
        const n = Number(v);
        view.setUint32(off + 8, Math.floor(n / 0x100000000));
        view.setUint32(off + 12, n >>> 0);
      } else {
        if (v >= AMOUNT_LIMIT) throw new ReservesError('POR_AMOUNT_RANGE', 'balance must be below 2^128', { customerId: account.customerId, asset });
        view.setBigUint64(off, v >> 64n);
        view.setBigUint64(off + 8, BigInt.asUintN(64, v));
      }
    }
  }
  return { idBytes, idOffsets, amounts, checkTotals };
}

/** Level buffers (pair layout, see kernel.ts) for levels 0..depth, and the padding chain P_0..P_depth. */
function allocLevels(depth: number, A: number, H: HashFn, alloc: Alloc): { levels: Buffer[]; padHashes: Buffer[] } {
  const REC = 32 + AMOUNT_BYTES * A;
  const PAIR = 1 + 2 * REC;
  const levels: Buffer[] = [];
  for (let h = 0; h <= depth; h++) levels.push(alloc(Math.ceil(2 ** (depth - h) / 2) * PAIR));
  const padHashes: Buffer[] = [Buffer.from(H(Uint8Array.of(PREFIX_PADDING)))];
  const zeroPair = Buffer.alloc(PAIR);
  zeroPair[0] = PREFIX_NODE;
  for (let h = 1; h <= depth; h++) {
    zeroPair.set(padHashes[h - 1]!, 1);
    zeroPair.set(padHashes[h - 1]!, 1 + REC);
    padHashes.push(Buffer.from(H(zeroPair)));
  }
  return { levels, padHashes };
}

function kernelError(e: unknown): unknown {
  const message = e instanceof Error ? e.message : String(e);
  if (message === 'POR_SUM_OVERFLOW') return new ReservesError('POR_SUM_OVERFLOW', 'a node sum reaches 2^128', {});
  return e;
}

/**
 * Builds the Merkle-sum tree in this thread. Pure: no clock, no randomness (the salt is a parameter).
 * Leaves are ordered by idHash, so the order of `accounts` does not matter and a
 * leaf's neighbours are unrelated customers (the sibling sums a proof reveals
 * cannot be tied to, say, the next sign-up).
 * Cost for N customers: 3N SHA-256 calls for leaves, N-1 for nodes; memory ≈ 2·2^depth·(32+16A) bytes.
 */
export function buildLiabilitiesTree(params: BuildParams): LiabilitiesTree {
  validateParams(params);
  const { accounts, assets } = params;
  const H = hashFn(params.hashImpl ?? 'node');
  const kernel = localKernel();
  const A = assets.length;
  const N = accounts.length;
  const depth = treeDepth(N);
  const enc = encodeInput(accounts, assets, localAlloc);
  const idHashes = Buffer.alloc(32 * N);
  const leafHashes = Buffer.alloc(32 * N);
  kernel.hashCustomers(H, enc.idBytes, enc.idOffsets, enc.amounts, params.snapshotSalt, A, 0, N, idHashes, leafHashes);
  const order = sortByIdHash(idHashes, N, (i) => accounts[i]!.customerId);
  const { levels, padHashes } = allocLevels(depth, A, H, localAlloc);
  try {
    kernel.buildRange(H, levels, A, N, padHashes, order, leafHashes, enc.amounts, 0, 2 ** depth, 0, depth);
  } catch (e) {
    throw kernelError(e);
  }
  return assemble(params, H, enc, idHashes, order, levels);
}

export interface ParallelBuildOptions {
  /** Worker threads (power of two, 1..8; default 2). Each hashes a disjoint half (quarter, …) of the customers and of the tree. */
  workers?: number;
}

/**
 * Same tree as buildLiabilitiesTree (identical root and proofs), built with worker threads:
 * the workers hash disjoint ranges of customers, the main thread sorts the leaves, the
 * workers then hash disjoint subtrees, and the main thread joins the top levels.
 * All buffers are SharedArrayBuffers: nothing is copied between threads. Below
 * PARALLEL_LEAF_COUNT_MIN customers it builds in this thread.
 */
export async function buildLiabilitiesTreeParallel(params: BuildParams, options: ParallelBuildOptions = {}): Promise<LiabilitiesTree> {
  const W = options.workers ?? 2;
  if (!Number.isInteger(W) || W < 1 || W > BUILD_WORKERS_MAX || (W & (W - 1)) !== 0) {
    throw new ReservesError('POR_INPUT', `workers must be a power of two in 1..${BUILD_WORKERS_MAX}`, { workers: W });
  }
  validateParams(params);
  if (W === 1 || params.accounts.length < PARALLEL_LEAF_COUNT_MIN) return buildLiabilitiesTree(params);
  const { accounts, assets } = params;
  const H = hashFn('node');
  const A = assets.length;
  const N = accounts.length;
  const depth = treeDepth(N);
  const split = Math.log2(W);
  assert(depth >= split, 'tree deep enough to split across workers', { depth, workers: W });
  const workers = Array.from({ length: W }, () => new Worker(WORKER_SOURCE, { eval: true }));
  const run = (w: Worker, message: Record<string, unknown>): Promise<void> =>
    new Promise((resolve, reject) => {
      // Exactly one of: the job's answer, a crash, or the thread exiting without answering.
      const done = () => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      const onError = (e: Error) => {
        done();
        reject(e);
      };
      const onExit = (code: number) => {
        done();
        reject(new ReservesError('POR_WORKER', 'a build worker exited without answering', { code }));
      };
      const onMessage = (m: { ok: boolean; message?: string }) => {
        done();
        if (m.ok) resolve();
        else reject(kernelError(new Error(m.message)));
      };
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage(message);
    });
  try {
    const enc = encodeInput(accounts, assets, sharedAlloc);
    const idHashes = sharedAlloc(32 * N);
    const leafHashes = sharedAlloc(32 * N);
    const salt = Uint8Array.from(params.snapshotSalt);
    await Promise.all(
      workers.map((w, k) =>
        run(w, {
          op: 'customers',
          idBytes: enc.idBytes,
          idOffsets: enc.idOffsets,
          amounts: enc.amounts,
          snapshotSalt: salt,
          A,
          from: Math.floor((N * k) / W),
          to: Math.floor((N * (k + 1)) / W),
          idHashes,
          leafHashes,
        }),
      ),
    );
    const sorted = sortByIdHash(idHashes, N, (i) => accounts[i]!.customerId);
    const order = new Uint32Array(new SharedArrayBuffer(4 * Math.max(1, N)), 0, N);
    order.set(sorted);
    const { levels, padHashes } = allocLevels(depth, A, H, sharedAlloc);
    const span = 2 ** (depth - split);
    const common = { levels, A, N, padHashes, order, leafHashes, amounts: enc.amounts, hFrom: 0, hTo: depth - split };
    await Promise.all(workers.map((w, k) => run(w, { op: 'range', ...common, lo: k * span, hi: (k + 1) * span })));
    try {
      localKernel().buildRange(H, levels, A, N, padHashes, order, leafHashes, enc.amounts, 0, 2 ** depth, depth - split + 1, depth);
    } catch (e) {
      throw kernelError(e);
    }
    return assemble(params, H, enc, idHashes, order, levels);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** LEB128 (unsigned) of a non-negative bigint, as in DWARF and WebAssembly: 7 bits per byte, low group first. */
function uleb128(v: bigint, out: number[]): void {
  let x = v;
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
}

/** The tree object: publication, totals, proofs. Checks the root's sums against the plain bigint totals. */
function assemble(params: BuildParams, H: HashFn, enc: EncodedInput, idHashes: Buffer, order: Uint32Array, levels: Buffer[]): LiabilitiesTree {
  const { accounts, assets, snapshotSalt, snapshotTime, journalSeq } = params;
  const A = assets.length;
  const N = accounts.length;
  const depth = levels.length - 1;
  const REC = 32 + AMOUNT_BYTES * A;
  const PAIR = 1 + 2 * REC;
  const recordOffset = (k: number): number => (k >>> 1) * PAIR + 1 + (k & 1) * REC;
  const level0 = levels[0]!;
  const top = levels[depth]!;
  const treeRoot = top.subarray(recordOffset(0), recordOffset(0) + 32);
  const totals: Record<string, bigint> = {};
  assets.forEach((a, i) => {
    totals[a] = readAmount(top, recordOffset(0) + 32 + AMOUNT_BYTES * i);
    assert(totals[a] === enc.checkTotals[i], 'root sums equal the sum of all balances', { asset: a });
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

  const saltIn = Buffer.alloc(1 + 32 + 1 + CUSTOMER_ID_BYTES_MAX);
  saltIn[0] = PREFIX_ID_SALT;
  saltIn.set(snapshotSalt, 1);
  const idSaltOf = (id: string): Uint8Array => {
    saltIn[33] = id.length;
    saltIn.write(id, 34, 'latin1');
    return H(saltIn.subarray(0, 34 + id.length));
  };
  const idHashOf = (id: string): Buffer => Buffer.from(H(Buffer.concat([Uint8Array.of(PREFIX_ID), idSaltOf(id), Buffer.from(id, 'latin1')])));

  function recordSums(level: Buffer, index: number): bigint[] {
    const out: bigint[] = [];
    for (let a = 0; a < A; a++) out.push(readAmount(level, recordOffset(index) + 32 + AMOUNT_BYTES * a));
    return out;
  }

  /** Binary search of the customer's idHash among the sorted leaves. */
  function positionOf(customerId: string): number | undefined {
    if (typeof customerId !== 'string' || customerId.length === 0 || customerId.length > CUSTOMER_ID_BYTES_MAX || !CUSTOMER_ID_RE.test(customerId)) return undefined;
    const target = idHashOf(customerId);
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
      const bytes: number[] = [];
      for (let h = 0; h < depth; h++) {
        const sib = (pos >> h) ^ 1;
        const level = levels[h]!;
        const o = recordOffset(sib);
        for (let k = 0; k < 32; k++) bytes.push(level[o + k]!);
        for (const s of recordSums(level, sib)) uleb128(s, bytes);
      }
      const proof: InclusionProof = {
        version: 2,
        rootHash: published.rootHash,
        snapshotTime: published.snapshotTime,
        journalSeq: published.journalSeq,
        assets: [...published.assets],
        totals: [...published.totals],
        leafCount: N,
        depth,
        index: pos,
        customerId,
        idSalt: hex(idSaltOf(customerId)),
        balances: recordSums(level0, pos).map(String),
        path: Buffer.from(bytes).toString('base64url'),
      };
      assert(bytes.length >= 33 * depth, 'path holds a hash and sums per level', { depth });
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
