import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as btc from '../chains/btc/index.ts';
import type { Engine } from '../engine/engine.ts';
import { MemoryAlertSink } from './alerts.ts';
import { BtcChainView } from './btcView.ts';
import { CustodyError } from './errors.ts';
import { generateIntentKey, signIntent, type WithdrawalIntent } from './intent.ts';
import { SignerProcess } from './signer/client.ts';
import type { SignerConfig } from './signer/core.ts';
import { authorisedWithdrawal, type Clock, holdings, must, openEngine, prepareUser, startBtcDevnet, startSigner, tempDir, testClock } from './testing.ts';
import { WithdrawalProcessor } from './withdrawals.ts';

const NET = 'regtest';
const DEST = btc.deriveReceiveAddress(btc.bip84Account(btc.mnemonicToSeed('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'), NET).xpub, NET, 0).address;
let devnet: btc.Devnet;
let rpc: btc.BtcRpc;
let mine: (n: number) => Promise<string[]>;
let signer: SignerProcess;
let signerConfig: SignerConfig;
let intentKey: ReturnType<typeof generateIntentKey>;
let engine: Engine;
let clock: Clock;
let dir: string;
let cleanup: () => void;
let startHeight: number;
const alerts = new MemoryAlertSink();

function makeView(info: { btcDepositXpub: string; btcHotXpub: string }): BtcChainView {
  return new BtcChainView({ rpc, network: NET, startHeight, depositXpub: info.btcDepositXpub, hotXpub: info.btcHotXpub });
}
function makeProcessor(s: SignerProcess, view: BtcChainView, afterSign?: () => void): WithdrawalProcessor {
  return new WithdrawalProcessor({ engine, signer: s, intentSecretKeyHex: intentKey.secretKeyHex, alerts, clock, feeCapMinor: { BTC: 100_000n, ETH: 10n ** 16n }, btc: { view, confirmations: 2 }, ...(afterSign ? { afterSign } : {}) });
}

/** Every output paying `address` in the active chain. */
async function paymentsTo(address: string): Promise<Array<{ txid: string; amountSat: bigint }>> {
  const w = new btc.BtcWatcher({ rpc, network: NET, addresses: [address], startHeight, blocksPerPollMax: 10_000 });
  const r = await w.poll();
  return r.connected.flatMap((b) => b.deposits.map((d) => ({ txid: d.txid, amountSat: d.amountSat })));
}

let view: BtcChainView;
let processor: WithdrawalProcessor;

before(async () => {
  const t = tempDir('btcwd');
  dir = t.dir;
  cleanup = t.cleanup;
  ({ devnet, rpc, mine } = await startBtcDevnet());
  startHeight = (await rpc.getBlockchainInfo()).blocks + 1;
  ({ signer, intentKey, config: signerConfig } = await startSigner(dir));
  clock = testClock();
  engine = await openEngine(dir, clock);
  await must(engine, { type: 'user.open', userId: 1 });
  await must(engine, { type: 'deposit', userId: 1, asset: 'BTC', amount: 300_000_000n, source: 'chain', ref: 'btc:seed:0' });
  await prepareUser(engine, clock, 1, 'BTC', DEST);
  // The customer's coins and the operator's own (treasury: pays network fees) sit in the hot wallet.
  const info = await signer.info();
  await rpc.call('sendtoaddress', [info.btcHotAddress, 3]);
  await rpc.call('sendtoaddress', [info.btcHotAddress, 0.01]);
  await must(engine, { type: 'ledger.post', ref: 'seed-sweep', memo: 'test', transfers: [{ debit: 'system:BTC:hot_wallet', credit: 'system:BTC:deposit_wallets', amount: 300_000_000n }] });
  await must(engine, { type: 'ledger.post', ref: 'seed-capital', memo: 'operator capital', transfers: [{ debit: 'system:BTC:hot_wallet', credit: 'system:BTC:treasury', amount: 1_000_000n }] });
  await mine(1);
  view = makeView(info);
  await view.poll();
  processor = makeProcessor(signer, view);
});

after(async () => {
  await signer.stop();
  await engine.close();
  await devnet.close();
  cleanup();
});

async function step(p: WithdrawalProcessor, v: BtcChainView): Promise<void> {
  await v.poll();
  await p.tick();
  engine.core.checkInvariants();
}

