import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { assert } from '../shared/assert.ts';
import type { Blocklist } from './blocklist.ts';
import { normaliseValue } from './blocklist.ts';
import { ScreeningError } from './errors.ts';
import type { AddressValidator, Chain, ListKind } from './types.ts';

/**
 * Freeze requests from law enforcement or another exchange ("please freeze these
 * addresses / transactions: funds stolen from us"). After a hack the attacker's coins
 * reach exchanges within hours, so requests arrive machine-readable and signed:
 *
 *   envelope = { request, signature }      signature = Ed25519 (RFC 8032, strict, not ZIP-215)
 *   signed bytes = UTF-8("rampart-freeze-request-v1\n" + canonicalJson(request))
 *
 * The domain prefix keeps a signature over a freeze request from being replayed as any
 * other signed Rampart document. Canonical JSON: object keys sorted by code unit, no
 * whitespace, integers only (RFC 8785 restricted to the types this document uses).
 *
 * Refused (typed codes): FREEZE_MALFORMED, FREEZE_UNKNOWN_COUNTERPARTY,
 * FREEZE_BAD_SIGNATURE, FREEZE_EXPIRED, FREEZE_FROM_FUTURE, FREEZE_DUPLICATE.
 */

export const FREEZE_DOMAIN = 'rampart-freeze-request-v1\n';
export const FREEZE_RESPONSE_DOMAIN = 'rampart-freeze-response-v1\n';
export const FREEZE_ITEMS_MAX = 1_000;
/** A request older than this is refused: a replayed old request should not freeze today's deposits. */
export const FREEZE_MAX_AGE_MS_DEFAULT = 72 * 60 * 60 * 1000;
export const FREEZE_FUTURE_SKEW_MS = 5 * 60 * 1000;
export const FREEZE_BYTES_MAX = 256 * 1024;

function err(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new ScreeningError(code, message, details);
}

/** Canonical JSON of plain data (strings, safe integers, booleans, null, arrays, objects). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) err('FREEZE_MALFORMED', 'only safe integers are allowed in canonical JSON');
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value as object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return err('FREEZE_MALFORMED', 'unsupported value in canonical JSON', { type: typeof value });
}

const idRe = /^[A-Za-z0-9_.:-]{1,100}$/;
export const FreezeRequestSchema = z
  .object({
    requestId: z.string().regex(idRe),
    counterpartyId: z.string().regex(idRe),
    issuedAtMs: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    items: z
      .array(z.object({ chain: z.enum(['BTC', 'ETH']), kind: z.enum(['address', 'txid']), value: z.string().min(1).max(128) }).strict())
      .min(1)
      .max(FREEZE_ITEMS_MAX),
    reason: z.string().min(1).max(2_000),
    contact: z.string().min(1).max(500),
  })
  .strict();
export type FreezeRequest = z.infer<typeof FreezeRequestSchema>;

const EnvelopeSchema = z.object({ request: z.unknown(), signature: z.string().regex(/^[0-9a-fA-F]{128}$/) }).strict();

export interface Counterparty {
  readonly id: string;
  readonly name: string;
  readonly kind: 'law_enforcement' | 'exchange' | 'other';
  readonly publicKeyHex: string;
  readonly registeredBy: string;
  readonly registeredAtMs: number;
  readonly revokedAtMs?: number;
}

/** Staff-registered counterparties and their Ed25519 public keys. */
export class CounterpartyRegistry {
  readonly #byId = new Map<string, Counterparty>();
  static readonly ENTRIES_MAX = 10_000;

