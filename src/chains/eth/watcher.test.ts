import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { privateKeyToAccount } from 'viem/accounts';
import { type EthAddress, toChecksumAddress } from './address.ts';
import { EthClient } from './client.ts';
import { ChainError } from './errors.ts';
import { accountXpubFromSeed, deriveDepositAddress, deriveSigner, mnemonicToSeed } from './hd.ts';
import { type HardhatNode, HARDHAT_TEST_MNEMONIC, mine, rawRpc, revert, setAutomine, setNextBlockBaseFee, snapshot, startHardhatNode } from './node.ts';
import { HotWallet, MemoryIntentStore, signTransfer } from './wallet.ts';
import { buildSweep, EthWatcher, planSweep } from './watcher.ts';

const DEPOSIT_MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

describe('watcher against hardhat', () => {
  let node: HardhatNode;
  let client: EthClient;
  const depositSeed = mnemonicToSeed(DEPOSIT_MNEMONIC);
  const xpub = accountXpubFromSeed(depositSeed);
  const hhSeed = mnemonicToSeed(HARDHAT_TEST_MNEMONIC);
  const hotAccount = privateKeyToAccount(deriveSigner(hhSeed, 0).privateKey);
  const hot = toChecksumAddress(hotAccount.address);
  const customer = privateKeyToAccount(deriveSigner(hhSeed, 1).privateKey);
  let customerWallet: HotWallet;
  let hotWallet: HotWallet;
  let intent = 0;
  const deposit = (index: number): EthAddress => deriveDepositAddress(xpub, index);
  const pay = async (to: EthAddress, valueWei: bigint) => customerWallet.withdraw(`pay-${++intent}`, to, valueWei);

  before(async () => {
    node = await startHardhatNode({ accountCount: 2 });
    client = await EthClient.connect({ rpcUrl: node.rpcUrl, chainId: 31337 });
    customerWallet = new HotWallet({ client, store: new MemoryIntentStore(), account: customer });
    hotWallet = new HotWallet({ client, store: new MemoryIntentStore(), account: hotAccount });
  });
  after(async () => {
    await node.stop();
  });

  it('detects deposits and counts confirmations; reports outflows with fee paid', async () => {
    const start = (await client.blockNumber()) + 1n;
    const w = new EthWatcher({ client, fromBlock: start, watched: [deposit(0), deposit(1), hot], confirmationsRequired: 3n });
    const paid = await pay(deposit(0), 10n ** 16n);
    const r1 = await w.poll();
    assert.equal(r1.newDeposits.length, 1);
    const d = r1.newDeposits[0];
    assert.ok(d);
    assert.equal(d.hash, paid.hash);
    assert.equal(d.to, deposit(0));
    assert.equal(d.from, toChecksumAddress(customer.address));
    assert.equal(d.valueWei, 10n ** 16n);
    assert.equal(d.confirmations, 1n);
    assert.equal(r1.confirmedDeposits.length, 0);
    await mine(node.rpcUrl);
    const r2 = await w.poll();
    assert.equal(r2.newDeposits.length, 0);
    assert.equal(r2.confirmedDeposits.length, 0);
    await mine(node.rpcUrl);
    const r3 = await w.poll();
    assert.equal(r3.confirmedDeposits.length, 1);
    assert.equal(r3.confirmedDeposits[0]?.hash, paid.hash);
    assert.equal(r3.confirmedDeposits[0]?.confirmations, 3n);
    await mine(node.rpcUrl);
    assert.equal((await w.poll()).confirmedDeposits.length, 0, 'confirmed once only');

    // Outflow from the (watched) hot wallet: nonce and fee come with it.
    const out = await hotWallet.withdraw('out-1', toChecksumAddress(`0x${'44'.repeat(20)}`), 999n);
    const r4 = await w.poll();
    assert.equal(r4.outflows.length, 1);
    const o = r4.outflows[0];
    assert.ok(o);
    assert.equal(o.hash, out.hash);
    assert.equal(o.nonce, out.nonce);
    assert.equal(o.valueWei, 999n);
    const receipt = await client.getReceipt(out.hash);
    assert.equal(o.feePaidWei, receipt?.feePaidWei);
    assert.ok(o.feePaidWei > 0n);
  });

  it('resumes after a restart from exported state: pending confirmations are not lost', async () => {
    const start = (await client.blockNumber()) + 1n;
    const w1 = new EthWatcher({ client, fromBlock: start, watched: [deposit(5)], confirmationsRequired: 3n });
    const paid = await pay(deposit(5), 4n * 10n ** 15n);
    assert.equal((await w1.poll()).newDeposits[0]?.hash, paid.hash);
    const saved = w1.exportState();
    await mine(node.rpcUrl, 2);
    const w2 = new EthWatcher({ client, fromBlock: start, watched: [deposit(5)], confirmationsRequired: 3n, state: saved });
    const r = await w2.poll();
    assert.equal(r.newDeposits.length, 0, 'not reported as new twice');
    assert.equal(r.confirmedDeposits[0]?.hash, paid.hash);
    assert.equal(r.reorgs.length, 0);
  });

  it('reorg (evm_snapshot / evm_revert) is detected by parent-hash tracking', async () => {
    const start = (await client.blockNumber()) + 1n;
    const w = new EthWatcher({ client, fromBlock: start, watched: [deposit(2)], confirmationsRequired: 1n });
    const snap = await snapshot(node.rpcUrl);
    await mine(node.rpcUrl);
    const paid = await pay(deposit(2), 5n * 10n ** 15n);
    const r1 = await w.poll();
    assert.equal(r1.newDeposits[0]?.hash, paid.hash);
    assert.equal(r1.confirmedDeposits.length, 1); // 1 confirmation required
    const orphanHeight = r1.height;

    assert.equal(await revert(node.rpcUrl, snap), true);
    // The other branch: different blocks at the same heights, and one more.
    await setNextBlockBaseFee(node.rpcUrl, 123_456_789n);
    await mine(node.rpcUrl, 3);
    const r2 = await w.poll();
    assert.equal(r2.reorgs.length, 1);
    const ev = r2.reorgs[0];
    assert.ok(ev);
    assert.equal(ev.commonAncestor, start - 1n);
    assert.equal(ev.orphanedBlocks.length, Number(orphanHeight - start + 1n));
    assert.equal(ev.orphanedDeposits.length, 1);
    assert.equal(ev.orphanedDeposits[0]?.hash, paid.hash);
    assert.equal(ev.orphanedDeposits[0]?.wasConfirmed, true);
    assert.equal(r2.newDeposits.length, 0);
    assert.equal(r2.height, r2.tip);
    assert.equal(await client.getTransaction(paid.hash), null);

    // The orphaned payment's intent is resumable: the same signed bytes land on the new branch.
    const again = await customerWallet.resume(`pay-${intent}`);
    assert.equal(again.outcome, 'sent');
    assert.equal(again.hash, paid.hash);
    const r3 = await w.poll();
    assert.equal(r3.newDeposits[0]?.hash, paid.hash);
    assert.equal(r3.reorgs.length, 0);
  });

  it('a reorg deeper than the window is REORG_TOO_DEEP', async () => {
    const start = (await client.blockNumber()) + 1n;
    const snap = await snapshot(node.rpcUrl);
    await mine(node.rpcUrl, 6);
    const w = new EthWatcher({ client, fromBlock: start, watched: [], confirmationsRequired: 1n, reorgDepthMax: 2 });
    await w.poll();
    await revert(node.rpcUrl, snap);
    await setNextBlockBaseFee(node.rpcUrl, 7n);
    await mine(node.rpcUrl, 7);
    await assert.rejects(w.poll(), (e: unknown) => e instanceof ChainError && e.code === 'REORG_TOO_DEEP');
  });

  it('sweep leaves exactly zero behind, whatever the base fee at inclusion', async () => {
    const from = deposit(3);
    await pay(from, 3n * 10n ** 16n);
    const hotBefore = await client.getBalance(hot);
    const plan = await buildSweep(client, { from, to: hot, priorityFeeWei: 1_000_000_000n });
    assert.equal(plan.tx.maxPriorityFeePerGasWei, plan.tx.maxFeePerGasWei);
    assert.equal(plan.tx.valueWei + plan.feeWei, 3n * 10n ** 16n);
    // Base fee drops before inclusion: with tip = maxFee the price is still maxFee.
    await setNextBlockBaseFee(node.rpcUrl, 1n);
    const signer = privateKeyToAccount(deriveSigner(depositSeed, 3).privateKey);
    const signed = await signTransfer(plan.tx, signer);
    await client.sendRawTransaction(signed.raw, signed.hash);
    const receipt = await client.getReceipt(signed.hash);
    assert.equal(receipt?.status, 'success');
    assert.equal(receipt?.feePaidWei, plan.feeWei);
    assert.equal(await client.getBalance(from), 0n);
    // hardhat's coinbase is not the hot wallet, so the hot wallet gains exactly the value.
    assert.equal(await client.getBalance(hot), hotBefore + plan.tx.valueWei);
  });

  it('sweep refuses dust, a contract target and an address with a pending tx', async () => {
    assert.throws(
      () => planSweep({ chainId: 31337, nonce: 0n, to: hot, balanceWei: 21_000n, baseFeeWei: 1n, priorityFeeWei: 0n }),
      (e: unknown) => e instanceof ChainError && e.code === 'SWEEP_INSUFFICIENT',
    );
    const contract = toChecksumAddress(`0x${'55'.repeat(20)}`);
    await rawRpc(node.rpcUrl, 'hardhat_setCode', [contract, '0x00']);
    await assert.rejects(buildSweep(client, { from: deposit(4), to: contract, priorityFeeWei: 1n }), (e: unknown) => e instanceof ChainError && e.code === 'SWEEP_TARGET_NOT_EOA');
    await pay(deposit(4), 10n ** 16n);
    await setAutomine(node.rpcUrl, false);
    try {
      const signer = privateKeyToAccount(deriveSigner(depositSeed, 4).privateKey);
      const w = new HotWallet({ client, store: new MemoryIntentStore(), account: signer });
      await w.withdraw('busy', hot, 1n);
      await assert.rejects(buildSweep(client, { from: deposit(4), to: hot, priorityFeeWei: 1n }), (e: unknown) => e instanceof ChainError && e.code === 'SWEEP_BUSY');
    } finally {
      await setAutomine(node.rpcUrl, true);
    }
  });
});
