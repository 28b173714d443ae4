import { assert } from '../shared/assert.ts';
import { ScreeningError } from './errors.ts';
import type { AddressValidator, Chain, ListKind, ListSource } from './types.ts';
import { isChain } from './types.ts';

/**
 * The blocklist / taint database model: addresses and transaction ids that Rampart
 * refuses to credit freely (stolen funds from an incident, OFAC SDN digital-currency
 * addresses, partner CSV feeds, staff entries, freeze requests).
 *
 * Append-only: a removal is recorded on the entry (who, when, why) and the entry stays
 * in the export, so an auditor can answer "was this address listed on day D, and by whom".
 * Pure model: no clock, no I/O; the caller passes `atMs` and the actor.
 */

/** Stated bound: the real OFAC list holds ~1,000 digital-currency addresses; incident lists are smaller. */
export const BLOCKLIST_ENTRIES_MAX = 1_000_000;
export const REASON_CHARS_MAX = 1_000;
export const REF_CHARS_MAX = 200;

export interface BlocklistEntry {
  readonly chain: Chain;
  readonly kind: ListKind;
  /** Normalised: ETH lowercase hex; BTC bech32 lowercase, base58 as is; txids lowercase hex. */
  readonly value: string;
  readonly reason: string;
  readonly source: ListSource;
  /** Origin reference: incident id, `ofac:sdn:<uid>`, CSV file name + line, freeze request id. */
  readonly sourceRef: string;
  readonly addedAtMs: number;
  readonly addedBy: string;
  readonly removed?: { readonly atMs: number; readonly by: string; readonly reason: string };
}

export interface NewEntry {
  chain: Chain;
  kind: ListKind;
  value: string;
  reason: string;
  source: ListSource;
  sourceRef: string;
  addedAtMs: number;
  addedBy: string;
}

export interface BlocklistExport {
  readonly version: 1;
  readonly entries: readonly BlocklistEntry[];
}

const HEX_RE = /^[0-9a-f]+$/;
const BECH32_CHARSET_RE = /^[qpzry9x8gf2tvdw0s3jn54khce6mua7l]+$/;
const BASE58_RE = /^[1-9A-HJ-NP-Za-km-z]+$/;
/** BIP173: human-readable parts Rampart accepts (mainnet, testnet/signet, regtest). */
const BECH32_HRPS = ['bc', 'tb', 'bcrt'] as const;

function fail(code: string, message: string, details: Record<string, unknown>): never {
  throw new ScreeningError(code, message, details);
}

/**
 * Shape check and normalisation of an address. Not a checksum check: that lives in
 * src/chains (bech32/bech32m polymod, base58check double-SHA256, EIP-55), and the caller
 * may inject it as `validator`.
 */
export function normaliseAddress(chain: Chain, raw: string, validator?: AddressValidator): string {
  if (!isChain(chain)) fail('CHAIN_INVALID', 'unsupported chain', { chain: String(chain).slice(0, 16) });
  const text = typeof raw === 'string' ? raw.trim() : '';
  let out: string;
  if (chain === 'ETH') {
    // An Ethereum address is 20 bytes: 0x + 40 hex. EIP-55 mixed case is a checksum only; we store lowercase.
    if (!/^0x[0-9a-fA-F]{40}$/.test(text)) fail('ADDRESS_INVALID', 'not an Ethereum address (0x + 40 hex)', { chain, value: text.slice(0, 100) });
    out = text.toLowerCase();
  } else {
    out = normaliseBtcAddress(text);
  }
  if (validator && !validator(chain, out)) fail('ADDRESS_INVALID', 'address failed the chain validator', { chain, value: out });
  return out;
}

function normaliseBtcAddress(text: string): string {
  const lower = text.toLowerCase();
  const sep = lower.lastIndexOf('1');
  const hrp = sep > 0 ? lower.slice(0, sep) : '';
  if ((BECH32_HRPS as readonly string[]).includes(hrp)) {
    // BIP173: mixed case is invalid; total length at most 90; data part ≥ 6 chars of checksum.
    if (text !== lower && text !== text.toUpperCase()) fail('ADDRESS_INVALID', 'bech32 address in mixed case', { value: text.slice(0, 100) });
    const data = lower.slice(sep + 1);
    // Shortest segwit address (v0..16, 2-byte program) has 14 data chars; longest ≤ 90 total.
    if (lower.length > 90 || data.length < 14 || !BECH32_CHARSET_RE.test(data)) {
      fail('ADDRESS_INVALID', 'not a bech32 address (charset/length)', { value: text.slice(0, 100) });
    }
    return lower;
  }
  // Base58Check P2PKH / P2SH: 25 bytes → 26..35 chars. Case is significant: keep as is.
  if (text.length < 26 || text.length > 35 || !BASE58_RE.test(text)) {
    fail('ADDRESS_INVALID', 'not a Bitcoin address (bech32 or base58 charset/length)', { value: text.slice(0, 100) });
  }
  return text;
}

