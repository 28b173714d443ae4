import * as btc from '../chains/btc/index.ts';
import * as eth from '../chains/eth/index.ts';
import type { Engine } from '../engine/engine.ts';
import { assert } from '../shared/assert.ts';
import { RampartError } from '../shared/errors.ts';
import type { AlertSink } from './alerts.ts';
import { BtcChainView } from './btcView.ts';
import { CustodyError } from './errors.ts';
import { signIntent, type WithdrawalIntent } from './intent.ts';
import type { EthNonceSource } from './nonces.ts';
import type { Signer } from './signer/client.ts';
import type { SignedEntry } from './signer/log.ts';

export interface WithdrawalProcessorOptions {
  readonly engine: Pick<Engine, 'submit' | 'core' | 'onResult'>;
  readonly signer: Signer;
  /** The processor's Ed25519 intent key (the signer holds only its public half). */
  readonly intentSecretKeyHex: string;
  readonly alerts: AlertSink;
  readonly clock: () => number;
  /** Largest network fee per withdrawal the processor asks for (the signer has its own cap too). */
  readonly feeCapMinor: { readonly BTC: bigint; readonly ETH: bigint };
  readonly btc?: { readonly view: BtcChainView; readonly confirmations: number; readonly feeConfTarget?: number; readonly stuckAfterBlocks?: number };
  readonly eth?: { readonly client: eth.EthClient; readonly nonces: EthNonceSource; readonly confirmations: number; readonly feePolicy?: eth.FeePolicy; readonly stuckAfterMs?: number };
  /**
   * Destination screening before the first signature (src/screening/service `withdrawalScreen`):
   * throws a RampartError `WITHDRAWAL_HELD` / `WITHDRAWAL_REJECTED` to stop it (the screener opens
   * the compliance case); it is asked again each pass until it lets the withdrawal through.
   */
  readonly screenDestination?: (w: { id: string; userId: number; asset: 'BTC' | 'ETH'; destination: string; amount: bigint }) => Promise<void>;
  /** Test hook: runs after the signer returned and before broadcast; throw to simulate a crash there. */
  readonly afterSign?: (entry: SignedEntry) => void;
}

export type Progress = 'signed' | 'broadcast' | 'pending' | 'confirming' | 'settled' | 'conflict' | 'refused';

interface Tracked {
  readonly id: string;
  readonly asset: 'BTC' | 'ETH';
  attempts: SignedEntry[];
  /** When (clock ms / tip height) the latest attempt was first seen unconfirmed, for stuck detection. */
  sinceMs: number;
  sinceHeight: number;
  progress: Progress;
  lastError?: string;
}

/** Bound on withdrawals handled per tick (the rest wait for the next one). */
export const WITHDRAWALS_PER_TICK_MAX = 200;

/**
 * The withdrawal processor: takes the core's authorised crypto withdrawals, has the signer sign
 * each exactly once (a signed intent, idempotent by id in the signer's own log), broadcasts,
 * follows confirmations, bumps stuck ones (BIP125 same inputs / same ETH nonce: only one can
 * confirm), then settles in the core with the txid and posts the network fee.
 *
 * Paid at most once across crashes: state lives in the core (authorised, not settled) and in the
 * signer's log (what was signed). On restart `reconcile()` asks the signer for each authorised
 * withdrawal: signed → find it on chain or in the mempool and follow it, or, provably never
 * broadcast (no attempt known to the node, inputs / nonce unspent), rebroadcast the same bytes.
 * A new transaction is signed only when the signer has none for that id.
 */
export class WithdrawalProcessor {
  private readonly o: WithdrawalProcessorOptions;
  private readonly tracked = new Map<string, Tracked>();

  constructor(o: WithdrawalProcessorOptions) {
    this.o = o;
    o.engine.onResult((_cmd, result) => {
      for (const e of result.events) if (e.type === 'withdrawal.authorized') this.enqueue(e.withdrawalId);
    });
  }

  /** Picks up every authorised crypto withdrawal in the core (at start, after a crash). */
  reconcile(): void {
    for (const w of this.o.engine.core.withdrawals.values()) if (w.state === 'authorized') this.enqueue(w.id);
  }

  private enqueue(id: string): void {
    const w = this.o.engine.core.withdrawals.get(id);
    if (w === undefined || (w.asset !== 'BTC' && w.asset !== 'ETH') || this.tracked.has(id)) return;
    if ((w.asset === 'BTC' && this.o.btc === undefined) || (w.asset === 'ETH' && this.o.eth === undefined)) return;
    this.tracked.set(id, { id, asset: w.asset, attempts: [], sinceMs: this.o.clock(), sinceHeight: -1, progress: 'signed' });
  }

