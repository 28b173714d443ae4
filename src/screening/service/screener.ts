import type * as eth from '../../chains/eth/index.ts';
import type { DepositRecord, DepositScreener } from '../../custody/deposits.ts';
import { type CaseAuthority, type CaseEvidence, evidenceFromTrace, openCase } from '../cases.ts';
import { ScreeningError } from '../errors.ts';
import { DEFAULT_SCREENING_POLICY, type DepositVerdict, type ScreeningPolicy, screenDeposit, screenWithdrawal } from '../policy.ts';
import { type BtcTxSource, type EthTxSource, type ExposureModel, type TraceOptions, type TraceResult, TraceCache, traceBtcDeposit, traceEthAddress, traceEthDeposit, traceToJson } from '../trace.ts';
import type { ScreeningStore } from './store.ts';

/** The actor recorded on cases the screening service opens by itself. */
export const SCREENING_ACTOR = 'system:screening';
/** Authority for system-opened cases only; staff transitions use the caller's authority. */
export const SYSTEM_AUTHORITY: CaseAuthority = { isComplianceStaff: (a) => a === SCREENING_ACTOR };

export interface ScreenerOptions {
  readonly store: ScreeningStore;
  readonly clock: () => number;
  readonly policy?: ScreeningPolicy;
  readonly trace?: Omit<TraceOptions, 'cache'>;
  readonly btc?: { readonly source: BtcTxSource };
  /** ETH: the source for tracing, and the client to read the deposit transaction's sender. */
  readonly eth?: { readonly source: EthTxSource; readonly client: Pick<eth.EthClient, 'getTransaction'> };
  /** Called with every verdict (metrics, logs). */
  readonly onVerdict?: (rec: Readonly<DepositRecord>, verdict: DepositVerdict, trace: TraceResult | null) => void;
}

export const depositCaseId = (ref: string): string => `dep:${ref}`;
export const withdrawalCaseId = (withdrawalId: string): string => `wd:${withdrawalId}`.slice(0, 100);
export const frozenAccountId = (userId: number, asset: string): string => `user:${userId}:${asset}:frozen`;

function emptyEvidence(reasons: readonly string[], listedSources: CaseEvidence['listedSources'] = [], trace: unknown = null): CaseEvidence {
  const zero = { exposureUnits: '0', bps: 0 };
  const exposures: Record<ExposureModel, { exposureUnits: string; bps: number }> = { poison: zero, haircut: zero, fifo: zero };
  return { trace, exposures, listedSources, verdictReasons: reasons };
}

/**
 * The custody deposit path's screener (`DepositScreener` of src/custody/deposits.ts): traces the
 * deposit through the chain source with the persistent blocklist, applies `screenDeposit`, and
 * opens a compliance case (once per deposit ref) when listed exposure froze it. A source failure
 * is "untraced": `freezeWhenUntraced` (default true) freezes without a case.
 */
export class ScreeningDepositScreener implements DepositScreener {
  readonly #o: ScreenerOptions;
  readonly #cache = new TraceCache();

  constructor(o: ScreenerOptions) {
    this.#o = o;
  }