/** A transaction id: 32 bytes hex. ETH hashes carry 0x; BTC txids do not (display byte order). */
export function normaliseTxid(chain: Chain, raw: string): string {
  if (!isChain(chain)) fail('CHAIN_INVALID', 'unsupported chain', { chain: String(chain).slice(0, 16) });
  const text = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  const hex = chain === 'ETH' ? (text.startsWith('0x') ? text.slice(2) : '') : text;
  if (hex.length !== 64 || !HEX_RE.test(hex)) fail('TXID_INVALID', 'not a transaction id (32 bytes hex)', { chain, value: text.slice(0, 100) });
  return chain === 'ETH' ? `0x${hex}` : hex;
}

export function normaliseValue(chain: Chain, kind: ListKind, raw: string, validator?: AddressValidator): string {
  return kind === 'address' ? normaliseAddress(chain, raw, validator) : normaliseTxid(chain, raw);
}

function keyOf(chain: Chain, kind: ListKind, value: string): string {
  return `${chain}:${kind}:${value}`;
}

const SOURCES: ReadonlySet<string> = new Set(['incident', 'ofac', 'csv', 'manual', 'freeze_request']);

export interface AddResult {
  readonly added: boolean;
  readonly entry: BlocklistEntry;
}

export class Blocklist {
  readonly #entries: BlocklistEntry[] = [];
  /** key → indexes into #entries of entries not removed. */
  readonly #active = new Map<string, number[]>();
  readonly #validator: AddressValidator | undefined;
  readonly #entriesMax: number;