  status(id: string): { progress: Progress; txid?: string; attempts: number; lastError?: string } | undefined {
    const t = this.tracked.get(id);
    if (t === undefined) return undefined;
    const last = t.attempts[t.attempts.length - 1];
    return { progress: t.progress, attempts: t.attempts.length, ...(last ? { txid: last.txid } : {}), ...(t.lastError ? { lastError: t.lastError } : {}) };
  }

  /**
   * One pass over every open withdrawal. Errors stay with their withdrawal (lastError) so one
   * bad withdrawal never blocks the rest; a crash hook's error propagates (the process "dies").
   */
  async tick(): Promise<void> {
    let n = 0;
    for (const t of this.tracked.values()) {
      if (t.progress === 'settled' || t.progress === 'conflict') continue;
      if (++n > WITHDRAWALS_PER_TICK_MAX) break;
      try {
        await this.step(t);
        delete t.lastError;
      } catch (e) {
        if (!(e instanceof RampartError)) throw e;
        t.lastError = e.code;
        if (e.code === 'WITHDRAWAL_HELD' || e.code === 'WITHDRAWAL_REJECTED') t.progress = 'refused';
        if (e instanceof CustodyError && ['INTENT_SIGNATURE_INVALID', 'LIMIT_TX', 'LIMIT_HOURLY', 'LIMIT_DAILY', 'HOT_CAP_EXCEEDED', 'DESTINATION_BLOCKED', 'DESTINATION_INVALID', 'FEE_CAP_EXCEEDED'].includes(e.code)) {
          if (t.progress !== 'refused') {
            this.o.alerts.raise({ kind: 'SIGNER_REFUSED', asset: t.asset, atMs: this.o.clock(), message: e.message, details: { withdrawalId: t.id, code: e.code } });
          }
          t.progress = 'refused';
        }
      }
    }
  }

  private async step(t: Tracked): Promise<void> {
    const w = this.o.engine.core.withdrawals.get(t.id);
    if (w === undefined) {
      // Gone from the core without our settle: cancelled (or settled elsewhere). If a transaction
      // was already signed, the customer may be refunded and paid: the incident module decides.
      const signed = t.attempts.length > 0 ? t.attempts : await this.o.signer.lookup('withdraw', t.id);
      if (signed.length > 0) {
        this.o.alerts.raise({ kind: 'WITHDRAWAL_CONFLICT', asset: t.asset, atMs: this.o.clock(), message: 'withdrawal left the core (cancelled?) after its transaction was signed', details: { withdrawalId: t.id, txids: signed.map((a) => a.txid) } });
        t.progress = 'conflict';
      } else t.progress = 'settled';
      return;
    }
    if (t.attempts.length === 0) {
      t.attempts = await this.o.signer.lookup('withdraw', t.id);
      for (const a of t.attempts) if (a.eth !== undefined) this.o.eth?.nonces.observe(a.eth.nonce);
    }
    if (t.attempts.length === 0) {
      await this.o.screenDestination?.({ id: w.id, userId: w.userId, asset: t.asset, destination: w.destination, amount: w.amount });
      const entry = await this.signFresh(t, w);
      t.attempts = [entry];
      this.o.afterSign?.(entry);
      await this.broadcast(t, entry);
      return;
    }
    if (t.asset === 'BTC') await this.followBtc(t);
    else await this.followEth(t);
  }

  private intentOf(w: { id: string; asset: string; destination: string; amount: bigint; requestedTs: number }): WithdrawalIntent {
    // Deterministic from the core's record: a repeat after a crash is the same intent (same hash).
    return { intentId: w.id, asset: w.asset as 'BTC' | 'ETH', destination: w.destination, amountMinor: w.amount, feePolicy: { feeCapMinor: this.o.feeCapMinor[w.asset as 'BTC' | 'ETH'] }, createdMs: w.requestedTs };
  }

  private async signFresh(t: Tracked, w: { id: string; asset: string; destination: string; amount: bigint; requestedTs: number }): Promise<SignedEntry> {
    const intent = this.intentOf(w);
    const sig = signIntent(intent, this.o.intentSecretKeyHex);
    if (t.asset === 'BTC') {
      const b = this.o.btc!;
      const utxos = b.view.unspent('hot', 1).map(BtcChainView.ownUtxo);
      if (utxos.length === 0) throw new CustodyError('INSUFFICIENT_FUNDS', 'no confirmed hot UTXO');
      const entry = await this.o.signer.withdraw(intent, sig, { btc: { utxos, feeRateSatPerVb: await btcFeeRate(b.view.rpc, b.feeConfTarget ?? 2) } });
      b.view.reserve(entry.btc!.inputs, entry.txid);
      return entry;
    }
    const e = this.o.eth!;
    const fees = await e.client.feeData(e.feePolicy);
    return e.nonces.withNext((nonce) => this.o.signer.withdraw(intent, sig, { eth: { nonce, maxFeePerGasWei: fees.maxFeePerGasWei, maxPriorityFeePerGasWei: fees.maxPriorityFeePerGasWei } }));
  }

