import type { ExchangeCore } from '../core/exchange.ts';
import type { WithdrawalPolicy } from '../core/risk/policy.ts';
import type { StaffActor } from '../identity/index.ts';
import { assert } from '../shared/assert.ts';
import type { FourEyesDesk } from './desk.ts';
import { IncidentError } from './errors.ts';
import type { IncidentLog } from './log.ts';
import type { EngineLike } from './responder.ts';
import type { SignerControl } from './types.ts';

/**
 * Phased restoration: (1) deposits and balances visible, (2) trading, (3a) withdrawals
 * under lower limits with every withdrawal reviewed by staff, (3b) normal withdrawals.
 * Each phase has a checklist every item of which a staff member ticks (with a note),
 * and is entered only with an approved four-eyes proposal ('incident.restore_phase',
 * payload {incidentId, phase}). Withdrawals queued before the freeze were never
 * dropped (the pause only stops authorisation): in 3a each is reviewed, then authorised
 * in the order it was requested; a rejection cancels it explicitly (funds return to
 * the customer's available balance), it never disappears.
 */
export type Phase = 'balances' | 'trading' | 'withdrawals_limited' | 'withdrawals_normal';
export const PHASES: readonly Phase[] = ['balances', 'trading', 'withdrawals_limited', 'withdrawals_normal'];

export const PHASE_CHECKLISTS: Readonly<Record<Phase, readonly string[]>> = {
  balances: ['loss recorded and equal to the chain', 'reserve ratio >= 100% per asset (or claims posted)', 'compromised keys rotated, old addresses retired', 'customer notices sent'],
  trading: ['order books reviewed for orders from compromised sessions', 'price feeds fresh', 'market makers informed'],
  withdrawals_limited: ['signer running on the new keys', 'intent registry covers the new addresses', 'queued withdrawals listed for review'],
  withdrawals_normal: ['every queued withdrawal reviewed and processed', 'no unmatched outflow since withdrawals reopened', 'proof of reserves published'],
};

export const RESTORE_APPROVER_ROLES = ['security', 'compliance', 'treasury', 'admin'] as const;

/** Lower limits and manual review for phase 3a: platform limits ÷ `divisor`, every new withdrawal held for four-eyes. */
export function limitedPolicy(p: WithdrawalPolicy, divisor = 10n): WithdrawalPolicy {
  const div = (t: Readonly<Record<string, bigint>>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v / divisor]));
  return { ...p, platformHourlyByAsset: div(p.platformHourlyByAsset), platformDailyByAsset: div(p.platformDailyByAsset), fourEyesFils: 0n };
}

export interface QueuedWithdrawal {
  readonly withdrawalId: string;
  readonly userId: number;
  readonly asset: string;
  readonly amount: bigint;
  readonly requestedTs: number;
  readonly state: string;
}

/** Withdrawals waiting in the core, in the order they were requested (ties by id). */
export function queuedWithdrawals(core: ExchangeCore): QueuedWithdrawal[] {
  return [...core.withdrawals.values()]
    .map((w) => ({ withdrawalId: w.id, userId: w.userId, asset: w.asset, amount: w.amount, requestedTs: w.requestedTs, state: w.state }))
    .sort((a, b) => a.requestedTs - b.requestedTs || (a.withdrawalId < b.withdrawalId ? -1 : a.withdrawalId > b.withdrawalId ? 1 : 0));
}

export interface PhaseRecord {
  readonly phase: Phase;
  readonly enteredAtMs: number;
  readonly enteredBy: string;
  readonly approvers: readonly string[];
  readonly journalSeqs: readonly number[];
}

export interface RestorationDeps {
  readonly engine: EngineLike & { core: ExchangeCore };
  readonly log: IncidentLog;
  readonly desk: FourEyesDesk;
  readonly signer: SignerControl;
  readonly incidentId: string;
  /** Markets reopened in phase 2 (default: every market of the core). */
  readonly markets?: readonly string[];
}

