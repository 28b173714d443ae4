import { approve, markExecuted, type Proposal, payloadHashOf, propose, reject, type StaffActor, type StaffRole, type Transition } from '../identity/index.ts';
import { canonicalJson } from '../identity/index.ts';
import { IncidentError } from './errors.ts';
import type { IncidentLog } from './log.ts';

/** Bound on proposals kept in memory. */
export const PROPOSALS_MAX = 10_000;

/**
 * Four-eyes for incident actions (state transitions, restore phases, key rotation,
 * treasury cover, haircut): the identity domain's maker–checker proposals, each
 * transition appended to the incident log with its payload, so the report shows who
 * proposed, who approved and exactly what they approved. A proposal is consumed once.
 * Pending proposals live in memory: after a restart they are proposed again.
 */
export class FourEyesDesk {
  readonly #log: IncidentLog;
  readonly #proposals = new Map<string, Proposal>();

  constructor(log: IncidentLog) {
    this.#log = log;
  }

  get(id: string): Proposal | undefined {
    return this.#proposals.get(id);
  }

  propose(input: { id: string; action: string; payload: unknown; proposer: StaffActor; allowedRoles: readonly StaffRole[]; nowMs: number; requiredApprovals?: number }): Proposal {
    if (this.#proposals.has(input.id)) throw new IncidentError('FOUR_EYES_MISMATCH', 'proposal id in use', { id: input.id });
    if (this.#proposals.size >= PROPOSALS_MAX) throw new IncidentError('FOUR_EYES_MISMATCH', 'too many proposals', { max: PROPOSALS_MAX });
    const t = propose({ ...input, requiredApprovals: input.requiredApprovals ?? 1 });
    return this.#record(t);
  }

  approve(id: string, input: { approver: StaffActor; seenPayloadHash: string; nowMs: number }): Proposal {
    return this.#record(approve(this.#must(id), input));
  }

  reject(id: string, input: { actor: StaffActor; reason: string; nowMs: number }): Proposal {
    return this.#record(reject(this.#must(id), input));
  }

  /**
   * Consumes an approved proposal for exactly this action and payload (the approvers
   * approved the payload's hash). Throws FOUR_EYES_REQUIRED when missing or not
   * executable, FOUR_EYES_MISMATCH when it approves something else.
   */
  consume(id: string | undefined, input: { action: string; payload: unknown; actorId: string; nowMs: number }): Proposal {
    const p = id === undefined ? undefined : this.#proposals.get(id);
    if (p === undefined) throw new IncidentError('FOUR_EYES_REQUIRED', `${input.action} needs an approved four-eyes proposal`, { proposalId: id ?? null });
    if (p.action !== input.action || p.payloadHash !== payloadHashOf(input.payload)) {
      throw new IncidentError('FOUR_EYES_MISMATCH', 'the proposal approves a different action or payload', { proposalId: id, action: p.action });
    }
    try {
      return this.#record(markExecuted(p, { actorId: input.actorId, nowMs: input.nowMs }));
    } catch (e) {
      throw new IncidentError('FOUR_EYES_REQUIRED', `${input.action} lacks valid approvals`, { proposalId: id, cause: (e as { code?: string }).code ?? 'UNKNOWN' });
    }
  }

  #must(id: string): Proposal {
    const p = this.#proposals.get(id);
    if (p === undefined) throw new IncidentError('FOUR_EYES_REQUIRED', 'unknown proposal', { proposalId: id });
    return p;
  }

  #record(t: Transition): Proposal {
    const after = { ...(t.audit.after as Record<string, unknown>), payload: JSON.parse(canonicalJson(t.proposal.payload)) };
    this.#log.append({ ...t.audit, after });
    this.#proposals.set(t.proposal.id, t.proposal);
    return t.proposal;
  }
}

export { payloadHashOf };
