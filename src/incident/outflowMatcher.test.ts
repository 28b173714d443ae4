import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { IncidentError } from './errors.ts';
import { AddressSet, IntentRegistry } from './outflowMatcher.ts';
import { btcAddr, ethAddr, txid } from './testing.ts';
import type { AuthorisedIntent, ObservedOutflow } from './types.ts';

const own = new AddressSet();
own.add('BTC', btcAddr(0, 'h'));
own.add('BTC', btcAddr(1, 'h'));
own.add('ETH', ethAddr(0, 0x407));

function btcIntent(id: string, n: number, pay: bigint): AuthorisedIntent {
  return { id, kind: 'withdrawal', chain: 'BTC', inputs: [`${txid(1000 + n)}:0`], outputs: [{ address: btcAddr(n, 'c'), valueMinor: pay }], feeMaxMinor: 5_000n };
}
function btcSpend(n: number, pay: bigint, change: bigint, fee: bigint, id = n): ObservedOutflow {
  return {
    chain: 'BTC',
    txid: txid(id),
    inputs: [{ outpoint: `${txid(1000 + n)}:0`, address: btcAddr(0, 'h'), valueMinor: pay + change + fee }],
    outputs: [{ address: btcAddr(n, 'c'), valueMinor: pay }, ...(change > 0n ? [{ address: btcAddr(1, 'h'), valueMinor: change }] : [])],
    feeMinor: fee,
    seenAtMs: 1,
    where: 'mempool',
  };
}

test('BTC: matched by inputs and outputs (change to own address, fee within limit), and by txid', () => {
  const r = new IntentRegistry();
  r.register(btcIntent('w1', 1, 50_000n));
  assert.deepEqual(r.match(btcSpend(1, 50_000n, 10_000n, 1_000n), own), { matched: true, intentId: 'w1', by: 'inputs' });
  r.addTxid('w1', txid(77));
  assert.deepEqual(r.match({ ...btcSpend(1, 1n, 0n, 0n), txid: txid(77).toUpperCase() }, own), { matched: true, intentId: 'w1', by: 'txid' });
});

test('BTC: unmatched when inputs are unknown, outputs differ, an attacker output is added, or the fee is above the limit', () => {
  const r = new IntentRegistry();
  r.register(btcIntent('w1', 1, 50_000n));
  const cases: Array<[ObservedOutflow, string]> = [
    [btcSpend(9, 50_000n, 0n, 1_000n), 'NO_INTENT'],
    [btcSpend(1, 50_001n, 0n, 1_000n), 'OUTPUTS_DIFFER'],
    [{ ...btcSpend(1, 50_000n, 0n, 1_000n), outputs: [{ address: btcAddr(1, 'c'), valueMinor: 50_000n }, { address: btcAddr(66, 'a'), valueMinor: 5n }] }, 'OUTPUTS_DIFFER'],
    [btcSpend(1, 50_000n, 0n, 5_001n), 'FEE_ABOVE_MAX'],
    [{ ...btcSpend(1, 50_000n, 0n, 1n), inputs: [{ outpoint: `${txid(1001)}:0`, address: 'x', valueMinor: 1n }, { outpoint: `${txid(4242)}:1`, address: 'x', valueMinor: 1n }] }, 'INPUTS_ACROSS_INTENTS'],
  ];
  for (const [o, reason] of cases) {
    const m = r.match(o, own);
    assert.equal(m.matched, false);
    assert.equal(!m.matched && m.reason, reason);
  }
});

test('ETH: matched by from + nonce with the same recipient and value; a different recipient or value is theft', () => {
  const r = new IntentRegistry();
  r.register({ id: 'e1', kind: 'withdrawal', chain: 'ETH', from: ethAddr(0, 0x407), nonce: 5n, outputs: [{ address: ethAddr(9), valueMinor: 10n ** 17n }], feeMaxMinor: 10n ** 15n });
  const base: ObservedOutflow = { chain: 'ETH', txid: txid(5, 'ETH'), from: ethAddr(0, 0x407).toUpperCase().replace('0X', '0x'), nonce: 5n, outputs: [{ address: ethAddr(9), valueMinor: 10n ** 17n }], feeMinor: 21_000n * 10n ** 9n, seenAtMs: 1, where: 'block' };
  assert.equal(r.match(base, own).matched, true);
  assert.equal(r.match({ ...base, outputs: [{ address: ethAddr(10), valueMinor: 10n ** 17n }] }, own).matched, false);
  assert.equal(r.match({ ...base, nonce: 6n }, own).matched, false);
  assert.equal(r.match({ ...base, outputs: [{ address: ethAddr(10), valueMinor: 1n }], status: 'reverted' }, own).matched, true, 'a reverted tx of the intent moved nothing but its fee');
});

