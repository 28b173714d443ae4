import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hex } from '@scure/base';
import { devnetFaucetKey } from './devchain.ts';
import { type Devnet, startDevnet } from './devnet.ts';
import { BtcChainError } from './errors.ts';
import { bip84Account, deriveChangeAddress, deriveReceiveAddress, mnemonicToSeed } from './hd.ts';
import { type BtcRpc, createBtcRpcClient } from './rpc.ts';
import { decodeRawTx } from './txverify.ts';
import { bumpFee, coldSign, createRefillPsbt, createWithdrawal, finalizeApprovedPsbt, hotKeyAt, outputTo, signP2wpkhTx, type WalletUtxo } from './wallet.ts';
import { BtcWatcher } from './watcher.ts';

const HOT = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const hotSeed = mnemonicToSeed(HOT);
const hotAccount = bip84Account(hotSeed, 'regtest');
const deposit0 = deriveReceiveAddress(hotAccount.xpub, 'regtest', 0);
const deposit1 = deriveReceiveAddress(hotAccount.xpub, 'regtest', 1);
const change0 = deriveChangeAddress(hotAccount.xpub, 'regtest', 0);
const MINER = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const EXTERNAL = 'bcrt1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qzf4jry';

let devnet: Devnet;
let rpc: BtcRpc;

before(async () => {
  devnet = await startDevnet({ rpcUser: 'rampart', rpcPassword: 'devnet', feeRateSatPerKvB: 2000n });
  rpc = createBtcRpcClient({ url: devnet.url, username: 'rampart', password: 'devnet', timeoutMs: 5000 });
});
after(async () => {
  await devnet.close();
});

async function rpcCode(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof BtcChainError && e.code === 'RPC_ERROR', String(e));
    return e.details.rpcCode as number;
  }
  assert.fail('expected the node to refuse');
}

const mine = async (n: number, address = MINER): Promise<string[]> => (await rpc.call('generatetoaddress', [n, address])) as string[];

test('devnet: port, auth, bitcoind shapes and error codes', async () => {
  assert.ok(devnet.port > 0);
  const info = await rpc.getBlockchainInfo();
  assert.equal(info.chain, 'regtest');
  assert.equal(info.blocks, 101);
  assert.equal(await rpc.getBlockHash(101), info.bestblockhash);
  assert.equal(await rpcCode(rpc.getBlockHash(102)), -8);
  assert.equal(await rpcCode(rpc.getBlock('00'.repeat(32))), -5);
  assert.equal(await rpcCode(rpc.getRawTransaction('11'.repeat(32))), -5);
  assert.equal(await rpcCode(rpc.call('getnewaddress')), -32601);
  assert.equal(await rpcCode(rpc.sendRawTransaction('00')), -22);
  const anon = createBtcRpcClient({ url: devnet.url, password: 'wrong', username: 'rampart' });
  await assert.rejects(anon.getBlockchainInfo(), (e: unknown) => e instanceof BtcChainError && e.code === 'RPC_UNAUTHORIZED');
  const fee = await rpc.estimateSmartFee(6);
  assert.equal(fee.feeRateSatPerKvB, 2000n);
  const block = await rpc.getBlock(info.bestblockhash);
  assert.equal(block.tx[0]!.vout[0]!.valueSat, 5_000_000_000n);
  assert.equal(block.confirmations, 1);
  // setmocktime fixes the next blocks' time (bitcoind's own RPC); 0 returns to the counter.
  await rpc.call('setmocktime', [2_000_000_000]);
  const [mocked] = await mine(1);
  assert.equal((await rpc.getBlock(mocked!)).time, 2_000_000_000);
  await rpc.call('setmocktime', [0]);
});

