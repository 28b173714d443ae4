import type { StaffActor, StaffRole } from '../identity/index.ts';
import { isStaffRole } from '../identity/index.ts';
import { assert } from '../shared/assert.ts';
import type { FourEyesDesk } from './desk.ts';
import { IncidentError } from './errors.ts';
import type { IncidentLog } from './log.ts';
import type { IncidentTrigger } from './types.ts';

/**
 * Incident lifecycle: open → contained → recovering → restored → closed. Opening is
 * automatic (a trigger with its evidence) or by staff; every later transition is by a
 * named staff member with a reason, and the ones that end the emergency (recovering,
 * restored, closed) need four-eyes. The state is a fold over the incident log, so it
 * is rebuilt exactly from the log after a restart.
 */
export type IncidentState = 'open' | 'contained' | 'recovering' | 'restored' | 'closed';
export const INCIDENT_STATES: readonly IncidentState[] = ['open', 'contained', 'recovering', 'restored', 'closed'];

const NEXT: Readonly<Record<IncidentState, IncidentState | null>> = { open: 'contained', contained: 'recovering', recovering: 'restored', restored: 'closed', closed: null };
export const FOUR_EYES_STATES: ReadonlySet<IncidentState> = new Set(['recovering', 'restored', 'closed']);
/** Who may move an incident (roles with 'incident.declare' in src/identity/roles.ts). */
export const INCIDENT_ROLES: readonly StaffRole[] = ['security', 'admin'];
/** Who may approve the four-eyes transitions. */
export const INCIDENT_APPROVER_ROLES: readonly StaffRole[] = ['security', 'compliance', 'admin'];
export const EVIDENCE_PER_INCIDENT_MAX = 10_000;
export const REASON_CHARS_MAX = 500;

export interface IncidentTransition {
  readonly from: IncidentState;
  readonly to: IncidentState;
  readonly atMs: number;
  readonly actor: string;
  readonly reason: string;
  readonly approvers: readonly string[];
  readonly logSeq: number;
}

export interface Incident {
  readonly id: string;
  state: IncidentState;
  readonly openedAtMs: number;
  readonly openedBy: string;
  readonly openLogSeq: number;
  /** The trigger that opened it, then every trigger attached later (as logged: bigints are decimal strings). */
  readonly evidence: unknown[];
  readonly source: IncidentTrigger['source'] | 'staff';
  readonly transitions: IncidentTransition[];
}

export function incidentIdOf(n: number): string {
  return `INC-${String(n).padStart(4, '0')}`;
}

export function isIncidentState(x: unknown): x is IncidentState {
  return typeof x === 'string' && (INCIDENT_STATES as readonly string[]).includes(x);
}

export class IncidentBook {
  readonly #log: IncidentLog;
  readonly #incidents = new Map<string, Incident>();

  /** Builds the book from every entry already in the log, then follows new entries. */
  constructor(log: IncidentLog) {
    this.#log = log;
    for (const e of log.entries) this.#apply(e.seq, e.atMs, e.actor, e.action, e.after);
    log.onAppend((e) => this.#apply(e.seq, e.atMs, e.actor, e.action, e.after));
  }

  get(id: string): Incident {
    const i = this.#incidents.get(id);
    if (i === undefined) throw new IncidentError('INCIDENT_UNKNOWN', 'unknown incident', { incidentId: String(id).slice(0, 64) });
    return i;
  }

  all(): Incident[] {
    return [...this.#incidents.values()];
  }

  /** The first incident not yet contained whose source is `source` (where new evidence of the same attack goes). */
  active(source: Incident['source']): Incident | undefined {
    return this.all().find((i) => i.source === source && (i.state === 'open' || i.state === 'contained'));
  }

  /** Opens an incident with its evidence. `actor` is 'system:<component>' for automatic triggers, or a staff id. */
  open(input: { trigger: IncidentTrigger | { source: 'staff'; summary: string }; atMs: number; actor: string }): Incident {
    const id = incidentIdOf(this.#incidents.size + 1);
    this.#log.append({ atMs: input.atMs, actor: input.actor, action: 'incident.open', ip: '', before: null, after: { incidentId: id, trigger: input.trigger } });
    return this.get(id);
  }

  addEvidence(id: string, trigger: IncidentTrigger, atMs: number, actor: string): void {
    const i = this.get(id);
    if (i.evidence.length >= EVIDENCE_PER_INCIDENT_MAX) throw new IncidentError('INCIDENT_TRANSITION', 'too much evidence on one incident', { max: EVIDENCE_PER_INCIDENT_MAX });
    this.#log.append({ atMs, actor, action: 'incident.evidence', ip: '', before: null, after: { incidentId: id, trigger } });
  }

  /**
   * Moves an incident one step forward. The actor's role comes from the trusted staff
   * directory. recovering / restored / closed need an approved proposal on the desk
   * for action 'incident.transition' and payload {incidentId, to}.
   */
  transition(id: string, to: IncidentState, input: { actor: StaffActor; reason: string; nowMs: number; desk?: FourEyesDesk; proposalId?: string }): Incident {
    const i = this.get(id);
    if (NEXT[i.state] !== to) throw new IncidentError('INCIDENT_TRANSITION', `cannot go from ${i.state} to ${String(to)}`, { incidentId: id, from: i.state, to: String(to) });
    if (!isStaffRole(input.actor.role) || !INCIDENT_ROLES.includes(input.actor.role)) {
      throw new IncidentError('INCIDENT_ACTOR', 'only security or admin staff move an incident', { role: String(input.actor.role) });
    }
    const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
    if (reason.length === 0 || reason.length > REASON_CHARS_MAX) throw new IncidentError('INCIDENT_TRANSITION', `a reason (1..${REASON_CHARS_MAX} characters) is required`);
    let approvers: string[] = [];
    if (FOUR_EYES_STATES.has(to)) {
      if (input.desk === undefined) throw new IncidentError('FOUR_EYES_REQUIRED', `moving to ${to} needs four-eyes`, { incidentId: id });
      const p = input.desk.consume(input.proposalId, { action: 'incident.transition', payload: { incidentId: id, to }, actorId: input.actor.id, nowMs: input.nowMs });
      approvers = p.approvals.map((a) => a.approverId);
    }
    const from = i.state;
    this.#log.append({ atMs: input.nowMs, actor: input.actor.id, action: 'incident.transition', ip: '', before: { incidentId: id, state: from }, after: { incidentId: id, from, to, reason, approvers } });
    assert(i.state === to, 'the log entry moved the incident');
    return i;
  }

  #apply(seq: number, atMs: number, actor: string, action: string, after: unknown): void {
    const a = after as Record<string, unknown> | null;
    if (a === null || typeof a !== 'object') return;
    const id = a.incidentId;
    if (typeof id !== 'string') return;
    if (action === 'incident.open') {
      const trigger = a.trigger as { source?: string };
      this.#incidents.set(id, {
        id,
        state: 'open',
        openedAtMs: atMs,
        openedBy: actor,
        openLogSeq: seq,
        evidence: [trigger],
        source: (trigger?.source ?? 'staff') as Incident['source'],
        transitions: [],
      });
    } else if (action === 'incident.evidence') {
      this.#incidents.get(id)?.evidence.push(a.trigger);
    } else if (action === 'incident.transition') {
      const i = this.#incidents.get(id);
      if (i === undefined || !isIncidentState(a.to) || !isIncidentState(a.from)) return;
      i.state = a.to;
      i.transitions.push({ from: a.from, to: a.to, atMs, actor, reason: String(a.reason), approvers: (a.approvers as string[]) ?? [], logSeq: seq });
    }
  }
}
