import { assert } from '../shared/assert.ts';
import type { BlocklistEntry } from './blocklist.ts';
import { ScreeningError } from './errors.ts';
import type { CoinTaint, Frac, Interval } from './taint.ts';
import {
  bpsOf,
  cleanCoin,
  clipIntervals,
  fracAdd,
  fracFloor,
  fracScale,
  fullyTainted,
  intervalsTotal,
  normaliseIntervals,
  shiftIntervals,
  ZERO,
} from './taint.ts';
import type { Chain, ListKind } from './types.ts';

/**
 * Funds tracing for a deposit: follows the money back up to N hops through a TxSource the
 * chain adapter implements, and measures exposure to listed (blocklisted) addresses and
 * transactions under the poison, haircut and FIFO models (see taint.ts for the papers).
 *
 * Hops: hop 1 is the deposit's direct senders (the addresses whose coins the deposit
 * transaction spends, or the ETH `from`); hop 2 the senders to them; and so on. A listed
 * deposit txid is distance 0; a listed direct sender is distance 1 ("direct contact").
 *
 * Everything is bounded (TigerBeetle style: an unbounded loop is a bug): hop count,
 * fan-out per hop, total transactions visited, FIFO interval count, cache entries. When a
 * bound cuts the trace, the result says `complete: false` and why; the untraced part is
 * treated as clean (so the figures are a lower bound, and the policy can hold on it).
 */

// ---------- Interfaces the chain adapters implement ----------

export interface BtcTxInput {
  readonly prevTxid: string;
  readonly prevVout: number;
  /** Address the spent output paid to; null for non-standard scripts. */
  readonly address: string | null;
  readonly valueSat: bigint;
}
export interface BtcTxOutput {
  readonly address: string | null;
  readonly valueSat: bigint;
}
export interface BtcTx {
  readonly txid: string;
  /** Empty for a coinbase transaction (newly minted coins: clean). */
  readonly inputs: readonly BtcTxInput[];
  readonly outputs: readonly BtcTxOutput[];
}
export interface BtcTxSource {
  /** null when the transaction is unknown to the source (the trace notes it as incomplete). */
  getTx(txid: string): Promise<BtcTx | null>;
}

export interface EthTransfer {
  readonly hash: string;
  readonly from: string;
  readonly to: string;
  readonly valueWei: bigint;
  readonly blockNumber: number;
  /** Position within the block, for FIFO order; 0 when unknown. */
  readonly txIndex?: number;
}
export interface EthTxSource {
  /** Value transfers into `address` in blocks strictly before `beforeBlock`. */
  getIncoming(address: string, beforeBlock: number): Promise<readonly EthTransfer[]>;
  /**
   * Value transfers out of `address` in blocks strictly before `beforeBlock`. Needed only by
   * FIFO (to know how much of the account's oldest funds were already spent); without it
   * FIFO assumes nothing was spent before, and the result carries a note.
   */
  getOutgoing?(address: string, beforeBlock: number): Promise<readonly EthTransfer[]>;
}

/** What the tracer needs from the blocklist (Blocklist implements it). */
export interface ListLookup {
  lookup(chain: Chain, kind: ListKind, value: string): readonly BlocklistEntry[];
}

// ---------- Bounds and cache ----------

export const TRACE_HOPS_DEFAULT = 3;
export const TRACE_HOPS_LIMIT = 8;
export const TRACE_FANOUT_DEFAULT = 32;
export const TRACE_FANOUT_LIMIT = 1_000;
export const TRACE_VISITS_DEFAULT = 500;
export const TRACE_VISITS_LIMIT = 20_000;
export const TRACE_FIFO_INTERVALS_MAX = 256;
export const TRACE_HITS_MAX = 1_000;
export const TRACE_CACHE_ENTRIES_DEFAULT = 10_000;
/** A transaction with more inputs/outputs than this is refused as source data (BTC consensus caps a tx at ~100 kvB anyway). */
export const TX_ITEMS_MAX = 20_000;