test('fund → mine → deposit detected with confirmations; withdrawal signed, sent, mined, outflow matched', async () => {
  const start = (await rpc.getBlockchainInfo()).blocks + 1;
  const watcher = new BtcWatcher({ rpc, network: 'regtest', addresses: [deposit0.address, deposit1.address], startHeight: start });
  assert.deepEqual((await watcher.poll()).connected, []);
  const fundTxid = (await rpc.call('sendtoaddress', [deposit0.address, 0.5])) as string;
  assert.ok((await rpc.getRawMempool()).includes(fundTxid));
  const inMempool = await watcher.scanMempool();
  assert.deepEqual(inMempool.map((d) => [d.txid, d.amountSat]), [[fundTxid, 50_000_000n]]);
  const [h1] = await mine(1);
  let r = await watcher.poll();
  assert.equal(r.connected.length, 1);
  const dep = r.connected[0]!.deposits[0]!;
  assert.equal(dep.txid, fundTxid);
  assert.equal(dep.amountSat, 50_000_000n);
  assert.equal(dep.address, deposit0.address);
  assert.equal(dep.blockHash, h1);
  assert.equal(watcher.confirmations(dep.height), 1);
  await mine(2);
  r = await watcher.poll();
  assert.equal(r.connected.length, 2);
  assert.equal(watcher.confirmations(dep.height), 3);
  assert.equal((await rpc.getRawTransaction(fundTxid)).confirmations, 3);

  // Withdrawal from the hot wallet: key for 0/0 derived from the seed, change to 1/0.
  const utxo: WalletUtxo = { txid: dep.txid, vout: dep.vout, valueSat: dep.amountSat, scriptPubKey: deposit0.scriptPubKey };
  const w = createWithdrawal({
    utxos: [utxo],
    outputs: [outputTo(EXTERNAL, 20_000_000n, 'regtest')],
    feeRateSatPerVb: 2n,
    changeScript: change0.scriptPubKey,
    keyFor: () => hotKeyAt(hotSeed, 'regtest', 0, 0),
  });
  const [accept] = await rpc.testMempoolAccept([w.hex]);
  assert.equal(accept!.allowed, true);
  assert.equal(accept!.feeSat, w.feeSat);
  assert.equal(await rpc.sendRawTransaction(w.hex), w.txid);
  assert.equal(await rpc.sendRawTransaction(w.hex), w.txid, 'resending a mempool tx is idempotent');
  await mine(1);
  const mined = await rpc.getRawTransaction(w.txid);
  assert.equal(mined.confirmations, 1);
  r = await watcher.poll();
  assert.deepEqual(r.connected[0]!.spends.map((s) => [s.txid, s.vout, s.spendingTxid]), [[dep.txid, dep.vout, w.txid]]);
  const block = await rpc.getBlock(r.connected[0]!.hash);
  assert.equal(block.tx[1]!.feeSat, w.feeSat);

  // Double spend of the now-spent deposit: missing or spent inputs (-25).
  const again = signP2wpkhTx([{ ...utxo, privateKey: hotKeyAt(hotSeed, 'regtest', 0, 0) }], [outputTo(EXTERNAL, 40_000_000n, 'regtest')]);
  assert.equal(await rpcCode(rpc.sendRawTransaction(again.hex)), -25);
  const [refused] = await rpc.testMempoolAccept([again.hex]);
  assert.equal(refused!.allowed, false);
  assert.equal(refused!.rejectReason, 'missing-inputs');
  assert.equal(await rpcCode(rpc.sendRawTransaction(w.hex)), -27);
});

test('bad signatures, tampered outputs, overspend, dust and mempool double spends are rejected; RBF bump replaces', async () => {
  const fundTxid = (await rpc.call('sendtoaddress', [deposit1.address, 1])) as string;
  await mine(1);
  const ftx = await rpc.getRawTransaction(fundTxid);
  const vout = ftx.vout.find((o) => o.address === deposit1.address)!;
  const utxo: WalletUtxo = { txid: fundTxid, vout: vout.n, valueSat: vout.valueSat, scriptPubKey: deposit1.scriptPubKey };
  const priv = hotKeyAt(hotSeed, 'regtest', 0, 1);
  const good = signP2wpkhTx([{ ...utxo, privateKey: priv }], [outputTo(EXTERNAL, 10_000_000n, 'regtest'), { script: change0.scriptPubKey, amountSat: vout.valueSat - 10_000_000n - 1000n }]);

  // Flip one bit inside the DER signature's s value.
  const raw = hex.decode(good.hex);
  const d = decodeRawTx(raw);
  const sig = d.tx.witnesses![0]![0]!;
  const at = hex.encode(raw).indexOf(hex.encode(sig)) / 2 + sig.length - 5;
  const badSig = Uint8Array.from(raw);
  badSig[at]! ^= 0x01;
  assert.equal(await rpcCode(rpc.sendRawTransaction(hex.encode(badSig))), -26);
  // Change an output amount after signing: the BIP143 sighash no longer matches.
  const outAmountAt = hex.encode(raw).indexOf('80969800') / 2; // 10_000_000 LE
  assert.ok(outAmountAt > 0);
  const tampered = Uint8Array.from(raw);
  tampered[outAmountAt] = 0x81;
  assert.equal(await rpcCode(rpc.sendRawTransaction(hex.encode(tampered))), -26);
  // Signed by another key (wrong pubkey for the program).
  assert.throws(() => signP2wpkhTx([{ ...utxo, privateKey: hotKeyAt(hotSeed, 'regtest', 0, 0) }], [outputTo(EXTERNAL, 10_000_000n, 'regtest')]));
  // Outputs above inputs, and a dust output.
  const over = signP2wpkhTx([{ ...utxo, privateKey: priv }], [outputTo(EXTERNAL, vout.valueSat, 'regtest')]);
  assert.equal(await rpcCode(rpc.sendRawTransaction(over.hex)), -26, 'zero fee: min relay fee not met');
  const [acc] = await rpc.testMempoolAccept([over.hex]);
  assert.match(acc!.rejectReason ?? '', /min relay fee/);

  // Into the mempool, then a conflicting spend that pays less: refused; a proper bump replaces.
  assert.equal(await rpc.sendRawTransaction(good.hex), good.txid);
  const cheaper = signP2wpkhTx([{ ...utxo, privateKey: priv }], [outputTo(EXTERNAL, 10_000_000n, 'regtest'), { script: change0.scriptPubKey, amountSat: vout.valueSat - 10_000_000n - 900n }]);
  assert.equal(await rpcCode(rpc.sendRawTransaction(cheaper.hex)), -26);
  const bumped = bumpFee({
    inputs: [{ ...utxo, privateKey: priv }],
    outputs: [outputTo(EXTERNAL, 10_000_000n, 'regtest'), { script: change0.scriptPubKey, amountSat: vout.valueSat - 10_000_000n - 1000n }],
    changeIndex: 1,
    oldFeeSat: 1000n,
    newFeeRateSatPerVb: 20n,
  });
  assert.equal(await rpc.sendRawTransaction(bumped.hex), bumped.txid);
  const pool = await rpc.getRawMempool();
  assert.ok(pool.includes(bumped.txid) && !pool.includes(good.txid), 'the original was evicted');
  await mine(1);
  assert.equal((await rpc.getRawTransaction(bumped.txid)).confirmations, 1);
  assert.equal(await rpcCode(rpc.getRawTransaction(good.txid)), -5);
});