  register(c: Omit<Counterparty, 'revokedAtMs'>): Counterparty {
    if (!idRe.test(c.id)) err('FREEZE_COUNTERPARTY_INVALID', 'counterparty id must be 1-100 chars [A-Za-z0-9_.:-]');
    if (!c.registeredBy) err('FREEZE_COUNTERPARTY_INVALID', 'registration needs a staff actor');
    if (!/^[0-9a-fA-F]{64}$/.test(c.publicKeyHex)) err('FREEZE_COUNTERPARTY_INVALID', 'public key must be 32 bytes hex');
    try {
      ed25519.Point.fromHex(c.publicKeyHex.toLowerCase());
    } catch {
      err('FREEZE_COUNTERPARTY_INVALID', 'public key is not a valid Ed25519 point');
    }
    const prev = this.#byId.get(c.id);
    if (prev && prev.revokedAtMs === undefined) err('FREEZE_COUNTERPARTY_EXISTS', 'counterparty already registered; revoke first to rotate its key', { id: c.id });
    if (!prev && this.#byId.size >= CounterpartyRegistry.ENTRIES_MAX) err('FREEZE_COUNTERPARTY_INVALID', 'registry is full');
    const entry: Counterparty = Object.freeze({ ...c, publicKeyHex: c.publicKeyHex.toLowerCase() });
    this.#byId.set(c.id, entry);
    return entry;
  }

  revoke(id: string, atMs: number): Counterparty {
    const prev = this.#byId.get(id);
    if (!prev) err('FREEZE_UNKNOWN_COUNTERPARTY', 'unknown counterparty', { id });
    const next = Object.freeze({ ...prev, revokedAtMs: atMs });
    this.#byId.set(id, next);
    return next;
  }

  get(id: string): Counterparty | undefined {
    const c = this.#byId.get(id);
    return c && c.revokedAtMs === undefined ? c : undefined;
  }
}

function messageBytes(domain: string, doc: unknown): Uint8Array {
  return new TextEncoder().encode(domain + canonicalJson(doc));
}

/** Signs a request (what a counterparty's tooling does; used by tests and the CLI). */
export function signFreezeRequest(request: FreezeRequest, secretKey: Uint8Array): { request: FreezeRequest; signature: string } {
  return { request, signature: bytesToHex(ed25519.sign(messageBytes(FREEZE_DOMAIN, request), secretKey)) };
}

export interface FreezeItem {
  readonly chain: Chain;
  readonly kind: ListKind;
  readonly value: string;
}

export interface VerifiedFreezeRequest {
  readonly request: FreezeRequest;
  readonly counterparty: Counterparty;
  /** Items with their values normalised; malformed items listed apart (the signed request is still valid). */
  readonly items: readonly FreezeItem[];
  readonly invalidItems: readonly { readonly index: number; readonly chain: string; readonly kind: string; readonly value: string }[];
  /** `${counterpartyId}:${requestId}`: the key the caller records to refuse duplicates. */
  readonly dedupKey: string;
}

/**
 * Verifies an envelope. `isSeen(dedupKey)` tells whether the request was already processed
 * (the caller's persistent store). Order: shape, counterparty, signature, time, duplicate —
 * nothing about holdings is revealed before the signature checks out.
 */
export function verifyFreezeRequest(
  envelope: unknown,
  ctx: { registry: CounterpartyRegistry; nowMs: number; isSeen: (dedupKey: string) => boolean; maxAgeMs?: number; validator?: AddressValidator },
): VerifiedFreezeRequest {
  let env: unknown = envelope;
  if (typeof envelope === 'string') {
    if (Buffer.byteLength(envelope, 'utf8') > FREEZE_BYTES_MAX) err('FREEZE_MALFORMED', 'freeze request is too large');
    try {
      env = JSON.parse(envelope);
    } catch {
      err('FREEZE_MALFORMED', 'freeze request is not JSON');
    }
  }
  const e = EnvelopeSchema.safeParse(env);
  if (!e.success) err('FREEZE_MALFORMED', 'envelope must be {request, signature(64 bytes hex)}');
  const r = FreezeRequestSchema.safeParse(e.data.request);
  if (!r.success) err('FREEZE_MALFORMED', 'freeze request does not match the schema', { issues: r.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) });
  const request = r.data;
  const counterparty = ctx.registry.get(request.counterpartyId);
  if (!counterparty) err('FREEZE_UNKNOWN_COUNTERPARTY', 'counterparty is not registered (or revoked)', { counterpartyId: request.counterpartyId });
  let ok = false;
  try {
    // Verify over the canonical form of the request as received (re-serialised: key order and whitespace do not matter).
    ok = ed25519.verify(hexToBytes(e.data.signature.toLowerCase()), messageBytes(FREEZE_DOMAIN, e.data.request), hexToBytes(counterparty.publicKeyHex), { zip215: false });
  } catch {
    ok = false;
  }
  if (!ok) err('FREEZE_BAD_SIGNATURE', 'signature does not verify under the counterparty key', { counterpartyId: request.counterpartyId, requestId: request.requestId });
  const maxAgeMs = ctx.maxAgeMs ?? FREEZE_MAX_AGE_MS_DEFAULT;
  if (request.issuedAtMs + maxAgeMs < ctx.nowMs) err('FREEZE_EXPIRED', 'freeze request is too old', { issuedAtMs: request.issuedAtMs, nowMs: ctx.nowMs, maxAgeMs });
  if (request.issuedAtMs > ctx.nowMs + FREEZE_FUTURE_SKEW_MS) err('FREEZE_FROM_FUTURE', 'freeze request is dated in the future', { issuedAtMs: request.issuedAtMs, nowMs: ctx.nowMs });
  const dedupKey = `${request.counterpartyId}:${request.requestId}`;
  if (ctx.isSeen(dedupKey)) err('FREEZE_DUPLICATE', 'freeze request already processed', { dedupKey });
  const items: FreezeItem[] = [];
  const invalidItems: { index: number; chain: string; kind: string; value: string }[] = [];
  for (const [index, it] of request.items.entries()) {
    try {
      items.push({ chain: it.chain, kind: it.kind, value: normaliseValue(it.chain, it.kind, it.value, ctx.validator) });
    } catch {
      invalidItems.push({ index, chain: it.chain, kind: it.kind, value: it.value });
    }
  }
  assert(items.length + invalidItems.length === request.items.length, 'every item is either valid or reported');
  return { request, counterparty, items, invalidItems, dedupKey };
}

