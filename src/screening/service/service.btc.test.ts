import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type * as btc from '../../chains/btc/index.ts';
import { MemoryAlertSink } from '../../custody/alerts.ts';
import { BtcChainView } from '../../custody/btcView.ts';
import { BtcDepositService } from '../../custody/deposits.ts';
import type { SignerProcess } from '../../custody/signer/client.ts';
import { authorisedWithdrawal, balance, type Clock, must, openEngine, prepareUser, startBtcDevnet, startSigner, tempDir, testClock } from '../../custody/testing.ts';
import { WithdrawalProcessor } from '../../custody/withdrawals.ts';
import type { generateIntentKey } from '../../custody/intent.ts';
import type { Engine } from '../../engine/engine.ts';
import type { CaseAuthority } from '../cases.ts';
import { approveCaseReturn, blocklistFromIncident, listCases, proposeCaseReturn, releaseCase } from './actions.ts';
import { ScreeningDepositScreener, withdrawalScreen } from './screener.ts';
import { btcRpcTxSource } from './sources.ts';
import { ScreeningStore } from './store.ts';

let devnet: btc.Devnet;
let rpc: btc.BtcRpc;
let mine: (n: number) => Promise<string[]>;
let signer: SignerProcess;
let intentKey: ReturnType<typeof generateIntentKey>;
let engine: Engine;
let clock: Clock;
let dir: string;
let cleanup: () => void;
let view: BtcChainView;
let store: ScreeningStore;
let deposits: BtcDepositService;
const alerts = new MemoryAlertSink();
const staff: CaseAuthority = { isComplianceStaff: (a) => a === 'alice' || a === 'bob' };

function makeDeposits(): BtcDepositService {
  const screener = new ScreeningDepositScreener({ store, clock, btc: { source: btcRpcTxSource(rpc, store) } });
  return new BtcDepositService({ engine, view, alerts, clock, confirmations: 2, screener });
}

before(async () => {
  const t = tempDir('screensvc');
  dir = t.dir;
  cleanup = t.cleanup;
  ({ devnet, rpc, mine } = await startBtcDevnet());
  ({ signer, intentKey } = await startSigner(t.dir));
  clock = testClock();
  engine = await openEngine(t.dir, clock);
  for (const userId of [1, 2, 3]) await must(engine, { type: 'user.open', userId });
  const info = await signer.info();
  view = new BtcChainView({ rpc, network: 'regtest', startHeight: (await rpc.getBlockchainInfo()).blocks + 1, depositXpub: info.btcDepositXpub, hotXpub: info.btcHotXpub });
  store = ScreeningStore.open(dir);
  deposits = makeDeposits();
});

after(async () => {
  store.close();
  await signer.stop();
  await engine.close();
  await devnet.close();
  cleanup();
});

async function depositAndConfirm(userId: number, btcAmount: number): Promise<string> {
  const txid = (await rpc.call('sendtoaddress', [deposits.addressFor(userId), btcAmount])) as string;
  await deposits.onPoll(await view.poll());
  await mine(2);
  await deposits.onPoll(await view.poll());
  engine.core.checkInvariants();
  return txid;
}

const bal = (userId: number, bucket: 'available' | 'frozen'): bigint => balance(engine, `user:${userId}:BTC:${bucket}`);

test('incident attacker address → persistent blocklist → a later deposit from it is frozen with a case; clean before', async () => {
  // Clean: nothing listed, credited to available, no case.
  const clean = await depositAndConfirm(1, 0.25);
  assert.equal(bal(1, 'available'), 25_000_000n);
  assert.equal(bal(1, 'frozen'), 0n);
  assert.equal(listCases(store).length, 0);
  const rec1 = [...deposits.records.values()].find((r) => r.ref.startsWith(`btc:${clean}:`));
  assert.equal(rec1?.frozen, false);

  // The drill's attacker: the address whose coins fund the next deposits (the devnet faucet).
  const tx = await btcRpcTxSource(rpc).getTx(clean);
  const attacker = tx?.inputs[0]?.address;
  assert.ok(attacker, 'the deposit spends a standard output');
  assert.equal(blocklistFromIncident(store, [attacker], 'INC-2026-007', { atMs: clock(), by: 'breach-responder' }), 1);
  assert.equal(blocklistFromIncident(store, [attacker], 'INC-2026-007', { atMs: clock(), by: 'breach-responder' }), 0, 'idempotent');

  // Persistence: reopen the store from disk, rebuild the screener: the entry is still there.
  store.close();
  store = ScreeningStore.open(dir);
  assert.equal(store.blocklist.lookupAddress('BTC', attacker).length, 1);
  const records = deposits.exportRecords();
  deposits = makeDeposits();
  deposits.restoreRecords(records);

  const dirty = await depositAndConfirm(2, 0.4);
  assert.equal(bal(2, 'available'), 0n, 'nothing available');
  assert.equal(bal(2, 'frozen'), 40_000_000n, 'credited to the frozen bucket');
  const rec2 = [...deposits.records.values()].find((r) => r.ref.startsWith(`btc:${dirty}:`));
  assert.equal(rec2?.state, 'credited');
  assert.equal(rec2?.frozen, true);
  const cases = listCases(store);
  assert.equal(cases.length, 1);
  assert.equal(cases[0]?.id, rec2?.caseId);
  assert.equal(cases[0]?.status, 'open');
  assert.equal(cases[0]?.amountUnits, '40000000');
  assert.deepEqual(cases[0]?.listedSources, ['incident:INC-2026-007']);
  const stored = store.getCase(cases[0]!.id)!;
  assert.equal(stored.case.evidence.exposures.poison.exposureUnits, '40000000');
  assert.ok(stored.case.evidence.verdictReasons.includes('DIRECT_CONTACT'));
  assert.equal(store.audit(stored.case.id)[0]?.action, 'open');

  // Release by compliance staff → funds.unfreeze → available.
  clock.now += 1000;
  await releaseCase(store, engine, stored.case.id, 'customer proved the coins were bought OTC before the incident', { actor: 'alice', atMs: clock(), authority: staff });
  assert.equal(bal(2, 'frozen'), 0n);
  assert.equal(bal(2, 'available'), 40_000_000n);
  assert.equal(store.getCase(stored.case.id)?.case.status, 'released');
  assert.deepEqual(store.audit(stored.case.id).map((a) => a.action), ['open', 'release']);
  engine.core.checkInvariants();
});

