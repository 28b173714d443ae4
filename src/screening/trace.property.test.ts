import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Blocklist } from './blocklist.ts';
import type { BtcTx, TraceResult } from './trace.ts';
import { TraceCache, traceBtcDeposit } from './trace.ts';

// Eight shape-valid synthetic addresses.
const ADDRS = [
  'bc1qn9syjv6m0z2ka28ysdxjlvhvv7vj6d6rc7zrqu',
  'bc1qndukwm9swlnwlls0yjpz3ewtr5ny3x5ce7mcpk',
  'bc1qt8tdmweq7nvfqlphesk4x9lefp0ldajvd485wx',
  'bc1qcf2c0z99acen0k6n03z442slrzeqv7vxg7kf5a',
  'bc1qcsluyfu70q8shzljv8wln3fwgwha6w52qk243q',
  'bc1qxe43ru7x4wwcqpxphpsurrs2t4ms8sw92xnkf3',
  '1EyyjR3BqfpYi5yfWXQDZYTTxUoSmXR5ZT',
  '3Fs66aKyiMwvJ3ERPHY3Jm6QtLhS2puG1W',
];

interface Plan {
  coinbases: { addr: number; value: bigint }[];
  txs: { picks: number[]; outs: { addr: number; weight: number }[]; feeSat: bigint }[];
}

const plan: fc.Arbitrary<Plan> = fc.record({
  coinbases: fc.array(fc.record({ addr: fc.nat(7), value: fc.bigInt({ min: 1_000n, max: 10n ** 10n }) }), { minLength: 2, maxLength: 6 }),
  txs: fc.array(
    fc.record({
      picks: fc.array(fc.nat(1000), { minLength: 1, maxLength: 3 }),
      outs: fc.array(fc.record({ addr: fc.nat(7), weight: fc.integer({ min: 1, max: 100 }) }), { minLength: 1, maxLength: 3 }),
      feeSat: fc.bigInt({ min: 0n, max: 500n }),
    }),
    { minLength: 1, maxLength: 10 },
  ),
});

/** Builds a valid UTXO history from a plan; returns the txs and the last transaction's id. */
function build(p: Plan): { txs: Map<string, BtcTx>; last: string } {
  const txs = new Map<string, BtcTx>();
  const utxos: { txid: string; vout: number; addr: string; value: bigint }[] = [];
  let n = 0;
  const nextId = () => (n++).toString(16).padStart(64, '0');
  for (const c of p.coinbases) {
    const txid = nextId();
    txs.set(txid, { txid, inputs: [], outputs: [{ address: ADDRS[c.addr]!, valueSat: c.value }] });
    utxos.push({ txid, vout: 0, addr: ADDRS[c.addr]!, value: c.value });
  }
  let last = '';
  for (const t of p.txs) {
    if (utxos.length === 0) break;
    const inputs = [];
    for (const pick of t.picks) {
      if (utxos.length === 0) break;
      const [u] = utxos.splice(pick % utxos.length, 1);
      inputs.push({ prevTxid: u!.txid, prevVout: u!.vout, address: u!.addr, valueSat: u!.value });
    }
    const totalIn = inputs.reduce((s, i) => s + i.valueSat, 0n);
    const spendable = totalIn > t.feeSat ? totalIn - t.feeSat : totalIn;
    const wsum = BigInt(t.outs.reduce((s, o) => s + o.weight, 0));
    const outputs = t.outs.map((o) => ({ address: ADDRS[o.addr]!, valueSat: (spendable * BigInt(o.weight)) / wsum }));
    const txid = nextId();
    txs.set(txid, { txid, inputs, outputs });
    for (const [vout, o] of outputs.entries()) utxos.push({ txid, vout, addr: o.address, value: o.valueSat });
    last = txid;
  }
  return { txs, last };
}

function listOf(indexes: readonly number[]): Blocklist {
  const b = new Blocklist();
  for (const i of indexes) b.add({ chain: 'BTC', kind: 'address', value: ADDRS[i]!, reason: 'r', source: 'manual', sourceRef: `m${i}`, addedAtMs: 0, addedBy: 't' });
  return b;
}

function checkInvariants(r: TraceResult): void {
  for (const m of ['poison', 'haircut', 'fifo'] as const) {
    const e = r.exposures[m];
    assert.ok(e.exposureUnits >= 0n && e.exposureUnits <= r.totalUnits);
    assert.equal(BigInt(e.bps), r.totalUnits === 0n ? 0n : (e.exposureUnits * 10_000n) / r.totalUnits);
  }
  assert.ok(r.exposures.haircut.exposureUnits <= r.exposures.poison.exposureUnits);
  assert.ok(r.exposures.fifo.exposureUnits <= r.exposures.poison.exposureUnits);
  assert.equal(r.exposures.poison.exposureUnits > 0n, r.hits.length > 0 && r.totalUnits > 0n);
}

test('property: on random UTXO histories exposures are bounded, consistent, and monotone in the blocklist', async () => {
  await fc.assert(
    fc.asyncProperty(plan, fc.uniqueArray(fc.nat(7), { maxLength: 3 }), fc.nat(7), fc.integer({ min: 1, max: 4 }), async (p, listed, extra, maxHops) => {
      const { txs, last } = build(p);
      if (!last) return;
      const source = { getTx: async (id: string) => txs.get(id) ?? null };
      const cache = new TraceCache(8);
      const opts = { maxHops, cache, visitsMax: 50 };
      const r1 = await traceBtcDeposit({ txid: last, vout: 0, source, list: listOf(listed), options: opts });
      checkInvariants(r1);
      assert.ok(r1.stats.visits <= 50);
      assert.ok(cache.size <= 8);
      assert.ok(r1.hits.every((h) => h.distance <= maxHops));
      // Listing one more address never lowers any exposure.
      const r2 = await traceBtcDeposit({ txid: last, vout: 0, source, list: listOf([...new Set([...listed, extra])]), options: opts });
      checkInvariants(r2);
      for (const m of ['poison', 'haircut', 'fifo'] as const) assert.ok(r2.exposures[m].exposureUnits >= r1.exposures[m].exposureUnits, m);
      // With nothing listed, nothing is exposed.
      const r0 = await traceBtcDeposit({ txid: last, vout: 0, source, list: new Blocklist(), options: opts });
      assert.equal(r0.exposures.poison.exposureUnits, 0n);
    }),
    { numRuns: 150 },
  );
});
