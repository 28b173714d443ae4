import type { Command } from '../core/commands.ts';
import { JournalError } from './errors.ts';

/**
 * Commands as journal payloads. The first byte is a tag:
 *   0  UTF-8 JSON of any command, bigints written as {"$n":"<digits>"} (never a float)
 *   1  order.place   2  order.cancel   3  order.amend   — compact binary, little-endian
 * Binary exists because these three are ~95% of the traffic and JSON with a bigint
 * reviver costs more than applying the command. Numbers are f64: every field is a
 * safe integer (validated again by the core on apply). The journal hash covers these
 * exact bytes, so a record is never re-encoded after it is written.
 */
const TAG_JSON = 0;
const TAG_PLACE = 1;
const TAG_CANCEL = 2;
const TAG_AMEND = 3;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? { $n: value.toString() } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && '$n' in value) {
    const digits = (value as { $n: unknown }).$n;
    if (typeof digits !== 'string' || !/^-?[0-9]{1,80}$/.test(digits)) throw new JournalError('JOURNAL_PAYLOAD', 'bad bigint in payload');
    return BigInt(digits);
  }
  return value;
}

const SIDES = ['buy', 'sell'] as const;
const KINDS = ['limit', 'market'] as const;
const TIFS = ['GTC', 'IOC', 'FOK'] as const;
const F_PRICE = 1;
const F_QTY = 2;
const F_QUOTE = 4;
const F_COID = 8;
const F_POST = 16;
const F_TIF = 32;

