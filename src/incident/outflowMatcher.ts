import { assert } from '../shared/assert.ts';
import { IncidentError } from './errors.ts';
import type { AuthorisedIntent, Chain, ObservedOutflow, OwnAddresses } from './types.ts';

/**
 * Every outflow from a Rampart address must match an intent custody registered
 * before broadcasting it: by txid, or (a fee bump / RBF replacement has a new txid)
 * by the same inputs (BTC) or sender + nonce (ETH) paying exactly the same outputs
 * with change back to Rampart and a fee within the signer's limit. Anything else is
 * a theft until a human says otherwise: after the M2 hack (2024-10-31), where an
 * outside firm noticed the drain before the exchange did.
 */

/** Bound on live intents (each withdrawal/sweep in flight is one). */
export const INTENTS_MAX = 1_000_000;
export const INTENT_TXIDS_MAX = 32;
export const INTENT_OUTPUTS_MAX = 2_000;

export type MatchResult =
  | { readonly matched: true; readonly intentId: string; readonly by: 'txid' | 'inputs' | 'nonce' }
  | { readonly matched: false; readonly reason: UnmatchedReason; readonly intentId?: string };

export type UnmatchedReason =
  | 'NO_INTENT' // no registered txid, input or nonce
  | 'INPUTS_ACROSS_INTENTS' // spends outpoints of two intents, or one registered and one not
  | 'OUTPUTS_DIFFER' // pays something the intent does not, or misses a payment
  | 'FEE_ABOVE_MAX'
  | 'CHAIN_DIFFERS';

/** Addresses as the watchers and custody write them, compared case-insensitively where the format is. */
export function normaliseAddressFor(chain: Chain, address: string): string {
  const a = address.trim();
  if (chain === 'ETH') return a.toLowerCase();
  return /^(bc|tb|bcrt)1/i.test(a) ? a.toLowerCase() : a;
}

function normaliseTxid(txid: string): string {
  return txid.trim().toLowerCase();
}

function checkIntent(i: AuthorisedIntent): void {
  const bad = (why: string): never => {
    throw new IncidentError('INTENT_INVALID', `intent invalid: ${why}`, { intentId: String(i?.id).slice(0, 128) });
  };
  if (i === null || typeof i !== 'object') bad('not an object');
  if (typeof i.id !== 'string' || i.id.length === 0 || i.id.length > 128) bad('id');
  if (i.chain !== 'BTC' && i.chain !== 'ETH') bad('chain');
  if (!['withdrawal', 'sweep', 'cold_refill', 'rotation'].includes(i.kind)) bad('kind');
  if (!Array.isArray(i.outputs) || i.outputs.length > INTENT_OUTPUTS_MAX) bad('outputs');
  for (const o of i.outputs) if (o === null || typeof o !== 'object' || typeof o.address !== 'string' || typeof o.valueMinor !== 'bigint' || o.valueMinor < 0n) bad('output');
  if (typeof i.feeMaxMinor !== 'bigint' || i.feeMaxMinor < 0n) bad('feeMaxMinor');
  if (i.txids !== undefined && (!Array.isArray(i.txids) || i.txids.length > INTENT_TXIDS_MAX || !i.txids.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 80))) bad('txids');
  if (i.inputs !== undefined && (!Array.isArray(i.inputs) || i.inputs.length > INTENT_OUTPUTS_MAX || !i.inputs.every((x) => typeof x === 'string' && /^[0-9a-fA-F]{64}:[0-9]{1,6}$/.test(x)))) bad('inputs');
  if (i.chain === 'BTC' && (i.inputs === undefined || i.inputs.length === 0) && (i.txids?.length ?? 0) === 0) bad('a BTC intent names its inputs or txid');
  if (i.chain === 'ETH' && (typeof i.from !== 'string' || typeof i.nonce !== 'bigint' || i.nonce < 0n)) bad('an ETH intent names from and nonce');
}

/**
 * The registry custody writes to before broadcast. Indexes by txid, outpoint and
 * (from, nonce). Intents are retired once their tx is final (kept bounded).
 */
export class IntentRegistry {
  readonly #intents = new Map<string, AuthorisedIntent & { txids: string[] }>();
  readonly #byTxid = new Map<string, string>();
  readonly #byOutpoint = new Map<string, string>();
  readonly #byNonce = new Map<string, string>();