test('withdrawal → signed by the signer process → broadcast → confirmed → settled with the txid', async () => {
  await authorisedWithdrawal(engine, clock, 'bw1', 1, 'BTC', 10_000_000n, DEST, 1_000n);
  const hotBefore = holdings(engine, 'system:BTC:hot_wallet');
  await step(processor, view);
  const st = processor.status('bw1')!;
  assert.equal(st.progress, 'broadcast');
  assert.ok((await rpc.getRawMempool()).includes(st.txid!));
  await mine(1);
  await step(processor, view);
  assert.equal(processor.status('bw1')!.progress, 'confirming');
  assert.ok(engine.core.withdrawals.has('bw1'), 'not settled before the confirmations');
  await mine(1);
  await step(processor, view);
  assert.equal(processor.status('bw1')!.progress, 'settled');
  assert.equal(engine.core.withdrawals.has('bw1'), false);
  const entry = (await signer.lookup('withdraw', 'bw1'))[0]!;
  // The hot wallet paid the amount and the network fee; the customer's fee went to revenue.
  assert.equal(holdings(engine, 'system:BTC:hot_wallet'), hotBefore - 10_000_000n - entry.feeMinor);
  assert.deepEqual(await paymentsTo(DEST), [{ txid: entry.txid, amountSat: 10_000_000n }]);
});

test('crash between signing and recording: restart rebroadcasts the same signed tx, paid once', async () => {
  const crash = new Error('process died after signing');
  const dying = makeProcessor(signer, view, () => {
    throw crash;
  });
  await authorisedWithdrawal(engine, clock, 'bw2', 1, 'BTC', 20_000_000n, DEST);
  await assert.rejects(dying.tick(), (e) => e === crash);
  const signed = await signer.lookup('withdraw', 'bw2');
  assert.equal(signed.length, 1);
  assert.equal((await rpc.getRawMempool()).includes(signed[0]!.txid), false, 'never broadcast');
  // The signer process dies too; everything restarts from disk (signer log, journal) and the chain.
  await signer.kill();
  signer = await SignerProcess.start(signerConfig);
  const view2 = makeView(await signer.info());
  const restarted = makeProcessor(signer, view2);
  restarted.reconcile();
  await step(restarted, view2);
  assert.equal(restarted.status('bw2')!.txid, signed[0]!.txid, 'the same transaction, not a new one');
  assert.ok((await rpc.getRawMempool()).includes(signed[0]!.txid));
  await mine(2);
  await step(restarted, view2);
  assert.equal(engine.core.withdrawals.has('bw2'), false);
  assert.equal((await signer.lookup('withdraw', 'bw2')).length, 1, 'the signer signed it once');
  const paid = (await paymentsTo(DEST)).filter((p) => p.amountSat === 20_000_000n);
  assert.deepEqual(paid, [{ txid: signed[0]!.txid, amountSat: 20_000_000n }]);
  view = view2;
  processor = restarted;
});

test('crash after broadcast, before settle: restart follows the tx and settles, no new signature', async () => {
  const first = makeProcessor(signer, view);
  await authorisedWithdrawal(engine, clock, 'bw3', 1, 'BTC', 5_000_000n, DEST);
  await step(first, view);
  const txid = first.status('bw3')!.txid!;
  await mine(2);
  const view3 = makeView(await signer.info());
  const restarted = makeProcessor(signer, view3);
  restarted.reconcile();
  await step(restarted, view3);
  assert.equal(engine.core.withdrawals.has('bw3'), false);
  assert.equal((await signer.lookup('withdraw', 'bw3')).length, 1);
  assert.deepEqual((await paymentsTo(DEST)).filter((p) => p.amountSat === 5_000_000n), [{ txid, amountSat: 5_000_000n }]);
  view = view3;
  processor = restarted;
});

test('RBF: a stuck withdrawal is replaced (same inputs, higher fee); only one confirms', async () => {
  const p = makeProcessor(signer, view);
  await authorisedWithdrawal(engine, clock, 'bw4', 1, 'BTC', 7_000_000n, DEST);
  await step(p, view);
  const original = p.status('bw4')!.txid!;
  await p.bumpNow('bw4');
  const attempts = await signer.lookup('withdraw', 'bw4');
  assert.equal(attempts.length, 2);
  assert.ok(attempts[1]!.feeMinor > attempts[0]!.feeMinor);
  assert.deepEqual(attempts[1]!.btc!.inputs, attempts[0]!.btc!.inputs);
  const mempool = await rpc.getRawMempool();
  assert.ok(mempool.includes(attempts[1]!.txid) && !mempool.includes(original), 'the replacement evicted the original');
  await mine(2);
  await step(p, view);
  assert.equal(engine.core.withdrawals.has('bw4'), false);
  assert.deepEqual((await paymentsTo(DEST)).filter((x) => x.amountSat === 7_000_000n), [{ txid: attempts[1]!.txid, amountSat: 7_000_000n }]);
});