  constructor(options: { validator?: AddressValidator; entriesMax?: number } = {}) {
    this.#validator = options.validator;
    this.#entriesMax = options.entriesMax ?? BLOCKLIST_ENTRIES_MAX;
    assert(Number.isSafeInteger(this.#entriesMax) && this.#entriesMax > 0, 'entriesMax must be a positive integer');
  }

  get size(): number {
    return this.#entries.length;
  }

  /**
   * Adds an entry. Idempotent on (chain, kind, value, source, sourceRef) while active:
   * re-importing the same OFAC list adds nothing. The same address from two sources is
   * two entries (both are evidence). Throws ScreeningError on a malformed value.
   */
  add(input: NewEntry): AddResult {
    if (!isChain(input.chain)) fail('CHAIN_INVALID', 'unsupported chain', { chain: String(input.chain).slice(0, 16) });
    if (input.kind !== 'address' && input.kind !== 'txid') fail('KIND_INVALID', 'kind must be address or txid', {});
    if (!SOURCES.has(input.source)) fail('SOURCE_INVALID', 'unknown source', { source: String(input.source).slice(0, 32) });
    if (!Number.isSafeInteger(input.addedAtMs) || input.addedAtMs < 0) fail('TIME_INVALID', 'addedAtMs must be a non-negative integer', {});
    if (typeof input.addedBy !== 'string' || input.addedBy.length === 0 || input.addedBy.length > REF_CHARS_MAX) fail('ACTOR_INVALID', 'addedBy required', {});
    if (typeof input.reason !== 'string' || input.reason.length > REASON_CHARS_MAX) fail('REASON_INVALID', `reason must be at most ${REASON_CHARS_MAX} chars`, {});
    if (typeof input.sourceRef !== 'string' || input.sourceRef.length > REF_CHARS_MAX) fail('REF_INVALID', `sourceRef must be at most ${REF_CHARS_MAX} chars`, {});
    const value = normaliseValue(input.chain, input.kind, input.value, this.#validator);
    const key = keyOf(input.chain, input.kind, value);
    for (const i of this.#active.get(key) ?? []) {
      const e = this.#entries[i]!;
      if (e.source === input.source && e.sourceRef === input.sourceRef) return { added: false, entry: e };
    }
    if (this.#entries.length >= this.#entriesMax) fail('BLOCKLIST_FULL', 'blocklist is at its stated maximum', { entriesMax: this.#entriesMax });
    const entry: BlocklistEntry = Object.freeze({
      chain: input.chain,
      kind: input.kind,
      value,
      reason: input.reason,
      source: input.source,
      sourceRef: input.sourceRef,
      addedAtMs: input.addedAtMs,
      addedBy: input.addedBy,
    });
    this.#entries.push(entry);
    const list = this.#active.get(key) ?? [];
    list.push(this.#entries.length - 1);
    this.#active.set(key, list);
    return { added: true, entry };
  }

  /**
   * Removes (de-lists) active entries for a value, optionally only those of one source
   * (an OFAC delisting must not clear an incident entry for the same address). The
   * entries stay in the export with `removed` set. Returns the removed entries.
   */
  remove(args: { chain: Chain; kind: ListKind; value: string; atMs: number; by: string; reason: string; source?: ListSource; sourceRef?: string }): BlocklistEntry[] {
    if (typeof args.by !== 'string' || args.by.length === 0) fail('ACTOR_INVALID', 'removal needs an actor', {});
    if (typeof args.reason !== 'string' || args.reason.length === 0 || args.reason.length > REASON_CHARS_MAX) fail('REASON_INVALID', 'removal needs a reason', {});
    if (!Number.isSafeInteger(args.atMs) || args.atMs < 0) fail('TIME_INVALID', 'atMs must be a non-negative integer', {});
    const value = normaliseValue(args.chain, args.kind, args.value);
    const key = keyOf(args.chain, args.kind, value);
    const idx = this.#active.get(key) ?? [];
    const removed: BlocklistEntry[] = [];
    const keep: number[] = [];
    for (const i of idx) {
      const e = this.#entries[i]!;
      if ((args.source !== undefined && e.source !== args.source) || (args.sourceRef !== undefined && e.sourceRef !== args.sourceRef)) {
        keep.push(i);
        continue;
      }
      const r: BlocklistEntry = Object.freeze({ ...e, removed: Object.freeze({ atMs: args.atMs, by: args.by, reason: args.reason }) });
      this.#entries[i] = r;
      removed.push(r);
    }
    if (removed.length === 0) fail('ENTRY_NOT_FOUND', 'no active entry for that value', { chain: args.chain, kind: args.kind, value });
    if (keep.length === 0) this.#active.delete(key);
    else this.#active.set(key, keep);
    assert(removed.every((e) => e.removed !== undefined), 'removed entries carry their removal record');
    return removed;
  }

  /** Active entries for a value; [] when not listed or when the value is malformed (a lookup never throws on input shape). */
  lookup(chain: Chain, kind: ListKind, raw: string): BlocklistEntry[] {
    let value: string;
    try {
      value = normaliseValue(chain, kind, raw);
    } catch {
      return [];
    }
    return (this.#active.get(keyOf(chain, kind, value)) ?? []).map((i) => this.#entries[i]!);
  }

  lookupAddress(chain: Chain, address: string): BlocklistEntry[] {
    return this.lookup(chain, 'address', address);
  }

  lookupTxid(chain: Chain, txid: string): BlocklistEntry[] {
    return this.lookup(chain, 'txid', txid);
  }

  isListed(chain: Chain, kind: ListKind, raw: string): boolean {
    return this.lookup(chain, kind, raw).length > 0;
  }

  /** Active entries of one source (used by OFAC sync to find delisted addresses). */
  activeBySource(source: ListSource): BlocklistEntry[] {
    const out: BlocklistEntry[] = [];
    for (const idx of this.#active.values()) for (const i of idx) if (this.#entries[i]!.source === source) out.push(this.#entries[i]!);
    return out;
  }

  /** Everything ever added, removals included, in insertion order. */
  export(): BlocklistExport {
    return { version: 1, entries: this.#entries.slice() };
  }

  /** Rebuilds a blocklist from an export (e.g. a journal snapshot); every entry is re-validated. */
  static fromExport(data: BlocklistExport, options: { validator?: AddressValidator; entriesMax?: number } = {}): Blocklist {
    if (data === null || typeof data !== 'object' || data.version !== 1 || !Array.isArray(data.entries)) fail('EXPORT_INVALID', 'not a blocklist export v1', {});
    const b = new Blocklist(options);
    for (const e of data.entries) {
      const { added, entry } = b.add(e);
      if (!added) fail('EXPORT_INVALID', 'duplicate active entry in export', { value: entry.value });
      if (e.removed) b.remove({ chain: entry.chain, kind: entry.kind, value: entry.value, atMs: e.removed.atMs, by: e.removed.by, reason: e.removed.reason, source: entry.source, sourceRef: entry.sourceRef });
    }
    return b;
  }
}
