import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { privateKeyToAccount } from 'viem/accounts';
import { toChecksumAddress } from './address.ts';
import { EthClient } from './client.ts';
import { type HardhatNode, mine, rawRpc, revert, setBalance, snapshot, startHardhatNode } from './node.ts';
import { HotWallet, MemoryIntentStore } from './wallet.ts';

const HH_KEY0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

describe('hardhat node child process', () => {
  let node: HardhatNode;
  before(async () => {
    // Non-default chain id and interval mining (long interval: blocks come only when we mine).
    node = await startHardhatNode({ chainId: 1337, accountCount: 2, mining: { mode: 'interval', intervalMs: 600_000 } });
    console.log(`# hardhat node start: ${node.startMs} ms (port ${node.port})`);
  });
  after(async () => {
    await node.stop();
    await node.stop(); // idempotent
  });

  it('answers eth_chainId on loopback and funds the mnemonic accounts', async () => {
    assert.match(node.rpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await rawRpc(node.rpcUrl, 'eth_chainId'), '0x539');
    const bal = await rawRpc(node.rpcUrl, 'eth_getBalance', ['0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', 'latest']);
    assert.equal(BigInt(bal as string), 10_000n * 10n ** 18n);
  });

  it('interval mining: a sent tx waits for the next block', async () => {
    const client = await EthClient.connect({ rpcUrl: node.rpcUrl, chainId: 1337 });
    const w = new HotWallet({ client, store: new MemoryIntentStore(), account: privateKeyToAccount(HH_KEY0) });
    const r = await w.withdraw('i-1', toChecksumAddress(`0x${'77'.repeat(20)}`), 1n);
    assert.equal(await client.getReceipt(r.hash), null);
    await mine(node.rpcUrl);
    assert.equal((await client.getReceipt(r.hash))?.status, 'success');
  });

  it('mines, snapshots, reverts and sets balances', async () => {
    const h0 = BigInt((await rawRpc(node.rpcUrl, 'eth_blockNumber')) as string);
    const snap = await snapshot(node.rpcUrl);
    await mine(node.rpcUrl, 3);
    assert.equal(BigInt((await rawRpc(node.rpcUrl, 'eth_blockNumber')) as string), h0 + 3n);
    assert.equal(await revert(node.rpcUrl, snap), true);
    assert.equal(BigInt((await rawRpc(node.rpcUrl, 'eth_blockNumber')) as string), h0);
    const who = toChecksumAddress('0x00000000000000000000000000000000000000aa');
    await setBalance(node.rpcUrl, who, 123n);
    assert.equal(await rawRpc(node.rpcUrl, 'eth_getBalance', [who, 'latest']), '0x7b');
  });

  it('after stop the port is closed', async () => {
    const url = node.rpcUrl;
    await node.stop();
    await assert.rejects(rawRpc(url, 'eth_chainId', [], 500));
  });
});
