/**
 * The hashing kernel of the liabilities-tree builder, as plain JavaScript source.
 *
 * Why a string: the same code must run in the main thread (small trees, tests) and in
 * `node:worker_threads` workers (the 1M-customer build, two subtrees hashed in parallel).
 * A worker started with `eval: true` needs no TypeScript loader, so it works the same under
 * `node --import tsx`, the `rampart` binary (tsx registered in-process, which workers do not
 * inherit) and plain node. One source for both paths means the parallel build cannot drift
 * from the serial one; tree.test.ts checks both give the same root for random populations.
 *
 * The kernel touches only typed arrays (shared memory in the parallel build) and a hash
 * function H: it allocates nothing per customer but the digests. Byte layout: see tree.ts
 * and docs/proof-of-reserves.md §2. Records of a level are grouped in pairs, each pair
 * preceded by the node prefix 0x01, so a pair slice IS its parent's preimage.
 */
export const KERNEL_SOURCE = `
'use strict';
const ID_BYTES_MAX = 128;

/** Input rows [from, to): idSalt = H(0x11||salt||len||id), idHash = H(0x10||idSalt||id), leaf = H(0x00||idHash||amounts). */
function hashCustomers(H, idBytes, idOffsets, amounts, snapshotSalt, A, from, to, idHashes, leafHashes) {
  const AB = 16 * A;
  const saltIn = new Uint8Array(1 + 32 + 1 + ID_BYTES_MAX);
  saltIn[0] = 0x11;
  saltIn.set(snapshotSalt, 1);
  const idIn = new Uint8Array(1 + 32 + ID_BYTES_MAX);
  idIn[0] = 0x10;
  const leafIn = new Uint8Array(1 + 32 + AB);
  leafIn[0] = 0x00;
  const saltViews = [];
  const idViews = [];
  for (let len = 0; len <= ID_BYTES_MAX; len++) {
    saltViews.push(saltIn.subarray(0, 34 + len));
    idViews.push(idIn.subarray(0, 33 + len));
  }
  for (let i = from; i < to; i++) {
    const s = idOffsets[i];
    const len = idOffsets[i + 1] - s;
    saltIn[33] = len;
    for (let k = 0; k < len; k++) {
      const c = idBytes[s + k];
      saltIn[34 + k] = c;
      idIn[33 + k] = c;
    }
    idIn.set(H(saltViews[len]), 1);
    const idHash = H(idViews[len]);
    idHashes.set(idHash, 32 * i);
    leafIn.set(idHash, 1);
    for (let k = 0, src = AB * i; k < AB; k++) leafIn[33 + k] = amounts[src + k];
    leafHashes.set(H(leafIn), 32 * i);
  }
}

/**
 * Levels hFrom..hTo of the subtree over leaf positions [lo, hi) (both multiples of 2^hTo).
 * hFrom = 0 first lays out the leaves in sorted order (order[pos] = input row) and padding.
 * A node whose subtree holds only padding is the constant padHashes[h] with zero sums.
 * Sums are added as 32-bit words with carry; a carry out of 128 bits throws POR_SUM_OVERFLOW.
 */
function buildRange(H, levels, A, N, padHashes, order, leafHashes, amounts, lo, hi, hFrom, hTo) {
  const AB = 16 * A;
  const REC = 32 + AB;
  const PAIR = 1 + 2 * REC;
  if (hFrom === 0) {
    const L = levels[0];
    for (let pos = lo; pos < hi; pos++) {
      const o = (pos >>> 1) * PAIR + 1 + (pos & 1) * REC;
      L[(pos >>> 1) * PAIR] = 0x01;
      if (pos < N) {
        const i = order[pos];
        for (let k = 0, src = 32 * i; k < 32; k++) L[o + k] = leafHashes[src + k];
        for (let k = 0, src = AB * i; k < AB; k++) L[o + 32 + k] = amounts[src + k];
      } else {
        L.set(padHashes[0], o);
      }
    }
    hFrom = 1;
  }
  for (let h = hFrom; h <= hTo; h++) {
    const below = levels[h - 1];
    const level = levels[h];
    const bv = new DataView(below.buffer, below.byteOffset, below.byteLength);
    const lv = new DataView(level.buffer, level.byteOffset, level.byteLength);
    const realCount = Math.ceil(N / 2 ** h);
    const jEnd = Math.ceil(hi / 2 ** h);
    for (let j = Math.floor(lo / 2 ** h); j < jEnd; j++) {
      const o = (j >>> 1) * PAIR + 1 + (j & 1) * REC;
      level[(j >>> 1) * PAIR] = 0x01;
      if (j >= realCount) {
        level.set(padHashes[h], o);
        continue;
      }
      const pair = PAIR * j;
      for (let a = 0; a < A; a++) {
        const l = pair + 1 + 32 + 16 * a;
        const r = l + REC;
        const out = o + 32 + 16 * a;
        let carry = 0;
        for (let k = 12; k >= 0; k -= 4) {
          const s = bv.getUint32(l + k) + bv.getUint32(r + k) + carry;
          lv.setUint32(out + k, s >>> 0);
          carry = s > 0xffffffff ? 1 : 0;
        }
        if (carry !== 0) throw new Error('POR_SUM_OVERFLOW');
      }
      level.set(H(below.subarray(pair, pair + PAIR)), o);
    }
  }
}
`;

/** Types of the kernel's two functions, for the in-process instance. */
export interface Kernel {
  hashCustomers(
    H: (d: Uint8Array) => Uint8Array,
    idBytes: Uint8Array,
    idOffsets: Uint32Array,
    amounts: Uint8Array,
    snapshotSalt: Uint8Array,
    A: number,
    from: number,
    to: number,
    idHashes: Uint8Array,
    leafHashes: Uint8Array,
  ): void;
  buildRange(
    H: (d: Uint8Array) => Uint8Array,
    levels: readonly Uint8Array[],
    A: number,
    N: number,
    padHashes: readonly Uint8Array[],
    order: Uint32Array,
    leafHashes: Uint8Array,
    amounts: Uint8Array,
    lo: number,
    hi: number,
    hFrom: number,
    hTo: number,
  ): void;
}

let inProcess: Kernel | undefined;

/** The kernel compiled in this thread (once). */
export function localKernel(): Kernel {
  inProcess ??= new Function(`${KERNEL_SOURCE}\nreturn { hashCustomers, buildRange };`)() as Kernel;
  return inProcess;
}

/** Source of a build worker: runs kernel jobs on shared memory and answers { ok } or { ok: false, message }. */
export const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { hash } = require('node:crypto');
const H = (d) => hash('sha256', d, 'buffer');
${KERNEL_SOURCE}
parentPort.on('message', (m) => {
  try {
    if (m.op === 'customers') hashCustomers(H, m.idBytes, m.idOffsets, m.amounts, m.snapshotSalt, m.A, m.from, m.to, m.idHashes, m.leafHashes);
    else if (m.op === 'range') buildRange(H, m.levels, m.A, m.N, m.padHashes, m.order, m.leafHashes, m.amounts, m.lo, m.hi, m.hFrom, m.hTo);
    else throw new Error('unknown op');
    parentPort.postMessage({ ok: true });
  } catch (e) {
    parentPort.postMessage({ ok: false, message: String((e && e.message) || e) });
  }
});
`;
