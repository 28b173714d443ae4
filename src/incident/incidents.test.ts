import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { payloadHashOf } from '../identity/index.ts';
import { EmailOutboxChannel, WebhookChannel } from './alerts.ts';
import type { FourEyesDesk } from './desk.ts';
import { IncidentError } from './errors.ts';
import { IncidentBook } from './incidents.ts';
import { IncidentLog } from './log.ts';
import { btcAddr, harness, STAFF, T0, txid } from './testing.ts';
import { auditChainTrigger, journalChainTrigger, ledgerReserveRatio, reconciliationTrigger, RefusalBurst, reserveRatioTriggers, staffLoginTrigger } from './triggers.ts';

function approveTo(desk: FourEyesDesk, incidentId: string, to: string, pid: string, at: number): string {
  const payload = { incidentId, to };
  desk.propose({ id: pid, action: 'incident.transition', payload, proposer: STAFF.sec1!, allowedRoles: ['security', 'compliance', 'admin'], nowMs: at });
  desk.approve(pid, { approver: STAFF.comp!, seenPayloadHash: payloadHashOf(payload), nowMs: at + 1 });
  return pid;
}

test('state machine: open → contained → recovering → restored → closed, reasons, roles, four-eyes; rebuilt from the log file', async () => {
  const h = await harness();
  try {
    const { book, desk } = h;
    const inc = book.open({ trigger: { source: 'staff', summary: 'suspicious signer logs' }, atMs: T0, actor: STAFF.sec1!.id });
    assert.throws(() => book.transition(inc.id, 'recovering', { actor: STAFF.sec1!, reason: 'skip', nowMs: T0 }), (e) => e instanceof IncidentError && e.code === 'INCIDENT_TRANSITION');
    assert.throws(() => book.transition(inc.id, 'contained', { actor: STAFF.treas!, reason: 'x', nowMs: T0 }), (e) => e instanceof IncidentError && e.code === 'INCIDENT_ACTOR');
    assert.throws(() => book.transition(inc.id, 'contained', { actor: STAFF.sec1!, reason: '  ', nowMs: T0 }), (e) => e instanceof IncidentError && e.code === 'INCIDENT_TRANSITION');
    book.transition(inc.id, 'contained', { actor: STAFF.sec1!, reason: 'signer halted, keys rotated', nowMs: T0 + 10 });
    assert.throws(() => book.transition(inc.id, 'recovering', { actor: STAFF.sec1!, reason: 'covered', nowMs: T0 + 20, desk }), (e) => e instanceof IncidentError && e.code === 'FOUR_EYES_REQUIRED');
    // A proposal for another target does not count.
    const wrong = approveTo(desk, inc.id, 'closed', 'p-wrong', T0 + 20);
    assert.throws(() => book.transition(inc.id, 'recovering', { actor: STAFF.sec1!, reason: 'covered', nowMs: T0 + 30, desk, proposalId: wrong }), (e) => e instanceof IncidentError && e.code === 'FOUR_EYES_MISMATCH');
    // Self-approval is refused by the identity four-eyes rules.
    desk.propose({ id: 'p-self', action: 'incident.transition', payload: { incidentId: inc.id, to: 'recovering' }, proposer: STAFF.sec1!, allowedRoles: ['security'], nowMs: T0 + 30 });
    assert.throws(() => desk.approve('p-self', { approver: STAFF.sec1!, seenPayloadHash: payloadHashOf({ incidentId: inc.id, to: 'recovering' }), nowMs: T0 + 31 }));
    book.transition(inc.id, 'recovering', { actor: STAFF.sec2!, reason: 'treasury cover posted', nowMs: T0 + 40, desk, proposalId: approveTo(desk, inc.id, 'recovering', 'p1', T0 + 35) });
    book.transition(inc.id, 'restored', { actor: STAFF.sec2!, reason: 'all phases restored', nowMs: T0 + 50, desk, proposalId: approveTo(desk, inc.id, 'restored', 'p2', T0 + 45) });
    // A consumed proposal cannot be reused.
    assert.throws(() => book.transition(inc.id, 'closed', { actor: STAFF.sec2!, reason: 'done', nowMs: T0 + 60, desk, proposalId: 'p2' }), (e) => e instanceof IncidentError);
    book.transition(inc.id, 'closed', { actor: STAFF.admin!, reason: 'report filed with VARA', nowMs: T0 + 70, desk, proposalId: approveTo(desk, inc.id, 'closed', 'p3', T0 + 65) });
    assert.equal(book.get(inc.id).state, 'closed');
    assert.deepEqual(book.get(inc.id).transitions.map((t) => [t.to, t.approvers]), [['contained', []], ['recovering', ['comp-noor']], ['restored', ['comp-noor']], ['closed', ['comp-noor']]]);
    // Rebuilt from the file alone.
    const again = new IncidentBook(IncidentLog.openFile(join(h.dir, 'incident-log.jsonl')));
    assert.deepEqual(again.get(inc.id), book.get(inc.id));
    // A tampered line refuses to open.
    const path = join(h.dir, 'incident-log.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n');
    writeFileSync(path, lines.join('\n').replace('signer halted, keys rotated', 'nothing happened'));
    assert.throws(() => IncidentLog.openFile(path), (e) => e instanceof IncidentError && e.code === 'LOG_CORRUPT');
  } finally {
    await h.close();
  }
});

