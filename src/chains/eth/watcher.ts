import { assert } from '../../shared/assert.ts';
import type { EthAddress } from './address.ts';
import type { EthBlock, EthClient, Hash } from './client.ts';
import { ChainError } from './errors.ts';
import { checkTransfer, TRANSFER_GAS, type UnsignedTransfer } from './wallet.ts';

/** A native ETH transfer (top-level tx, value > 0, succeeded) to a watched address. */
export interface Deposit {
  hash: Hash;
  from: EthAddress;
  to: EthAddress;
  valueWei: bigint;
  blockNumber: bigint;
  blockHash: Hash;
  /** tip − blockNumber + 1 at the time of the poll that reported it. */
  confirmations: bigint;
}

/** A mined tx sent FROM a watched address (for matching withdrawals and sweeps). */
export interface Outflow {
  hash: Hash;
  from: EthAddress;
  nonce: bigint;
  to: EthAddress | null;
  valueWei: bigint;
  /** gasUsed × effectiveGasPrice from the receipt. */
  feePaidWei: bigint;
  status: 'success' | 'reverted';
  blockNumber: bigint;
  blockHash: Hash;
}

export interface ReorgEvent {
  /** Highest height whose block we had is still canonical (fromBlock − 1 if the fork is below our start). */
  commonAncestor: bigint;
  orphanedBlocks: { number: bigint; hash: Hash }[];
  /** Deposits seen in orphaned blocks; `wasConfirmed` ones were already reported confirmed (critical). */
  orphanedDeposits: (Deposit & { wasConfirmed: boolean })[];
  orphanedOutflows: Outflow[];
}

export interface PollResult {
  tip: bigint;
  /** Highest height processed after this poll. */
  height: bigint;
  newDeposits: Deposit[];
  /** Deposits that reached `confirmationsRequired` in this poll (each reported once). */
  confirmedDeposits: Deposit[];
  outflows: Outflow[];
  reorgs: ReorgEvent[];
  /** The scan stopped early because a block's receipts moved (reorg in progress); poll again. */
  interrupted: boolean;
}

export interface WatcherOptions {
  client: EthClient;
  /** First height to scan. */
  fromBlock: bigint;
  watched: Iterable<EthAddress>;
  confirmationsRequired: bigint;
  blocksPerPollMax?: number;
  /** Blocks of hashes kept for reorg detection; a deeper reorg is REORG_TOO_DEEP. */
  reorgDepthMax?: number;
  /** Resume after a restart from `exportState()` (then `fromBlock` only bounds rewinds). */
  state?: WatcherState;
}

/** Everything the watcher needs to resume exactly where it stopped (persist it after each poll). */
export interface WatcherState {
  height: bigint;
  blocks: { number: bigint; hash: Hash }[];
  deposits: { deposit: Deposit; confirmed: boolean }[];
  outflows: Outflow[];
}

const REORGS_PER_POLL_MAX = 4;

interface SeenDeposit {
  deposit: Deposit;
  confirmed: boolean;
}

/**
 * Follows the chain block by block from `fromBlock`. Keeps the hash of each
 * processed block for `reorgDepthMax` blocks; a new block whose parentHash
 * is not the hash we hold at height−1 (or a stored block that is no longer
 * canonical) means a reorg: we walk back to the common ancestor, report what
 * was orphaned, and rescan from there.
 */
export class EthWatcher {
  private readonly client: EthClient;
  private readonly watched = new Set<EthAddress>();
  private readonly confirmationsRequired: bigint;
  private readonly blocksPerPollMax: number;
  private readonly reorgDepthMax: number;
  private readonly fromBlock: bigint;
  /** height → hash of processed canonical blocks, within the reorg window. */
  private readonly hashes = new Map<bigint, Hash>();
  private readonly depositsByBlock = new Map<Hash, SeenDeposit[]>();
  private readonly outflowsByBlock = new Map<Hash, Outflow[]>();
  private height: bigint;

