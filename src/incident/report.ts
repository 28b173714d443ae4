import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../core/commands.ts';
import type { CoreConfig } from '../core/config.ts';
import { ExchangeCore } from '../core/exchange.ts';
import { type AuditEntry, canonicalJson, verifyAuditChain } from '../identity/index.ts';
import type { JournalBackend } from '../journal/backend.ts';
import { decodeCommand } from '../journal/codec.ts';
import { readChain } from '../journal/journal.ts';
import { IncidentError } from './errors.ts';
import { valueLoss } from './loss.ts';
import type { PriceSnapshot } from './types.ts';

/**
 * The report for regulators and law enforcement (VARA: a cybersecurity event is
 * reported within 72 hours of detection). Built from two hash-chained sources only:
 * the engine journal (every command that changed a balance, a pause, a market) and the
 * incident log (every automatic response and staff action). No clock, no database,
 * no live state: the same journal and log give the same bytes, on any machine.
 */

export const REPORT_FORMAT = 'rampart.incident-report.v1';

export interface TimelineEvent {
  readonly atMs: number;
  readonly at: string;
  readonly event: string;
  readonly detail: string;
  readonly source: 'journal' | 'log';
  readonly seq: number;
}

export interface CustomerEffect {
  readonly userId: number;
  readonly asset: string;
  /** Everything owed in the asset when withdrawals froze (all buckets). */
  readonly balanceAtFreezeMinor: string;
  readonly haircutMinor: string;
  readonly repaidMinor: string;
  readonly claimOutstandingMinor: string;
  readonly balanceNowMinor: string;
  readonly queuedWithdrawals: readonly string[];
}