test('triggers: reserve ratio below 100 %, reconciliation difference, signer refusal burst, journal and audit chain breaks, staff login anomaly', async () => {
  const h = await harness();
  try {
    assert.equal(reserveRatioTriggers(ledgerReserveRatio(h.engine.core)).length, 0);
    const short = reserveRatioTriggers(ledgerReserveRatio(h.engine.core, { chainReservesMinor: { BTC: 1n } }));
    assert.equal(short.length, 1);
    assert.equal(short[0]!.source === 'reserve_ratio' && short[0]!.asset, 'BTC');
    assert.equal(reconciliationTrigger('BTC', 5n, 5n), null);
    assert.deepEqual(reconciliationTrigger('BTC', 5n, 3n), { source: 'wallet_reconciliation', asset: 'BTC', ledgerMinor: 5n, chainMinor: 3n, differenceMinor: -2n });
    const burst = new RefusalBurst(3, 1000);
    assert.equal(burst.record(0, 'dest not whitelisted'), null);
    assert.equal(burst.record(10, 'amount above limit'), null);
    const fired = burst.record(20, 'dest not whitelisted');
    assert.deepEqual(fired, { source: 'signer_refusals', count: 3, windowMs: 1000, reasons: ['amount above limit', 'dest not whitelisted'] });
    assert.equal(burst.record(30, 'again'), null, 'fires once per burst');
    assert.equal(await journalChainTrigger(await openReadOnly(h.dir)), null);
    const log = IncidentLog.memory();
    log.append({ atMs: 1, actor: 'a', action: 'x.y', ip: '', before: null, after: { a: 1 } });
    log.append({ atMs: 2, actor: 'a', action: 'x.y', ip: '', before: null, after: { a: 2 } });
    assert.equal(auditChainTrigger(log.entries), null);
    const tampered = log.entries.map((e, i) => (i === 0 ? { ...e, after: { a: 9 } } : e));
    assert.deepEqual(auditChainTrigger(tampered), { source: 'hash_chain_break', log: 'audit', brokenAtSeq: 1, reason: 'HASH' });
    assert.equal(staffLoginTrigger({ staffId: 's', ip: '10.0.0.1', atMs: Date.UTC(2026, 0, 1, 10), knownIps: new Set(['10.0.0.1']), recentFailures: 0 }), null);
    assert.equal(staffLoginTrigger({ staffId: 's', ip: '10.0.0.9', atMs: Date.UTC(2026, 0, 1, 2), knownIps: new Set(['10.0.0.1']), recentFailures: 0 })?.source, 'staff_login_anomaly');
  } finally {
    await h.close();
  }
});

async function openReadOnly(dir: string) {
  const { FileJournal } = await import('../journal/fileJournal.ts');
  const b = new FileJournal(join(dir, 'journal'), { readOnly: true });
  await b.open();
  return b;
}

