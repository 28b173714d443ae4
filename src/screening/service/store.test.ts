import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { parseSafeXml } from '../../shared/xml.ts';
import type { CaseAuthority } from '../cases.ts';
import { type FreezeRequest, signFreezeRequest, verifyFreezeResponse } from '../freezeRequest.ts';
import { blocklistFromIncident, exportStr, handleFreezeRequest, importCsvFile, importOfacFile, keepCaseFrozen, listCases, noteCase, releaseCase } from './actions.ts';
import { ScreeningDepositScreener } from './screener.ts';
import { fromJson, ScreeningStore, toJson } from './store.ts';

const staff: CaseAuthority = { isComplianceStaff: (a) => a === 'alice' || a === 'bob' };
const T = 1_800_000_000_000;
const ETH_ATTACKER = '0x098b716b8aaf21512996dc57eb0615e2383e2f96';
const USER_ADDR = '0x1111111111111111111111111111111111111111';

function withDir<T>(f: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'scrstore-'));
  return Promise.resolve(f(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** A fake engine: records commands, answers ok (or the given refusal), duplicate on a repeated ref. */
function fakeEngine(refuse?: string) {
  const seen = new Set<string>();
  const cmds: { type: string; ref?: string; amount?: bigint; userId?: number }[] = [];
  return {
    cmds,
    async submit(c: { type: string; ref?: string }) {
      if (refuse) return { ok: false, error: { code: refuse, message: 'no' } };
      const k = `${c.type}:${c.ref}`;
      if (seen.has(k)) return { ok: false, error: { code: 'DUPLICATE', message: 'dup' } };
      seen.add(k);
      cmds.push(c);
      return { ok: true, events: [] };
    },
  } as unknown as { cmds: typeof cmds; submit: import('../../engine/engine.ts').Engine['submit'] };
}

/** An ETH deposit from the attacker, traced over an in-memory source. */
function ethScreener(store: ScreeningStore) {
  const deposit = { hash: `0x${'ab'.repeat(32)}`, from: ETH_ATTACKER, to: USER_ADDR, valueWei: 10n ** 18n, blockNumber: 100 };
  return new ScreeningDepositScreener({
    store,
    clock: () => T,
    eth: {
      source: { getIncoming: async () => [] },
      client: { getTransaction: async () => ({ ...deposit, to: deposit.to, blockNumber: 100n }) as never },
    },
  });
}
const ethRec = { ref: `eth:0x${'ab'.repeat(32)}`, asset: 'ETH' as const, userId: 7, address: USER_ADDR, amountMinor: 10n ** 18n, height: 100, blockHash: `0x${'cd'.repeat(32)}`, state: 'pending' as const };

test('bigint JSON round trip is exact (property)', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.string(), (n, s) => {
      assert.deepEqual(fromJson(toJson({ n, s, list: [n] })), { n, s, list: [n] });
    }),
    { numRuns: 200 },
  );
});