export interface TraceOptions {
  maxHops?: number;
  /** Max inputs (BTC) or incoming transfers (ETH) followed per node; the rest count as untraced. */
  fanoutMax?: number;
  /** Max transactions/accounts expanded in one trace. */
  visitsMax?: number;
  cache?: TraceCache;
}

/** Bounded LRU cache of source answers (transactions, incoming lists), shareable across traces. */
export class TraceCache {
  readonly entriesMax: number;
  readonly #map = new Map<string, unknown>();
  hits = 0;
  misses = 0;
  constructor(entriesMax = TRACE_CACHE_ENTRIES_DEFAULT) {
    assert(Number.isSafeInteger(entriesMax) && entriesMax > 0, 'cache entriesMax must be a positive integer');
    this.entriesMax = entriesMax;
  }
  get size(): number {
    return this.#map.size;
  }
  async getOrLoad<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (this.#map.has(key)) {
      const v = this.#map.get(key) as T;
      this.#map.delete(key);
      this.#map.set(key, v);
      this.hits += 1;
      return v;
    }
    this.misses += 1;
    const v = await load();
    this.#map.set(key, v);
    while (this.#map.size > this.entriesMax) this.#map.delete(this.#map.keys().next().value as string);
    assert(this.#map.size <= this.entriesMax, 'cache stays within its bound');
    return v;
  }
}

// ---------- Result ----------

export type ExposureModel = 'poison' | 'haircut' | 'fifo';
export const EXPOSURE_MODELS: readonly ExposureModel[] = ['poison', 'haircut', 'fifo'];

export interface Exposure {
  readonly model: ExposureModel;
  /** Exact, in the chain's smallest unit (sat / wei); haircut is the floor of the exact rational. */
  readonly exposureUnits: bigint;
  readonly totalUnits: bigint;
  /** floor(exposureUnits * 10000 / totalUnits). */
  readonly bps: number;
}

export interface ListedHit {
  /** 0: the deposit transaction itself is listed; 1: a direct sender; 2: a sender to a sender; … */
  readonly distance: number;
  readonly kind: ListKind;
  readonly value: string;
  /** Value of the listed coin / transfer at that point of the graph (not the exposure). */
  readonly valueUnits: bigint;
  readonly sources: readonly { source: string; sourceRef: string; reason: string }[];
}

export interface GraphNode {
  readonly id: string;
  readonly type: 'tx' | 'address';
  readonly label: string;
  /** Smallest distance at which the node was reached. */
  readonly hop: number;
  readonly listed: boolean;
}
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly valueUnits: bigint;
  readonly ref: string;
}
export interface EvidenceGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

export interface TraceResult {
  readonly chain: Chain;
  readonly unit: 'sat' | 'wei';
  readonly depositRef: string;
  readonly totalUnits: bigint;
  readonly exposures: Readonly<Record<ExposureModel, Exposure>>;
  readonly hits: readonly ListedHit[];
  /** A listed deposit transaction or a listed direct sender. */
  readonly directContact: boolean;
  readonly nearestDistance: number | null;
  readonly complete: boolean;
  readonly notes: readonly string[];
  readonly graph: EvidenceGraph;
  readonly stats: { readonly visits: number; readonly cacheHits: number; readonly cacheMisses: number };
}

// ---------- Shared machinery ----------

function boundedInt(v: number | undefined, dflt: number, min: number, max: number, name: string): number {
  const x = v ?? dflt;
  if (!Number.isSafeInteger(x) || x < min || x > max) throw new ScreeningError('TRACE_LIMIT', `${name} must be an integer in [${min}, ${max}]`, { [name]: x });
  return x;
}

class Tracer {
  readonly maxHops: number;
  readonly fanoutMax: number;
  readonly visitsMax: number;
  readonly cache: TraceCache;
  readonly #cacheHits0: number;
  readonly #cacheMisses0: number;
  visits = 0;
  readonly notes = new Set<string>();
  complete = true;
  readonly hits: ListedHit[] = [];
  readonly nodes = new Map<string, GraphNode>();
  readonly edges = new Map<string, GraphEdge>();

