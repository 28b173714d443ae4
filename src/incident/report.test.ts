import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultCoreConfig } from '../core/config.ts';
import { Engine, rebuildAsOf } from '../engine/engine.ts';
import { payloadHashOf } from '../identity/index.ts';
import { FileJournal } from '../journal/fileJournal.ts';
import { drillFigures, withdrawalFates } from './drill.ts';
import { IncidentLog } from './log.ts';
import { lossLine, recordLoss, recordPriceSnapshot } from './loss.ts';
import { applyHaircut, coverFromTreasury, coverPayload, haircutPayload, outstandingLoss, planHaircut } from './makeWhole.ts';
import { buildReport, renderReportHtml, reportJson, writeReport } from './report.ts';
import { haltTrading, PHASE_CHECKLISTS, PHASES, Restoration } from './restore.ts';
import { customerNotices, renderStatusPage, statusPageModel, writeNotices } from './statusPage.ts';
import { btcAddr, ethAddr, type Harness, harness, queueWithdrawals, STAFF, txid } from './testing.ts';
import { ledgerReserveRatio } from './triggers.ts';
import type { ObservedOutflow } from './types.ts';

const ID = 'INC-0001';

function approved(h: Harness, pid: string, action: string, payload: unknown, roles: Parameters<Harness['desk']['propose']>[0]['allowedRoles'] = ['security', 'compliance', 'treasury', 'admin']): string {
  h.desk.propose({ id: pid, action, payload, proposer: STAFF.sec1!, allowedRoles: roles, nowMs: h.clock.now });
  h.clock.now += 500;
  h.desk.approve(pid, { approver: STAFF.comp!, seenPayloadHash: payloadHashOf(payload), nowMs: h.clock.now });
  return pid;
}

/** The whole M2-style incident through the real engine: detect, freeze, account, cover + haircut, restore, close. */
async function scenario(h: Harness): Promise<void> {
  const core = h.engine.core;
  await queueWithdrawals(h);
  const hotBtc = -core.ledger.balances[core.accountByKey('system:BTC:hot_wallet')]!;
  h.clock.now += 60_000;
  const btc: ObservedOutflow = {
    chain: 'BTC',
    txid: txid(0xbad1),
    inputs: [{ outpoint: `${txid(1)}:0`, address: btcAddr(0, 'h'), valueMinor: hotBtc }],
    outputs: [{ address: btcAddr(1, 'a'), valueMinor: hotBtc - 2_345n - 10_000n }, { address: btcAddr(0, 'h'), valueMinor: 10_000n }],
    feeMinor: 2_345n,
    seenAtMs: h.clock.now - 400,
    where: 'mempool',
  };
  const eth: ObservedOutflow = { chain: 'ETH', txid: txid(0xbad2, 'ETH'), from: ethAddr(0, 0x407), nonce: 17n, outputs: [{ address: ethAddr(1, 0xbad), valueMinor: 4n * 10n ** 18n + 1n }], feeMinor: 21_000n * 40_000_000_000n, seenAtMs: h.clock.now - 100, where: 'mempool' };
  await h.responder.observe(btc);
  h.clock.now += 40;
  await h.responder.observe(eth);
  recordPriceSnapshot(h.log, ID, { atMs: h.clock.now, source: 'test feed', aedFilsPerUnit: { BTC: 36_700_000n * 100n, ETH: 1_300_000n }, usdCentsPerUnit: { BTC: 9_990_000n, ETH: 353_900n } });
  h.clock.now += 600_000;
  await h.responder.observe({ ...btc, where: 'block', seenAtMs: h.clock.now });
  await h.responder.observe({ ...eth, where: 'block', seenAtMs: h.clock.now });
  const lines = [...h.responder.unmatched.values()].filter((u) => u.outflow.where === 'block').map((u) => lossLine(u.outflow, h.own));
  await recordLoss(h.engine, ID, lines);
  await haltTrading(h.engine);
  h.clock.now += 60_000;
  h.book.transition(ID, 'contained', { actor: STAFF.sec1!, reason: 'signer halted, withdrawals paused, trading halted, keys rotated', nowMs: h.clock.now });
  // BTC: fully covered by a capital injection. ETH: half covered, the rest as haircut claims.
  h.clock.now += 600_000;
  const cBtc = { incidentId: ID, asset: 'BTC', amountMinor: outstandingLoss(core, 'BTC'), method: 'capital_injection' as const };
  await coverFromTreasury(h.engine, cBtc, { desk: h.desk, proposalId: approved(h, 'cover-btc', 'incident.treasury_cover', coverPayload(cBtc), ['treasury', 'compliance']), actor: STAFF.treas!, nowMs: h.clock.now });
  const cEth = { incidentId: ID, asset: 'ETH', amountMinor: outstandingLoss(core, 'ETH') / 2n, method: 'capital_injection' as const };
  await coverFromTreasury(h.engine, cEth, { desk: h.desk, proposalId: approved(h, 'cover-eth', 'incident.treasury_cover', coverPayload(cEth), ['treasury', 'compliance']), actor: STAFF.treas!, nowMs: h.clock.now });
  const plan = planHaircut(core, ID, 'ETH', outstandingLoss(core, 'ETH'));
  await applyHaircut(h.engine, plan, { desk: h.desk, proposalId: approved(h, 'haircut-eth', 'incident.haircut', haircutPayload(plan)), actor: STAFF.sec1!, nowMs: h.clock.now, log: h.log });
  h.book.transition(ID, 'recovering', { actor: STAFF.sec1!, reason: 'loss covered (BTC) and claims posted (ETH)', nowMs: h.clock.now, desk: h.desk, proposalId: approved(h, 't-rec', 'incident.transition', { incidentId: ID, to: 'recovering' }) });
  const r = new Restoration({ engine: h.engine, log: h.log, desk: h.desk, signer: h.signer, incidentId: ID });
  for (const phase of PHASES) {
    h.clock.now += 300_000;
    for (const item of PHASE_CHECKLISTS[phase]) r.check(phase, item, STAFF.sec2!, 'checked', h.clock.now);
    if (phase === 'withdrawals_normal') {
      for (const q of r.queue) r.review(q.withdrawalId, 'approve', STAFF.comp!, h.clock.now);
      await r.processReviewed();
    }
    await r.enter(phase, { actor: STAFF.sec1!, proposalId: approved(h, `phase-${phase}`, 'incident.restore_phase', { incidentId: ID, phase }), nowMs: h.clock.now });
  }
  h.clock.now += 60_000;
  h.book.transition(ID, 'restored', { actor: STAFF.sec1!, reason: 'all services restored', nowMs: h.clock.now, desk: h.desk, proposalId: approved(h, 't-res', 'incident.transition', { incidentId: ID, to: 'restored' }) });
  h.clock.now += 60_000;
  h.book.transition(ID, 'closed', { actor: STAFF.admin!, reason: 'reported to VARA and police', nowMs: h.clock.now, desk: h.desk, proposalId: approved(h, 't-close', 'incident.transition', { incidentId: ID, to: 'closed' }) });
}

