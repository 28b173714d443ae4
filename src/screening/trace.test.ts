import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Blocklist } from './blocklist.ts';
import type { BtcTx, BtcTxSource, EthTransfer, EthTxSource } from './trace.ts';
import { combineUtxo, TraceCache, traceBtcDeposit, traceEthAddress, traceEthDeposit, traceToJson } from './trace.ts';
import { cleanCoin, fullyTainted, intervalsTotal } from './taint.ts';

// Addresses (shape-valid, synthetic).
const L = 'bc1qn9syjv6m0z2ka28ysdxjlvhvv7vj6d6rc7zrqu'; // listed: the attacker
const C = 'bc1qndukwm9swlnwlls0yjpz3ewtr5ny3x5ce7mcpk';
const X = 'bc1qt8tdmweq7nvfqlphesk4x9lefp0ldajvd485wx';
const Y = 'bc1qcf2c0z99acen0k6n03z442slrzeqv7vxg7kf5a';
const Z = 'bc1qcsluyfu70q8shzljv8wln3fwgwha6w52qk243q';
const US = 'bc1qxe43ru7x4wwcqpxphpsurrs2t4ms8sw92xnkf3';
const id = (c: string) => c.repeat(64);
const coinbase = (txid: string, address: string, valueSat: bigint): BtcTx => ({ txid, inputs: [], outputs: [{ address, valueSat }] });

/**
 * The graph of the hand-computed case (values in sat):
 *   T1: in [L 30,000,000 (listed), C 70,000,000] → out [X 50,000,000, Y 49,000,000], fee 1,000,000
 *   D : in [X 50,000,000 (T1:0),   Z 50,000,000] → out [US 60,000,000, change 39,000,000], fee 1,000,000
 * L is two hops from the deposit D:0 (D spends X's coin; X's coin came from L).
 */
function world(extra: BtcTx[] = []): { source: BtcTxSource & { calls: number } } {
  const txs = new Map<string, BtcTx>();
  const add = (tx: BtcTx) => txs.set(tx.txid, tx);
  add(coinbase(id('1'), L, 30_000_000n));
  add(coinbase(id('2'), C, 70_000_000n));
  add(coinbase(id('3'), Z, 50_000_000n));
  add({
    txid: id('a'),
    inputs: [
      { prevTxid: id('1'), prevVout: 0, address: L, valueSat: 30_000_000n },
      { prevTxid: id('2'), prevVout: 0, address: C, valueSat: 70_000_000n },
    ],
    outputs: [
      { address: X, valueSat: 50_000_000n },
      { address: Y, valueSat: 49_000_000n },
    ],
  });
  add({
    txid: id('d'),
    inputs: [
      { prevTxid: id('a'), prevVout: 0, address: X, valueSat: 50_000_000n },
      { prevTxid: id('3'), prevVout: 0, address: Z, valueSat: 50_000_000n },
    ],
    outputs: [
      { address: US, valueSat: 60_000_000n },
      { address: X, valueSat: 39_000_000n },
    ],
  });
  // A clean deposit: Z's and C's coinbase coins only.
  add({
    txid: id('e'),
    inputs: [{ prevTxid: id('3'), prevVout: 0, address: Z, valueSat: 50_000_000n }],
    outputs: [{ address: US, valueSat: 49_990_000n }],
  });
  for (const t of extra) add(t);
  const source = {
    calls: 0,
    async getTx(txid: string) {
      source.calls += 1;
      return txs.get(txid) ?? null;
    },
  };
  return { source };
}

function listWith(chain: 'BTC' | 'ETH', address: string): Blocklist {
  const b = new Blocklist();
  b.add({ chain, kind: 'address', value: address, reason: 'exchange hack', source: 'incident', sourceRef: 'INC-1', addedAtMs: 1, addedBy: 'alice' });
  return b;
}