  constructor(
    readonly chain: Chain,
    readonly list: ListLookup,
    options: TraceOptions,
  ) {
    this.maxHops = boundedInt(options.maxHops, TRACE_HOPS_DEFAULT, 1, TRACE_HOPS_LIMIT, 'maxHops');
    this.fanoutMax = boundedInt(options.fanoutMax, TRACE_FANOUT_DEFAULT, 1, TRACE_FANOUT_LIMIT, 'fanoutMax');
    this.visitsMax = boundedInt(options.visitsMax, TRACE_VISITS_DEFAULT, 1, TRACE_VISITS_LIMIT, 'visitsMax');
    this.cache = options.cache ?? new TraceCache();
    this.#cacheHits0 = this.cache.hits;
    this.#cacheMisses0 = this.cache.misses;
  }

  incomplete(note: string): void {
    this.complete = false;
    this.notes.add(note);
  }

  /** Counts a visit; false when the visit budget is spent. */
  visit(): boolean {
    if (this.visits >= this.visitsMax) {
      this.incomplete(`visit budget of ${this.visitsMax} reached; remaining graph untraced (treated as clean)`);
      return false;
    }
    this.visits += 1;
    return true;
  }

  listed(kind: ListKind, value: string | null): readonly BlocklistEntry[] {
    return value === null ? [] : this.list.lookup(this.chain, kind, value);
  }

  hit(distance: number, kind: ListKind, value: string, valueUnits: bigint, entries: readonly BlocklistEntry[]): void {
    if (this.hits.length >= TRACE_HITS_MAX) {
      this.notes.add(`more than ${TRACE_HITS_MAX} listed hits; the rest not itemised`);
      return;
    }
    this.hits.push({ distance, kind, value, valueUnits, sources: entries.map((e) => ({ source: e.source, sourceRef: e.sourceRef, reason: e.reason })) });
  }

  node(id: string, type: 'tx' | 'address', label: string, hop: number, listed: boolean): string {
    const prev = this.nodes.get(id);
    if (!prev) this.nodes.set(id, { id, type, label, hop, listed });
    else if (hop < prev.hop || (listed && !prev.listed)) this.nodes.set(id, { ...prev, hop: Math.min(hop, prev.hop), listed: prev.listed || listed });
    return id;
  }

  edge(from: string, to: string, valueUnits: bigint, ref: string): void {
    const key = `${from}>${to}>${ref}`;
    if (!this.edges.has(key)) this.edges.set(key, { from, to, valueUnits, ref });
  }

  fifoNormalise(xs: readonly Interval[]): Interval[] {
    const r = normaliseIntervals(xs, TRACE_FIFO_INTERVALS_MAX);
    if (r.approximated) this.notes.add(`FIFO taint fragmented past ${TRACE_FIFO_INTERVALS_MAX} intervals; gaps closed (over-approximation)`);
    return r.intervals;
  }

