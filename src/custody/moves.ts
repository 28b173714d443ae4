import type * as eth from '../chains/eth/index.ts';
import type * as btc from '../chains/btc/index.ts';
import type { Engine } from '../engine/engine.ts';
import type { AlertSink } from './alerts.ts';
import { CustodyError } from './errors.ts';
import { btcConfirmations } from './withdrawals.ts';

/**
 * An internal move (sweep, hot→cold, cold→hot refill) waiting for its confirmation before it is
 * recorded in the ledger. The ledger entry is a core-authorised `ledger.post` with ref
 * `<kind>:<txid>` (idempotent), moving `amountMinor` from → to; the network fee is paid by the
 * operator: treasury is debited and the source wallet credited (its coins left the chain).
 */
export interface InternalMove {
  readonly kind: 'sweep' | 'tocold' | 'refill';
  readonly asset: 'BTC' | 'ETH';
  readonly txid: string;
  /** System account names (hot_wallet, cold_wallet, deposit_wallets). */
  readonly from: string;
  readonly to: string;
  readonly amountMinor: bigint;
  /** BTC: known when signed; ETH: taken from the receipt (gasUsed × effectiveGasPrice). */
  readonly feeMinor?: bigint;
}

export interface MoveChains {
  readonly btcRpc?: btc.BtcRpc;
  readonly ethClient?: eth.EthClient;
}

/** The ledger entry of a confirmed move. Exported for reconciliation and tests. */
export function moveTransfers(m: InternalMove, feeMinor: bigint): Array<{ debit: string; credit: string; amount: bigint }> {
  const a = m.asset;
  const out = [{ debit: `system:${a}:${m.to}`, credit: `system:${a}:${m.from}`, amount: m.amountMinor }];
  if (feeMinor > 0n) out.push({ debit: `system:${a}:treasury`, credit: `system:${a}:${m.from}`, amount: feeMinor });
  return out;
}

export class MoveTracker {
  private readonly pending = new Map<string, InternalMove>();
  private readonly o: { engine: Pick<Engine, 'submit'>; chains: MoveChains; alerts: AlertSink; clock: () => number; confirmations: number };

  constructor(o: { engine: Pick<Engine, 'submit'>; chains: MoveChains; alerts: AlertSink; clock: () => number; confirmations?: number }) {
    this.o = { ...o, confirmations: o.confirmations ?? 1 };
  }

  /** Moves broadcast but not yet posted, to persist; `restore` puts them back after a restart. */
  exportState(): InternalMove[] {
    return this.inFlight;
  }

  restore(moves: readonly InternalMove[]): void {
    for (const m of moves) this.add(m);
  }

  add(m: InternalMove): void {
    this.pending.set(`${m.kind}:${m.txid}`, m);
  }

  get inFlight(): InternalMove[] {
    return [...this.pending.values()];
  }

  /** Posts every move that has its confirmations; returns the refs posted. */
  async settle(): Promise<string[]> {
    const posted: string[] = [];
    for (const [ref, m] of this.pending) {
      let fee: bigint | undefined;
      if (m.asset === 'BTC') {
        const c = await btcConfirmations(this.o.chains.btcRpc!, m.txid);
        if (c === undefined || c < this.o.confirmations) continue;
        fee = m.feeMinor ?? 0n;
      } else {
        const client = this.o.chains.ethClient!;
        const r = await client.getReceipt(m.txid as eth.Hash);
        if (r === null || (await client.blockNumber()) - r.blockNumber + 1n < BigInt(this.o.confirmations)) continue;
        fee = r.feePaidWei;
      }
      const res = await this.o.engine.submit({ type: 'ledger.post', ref, memo: `${m.kind} ${m.asset} ${m.from}→${m.to}`, transfers: moveTransfers(m, fee) });
      if (!res.ok) {
        this.o.alerts.raise({ kind: 'FEE_UNPOSTED', asset: m.asset, atMs: this.o.clock(), message: 'internal move not posted', details: { ref, code: res.error?.code } });
        throw new CustodyError('ENGINE_REJECTED', 'ledger.post of an internal move refused', { ref, code: res.error?.code });
      }
      this.pending.delete(ref);
      posted.push(ref);
    }
    return posted;
  }
}