test('BTC: deposit two hops from a listed address — exposures hand-computed under all three models', async () => {
  const { source } = world();
  const r = await traceBtcDeposit({ txid: id('d'), vout: 0, source, list: listWith('BTC', L) });
  assert.equal(r.totalUnits, 60_000_000n);
  // poison: any contact taints all of it.
  assert.deepEqual(r.exposures.poison, { model: 'poison', exposureUnits: 60_000_000n, totalUnits: 60_000_000n, bps: 10_000 });
  // haircut: T1 is 30M/100M tainted → X's coin carries 50M·0.3 = 15M; D is 15M/100M tainted → 60M·0.15 = 9M; 9M/60M = 1500 bps.
  assert.deepEqual(r.exposures.haircut, { model: 'haircut', exposureUnits: 9_000_000n, totalUnits: 60_000_000n, bps: 1_500 });
  // FIFO: in T1 L's 30M come first → X's 50M coin holds the 30M; in D X comes first → the first 60M out hold those 30M; 5000 bps.
  assert.deepEqual(r.exposures.fifo, { model: 'fifo', exposureUnits: 30_000_000n, totalUnits: 60_000_000n, bps: 5_000 });
  assert.equal(r.directContact, false);
  assert.equal(r.nearestDistance, 2);
  assert.deepEqual(r.hits.map((h) => [h.distance, h.value, h.valueUnits, h.sources[0]!.sourceRef]), [[2, L, 30_000_000n, 'INC-1']]);
  assert.equal(r.complete, true);
  // Evidence graph: L → T1 → X → D.
  const ids = new Set(r.graph.nodes.map((n) => n.id));
  for (const n of [`btc:addr:${L}`, `btc:tx:${id('a')}`, `btc:addr:${X}`, `btc:tx:${id('d')}`]) assert.ok(ids.has(n), n);
  assert.ok(r.graph.edges.some((e) => e.from === `btc:addr:${L}` && e.to === `btc:tx:${id('a')}` && e.valueUnits === 30_000_000n));
  assert.ok(r.graph.nodes.find((n) => n.id === `btc:addr:${L}`)!.listed);
  // JSON form keeps amounts exact as strings.
  assert.equal((traceToJson(r) as { totalUnits: string }).totalUnits, '60000000');

  // The change output: haircut 39M·0.15 = 5.85M; FIFO: [60M, 99M) holds none of the first 30M.
  const change = await traceBtcDeposit({ txid: id('d'), vout: 1, source, list: listWith('BTC', L) });
  assert.equal(change.exposures.haircut.exposureUnits, 5_850_000n);
  assert.equal(change.exposures.fifo.exposureUnits, 0n);
});

test('BTC: a clean deposit has zero exposure; the hop bound stops before the listed address', async () => {
  const { source } = world();
  const clean = await traceBtcDeposit({ txid: id('e'), vout: 0, source, list: listWith('BTC', L) });
  for (const m of ['poison', 'haircut', 'fifo'] as const) assert.equal(clean.exposures[m].exposureUnits, 0n);
  assert.equal(clean.hits.length, 0);
  const oneHop = await traceBtcDeposit({ txid: id('d'), vout: 0, source, list: listWith('BTC', L), options: { maxHops: 1 } });
  assert.equal(oneHop.exposures.poison.exposureUnits, 0n);
  assert.ok(oneHop.notes.some((n) => n.includes('hop limit')));
});

test('BTC: direct contact (listed sender) and listed txid are distance 1 and 0', async () => {
  const { source } = world();
  const r = await traceBtcDeposit({ txid: id('d'), vout: 0, source, list: listWith('BTC', X) });
  assert.equal(r.directContact, true);
  assert.equal(r.nearestDistance, 1);
  // haircut: X's 50M of D's 100M inputs → 30M of 60M.
  assert.equal(r.exposures.haircut.exposureUnits, 30_000_000n);
  const b = new Blocklist();
  b.add({ chain: 'BTC', kind: 'txid', value: id('d'), reason: 'theft tx', source: 'incident', sourceRef: 'INC-2', addedAtMs: 1, addedBy: 'a' });
  const r2 = await traceBtcDeposit({ txid: id('d'), vout: 0, source, list: b });
  assert.equal(r2.nearestDistance, 0);
  assert.equal(r2.exposures.haircut.bps, 10_000);
});