test('a damaged journal record is a hash_chain_break trigger', async () => {
  const h = await harness({ users: 1 });
  try {
    const head = h.engine.journal.lastSeq;
    await h.engine.close();
    const path = join(h.dir, 'journal', 'journal.rjr');
    const bytes = readFileSync(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(path, bytes);
    const { FileJournal } = await import('../journal/fileJournal.ts');
    const b = new FileJournal(join(h.dir, 'journal'), { readOnly: true });
    let trigger: Awaited<ReturnType<typeof journalChainTrigger>> = null;
    try {
      await b.open();
      trigger = await journalChainTrigger(b, head);
    } catch (e) {
      trigger = { source: 'hash_chain_break', log: 'journal', brokenAtSeq: 0, reason: (e as { code: string }).code };
    }
    assert.equal(trigger?.source, 'hash_chain_break');
  } finally {
    await h.close().catch(() => undefined);
  }
});

test('alerts: webhook POSTs JSON with the incident id and link, retries a bounded number of times; email lands in the outbox', async () => {
  const bodies: string[] = [];
  let calls = 0;
  const server = createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      calls++;
      bodies.push(b);
      res.statusCode = calls < 3 ? 503 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const alert = { incidentId: 'INC-0001', link: 'https://ops.example/admin/incidents/INC-0001', severity: 'critical' as const, title: 'Unmatched BTC outflow', body: 'txid …', atMs: T0 };
    const ok = await new WebhookChannel({ url: `http://127.0.0.1:${port}/hook`, attempts: 3, sleep: async () => undefined }).send(alert);
    assert.deepEqual(ok, { channel: 'webhook', ok: true, attempts: 3, detail: 'HTTP 204' });
    assert.equal(JSON.parse(bodies[0]!).incidentId, 'INC-0001');
    assert.equal(JSON.parse(bodies[0]!).link, alert.link);
    calls = -100;
    const fail = await new WebhookChannel({ url: `http://127.0.0.1:${port}/hook`, attempts: 2, sleep: async () => undefined }).send(alert);
    assert.deepEqual(fail, { channel: 'webhook', ok: false, attempts: 2, detail: 'HTTP 503' });
    assert.throws(() => new WebhookChannel({ url: 'file:///etc/passwd' }), (e) => e instanceof IncidentError);
    const h = await harness({ users: 1 });
    try {
      const dir = join(h.dir, 'outbox');
      const mail = new EmailOutboxChannel({ dir, to: ['oncall@rampart.example'], from: 'alerts@rampart.example' });
      await mail.send({ ...alert, title: 'evil\r\nBcc: x@y' });
      const [name] = readdirSync(dir);
      const text = readFileSync(join(dir, name!), 'utf8');
      assert.match(text, /Subject: \[CRITICAL\] INC-0001: evil Bcc: x@y\r\n/);
      assert.match(text, /Link: https:\/\/ops.example\/admin\/incidents\/INC-0001/);
    } finally {
      await h.close();
    }
  } finally {
    server.close();
  }
});

test('the responder sends alerts on every channel when it opens an incident, and logs the deliveries', async () => {
  const h = await harness({ users: 1 });
  try {
    const sent: string[] = [];
    const r2 = new (await import('./responder.ts')).BreachResponder({
      engine: h.engine, registry: h.registry, own: h.own, book: h.book, log: h.log, signer: h.signer, blocklist: h.blocklist, clock: h.clock.fn,
      channels: [{ name: 'test', send: async (a) => { sent.push(`${a.incidentId} ${a.link}`); return { channel: 'test', ok: true, attempts: 1, detail: '' }; } }, { name: 'broken', send: async () => { throw new Error('down'); } }],
    });
    await r2.observe({ chain: 'BTC', txid: txid(1), inputs: [{ outpoint: `${txid(2)}:0`, address: btcAddr(0, 'h'), valueMinor: 10n }], outputs: [{ address: btcAddr(1, 'a'), valueMinor: 9n }], feeMinor: 1n, seenAtMs: T0, where: 'mempool' });
    await r2.settled();
    assert.deepEqual(sent, ['INC-0001 http://127.0.0.1:8080/admin/incidents/INC-0001']);
    assert.deepEqual(r2.deliveries.map((d) => [d.channel, d.ok]), [['test', true], ['broken', false]]);
    assert.ok(h.log.entries.some((e) => e.action === 'incident.alerted'));
  } finally {
    await h.close();
  }
});