export class Restoration {
  readonly #d: RestorationDeps;
  readonly #ticks = new Map<Phase, Map<string, { by: string; note: string; atMs: number }>>();
  readonly entered: PhaseRecord[] = [];
  /** Pre-freeze queue snapshot taken when 3a is entered, and each one's review. */
  readonly queue: QueuedWithdrawal[] = [];
  readonly reviews = new Map<string, { decision: 'approve' | 'reject'; by: string; atMs: number; processed: boolean }>();
  #normalPolicy: WithdrawalPolicy | null = null;

  constructor(deps: RestorationDeps) {
    this.#d = deps;
    for (const p of PHASES) this.#ticks.set(p, new Map());
  }

  get current(): Phase | null {
    return this.entered[this.entered.length - 1]?.phase ?? null;
  }

  /** Ticks one checklist item. */
  check(phase: Phase, item: string, actor: StaffActor, note: string, nowMs: number): void {
    const items = PHASE_CHECKLISTS[phase];
    if (items === undefined || !items.includes(item)) throw new IncidentError('PHASE_CHECKLIST', 'no such checklist item', { phase: String(phase), item: String(item).slice(0, 80) });
    if (typeof note !== 'string' || note.trim().length === 0 || note.length > 500) throw new IncidentError('PHASE_CHECKLIST', 'a note (1..500 characters) is required');
    this.#ticks.get(phase)!.set(item, { by: actor.id, note, atMs: nowMs });
    this.#d.log.append({ atMs: nowMs, actor: actor.id, action: 'incident.checklist', ip: '', before: null, after: { incidentId: this.#d.incidentId, phase, item, note } });
  }

  missing(phase: Phase): string[] {
    const ticked = this.#ticks.get(phase)!;
    return PHASE_CHECKLISTS[phase].filter((i) => !ticked.has(i));
  }

