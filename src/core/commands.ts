/**
 * Commands are the only input of the core. Each carries `ts` (milliseconds since the
 * epoch, assigned by the sequencer outside the core: the core reads no clock) and is
 * validated field by field by the core itself, so a journal written by a buggy or
 * hostile producer still cannot break an invariant.
 */
export type Command =
  | { type: 'user.open'; ts: number; userId: number }
  | {
      type: 'deposit';
      ts: number;
      userId: number;
      asset: string;
      amount: bigint;
      source: 'bank' | 'chain' | 'manual';
      /** Idempotency key: bank entry reference, `txid:vout`, or tx hash. */
      ref: string;
      /** Screening can route a deposit straight to the frozen bucket. */
      frozen?: boolean;
    }
  | {
      type: 'order.place';
      ts: number;
      userId: number;
      market: string;
      side: 'buy' | 'sell';
      kind: 'limit' | 'market';
      tif?: 'GTC' | 'IOC' | 'FOK';
      postOnly?: boolean;
      priceTicks?: number;
      qtyLots?: number;
      /** Market buy by quote amount (quote minor units). */
      quoteAmount?: bigint;
      clientOrderId?: string;
    }
  | { type: 'order.cancel'; ts: number; userId: number; orderId: number }
  | { type: 'order.cancelAll'; ts: number; userId: number; market?: string }
  | { type: 'order.amend'; ts: number; userId: number; orderId: number; priceTicks?: number; qtyLots?: number }
  | { type: 'market.status'; ts: number; market: string; status: 'open' | 'halted' | 'cancel-only' }
  | {
      type: 'withdrawal.request';
      ts: number;
      withdrawalId: string;
      userId: number;
      asset: string;
      /** What the customer receives. */
      amount: bigint;
      /** The exchange's withdrawal fee, held with the amount. */
      fee: bigint;
      destination: string;
    }
  | { type: 'withdrawal.authorize'; ts: number; withdrawalId: string }
  | { type: 'withdrawal.settle'; ts: number; withdrawalId: string; txRef: string }
  | { type: 'withdrawal.cancel'; ts: number; withdrawalId: string; reason: string }
  | { type: 'withdrawals.pause'; ts: number; asset: string | null; paused: boolean; reason: string }
  | {
      type: 'ledger.post';
      ts: number;
      ref: string;
      memo: string;
      /** Accounts by key: 'system:BTC:hot_wallet', 'user:7:AED:available'. */
      transfers: ReadonlyArray<{ debit: string; credit: string; amount: bigint }>;
    }
  | { type: 'funds.freeze'; ts: number; userId: number; asset: string; amount: bigint; ref: string }
  | { type: 'funds.unfreeze'; ts: number; userId: number; asset: string; amount: bigint; ref: string };

export type CommandType = Command['type'];
