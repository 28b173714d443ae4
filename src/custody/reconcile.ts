import type * as eth from '../chains/eth/index.ts';
import type { ExchangeCore } from '../core/exchange.ts';
import type { AlertSink } from './alerts.ts';
import type { BtcChainView } from './btcView.ts';
import type { BtcDepositService, EthDepositService } from './deposits.ts';

export type CustodyAccount = 'hot_wallet' | 'cold_wallet' | 'deposit_wallets';
export const CUSTODY_ACCOUNTS: readonly CustodyAccount[] = ['hot_wallet', 'cold_wallet', 'deposit_wallets'];

export interface ReconcileRow {
  readonly asset: string;
  readonly account: CustodyAccount;
  /** −balance of the ledger account (asset accounts carry debit balances). */
  readonly ledgerMinor: bigint;
  readonly onChainMinor: bigint;
  /** onChain − ledger: positive = more coins than the books say, negative = coins missing. */
  readonly diffMinor: bigint;
}

/**
 * Compares on-chain holdings with the ledger's custody accounts and raises one
 * RECONCILIATION_MISMATCH per account that differs. Pure apart from the alert sink. Run it
 * when no internal move is between broadcast and posting (MoveTracker.inFlight is empty),
 * or those show as differences of exactly their amounts.
 */
export function reconcileWallets(o: { core: ExchangeCore; asset: string; onChain: Readonly<Record<CustodyAccount, bigint>>; alerts: AlertSink; clock: () => number }): ReconcileRow[] {
  const rows: ReconcileRow[] = [];
  for (const account of CUSTODY_ACCOUNTS) {
    const ledgerMinor = -o.core.ledger.balances[o.core.accountByKey(`system:${o.asset}:${account}`)]!;
    const onChainMinor = o.onChain[account];
    const row = { asset: o.asset, account, ledgerMinor, onChainMinor, diffMinor: onChainMinor - ledgerMinor };
    rows.push(row);
    if (row.diffMinor !== 0n) {
      o.alerts.raise({
        kind: 'RECONCILIATION_MISMATCH',
        asset: o.asset,
        atMs: o.clock(),
        message: `${account}: chain ${onChainMinor} vs ledger ${ledgerMinor}`,
        details: { account, ledgerMinor: String(ledgerMinor), onChainMinor: String(onChainMinor), diffMinor: String(row.diffMinor) },
      });
    }
  }
  return rows;
}

/**
 * BTC holdings by role from the view's UTXO set (outputs mined and not spent in a block).
 * Deposit outputs count only once credited: dust and not-yet-confirmed deposits are on chain
 * but not (yet) the exchange's custody in the ledger.
 */
export function btcHoldings(view: BtcChainView, deposits: BtcDepositService): Record<CustodyAccount, bigint> {
  let uncredited = 0n;
  for (const r of deposits.records.values()) if (r.state === 'dust' || r.state === 'pending') uncredited += r.amountMinor;
  return { hot_wallet: view.balanceSat('hot'), cold_wallet: view.balanceSat('cold'), deposit_wallets: view.balanceSat('deposit') - uncredited };
}

/** ETH holdings: balances at the latest block of hot, cold and every known deposit address, less uncredited deposits. */
export async function ethHoldings(o: { client: eth.EthClient; hotAddress: eth.EthAddress; coldAddress: eth.EthAddress; deposits: EthDepositService; userIds: readonly number[] }): Promise<Record<CustodyAccount, bigint>> {
  let deposit = 0n;
  for (const id of o.userIds) deposit += await o.client.getBalance(o.deposits.addressFor(id), 'latest');
  for (const r of o.deposits.records.values()) if (r.state === 'dust' || r.state === 'pending') deposit -= r.amountMinor;
  return { hot_wallet: await o.client.getBalance(o.hotAddress, 'latest'), cold_wallet: await o.client.getBalance(o.coldAddress, 'latest'), deposit_wallets: deposit };
}