  private async broadcast(t: Tracked, entry: SignedEntry): Promise<void> {
    if (entry.asset === 'BTC') {
      try {
        await this.o.btc!.view.rpc.sendRawTransaction(entry.hex);
      } catch (e) {
        // -27: already in the chain; -26 txn-already-in-mempool: already known. Both fine.
        if (!(e instanceof btc.BtcChainError) || (e.details.rpcCode !== -27 && !(e.details.rpcCode === -26 && /already/.test(e.message)))) throw e;
      }
      this.o.btc!.view.reserve(entry.btc!.inputs, entry.txid);
      t.sinceHeight = this.o.btc!.view.tipHeight;
    } else {
      try {
        await this.o.eth!.client.sendRawTransaction(entry.hex as eth.Hex, entry.txid as eth.Hash);
      } catch (e) {
        if (!(e instanceof eth.ChainError && e.code === 'NONCE_TOO_LOW')) throw e;
        // The nonce is spent: by this intent (followEth will find the receipt) or by another tx (conflict).
      }
    }
    t.sinceMs = this.o.clock();
    t.progress = 'broadcast';
  }

  private async followBtc(t: Tracked): Promise<void> {
    const b = this.o.btc!;
    let best: { entry: SignedEntry; confirmations: number } | undefined;
    let inMempool: SignedEntry | undefined;
    for (const a of t.attempts) {
      const c = await btcConfirmations(b.view.rpc, a.txid);
      if (c === undefined) continue;
      if (c > 0 && (best === undefined || c > best.confirmations)) best = { entry: a, confirmations: c };
      if (c === 0) inMempool = a;
    }
    if (best !== undefined) {
      if (best.confirmations >= b.confirmations) await this.settle(t, best.entry, best.entry.feeMinor);
      else t.progress = 'confirming';
      return;
    }
    const last = t.attempts[t.attempts.length - 1]!;
    if (inMempool !== undefined) {
      t.progress = 'pending';
      if (t.sinceHeight < 0) t.sinceHeight = b.view.tipHeight;
      const stuckAfter = b.stuckAfterBlocks ?? 3;
      if (inMempool === last && b.view.tipHeight - t.sinceHeight >= stuckAfter) await this.bumpBtc(t, last);
      return;
    }
    // No attempt is known to the node. Provably never paid if the inputs are not spent by any
    // other transaction: then the same signed bytes go out again, never a new signature.
    try {
      await this.broadcast(t, last);
    } catch (e) {
      if (e instanceof btc.BtcChainError && e.details.rpcCode === -25) {
        t.progress = 'conflict';
        this.o.alerts.raise({ kind: 'WITHDRAWAL_CONFLICT', asset: 'BTC', atMs: this.o.clock(), message: 'withdrawal inputs were spent by a transaction that is none of its attempts', details: { withdrawalId: t.id, txid: last.txid } });
        return;
      }
      throw e;
    }
  }

  /** BIP125 replacement of a stuck withdrawal: same inputs, fee rate doubled (at least +1 sat/vB). */
  async bumpBtc(t: Tracked, last: SignedEntry): Promise<void> {
    const oldRate = (last.feeMinor + BigInt(btc.decodeRawTx(hexBytes(last.hex)).vsize) - 1n) / BigInt(btc.decodeRawTx(hexBytes(last.hex)).vsize);
    const network = await btcFeeRate(this.o.btc!.view.rpc, this.o.btc!.feeConfTarget ?? 2);
    const rate = network > oldRate * 2n ? network : oldRate * 2n;
    const entry = await this.o.signer.bump('withdraw', t.id, { btc: { feeRateSatPerVb: rate } });
    t.attempts.push(entry);
    await this.broadcast(t, entry);
  }

