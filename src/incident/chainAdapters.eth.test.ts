import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type EthAddress, EthClient, type Hash, mine, rawRpc, setAutomine, startHardhatNode } from '../chains/eth/index.ts';
import { EthPendingScanner, ethOutflowFromWatcher } from './chainAdapters.ts';
import { lossLine } from './loss.ts';
import { ethAddr, harness } from './testing.ts';

// Hardhat's first test account: the "hot wallet" whose key leaked (its accounts are unlocked on the node).
const HOT = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const ATTACKER = ethAddr(0xbad, 0xbad);

test('hardhat: a pending theft from the hot address freezes before it is mined; the loss equals the balance change to the wei', { timeout: 90_000 }, async () => {
  const node = await startHardhatNode();
  const h = await harness({ realClock: true });
  try {
    await setAutomine(node.rpcUrl, false);
    const client = new EthClient({ rpcUrl: node.rpcUrl, chainId: node.chainId });
    h.own.add('ETH', HOT);
    const scanner = new EthPendingScanner(client, [HOT], Date.now);
    const before = await client.getBalance(HOT as EthAddress);
    const broadcastAt = Date.now();
    const hash = (await rawRpc(node.rpcUrl, 'eth_sendTransaction', [{ from: HOT, to: ATTACKER, value: `0x${(7n * 10n ** 18n + 1n).toString(16)}` }])) as Hash;
    const [pending] = await scanner.scan();
    assert.ok(pending !== undefined, 'seen in the pending block');
    assert.equal(pending.txid, hash.toLowerCase());
    const r = await h.responder.observe(pending);
    assert.equal(r.match.matched, false);
    assert.equal(h.engine.core.isWithdrawalPaused('ETH'), true);
    assert.ok(h.blocklist.isListed('ETH', 'address', ATTACKER));
    const frozenMs = r.timing!.frozenAtMs - broadcastAt;
    assert.ok(frozenMs <= 1000, `frozen ${frozenMs} ms after broadcast`);
    console.log(`# hardhat: broadcast → frozen ${frozenMs} ms, still unmined`);
    await mine(node.rpcUrl);
    const tx = await client.getTransaction(hash);
    const receipt = await client.getReceipt(hash);
    assert.ok(tx !== null && receipt !== null);
    const mined = ethOutflowFromWatcher({ hash, from: tx.from, nonce: tx.nonce, to: tx.to, valueWei: tx.valueWei, feePaidWei: receipt.feePaidWei, status: receipt.status, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash }, Date.now());
    await h.responder.observe(mined);
    const line = lossLine(h.responder.unmatched.get(`ETH:${hash.toLowerCase()}`)!.outflow, h.own);
    const after = await client.getBalance(HOT as EthAddress);
    assert.equal(line.lossMinor, before - after, 'value + fee, to the wei');
  } finally {
    await h.close();
    await node.stop();
  }
});