test('registry refuses malformed intents and double-booked inputs or nonces', () => {
  const r = new IntentRegistry();
  r.register(btcIntent('w1', 1, 1n));
  assert.throws(() => r.register(btcIntent('w1', 2, 1n)), (e) => e instanceof IncidentError && e.code === 'INTENT_DUPLICATE');
  assert.throws(() => r.register(btcIntent('w2', 1, 1n)), (e) => e instanceof IncidentError && e.code === 'INTENT_DUPLICATE');
  assert.throws(() => r.register({ ...btcIntent('w3', 3, 1n), feeMaxMinor: -1n }), (e) => e instanceof IncidentError && e.code === 'INTENT_INVALID');
  assert.throws(() => r.register({ id: 'e', kind: 'sweep', chain: 'ETH', outputs: [], feeMaxMinor: 0n }), (e) => e instanceof IncidentError && e.code === 'INTENT_INVALID');
  r.retire('w1');
  r.register(btcIntent('w2', 1, 1n));
  assert.equal(r.size, 1);
});

/** A long random run of legitimate activity: withdrawals, sweeps and refills, fee bumps, mempool then block. */
test('property: legitimate outflows never trip the matcher; any extra attacker output always does', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          chain: fc.constantFrom('BTC' as const, 'ETH' as const),
          kind: fc.constantFrom('withdrawal' as const, 'sweep' as const, 'cold_refill' as const),
          pay: fc.bigInt({ min: 1n, max: 10n ** 20n }),
          change: fc.bigInt({ min: 0n, max: 10n ** 10n }),
          feeMax: fc.bigInt({ min: 0n, max: 10n ** 16n }),
          feeFrac: fc.integer({ min: 0, max: 100 }),
          bumps: fc.integer({ min: 0, max: 3 }),
          registerTxid: fc.boolean(),
          inputs: fc.integer({ min: 1, max: 4 }),
        }),
        { minLength: 1, maxLength: 60 },
      ),
      fc.nat(),
      (plan, attackSeed) => {
        const r = new IntentRegistry();
        let n = 0;
        for (const p of plan) {
          const k = ++n;
          const dest = p.chain === 'BTC' ? btcAddr(k, 'c') : ethAddr(k);
          const fee = (p.feeMax * BigInt(p.feeFrac)) / 100n;
          if (p.chain === 'BTC') {
            const inputs = Array.from({ length: p.inputs }, (_, i) => `${txid(k * 10 + i)}:${i}`);
            r.register({ id: `i${k}`, kind: p.kind, chain: 'BTC', inputs, outputs: [{ address: dest, valueMinor: p.pay }], feeMaxMinor: p.feeMax });
            for (let b = 0; b <= p.bumps; b++) {
              const id = txid(1_000_000 + k * 10 + b);
              if (p.registerTxid) r.addTxid(`i${k}`, id);
              const bumpedFee = fee - BigInt(p.bumps - b) < 0n ? 0n : fee - BigInt(p.bumps - b);
              const o: ObservedOutflow = {
                chain: 'BTC',
                txid: id,
                inputs: inputs.map((op) => ({ outpoint: op, address: btcAddr(0, 'h'), valueMinor: 1n })),
                outputs: [{ address: dest.toUpperCase(), valueMinor: p.pay }, ...(p.change > 0n ? [{ address: btcAddr(1, 'h'), valueMinor: p.change }] : [])],
                feeMinor: bumpedFee,
                seenAtMs: k,
                where: b === p.bumps ? 'block' : 'mempool',
              };
              if (!r.match(o, own).matched) return false;
              // The same tx with one extra output to an outsider is always caught.
              const stolen = { ...o, txid: txid(9_000_000 + k), outputs: [...o.outputs, { address: btcAddr(5000 + (attackSeed % 1000), 'a'), valueMinor: 1n }] };
              if (r.match(stolen, own).matched) return false;
            }
          } else {
            r.register({ id: `i${k}`, kind: p.kind, chain: 'ETH', from: ethAddr(0, 0x407), nonce: BigInt(k), outputs: [{ address: dest, valueMinor: p.pay }], feeMaxMinor: p.feeMax });
            const o: ObservedOutflow = { chain: 'ETH', txid: txid(k, 'ETH'), from: ethAddr(0, 0x407), nonce: BigInt(k), outputs: [{ address: dest, valueMinor: p.pay }], feeMinor: fee, seenAtMs: k, where: 'block' };
            if (!r.match(o, own).matched) return false;
            if (r.match({ ...o, outputs: [{ address: ethAddr(7000 + (attackSeed % 100), 2), valueMinor: p.pay }] }, own).matched) return false;
            if (r.match({ ...o, nonce: BigInt(k) + 100_000n }, own).matched) return false;
          }
        }
        return true;
      },
    ),
    { numRuns: 150 },
  );
});
