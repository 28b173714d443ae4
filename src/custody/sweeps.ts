import { bytesToHex } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type * as eth from '../chains/eth/index.ts';
import { BtcChainView } from './btcView.ts';
import type { BtcDepositService, EthDepositService } from './deposits.ts';
import type { MoveTracker } from './moves.ts';
import type { Signer } from './signer/client.ts';
import { btcFeeRate } from './withdrawals.ts';

/** Bound on the deposit UTXOs consolidated by one sweep transaction. */
export const SWEEP_INPUTS_MAX = 200;

/**
 * Consolidates credited BTC deposits into the hot wallet: one transaction spending the credited
 * deposit outputs (never uncredited ones: those are not in the ledger's deposit_wallets yet),
 * paying the hot receive address. The sweep id is a hash of the outpoints, so a crash and retry
 * asks the signer for the same sweep and gets the logged transaction back.
 */
export async function sweepBtcDeposits(o: { view: BtcChainView; deposits: BtcDepositService; signer: Signer; moves: MoveTracker; feeConfTarget?: number }): Promise<string | undefined> {
  const credited = new Set([...o.deposits.records.values()].filter((r) => r.state === 'credited').map((r) => r.ref));
  const utxos = o.view
    .unspent('deposit', 1)
    .filter((u) => credited.has(`btc:${u.txid}:${u.vout}`))
    .slice(0, SWEEP_INPUTS_MAX);
  if (utxos.length === 0) return undefined;
  const sweepId = `btc-${bytesToHex(sha256(new TextEncoder().encode(utxos.map((u) => `${u.txid}:${u.vout}`).join(',')))).slice(0, 40)}`;
  const entry = await o.signer.sweep({ sweepId, asset: 'BTC', btc: { utxos: utxos.map(BtcChainView.ownUtxo), feeRateSatPerVb: await btcFeeRate(o.view.rpc, o.feeConfTarget ?? 6) } });
  try {
    await o.view.rpc.sendRawTransaction(entry.hex);
  } catch (e) {
    if ((e as { details?: { rpcCode?: number } }).details?.rpcCode !== -27) throw e;
  }
  o.view.reserve(entry.btc!.inputs, entry.txid);
  o.moves.add({ kind: 'sweep', asset: 'BTC', txid: entry.txid, from: 'deposit_wallets', to: 'hot_wallet', amountMinor: entry.amountMinor, feeMinor: entry.feeMinor });
  return entry.txid;
}

/**
 * Sweeps each ETH deposit address holding credited, not yet swept deposits into the hot wallet.
 * Native ETH pays its own gas: the sweep sends exactly the credited amount less the exact fee
 * (tip = maxFee, see planSweep), so no gas top-up from hot is needed; uncredited dust stays on
 * the address (recorded; reconciliation knows it). Token deposits, which would need a top-up,
 * are not supported.
 */
export async function sweepEthDeposits(o: { client: eth.EthClient; deposits: EthDepositService; signer: Signer; moves: MoveTracker; priorityFeeWei?: bigint }): Promise<string[]> {
  const byUser = new Map<number, { sum: bigint; refs: string[] }>();
  for (const r of o.deposits.records.values()) {
    if (r.state !== 'credited' || r.swept === true) continue;
    const x = byUser.get(r.userId) ?? { sum: 0n, refs: [] };
    x.sum += r.amountMinor;
    x.refs.push(r.ref);
    byUser.set(r.userId, x);
  }
  const sent: string[] = [];
  for (const [userId, { sum, refs }] of byUser) {
    const address = o.deposits.addressFor(userId);
    const [latest, pending] = [await o.client.getNonce(address, 'latest'), await o.client.getNonce(address, 'pending')];
    if (latest !== pending) continue; // a sweep of this address is in flight
    const block = await o.client.getBlock('latest');
    const baseFee = block?.baseFeePerGasWei ?? 1_000_000_000n;
    const entry = await o.signer.sweep({
      sweepId: `eth-${userId}-${latest}`,
      asset: 'ETH',
      // EIP-1559: the next base fee is at most 12.5% above the latest.
      eth: { index: userId, nonce: latest, balanceWei: sum, baseFeeWei: baseFee + baseFee / 8n + 1n, priorityFeeWei: o.priorityFeeWei ?? 1_000_000n },
    });
    await o.client.sendRawTransaction(entry.hex as eth.Hex, entry.txid as eth.Hash);
    for (const ref of refs) {
      const r = o.deposits.records.get(ref);
      if (r) r.swept = true;
    }
    // The ledger moves the whole credited sum out of deposit_wallets: value to hot, the fee (receipt) to treasury.
    o.moves.add({ kind: 'sweep', asset: 'ETH', txid: entry.txid, from: 'deposit_wallets', to: 'hot_wallet', amountMinor: entry.amountMinor });
    sent.push(entry.txid);
  }
  return sent;
}
