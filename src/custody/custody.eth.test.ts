import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as eth from '../chains/eth/index.ts';
import type { Engine } from '../engine/engine.ts';
import { MemoryAlertSink } from './alerts.ts';
import { EthDepositService } from './deposits.ts';
import { CustodyError } from './errors.ts';
import { hotCapMinor, RefillDesk, sweepHotExcessEth } from './hotCold.ts';
import { MoveTracker } from './moves.ts';
import { EthNonceSource } from './nonces.ts';
import { ethHoldings, reconcileWallets } from './reconcile.ts';
import { SignerProcess } from './signer/client.ts';
import type { SignerConfig } from './signer/core.ts';
import { sweepEthDeposits } from './sweeps.ts';
import { authorisedWithdrawal, type Clock, holdings, must, openEngine, prepareUser, startSigner, tempDir, testClock } from './testing.ts';
import { WithdrawalProcessor } from './withdrawals.ts';

const ETH = 10n ** 18n;
const COLD_MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const coldXpub = eth.accountXpubFromSeed(eth.mnemonicToSeed(COLD_MNEMONIC), 0);
const coldAddress = eth.deriveDepositAddress(coldXpub, 0);
const DEST = eth.deriveDepositAddress(eth.accountXpubFromSeed(eth.mnemonicToSeed('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about')), 0);

let node: eth.HardhatNode;
let client: eth.EthClient;
let signer: SignerProcess;
let signerConfig: SignerConfig;
let intentKey: { secretKeyHex: string; publicKeyHex: string };
let engine: Engine;
let clock: Clock;
let cleanup: () => void;
let deposits: EthDepositService;
let moves: MoveTracker;
let hot: eth.EthAddress;
let payer: eth.HotWallet;
let payments = 0;
const alerts = new MemoryAlertSink();

before(async () => {
  const t = tempDir('ethcust');
  cleanup = t.cleanup;
  node = await eth.startHardhatNode({ accountCount: 2 });
  client = await eth.EthClient.connect({ rpcUrl: node.rpcUrl, chainId: 31337 });
  ({ signer, intentKey, config: signerConfig } = await startSigner(t.dir, { coldEthXpub: coldXpub }));
  clock = testClock();
  engine = await openEngine(t.dir, clock);
  for (const userId of [1, 2]) await must(engine, { type: 'user.open', userId });
  const info = await signer.info();
  hot = eth.parseAddress(info.ethHotAddress, eth.LENIENT_ADDRESS_POLICY);
  // Operator capital in the hot wallet (pays network fees through the treasury).
  await eth.setBalance(node.rpcUrl, hot, ETH);
  await must(engine, { type: 'ledger.post', ref: 'capital', memo: 'operator capital', transfers: [{ debit: 'system:ETH:hot_wallet', credit: 'system:ETH:treasury', amount: ETH }] });
  deposits = new EthDepositService({ engine, client, depositXpub: info.ethDepositXpub, fromBlock: (await client.blockNumber()) + 1n, alerts, clock, confirmations: 2 });
  moves = new MoveTracker({ engine, chains: { ethClient: client }, alerts, clock });
  payer = new eth.HotWallet({ client, store: new eth.MemoryIntentStore(), account: eth.accountFromSeed(eth.mnemonicToSeed(eth.HARDHAT_TEST_MNEMONIC), 1) });
});

after(async () => {
  await signer.stop();
  await engine.close();
  await node.stop();
  cleanup();
});

async function step(): Promise<void> {
  await deposits.poll();
  await moves.settle();
  engine.core.checkInvariants();
}
const pay = (to: eth.EthAddress, wei: bigint) => payer.withdraw(`customer-${++payments}`, to, wei);
const available = (userId: number): bigint => engine.core.ledger.balances[engine.core.accountByKey(`user:${userId}:ETH:available`)]!;
const reconcile = async () => reconcileWallets({ core: engine.core, asset: 'ETH', onChain: await ethHoldings({ client, hotAddress: hot, coldAddress, deposits, userIds: [1, 2] }), alerts, clock });

test('ETH deposit → 2 confirmations → credited once (ref eth:<hash>)', async () => {
  const { hash } = await pay(deposits.addressFor(1), 2n * ETH);
  await step();
  assert.equal(available(1), 0n, 'one confirmation of two');
  await eth.mine(node.rpcUrl, 1);
  await step();
  assert.equal(available(1), 2n * ETH);
  assert.equal(deposits.records.get(`eth:${hash}`)?.state, 'credited');
  await eth.mine(node.rpcUrl, 2);
  await step();
  assert.equal(available(1), 2n * ETH);
  assert.ok((await reconcile()).every((r) => r.diffMinor === 0n));
});