  result(depositRef: string, coin: CoinTaint): TraceResult {
    const total = coin.valueUnits;
    const poisonUnits = coin.poison ? total : 0n;
    const haircutUnits = fracFloor(coin.haircut);
    const fifoUnits = intervalsTotal(coin.fifo);
    assert(haircutUnits <= total && fifoUnits <= total, 'exposure cannot exceed the deposit', { total: String(total) });
    assert(!(haircutUnits > 0n || fifoUnits > 0n) || coin.poison, 'any haircut or FIFO taint implies poison taint');
    const ex = (model: ExposureModel, u: bigint): Exposure => ({ model, exposureUnits: u, totalUnits: total, bps: bpsOf(u, total) });
    const nearest = this.hits.length === 0 ? null : Math.min(...this.hits.map((h) => h.distance));
    return {
      chain: this.chain,
      unit: this.chain === 'BTC' ? 'sat' : 'wei',
      depositRef,
      totalUnits: total,
      exposures: { poison: ex('poison', poisonUnits), haircut: ex('haircut', haircutUnits), fifo: ex('fifo', fifoUnits) },
      hits: this.hits.slice(),
      directContact: nearest !== null && nearest <= 1,
      nearestDistance: nearest,
      complete: this.complete,
      notes: [...this.notes],
      graph: { nodes: [...this.nodes.values()], edges: [...this.edges.values()] },
      stats: { visits: this.visits, cacheHits: this.cache.hits - this.#cacheHits0, cacheMisses: this.cache.misses - this.#cacheMisses0 },
    };
  }
}

function sourceError(message: string, details: Record<string, unknown>): never {
  throw new ScreeningError('TRACE_SOURCE', message, details);
}

// ---------- Bitcoin (UTXO) ----------

/**
 * Combines a transaction's input taints into its outputs' taints:
 * poison: any tainted input → every output fully; haircut: output share = value(o) ·
 * Σ tainted(i) / Σ value(i); FIFO: inputs laid end to end in order, outputs cut from the
 * same line in order, the fee is the tail (Möser et al. 2014, §3; Anderson et al. 2018).
 */
export function combineUtxo(inputs: readonly CoinTaint[], outputValues: readonly bigint[], fifoMax = TRACE_FIFO_INTERVALS_MAX, onApproximated?: () => void): CoinTaint[] {
  let totalIn = 0n;
  let hair: Frac = ZERO;
  let poison = false;
  const line: Interval[] = [];
  for (const c of inputs) {
    line.push(...shiftIntervals(c.fifo, totalIn));
    totalIn += c.valueUnits;
    hair = fracAdd(hair, c.haircut);
    poison ||= c.poison;
  }
  const norm = normaliseIntervals(line, fifoMax);
  if (norm.approximated) onApproximated?.();
  const fifoLine = norm.intervals;
  const out: CoinTaint[] = [];
  let pos = 0n;
  for (const v of outputValues) {
    const haircut = totalIn === 0n ? ZERO : fracScale(hair, v, totalIn);
    out.push({ valueUnits: v, poison, haircut, fifo: clipIntervals(fifoLine, pos, pos + v) });
    pos += v;
  }
  return out;
}

function checkBtcTx(tx: BtcTx, txid: string): void {
  if (typeof tx.txid !== 'string' || tx.txid.toLowerCase() !== txid) sourceError('source returned a different transaction', { asked: txid, got: String(tx.txid).slice(0, 80) });
  if (tx.inputs.length > TX_ITEMS_MAX || tx.outputs.length > TX_ITEMS_MAX) sourceError('transaction too large', { txid });
  let inSat = 0n;
  let outSat = 0n;
  for (const i of tx.inputs) {
    if (typeof i.valueSat !== 'bigint' || i.valueSat < 0n) sourceError('input value must be a non-negative bigint', { txid });
    inSat += i.valueSat;
  }
  for (const o of tx.outputs) {
    if (typeof o.valueSat !== 'bigint' || o.valueSat < 0n) sourceError('output value must be a non-negative bigint', { txid });
    outSat += o.valueSat;
  }
  if (tx.inputs.length > 0 && outSat > inSat) sourceError('outputs exceed inputs', { txid, inSat: String(inSat), outSat: String(outSat) });
}

export async function traceBtcDeposit(args: { txid: string; vout: number; source: BtcTxSource; list: ListLookup; options?: TraceOptions }): Promise<TraceResult> {
  const t = new Tracer('BTC', args.list, args.options ?? {});
  const txid = args.txid.toLowerCase();
  const memo = new Map<string, Promise<CoinTaint[] | null>>();

  const getTx = (id: string) => t.cache.getOrLoad(`btc:tx:${id}`, () => args.source.getTx(id));

  /** Output taints of tx `id`, whose inputs' senders sit at distance `hop`. */
  const txTaint = (id: string, hop: number): Promise<CoinTaint[] | null> => {
    const key = `${id}:${hop}`;
    let p = memo.get(key);
    if (!p) {
      p = expand(id, hop);
      memo.set(key, p);
    }
    return p;
  };

  const expand = async (id: string, hop: number): Promise<CoinTaint[] | null> => {
    if (!t.visit()) return null;
    const tx = await getTx(id);
    if (tx === null) {
      t.incomplete(`transaction ${id} unknown to the source (treated as clean)`);
      return null;
    }
    checkBtcTx(tx, id);
    const txNode = t.node(`btc:tx:${id}`, 'tx', id, hop - 1, false);
    const txListed = t.listed('txid', id);
    if (txListed.length > 0) {
      t.node(txNode, 'tx', id, hop - 1, true);
      const total = tx.outputs.reduce((s, o) => s + o.valueSat, 0n);
      t.hit(hop - 1, 'txid', id, total, txListed);
      return tx.outputs.map((o) => fullyTainted(o.valueSat));
    }
    // Past the fan-out bound, follow the largest inputs: they dominate the haircut share.
    let followed: ReadonlySet<number> | null = null;
    if (tx.inputs.length > t.fanoutMax && hop < t.maxHops) {
      t.incomplete(`transaction ${id} has ${tx.inputs.length} inputs; only the ${t.fanoutMax} largest traced`);
      const order = tx.inputs.map((_, k) => k).sort((a, b) => {
        const va = tx.inputs[a]!.valueSat;
        const vb = tx.inputs[b]!.valueSat;
        return va > vb ? -1 : va < vb ? 1 : a - b;
      });
      followed = new Set(order.slice(0, t.fanoutMax));
    }
    const inputTaints: CoinTaint[] = [];
    for (const [k, input] of tx.inputs.entries()) {
      const entries = t.listed('address', input.address);
      const addrNode = input.address === null ? null : t.node(`btc:addr:${input.address}`, 'address', input.address, hop, entries.length > 0);
      if (addrNode) t.edge(addrNode, txNode, input.valueSat, `${input.prevTxid}:${input.prevVout}`);
      if (entries.length > 0) {
        t.hit(hop, 'address', input.address!, input.valueSat, entries);
        inputTaints.push(fullyTainted(input.valueSat));
        continue;
      }
      if ((followed !== null && !followed.has(k)) || hop >= t.maxHops) {
        inputTaints.push(cleanCoin(input.valueSat));
        continue;
      }
      const parent = await txTaint(input.prevTxid.toLowerCase(), hop + 1);
      if (parent && addrNode) t.edge(`btc:tx:${input.prevTxid.toLowerCase()}`, addrNode, input.valueSat, `${input.prevTxid}:${input.prevVout}`);
      const coin = parent?.[input.prevVout];
      if (parent && !coin) sourceError('input spends a missing output', { txid: id, prevTxid: input.prevTxid, prevVout: input.prevVout });
      if (coin && coin.valueUnits !== input.valueSat) sourceError('input value differs from the spent output', { txid: id, prevTxid: input.prevTxid, prevVout: input.prevVout });
      inputTaints.push(coin ?? cleanCoin(input.valueSat));
    }
    if (hop >= t.maxHops && tx.inputs.length > 0) t.notes.add(`hop limit ${t.maxHops} reached; older history not traced`);
    const outs = combineUtxo(
      inputTaints,
      tx.outputs.map((o) => o.valueSat),
      TRACE_FIFO_INTERVALS_MAX,
      () => t.notes.add(`FIFO taint fragmented past ${TRACE_FIFO_INTERVALS_MAX} intervals; gaps closed (over-approximation)`),
    );
    return outs.map((c) => ({ ...c, fifo: t.fifoNormalise(c.fifo) }));
  };

  const outs = await txTaint(txid, 1);
  if (outs === null) throw new ScreeningError('TRACE_SOURCE', 'deposit transaction not found', { txid });
  const coin = outs[args.vout];
  if (!coin) throw new ScreeningError('TRACE_SOURCE', 'deposit output index out of range', { txid, vout: args.vout });
  return t.result(`${txid}:${args.vout}`, coin);
}

// ---------- Ethereum (account) ----------

interface AccountComposition {
  readonly totalInWei: bigint;
  readonly poison: boolean;
  readonly haircut: Frac;
  /** Tainted intervals on the line of the account's incoming value, oldest first. */
  readonly fifo: readonly Interval[];
}

function cmpTransfer(a: EthTransfer, b: EthTransfer): number {
  if (a.blockNumber !== b.blockNumber) return a.blockNumber - b.blockNumber;
  const ai = a.txIndex ?? 0;
  const bi = b.txIndex ?? 0;
  if (ai !== bi) return ai - bi;
  return a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0;
}

function checkTransfer(x: EthTransfer): void {
  if (typeof x.valueWei !== 'bigint' || x.valueWei < 0n) sourceError('transfer value must be a non-negative bigint', { hash: String(x.hash).slice(0, 80) });
  if (!Number.isSafeInteger(x.blockNumber) || x.blockNumber < 0) sourceError('transfer block number invalid', { hash: String(x.hash).slice(0, 80) });
  if (typeof x.from !== 'string' || typeof x.hash !== 'string') sourceError('transfer without from/hash', {});
}

/**
 * Account model. A deposit transfer from account S at block B carries S's taint:
 * poison if anything S received before B was tainted; haircut: value · tainted-in / total-in
 * (S's balance is treated as one pool, the natural account analogue of the haircut rule);
 * FIFO: S's incoming value laid oldest first, the deposit cut from the position after
 * what S had already sent out before B.
 */
export async function traceEthDeposit(args: { deposit: EthTransfer; source: EthTxSource; list: ListLookup; options?: TraceOptions }): Promise<TraceResult> {
  const t = new Tracer('ETH', args.list, args.options ?? {});
  const memo = new Map<string, Promise<AccountComposition | null>>();
  if (!args.source.getOutgoing) t.notes.add('source has no getOutgoing: FIFO assumes no earlier spending by the senders');

  const incoming = (addr: string, before: number) => t.cache.getOrLoad(`eth:in:${addr}:${before}`, () => args.source.getIncoming(addr, before));
  const spentBefore = async (addr: string, before: number): Promise<bigint> => {
    const src = args.source;
    if (!src.getOutgoing) return 0n;
    const outs = await t.cache.getOrLoad(`eth:out:${addr}:${before}`, () => src.getOutgoing!(addr, before));
    let s = 0n;
    for (const o of outs) {
      checkTransfer(o);
      s += o.valueWei;
    }
    return s;
  };

  const transferTaint = async (x: EthTransfer, hop: number): Promise<CoinTaint> => {
    checkTransfer(x);
    const from = x.from.toLowerCase();
    const to = x.to.toLowerCase();
    const hash = x.hash.toLowerCase();
    const fromListed = t.listed('address', from);
    const fromNode = t.node(`eth:addr:${from}`, 'address', from, hop, fromListed.length > 0);
    t.edge(fromNode, `eth:addr:${to}`, x.valueWei, hash);
    const hashListed = t.listed('txid', hash);
    if (hashListed.length > 0) t.hit(hop - 1, 'txid', hash, x.valueWei, hashListed);
    if (fromListed.length > 0) t.hit(hop, 'address', from, x.valueWei, fromListed);
    if (hashListed.length > 0 || fromListed.length > 0) return fullyTainted(x.valueWei);
    if (hop >= t.maxHops) {
      t.notes.add(`hop limit ${t.maxHops} reached; older history not traced`);
      return cleanCoin(x.valueWei);
    }
    const comp = await composition(from, x.blockNumber, hop + 1);
    if (comp === null || comp.totalInWei === 0n) return cleanCoin(x.valueWei);
    const offset = await spentBefore(from, x.blockNumber);
    return {
      valueUnits: x.valueWei,
      poison: comp.poison,
      // A transfer larger than the recorded inflow (internal transactions, rewards) gets at most the whole pool's taint.
      haircut: x.valueWei >= comp.totalInWei ? comp.haircut : fracScale(comp.haircut, x.valueWei, comp.totalInWei),
      fifo: t.fifoNormalise(clipIntervals(comp.fifo, offset, offset + x.valueWei)),
    };
  };

  const composition = (addr: string, before: number, hop: number): Promise<AccountComposition | null> => {
    const key = `${addr}:${before}:${hop}`;
    let p = memo.get(key);
    if (!p) {
      p = (async () => {
        if (!t.visit()) return null;
        const list = [...(await incoming(addr, before))];
        if (list.length > TX_ITEMS_MAX) sourceError('too many incoming transfers returned', { address: addr, count: list.length });
        for (const x of list) {
          checkTransfer(x);
          if (x.blockNumber >= before) sourceError('source returned a transfer at or after beforeBlock', { address: addr, hash: x.hash });
        }
        list.sort(cmpTransfer);
        // Follow the largest transfers first: they dominate the haircut share.
        const followed = new Set(
          [...list]
            .sort((a, b) => (a.valueWei > b.valueWei ? -1 : a.valueWei < b.valueWei ? 1 : cmpTransfer(a, b)))
            .slice(0, t.fanoutMax),
        );
        if (list.length > t.fanoutMax) t.incomplete(`account ${addr} has ${list.length} incoming transfers; only the ${t.fanoutMax} largest traced`);
        let total = 0n;
        let hair: Frac = ZERO;
        let poison = false;
        const line: Interval[] = [];
        for (const x of list) {
          const c = followed.has(x) ? await transferTaint(x, hop) : cleanCoin(x.valueWei);
          line.push(...shiftIntervals(c.fifo, total));
          total += x.valueWei;
          hair = fracAdd(hair, c.haircut);
          poison ||= c.poison;
        }
        return { totalInWei: total, poison, haircut: hair, fifo: t.fifoNormalise(line) };
      })();
      memo.set(key, p);
    }
    return p;
  };

  const d = args.deposit;
  t.node(`eth:addr:${d.to.toLowerCase()}`, 'address', d.to.toLowerCase(), 0, false);
  const coin = await transferTaint(d, 1);
  return t.result(d.hash.toLowerCase(), coin);
}

/** JSON-safe copy of a trace result (bigints as decimal strings) for case evidence and exports. */
export function traceToJson(r: TraceResult): unknown {
  return JSON.parse(JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

/**
 * Exposure of an ETH account's current balance (for a withdrawal destination): the
 * balance is traced as if it were one transfer out of the account at `beforeBlock`, so
 * haircut gives the pool's tainted share and FIFO the taint of the newest, unspent part.
 * A listed account itself shows as direct contact (distance 1).
 */
export async function traceEthAddress(args: { address: string; beforeBlock: number; source: EthTxSource; list: ListLookup; options?: TraceOptions }): Promise<TraceResult> {
  const cache = args.options?.cache ?? new TraceCache();
  const addr = args.address.toLowerCase();
  const before = args.beforeBlock;
  const src = args.source;
  let total = 0n;
  for (const x of await cache.getOrLoad(`eth:in:${addr}:${before}`, () => src.getIncoming(addr, before))) {
    checkTransfer(x);
    total += x.valueWei;
  }
  let spent = 0n;
  if (src.getOutgoing) for (const x of await cache.getOrLoad(`eth:out:${addr}:${before}`, () => src.getOutgoing!(addr, before))) spent += x.valueWei;
  const balance = total > spent ? total - spent : 0n;
  const r = await traceEthDeposit({ deposit: { hash: `0x${'0'.repeat(64)}`, from: addr, to: addr, valueWei: balance, blockNumber: before }, source: src, list: args.list, options: { ...args.options, cache } });
  return { ...r, depositRef: `eth:address:${addr}@${before}` };
}
