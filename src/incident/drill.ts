import type { ExchangeCore } from '../core/exchange.ts';
import { canonicalJson } from '../identity/index.ts';
import type { JournalBackend } from '../journal/backend.ts';
import { decodeCommand } from '../journal/codec.ts';
import { readChain } from '../journal/journal.ts';
import type { IncidentReport } from './report.ts';
import type { DetectionTiming } from './responder.ts';
import { ledgerReserveRatio } from './triggers.ts';

/**
 * Figures the `rampart drill` prints, computed from the report, the journal and the
 * live core (the lead's drill assembles the scenario; these are the measurements).
 */

/** Every customer's balances in every asset and bucket, canonical (compare two moments byte for byte). */
export function customerBalancesSnapshot(core: ExchangeCore): string {
  const users = [...core.ledger.userIds()].sort((a, b) => a - b);
  return canonicalJson(Object.fromEntries(users.map((u) => [String(u), core.userBalances(u)])));
}

export type WithdrawalFate = 'queued' | 'authorized' | 'settled' | 'cancelled' | 'missing';

/** What became of each withdrawal id, from the journal and the core: 'missing' would be a dropped withdrawal. */
export async function withdrawalFates(backend: JournalBackend, core: ExchangeCore, ids: readonly string[]): Promise<Map<string, WithdrawalFate>> {
  const want = new Set(ids);
  const fate = new Map<string, WithdrawalFate>();
  await readChain(backend, 1, new Uint8Array(32), (_seq, payload) => {
    const c = decodeCommand(payload);
    if (c.type === 'withdrawal.settle' && want.has(c.withdrawalId)) fate.set(c.withdrawalId, 'settled');
    else if (c.type === 'withdrawal.cancel' && want.has(c.withdrawalId)) fate.set(c.withdrawalId, 'cancelled');
  });
  for (const id of ids) {
    const w = core.withdrawals.get(id);
    if (w !== undefined) fate.set(id, w.state === 'authorized' ? 'authorized' : 'queued');
    else if (!fate.has(id)) fate.set(id, 'missing');
  }
  return fate;
}

export interface DrillFigures {
  readonly detected_ms: number;
  readonly frozen_ms: number;
  readonly loss: Record<string, string>;
  readonly hot_cap_respected: boolean;
  readonly reserve_ratio_after: Record<string, string>;
  readonly customer_balances_unchanged: boolean;
  readonly withdrawals_lost: number;
  readonly phases: Record<string, string>;
  readonly report_path: string;
}

export function drillFigures(input: {
  report: IncidentReport;
  /** When the attacker broadcast (the drill's clock). */
  broadcastAtMs: number;
  /** The first detection's timing (BreachResponder.timings[0]). */
  timing: DetectionTiming;
  /** Hot wallet balance on chain just before the attack, per asset. */
  hotBalanceAtAttackMinor: Readonly<Record<string, bigint>>;
  balancesBefore: string;
  balancesAfter: string;
  fates: ReadonlyMap<string, WithdrawalFate>;
  core: ExchangeCore;
  reportPath: string;
}): DrillFigures {
  const r = input.report;
  const phases: Record<string, string> = {};
  for (const t of r.timeline) if (t.event === 'restoration phase entered') phases[t.detail.split(' ')[0]!] = t.at;
  const ratio = ledgerReserveRatio(input.core).byAsset;
  return {
    detected_ms: input.timing.openedAtMs - input.broadcastAtMs,
    frozen_ms: input.timing.frozenAtMs - input.broadcastAtMs,
    loss: { ...r.lossByAsset },
    hot_cap_respected: Object.entries(r.lossByAsset).every(([a, v]) => BigInt(v) <= (input.hotBalanceAtAttackMinor[a] ?? 0n)),
    reserve_ratio_after: Object.fromEntries(Object.entries(ratio).map(([a, c]) => [a, c.display])),
    customer_balances_unchanged: input.balancesBefore === input.balancesAfter,
    withdrawals_lost: [...input.fates.values()].filter((f) => f === 'missing').length,
    phases,
    report_path: input.reportPath,
  };
}
