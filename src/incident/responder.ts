import type { CommandResult } from '../core/events.ts';
import type { Submission } from '../engine/engine.ts';
import type { Blocklist } from '../screening/index.ts';
import { type Alert, type AlertChannel, type AlertDelivery, dispatchAlert } from './alerts.ts';
import { IncidentError } from './errors.ts';
import type { IncidentBook } from './incidents.ts';
import type { IncidentLog } from './log.ts';
import { attackerOutputs, checkOutflow, type IntentRegistry, type MatchResult } from './outflowMatcher.ts';
import type { AlertSink, IncidentTrigger, ObservedOutflow, OwnAddresses, SignerControl, TriggerSource } from './types.ts';

/** The part of the Engine the incident modules use (the real Engine satisfies it). */
export interface EngineLike {
  submit(submission: Submission): Promise<CommandResult>;
}

export interface ResponderPolicy {
  /** Pause only the affected asset, or every withdrawal. */
  readonly pauseScope: 'asset' | 'all';
  /** Sources that pause withdrawals and halt the signer; the others only open and alert. */
  readonly freezeOn: ReadonlySet<TriggerSource>;
  /** Admin console base URL; the alert link is `${consoleUrl}/incidents/${id}`. */
  readonly consoleUrl: string;
}

export const DEFAULT_RESPONDER_POLICY: ResponderPolicy = {
  pauseScope: 'all',
  freezeOn: new Set<TriggerSource>(['unmatched_outflow', 'wallet_reconciliation', 'reserve_ratio', 'hash_chain_break', 'signer_refusals']),
  consoleUrl: 'http://127.0.0.1:8080/admin',
};

/** What detection measured for one unmatched outflow (ms since epoch, the responder's clock). */
export interface DetectionTiming {
  readonly incidentId: string;
  readonly chain: string;
  readonly txid: string;
  readonly seenAtMs: number;
  readonly detectedAtMs: number;
  readonly openedAtMs: number;
  readonly signerHaltedAtMs: number;
  readonly frozenAtMs: number;
  /** opened − seen: the "≤ 1 s after the node shows the tx" figure. */
  readonly detectLatencyMs: number;
  /** frozen (pause durable in the journal) − seen. */
  readonly freezeLatencyMs: number;
}

export interface UnmatchedRecord {
  readonly incidentId: string;
  /** The newest observation (a block sighting replaces the mempool one). */
  outflow: ObservedOutflow;
  readonly reason: string;
}

export const UNMATCHED_KEPT_MAX = 100_000;

export interface ResponderDeps {
  readonly engine: EngineLike;
  readonly registry: IntentRegistry;
  readonly own: OwnAddresses;
  readonly book: IncidentBook;
  readonly log: IncidentLog;
  readonly signer: SignerControl;
  readonly blocklist: Blocklist;
  readonly channels?: readonly AlertChannel[];
  readonly clock: () => number;
  readonly policy?: ResponderPolicy;
}

const SYSTEM = 'system:incident';

/**
 * The automatic first response. For each observed outflow: match it against the
 * registered intents; if it matches nothing, within the same tick open an incident,
 * halt the signer and journal `withdrawals.pause` (queued withdrawals stay queued),
 * blocklist the destinations, and alert. Also the AlertSink the other services raise
 * triggers through. Later unmatched outflows join the open incident as evidence.
 */
export class BreachResponder implements AlertSink {
  readonly #d: ResponderDeps;
  readonly #policy: ResponderPolicy;
  readonly timings: DetectionTiming[] = [];
  /** Unmatched outflows by `chain:txid` (loss.ts computes the loss from these). */
  readonly unmatched = new Map<string, UnmatchedRecord>();
  readonly deliveries: AlertDelivery[] = [];
  readonly #pending = new Set<Promise<unknown>>();
  /** Pauses submitted by this responder by scope ('*' = all), resolving when durable. */
  readonly #paused = new Map<string, Promise<{ at: number; seq: number | null }>>();
  #signerHalted = false;

  constructor(deps: ResponderDeps) {
    this.#d = deps;
    this.#policy = deps.policy ?? DEFAULT_RESPONDER_POLICY;
  }

