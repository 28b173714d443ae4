import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type * as btc from '../chains/btc/index.ts';
import type { Engine } from '../engine/engine.ts';
import { MemoryAlertSink } from './alerts.ts';
import { BtcChainView } from './btcView.ts';
import { BtcDepositService } from './deposits.ts';
import type { SignerProcess } from './signer/client.ts';
import { type Clock, balance, must, openEngine, startBtcDevnet, startSigner, tempDir, testClock } from './testing.ts';

let devnet: btc.Devnet;
let rpc: btc.BtcRpc;
let mine: (n: number) => Promise<string[]>;
let signer: SignerProcess;
let engine: Engine;
let clock: Clock;
let cleanup: () => void;
let view: BtcChainView;
let deposits: BtcDepositService;
const alerts = new MemoryAlertSink();

before(async () => {
  const t = tempDir('btcdep');
  cleanup = t.cleanup;
  ({ devnet, rpc, mine } = await startBtcDevnet());
  ({ signer } = await startSigner(t.dir));
  clock = testClock();
  engine = await openEngine(t.dir, clock);
  for (const userId of [1, 2, 3]) await must(engine, { type: 'user.open', userId });
  const info = await signer.info();
  view = new BtcChainView({ rpc, network: 'regtest', startHeight: (await rpc.getBlockchainInfo()).blocks + 1, depositXpub: info.btcDepositXpub, hotXpub: info.btcHotXpub });
  deposits = new BtcDepositService({ engine, view, alerts, clock, confirmations: 2 });
});

after(async () => {
  await signer.stop();
  await engine.close();
  await devnet.close();
  cleanup();
});

async function step(): Promise<void> {
  await deposits.onPoll(await view.poll());
  engine.core.checkInvariants();
}

const userAvailable = (userId: number): bigint => balance(engine, `user:${userId}:BTC:available`);

test('addresses: deterministic from the deposit xpub, index = userId, distinct per user', () => {
  assert.equal(deposits.addressFor(1), view.addressFor(1));
  assert.notEqual(deposits.addressFor(1), deposits.addressFor(2));
  assert.match(deposits.addressFor(3), /^bcrt1q/);
});

test('deposit → confirmations → credited exactly once (ref btc:<txid>:<vout>)', async () => {
  const txid = (await rpc.call('sendtoaddress', [deposits.addressFor(1), 0.5])) as string;
  await step();
  assert.equal(userAvailable(1), 0n, 'mempool: nothing credited');
  await mine(1);
  await step();
  assert.equal(userAvailable(1), 0n, 'one confirmation of two: nothing credited');
  await mine(1);
  await step();
  assert.equal(userAvailable(1), 50_000_000n);
  const rec = [...deposits.records.values()].find((r) => r.ref.startsWith(`btc:${txid}:`));
  assert.equal(rec?.state, 'credited');
  assert.equal(balance(engine, 'system:BTC:deposit_wallets'), -50_000_000n);
  // More blocks and a fresh service replaying the same chain: never a second credit.
  await mine(3);
  await step();
  const info = await signer.info();
  const view2 = new BtcChainView({ rpc, network: 'regtest', startHeight: 102, depositXpub: info.btcDepositXpub, hotXpub: info.btcHotXpub });
  const again = new BtcDepositService({ engine, view: view2, alerts, clock, confirmations: 2 });
  await again.onPoll(await view2.poll());
  assert.equal([...again.records.values()].filter((r) => r.state === 'credited').length, 1, 'the core answered duplicate: counted as credited');
  assert.equal(userAvailable(1), 50_000_000n);
  engine.core.checkInvariants();
});

test('dust is recorded, not credited', async () => {
  await rpc.call('sendtoaddress', [deposits.addressFor(2), 0.000005]);
  await mine(2);
  await step();
  const rec = [...deposits.records.values()].find((r) => r.userId === 2);
  assert.equal(rec?.state, 'dust');
  assert.equal(userAvailable(2), 0n);
});

test('reorg before credit drops the deposit; mined again, it is credited once', async () => {
  await rpc.call('sendtoaddress', [deposits.addressFor(3), 0.25]);
  const [h] = await mine(1);
  await step();
  const rec = [...deposits.records.values()].find((r) => r.userId === 3 && r.amountMinor === 25_000_000n)!;
  assert.equal(rec.state, 'pending');
  await rpc.call('invalidateblock', [h!]);
  await step();
  assert.equal(rec.state, 'dropped');
  assert.equal(userAvailable(3), 0n);
  // The transaction went back to the mempool; two new blocks mine and confirm it.
  await mine(2);
  await step();
  assert.equal(userAvailable(3), 25_000_000n);
  assert.equal(alerts.of('DEPOSIT_REORGED_AFTER_CREDIT').length, 0);
});

test('a reorg deeper than the confirmations after credit raises an alert (no silent debit)', async () => {
  await rpc.call('sendtoaddress', [deposits.addressFor(2), 0.1]);
  const [h] = await mine(2);
  await step();
  assert.equal(userAvailable(2), 10_000_000n);
  await rpc.call('invalidateblock', [h!]);
  await step();
  const a = alerts.of('DEPOSIT_REORGED_AFTER_CREDIT');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.asset, 'BTC');
  assert.equal(userAvailable(2), 10_000_000n, 'the ledger is not changed behind the incident module');
  // Re-mined: tracked, still credited once.
  await mine(2);
  await step();
  assert.equal(userAvailable(2), 10_000_000n);
  engine.core.checkInvariants();
});