test('reorg: invalidateblock drops a coinbase deposit and a replaced funding; the watcher reports the blocks that left', async () => {
  const start = (await rpc.getBlockchainInfo()).blocks + 1;
  const addr = deriveReceiveAddress(hotAccount.xpub, 'regtest', 7);
  const watcher = new BtcWatcher({ rpc, network: 'regtest', addresses: [addr.address], startHeight: start });
  // A coinbase deposit and a faucet deposit, mined in one block.
  const fundTxid = (await rpc.call('sendtoaddress', [addr.address, 2])) as string;
  const [blockA] = await mine(1, addr.address);
  let r = await watcher.poll();
  assert.equal(r.connected[0]!.hash, blockA);
  assert.equal(r.connected[0]!.deposits.length, 2);
  await rpc.call('invalidateblock', [blockA!]);
  assert.equal((await rpc.getBlock(blockA!)).confirmations, -1);
  // The faucet payment is back in the mempool; the coinbase is gone.
  assert.ok((await rpc.getRawMempool()).includes(fundTxid));
  // Replace the funding (the faucet's own key re-spends its input with a higher fee).
  const ftx = await rpc.getRawTransaction(fundTxid);
  const faucet = devnetFaucetKey();
  const vin = ftx.vin[0]!;
  assert.equal(vin.coinbase, false);
  if (vin.coinbase) return;
  const prev = await rpc.getRawTransaction(vin.txid);
  const prevOut = prev.vout[vin.vout]!;
  const replacement = signP2wpkhTx(
    [{ txid: vin.txid, vout: vin.vout, valueSat: prevOut.valueSat, scriptPubKey: faucet.script, privateKey: faucet.privateKey }],
    [{ script: faucet.script, amountSat: prevOut.valueSat - 100_000n }],
  );
  await rpc.sendRawTransaction(replacement.hex);
  assert.ok(!(await rpc.getRawMempool()).includes(fundTxid));
  const [blockB] = await mine(1);
  r = await watcher.poll();
  assert.deepEqual(r.disconnected.map((b) => b.hash), [blockA]);
  assert.equal(r.disconnected[0]!.deposits.length, 2, 'what the lost block had reported is handed back');
  assert.equal(r.connected.length, 1);
  assert.equal(r.connected[0]!.hash, blockB);
  assert.deepEqual(r.connected[0]!.deposits, [], 'neither deposit came back');
  assert.equal(await rpcCode(rpc.getRawTransaction(fundTxid)), -5);
});

test('PSBT refill from cold storage is accepted and mined by the devnet', async () => {
  const cold = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
  const coldAccount = bip84Account(mnemonicToSeed(cold), 'regtest');
  const coldAddr = deriveReceiveAddress(coldAccount.xpub, 'regtest', 0);
  const fundTxid = (await rpc.call('sendtoaddress', [coldAddr.address, 3])) as string;
  await mine(1);
  const ftx = await rpc.getRawTransaction(fundTxid);
  const out = ftx.vout.find((o) => o.address === coldAddr.address)!;
  const made = createRefillPsbt({
    accountXpub: coldAccount.xpub,
    network: 'regtest',
    masterFingerprint: coldAccount.masterFingerprint,
    utxos: [{ txid: fundTxid, vout: out.n, valueSat: out.valueSat, scriptPubKey: coldAddr.scriptPubKey, chain: 0, index: 0 }],
    outputs: [{ script: deposit0.scriptPubKey, amountSat: 100_000_000n }],
    feeRateSatPerVb: 2n,
    changeIndex: 0,
  });
  const final = finalizeApprovedPsbt(coldSign(made.psbtBase64, cold), made.approved);
  assert.equal(await rpc.sendRawTransaction(final.hex), final.txid);
  await mine(1);
  assert.equal((await rpc.getRawTransaction(final.txid)).confirmations, 1);
});

test('devnet is deterministic: same options, same chain', async () => {
  const a = await startDevnet({ premineBlocks: 3 });
  const b = await startDevnet({ premineBlocks: 3 });
  try {
    assert.equal(a.chain.tip.hash, b.chain.tip.hash);
  } finally {
    await a.close();
    await b.close();
  }
});