export interface IncidentReport {
  readonly format: string;
  readonly incidentId: string;
  readonly state: string;
  readonly trigger: unknown;
  readonly timeline: readonly TimelineEvent[];
  readonly attacker: { readonly addresses: readonly string[]; readonly txids: readonly string[] };
  readonly lossByAsset: Readonly<Record<string, string>>;
  readonly lossLines: ReadonlyArray<{ readonly asset: string; readonly txid: string; readonly amountMinor: string; readonly seq: number }>;
  readonly priceSnapshot: unknown;
  readonly valuation: ReadonlyArray<{ asset: string; lossMinor: string; aedFils: string; aedDisplay: string; usdCents: string; usdDisplay: string }>;
  readonly cover: ReadonlyArray<{ asset: string; method: string; amountMinor: string; seq: number }>;
  readonly haircutByAsset: Readonly<Record<string, string>>;
  readonly repaidByAsset: Readonly<Record<string, string>>;
  readonly customers: { readonly exposed: number; readonly haircut: number; readonly withQueuedWithdrawals: number; readonly effects: readonly CustomerEffect[] };
  readonly withdrawalsQueuedAtFreeze: number;
  readonly staffActions: ReadonlyArray<{ seq: number; at: string; actor: string; action: string; summary: string; hash: string; prevHash: string }>;
  readonly proofs: {
    readonly log: { readonly verified: boolean; readonly headSeq: number; readonly headHash: string; readonly entries: number };
    readonly journal: { readonly lastSeq: number; readonly lastHash: string; readonly records: number };
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Whether a log entry belongs to the incident (its own entries and the four-eyes proposals about it). */
function concerns(e: AuditEntry, id: string): boolean {
  const a = e.after as Record<string, unknown> | null;
  if (a === null || typeof a !== 'object') return false;
  if (a.incidentId === id) return true;
  const p = a.payload as Record<string, unknown> | null | undefined;
  return p !== null && typeof p === 'object' && p.incidentId === id;
}

const STEP_WORDS: Record<string, string> = {
  'incident.open': 'incident opened',
  'incident.evidence': 'further evidence attached',
  'incident.frozen': 'signer halted and withdrawals paused',
  'incident.detected': 'detection measured',
  'incident.blocklisted': 'attacker addresses blocklisted',
  'incident.price_snapshot': 'price snapshot taken',
  'incident.transition': 'incident state changed',
  'incident.phase_entered': 'restoration phase entered',
  'incident.haircut': 'haircut applied',
  'incident.key_rotation': 'key rotation step',
};

/**
 * Builds the report. `config` is the core configuration the journal was written under
 * (the replay recomputes per-customer effects; it is part of the release, not live state).
 */
export async function buildReport(input: { incidentId: string; backend: JournalBackend; log: readonly AuditEntry[]; config: CoreConfig }): Promise<IncidentReport> {
  const id = input.incidentId;
  const entries = input.log.filter((e) => concerns(e, id));
  const open = entries.find((e) => e.action === 'incident.open');
  if (open === undefined) throw new IncidentError('REPORT_INPUT', 'the log has no such incident', { incidentId: id });
  const decimals = new Map(input.config.assets.map((a) => [a.code, a.decimals]));
  const prefix = `incident:${id}:`;
  const timeline: TimelineEvent[] = [];
  const lossLines: Array<{ asset: string; txid: string; amountMinor: string; seq: number }> = [];
  const loss = new Map<string, bigint>();
  const cover: Array<{ asset: string; method: string; amountMinor: string; seq: number }> = [];
  const haircut = new Map<string, bigint>(); // `${user}:${asset}`
  const repaid = new Map<string, bigint>();
  const haircutByAsset = new Map<string, bigint>();
  const repaidByAsset = new Map<string, bigint>();
  const core = new ExchangeCore(input.config);
  let atFreeze: { balances: Map<string, bigint>; queued: Map<string, string[]>; count: number } | null = null;
  const add = (b: Map<string, bigint>, k: string, v: bigint) => b.set(k, (b.get(k) ?? 0n) + v);

  const chain = await readChain(input.backend, 1, new Uint8Array(32), (seq, payload) => {
    const cmd: Command = decodeCommand(payload);
    const r = core.apply(cmd);
    if (!r.ok || r.duplicate === true) return;
    if (cmd.type === 'withdrawals.pause' && cmd.reason.startsWith(`incident:${id}`)) {
      timeline.push({ atMs: cmd.ts, at: iso(cmd.ts), event: cmd.paused ? 'withdrawals frozen' : 'withdrawals resumed', detail: cmd.asset ?? 'all assets', source: 'journal', seq });
      if (cmd.paused && atFreeze === null) {
        const balances = new Map<string, bigint>();
        for (const u of core.ledger.userIds()) for (const [asset] of decimals) balances.set(`${u}:${asset}`, core.ledger.userTotal(u, core.ledger.assetIdx(asset)));
        const queued = new Map<string, string[]>();
        for (const w of core.withdrawals.values()) queued.set(`${w.userId}:${w.asset}`, [...(queued.get(`${w.userId}:${w.asset}`) ?? []), w.id].sort());
        atFreeze = { balances, queued, count: core.withdrawals.size };
      }
    } else if (cmd.type === 'ledger.post' && cmd.ref.startsWith(prefix)) {
      const kind = cmd.ref.slice(prefix.length).split(':')[0];
      for (const t of cmd.transfers) {
        // 'system:<ASSET>:<account>' or 'user:<id>:<ASSET>:<bucket>'.
        const parts = t.debit.split(':');
        const user = parts[0] === 'user' ? parts[1]! : '0';
        const a = (parts[0] === 'user' ? parts[2] : parts[1])!;
        if (kind === 'loss') {
          add(loss, a, t.amount);
          lossLines.push({ asset: a, txid: cmd.ref.slice(prefix.length + 'loss:'.length), amountMinor: t.amount.toString(), seq });
        } else if (kind === 'cover') {
          cover.push({ asset: a, method: t.debit.endsWith(':treasury') ? 'treasury_surplus' : 'capital_injection', amountMinor: t.amount.toString(), seq });
        } else if (kind === 'haircut' && t.credit.endsWith(':recovery_claim')) {
          add(haircut, `${user}:${a}`, t.amount);
          add(haircutByAsset, a, t.amount);
        } else if (kind === 'recovered' && t.debit.endsWith(':recovery_claim')) {
          add(repaid, `${user}:${a}`, t.amount);
          add(repaidByAsset, a, t.amount);
        }
      }
      const words = kind === 'loss' ? 'unauthorised outflow booked as incident loss' : kind === 'cover' ? 'customers reimbursed from treasury' : kind === 'haircut' ? 'shortfall moved to recovery claims' : kind === 'recovered' ? 'recovered funds repaid claims' : kind;
      timeline.push({ atMs: cmd.ts, at: iso(cmd.ts), event: words ?? 'ledger posting', detail: cmd.ref, source: 'journal', seq });
    }
  });

  // Log side of the timeline: the first sighting, the automatic response, every staff step.
  const first = (open.after as { trigger: { seenAtMs?: number; txid?: string; chain?: string } }).trigger;
  if (typeof first?.seenAtMs === 'number') timeline.push({ atMs: first.seenAtMs, at: iso(first.seenAtMs), event: 'first unmatched transaction seen by the node', detail: `${first.chain} ${first.txid}`, source: 'log', seq: open.seq });
  for (const e of entries) {
    const a = e.after as Record<string, unknown>;
    let detail = '';
    if (e.action === 'incident.transition') detail = `${a.from} → ${a.to}: ${a.reason}`;
    else if (e.action === 'incident.phase_entered') detail = `${a.phase} (approved by ${(a.approvers as string[]).join(', ')})`;
    else if (e.action === 'incident.frozen') detail = `scope ${a.scope}`;
    else if (e.action === 'incident.key_rotation') detail = String(a.step);
    else if (e.action === 'incident.open') detail = String((a.trigger as { source?: string }).source);
    else continue;
    timeline.push({ atMs: e.atMs, at: iso(e.atMs), event: STEP_WORDS[e.action] ?? e.action, detail, source: 'log', seq: e.seq });
  }
  timeline.sort((x, y) => x.atMs - y.atMs || (x.source === y.source ? x.seq - y.seq : x.source === 'log' ? -1 : 1));

  const addresses = new Set<string>();
  const txids = new Set<string>();
  let state = 'open';
  let prices: PriceSnapshot | null = null;
  let rawPrices: unknown = null;
  for (const e of entries) {
    const a = e.after as Record<string, unknown>;
    if (e.action === 'incident.open' || e.action === 'incident.evidence') {
      const t = a.trigger as { source?: string; chain?: string; txid?: string; attackerAddresses?: string[] };
      if (t?.source === 'unmatched_outflow') {
        txids.add(`${t.chain}:${t.txid}`);
        for (const x of t.attackerAddresses ?? []) addresses.add(`${t.chain}:${x}`);
      }
    } else if (e.action === 'incident.transition') state = String(a.to);
    else if (e.action === 'incident.price_snapshot') {
      rawPrices = a.prices;
      const p = a.prices as { atMs: number; source: string; aedFilsPerUnit: Record<string, string>; usdCentsPerUnit: Record<string, string> };
      const big = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, BigInt(v)]));
      prices = { atMs: p.atMs, source: p.source, aedFilsPerUnit: big(p.aedFilsPerUnit), usdCentsPerUnit: big(p.usdCentsPerUnit) };
    }
  }
  const lossObj = Object.fromEntries([...loss].sort(([x], [y]) => (x < y ? -1 : 1)));
  const valuation = prices === null || loss.size === 0 ? [] : valueLoss(lossObj, prices).map((v) => ({
    asset: v.asset,
    lossMinor: v.lossMinor.toString(),
    aedFils: `${v.aedFils.numerator}/${v.aedFils.denominator}`,
    aedDisplay: `AED ${v.aedFils.display}`,
    usdCents: `${v.usdCents.numerator}/${v.usdCents.denominator}`,
    usdDisplay: `USD ${v.usdCents.display}`,
  }));

  // Per-customer effect: exposure at the freeze, haircut, repayment, now.
  const frozen = atFreeze as { balances: Map<string, bigint>; queued: Map<string, string[]>; count: number } | null;
  const affectedAssets = new Set([...loss.keys()]);
  const effects: CustomerEffect[] = [];
  const users = [...core.ledger.userIds()].sort((a, b) => a - b);
  let exposed = 0;
  for (const u of users) {
    let isExposed = false;
    for (const asset of [...affectedAssets].sort()) {
      const at = frozen?.balances.get(`${u}:${asset}`) ?? 0n;
      const hc = haircut.get(`${u}:${asset}`) ?? 0n;
      const rp = repaid.get(`${u}:${asset}`) ?? 0n;
      const queued = frozen?.queued.get(`${u}:${asset}`) ?? [];
      if (at === 0n && hc === 0n && queued.length === 0) continue;
      isExposed = true;
      const b = core.userBalances(u)[asset]!;
      effects.push({
        userId: u,
        asset,
        balanceAtFreezeMinor: at.toString(),
        haircutMinor: hc.toString(),
        repaidMinor: rp.toString(),
        claimOutstandingMinor: b.recovery_claim.toString(),
        balanceNowMinor: (b.available + b.locked + b.withdrawing + b.frozen + b.recovery_claim).toString(),
        queuedWithdrawals: queued,
      });
    }
    if (isExposed) exposed++;
  }

  const staffActions = entries
    .filter((e) => !e.actor.startsWith('system:'))
    .map((e) => ({ seq: e.seq, at: iso(e.atMs), actor: e.actor, action: e.action, summary: summarise(e), hash: e.hash, prevHash: e.prevHash }));
  const v = verifyAuditChain(input.log);
  const head = input.log[input.log.length - 1];
  return {
    format: REPORT_FORMAT,
    incidentId: id,
    state,
    trigger: (open.after as { trigger: unknown }).trigger,
    timeline,
    attacker: { addresses: [...addresses].sort(), txids: [...txids].sort() },
    lossByAsset: Object.fromEntries(Object.entries(lossObj).map(([k, x]) => [k, x.toString()])),
    lossLines,
    priceSnapshot: rawPrices,
    valuation,
    cover,
    haircutByAsset: Object.fromEntries([...haircutByAsset].sort().map(([k, x]) => [k, x.toString()])),
    repaidByAsset: Object.fromEntries([...repaidByAsset].sort().map(([k, x]) => [k, x.toString()])),
    customers: { exposed, haircut: new Set([...haircut.keys()].map((k) => k.split(':')[0])).size, withQueuedWithdrawals: new Set([...(frozen?.queued.keys() ?? [])].map((k) => k.split(':')[0])).size, effects },
    withdrawalsQueuedAtFreeze: frozen?.count ?? 0,
    staffActions,
    proofs: {
      log: { verified: v.ok, headSeq: head?.seq ?? 0, headHash: head?.hash ?? '', entries: input.log.length },
      journal: { lastSeq: chain.lastSeq, lastHash: hex(chain.lastHash), records: chain.records },
    },
  };
}

