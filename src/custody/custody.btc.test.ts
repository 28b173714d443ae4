import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as btc from '../chains/btc/index.ts';
import type { Engine } from '../engine/engine.ts';
import { MemoryAlertSink } from './alerts.ts';
import { BtcChainView } from './btcView.ts';
import { coldSignFiles } from './coldSign.ts';
import { BtcDepositService } from './deposits.ts';
import { CustodyError } from './errors.ts';
import { customerLiabilities, hotCapMinor, RefillDesk, sweepHotExcessBtc } from './hotCold.ts';
import { MoveTracker } from './moves.ts';
import { btcHoldings, reconcileWallets } from './reconcile.ts';
import type { SignerProcess } from './signer/client.ts';
import { sweepBtcDeposits } from './sweeps.ts';
import { type Clock, holdings, must, openEngine, startBtcDevnet, startSigner, tempDir, testClock } from './testing.ts';

const NET = 'regtest';
// BIP39 test vector mnemonic as the offline cold key: only its xpub reaches the server side.
const COLD_MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const cold = btc.bip84Account(btc.mnemonicToSeed(COLD_MNEMONIC), NET);

let devnet: btc.Devnet;
let rpc: btc.BtcRpc;
let mine: (n: number) => Promise<string[]>;
let signer: SignerProcess;
let engine: Engine;
let clock: Clock;
let dir: string;
let cleanup: () => void;
let view: BtcChainView;
let deposits: BtcDepositService;
let moves: MoveTracker;
const alerts = new MemoryAlertSink();

before(async () => {
  const t = tempDir('btccust');
  dir = t.dir;
  cleanup = t.cleanup;
  ({ devnet, rpc, mine } = await startBtcDevnet());
  ({ signer } = await startSigner(dir, { coldBtcXpub: cold.xpub }));
  clock = testClock();
  engine = await openEngine(dir, clock);
  for (const userId of [1, 2]) await must(engine, { type: 'user.open', userId });
  const info = await signer.info();
  view = new BtcChainView({ rpc, network: NET, startHeight: (await rpc.getBlockchainInfo()).blocks + 1, depositXpub: info.btcDepositXpub, hotXpub: info.btcHotXpub, coldXpub: cold.xpub });
  deposits = new BtcDepositService({ engine, view, alerts, clock, confirmations: 2 });
  moves = new MoveTracker({ engine, chains: { btcRpc: rpc }, alerts, clock });
  // Operator capital in the hot wallet: the treasury pays network fees.
  await rpc.call('sendtoaddress', [info.btcHotAddress, 0.01]);
  await must(engine, { type: 'ledger.post', ref: 'capital', memo: 'operator capital', transfers: [{ debit: 'system:BTC:hot_wallet', credit: 'system:BTC:treasury', amount: 1_000_000n }] });
  await rpc.call('sendtoaddress', [deposits.addressFor(1), 1]);
  await rpc.call('sendtoaddress', [deposits.addressFor(2), 0.5]);
  await mine(2);
  await step();
});

after(async () => {
  await signer.stop();
  await engine.close();
  await devnet.close();
  cleanup();
});

async function step(): Promise<void> {
  await deposits.onPoll(await view.poll());
  await moves.settle();
  engine.core.checkInvariants();
}

function reconcile() {
  return reconcileWallets({ core: engine.core, asset: 'BTC', onChain: btcHoldings(view, deposits), alerts, clock });
}

test('credited deposits and the chain agree; reconciliation is clean', () => {
  assert.equal(holdings(engine, 'system:BTC:deposit_wallets'), 150_000_000n);
  assert.ok(reconcile().every((r) => r.diffMinor === 0n));
  assert.equal(alerts.of('RECONCILIATION_MISMATCH').length, 0);
});

test('sweep: credited deposits consolidated to hot, recorded as ledger.post (fee from treasury)', async () => {
  const treasuryBefore = engine.core.ledger.balances[engine.core.accountByKey('system:BTC:treasury')]!;
  const txid = await sweepBtcDeposits({ view, deposits, signer, moves });
  assert.ok(txid !== undefined);
  await mine(1);
  await step();
  await view.poll();
  assert.equal(holdings(engine, 'system:BTC:deposit_wallets'), 0n);
  const fee = treasuryBefore - engine.core.ledger.balances[engine.core.accountByKey('system:BTC:treasury')]!;
  assert.ok(fee > 0n && fee < 10_000n, `fee ${fee}`);
  assert.equal(holdings(engine, 'system:BTC:hot_wallet'), 1_000_000n + 150_000_000n - fee);
  assert.ok([...engine.core.idempotent.keys()].some((k) => k.endsWith(`sweep:${txid}`)), 'recorded with ref sweep:<txid>');
  assert.ok(reconcile().every((r) => r.diffMinor === 0n));
});

test('hot over its cap (5% of customer liabilities): the excess goes to the cold xpub address', async () => {
  const cap = hotCapMinor(engine.core, 'BTC');
  assert.equal(customerLiabilities(engine.core, 'BTC'), 150_000_000n);
  assert.equal(cap, 7_500_000n);
  const hotBefore = view.balanceSat('hot');
  const txid = await sweepHotExcessBtc({ core: engine.core, view, signer, moves, moveId: 'tocold-1' });
  assert.ok(txid !== undefined);
  const tx = await rpc.getRawTransaction(txid);
  assert.ok(tx.vout.some((o) => o.address === view.coldAddresses[0] && o.valueSat === hotBefore - cap), 'pays the cold address derived from the cold xpub');
  await mine(1);
  await step();
  assert.equal(holdings(engine, 'system:BTC:cold_wallet'), hotBefore - cap);
  assert.ok(view.balanceSat('hot') < cap);
  assert.ok(reconcile().every((r) => r.diffMinor === 0n));
  assert.equal(await sweepHotExcessBtc({ core: engine.core, view, signer, moves, moveId: 'tocold-2' }), undefined, 'within the cap: nothing to do');
});