  constructor(o: WatcherOptions) {
    assert(o.fromBlock >= 0n && o.confirmationsRequired >= 1n, 'fromBlock >= 0, confirmations >= 1');
    this.client = o.client;
    this.fromBlock = o.fromBlock;
    this.height = o.fromBlock - 1n;
    this.confirmationsRequired = o.confirmationsRequired;
    this.blocksPerPollMax = o.blocksPerPollMax ?? 100;
    this.reorgDepthMax = o.reorgDepthMax ?? 64;
    assert(this.blocksPerPollMax >= 1 && this.blocksPerPollMax <= 10_000, 'blocksPerPollMax in 1..10000');
    assert(this.reorgDepthMax >= 2 && this.reorgDepthMax <= 10_000, 'reorgDepthMax in 2..10000');
    for (const a of o.watched) this.watched.add(a);
    if (o.state) this.restore(o.state);
  }

  exportState(): WatcherState {
    const blocks = [...this.hashes].map(([number, hash]) => ({ number, hash }));
    const deposits = [...this.depositsByBlock.values()].flat().map((s) => ({ deposit: { ...s.deposit }, confirmed: s.confirmed }));
    const outflows = [...this.outflowsByBlock.values()].flat().map((x) => ({ ...x }));
    return structuredClone({ height: this.height, blocks, deposits, outflows });
  }

  private restore(state: WatcherState): void {
    assert(state.height >= this.fromBlock - 1n, 'restored height is not below fromBlock - 1');
    assert(state.blocks.length <= this.reorgDepthMax + 2, 'restored window fits reorgDepthMax');
    this.height = state.height;
    for (const b of state.blocks) this.hashes.set(b.number, b.hash);
    assert(state.height < this.fromBlock || this.hashes.has(state.height), 'restored state holds the hash of its height');
    for (const d of structuredClone(state.deposits)) {
      const list = this.depositsByBlock.get(d.deposit.blockHash) ?? [];
      list.push(d);
      this.depositsByBlock.set(d.deposit.blockHash, list);
    }
    for (const o of structuredClone(state.outflows)) {
      const list = this.outflowsByBlock.get(o.blockHash) ?? [];
      list.push(o);
      this.outflowsByBlock.set(o.blockHash, list);
    }
  }

  watch(address: EthAddress): void {
    this.watched.add(address);
  }

  get processedHeight(): bigint {
    return this.height;
  }

  async poll(): Promise<PollResult> {
    const result: PollResult = { tip: 0n, height: this.height, newDeposits: [], confirmedDeposits: [], outflows: [], reorgs: [], interrupted: false };
    const tip = await this.client.blockNumber();
    result.tip = tip;
    if (this.height >= this.fromBlock) {
      // Is the last block we processed still canonical? (Covers a chain that got shorter.)
      const last = this.height > tip ? null : await this.client.getBlock(this.height);
      if (last === null || last.hash !== this.hashes.get(this.height)) result.reorgs.push(await this.rewind(tip));
    } else if (this.fromBlock > 0n && !this.hashes.has(this.fromBlock - 1n) && this.fromBlock - 1n <= tip) {
      // First poll (or after a fork below fromBlock): remember the parent of our first block.
      const anchor = await this.client.getBlock(this.fromBlock - 1n);
      if (anchor) this.hashes.set(anchor.number, anchor.hash);
    }
    let scanned = 0;
    while (this.height < tip && scanned < this.blocksPerPollMax) {
      const h = this.height + 1n;
      const block = await this.client.getBlock(h);
      if (block === null) break; // the tip moved back under us; next poll rewinds
      const parent = this.hashes.get(h - 1n);
      if (parent !== undefined && block.parentHash !== parent) {
        result.reorgs.push(await this.rewind(tip));
        // A node flapping between branches must not keep one poll busy forever.
        if (result.reorgs.length >= REORGS_PER_POLL_MAX) break;
        continue;
      }
      if (!(await this.process(block, result))) {
        // The block changed under us between reading it and its receipts: a
        // reorg in progress. Stop here; the next poll sees the new branch.
        result.interrupted = true;
        break;
      }
      scanned++;
    }
    for (const seen of this.depositsByBlock.values()) {
      for (const s of seen) {
        s.deposit.confirmations = tip >= s.deposit.blockNumber ? tip - s.deposit.blockNumber + 1n : 0n;
        if (!s.confirmed && s.deposit.confirmations >= this.confirmationsRequired) {
          s.confirmed = true;
          result.confirmedDeposits.push({ ...s.deposit });
        }
      }
    }
    for (const d of result.newDeposits) d.confirmations = tip - d.blockNumber + 1n;
    result.height = this.height;
    return result;
  }