  async trace(rec: Readonly<DepositRecord>): Promise<TraceResult | null> {
    const list = this.#o.store.blocklist;
    const options: TraceOptions = { ...this.#o.trace, cache: this.#cache };
    try {
      if (rec.asset === 'BTC') {
        if (!this.#o.btc) return null;
        const m = /^btc:([0-9a-f]{64}):(\d+)$/.exec(rec.ref);
        if (!m) return null;
        return await traceBtcDeposit({ txid: m[1]!, vout: Number(m[2]), source: this.#o.btc.source, list, options });
      }
      if (!this.#o.eth) return null;
      const hash = rec.ref.slice('eth:'.length) as eth.Hash;
      const tx = await this.#o.eth.client.getTransaction(hash);
      if (tx === null || tx.to === null || tx.blockNumber === null) return null;
      return await traceEthDeposit({
        deposit: { hash, from: tx.from.toLowerCase(), to: tx.to.toLowerCase(), valueWei: tx.valueWei, blockNumber: Number(tx.blockNumber) },
        source: this.#o.eth.source,
        list,
        options,
      });
    } catch (e) {
      // A chain or source failure is "no trace" (policy decides); our own bugs still throw.
      if (e instanceof Error && 'code' in e) return null;
      throw e;
    }
  }

  async screen(rec: Readonly<DepositRecord>): Promise<{ frozen: boolean; caseId?: string }> {
    const trace = await this.trace(rec);
    const verdict = screenDeposit(trace, this.#o.policy ?? DEFAULT_SCREENING_POLICY);
    this.#o.onVerdict?.(rec, verdict, trace);
    if (verdict.action === 'credit_available') return { frozen: false };
    if (!verdict.caseNeeded || trace === null) return { frozen: true };
    const store = this.#o.store;
    const existing = store.caseByRef('deposit', rec.ref);
    if (existing) return { frozen: true, caseId: existing.case.id };
    const t = openCase(
      { id: depositCaseId(rec.ref), chain: rec.asset, depositRef: rec.ref, accountId: frozenAccountId(rec.userId, rec.asset), amountUnits: rec.amountMinor, evidence: evidenceFromTrace(trace, verdict) },
      { actor: SCREENING_ACTOR, atMs: this.#o.clock(), authority: SYSTEM_AUTHORITY },
    );
    store.insertCase({ kind: 'deposit', userId: rec.userId, asset: rec.asset, case: t.case }, t.audit);
    return { frozen: true, caseId: t.case.id };
  }
}

/** What the withdrawal processor knows about a withdrawal when it asks (the core's record). */
export interface WithdrawalToScreen {
  readonly id: string;
  readonly userId: number;
  readonly asset: 'BTC' | 'ETH';
  readonly destination: string;
  readonly amount: bigint;
}

/**
 * Withdrawal destination screening before signing (`WithdrawalProcessorOptions.screenDestination`).
 * A listed or malformed destination → `WITHDRAWAL_REJECTED`; a destination whose own funds are
 * exposed (ETH, traced over the source) → `WITHDRAWAL_HELD`. Either opens a case `wd:<id>` once.
 * A case a compliance officer **released** lets the same withdrawal through on the next pass.
 */
export function withdrawalScreen(o: { store: ScreeningStore; clock: () => number; policy?: ScreeningPolicy; eth?: { source: EthTxSource; client: Pick<eth.EthClient, 'blockNumber'> } }) {
  return async (w: WithdrawalToScreen): Promise<void> => {
    const existing = o.store.caseByRef('withdrawal', w.id);
    if (existing?.case.status === 'released') return;
    let exposure: TraceResult | null = null;
    if (w.asset === 'ETH' && o.eth && /^0x[0-9a-fA-F]{40}$/.test(w.destination)) {
      try {
        const tip = Number(await o.eth.client.blockNumber());
        exposure = await traceEthAddress({ address: w.destination.toLowerCase(), beforeBlock: tip + 1, source: o.eth.source, list: o.store.blocklist });
      } catch (e) {
        if (!(e instanceof Error && 'code' in e)) throw e;
      }
    }
    const v = screenWithdrawal({ chain: w.asset, address: w.destination, list: o.store.blocklist, destinationExposure: exposure }, o.policy ?? DEFAULT_SCREENING_POLICY);
    if (v.action === 'allow') return;
    const code = v.action === 'reject' ? 'WITHDRAWAL_REJECTED' : 'WITHDRAWAL_HELD';
    let caseId = existing?.case.id;
    if (existing === undefined) {
      const listedSources = v.listedEntries.map((e) => ({ source: e.source, sourceRef: e.sourceRef, reason: e.reason }));
      const evidence = exposure
        ? { ...evidenceFromTrace(exposure, { action: 'credit_frozen', caseNeeded: true, reasons: v.reasons }), listedSources: [...listedSources] }
        : emptyEvidence(
            v.reasons.map((r) => r.message),
            listedSources,
            exposure === null ? null : traceToJson(exposure),
          );
      const t = openCase(
        { id: withdrawalCaseId(w.id), chain: w.asset, depositRef: w.id, accountId: `user:${w.userId}:${w.asset}:withdrawal`, amountUnits: w.amount, evidence },
        { actor: SCREENING_ACTOR, atMs: o.clock(), authority: SYSTEM_AUTHORITY },
      );
      o.store.insertCase({ kind: 'withdrawal', userId: w.userId, asset: w.asset, case: t.case }, t.audit);
      caseId = t.case.id;
    }
    throw new ScreeningError(code, `withdrawal destination ${v.action === 'reject' ? 'rejected' : 'held'} by screening`, { withdrawalId: w.id, caseId, reasons: v.reasons.map((r) => r.code) });
  };
}