test('a staff cancel after the transaction was signed is refused by the core: no refund beside a payout in flight', async () => {
  const p = makeProcessor(signer, view);
  await authorisedWithdrawal(engine, clock, 'bw5', 1, 'BTC', 3_000_000n, DEST);
  await step(p, view);
  assert.equal(p.status('bw5')!.progress, 'broadcast');
  const r = await engine.submit({ type: 'withdrawal.cancel', withdrawalId: 'bw5', reason: 'staff cancel' });
  assert.equal(r.ok, false);
  assert.equal(r.error?.code, 'HOLD_STATE');
  await mine(2);
  await step(p, view);
  assert.equal(engine.core.withdrawals.has('bw5'), false, 'settled once');
  assert.equal(alerts.of('WITHDRAWAL_CONFLICT').filter((x) => x.details.withdrawalId === 'bw5').length, 0);
  assert.deepEqual((await paymentsTo(DEST)).filter((x) => x.amountSat === 3_000_000n).length, 1);
});

test('the signer refuses a bad intent signature, an amount over its limits, a blocklisted destination', async () => {
  const blocklist = join(dir, 'blocklist.txt');
  writeFileSync(blocklist, `# sanctioned\n${DEST}\n`);
  const strict = await SignerProcess.start({ ...signerConfig, dir: join(dir, 'strict', 'keys'), blocklistPath: blocklist, policy: { ...signerConfig.policy, BTC: { ...signerConfig.policy.BTC, txMaxMinor: 50_000_000n, hourlyMaxMinor: 60_000_000n } } });
  try {
    const info = await strict.info();
    const other = btc.deriveReceiveAddress(info.btcDepositXpub, NET, 9).address;
    const utxos = [{ txid: 'aa'.repeat(32), vout: 0, valueSat: 100_000_000n, chain: 0 as const, index: 0 }];
    const chain = { btc: { utxos, feeRateSatPerVb: 2n } };
    const intent = (id: string, amountMinor: bigint, destination = other): WithdrawalIntent => ({ intentId: id, asset: 'BTC', destination, amountMinor, feePolicy: { feeCapMinor: 100_000n }, createdMs: 1 });
    const code = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
      } catch (e) {
        assert.ok(e instanceof CustodyError);
        return e.code;
      }
      return 'SIGNED';
    };
    const forged = intent('x1', 1_000_000n);
    assert.equal(await code(strict.withdraw(forged, signIntent(forged, generateIntentKey().secretKeyHex), chain)), 'INTENT_SIGNATURE_INVALID');
    const tampered = intent('x2', 1_000_000n);
    assert.equal(await code(strict.withdraw({ ...tampered, amountMinor: 90_000_000n }, signIntent(tampered, intentKey.secretKeyHex), chain)), 'INTENT_SIGNATURE_INVALID');
    const big = intent('x3', 50_000_001n);
    assert.equal(await code(strict.withdraw(big, signIntent(big, intentKey.secretKeyHex), chain)), 'LIMIT_TX');
    const blocked = intent('x4', 1_000_000n, DEST);
    assert.equal(await code(strict.withdraw(blocked, signIntent(blocked, intentKey.secretKeyHex), chain)), 'DESTINATION_BLOCKED');
    const ok1 = intent('x5', 40_000_000n);
    const s1 = await strict.withdraw(ok1, signIntent(ok1, intentKey.secretKeyHex), chain);
    const again = await strict.withdraw(ok1, signIntent(ok1, intentKey.secretKeyHex), { btc: { utxos, feeRateSatPerVb: 9n } });
    assert.equal(again.txid, s1.txid, 'a repeated intent returns the logged transaction');
    const ok2 = intent('x6', 30_000_000n);
    assert.equal(await code(strict.withdraw(ok2, signIntent(ok2, intentKey.secretKeyHex), chain)), 'LIMIT_HOURLY');
    const conflict = { ...ok1, amountMinor: 1_000_000n };
    assert.equal(await code(strict.withdraw(conflict, signIntent(conflict, intentKey.secretKeyHex), chain)), 'INTENT_CONFLICT');
    for (const id of ['x1', 'x2', 'x3', 'x4', 'x6']) assert.deepEqual(await strict.lookup('withdraw', id), [], `${id}: nothing signed`);
  } finally {
    await strict.stop();
  }
  engine.core.checkInvariants();
});
