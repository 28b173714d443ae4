import { createHash } from 'node:crypto';
import type { ExchangeCore } from './exchange.ts';

/**
 * SHA-256 over a canonical text encoding of everything that defines the core's state:
 * counters, every balance (by account id, which is creation order), every resting
 * order in book order (price-time priority is state), holds, pending withdrawals,
 * pauses, market statuses, idempotency keys, and the withdrawal controls (policy,
 * prices, address books, locks, tiers, rolling outflow windows, consumed confirmations). Two cores that applied the same
 * commands have the same hash on any machine; a restored snapshot must match too.
 */
export function stateHash(core: ExchangeCore): string {
  const h = createHash('sha256');
  const line = (s: string) => h.update(s + '\n');
  line(`rampart-state-v1 seq=${core.seq} ts=${core.lastTs} nextOrder=${core.nextOrderId} trades=${core.tradeSeq}`);
  const { ledger } = core;
  for (const meta of ledger.accounts) line(`a ${meta.id} ${meta.userId} ${meta.asset} ${meta.bucket} ${ledger.balances[meta.id]}`);
  for (const m of core.markets) {
    line(`m ${m.symbol} ${m.status}`);
    for (const o of m.book.orders()) {
      line(`o ${o.id} ${o.userId} ${o.side} ${o.priceTicks} ${o.remLots} ${o.origLots} ${o.filledLots} ${o.cumLotTicks} ${o.lockedAmount} ${o.tif} ${o.postOnly ? 1 : 0} ${o.createdTs} ${JSON.stringify(o.clientOrderId)}`);
    }
  }
  for (const id of [...ledger.holds.keys()].sort()) {
    const x = ledger.holds.get(id)!;
    line(`h ${JSON.stringify(id)} ${x.userId} ${x.asset} ${x.bucket} ${x.amount}`);
  }
  for (const id of [...core.withdrawals.keys()].sort()) {
    const w = core.withdrawals.get(id)!;
    line(`w ${JSON.stringify(id)} ${w.userId} ${w.asset} ${w.amount} ${w.fee} ${JSON.stringify(w.destination)} ${w.state} ${w.requestedTs} ${w.amountFils} ${w.riskScore} ${JSON.stringify(w.approvals)}`);
  }
  for (const k of [...core.withdrawalsPaused.keys()].sort()) line(`p ${k} ${JSON.stringify(core.withdrawalsPaused.get(k))}`);
  for (const k of [...core.idempotent.keys()].sort()) {
    const r = core.idempotent.get(k)!;
    line(`i ${JSON.stringify(k)} ${r.seq} ${r.orderId ?? ''}`);
  }
  for (const l of core.controls.hashLines()) line(l);
  return h.digest('hex');
}