/** A small growable writer; one per encode keeps encode reentrant. */
class Writer {
  buf: Buffer;
  at = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  u8(v: number): void {
    this.buf[this.at++] = v;
  }
  f64(v: number): void {
    this.buf.writeDoubleLE(v, this.at);
    this.at += 8;
  }
  str(s: string): void {
    const n = this.buf.write(s, this.at + 2, 'utf8');
    this.buf.writeUInt16LE(n, this.at);
    this.at += 2 + n;
  }
  done(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

class Reader {
  at = 1;
  constructor(private readonly buf: Buffer) {}
  need(n: number): void {
    if (this.at + n > this.buf.length) throw new JournalError('JOURNAL_PAYLOAD', 'journal payload truncated');
  }
  u8(): number {
    this.need(1);
    return this.buf[this.at++]!;
  }
  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }
  str(): string {
    this.need(2);
    const n = this.buf.readUInt16LE(this.at);
    this.need(2 + n);
    const s = decoder.decode(this.buf.subarray(this.at + 2, this.at + 2 + n));
    this.at += 2 + n;
    return s;
  }
  end(): void {
    if (this.at !== this.buf.length) throw new JournalError('JOURNAL_PAYLOAD', 'journal payload has trailing bytes');
  }
}

function pick<T>(table: readonly T[], i: number): T {
  const v = table[i];
  if (v === undefined) throw new JournalError('JOURNAL_PAYLOAD', 'journal payload has a bad enum value');
  return v;
}

/** Binary form only when every field fits the binary layout exactly; anything odd goes as JSON. */
function binaryable(cmd: Command): boolean {
  if (cmd.type === 'order.place') {
    return (
      (cmd.side === 'buy' || cmd.side === 'sell') &&
      (cmd.kind === 'limit' || cmd.kind === 'market') &&
      (cmd.tif === undefined || TIFS.includes(cmd.tif)) &&
      typeof cmd.market === 'string' &&
      cmd.market.length < 64 &&
      (cmd.clientOrderId === undefined || (typeof cmd.clientOrderId === 'string' && cmd.clientOrderId.length <= 256)) &&
      (cmd.quoteAmount === undefined || typeof cmd.quoteAmount === 'bigint') &&
      (cmd.postOnly === undefined || typeof cmd.postOnly === 'boolean') &&
      Object.keys(cmd).length <= 11
    );
  }
  return cmd.type === 'order.cancel' || cmd.type === 'order.amend';
}

export function encodeCommand(cmd: Command): Uint8Array {
  if (!binaryable(cmd) || !Number.isFinite(cmd.ts)) {
    const json = encoder.encode(JSON.stringify(cmd, replacer));
    const out = new Uint8Array(json.length + 1);
    out[0] = TAG_JSON;
    out.set(json, 1);
    return out;
  }
  if (cmd.type === 'order.cancel') {
    const w = new Writer(25);
    w.u8(TAG_CANCEL);
    w.f64(cmd.ts);
    w.f64(cmd.userId);
    w.f64(cmd.orderId);
    return w.done();
  }
  if (cmd.type === 'order.amend') {
    const w = new Writer(42);
    w.u8(TAG_AMEND);
    w.f64(cmd.ts);
    w.f64(cmd.userId);
    w.f64(cmd.orderId);
    w.u8((cmd.priceTicks !== undefined ? F_PRICE : 0) | (cmd.qtyLots !== undefined ? F_QTY : 0));
    if (cmd.priceTicks !== undefined) w.f64(cmd.priceTicks);
    if (cmd.qtyLots !== undefined) w.f64(cmd.qtyLots);
    return w.done();
  }
  const c = cmd as Extract<Command, { type: 'order.place' }>;
  const w = new Writer(64 + c.market.length * 3 + (c.clientOrderId?.length ?? 0) * 3 + 100);
  w.u8(TAG_PLACE);
  w.f64(c.ts);
  w.f64(c.userId);
  w.str(c.market);
  w.u8(c.side === 'buy' ? 0 : 1);
  w.u8(c.kind === 'limit' ? 0 : 1);
  const flags =
    (c.priceTicks !== undefined ? F_PRICE : 0) |
    (c.qtyLots !== undefined ? F_QTY : 0) |
    (c.quoteAmount !== undefined ? F_QUOTE : 0) |
    (c.clientOrderId !== undefined ? F_COID : 0) |
    (c.postOnly !== undefined ? F_POST : 0) |
    (c.tif !== undefined ? F_TIF : 0);
  w.u8(flags);
  if (c.tif !== undefined) w.u8(TIFS.indexOf(c.tif));
  if (c.postOnly !== undefined) w.u8(c.postOnly ? 1 : 0);
  if (c.priceTicks !== undefined) w.f64(c.priceTicks);
  if (c.qtyLots !== undefined) w.f64(c.qtyLots);
  if (c.quoteAmount !== undefined) w.str(c.quoteAmount.toString());
  if (c.clientOrderId !== undefined) w.str(c.clientOrderId);
  return w.done();
}

export function decodeCommand(payload: Uint8Array): Command {
  if (payload.length === 0) throw new JournalError('JOURNAL_PAYLOAD', 'empty journal payload');
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const tag = buf[0];
  if (tag === TAG_JSON) {
    try {
      return JSON.parse(decoder.decode(buf.subarray(1)), reviver) as Command;
    } catch (e) {
      if (e instanceof JournalError) throw e;
      throw new JournalError('JOURNAL_PAYLOAD', 'journal payload is not a command', { reason: e instanceof Error ? e.message.slice(0, 120) : '' });
    }
  }
  const r = new Reader(buf);
  if (tag === TAG_CANCEL) {
    const cmd: Command = { type: 'order.cancel', ts: r.f64(), userId: r.f64(), orderId: r.f64() };
    r.end();
    return cmd;
  }
  if (tag === TAG_AMEND) {
    const ts = r.f64();
    const userId = r.f64();
    const orderId = r.f64();
    const flags = r.u8();
    const cmd: Extract<Command, { type: 'order.amend' }> = { type: 'order.amend', ts, userId, orderId };
    if (flags & F_PRICE) cmd.priceTicks = r.f64();
    if (flags & F_QTY) cmd.qtyLots = r.f64();
    r.end();
    return cmd;
  }
  if (tag === TAG_PLACE) {
    const ts = r.f64();
    const userId = r.f64();
    const market = r.str();
    const side = pick(SIDES, r.u8());
    const kind = pick(KINDS, r.u8());
    const flags = r.u8();
    const cmd: Extract<Command, { type: 'order.place' }> = { type: 'order.place', ts, userId, market, side, kind };
    if (flags & F_TIF) cmd.tif = pick(TIFS, r.u8());
    if (flags & F_POST) cmd.postOnly = r.u8() === 1;
    if (flags & F_PRICE) cmd.priceTicks = r.f64();
    if (flags & F_QTY) cmd.qtyLots = r.f64();
    if (flags & F_QUOTE) {
      const s = r.str();
      if (!/^[0-9]{1,80}$/.test(s)) throw new JournalError('JOURNAL_PAYLOAD', 'bad quote amount in payload');
      cmd.quoteAmount = BigInt(s);
    }
    if (flags & F_COID) cmd.clientOrderId = r.str();
    r.end();
    return cmd;
  }
  throw new JournalError('JOURNAL_PAYLOAD', 'unknown journal payload tag', { tag });
}
