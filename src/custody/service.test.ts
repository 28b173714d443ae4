import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as btc from '../chains/btc/index.ts';
import { MemoryAlertSink } from './alerts.ts';
import { CustodyService, type CustodyServiceOptions } from './service.ts';
import { authorisedWithdrawal, holdings, must, openEngine, prepareUser, startBtcDevnet, startSigner, tempDir, testClock } from './testing.ts';

const NET = 'regtest';
const cold = btc.bip84Account(btc.mnemonicToSeed('legal winner thank year wave sausage worth useful legal winner thank yellow'), NET);
const DEST = btc.deriveReceiveAddress(btc.bip84Account(btc.mnemonicToSeed('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'), NET).xpub, NET, 0).address;

test('the assembled service loop: deposit credited, swept, excess to cold, withdrawal settled, books equal the chain', async () => {
  const t = tempDir('svc');
  const { devnet, rpc, mine } = await startBtcDevnet();
  const { signer, intentKey } = await startSigner(t.dir, { coldBtcXpub: cold.xpub });
  const clock = testClock();
  const engine = await openEngine(t.dir, clock);
  const alerts = new MemoryAlertSink();
  try {
    const svc = await CustodyService.start({
      engine,
      signer,
      intentSecretKeyHex: intentKey.secretKeyHex,
      alerts,
      clock,
      btc: { rpc, network: NET, startHeight: (await rpc.getBlockchainInfo()).blocks + 1, coldXpub: cold.xpub, confirmations: 2, feeCapSat: 100_000n },
    });
    await must(engine, { type: 'user.open', userId: 1 }); // the service starts watching the new user's address
    await rpc.call('sendtoaddress', [svc.btcView!.hotAddress, 0.01]);
    await must(engine, { type: 'ledger.post', ref: 'capital', memo: 'operator capital', transfers: [{ debit: 'system:BTC:hot_wallet', credit: 'system:BTC:treasury', amount: 1_000_000n }] });
    await rpc.call('sendtoaddress', [svc.btcDeposits!.addressFor(1), 1]);
    await mine(2);
    await svc.tick();
    assert.equal(engine.core.userBalances(1).BTC!.available, 100_000_000n);

    assert.equal((await svc.rebalance()).length, 1, 'sweep only: hot is under its cap');
    await mine(1);
    await svc.tick();
    assert.equal(holdings(engine, 'system:BTC:deposit_wallets'), 0n);
    assert.equal((await svc.rebalance()).length, 1, 'now hot is over 5% of liabilities: excess to cold');
    await mine(1);
    await svc.tick();
    assert.ok(holdings(engine, 'system:BTC:cold_wallet') > 90_000_000n);

    await prepareUser(engine, clock, 1, 'BTC', DEST);
    await authorisedWithdrawal(engine, clock, 'sw1', 1, 'BTC', 2_000_000n, DEST, 500n);
    await svc.tick();
    assert.equal(svc.withdrawals.status('sw1')?.progress, 'broadcast');
    await mine(2);
    await svc.tick();
    assert.equal(engine.core.withdrawals.has('sw1'), false);
    const rows = await svc.reconcile();
    assert.deepEqual(
      rows.map((r) => [r.account, r.diffMinor]),
      [
        ['hot_wallet', 0n],
        ['cold_wallet', 0n],
        ['deposit_wallets', 0n],
      ],
    );
    assert.equal(alerts.alerts.length, 0, JSON.stringify(alerts.alerts));
    engine.core.checkInvariants();
  } finally {
    await signer.stop();
    await engine.close();
    await devnet.close();
    t.cleanup();
  }
});

test('restart from the saved state: a sweep broadcast before the crash is posted after it; nothing credited twice', async () => {
  const t = tempDir('svc2');
  const { devnet, rpc, mine } = await startBtcDevnet();
  const { signer, intentKey } = await startSigner(t.dir, { coldBtcXpub: cold.xpub });
  const clock = testClock();
  let engine = await openEngine(t.dir, clock);
  const alerts = new MemoryAlertSink();
  const stateFile = `${t.dir}/custody-state.json`;
  const options = (e: typeof engine): CustodyServiceOptions => ({
    engine: e,
    signer,
    intentSecretKeyHex: intentKey.secretKeyHex,
    alerts,
    clock,
    stateFile,
    btc: { rpc, network: NET, startHeight: 102, coldXpub: cold.xpub, confirmations: 2, feeCapSat: 100_000n },
  });
  try {
    const svc = await CustodyService.start(options(engine));
    await must(engine, { type: 'user.open', userId: 1 });
    await rpc.call('sendtoaddress', [svc.btcView!.hotAddress, 0.01]);
    await must(engine, { type: 'ledger.post', ref: 'capital', memo: 'operator capital', transfers: [{ debit: 'system:BTC:hot_wallet', credit: 'system:BTC:treasury', amount: 1_000_000n }] });
    await rpc.call('sendtoaddress', [svc.btcDeposits!.addressFor(1), 0.3]);
    await mine(2);
    await svc.tick();
    const [sweepTxid] = await svc.rebalance();
    assert.ok(sweepTxid);
    // Crash: the process dies with the sweep broadcast and not posted. The engine reopens from its journal.
    await engine.close();
    engine = await openEngine(t.dir, clock);
    await mine(1);
    const again = await CustodyService.start(options(engine));
    assert.equal(again.moves.inFlight.length, 1, 'the in-flight sweep was saved');
    await again.tick();
    assert.equal(holdings(engine, 'system:BTC:deposit_wallets'), 0n);
    assert.ok([...engine.core.idempotent.keys()].some((k) => k.endsWith(`sweep:${sweepTxid}`)));
    assert.equal(engine.core.userBalances(1).BTC!.available, 30_000_000n, 'credited once');
    assert.ok((await again.reconcile()).every((r) => r.diffMinor === 0n));
    engine.core.checkInvariants();
  } finally {
    await signer.stop();
    await engine.close();
    await devnet.close();
    t.cleanup();
  }
});
