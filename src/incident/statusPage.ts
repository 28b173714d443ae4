import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDecimal } from '../shared/decimal.ts';
import { emailText } from './alerts.ts';
import { escapeHtml, type IncidentReport } from './report.ts';

/**
 * The public status page (no login) and the notice to each affected customer, both
 * derived from the report, so what the public reads and what the regulator reads are
 * the same facts. The public page names no customer and no staff member.
 */

export interface StatusUpdate {
  readonly at: string;
  readonly text: string;
}

export interface StatusPage {
  readonly incidentId: string;
  readonly headline: string;
  readonly state: string;
  readonly updates: readonly StatusUpdate[];
  readonly lossSummary: readonly string[];
}

const DECIMALS: Readonly<Record<string, number>> = { BTC: 8, ETH: 18, AED: 2 };

/** Plain words for each timeline event the public sees. */
const PUBLIC_WORDS: Readonly<Record<string, string>> = {
  'first unmatched transaction seen by the node': 'Our monitoring saw a transfer out of our hot wallet that no customer or staff member had authorised.',
  'incident opened': 'We opened an incident and began our response.',
  'withdrawals frozen': 'We paused all withdrawals. Your balances are safe and recorded; queued withdrawals keep their place.',
  'signer halted and withdrawals paused': 'Our signing service was stopped so no further transfer can be signed.',
  'incident state changed': 'The incident moved to the next stage.',
  'unauthorised outflow booked as incident loss': 'We recorded the exact amount taken in our books. Customer balances were not reduced.',
  'customers reimbursed from treasury': 'We covered the loss from our own funds.',
  'shortfall moved to recovery claims': 'Part of the shortfall could not be covered yet; it is recorded as a claim we will repay.',
  'recovered funds repaid claims': 'Recovered funds were paid back to customers with claims.',
  'restoration phase entered': 'A service was restored after checks and approval by two staff members.',
  'key rotation step': 'We replaced the affected wallet keys.',
};

const PHASE_WORDS: Readonly<Record<string, string>> = {
  balances: 'Deposits and balances are visible again.',
  trading: 'Trading has resumed.',
  withdrawals_limited: 'Withdrawals have resumed with lower limits and manual review.',
  withdrawals_normal: 'Withdrawals are back to normal.',
};

export function statusPageModel(r: IncidentReport): StatusPage {
  const updates: StatusUpdate[] = [];
  const said = new Set<string>();
  for (const t of r.timeline) {
    let text = PUBLIC_WORDS[t.event];
    if (t.event === 'restoration phase entered') text = PHASE_WORDS[t.detail.split(' ')[0]!] ?? text;
    if (t.event === 'incident state changed') text = `The incident is now ${t.detail.split(':')[0]!.split('→')[1]!.trim()}.`;
    if (text === undefined || said.has(text)) continue;
    said.add(text);
    updates.push({ at: `${t.at.slice(0, 19).replace('T', ' ')} UTC`, text });
  }
  const lossSummary = Object.entries(r.lossByAsset).map(([a, v]) => `${formatDecimal(BigInt(v), DECIMALS[a] ?? 0)} ${a}`);
  const covered = Object.keys(r.haircutByAsset).length === 0;
  return {
    incidentId: r.incidentId,
    headline: covered ? 'Security incident: customer funds fully covered' : 'Security incident: partial shortfall recorded as customer claims',
    state: r.state,
    updates,
    lossSummary,
  };
}

export function renderStatusPage(p: StatusPage): string {
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>Rampart status: ${escapeHtml(p.incidentId)}</title>`,
    '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}li{margin:.4rem 0}time{font-variant-numeric:tabular-nums;color:#555}</style>',
    '</head><body>',
    `<h1>${escapeHtml(p.headline)}</h1>`,
    `<p>Incident ${escapeHtml(p.incidentId)} — status: <b>${escapeHtml(p.state)}</b>.</p>`,
    p.lossSummary.length > 0 ? `<p>Taken from our hot wallet: ${p.lossSummary.map(escapeHtml).join(', ')}.</p>` : '',
    '<ol>',
    ...p.updates.map((u) => `<li><time>${escapeHtml(u.at)}</time> — ${escapeHtml(u.text)}</li>`),
    '</ol>',
    '</body></html>',
    '',
  ].join('\n');
}

export interface CustomerNotice {
  readonly userId: number;
  readonly incidentId: string;
  readonly subject: string;
  readonly text: string;
}

/** One notice per affected customer, with their own statement of effect. */
export function customerNotices(r: IncidentReport): CustomerNotice[] {
  const byUser = new Map<number, typeof r.customers.effects[number][]>();
  for (const e of r.customers.effects) byUser.set(e.userId, [...(byUser.get(e.userId) ?? []), e]);
  return [...byUser.entries()].map(([userId, effects]) => {
    const lines = effects.map((e) => {
      const d = DECIMALS[e.asset] ?? 0;
      const f = (v: string) => `${formatDecimal(BigInt(v), d)} ${e.asset}`;
      const parts = [`${e.asset}: balance at the freeze ${f(e.balanceAtFreezeMinor)}`];
      if (BigInt(e.haircutMinor) > 0n) parts.push(`moved to a recovery claim ${f(e.haircutMinor)}`, `repaid so far ${f(e.repaidMinor)}`, `claim outstanding ${f(e.claimOutstandingMinor)}`);
      else parts.push('not reduced');
      if (e.queuedWithdrawals.length > 0) parts.push(`queued withdrawals kept: ${e.queuedWithdrawals.join(', ')}`);
      return `- ${parts.join('; ')}`;
    });
    return {
      userId,
      incidentId: r.incidentId,
      subject: `Rampart security incident ${r.incidentId}: how it affects your account`,
      text: [`Dear customer,`, '', `Incident ${r.incidentId} affected our hot wallet. This is its effect on your account:`, ...lines, '', 'The public timeline is on our status page.'].join('\n'),
    };
  });
}

/** Writes each notice to the in-app inbox (JSON file per customer) and the email outbox (.eml). */
export function writeNotices(notices: readonly CustomerNotice[], dirs: { inApp: string; emailOutbox: string }, emailOf: (userId: number) => string | null, atMs: number): number {
  mkdirSync(dirs.inApp, { recursive: true });
  mkdirSync(dirs.emailOutbox, { recursive: true });
  let n = 0;
  for (const x of notices) {
    const base = `${x.incidentId}-user-${x.userId}`;
    writeFileSync(join(dirs.inApp, `.${base}.tmp`), `${JSON.stringify(x)}\n`);
    renameSync(join(dirs.inApp, `.${base}.tmp`), join(dirs.inApp, `${base}.json`));
    const to = emailOf(x.userId);
    if (to !== null) {
      const eml = emailText({ incidentId: x.incidentId, link: '', severity: 'info', title: x.subject, body: x.text, atMs }, 'security@rampart.example', [to], `${base}@rampart.invalid`).replace(/\r\nLink: \r\n/, '\r\n');
      writeFileSync(join(dirs.emailOutbox, `${base}.eml`), eml);
    }
    n++;
  }
  return n;
}