  private async followEth(t: Tracked): Promise<void> {
    const e = this.o.eth!;
    const tip = await e.client.blockNumber();
    for (const a of t.attempts) {
      const r = await e.client.getReceipt(a.txid as eth.Hash);
      if (r === null) continue;
      const confirmations = tip - r.blockNumber + 1n;
      if (confirmations < BigInt(e.confirmations)) {
        t.progress = 'confirming';
        return;
      }
      if (r.status !== 'success') {
        // A plain transfer that reverted paid gas and nothing else; operator attention.
        t.progress = 'conflict';
        this.o.alerts.raise({ kind: 'WITHDRAWAL_CONFLICT', asset: 'ETH', atMs: this.o.clock(), message: 'withdrawal transaction reverted', details: { withdrawalId: t.id, hash: a.txid } });
        return;
      }
      await this.settle(t, a, r.feePaidWei);
      return;
    }
    const last = t.attempts[t.attempts.length - 1]!;
    const nonce = last.eth!.nonce;
    const minedNonce = await e.client.getNonce(eth.parseAddress(last.eth!.from, eth.LENIENT_ADDRESS_POLICY), 'latest');
    if (minedNonce > nonce) {
      // Re-check receipts: one may have been mined between the queries.
      for (const a of t.attempts) if ((await e.client.getReceipt(a.txid as eth.Hash)) !== null) return;
      t.progress = 'conflict';
      this.o.alerts.raise({ kind: 'WITHDRAWAL_CONFLICT', asset: 'ETH', atMs: this.o.clock(), message: 'withdrawal nonce consumed by a transaction that is none of its attempts', details: { withdrawalId: t.id, nonce: String(nonce) } });
      return;
    }
    for (const a of [...t.attempts].reverse()) {
      if ((await e.client.getTransaction(a.txid as eth.Hash)) !== null) {
        t.progress = 'pending';
        if (a === last && this.o.clock() - t.sinceMs >= (e.stuckAfterMs ?? 120_000)) await this.bumpEth(t, last);
        return;
      }
    }
    // Nonce unspent and no attempt known to the node: rebroadcast the same signed bytes.
    await this.broadcast(t, last);
  }

  /** Same-nonce replacement with fees raised ≥ 10% (geth's price bump) or to the network's, whichever is higher. */
  async bumpEth(t: Tracked, last: SignedEntry): Promise<void> {
    const fees = eth.bumpFees(last.eth!, await this.o.eth!.client.feeData(this.o.eth!.feePolicy));
    const entry = await this.o.signer.bump('withdraw', t.id, { eth: fees });
    t.attempts.push(entry);
    await this.broadcast(t, entry);
  }

  /** Test/ops hook: bump a withdrawal's latest attempt now. */
  async bumpNow(id: string): Promise<void> {
    const t = this.tracked.get(id);
    assert(t !== undefined && t.attempts.length > 0, 'withdrawal is tracked and signed');
    const last = t.attempts[t.attempts.length - 1]!;
    if (t.asset === 'BTC') await this.bumpBtc(t, last);
    else await this.bumpEth(t, last);
  }

  /**
   * Fee first (idempotent by ref), then settle: a crash between the two leaves the withdrawal
   * authorised, so the next pass posts nothing twice and settles.
   */
  private async settle(t: Tracked, paid: SignedEntry, feeMinor: bigint): Promise<void> {
    if (feeMinor > 0n) {
      const r = await this.o.engine.submit({
        type: 'ledger.post',
        ref: `netfee:${paid.txid}`,
        memo: `network fee of withdrawal ${t.id}`,
        transfers: [{ debit: `system:${t.asset}:treasury`, credit: `system:${t.asset}:hot_wallet`, amount: feeMinor }],
      });
      if (!r.ok) this.o.alerts.raise({ kind: 'FEE_UNPOSTED', asset: t.asset, atMs: this.o.clock(), message: 'network fee not posted', details: { withdrawalId: t.id, txid: paid.txid, feeMinor: String(feeMinor), code: r.error?.code } });
    }
    const r = await this.o.engine.submit({ type: 'withdrawal.settle', withdrawalId: t.id, txRef: paid.txid });
    if (!r.ok) throw new CustodyError('ENGINE_REJECTED', 'settle refused', { withdrawalId: t.id, code: r.error?.code });
    t.progress = 'settled';
  }
}

function hexBytes(h: string): Uint8Array {
  return Uint8Array.from(Buffer.from(h, 'hex'));
}

/** Confirmations of a transaction: undefined unknown to the node, 0 in the mempool. */
export async function btcConfirmations(rpc: btc.BtcRpc, txid: string): Promise<number | undefined> {
  try {
    const tx = await rpc.getRawTransaction(txid);
    return tx.confirmations ?? 0;
  } catch (e) {
    if (e instanceof btc.BtcChainError && e.details.rpcCode === -5) return undefined;
    throw e;
  }
}

/** Node fee estimate in sat/vB (rounded up), 1 sat/vB when the node has none (fresh regtest). */
export async function btcFeeRate(rpc: btc.BtcRpc, confTarget: number): Promise<bigint> {
  const est = await rpc.estimateSmartFee(confTarget);
  return est.feeRateSatPerKvB === undefined ? 1n : btc.feeRateFromKvB(est.feeRateSatPerKvB);
}