function summarise(e: AuditEntry): string {
  const a = e.after as Record<string, unknown>;
  const short = canonicalJson(a);
  return short.length > 300 ? `${short.slice(0, 297)}...` : short;
}

/** The JSON bytes: canonical (sorted keys, no whitespace), so equal reports are equal bytes. */
export function reportJson(r: IncidentReport): string {
  return canonicalJson(r as unknown);
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** Human-readable HTML of the same report (every value escaped; no scripts, no external resources). */
export function renderReportHtml(r: IncidentReport): string {
  const kv = (o: Readonly<Record<string, string>>) => table(['asset', 'minor units'], Object.entries(o).map(([k, v]) => [k, v]));
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>Incident report ${escapeHtml(r.incidentId)}</title>`,
    '<style>body{font:14px/1.4 system-ui,sans-serif;max-width:70rem;margin:2rem auto}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #999;padding:.2rem .5rem;text-align:left;font-variant-numeric:tabular-nums}code{word-break:break-all}</style>',
    '</head><body>',
    `<h1>Incident report ${escapeHtml(r.incidentId)}</h1>`,
    `<p>State: <b>${escapeHtml(r.state)}</b>. Format ${escapeHtml(r.format)}. Generated from the engine journal (records 1..${r.proofs.journal.lastSeq}, head <code>${escapeHtml(r.proofs.journal.lastHash)}</code>) and the incident log (entries 1..${r.proofs.log.headSeq}, head <code>${escapeHtml(r.proofs.log.headHash)}</code>, chain ${r.proofs.log.verified ? 'verified' : 'BROKEN'}).</p>`,
    '<h2>Timeline (UTC)</h2>',
    table(['time', 'event', 'detail', 'source#seq'], r.timeline.map((t) => [t.at, t.event, t.detail, `${t.source}#${t.seq}`])),
    '<h2>Attacker</h2>',
    table(['address'], r.attacker.addresses.map((a) => [a])),
    table(['transaction'], r.attacker.txids.map((a) => [a])),
    '<h2>Loss per asset</h2>',
    kv(r.lossByAsset),
    table(['asset', 'txid', 'amount (minor)', 'journal seq'], r.lossLines.map((l) => [l.asset, l.txid, l.amountMinor, String(l.seq)])),
    '<h2>Valuation at the detection price snapshot</h2>',
    `<p>Snapshot: <code>${escapeHtml(canonicalJson(r.priceSnapshot ?? null))}</code></p>`,
    table(['asset', 'loss (minor)', 'AED', 'USD', 'AED fils (exact)', 'USD cents (exact)'], r.valuation.map((v) => [v.asset, v.lossMinor, v.aedDisplay, v.usdDisplay, v.aedFils, v.usdCents])),
    '<h2>Making customers whole</h2>',
    table(['asset', 'method', 'amount (minor)', 'journal seq'], r.cover.map((c) => [c.asset, c.method, c.amountMinor, String(c.seq)])),
    '<h3>Haircut (moved to recovery claims)</h3>',
    kv(r.haircutByAsset),
    '<h3>Recovered and repaid</h3>',
    kv(r.repaidByAsset),
    '<h2>Customers affected</h2>',
    `<p>${r.customers.exposed} customers held an affected asset at the freeze; ${r.customers.haircut} had a haircut; ${r.customers.withQueuedWithdrawals} had withdrawals queued (${r.withdrawalsQueuedAtFreeze} withdrawals in all).</p>`,
    table(['customer', 'asset', 'at freeze', 'haircut', 'repaid', 'claim outstanding', 'now', 'queued withdrawals'], r.customers.effects.map((c) => [String(c.userId), c.asset, c.balanceAtFreezeMinor, c.haircutMinor, c.repaidMinor, c.claimOutstandingMinor, c.balanceNowMinor, c.queuedWithdrawals.join(' ')])),
    '<h2>Staff actions (incident log, hash-chained)</h2>',
    table(['seq', 'time', 'staff', 'action', 'what', 'hash', 'previous hash'], r.staffActions.map((s) => [String(s.seq), s.at, s.actor, s.action, s.summary, s.hash, s.prevHash])),
    '</body></html>',
    '',
  ].join('\n');
}

/** Writes report.json and report.html into `dir` (atomic renames); returns their paths. */
export function writeReport(dir: string, r: IncidentReport): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${r.incidentId}-report.json`);
  const html = join(dir, `${r.incidentId}-report.html`);
  writeFileSync(`${json}.tmp`, `${reportJson(r)}\n`);
  renameSync(`${json}.tmp`, json);
  writeFileSync(`${html}.tmp`, renderReportHtml(r));
  renameSync(`${html}.tmp`, html);
  return { json, html };
}
