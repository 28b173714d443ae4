import type { ExternalRisk } from './risk/score.ts';
import type { WithdrawalPolicy } from './risk/policy.ts';

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
      // What the API attests (it verified these before submitting; the core records and checks them):
      /** Id of the confirmation (e-mail link token); each id authorises one withdrawal only. */
      confirmationId: string;
      /** A fresh RFC 6238 TOTP code was verified (and its time step not reused). */
      confirmedTotp: boolean;
      /** The customer clicked the e-mailed confirmation link. */
      emailConfirmed: boolean;
      /** When the API verified both (ms); must be within policy.confirmationTtlMs of `ts`. */
      confirmedTs: number;
      via: 'session' | 'api_key';
      /** With via 'api_key': the key has the withdraw permission, and the request's IP is on the key's allowlist. */
      apiKeyHasWithdrawPerm?: boolean;
      ipAllowlisted?: boolean;
      /** Risk parts computed outside the core (new device or IP, destination screening). */
      externalRisk?: ExternalRisk;
    }
  /** Four-eyes review of a held withdrawal; staffId comes from the trusted staff directory, never the request. */
  | { type: 'withdrawal.review'; ts: number; withdrawalId: string; staffId: string; decision: 'approve' | 'reject' }
  /** Saves a destination; usable after the policy's cooling-off. AED destinations are IBANs the bank side verified as the customer's own. */
  | { type: 'addressBook.add'; ts: number; userId: number; asset: string; destination: string; label: string; ownerVerified?: boolean }
  | { type: 'addressBook.remove'; ts: number; userId: number; asset: string; destination: string }
  | { type: 'security.changed'; ts: number; userId: number; kind: 'password_reset' | '2fa_change' | 'api_key_created' }
  /** KYC tier (index into policy.tiers); 0 = unverified, the default. */
  | { type: 'user.tier'; ts: number; userId: number; tier: number }
  /** "This wasn't me": blocks every withdrawal of the account until staff unlock it. */
  | { type: 'account.lock'; ts: number; userId: number; reason: string }
  | { type: 'account.unlock'; ts: number; userId: number; staffId: string; reason: string }
  /** Fils per whole unit of each named asset (BTC: fils per 1 BTC); AED is always 100. */
  | { type: 'prices.set'; ts: number; pricesFils: Readonly<Record<string, bigint>> }
  | { type: 'withdrawalPolicy.set'; ts: number; policy: WithdrawalPolicy }
  | { type: 'withdrawal.authorize'; ts: number; withdrawalId: string }
  | { type: 'withdrawal.settle'; ts: number; withdrawalId: string; txRef: string }
  | {
      type: 'withdrawal.cancel';
      ts: number;
      withdrawalId: string;
      reason: string;
      /**
       * Required once the withdrawal is authorised (handed to a signer or the bank): the payout
       * processor attests that the payment failed and can never complete (bank rejection, intent
       * provably never signed). Without it a refund could meet a payout already in flight.
       */
      payoutFailed?: boolean;
    }
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