/** What Rampart holds that a request could hit: customer deposit addresses and received deposits. */
export interface Holding {
  readonly chain: Chain;
  readonly kind: ListKind;
  /** Normalised address or txid. */
  readonly value: string;
  /** Opaque reference shared with the requester (never the customer's identity). */
  readonly holdingRef: string;
  readonly accountId: string;
  readonly amountUnits: bigint;
}

export interface FreezeMatch {
  readonly item: FreezeItem;
  readonly holdings: readonly Holding[];
}

export function matchFreezeRequest(v: VerifiedFreezeRequest, holdings: readonly Holding[]): FreezeMatch[] {
  const byKey = new Map<string, Holding[]>();
  for (const h of holdings) {
    const k = `${h.chain}:${h.kind}:${h.value}`;
    const l = byKey.get(k) ?? [];
    l.push(h);
    byKey.set(k, l);
  }
  return v.items.map((item) => ({ item, holdings: byKey.get(`${item.chain}:${item.kind}:${item.value}`) ?? [] }));
}

/** Adds the request's items to the blocklist (source freeze_request) so later deposits are caught too. */
export function blocklistFreezeItems(blocklist: Blocklist, v: VerifiedFreezeRequest, args: { atMs: number; by: string }): number {
  let added = 0;
  for (const it of v.items) {
    const r = blocklist.add({ chain: it.chain, kind: it.kind, value: it.value, reason: `freeze request from ${v.counterparty.name}: ${v.request.reason}`.slice(0, 1000), source: 'freeze_request', sourceRef: v.dedupKey.slice(0, 200), addedAtMs: args.atMs, addedBy: args.by });
    if (r.added) added += 1;
  }
  return added;
}

export interface FreezeResponse {
  readonly type: 'rampart.freeze-response.v1';
  readonly requestId: string;
  readonly counterpartyId: string;
  readonly respondedAtMs: number;
  readonly responder: string;
  readonly items: readonly {
    readonly chain: Chain;
    readonly kind: ListKind;
    readonly value: string;
    readonly status: 'frozen' | 'not_held';
    /** Amounts as decimal strings of the smallest unit (sat / wei). */
    readonly frozen: readonly { readonly holdingRef: string; readonly amountUnits: string }[];
  }[];
  readonly invalidItems: readonly { readonly index: number; readonly value: string }[];
  readonly blocklisted: boolean;
}

/**
 * The response document: what was frozen, per item. `frozenRefs` are the holdings the
 * ledger actually froze (the caller passes them after the ledger acknowledged), so the
 * response never claims a freeze that did not happen.
 */
export function buildFreezeResponse(v: VerifiedFreezeRequest, matches: readonly FreezeMatch[], args: { frozenRefs: ReadonlySet<string>; respondedAtMs: number; responder: string; blocklisted: boolean }): FreezeResponse {
  const items = matches.map((m) => {
    const frozen = m.holdings.filter((h) => args.frozenRefs.has(h.holdingRef)).map((h) => ({ holdingRef: h.holdingRef, amountUnits: h.amountUnits.toString() }));
    return { chain: m.item.chain, kind: m.item.kind, value: m.item.value, status: frozen.length > 0 ? ('frozen' as const) : ('not_held' as const), frozen };
  });
  return {
    type: 'rampart.freeze-response.v1',
    requestId: v.request.requestId,
    counterpartyId: v.request.counterpartyId,
    respondedAtMs: args.respondedAtMs,
    responder: args.responder,
    items,
    invalidItems: v.invalidItems.map((i) => ({ index: i.index, value: i.value })),
    blocklisted: args.blocklisted,
  };
}

/** Signs a response with Rampart's own Ed25519 key so the requester can verify it came from us. */
export function signFreezeResponse(doc: FreezeResponse, secretKey: Uint8Array): { response: FreezeResponse; signature: string } {
  return { response: doc, signature: bytesToHex(ed25519.sign(messageBytes(FREEZE_RESPONSE_DOMAIN, doc), secretKey)) };
}

export function verifyFreezeResponse(signed: { response: FreezeResponse; signature: string }, publicKeyHex: string): boolean {
  try {
    return ed25519.verify(hexToBytes(signed.signature), messageBytes(FREEZE_RESPONSE_DOMAIN, signed.response), hexToBytes(publicKeyHex), { zip215: false });
  } catch {
    return false;
  }
}