test('ETH reorg before credit drops the deposit', async () => {
  const snap = await eth.snapshot(node.rpcUrl);
  const { hash } = await pay(deposits.addressFor(2), ETH);
  await step();
  assert.equal(deposits.records.get(`eth:${hash}`)?.state, 'pending');
  await eth.revert(node.rpcUrl, snap);
  await eth.mine(node.rpcUrl, 3);
  await step();
  assert.equal(deposits.records.get(`eth:${hash}`)?.state, 'dropped');
  assert.equal(available(2), 0n);
  assert.equal(alerts.of('DEPOSIT_REORGED_AFTER_CREDIT').length, 0);
  payer = new eth.HotWallet({ client, store: new eth.MemoryIntentStore(), account: eth.accountFromSeed(eth.mnemonicToSeed(eth.HARDHAT_TEST_MNEMONIC), 1) });
});

test('ETH sweep: deposit address → hot, exact fee, recorded deposit_wallets → hot_wallet', async () => {
  const [txid] = await sweepEthDeposits({ client, deposits, signer, moves });
  assert.ok(txid !== undefined);
  await eth.mine(node.rpcUrl, 1);
  await step();
  assert.equal(await client.getBalance(deposits.addressFor(1)), 0n, 'swept to exactly zero');
  assert.equal(holdings(engine, 'system:ETH:deposit_wallets'), 0n);
  assert.ok((await reconcile()).every((r) => r.diffMinor === 0n));
});

function processor(s: SignerProcess, afterSign?: () => void): WithdrawalProcessor {
  return new WithdrawalProcessor({
    engine,
    signer: s,
    intentSecretKeyHex: intentKey.secretKeyHex,
    alerts,
    clock,
    feeCapMinor: { BTC: 100_000n, ETH: 10n ** 16n },
    eth: { client, nonces: new EthNonceSource(client, hot), confirmations: 2 },
    ...(afterSign ? { afterSign } : {}),
  });
}

test('ETH withdrawal → signed → broadcast → confirmed → settled; the receipt fee is posted', async () => {
  await prepareUser(engine, clock, 1, 'ETH', DEST);
  const p = processor(signer);
  await authorisedWithdrawal(engine, clock, 'ew1', 1, 'ETH', ETH / 2n, DEST, 10n ** 15n);
  await p.tick();
  const txid = p.status('ew1')!.txid!;
  await p.tick();
  assert.equal(p.status('ew1')!.progress, 'confirming');
  await eth.mine(node.rpcUrl, 1);
  await p.tick();
  assert.equal(engine.core.withdrawals.has('ew1'), false);
  const r = await client.getReceipt(txid as eth.Hash);
  assert.equal(r?.to, DEST);
  assert.ok([...engine.core.idempotent.keys()].some((k) => k.endsWith(`netfee:${txid}`)));
  assert.ok((await reconcile()).every((x) => x.diffMinor === 0n));
  engine.core.checkInvariants();
});

test('ETH crash between signing and recording: restart rebroadcasts the same nonce and bytes, paid once', async () => {
  const crash = new Error('died');
  const dying = processor(signer, () => {
    throw crash;
  });
  await authorisedWithdrawal(engine, clock, 'ew2', 1, 'ETH', ETH / 4n, DEST);
  await assert.rejects(dying.tick(), (e) => e === crash);
  const [signed] = await signer.lookup('withdraw', 'ew2');
  assert.ok(signed !== undefined);
  assert.equal(await client.getTransaction(signed.txid as eth.Hash), null, 'never broadcast');
  await signer.kill();
  signer = await SignerProcess.start(signerConfig);
  const p = processor(signer);
  p.reconcile();
  await p.tick();
  assert.equal(p.status('ew2')!.txid, signed.txid);
  await eth.mine(node.rpcUrl, 1);
  await p.tick();
  assert.equal(engine.core.withdrawals.has('ew2'), false);
  assert.equal((await signer.lookup('withdraw', 'ew2')).length, 1);
  assert.equal(await client.getNonce(hot, 'latest'), signed.eth!.nonce + 1n, 'one transaction from hot for this nonce, no other');
  assert.ok((await reconcile()).every((x) => x.diffMinor === 0n));
  engine.core.checkInvariants();
});

