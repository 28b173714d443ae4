import type { Transfer } from './ledger/ledger.ts';

/**
 * What the core says happened. Events are the only output of the core: read models,
 * market data, notifications and side effects (signing, payouts) are all driven by them.
 * Amounts are bigint minor units; prices in ticks and quantities in lots of the market.
 */
export type OrderDoneReason = 'filled' | 'canceled' | 'expired' | 'stp';

export type CoreEvent =
  | { type: 'user.opened'; userId: number }
  | { type: 'deposit.credited'; userId: number; asset: string; amount: bigint; source: 'bank' | 'chain' | 'manual'; ref: string; bucket: 'available' | 'frozen' }
  | {
      type: 'order.accepted';
      orderId: number;
      userId: number;
      market: string;
      side: 'buy' | 'sell';
      kind: 'limit' | 'market';
      tif: 'GTC' | 'IOC' | 'FOK';
      postOnly: boolean;
      priceTicks: number;
      qtyLots: number;
      quoteAmount: bigint;
      clientOrderId: string | null;
      lockedAmount: bigint;
    }
  | {
      type: 'trade';
      tradeId: number;
      market: string;
      priceTicks: number;
      qtyLots: number;
      takerSide: 'buy' | 'sell';
      makerOrderId: number;
      takerOrderId: number;
      makerUserId: number;
      takerUserId: number;
      /** Base minor units the buyer received before fee. */
      baseAmount: bigint;
      /** Quote minor units the buyer paid (rounded up, cumulatively per order). */
      buyerPaid: bigint;
      /** Quote minor units the seller received before fee (rounded down, cumulatively per order). */
      sellerGot: bigint;
      buyerFee: bigint;
      sellerFee: bigint;
    }
  | { type: 'order.done'; orderId: number; userId: number; market: string; reason: OrderDoneReason; filledLots: number; remLots: number }
  | { type: 'order.amended'; orderId: number; userId: number; market: string; priceTicks: number; remLots: number; priorityKept: boolean }
  | {
      type: 'withdrawal.requested';
      withdrawalId: string;
      userId: number;
      asset: string;
      amount: bigint;
      fee: bigint;
      destination: string;
      /** 'held' waits for four-eyes review; 'requested' is auto-approved. */
      state: 'requested' | 'held';
      /** AED equivalent of `amount`, in fils, at the price used for the limits. */
      amountFils: bigint;
      riskScore: number;
      riskReasons: string[];
      holdReasons: string[];
      confirmationId: string;
      via: 'session' | 'api_key';
    }
  | { type: 'withdrawal.reviewed'; withdrawalId: string; staffId: string; decision: 'approve' | 'reject'; approvals: number; approvalsRequired: number }
  | { type: 'withdrawal.approved'; withdrawalId: string; staffIds: string[] }
  | { type: 'addressBook.added'; userId: number; asset: string; destination: string; label: string; usableFromTs: number }
  | { type: 'addressBook.removed'; userId: number; asset: string; destination: string }
  | { type: 'security.changed'; userId: number; kind: 'password_reset' | '2fa_change' | 'api_key_created'; lockedUntilTs: number }
  | { type: 'user.tier'; userId: number; tier: number }
  | { type: 'account.locked'; userId: number; reason: string }
  | { type: 'account.unlocked'; userId: number; staffId: string; reason: string }
  | { type: 'prices.set'; pricesFils: Record<string, bigint> }
  | { type: 'withdrawalPolicy.set'; policyJson: string }
  | { type: 'withdrawal.authorized'; withdrawalId: string }
  | { type: 'withdrawal.settled'; withdrawalId: string; userId: number; asset: string; amount: bigint; fee: bigint; txRef: string }
  | { type: 'withdrawal.cancelled'; withdrawalId: string; userId: number; asset: string; amount: bigint; reason: string }
  | { type: 'withdrawals.paused'; asset: string | null; paused: boolean; reason: string }
  | { type: 'market.status'; market: string; status: 'open' | 'halted' | 'cancel-only' }
  | { type: 'ledger.posted'; ref: string; memo: string }
  | { type: 'funds.frozen'; userId: number; asset: string; amount: bigint; ref: string }
  | { type: 'funds.unfrozen'; userId: number; asset: string; amount: bigint; ref: string };

/** The outcome of one command. A rejected command carries its error and no events or transfers. */
export interface CommandResult {
  readonly seq: number;
  readonly ok: boolean;
  readonly events: CoreEvent[];
  readonly transfers: Transfer[];
  readonly error?: { code: string; message: string; details: Readonly<Record<string, unknown>> };
  /** True when an idempotency key matched an earlier command: nothing changed. */
  readonly duplicate?: boolean;
  /** With `duplicate`: the sequence number of the command that first used the key. */
  readonly firstSeq?: number;
  /** Ids the command created (order id), for the caller's acknowledgement. */
  readonly orderId?: number;
}
