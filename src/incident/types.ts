/**
 * Plain data shared by the incident modules and the services at their boundary
 * (custody implements SignerControl and CustodyControl and calls an AlertSink).
 * Amounts are bigint minor units of the chain's native asset (satoshi, wei).
 */

/** Chains whose outflows are matched; the asset is the chain's native coin of the same code. */
export type Chain = 'BTC' | 'ETH';
export const CHAINS: readonly Chain[] = ['BTC', 'ETH'];

export interface ObservedOutput {
  readonly address: string;
  readonly valueMinor: bigint;
}

/** A BTC input spending a Rampart-owned outpoint ("txid:vout"). */
export interface ObservedInput {
  readonly outpoint: string;
  readonly address: string;
  readonly valueMinor: bigint;
}

/**
 * One transaction that moves value out of a Rampart address, as a watcher saw it
 * (btc: spends of watched outpoints; eth: txs from watched addresses), in the mempool
 * or in a block. The same tx is usually observed twice (mempool, then block).
 */
export interface ObservedOutflow {
  readonly chain: Chain;
  readonly txid: string;
  /** BTC: the Rampart outpoints the tx spends (all of them, with their values). */
  readonly inputs?: readonly ObservedInput[];
  /** ETH: sender and nonce. */
  readonly from?: string;
  readonly nonce?: bigint;
  /** Every output (BTC) or the one recipient with its value (ETH). */
  readonly outputs: readonly ObservedOutput[];
  /** Network fee paid by Rampart's inputs / sender. */
  readonly feeMinor: bigint;
  /** When the node showed it (ms since epoch, the watcher's clock). */
  readonly seenAtMs: number;
  readonly where: 'mempool' | 'block';
  /** ETH: a reverted tx still burns the fee. */
  readonly status?: 'success' | 'reverted';
  /** Ledger account the coins were held in (default hot_wallet). */
  readonly custodyAccount?: 'hot_wallet' | 'cold_wallet' | 'deposit_wallets';
}

export type IntentKind = 'withdrawal' | 'sweep' | 'cold_refill' | 'rotation';

/**
 * What custody registers BEFORE broadcasting anything: the matcher's whitelist.
 * BTC: the outpoints it may spend and the payments it must make (change goes to own addresses).
 * ETH: sender + nonce and the one payment.
 */
export interface AuthorisedIntent {
  readonly id: string;
  readonly kind: IntentKind;
  readonly chain: Chain;
  /** Known txids (more may be added: RBF / fee bumps). */
  readonly txids?: readonly string[];
  readonly inputs?: readonly string[];
  readonly from?: string;
  readonly nonce?: bigint;
  /** Required payments, change excluded. */
  readonly outputs: readonly ObservedOutput[];
  /** The highest fee the signer policy allows for this intent. */
  readonly feeMaxMinor: bigint;
  /** Core withdrawal id, for withdrawals. */
  readonly withdrawalId?: string;
}

/** Addresses Rampart controls (hot, cold, deposit, change). Custody supplies it. */
export interface OwnAddresses {
  isOwn(chain: Chain, address: string): boolean;
}

/** Every source that can open an incident, with its evidence. */
export type IncidentTrigger =
  | {
      readonly source: 'unmatched_outflow';
      readonly chain: Chain;
      readonly txid: string;
      readonly reason: string;
      readonly attackerAddresses: readonly string[];
      readonly valueOutMinor: bigint;
      readonly feeMinor: bigint;
      readonly seenAtMs: number;
      readonly where: 'mempool' | 'block';
    }
  | { readonly source: 'wallet_reconciliation'; readonly asset: string; readonly ledgerMinor: bigint; readonly chainMinor: bigint; readonly differenceMinor: bigint; readonly detail?: string }
  | { readonly source: 'reserve_ratio'; readonly asset: string; readonly reservesMinor: bigint; readonly liabilitiesMinor: bigint }
  | { readonly source: 'outflow_limit'; readonly asset: string; readonly windowMs: number; readonly limitMinor: bigint; readonly attemptedMinor: bigint }
  | { readonly source: 'signer_refusals'; readonly count: number; readonly windowMs: number; readonly reasons: readonly string[] }
  | { readonly source: 'hash_chain_break'; readonly log: 'audit' | 'journal'; readonly brokenAtSeq: number; readonly reason: string }
  | { readonly source: 'staff_login_anomaly'; readonly staffId: string; readonly kind: string; readonly detail: string };

export type TriggerSource = IncidentTrigger['source'];

/**
 * Implemented by the incident responder, called by custody (reconciliation, signer
 * refusals, outflow limits), reserves, and the audit/journal verifiers. Resolves once
 * the incident is open (and frozen, when the policy freezes on that source).
 */
export interface AlertSink {
  raise(trigger: IncidentTrigger): Promise<{ incidentId: string; opened: boolean }>;
}

/** Implemented by custody's signer. `halt` must stop new signatures before it resolves. Idempotent. */
export interface SignerControl {
  halt(reason: string, incidentId: string): Promise<void> | void;
  resume(incidentId: string, approvedBy: readonly string[]): Promise<void> | void;
  isHalted(): boolean;
}

/** Price snapshot at detection: integer prices per WHOLE unit (fils per BTC, US cents per BTC). */
export interface PriceSnapshot {
  readonly atMs: number;
  readonly source: string;
  readonly aedFilsPerUnit: Readonly<Record<string, bigint>>;
  readonly usdCentsPerUnit: Readonly<Record<string, bigint>>;
}
