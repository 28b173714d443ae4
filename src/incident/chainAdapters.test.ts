import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bip84Account, createBtcRpcClient, deriveReceiveAddress, hotKeyAt, mnemonicToSeed, outputTo, signP2wpkhTx, startDevnet } from '../chains/btc/index.ts';
import { parseAddress } from '../chains/btc/index.ts';
import { btcBlockOutflows, BtcMempoolSpendScanner, ethOutflowFromWatcher } from './chainAdapters.ts';
import { lossLine, recordLoss } from './loss.ts';
import { outstandingLoss } from './makeWhole.ts';
import { harness } from './testing.ts';

const HOT = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const ATTACKER = 'bcrt1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qzf4jry';

test('regtest devnet: an attacker drains the hot address with the leaked key; the mempool scan freezes within 1 s of broadcast; the loss equals the chain to the satoshi', async () => {
  const devnet = await startDevnet({ feeRateSatPerKvB: 2000n });
  const h = await harness({ realClock: true });
  try {
    const rpc = createBtcRpcClient({ url: devnet.url, timeoutMs: 5000 });
    const seed = mnemonicToSeed(HOT);
    const hot = deriveReceiveAddress(bip84Account(seed, 'regtest').xpub, 'regtest', 0);
    h.own.add('BTC', hot.address);
    const coins = new Map<string, { address: string; valueMinor: bigint }>();
    for (const btc of [0.25, 0.1234567]) {
      const txid = (await rpc.call('sendtoaddress', [hot.address, btc])) as string;
      const tx = await rpc.getRawTransaction(txid);
      for (const o of tx.vout) if (o.address === hot.address) coins.set(`${txid}:${o.n}`, { address: hot.address, valueMinor: o.valueSat });
    }
    await rpc.call('generatetoaddress', [1, 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080']);
    const script = parseAddress(hot.address, 'regtest').scriptPubKey;
    const chainHot = () => devnet.chain.coinsFor(script).reduce((s, c) => s + c.coin.valueSat, 0n);
    const before = chainHot();
    assert.equal(before, 37_345_670n);
    const scanner = new BtcMempoolSpendScanner(rpc, coins, Date.now);
    assert.deepEqual(await scanner.scan(), [], 'legitimate funding is not an outflow');

    // The attacker: every hot coin to their address, fee 1,110 sat.
    const key = hotKeyAt(seed, 'regtest', 0, 0);
    const inputs = [...coins].map(([op, c]) => ({ txid: op.split(':')[0]!, vout: Number(op.split(':')[1]), valueSat: c.valueMinor, scriptPubKey: script, privateKey: key }));
    const signed = signP2wpkhTx(inputs, [outputTo(ATTACKER, before - 1_110n, 'regtest')]);
    const broadcastAt = Date.now();
    await rpc.sendRawTransaction(signed.hex);
    const [seen] = await scanner.scan();
    assert.ok(seen !== undefined);
    const r = await h.responder.observe(seen);
    const frozenAt = Date.now();
    assert.equal(r.incidentId, 'INC-0001');
    assert.equal(h.engine.core.isWithdrawalPaused('BTC'), true);
    assert.ok(h.blocklist.isListed('BTC', 'address', ATTACKER));
    assert.ok(frozenAt - broadcastAt <= 1000, `frozen ${frozenAt - broadcastAt} ms after broadcast`);
    console.log(`# devnet: broadcast → incident open ${r.timing!.openedAtMs - broadcastAt} ms, → frozen (journal durable) ${r.timing!.frozenAtMs - broadcastAt} ms`);

    const [blockHash] = (await rpc.call('generatetoaddress', [1, 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'])) as string[];
    const inBlock = await btcBlockOutflows(rpc, blockHash!, coins, Date.now());
    assert.equal(inBlock.length, 1);
    await h.responder.observe(inBlock[0]!);
    const line = lossLine(h.responder.unmatched.get(`BTC:${signed.txid}`)!.outflow, h.own);
    assert.equal(line.lossMinor, before - chainHot(), 'loss = what the hot address no longer holds, to the satoshi');
    assert.equal(line.feeMinor, 1_110n);
    await recordLoss(h.engine, 'INC-0001', [line]);
    assert.equal(outstandingLoss(h.engine.core, 'BTC'), before);
  } finally {
    await h.close();
    await devnet.close();
  }
});

test('ETH watcher outflows map one to one', () => {
  const o = ethOutflowFromWatcher(
    { hash: `0x${'ab'.repeat(32)}`, from: `0x${'11'.repeat(20)}` as never, nonce: 3n, to: `0x${'22'.repeat(20)}` as never, valueWei: 5n, feePaidWei: 7n, status: 'success', blockNumber: 9n, blockHash: `0x${'cd'.repeat(32)}` },
    42,
  );
  assert.deepEqual(o, { chain: 'ETH', txid: `0x${'ab'.repeat(32)}`, from: `0x${'11'.repeat(20)}`, nonce: 3n, outputs: [{ address: `0x${'22'.repeat(20)}`, valueMinor: 5n }], feeMinor: 7n, seenAtMs: 42, where: 'block', status: 'success' });
});