  /** Process one block; false (and nothing changed) if its receipts no longer belong to it. */
  private async process(block: EthBlock, result: PollResult): Promise<boolean> {
    const deposits: SeenDeposit[] = [];
    const outflows: Outflow[] = [];
    for (const tx of block.transactions) {
      const isDeposit = tx.to !== null && tx.valueWei > 0n && this.watched.has(tx.to);
      const isOutflow = this.watched.has(tx.from);
      if (!isDeposit && !isOutflow) continue;
      const receipt = await this.client.getReceipt(tx.hash);
      if (receipt === null || receipt.blockHash !== block.hash) return false;
      if (isDeposit && receipt.status === 'success') {
        deposits.push({
          confirmed: false,
          deposit: { hash: tx.hash, from: tx.from, to: tx.to as EthAddress, valueWei: tx.valueWei, blockNumber: block.number, blockHash: block.hash, confirmations: 1n },
        });
      }
      if (isOutflow) {
        outflows.push({
          hash: tx.hash,
          from: tx.from,
          nonce: tx.nonce,
          to: tx.to,
          valueWei: tx.valueWei,
          feePaidWei: receipt.feePaidWei,
          status: receipt.status,
          blockNumber: block.number,
          blockHash: block.hash,
        });
      }
    }
    this.hashes.set(block.number, block.hash);
    if (deposits.length > 0) this.depositsByBlock.set(block.hash, deposits);
    if (outflows.length > 0) this.outflowsByBlock.set(block.hash, outflows);
    for (const d of deposits) result.newDeposits.push({ ...d.deposit });
    result.outflows.push(...outflows);
    this.height = block.number;
    this.prune();
    return true;
  }

  private prune(): void {
    const floor = this.height - BigInt(this.reorgDepthMax);
    for (const [h, hash] of this.hashes) {
      if (h >= floor) continue;
      this.hashes.delete(h);
      this.depositsByBlock.delete(hash);
      this.outflowsByBlock.delete(hash);
    }
  }

  /** Walk back to the highest stored height still canonical; drop what is above. */
  private async rewind(tip: bigint): Promise<ReorgEvent> {
    let h = this.height < tip ? this.height : tip;
    let lowest = this.height;
    for (const k of this.hashes.keys()) if (k < lowest) lowest = k;
    // Nothing pruned yet (the window still reaches below fromBlock): a fork under
    // our start orphans everything we processed, but nothing we forgot.
    const windowIsComplete = lowest < this.fromBlock;
    for (;;) {
      if (h < lowest) {
        if (windowIsComplete) {
          h = this.fromBlock - 1n;
          // The anchor (parent of fromBlock) was replaced too: forget it, re-anchor on the next poll.
          this.hashes.delete(h);
          break;
        }
        throw new ChainError('REORG_TOO_DEEP', 'reorg deeper than the tracked window', { height: this.height.toString(), window: this.reorgDepthMax });
      }
      const ours = this.hashes.get(h);
      const canon = await this.client.getBlock(h);
      if (ours !== undefined && canon !== null && canon.hash === ours) break;
      h--;
    }
    const event: ReorgEvent = { commonAncestor: h, orphanedBlocks: [], orphanedDeposits: [], orphanedOutflows: [] };
    for (const [height, hash] of [...this.hashes].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (height <= h) continue;
      event.orphanedBlocks.push({ number: height, hash });
      for (const s of this.depositsByBlock.get(hash) ?? []) event.orphanedDeposits.push({ ...s.deposit, wasConfirmed: s.confirmed });
      event.orphanedOutflows.push(...(this.outflowsByBlock.get(hash) ?? []));
      this.hashes.delete(height);
      this.depositsByBlock.delete(hash);
      this.outflowsByBlock.delete(hash);
    }
    this.height = h;
    return event;
  }
}