test('BTC: fan-out, visit budget and cache are bounded', async () => {
  // 100 inputs of 1,000 sat from clean Z, except input 57: 5,000 sat whose coin came from listed L one hop further back.
  const inputs = Array.from({ length: 100 }, (_, k) => ({ prevTxid: k.toString(16).padStart(64, '0'), prevVout: 0, address: Z, valueSat: k === 57 ? 5_000n : 1_000n }));
  const wide: BtcTx = { txid: id('f'), inputs, outputs: [{ address: US, valueSat: 100_000n }] };
  const extra = inputs.map((i, k) =>
    k === 57
      ? { txid: i.prevTxid, inputs: [{ prevTxid: id('1'), prevVout: 0, address: L, valueSat: 30_000_000n }], outputs: [{ address: Z, valueSat: 5_000n }] }
      : coinbase(i.prevTxid, Z, 1_000n),
  );
  const { source } = world([wide, ...extra]);
  const cache = new TraceCache(5);
  const r = await traceBtcDeposit({ txid: id('f'), vout: 0, source, list: listWith('BTC', L), options: { fanoutMax: 10, cache } });
  assert.equal(r.complete, false);
  assert.equal(r.stats.visits, 11);
  // The largest input (57) is among those followed, so the listed source behind it is found:
  // haircut 100,000 · 5,000 / 104,000 = 4,807.69… → 4,807 sat.
  assert.equal(r.nearestDistance, 2);
  assert.equal(r.exposures.haircut.exposureUnits, 4_807n);
  assert.ok(cache.size <= 5);
  const r2 = await traceBtcDeposit({ txid: id('f'), vout: 0, source, list: listWith('BTC', L), options: { visitsMax: 3 } });
  assert.equal(r2.stats.visits, 3);
  assert.equal(r2.complete, false);
  // A shared cache answers repeated traces without asking the source again.
  const shared = new TraceCache(100);
  await traceBtcDeposit({ txid: id('d'), vout: 0, source, list: listWith('BTC', L), options: { cache: shared } });
  const before = source.calls;
  const again = await traceBtcDeposit({ txid: id('d'), vout: 0, source, list: listWith('BTC', L), options: { cache: shared } });
  assert.equal(source.calls, before);
  assert.ok(again.stats.cacheHits > 0);
  await assert.rejects(traceBtcDeposit({ txid: id('d'), vout: 0, source, list: listWith('BTC', L), options: { maxHops: 99 } }), { code: 'TRACE_LIMIT' });
});

test('BTC: inconsistent source data is a typed error', async () => {
  const bad: BtcTx = { txid: id('b'), inputs: [{ prevTxid: id('3'), prevVout: 0, address: Z, valueSat: 1n }], outputs: [{ address: US, valueSat: 5n }] };
  const { source } = world([bad]);
  await assert.rejects(traceBtcDeposit({ txid: id('b'), vout: 0, source, list: new Blocklist() }), { code: 'TRACE_SOURCE' });
  await assert.rejects(traceBtcDeposit({ txid: id('9'), vout: 0, source, list: new Blocklist() }), { code: 'TRACE_SOURCE' });
});

const H = '0x098b716b8aaf21512996dc57eb0615e2383e2f96'; // listed
const K = '0x0f827556b95b9f42c202a9a5dbf61af26d076c65';
const M = '0x9c689365b5e78b2bab2d1b0f4e0734540fb719f1';
const ME = '0x3fd46b7f98547e8f512ecf54fce075dded3fd13e';
const ETH = 10n ** 18n;
const h = (c: string) => `0x${c.repeat(64)}`;

function ethWorld(withOutgoing: boolean): EthTxSource {
  const transfers: EthTransfer[] = [
    { hash: h('1'), from: H, to: M, valueWei: 10n * ETH, blockNumber: 100 },
    { hash: h('2'), from: K, to: M, valueWei: 30n * ETH, blockNumber: 101 },
    { hash: h('3'), from: M, to: K, valueWei: 5n * ETH, blockNumber: 150 },
  ];
  const src: EthTxSource = {
    async getIncoming(address, before) {
      return transfers.filter((t) => t.to === address && t.blockNumber < before);
    },
  };
  if (withOutgoing) src.getOutgoing = async (address, before) => transfers.filter((t) => t.from === address && t.blockNumber < before);
  return src;
}

