import { assert } from '../shared/assert.ts';
import { sha256Hex } from './crypto.ts';
import { IdentityError } from './errors.ts';
import { formatIp, parseIp } from './ip.ts';

/**
 * Hash-chained audit log. Each entry commits to the previous entry's hash, so any
 * edit, deletion, insertion or reordering breaks the chain from that point on.
 * A truncated tail is only detectable against a head (seq, hash) kept elsewhere
 * (e.g. published periodically, or in a separate store): pass it as expectedHead.
 */

export interface AuditInput {
  atMs: number;
  /** Who: staff id, account id, or 'system:<component>'. */
  actor: string;
  /** What, as dotted lowercase: 'kyc.approve', 'four_eyes.approve', 'apikey.create'. */
  action: string;
  /** Where from: a canonical IP address, or '' for internal actions. */
  ip: string;
  before: unknown;
  after: unknown;
}

export interface AuditEntry extends AuditInput {
  seq: number;
  prevHash: string;
  hash: string;
}

export const AUDIT_GENESIS_HASH = '0'.repeat(64);
const CANONICAL_DEPTH_MAX = 32;
export const CANONICAL_BYTES_MAX = 1 << 20;

/**
 * Canonical JSON (in the spirit of RFC 8785 JCS): object keys sorted by UTF-16 code
 * units, no whitespace, numbers in ECMAScript shortest form (JCS §3.2.2.3), bigint
 * written as a decimal string (so exact money amounts survive), properties whose
 * value is undefined omitted. Anything without one obvious encoding (NaN, Infinity,
 * Date, Map, class instances, typed arrays, functions, cycles) is refused.
 */
export function canonicalJson(value: unknown): string {
  const out = encode(value, 0, new Set());
  if (out.length > CANONICAL_BYTES_MAX) throw new IdentityError('AUDIT_NOT_CANONICAL', 'audit payload too large');
  return out;
}