test('store survives a reopen: blocklist (with removals), cases with audit, counterparties, seen freeze requests', () =>
  withDir(async (dir) => {
    let store = ScreeningStore.open(dir);
    assert.equal(blocklistFromIncident(store, [ETH_ATTACKER, { chain: 'BTC', address: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080' }], 'INC-1', { atMs: T, by: 'responder' }), 2);
    store.blocklist.remove({ chain: 'BTC', kind: 'address', value: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', atMs: T + 1, by: 'alice', reason: 'false positive' });
    store.saveBlocklist();
    const v = await ethScreener(store).screen(ethRec);
    assert.deepEqual(v, { frozen: true, caseId: `dep:${ethRec.ref}` });
    assert.deepEqual(await ethScreener(store).screen(ethRec), v, 'screening again finds the same case');
    noteCase(store, v.caseId!, 'customer contacted', { actor: 'alice', atMs: T + 5, authority: staff });
    const pk = bytesToHex(ed25519.getPublicKey(new Uint8Array(32).fill(3)));
    store.registerCounterparty({ id: 'police', name: 'Dubai Police', kind: 'law_enforcement', publicKeyHex: pk, registeredBy: 'alice', registeredAtMs: T });
    store.markFreezeSeen('police:R1', T, { ok: true });
    store.close();

    store = ScreeningStore.open(dir);
    assert.equal(store.blocklist.lookupAddress('ETH', ETH_ATTACKER).length, 1);
    assert.equal(store.blocklist.lookupAddress('BTC', 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080').length, 0, 'removal persisted');
    assert.equal(store.blocklist.export().entries.length, 2, 'the removed entry is kept as history');
    const c = store.getCase(v.caseId!)!;
    assert.equal(c.case.amountUnits, 10n ** 18n);
    assert.equal(c.userId, 7);
    assert.equal(c.case.evidence.exposures.poison.bps, 10_000);
    assert.deepEqual(store.audit(v.caseId!).map((a) => a.action), ['open', 'note']);
    assert.equal(store.counterparties.get('police')?.publicKeyHex, pk);
    assert.equal(store.isFreezeSeen('police:R1'), true);
    // A stale transition (from an old version) is refused.
    const stale = (await import('../cases.ts')).addNote({ ...c.case, version: 1, notes: [] }, 'x', { actor: 'bob', atMs: T + 6, authority: staff });
    assert.throws(() => store.updateCase(stale.case, stale.audit), { code: 'CASE_STALE' });
    store.close();
  }));

test('release: funds.unfreeze with ref case-release:<id>; a core refusal leaves the case untouched', () =>
  withDir(async (dir) => {
    const store = ScreeningStore.open(dir);
    blocklistFromIncident(store, [ETH_ATTACKER], 'INC-1', { atMs: T, by: 'r' });
    const { caseId } = await ethScreener(store).screen(ethRec);
    const refusing = fakeEngine('BALANCE_CONSTRAINT');
    await assert.rejects(releaseCase(store, refusing, caseId!, 'ok', { actor: 'alice', atMs: T + 1, authority: staff }), { code: 'LEDGER_REFUSED' });
    assert.equal(store.getCase(caseId!)?.case.status, 'open');
    await assert.rejects(releaseCase(store, fakeEngine(), caseId!, 'ok', { actor: 'mallory', atMs: T + 1, authority: staff }), { code: 'CASE_ACTOR' });
    keepCaseFrozen(store, caseId!, 'waiting for the police', { actor: 'bob', atMs: T + 2, authority: staff });
    const e = fakeEngine();
    await releaseCase(store, e, caseId!, 'police cleared it', { actor: 'alice', atMs: T + 3, authority: staff });
    assert.deepEqual(e.cmds, [{ type: 'funds.unfreeze', userId: 7, asset: 'ETH', amount: 10n ** 18n, ref: `case-release:${caseId}` }]);
    assert.equal(listCases(store, { status: 'released' }).length, 1);
    store.close();
  }));

test('OFAC file import (real-format sample) and CSV file import with hostile rows persist', () =>
  withDir((dir) => {
    const store = ScreeningStore.open(dir);
    const o = importOfacFile(store, new URL('../fixtures/sdn_sample.xml', import.meta.url).pathname, { atMs: T, by: 'alice' });
    assert.ok(o.added >= 3, `added ${o.added}`);
    assert.ok(o.skipped.length > 0, 'unsupported tickers reported');
    assert.equal(store.blocklist.lookupAddress('ETH', ETH_ATTACKER)[0]?.source, 'ofac', 'the Ronin exploiter address');
    const csv = join(dir, 'list.csv');
    writeFileSync(csv, `chain,address,reason\nETH,${USER_ADDR},scam\nETH,=cmd|' /C calc'!A0,inject\nDOGE,abc,x\n`);
    const c = importCsvFile(store, csv, { atMs: T, by: 'alice' });
    assert.equal(c.added, 1);
    assert.deepEqual(c.errors.map((e) => e.code).sort(), ['CSV_CHAIN_INVALID', 'CSV_FORMULA_INJECTION']);
    const n = store.blocklist.export().entries.length;
    store.close();
    const again = ScreeningStore.open(dir);
    assert.equal(again.blocklist.export().entries.length, n);
    assert.equal(again.blocklist.lookupAddress('ETH', USER_ADDR)[0]?.sourceRef, 'list.csv:2');
    again.close();
  }));

test('freeze request: bad signature refused with nothing changed; valid one freezes holdings, opens cases, signed response; replay refused', () =>
  withDir(async (dir) => {
    const store = ScreeningStore.open(dir);
    const partnerSk = new Uint8Array(32).fill(9);
    const ourSk = new Uint8Array(32).fill(4);
    store.registerCounterparty({ id: 'partner', name: 'Partner FZE', kind: 'exchange', publicKeyHex: bytesToHex(ed25519.getPublicKey(partnerSk)), registeredBy: 'alice', registeredAtMs: T });
    const request: FreezeRequest = { requestId: 'PX-1', counterpartyId: 'partner', issuedAtMs: T, items: [{ chain: 'ETH', kind: 'address', value: ETH_ATTACKER }, { chain: 'ETH', kind: 'address', value: USER_ADDR }], reason: 'hot wallet theft', contact: 'sec@partner.example' };
    const holdings = [{ chain: 'ETH' as const, kind: 'address' as const, value: USER_ADDR, holdingRef: 'H-1', accountId: 'user:7:ETH', amountUnits: 5n * 10n ** 17n }];
    const forged = signFreezeRequest(request, new Uint8Array(32).fill(1));
    const e = fakeEngine();
    await assert.rejects(handleFreezeRequest(store, forged, holdings, { nowMs: T + 1000, by: 'alice', engine: e }), { code: 'FREEZE_BAD_SIGNATURE' });
    assert.equal(store.blocklist.size, 0);
    assert.equal(e.cmds.length, 0);
    assert.equal(listCases(store).length, 0);

    const env = signFreezeRequest(request, partnerSk);
    const r = await handleFreezeRequest(store, JSON.stringify(env), holdings, { nowMs: T + 1000, by: 'alice', engine: e, responseSecretKey: ourSk });
    assert.deepEqual(e.cmds, [{ type: 'funds.freeze', userId: 7, asset: 'ETH', amount: 5n * 10n ** 17n, ref: 'freeze:partner:PX-1:H-1' }]);
    assert.deepEqual(r.response.items.map((i) => i.status), ['not_held', 'frozen']);
    assert.ok(r.signature && verifyFreezeResponse({ response: r.response, signature: r.signature }, bytesToHex(ed25519.getPublicKey(ourSk))));
    assert.equal(r.caseIds.length, 1);
    assert.equal(store.getCase(r.caseIds[0]!)?.kind, 'freeze_request');
    assert.equal(store.blocklist.lookupAddress('ETH', ETH_ATTACKER)[0]?.source, 'freeze_request');
    await assert.rejects(handleFreezeRequest(store, env, holdings, { nowMs: T + 2000, by: 'alice', engine: e }), { code: 'FREEZE_DUPLICATE' });
    assert.equal(e.cmds.length, 1);
    store.close();
  }));

test('exportStr: goAML-style XML of a case that passes the safe XML parser, hostile text escaped', () =>
  withDir(async (dir) => {
    const store = ScreeningStore.open(dir);
    blocklistFromIncident(store, [{ chain: 'ETH', address: ETH_ATTACKER, reason: 'attacker <script>&' }], 'INC-9', { atMs: T, by: 'r' });
    const { caseId } = await ethScreener(store).screen(ethRec);
    const xml = exportStr(store, caseId!, {
      nowMs: T + 60_000,
      amountLocalFils: 1_234_500n,
      profile: { rentityId: '1234', reportingPerson: { kind: 'person', firstName: 'Layla', lastName: 'Haddad' }, location: { address: 'Office 12, DIFC', city: 'Dubai', countryCode: 'AE' }, transmodeCode: 'VA', fundsCode: 'K', institutionName: 'Rampart' },
    });
    const doc = parseSafeXml(xml) as { report: { entity_reference: string; report_code: string } };
    assert.equal(doc.report.entity_reference, caseId);
    assert.equal(doc.report.report_code, 'STR');
    assert.match(xml, /attacker &lt;script&gt;&amp;/);
    assert.match(xml, /<amount_local>12345.00<\/amount_local>/);
    assert.throws(() => exportStr(store, 'nope', { nowMs: T, profile: {} as never }), { code: 'CASE_NOT_FOUND' });
    store.close();
  }));

test('ethScanTxSource: transfers strictly before the block, inside the window, native value only; feeds a haircut trace', async () => {
  const { ethScanTxSource } = await import('./sources.ts');
  const { traceEthDeposit } = await import('../trace.ts');
  const A = ETH_ATTACKER;
  const M = '0x2222222222222222222222222222222222222222';
  const tx = (n: number, from: string, to: string | null, valueWei: bigint) => ({ hash: `0x${n.toString(16).padStart(64, '0')}`, from, to, valueWei });
  const blocks: Record<number, ReturnType<typeof tx>[]> = {
    1: [tx(1, A, M, 3n * 10n ** 18n)],
    2: [tx(2, '0x3333333333333333333333333333333333333333', M, 1n * 10n ** 18n), tx(3, A, null, 5n)],
    3: [tx(4, M, USER_ADDR, 2n * 10n ** 18n), tx(5, A, M, 0n)],
  };
  let calls = 0;
  const src = ethScanTxSource({ getBlock: async (n) => {
      calls += 1;
      return { transactions: blocks[Number(n)] ?? [] } as never;
    },
  }, { windowBlocks: 10 });
  assert.deepEqual((await src.getIncoming(M, 3)).map((t) => t.hash.slice(-1)), ['1', '2']);
  assert.deepEqual((await src.getIncoming(M, 2)).map((t) => t.hash.slice(-1)), ['1'], 'strictly before the block');
  assert.equal((await src.getOutgoing!(A, 4)).length, 1, 'contract creation and zero-value transfers ignored');
  const before = calls;
  await src.getIncoming(M, 3);
  assert.equal(calls, before, 'blocks are cached');
  const store = ScreeningStore.open(':memory:');
  blocklistFromIncident(store, [A], 'INC-3', { atMs: T, by: 'r' });
  const r = await traceEthDeposit({ deposit: { hash: blocks[3]![0]!.hash, from: M, to: USER_ADDR, valueWei: 2n * 10n ** 18n, blockNumber: 3 }, source: src, list: store.blocklist });
  assert.equal(r.exposures.haircut.bps, 7500, '3 of the 4 ETH M received were the attacker’s');
  store.close();
});