test('refill cold→hot: PSBT needs two approvals, a tampered signed PSBT is refused, the approved one is broadcast and posted', async () => {
  const desk = new RefillDesk({ moves, requiredApprovals: 2, btc: { view, coldXpub: cold.xpub, coldMasterFingerprint: cold.masterFingerprint } });
  const now = clock();
  const p = await desk.proposeBtc('refill-1', 20_000_000n, { id: 'alice', role: 'treasury' }, now);
  assert.throws(() => desk.exportForSigning('refill-1', now), (e) => e instanceof CustodyError && e.code === 'REFILL_NOT_APPROVED');
  assert.throws(() => desk.approve('refill-1', { id: 'alice', role: 'treasury' }, p.payloadHash, now), /own proposal/);
  desk.approve('refill-1', { id: 'bob', role: 'security' }, p.payloadHash, now);
  assert.throws(() => desk.exportForSigning('refill-1', now), (e) => e instanceof CustodyError && e.code === 'REFILL_NOT_APPROVED');
  desk.approve('refill-1', { id: 'carol', role: 'treasury' }, p.payloadHash, now);
  const payload = desk.exportForSigning('refill-1', now);
  assert.equal(payload.asset, 'BTC');
  // Offline: the cold-sign wrapper with the approval carried separately.
  const psbtFile = join(dir, 'refill.psbt');
  const mnemonicFile = join(dir, 'cold.mnemonic');
  const approvedFile = join(dir, 'refill.approved.json');
  writeFileSync(psbtFile, payload.asset === 'BTC' ? payload.psbtBase64 : '');
  writeFileSync(mnemonicFile, COLD_MNEMONIC);
  writeFileSync(approvedFile, JSON.stringify(payload));
  const { outFile } = coldSignFiles({ psbtFile, mnemonicFile, approvedFile });
  const signed = readFileSync(outFile, 'utf8').trim();
  // Tampered: a PSBT paying elsewhere, validly signed by the cold key, is not what was approved.
  const other = btc.createRefillPsbt({
    accountXpub: cold.xpub,
    network: NET,
    masterFingerprint: cold.masterFingerprint,
    utxos: view.unspent('cold', 1).map((u) => ({ txid: u.txid, vout: u.vout, valueSat: u.valueSat, scriptPubKey: btc.parseAddress(u.address, NET).scriptPubKey, chain: 0 as const, index: 0 })),
    outputs: [btc.outputTo(btc.deriveReceiveAddress(cold.xpub, NET, 7).address, 20_000_000n, NET)],
    feeRateSatPerVb: 2n,
    changeIndex: 0,
  });
  const tampered = btc.coldSign(other.psbtBase64, COLD_MNEMONIC);
  await assert.rejects(desk.acceptSigned('refill-1', tampered, now, 'alice'), (e) => e instanceof btc.BtcChainError && e.code === 'PSBT_OUTPUTS_MISMATCH');
  writeFileSync(join(dir, 'other.psbt'), other.psbtBase64);
  assert.throws(() => coldSignFiles({ psbtFile: join(dir, 'other.psbt'), mnemonicFile, approvedFile }), (e) => e instanceof CustodyError && e.code === 'REFILL_NOT_APPROVED');
  const coldBefore = holdings(engine, 'system:BTC:cold_wallet');
  const hotBefore = holdings(engine, 'system:BTC:hot_wallet');
  const txid = await desk.acceptSigned('refill-1', signed, now, 'alice');
  assert.equal(desk.get('refill-1')!.status, 'executed');
  await assert.rejects(desk.acceptSigned('refill-1', signed, now, 'alice'), (e) => e instanceof CustodyError && e.code === 'REFILL_NOT_APPROVED');
  await mine(1);
  await step();
  const fee = BigInt(payload.asset === 'BTC' ? payload.feeMinor : '0');
  assert.equal(holdings(engine, 'system:BTC:hot_wallet'), hotBefore + 20_000_000n);
  assert.equal(holdings(engine, 'system:BTC:cold_wallet'), coldBefore - 20_000_000n - fee);
  assert.ok((await rpc.getRawTransaction(txid)).confirmations! >= 1);
  assert.ok(reconcile().every((r) => r.diffMinor === 0n));
  assert.equal(alerts.of('RECONCILIATION_MISMATCH').length, 0);
});

test('reconciliation: coins the ledger does not know about are an alert for the incident module', async () => {
  await rpc.call('sendtoaddress', [view.hotAddress, 0.001]);
  await mine(1);
  await step();
  const rows = reconcile();
  const hot = rows.find((r) => r.account === 'hot_wallet')!;
  assert.equal(hot.diffMinor, 100_000n);
  const a = alerts.of('RECONCILIATION_MISMATCH');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.details.account, 'hot_wallet');
  engine.core.checkInvariants();
});
