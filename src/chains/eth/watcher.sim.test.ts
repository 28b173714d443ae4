import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type EthAddress, toChecksumAddress } from './address.ts';
import type { EthBlock, EthClient, EthReceipt, Hash } from './client.ts';
import { ChainError } from './errors.ts';
import { EthWatcher } from './watcher.ts';

// Deterministic simulation: an in-memory chain that can reorg at any moment,
// even between the watcher's "is my tip still canonical" check and its scan.

const WATCHED = toChecksumAddress(`0x${'aa'.repeat(20)}`);
const OTHER = toChecksumAddress(`0x${'bb'.repeat(20)}`);
const hex32 = (n: number): Hash => `0x${n.toString(16).padStart(64, '0')}`;

class SimChain {
  blocks: EthBlock[] = [];
  private counter = 0;
  /** Run once, right after the next getBlock call (simulates a reorg mid-poll). */
  onNextGetBlock: (() => void) | null = null;

  constructor() {
    this.append(false);
  }
  append(withDeposit: boolean): void {
    const parent = this.blocks[this.blocks.length - 1];
    const number = BigInt(this.blocks.length);
    const hash = hex32(++this.counter);
    const txs = withDeposit
      ? [
          {
            hash: hex32(1_000_000 + this.counter),
            from: OTHER,
            to: WATCHED,
            valueWei: BigInt(this.counter),
            nonce: 0n,
            type: 2,
            gasLimit: 21_000n,
            input: '0x' as const,
            maxFeePerGasWei: 1n,
            maxPriorityFeePerGasWei: 1n,
            gasPriceWei: 1n,
            blockNumber: number,
            blockHash: hash,
          },
        ]
      : [];
    this.blocks.push({ number, hash, parentHash: parent?.hash ?? hex32(0), timestampSec: number, baseFeePerGasWei: 1n, transactions: txs });
  }
  reorg(depth: number, newBlocks: number, deposits: boolean[]): void {
    const keep = Math.max(1, this.blocks.length - depth);
    this.blocks = this.blocks.slice(0, keep);
    for (let i = 0; i < newBlocks; i++) this.append(deposits[i % Math.max(1, deposits.length)] ?? false);
  }
  client(): EthClient {
    const self = this;
    const fake = {
      chainId: 31337,
      async blockNumber(): Promise<bigint> {
        return BigInt(self.blocks.length - 1);
      },
      async getBlock(at: bigint | 'latest'): Promise<EthBlock | null> {
        const b = at === 'latest' ? self.blocks[self.blocks.length - 1] : self.blocks[Number(at)];
        const hook = self.onNextGetBlock;
        self.onNextGetBlock = null;
        hook?.();
        return b ? structuredClone(b) : null;
      },
      async getReceipt(hash: Hash): Promise<EthReceipt | null> {
        for (const b of self.blocks) {
          for (const t of b.transactions) {
            if (t.hash === hash) {
              return { transactionHash: hash, blockNumber: b.number, blockHash: b.hash, from: t.from, to: t.to, status: 'success', gasUsed: 21_000n, effectiveGasPriceWei: 1n, feePaidWei: 21_000n };
            }
          }
        }
        return null;
      },
    };
    return fake as unknown as EthClient;
  }
  canonicalDeposits(from: bigint): string[] {
    return this.blocks
      .filter((b) => b.number >= from)
      .flatMap((b) => b.transactions.filter((t) => t.to === WATCHED).map((t) => `${t.hash}@${b.hash}`))
      .sort();
  }
}

type Op =
  | { kind: 'append'; deposit: boolean }
  | { kind: 'reorg'; depth: number; newBlocks: number; deposits: boolean[]; midPoll: boolean }
  | { kind: 'poll' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), deposit: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('reorg' as const),
      depth: fc.integer({ min: 1, max: 5 }),
      newBlocks: fc.integer({ min: 0, max: 7 }),
      deposits: fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }),
      midPoll: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'poll' as const }) },
);