function encode(v: unknown, depth: number, stack: Set<object>): string {
  if (depth > CANONICAL_DEPTH_MAX) throw new IdentityError('AUDIT_NOT_CANONICAL', 'nesting too deep');
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      return JSON.stringify(v); // ES2019 well-formed: lone surrogates escaped
    case 'bigint':
      return JSON.stringify(v.toString());
    case 'number':
      if (!Number.isFinite(v)) throw new IdentityError('AUDIT_NOT_CANONICAL', 'non-finite number');
      return JSON.stringify(Object.is(v, -0) ? 0 : v);
    case 'object': {
      if (stack.has(v)) throw new IdentityError('AUDIT_NOT_CANONICAL', 'cycle');
      stack.add(v);
      let s: string;
      if (Array.isArray(v)) {
        s = `[${v.map((x) => {
          if (x === undefined) throw new IdentityError('AUDIT_NOT_CANONICAL', 'undefined in array');
          return encode(x, depth + 1, stack);
        }).join(',')}]`;
      } else {
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) throw new IdentityError('AUDIT_NOT_CANONICAL', 'only plain objects and arrays');
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o).sort();
        s = `{${keys.filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${encode(o[k], depth + 1, stack)}`).join(',')}}`;
      }
      stack.delete(v);
      return s;
    }
    default:
      throw new IdentityError('AUDIT_NOT_CANONICAL', `cannot encode ${typeof v}`);
  }
}

const ACTION_RE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;

function hashOf(e: Omit<AuditEntry, 'hash'>): string {
  return sha256Hex(
    canonicalJson({ seq: e.seq, atMs: e.atMs, actor: e.actor, action: e.action, ip: e.ip, before: e.before, after: e.after, prevHash: e.prevHash }),
  );
}

function checkInput(input: AuditInput): string {
  const bad = (why: string) => new IdentityError('AUDIT_INPUT_INVALID', `audit input invalid: ${why}`);
  if (!Number.isSafeInteger(input.atMs) || input.atMs < 0) throw bad('atMs');
  if (typeof input.actor !== 'string' || input.actor.length < 1 || input.actor.length > 128 || /\p{Cc}/u.test(input.actor)) throw bad('actor');
  if (typeof input.action !== 'string' || input.action.length > 64 || !ACTION_RE.test(input.action)) throw bad('action');
  if (input.ip === '') return '';
  try {
    return formatIp(parseIp(input.ip));
  } catch {
    throw bad('ip');
  }
}

/** Builds the next entry. `prev` is the current head (null for the first entry). Pure. */
export function appendAudit(prev: AuditEntry | null, input: AuditInput): AuditEntry {
  const ip = checkInput(input);
  if (prev && input.atMs < prev.atMs) {
    throw new IdentityError('AUDIT_INPUT_INVALID', 'audit time went backwards', { prevAtMs: prev.atMs, atMs: input.atMs });
  }
  // Snapshot through canonical JSON: validates before/after and detaches from caller objects.
  const before = input.before === undefined ? null : JSON.parse(canonicalJson(input.before));
  const after = input.after === undefined ? null : JSON.parse(canonicalJson(input.after));
  const body = { seq: prev ? prev.seq + 1 : 1, atMs: input.atMs, actor: input.actor, action: input.action, ip, before, after, prevHash: prev ? prev.hash : AUDIT_GENESIS_HASH };
  const entry: AuditEntry = { ...body, hash: hashOf(body) };
  assert(entry.seq >= 1 && /^[0-9a-f]{64}$/.test(entry.hash), 'audit entry shape');
  return entry;
}

export type AuditVerifyResult =
  | { ok: true; headSeq: number; headHash: string }
  | { ok: false; brokenAtSeq: number; reason: 'SHAPE' | 'SEQ' | 'PREV_HASH' | 'TIME' | 'HASH' | 'HEAD' };

/**
 * Verifies a run of entries. `anchor` is the (seq, hash) of the entry before the
 * first one (omit to start at genesis); `expectedHead` detects a truncated tail.
 * brokenAtSeq is the sequence number where the chain first stops being valid.
 */
export function verifyAuditChain(
  entries: readonly AuditEntry[],
  options: { anchor?: { seq: number; hash: string; atMs?: number }; expectedHead?: { seq: number; hash: string } } = {},
): AuditVerifyResult {
  let prevSeq = options.anchor?.seq ?? 0;
  let prevHash = options.anchor?.hash ?? AUDIT_GENESIS_HASH;
  let prevAtMs = options.anchor?.atMs ?? 0;
  for (const e of entries) {
    const at = prevSeq + 1;
    if (
      typeof e !== 'object' || e === null || !Number.isSafeInteger(e.seq) || !Number.isSafeInteger(e.atMs) ||
      typeof e.hash !== 'string' || typeof e.prevHash !== 'string' || typeof e.actor !== 'string' || typeof e.action !== 'string' || typeof e.ip !== 'string'
    ) {
      return { ok: false, brokenAtSeq: at, reason: 'SHAPE' };
    }
    if (e.seq !== at) return { ok: false, brokenAtSeq: at, reason: 'SEQ' };
    if (e.prevHash !== prevHash) return { ok: false, brokenAtSeq: at, reason: 'PREV_HASH' };
    if (e.atMs < prevAtMs) return { ok: false, brokenAtSeq: at, reason: 'TIME' };
    let recomputed: string;
    try {
      recomputed = hashOf(e);
    } catch {
      return { ok: false, brokenAtSeq: at, reason: 'SHAPE' };
    }
    if (recomputed !== e.hash) return { ok: false, brokenAtSeq: at, reason: 'HASH' };
    prevSeq = e.seq;
    prevHash = e.hash;
    prevAtMs = e.atMs;
  }
  if (options.expectedHead && (options.expectedHead.seq !== prevSeq || options.expectedHead.hash !== prevHash)) {
    return { ok: false, brokenAtSeq: Math.min(prevSeq, options.expectedHead.seq) + 1, reason: 'HEAD' };
  }
  return { ok: true, headSeq: prevSeq, headHash: prevHash };
}