test('ETH stuck withdrawal: same-nonce replacement with fees +10%; only the replacement is mined', async () => {
  const p = processor(signer);
  await eth.setAutomine(node.rpcUrl, false);
  try {
    await authorisedWithdrawal(engine, clock, 'ew3', 1, 'ETH', ETH / 20n, DEST);
    await p.tick();
    const first = p.status('ew3')!.txid!;
    await p.bumpNow('ew3');
    const attempts = await signer.lookup('withdraw', 'ew3');
    assert.equal(attempts[0]!.txid, first);
    assert.equal(attempts.length, 2);
    assert.equal(attempts[1]!.eth!.nonce, attempts[0]!.eth!.nonce);
    assert.ok(attempts[1]!.eth!.maxFeePerGasWei * 10n >= attempts[0]!.eth!.maxFeePerGasWei * 11n);
    await eth.mine(node.rpcUrl, 2);
  } finally {
    await eth.setAutomine(node.rpcUrl, true);
  }
  await p.tick();
  const attempts = await signer.lookup('withdraw', 'ew3');
  assert.equal(engine.core.withdrawals.has('ew3'), false);
  assert.notEqual(await client.getReceipt(attempts[1]!.txid as eth.Hash), null);
  assert.equal(await client.getReceipt(attempts[0]!.txid as eth.Hash), null, 'the original never mined');
  assert.ok([...engine.core.idempotent.keys()].some((k) => k.endsWith(`netfee:${attempts[1]!.txid}`)));
  assert.ok((await reconcile()).every((x) => x.diffMinor === 0n));
  engine.core.checkInvariants();
});

test('ETH hot over its cap: excess to the cold address; refill back needs two approvals, tampered refused', async () => {
  const cap = hotCapMinor(engine.core, 'ETH');
  const txid = await sweepHotExcessEth({ core: engine.core, client, hotAddress: hot, nonces: new EthNonceSource(client, hot), signer, moves, moveId: 'eth-tocold-1' });
  assert.ok(txid !== undefined);
  assert.equal((await client.getTransaction(txid as eth.Hash))?.to, coldAddress);
  await eth.mine(node.rpcUrl, 1);
  await step();
  // What stays hot: the cap plus the gas reserve the move kept back, less the fee it paid.
  assert.ok((await client.getBalance(hot)) <= cap + 10n ** 15n);
  assert.ok(holdings(engine, 'system:ETH:cold_wallet') > 0n);
  assert.ok((await reconcile()).every((x) => x.diffMinor === 0n));

  const desk = new RefillDesk({ moves, requiredApprovals: 2, eth: { client, coldAddress, hotAddress: hot } });
  const now = clock();
  const p = await desk.proposeEth('eth-refill-1', ETH / 10n, { id: 'alice', role: 'treasury' }, now);
  desk.approve('eth-refill-1', { id: 'bob', role: 'security' }, p.payloadHash, now);
  assert.throws(() => desk.exportForSigning('eth-refill-1', now), (e) => e instanceof CustodyError && e.code === 'REFILL_NOT_APPROVED');
  desk.approve('eth-refill-1', { id: 'carol', role: 'treasury' }, p.payloadHash, now);
  const payload = desk.exportForSigning('eth-refill-1', now);
  assert.equal(payload.asset, 'ETH');
  if (payload.asset !== 'ETH') return;
  const approval = { ...payload.approval, from: payload.approval.from as eth.EthAddress, to: payload.approval.to as eth.EthAddress, valueWei: BigInt(payload.approval.valueWei), nonce: BigInt(payload.approval.nonce), maxFeePerGasCapWei: BigInt(payload.approval.maxFeePerGasCapWei), maxPriorityFeePerGasCapWei: BigInt(payload.approval.maxPriorityFeePerGasCapWei), gasLimitMax: BigInt(payload.approval.gasLimitMax) };
  const signed = await eth.coldSign(payload.unsignedHex as eth.Hex, COLD_MNEMONIC, eth.addressPath(0, 0), approval);
  // Tampered: the same cold key signs more value than approved.
  const tx = eth.parseUnsigned(payload.unsignedHex);
  const bad = await eth.signTransfer({ ...tx, valueWei: tx.valueWei * 2n }, eth.accountFromSeed(eth.mnemonicToSeed(COLD_MNEMONIC), 0));
  await assert.rejects(desk.acceptSigned('eth-refill-1', bad.raw, now, 'alice'), (e) => e instanceof eth.ChainError && e.code === 'TX_NOT_APPROVED');
  const coldBefore = holdings(engine, 'system:ETH:cold_wallet');
  const hotBefore = holdings(engine, 'system:ETH:hot_wallet');
  await desk.acceptSigned('eth-refill-1', signed.raw, now, 'alice');
  await eth.mine(node.rpcUrl, 1);
  await step();
  assert.equal(holdings(engine, 'system:ETH:hot_wallet'), hotBefore + ETH / 10n);
  assert.ok(holdings(engine, 'system:ETH:cold_wallet') < coldBefore - ETH / 10n, 'cold paid the amount and the fee');
  assert.ok((await reconcile()).every((x) => x.diffMinor === 0n));
  engine.core.checkInvariants();
});