describe('watcher deterministic simulation', () => {
  it('after any sequence of blocks, reorgs and polls, reported deposits equal the canonical chain (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
        const chain = new SimChain();
        const w = new EthWatcher({ client: chain.client(), fromBlock: 1n, watched: [WATCHED as EthAddress], confirmationsRequired: 2n, reorgDepthMax: 64 });
        const live = new Set<string>();
        const confirmed = new Set<string>();
        const apply = (r: Awaited<ReturnType<EthWatcher['poll']>>): void => {
          for (const ev of r.reorgs) {
            for (const d of ev.orphanedDeposits) {
              const key = `${d.hash}@${d.blockHash}`;
              assert.ok(live.delete(key), 'orphaned deposit had been reported');
              assert.equal(d.wasConfirmed, confirmed.has(key));
              confirmed.delete(key);
            }
          }
          for (const d of r.newDeposits) {
            const key = `${d.hash}@${d.blockHash}`;
            assert.ok(!live.has(key), 'never reported twice');
            live.add(key);
          }
          for (const d of r.confirmedDeposits) {
            const key = `${d.hash}@${d.blockHash}`;
            assert.ok(live.has(key) && !confirmed.has(key), 'confirmed once, after being new');
            assert.ok(d.confirmations >= 2n);
            confirmed.add(key);
          }
        };
        for (const op of ops) {
          if (op.kind === 'append') chain.append(op.deposit);
          else if (op.kind === 'reorg' && !op.midPoll) chain.reorg(op.depth, op.newBlocks, op.deposits);
          else if (op.kind === 'reorg') {
            chain.onNextGetBlock = () => chain.reorg(op.depth, op.newBlocks, op.deposits);
            apply(await w.poll());
          } else apply(await w.poll());
        }
        // Drain (bounded): a block read just before a reorg looks fine until the
        // next poll, so stop only after two quiet polls at the tip.
        chain.onNextGetBlock = null;
        let quiet = 0;
        for (let i = 0; i < 10 && quiet < 2; i++) {
          const r = await w.poll();
          apply(r);
          quiet = r.height === r.tip && r.reorgs.length === 0 && !r.interrupted ? quiet + 1 : 0;
        }
        assert.deepEqual([...live].sort(), chain.canonicalDeposits(1n));
      }),
      { numRuns: 150, seed: Number(process.env.SIM_SEED ?? Date.now() % 2 ** 31) },
    );
  });

  it('parent-hash mismatch during a scan is caught (reorg between check and scan)', async () => {
    const chain = new SimChain();
    for (let i = 0; i < 5; i++) chain.append(i === 4);
    const w = new EthWatcher({ client: chain.client(), fromBlock: 1n, watched: [WATCHED as EthAddress], confirmationsRequired: 1n });
    const r1 = await w.poll();
    assert.equal(r1.newDeposits.length, 1);
    chain.append(false);
    // The check of block 5 passes, then blocks 5.. are replaced before block 6 is read.
    let calls = 0;
    chain.onNextGetBlock = () => {
      calls++;
      chain.reorg(2, 4, [false]);
    };
    const r2 = await w.poll();
    assert.equal(calls, 1);
    assert.equal(r2.reorgs.length, 1);
    assert.equal(r2.reorgs[0]?.commonAncestor, 4n); // blocks 5 and 6 replaced
    assert.equal(r2.reorgs[0]?.orphanedDeposits.length, 1);
    assert.equal(r2.height, r2.tip);
  });

  it('a fork below fromBlock orphans what was processed and rescans (window still complete)', async () => {
    const chain = new SimChain();
    for (let i = 0; i < 4; i++) chain.append(i === 3);
    const w = new EthWatcher({ client: chain.client(), fromBlock: 3n, watched: [WATCHED as EthAddress], confirmationsRequired: 1n });
    const r1 = await w.poll();
    assert.equal(r1.newDeposits.length, 1);
    chain.reorg(4, 5, [true]); // replaces blocks 1..4, below fromBlock = 3
    const r2 = await w.poll();
    assert.equal(r2.reorgs.length, 1);
    assert.equal(r2.reorgs[0]?.commonAncestor, 2n);
    assert.equal(r2.reorgs[0]?.orphanedDeposits.length, 1);
    assert.equal(r2.height, r2.tip);
    const r3 = await w.poll();
    assert.equal(r3.reorgs.length, 0);
    const seen = [...r2.newDeposits, ...r3.newDeposits].map((d) => `${d.hash}@${d.blockHash}`).sort();
    assert.deepEqual(seen, chain.canonicalDeposits(3n));
  });

  it('REORG_TOO_DEEP when the fork is below the window', async () => {
    const chain = new SimChain();
    for (let i = 0; i < 10; i++) chain.append(false);
    const w = new EthWatcher({ client: chain.client(), fromBlock: 1n, watched: [], confirmationsRequired: 1n, reorgDepthMax: 3 });
    await w.poll();
    chain.reorg(6, 8, [false]);
    await assert.rejects(w.poll(), (e: unknown) => e instanceof ChainError && e.code === 'REORG_TOO_DEEP');
  });
});