test('return to the rightful owner needs two different staff; then ledger.post case-return:<id>', async () => {
  await depositAndConfirm(3, 0.1);
  assert.equal(bal(3, 'frozen'), 10_000_000n);
  const c = listCases(store, { status: 'open' }).find((x) => x.userId === 3);
  assert.ok(c);
  const ctx = (actor: string) => ({ actor, atMs: clock(), authority: staff });
  proposeCaseReturn(store, c.id, { toAddress: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', rationale: 'victim exchange proved ownership' }, ctx('alice'));
  await assert.rejects(approveCaseReturn(store, engine, c.id, ctx('alice')), (e: Error & { code?: string }) => e.code === 'FOUR_EYES');
  assert.equal(bal(3, 'frozen'), 10_000_000n, 'nothing moved on the refused approval');
  await assert.rejects(approveCaseReturn(store, engine, c.id, ctx('mallory')), (e: Error & { code?: string }) => e.code === 'CASE_ACTOR');
  const walletBefore = balance(engine, 'system:BTC:deposit_wallets');
  // Not swept yet: the coins leave from the deposit wallets.
  await approveCaseReturn(store, engine, c.id, ctx('bob'), 'deposit_wallets');
  assert.equal(bal(3, 'frozen'), 0n);
  assert.equal(balance(engine, 'system:BTC:deposit_wallets') - walletBefore, 10_000_000n, 'custody holdings fall by the amount');
  assert.equal(store.getCase(c.id)?.case.status, 'returned');
  assert.deepEqual(store.audit(c.id).map((a) => `${a.action}:${a.actor}`), ['open:system:screening', 'propose_return:alice', 'approve_return:bob']);
  engine.core.checkInvariants();
});

test('withdrawal to the attacker address is rejected before signing, with a case; a clean destination passes', async () => {
  const attacker = store.blocklist.activeBySource('incident')[0]!.value;
  const screen = withdrawalScreen({ store, clock });
  await assert.rejects(screen({ id: 'w-1', userId: 1, asset: 'BTC', destination: attacker, amount: 1000n }), (e: Error & { code?: string }) => e.code === 'WITHDRAWAL_REJECTED');
  await assert.rejects(screen({ id: 'w-1', userId: 1, asset: 'BTC', destination: attacker, amount: 1000n }), (e: Error & { code?: string }) => e.code === 'WITHDRAWAL_REJECTED');
  assert.equal(listCases(store).filter((c) => c.kind === 'withdrawal').length, 1, 'one case per withdrawal, however often it is asked');
  await screen({ id: 'w-2', userId: 1, asset: 'BTC', destination: deposits.addressFor(1), amount: 1000n });
});

test('withdrawal processor: an authorised withdrawal to the attacker address is refused before signing (nothing signed), case opened', async () => {
  const attacker = store.blocklist.activeBySource('incident')[0]!.value;
  const processor = new WithdrawalProcessor({
    engine,
    signer,
    intentSecretKeyHex: intentKey.secretKeyHex,
    alerts,
    clock,
    feeCapMinor: { BTC: 100_000n, ETH: 10n ** 16n },
    btc: { view, confirmations: 2 },
    screenDestination: withdrawalScreen({ store, clock }),
  });
  await prepareUser(engine, clock, 2, 'BTC', attacker);
  await authorisedWithdrawal(engine, clock, 'w-att', 2, 'BTC', 1_000_000n, attacker);
  await processor.tick();
  await processor.tick();
  assert.equal(processor.status('w-att')?.progress, 'refused');
  assert.equal(processor.status('w-att')?.lastError, 'WITHDRAWAL_REJECTED');
  assert.deepEqual(await signer.lookup('withdraw', 'w-att'), [], 'the signer was never asked');
  const c = listCases(store).find((x) => x.ref === 'w-att');
  assert.equal(c?.kind, 'withdrawal');
  assert.deepEqual(c?.listedSources, ['incident:INC-2026-007']);
});