// ---- Sweeps ----------------------------------------------------------------

export interface SweepPlan {
  tx: UnsignedTransfer;
  /** Exactly what the sweep costs: gas × maxFeePerGas (see below). */
  feeWei: bigint;
  balanceWei: bigint;
}

/**
 * Sweep a deposit address to zero. Under EIP-1559 the sender pays
 * gasUsed × min(maxFee, baseFee + tip) but must hold value + gas × maxFee.
 * Setting tip = maxFee makes the effective price exactly maxFee whatever the
 * base fee at inclusion (as long as baseFee ≤ maxFee), so value =
 * balance − 21000 × maxFee leaves exactly 0 wei. The price is the overshoot
 * maxFee − baseFee going to the block producer as tip: we size maxFee as
 * baseFee × multiplier + tip and accept that (a few gwei × 21000 gas).
 */
export function planSweep(p: {
  chainId: number;
  nonce: bigint;
  to: EthAddress;
  balanceWei: bigint;
  baseFeeWei: bigint;
  priorityFeeWei: bigint;
  baseFeeMultiplier?: bigint;
  /** Refuse to sweep when less than this would arrive (dust not worth the gas). */
  minNetWei?: bigint;
}): SweepPlan {
  const maxFee = p.baseFeeWei * (p.baseFeeMultiplier ?? 2n) + p.priorityFeeWei;
  const feeWei = TRANSFER_GAS * maxFee;
  const valueWei = p.balanceWei - feeWei;
  if (valueWei <= 0n || valueWei < (p.minNetWei ?? 1n)) {
    throw new ChainError('SWEEP_INSUFFICIENT', 'balance does not cover the sweep fee (dust)', { balanceWei: p.balanceWei.toString(), feeWei: feeWei.toString() });
  }
  const tx = checkTransfer({ chainId: p.chainId, nonce: p.nonce, to: p.to, valueWei, gasLimit: TRANSFER_GAS, maxFeePerGasWei: maxFee, maxPriorityFeePerGasWei: maxFee });
  assert(tx.valueWei + feeWei === p.balanceWei, 'sweep leaves exactly zero');
  return { tx, feeWei, balanceWei: p.balanceWei };
}

/** Read chain state and plan a sweep of `from` into `to` (must be an EOA: 21000 gas). */
export async function buildSweep(
  client: EthClient,
  p: { from: EthAddress; to: EthAddress; priorityFeeWei: bigint; baseFeeMultiplier?: bigint; minNetWei?: bigint },
): Promise<SweepPlan> {
  const code = await client.getCode(p.to);
  if (code !== '0x') throw new ChainError('SWEEP_TARGET_NOT_EOA', 'sweep target has code; 21000 gas may not suffice', { to: p.to });
  const [latestNonce, pendingNonce] = [await client.getNonce(p.from, 'latest'), await client.getNonce(p.from, 'pending')];
  if (latestNonce !== pendingNonce) throw new ChainError('SWEEP_BUSY', 'address has a pending transaction', { from: p.from });
  const latest = await client.getBlock('latest');
  if (latest === null || latest.baseFeePerGasWei === null) throw new ChainError('BLOCK_NOT_FOUND', 'no latest block with a base fee', {});
  const balanceWei = await client.getBalance(p.from, 'latest');
  return planSweep({
    chainId: client.chainId,
    nonce: latestNonce,
    to: p.to,
    balanceWei,
    // The next block's base fee can be up to 12.5% above the latest (EIP-1559).
    baseFeeWei: latest.baseFeePerGasWei + latest.baseFeePerGasWei / 8n + 1n,
    priorityFeeWei: p.priorityFeeWei,
    ...(p.baseFeeMultiplier !== undefined ? { baseFeeMultiplier: p.baseFeeMultiplier } : {}),
    ...(p.minNetWei !== undefined ? { minNetWei: p.minNetWei } : {}),
  });
}