  async observe(o: ObservedOutflow): Promise<{ match: MatchResult; incidentId?: string; timing?: DetectionTiming }> {
    checkOutflow(o);
    const match = this.#d.registry.match(o, this.#d.own);
    if (match.matched) return { match };
    const detectedAtMs = this.#d.clock();
    const key = `${o.chain}:${o.txid.toLowerCase()}`;
    const known = this.unmatched.get(key);
    if (known !== undefined) {
      // The same theft seen again (mempool → block): keep the newest sighting, nothing else to do.
      if (o.where === 'block') known.outflow = o;
      return { match, incidentId: known.incidentId };
    }
    if (this.unmatched.size >= UNMATCHED_KEPT_MAX) throw new IncidentError('OUTFLOW_INVALID', 'too many unmatched outflows tracked', { max: UNMATCHED_KEPT_MAX });
    const attackers = attackerOutputs(o, this.#d.own);
    const trigger: IncidentTrigger = {
      source: 'unmatched_outflow',
      chain: o.chain,
      txid: o.txid,
      reason: match.reason,
      attackerAddresses: attackers.map((a) => a.address),
      valueOutMinor: attackers.reduce((s, a) => s + a.valueMinor, 0n),
      feeMinor: o.feeMinor,
      seenAtMs: o.seenAtMs,
      where: o.where,
    };
    const { incidentId, opened } = this.#openOrAttach(trigger, detectedAtMs);
    this.unmatched.set(key, { incidentId, outflow: o, reason: match.reason });
    const { signerHaltedAtMs, frozenAtMs, journalSeq } = await this.#freeze(incidentId, o.chain);
    this.#blocklist(incidentId, o.chain, trigger.attackerAddresses, o.txid, detectedAtMs);
    const openedAtMs = this.#d.book.get(incidentId).openedAtMs;
    const timing: DetectionTiming = {
      incidentId,
      chain: o.chain,
      txid: o.txid,
      seenAtMs: o.seenAtMs,
      detectedAtMs,
      openedAtMs: opened ? openedAtMs : detectedAtMs,
      signerHaltedAtMs,
      frozenAtMs,
      detectLatencyMs: (opened ? openedAtMs : detectedAtMs) - o.seenAtMs,
      freezeLatencyMs: frozenAtMs - o.seenAtMs,
    };
    this.timings.push(timing);
    this.#d.log.append({ atMs: this.#d.clock(), actor: SYSTEM, action: 'incident.detected', ip: '', before: null, after: { ...timing, journalSeq } });
    this.#alert(incidentId, 'critical', `Unmatched ${o.chain} outflow ${o.txid}`, describe(trigger), opened);
    return { match, incidentId, timing };
  }

  /** AlertSink: opens (or attaches to) an incident for a trigger, freezing when the policy says so. */
  async raise(trigger: IncidentTrigger): Promise<{ incidentId: string; opened: boolean }> {
    if (trigger.source === 'unmatched_outflow') throw new IncidentError('OUTFLOW_INVALID', 'unmatched outflows go through observe()', {});
    const atMs = this.#d.clock();
    const r = this.#openOrAttach(trigger, atMs);
    if (this.#policy.freezeOn.has(trigger.source)) {
      const asset = 'asset' in trigger ? trigger.asset : null;
      await this.#freeze(r.incidentId, asset);
    }
    this.#alert(r.incidentId, this.#policy.freezeOn.has(trigger.source) ? 'critical' : 'high', `Incident trigger: ${trigger.source}`, describe(trigger), r.opened);
    return r;
  }

  /** Resolves when every alert sent so far has been delivered or given up. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #openOrAttach(trigger: IncidentTrigger, atMs: number): { incidentId: string; opened: boolean } {
    const active = this.#d.book.active(trigger.source);
    if (active !== undefined) {
      this.#d.book.addEvidence(active.id, trigger, atMs, SYSTEM);
      return { incidentId: active.id, opened: false };
    }
    return { incidentId: this.#d.book.open({ trigger, atMs, actor: SYSTEM }).id, opened: true };
  }

  /** Halts the signer and pauses withdrawals (both at once); records when each took effect. */
  async #freeze(incidentId: string, asset: string | null): Promise<{ signerHaltedAtMs: number; frozenAtMs: number; journalSeq: number | null }> {
    const scope = this.#policy.pauseScope === 'all' || asset === null ? '*' : asset;
    const reason = `incident:${incidentId}`;
    const halting = this.#signerHalted ? Promise.resolve(this.#d.clock()) : Promise.resolve(this.#d.signer.halt(reason, incidentId)).then(() => this.#d.clock());
    this.#signerHalted = true;
    // A pause already under way (or done) for this scope or for all: wait for it, it is the freeze time.
    let pausing = this.#paused.get('*') ?? this.#paused.get(scope);
    if (pausing === undefined) {
      pausing = this.#d.engine.submit({ type: 'withdrawals.pause', asset: scope === '*' ? null : scope, paused: true, reason }).then((r) => {
        if (!r.ok) throw new IncidentError('LEDGER_REJECTED', 'the core refused the withdrawal pause', { code: r.error?.code });
        return { at: this.#d.clock(), seq: r.seq };
      });
      this.#paused.set(scope, pausing);
    }
    const [signerHaltedAtMs, paused] = await Promise.all([halting, pausing]);
    this.#d.log.append({
      atMs: this.#d.clock(),
      actor: SYSTEM,
      action: 'incident.frozen',
      ip: '',
      before: null,
      after: { incidentId, scope, signerHaltedAtMs, frozenAtMs: paused.at, journalSeq: paused.seq },
    });
    return { signerHaltedAtMs, frozenAtMs: paused.at, journalSeq: paused.seq };
  }

  #blocklist(incidentId: string, chain: 'BTC' | 'ETH', addresses: readonly string[], txid: string, atMs: number): void {
    const added: string[] = [];
    const refused: string[] = [];
    for (const [kind, value] of [...addresses.map((a) => ['address', a] as const), ['txid', txid] as const]) {
      try {
        this.#d.blocklist.add({ chain, kind, value, reason: `stolen in ${incidentId}`, source: 'incident', sourceRef: incidentId, addedAtMs: atMs, addedBy: SYSTEM });
        added.push(value);
      } catch {
        refused.push(value);
      }
    }
    this.#d.log.append({ atMs, actor: SYSTEM, action: 'incident.blocklisted', ip: '', before: null, after: { incidentId, chain, added, refused } });
  }

  #alert(incidentId: string, severity: Alert['severity'], title: string, body: string, opened: boolean): void {
    const channels = this.#d.channels ?? [];
    if (channels.length === 0 || !opened) return;
    const alert: Alert = { incidentId, link: `${this.#policy.consoleUrl}/incidents/${incidentId}`, severity, title, body, atMs: this.#d.clock() };
    const p = dispatchAlert(channels, alert).then((ds) => {
      this.deliveries.push(...ds);
      this.#d.log.append({ atMs: this.#d.clock(), actor: SYSTEM, action: 'incident.alerted', ip: '', before: null, after: { incidentId, deliveries: ds } });
    });
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }
}

function describe(t: IncidentTrigger): string {
  return JSON.stringify(t, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}
