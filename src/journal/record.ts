import { hash as oneShotHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { assert } from '../shared/assert.ts';
import { JournalError } from './errors.ts';

/**
 * One journal record, framed for an append-only byte stream:
 *
 *   offset  size  field
 *   0       4     magic "RJR1"
 *   4       4     body length N (u32 LE)
 *   8       4     CRC-32 of the body (u32 LE) — catches torn and bit-flipped writes cheaply
 *   12      N     body:  seq (u64 LE) | prevHash (32 bytes) | payload (N − 40 bytes)
 *
 * The record's hash is SHA-256(body). Because the body holds the previous record's
 * hash, the records form a chain: editing, deleting or reordering any record breaks
 * every hash after it. The genesis prevHash is 32 zero bytes.
 */
export const MAGIC = 0x3152_4a52; // "RJR1" little-endian
export const HEADER_BYTES = 12;
export const BODY_FIXED_BYTES = 40;
/** Largest payload: 1 MiB. A command is a few hundred bytes; anything near this is hostile. */
export const PAYLOAD_BYTES_MAX = 1 << 20;
export const GENESIS_HASH = new Uint8Array(32);

export interface DecodedRecord {
  readonly seq: number;
  readonly prevHash: Uint8Array;
  readonly payload: Uint8Array;
  readonly hash: Uint8Array;
  /** Bytes the framed record occupies. */
  readonly size: number;
}

export function encodeRecord(seq: number, prevHash: Uint8Array, payload: Uint8Array): { frame: Buffer; hash: Buffer } {
  assert(Number.isSafeInteger(seq) && seq > 0, 'record seq must be positive', { seq });
  assert(prevHash.length === 32, 'prevHash must be 32 bytes');
  if (payload.length > PAYLOAD_BYTES_MAX) throw new JournalError('JOURNAL_RECORD_TOO_LARGE', 'journal payload too large', { bytes: payload.length });
  const bodyLen = BODY_FIXED_BYTES + payload.length;
  const frame = Buffer.allocUnsafe(HEADER_BYTES + bodyLen);
  frame.writeUInt32LE(MAGIC, 0);
  frame.writeUInt32LE(bodyLen, 4);
  frame.writeBigUInt64LE(BigInt(seq), HEADER_BYTES);
  frame.set(prevHash, HEADER_BYTES + 8);
  frame.set(payload, HEADER_BYTES + BODY_FIXED_BYTES);
  const body = frame.subarray(HEADER_BYTES);
  frame.writeUInt32LE(crc32(body), 8);
  const hash = sha256(body);
  return { frame, hash };
}

export type DecodeOutcome = { ok: true; record: DecodedRecord } | { ok: false; reason: 'short' | 'magic' | 'length' | 'crc' };

/** Decodes the record at `offset`; never throws on bad bytes (the caller decides torn tail vs corruption). */
export function decodeRecord(buf: Uint8Array, offset: number): DecodeOutcome {
  if (buf.length - offset < HEADER_BYTES) return { ok: false, reason: 'short' };
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.readUInt32LE(offset) !== MAGIC) return { ok: false, reason: 'magic' };
  const bodyLen = view.readUInt32LE(offset + 4);
  if (bodyLen < BODY_FIXED_BYTES || bodyLen > BODY_FIXED_BYTES + PAYLOAD_BYTES_MAX) return { ok: false, reason: 'length' };
  if (buf.length - offset < HEADER_BYTES + bodyLen) return { ok: false, reason: 'short' };
  const body = view.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + bodyLen);
  if (crc32(body) !== view.readUInt32LE(offset + 8)) return { ok: false, reason: 'crc' };
  const seq = Number(body.readBigUInt64LE(0));
  return {
    ok: true,
    record: {
      seq,
      prevHash: body.subarray(8, 40),
      payload: body.subarray(40),
      hash: sha256(body),
      size: HEADER_BYTES + bodyLen,
    },
  };
}

/** Checks that `record` follows `prev` (seq + 1, prevHash = prev hash); throws JournalError otherwise. */
export function checkLink(prevSeq: number, prevHash: Uint8Array, record: DecodedRecord): void {
  if (record.seq !== prevSeq + 1) throw new JournalError('JOURNAL_SEQ_GAP', 'journal sequence is not contiguous', { expected: prevSeq + 1, got: record.seq });
  if (!Buffer.from(record.prevHash).equals(Buffer.from(prevHash))) {
    throw new JournalError('JOURNAL_CHAIN_BROKEN', 'journal hash chain broken', { seq: record.seq });
  }
}

/** One-shot SHA-256 (node:crypto.hash avoids a Hash object per record on the hot path). */
function sha256(data: Uint8Array): Buffer {
  return oneShotHash('sha256', data, 'buffer') as unknown as Buffer;
}