test('ETH: deposit two hops from a listed address — hand-computed exposures', async () => {
  const deposit: EthTransfer = { hash: h('d'), from: M, to: ME, valueWei: 8n * ETH, blockNumber: 200 };
  const r = await traceEthDeposit({ deposit, source: ethWorld(true), list: listWith('ETH', H) });
  assert.equal(r.unit, 'wei');
  assert.equal(r.exposures.poison.exposureUnits, 8n * ETH);
  // haircut: M received 10 (listed) + 30 = 40 ETH; 8 · 10/40 = 2 ETH = 2500 bps.
  assert.deepEqual([r.exposures.haircut.exposureUnits, r.exposures.haircut.bps], [2n * ETH, 2_500]);
  // FIFO: M's inflow line [H 0..10)[K 10..40); M already sent 5 ETH → the deposit is [5, 13): 5 ETH tainted = 6250 bps.
  assert.deepEqual([r.exposures.fifo.exposureUnits, r.exposures.fifo.bps], [5n * ETH, 6_250]);
  assert.equal(r.nearestDistance, 2);
  assert.equal(r.directContact, false);
  assert.ok(r.graph.edges.some((e) => e.from === `eth:addr:${H}` && e.to === `eth:addr:${M}`));
  // Without outgoing history FIFO takes the oldest 8 ETH: all from H.
  const r2 = await traceEthDeposit({ deposit, source: ethWorld(false), list: listWith('ETH', H) });
  assert.equal(r2.exposures.fifo.exposureUnits, 8n * ETH);
  assert.ok(r2.notes.some((n) => n.includes('getOutgoing')));
  // Clean: nothing listed.
  const clean = await traceEthDeposit({ deposit, source: ethWorld(true), list: new Blocklist() });
  assert.equal(clean.exposures.poison.exposureUnits, 0n);
  // Destination view: M's remaining balance at block 200 is 40 − 5 = 35 ETH; haircut 35·10/40 = 8.75 ETH = 2500 bps;
  // FIFO: the unspent part is [5, 40) of the inflow line, of which [5, 10) is H's: 5 ETH = 1428 bps (floor of 1428.57).
  const dest = await traceEthAddress({ address: M, beforeBlock: 200, source: ethWorld(true), list: listWith('ETH', H) });
  assert.equal(dest.totalUnits, 35n * ETH);
  assert.deepEqual([dest.exposures.haircut.exposureUnits, dest.exposures.haircut.bps], [8_750_000_000_000_000_000n, 2_500]);
  assert.deepEqual([dest.exposures.fifo.exposureUnits, dest.exposures.fifo.bps], [5n * ETH, 1_428]);
  assert.equal(dest.depositRef, `eth:address:${M}@200`);
});

test('property: UTXO combination conserves value and orders the models (FIFO, haircut ≤ poison)', () => {
  const coin = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.boolean()).map(([v, t]) => (t ? fullyTainted(v) : cleanCoin(v)));
  fc.assert(
    fc.property(fc.array(coin, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(1000), { minLength: 1, maxLength: 6 }), (ins, weights) => {
      const totalIn = ins.reduce((s, c) => s + c.valueUnits, 0n);
      const taintedIn = ins.reduce((s, c) => s + (c.poison ? c.valueUnits : 0n), 0n);
      const wsum = BigInt(weights.reduce((s, w) => s + w, 0) + 1);
      const outs = weights.map((w) => (totalIn * BigInt(w)) / wsum);
      const r = combineUtxo(ins, outs);
      const fifoSum = r.reduce((s, c) => s + intervalsTotal(c.fifo), 0n);
      const hairSum = r.reduce((s, c) => s + c.haircut.n / c.haircut.d, 0n);
      return (
        fifoSum <= taintedIn &&
        hairSum <= taintedIn &&
        r.every((c) => intervalsTotal(c.fifo) <= c.valueUnits && c.haircut.n <= c.haircut.d * c.valueUnits && (c.poison || c.haircut.n === 0n))
      );
    }),
    { numRuns: 300 },
  );
});