  /** Enters the next phase: in order, checklist complete, four-eyes approved. Then applies its effect through the engine. */
  async enter(phase: Phase, auth: { actor: StaffActor; proposalId: string; nowMs: number; policy?: WithdrawalPolicy }): Promise<PhaseRecord> {
    const want = PHASES[this.entered.length];
    if (phase !== want) throw new IncidentError('PHASE_ORDER', `the next phase is ${want ?? 'none'}`, { phase: String(phase) });
    const missing = this.missing(phase);
    if (missing.length > 0) throw new IncidentError('PHASE_CHECKLIST', 'checklist incomplete', { phase, missing });
    if (phase === 'withdrawals_normal') {
      const open = this.queue.filter((q) => !this.reviews.get(q.withdrawalId)?.processed);
      if (open.length > 0) throw new IncidentError('PHASE_CHECKLIST', 'queued withdrawals not yet processed', { count: open.length });
    }
    const p = this.#d.desk.consume(auth.proposalId, { action: 'incident.restore_phase', payload: { incidentId: this.#d.incidentId, phase }, actorId: auth.actor.id, nowMs: auth.nowMs });
    const approvers = p.approvals.map((a) => a.approverId);
    const seqs: number[] = [];
    const core = this.#d.engine.core;
    const submit = async (s: Parameters<EngineLike['submit']>[0]) => {
      const r = await this.#d.engine.submit(s);
      if (!r.ok) throw new IncidentError('LEDGER_REJECTED', `the core refused ${s.type}`, { code: r.error?.code, message: r.error?.message });
      seqs.push(r.seq);
    };
    if (phase === 'trading') {
      for (const m of this.#d.markets ?? core.markets.map((x) => x.symbol)) await submit({ type: 'market.status', market: m, status: 'open' });
    } else if (phase === 'withdrawals_limited') {
      this.#normalPolicy = core.controls.policy;
      await submit({ type: 'withdrawalPolicy.set', policy: auth.policy ?? limitedPolicy(core.controls.policy) });
      this.queue.push(...queuedWithdrawals(core));
      // Resume the signer before lifting the pause: nothing can be authorised before it.
      await this.#d.signer.resume(this.#d.incidentId, approvers);
      for (const [key, reason] of [...core.withdrawalsPaused]) {
        if (reason === `incident:${this.#d.incidentId}`) await submit({ type: 'withdrawals.pause', asset: key === '*' ? null : key, paused: false, reason: `incident:${this.#d.incidentId}:restore` });
      }
    } else if (phase === 'withdrawals_normal') {
      await submit({ type: 'withdrawalPolicy.set', policy: auth.policy ?? this.#normalPolicy ?? core.controls.policy });
    }
    const rec: PhaseRecord = { phase, enteredAtMs: auth.nowMs, enteredBy: auth.actor.id, approvers, journalSeqs: seqs };
    this.entered.push(rec);
    this.#d.log.append({
      atMs: auth.nowMs,
      actor: auth.actor.id,
      action: 'incident.phase_entered',
      ip: '',
      before: null,
      after: { incidentId: this.#d.incidentId, phase, approvers, proposerId: p.proposerId, journalSeqs: seqs, queued: phase === 'withdrawals_limited' ? this.queue.map((q) => q.withdrawalId) : [] },
    });
    return rec;
  }

  /** Phase 3a: one staff review per queued withdrawal. */
  review(withdrawalId: string, decision: 'approve' | 'reject', actor: StaffActor, nowMs: number): void {
    if (this.current !== 'withdrawals_limited') throw new IncidentError('PHASE_ORDER', 'queued withdrawals are reviewed in the limited-withdrawals phase');
    if (!this.queue.some((q) => q.withdrawalId === withdrawalId)) throw new IncidentError('PHASE_CHECKLIST', 'not a queued withdrawal', { withdrawalId });
    if (this.reviews.has(withdrawalId)) throw new IncidentError('PHASE_CHECKLIST', 'already reviewed', { withdrawalId });
    this.reviews.set(withdrawalId, { decision, by: actor.id, atMs: nowMs, processed: false });
    this.#d.log.append({ atMs: nowMs, actor: actor.id, action: 'incident.withdrawal_reviewed', ip: '', before: null, after: { incidentId: this.#d.incidentId, withdrawalId, decision } });
  }

  /**
   * Processes reviewed withdrawals strictly in queue order, stopping at the first one not
   * yet reviewed: approved → `withdrawal.authorize` (custody signs and settles it),
   * rejected → `withdrawal.cancel` with the reason. Returns the ids processed.
   */
  async processReviewed(): Promise<string[]> {
    const done: string[] = [];
    for (const q of this.queue) {
      const r = this.reviews.get(q.withdrawalId);
      if (r === undefined) break;
      if (r.processed) continue;
      const w = this.#d.engine.core.withdrawals.get(q.withdrawalId);
      if (w !== undefined && (w.state === 'requested' || w.state === 'approved')) {
        const res =
          r.decision === 'approve'
            ? await this.#d.engine.submit({ type: 'withdrawal.authorize', withdrawalId: q.withdrawalId })
            : await this.#d.engine.submit({ type: 'withdrawal.cancel', withdrawalId: q.withdrawalId, reason: `incident review rejected by ${r.by}` });
        if (!res.ok) throw new IncidentError('LEDGER_REJECTED', 'the core refused a queued withdrawal step', { withdrawalId: q.withdrawalId, code: res.error?.code, message: res.error?.message });
      }
      r.processed = true;
      done.push(q.withdrawalId);
    }
    assert(done.every((id) => this.reviews.get(id)?.processed === true), 'processed flags set');
    return done;
  }
}

/** Containment helper: halt (or cancel-only) every market while the incident is handled. */
export async function haltTrading(engine: EngineLike & { core: ExchangeCore }, status: 'halted' | 'cancel-only' = 'halted'): Promise<number[]> {
  const seqs: number[] = [];
  for (const m of engine.core.markets) {
    const r = await engine.submit({ type: 'market.status', market: m.symbol, status });
    if (!r.ok) throw new IncidentError('LEDGER_REJECTED', 'market halt refused', { market: m.symbol });
    seqs.push(r.seq);
  }
  return seqs;
}
