/**
 * What custody tells the incident module. Custody never decides an incident alone: it raises
 * a typed event with the facts, and the incident module (runbooks, paging, withdrawal pause)
 * consumes it.
 */
export type AlertKind =
  /** A block holding an already-credited deposit left the chain (reorg deeper than the confirmations). */
  | 'DEPOSIT_REORGED_AFTER_CREDIT'
  /** On-chain holdings differ from the ledger's custody account. */
  | 'RECONCILIATION_MISMATCH'
  /** A withdrawal's nonce or inputs were consumed by a transaction the signer never signed for it. */
  | 'WITHDRAWAL_CONFLICT'
  /** The signer refused a withdrawal intent (policy, limit, blocklist): it stays authorised, unpaid. */
  | 'SIGNER_REFUSED'
  /** A network fee could not be posted to the ledger (treasury too small). */
  | 'FEE_UNPOSTED'
  /** Hot wallet above its cap and the sweep to cold failed. */
  | 'HOT_OVER_CAP';

export interface CustodyAlert {
  readonly kind: AlertKind;
  readonly asset: string;
  readonly atMs: number;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AlertSink {
  raise(alert: CustodyAlert): void;
}

/** Keeps alerts in memory (tests, and the dev server until the incident module is wired). */
export class MemoryAlertSink implements AlertSink {
  readonly alerts: CustodyAlert[] = [];
  raise(alert: CustodyAlert): void {
    // Bounded: an alert storm must not exhaust memory; the newest are kept.
    if (this.alerts.length >= 10_000) this.alerts.shift();
    this.alerts.push(alert);
  }
  of(kind: AlertKind): CustodyAlert[] {
    return this.alerts.filter((a) => a.kind === kind);
  }
}