test('end to end: the report reproduces byte-identically from the journal and incident log alone (twice, and after a rebuild), with the facts right', async () => {
  const h = await harness();
  try {
    await scenario(h);
    const core = h.engine.core;
    core.checkInvariants();
    assert.equal(ledgerReserveRatio(core).allCovered, true, 'usable balances covered 1:1');
    const backend = () => new FileJournal(join(h.dir, 'journal'), { readOnly: true });
    const b1 = backend();
    await b1.open();
    const fates = await withdrawalFates(b1, core, ['w-1', 'w-2', 'w-3']);
    assert.deepEqual([...fates.values()], ['authorized', 'authorized', 'authorized']);
    const r1 = await buildReport({ incidentId: ID, backend: b1, log: h.log.entries, config: defaultCoreConfig });
    const r2 = await buildReport({ incidentId: ID, backend: b1, log: h.log.entries, config: defaultCoreConfig });
    assert.equal(reportJson(r1), reportJson(r2));
    assert.equal(renderReportHtml(r1), renderReportHtml(r2));
    const liveState = JSON.stringify([1, 2, 3].map((u) => core.userBalances(u)), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    await h.engine.close();
    // Rebuilt: a fresh engine replays the journal; the log is re-read (and re-verified) from its file.
    const rebuilt = await Engine.open({ config: defaultCoreConfig, backend: new FileJournal(join(h.dir, 'journal')), clock: () => 0 });
    assert.equal(JSON.stringify([1, 2, 3].map((u) => rebuilt.core.userBalances(u)), (_k, v) => (typeof v === 'bigint' ? v.toString() : v)), liveState);
    await rebuilt.close();
    const b0 = backend();
    await b0.open();
    const asOf = await rebuildAsOf(defaultCoreConfig, b0, {});
    assert.equal(JSON.stringify([1, 2, 3].map((u) => asOf.userBalances(u)), (_k, v) => (typeof v === 'bigint' ? v.toString() : v)), liveState);
    const b2 = backend();
    await b2.open();
    const r3 = await buildReport({ incidentId: ID, backend: b2, log: IncidentLog.openFile(join(h.dir, 'incident-log.jsonl')).entries, config: defaultCoreConfig });
    assert.equal(reportJson(r3), reportJson(r1), 'byte-identical from the rebuilt sources');

    // Facts.
    assert.equal(r1.state, 'closed');
    const lossBtc = BigInt(r1.lossByAsset.BTC!);
    const hotAtStart = lossBtc - 0n;
    assert.ok(hotAtStart > 0n);
    assert.equal(r1.lossByAsset.ETH, (4n * 10n ** 18n + 1n + 21_000n * 40_000_000_000n).toString(), 'ETH loss = value + fee, to the wei');
    assert.deepEqual(r1.attacker.addresses, [`BTC:${btcAddr(1, 'a')}`, `ETH:${ethAddr(1, 0xbad)}`]);
    assert.equal(r1.attacker.txids.length, 2);
    assert.equal(r1.valuation.length, 2);
    assert.equal(r1.cover.length, 2);
    assert.equal(BigInt(r1.haircutByAsset.ETH!) + BigInt(r1.cover[1]!.amountMinor), BigInt(r1.lossByAsset.ETH!));
    assert.equal(r1.withdrawalsQueuedAtFreeze, 3);
    assert.equal(r1.customers.exposed, 3);
    assert.equal(r1.customers.haircut, 3);
    const events = r1.timeline.map((t) => t.event);
    const order = ['first unmatched transaction seen by the node', 'incident opened', 'withdrawals frozen', 'unauthorised outflow booked as incident loss', 'incident state changed', 'customers reimbursed from treasury', 'shortfall moved to recovery claims', 'restoration phase entered', 'withdrawals resumed'];
    let at = -1;
    for (const ev of order) {
      const i = events.indexOf(ev, at + 1);
      assert.ok(i > at, `${ev} after the previous step`);
      at = i;
    }
    assert.equal(r1.timeline.filter((t) => t.event === 'restoration phase entered').length, 4);
    const first = r1.timeline[0]!;
    const frozen = r1.timeline.find((t) => t.event === 'withdrawals frozen')!;
    assert.ok(frozen.atMs - first.atMs <= 1000, 'frozen within a second of the node showing the tx');
    assert.ok(r1.staffActions.length > 10 && r1.staffActions.every((s) => /^[0-9a-f]{64}$/.test(s.hash)));
    assert.ok(r1.staffActions.some((s) => s.action === 'four_eyes.approve' && s.actor === 'comp-noor'));
    assert.equal(r1.proofs.log.verified, true);

    // Files, status page, notices.
    const out = join(h.dir, 'out');
    const paths = writeReport(out, r1);
    assert.equal(readFileSync(paths.json, 'utf8'), `${reportJson(r1)}\n`);
    const page = renderStatusPage(statusPageModel(r1));
    assert.match(page, /We paused all withdrawals/);
    assert.match(page, /Withdrawals are back to normal/);
    assert.doesNotMatch(page, /comp-noor|sec-alia|user/);
    const notices = customerNotices(r1);
    assert.equal(notices.length, 3);
    assert.match(notices[0]!.text, /moved to a recovery claim/);
    mkdirSync(out, { recursive: true });
    assert.equal(writeNotices(notices, { inApp: join(out, 'inbox'), emailOutbox: join(out, 'outbox') }, (u) => `customer${u}@example.com`, first.atMs), 3);
    assert.equal(readdirSync(join(out, 'outbox')).length, 3);
    const figures = drillFigures({ report: r1, broadcastAtMs: first.atMs, timing: h.responder.timings[0]!, hotBalanceAtAttackMinor: { BTC: 10n ** 9n, ETH: 10n ** 20n }, balancesBefore: 'x', balancesAfter: 'x', fates, core, reportPath: paths.json });
    assert.equal(figures.withdrawals_lost, 0);
    assert.equal(figures.hot_cap_respected, true);
    assert.deepEqual(Object.keys(figures.phases), ['balances', 'trading', 'withdrawals_limited', 'withdrawals_normal']);
    assert.equal(figures.reserve_ratio_after.BTC, '1.0000');
    assert.ok(figures.frozen_ms <= 1000);
    console.log(`# report: ${r1.timeline.length} timeline events, ${r1.staffActions.length} staff actions, journal head ${r1.proofs.journal.lastSeq}, ${reportJson(r1).length} bytes JSON`);
  } finally {
    await h.close().catch(() => undefined);
  }
});