  get size(): number {
    return this.#intents.size;
  }

  get(id: string): AuthorisedIntent | undefined {
    return this.#intents.get(id);
  }

  register(intent: AuthorisedIntent): void {
    checkIntent(intent);
    if (this.#intents.has(intent.id)) throw new IncidentError('INTENT_DUPLICATE', 'intent id in use', { intentId: intent.id });
    if (this.#intents.size >= INTENTS_MAX) throw new IncidentError('INTENT_LIMIT', 'too many live intents', { max: INTENTS_MAX });
    const chain = intent.chain;
    for (const op of intent.inputs ?? []) {
      const other = this.#byOutpoint.get(`${chain}:${op.toLowerCase()}`);
      if (other !== undefined) throw new IncidentError('INTENT_DUPLICATE', 'outpoint already belongs to another intent', { outpoint: op, intentId: other });
    }
    const nonceKey = chain === 'ETH' ? `${normaliseAddressFor(chain, intent.from!)}:${intent.nonce}` : null;
    if (nonceKey !== null && this.#byNonce.has(nonceKey)) throw new IncidentError('INTENT_DUPLICATE', 'nonce already belongs to another intent', { nonce: String(intent.nonce) });
    const stored = {
      ...intent,
      outputs: intent.outputs.map((o) => ({ address: normaliseAddressFor(chain, o.address), valueMinor: o.valueMinor })),
      txids: [] as string[],
    };
    this.#intents.set(intent.id, stored);
    for (const op of intent.inputs ?? []) this.#byOutpoint.set(`${chain}:${op.toLowerCase()}`, intent.id);
    if (nonceKey !== null) this.#byNonce.set(nonceKey, intent.id);
    for (const t of intent.txids ?? []) this.addTxid(intent.id, t);
  }

  /** A signed tx (or its fee-bumped replacement) for an intent. */
  addTxid(intentId: string, txid: string): void {
    const i = this.#intents.get(intentId);
    if (i === undefined) throw new IncidentError('INTENT_INVALID', 'unknown intent', { intentId });
    if (i.txids.length >= INTENT_TXIDS_MAX) throw new IncidentError('INTENT_LIMIT', 'too many txids for one intent', { intentId });
    const t = `${i.chain}:${normaliseTxid(txid)}`;
    const other = this.#byTxid.get(t);
    if (other !== undefined && other !== intentId) throw new IncidentError('INTENT_DUPLICATE', 'txid already belongs to another intent', { txid });
    this.#byTxid.set(t, intentId);
    i.txids.push(normaliseTxid(txid));
  }

  /** Forgets a final intent (its tx is deep enough that no replacement can appear). */
  retire(intentId: string): void {
    const i = this.#intents.get(intentId);
    if (i === undefined) return;
    for (const t of i.txids) this.#byTxid.delete(`${i.chain}:${t}`);
    for (const op of i.inputs ?? []) this.#byOutpoint.delete(`${i.chain}:${op.toLowerCase()}`);
    if (i.chain === 'ETH') this.#byNonce.delete(`${normaliseAddressFor('ETH', i.from!)}:${i.nonce}`);
    this.#intents.delete(intentId);
  }

  /** Pure decision for one observed outflow. */
  match(o: ObservedOutflow, own: OwnAddresses): MatchResult {
    const chain = o.chain;
    const byTxid = this.#byTxid.get(`${chain}:${normaliseTxid(o.txid)}`);
    if (byTxid !== undefined) return { matched: true, intentId: byTxid, by: 'txid' };
    let intent: (AuthorisedIntent & { txids: string[] }) | undefined;
    let by: 'inputs' | 'nonce';
    if (chain === 'BTC') {
      const ids = new Set<string | undefined>((o.inputs ?? []).map((x) => this.#byOutpoint.get(`BTC:${x.outpoint.toLowerCase()}`)));
      if (ids.size === 0 || (ids.size === 1 && ids.has(undefined))) return { matched: false, reason: 'NO_INTENT' };
      if (ids.size > 1) return { matched: false, reason: 'INPUTS_ACROSS_INTENTS' };
      intent = this.#intents.get([...ids][0]!);
      by = 'inputs';
    } else {
      if (o.from === undefined || o.nonce === undefined) return { matched: false, reason: 'NO_INTENT' };
      const id = this.#byNonce.get(`${normaliseAddressFor('ETH', o.from)}:${o.nonce}`);
      if (id === undefined) return { matched: false, reason: 'NO_INTENT' };
      intent = this.#intents.get(id);
      by = 'nonce';
    }
    assert(intent !== undefined, 'index points at a live intent');
    if (intent.chain !== chain) return { matched: false, reason: 'CHAIN_DIFFERS', intentId: intent.id };
    if (o.feeMinor > intent.feeMaxMinor) return { matched: false, reason: 'FEE_ABOVE_MAX', intentId: intent.id };
    if (!outputsMatch(chain, intent.outputs, o.outputs, own, o.status === 'reverted')) return { matched: false, reason: 'OUTPUTS_DIFFER', intentId: intent.id };
    return { matched: true, intentId: intent.id, by };
  }
}

/**
 * Each required payment appears exactly once (address and value); every other output
 * goes back to a Rampart address (change). A reverted ETH tx moved no value; only its fee.
 */
function outputsMatch(chain: Chain, required: readonly { address: string; valueMinor: bigint }[], seen: ObservedOutflow['outputs'], own: OwnAddresses, reverted: boolean): boolean {
  if (reverted) return true;
  const need = new Map<string, number>();
  for (const r of required) {
    const k = `${r.address}|${r.valueMinor}`;
    need.set(k, (need.get(k) ?? 0) + 1);
  }
  for (const s of seen) {
    const addr = normaliseAddressFor(chain, s.address);
    const k = `${addr}|${s.valueMinor}`;
    const n = need.get(k) ?? 0;
    if (n > 0) need.set(k, n - 1);
    else if (!own.isOwn(chain, addr)) return false;
  }
  for (const n of need.values()) if (n > 0) return false;
  return true;
}

/** A simple OwnAddresses over sets (custody may supply its own, e.g. backed by its address table). */
export class AddressSet implements OwnAddresses {
  readonly #sets: Record<Chain, Set<string>> = { BTC: new Set(), ETH: new Set() };
  add(chain: Chain, address: string): void {
    this.#sets[chain].add(normaliseAddressFor(chain, address));
  }
  isOwn(chain: Chain, address: string): boolean {
    return this.#sets[chain].has(normaliseAddressFor(chain, address));
  }
}

/** Destinations of an outflow that are not Rampart's: where the stolen coins went. */
export function attackerOutputs(o: ObservedOutflow, own: OwnAddresses): Array<{ address: string; valueMinor: bigint }> {
  if (o.status === 'reverted') return [];
  return o.outputs.filter((x) => !own.isOwn(o.chain, x.address)).map((x) => ({ address: normaliseAddressFor(o.chain, x.address), valueMinor: x.valueMinor }));
}

/** Validates an observation at the boundary (watchers are code we trust, but a bad record must not crash detection silently). */
export function checkOutflow(o: ObservedOutflow): void {
  const bad = (why: string): never => {
    throw new IncidentError('OUTFLOW_INVALID', `observed outflow invalid: ${why}`, { txid: String(o?.txid).slice(0, 80) });
  };
  if (o === null || typeof o !== 'object') bad('not an object');
  if (o.chain !== 'BTC' && o.chain !== 'ETH') bad('chain');
  if (typeof o.txid !== 'string' || o.txid.length === 0 || o.txid.length > 80) bad('txid');
  if (!Array.isArray(o.outputs) || o.outputs.length > 100_000) bad('outputs');
  for (const x of o.outputs) if (typeof x?.address !== 'string' || typeof x.valueMinor !== 'bigint' || x.valueMinor < 0n) bad('output');
  if (typeof o.feeMinor !== 'bigint' || o.feeMinor < 0n) bad('fee');
  if (!Number.isSafeInteger(o.seenAtMs) || o.seenAtMs < 0) bad('seenAtMs');
  if (o.where !== 'mempool' && o.where !== 'block') bad('where');
  if (o.chain === 'BTC') for (const x of o.inputs ?? []) if (typeof x?.outpoint !== 'string' || typeof x.valueMinor !== 'bigint' || x.valueMinor < 0n) bad('input');
}
