import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { toChecksumAddress } from './address.ts';
import { type HardhatNode, mine, rawRpc, revert, setBalance, snapshot, startHardhatNode } from './node.ts';

describe('hardhat node child process', () => {
  let node: HardhatNode;
  before(async () => {
    node = await startHardhatNode({ chainId: 31337, accountCount: 2 });
    console.log(`# hardhat node start: ${node.startMs} ms (port ${node.port})`);
  });
  after(async () => {
    await node.stop();
  });

  it('answers eth_chainId on loopback and funds the mnemonic accounts', async () => {
    assert.match(node.rpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await rawRpc(node.rpcUrl, 'eth_chainId'), '0x7a69');
    const bal = await rawRpc(node.rpcUrl, 'eth_getBalance', ['0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', 'latest']);
    assert.equal(BigInt(bal as string), 10_000n * 10n ** 18n);
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

  it('stop is idempotent and the port is closed afterwards', async () => {
    const other = await startHardhatNode({ chainId: 1337, accountCount: 1, mining: { mode: 'interval', intervalMs: 1000 } });
    assert.equal(await rawRpc(other.rpcUrl, 'eth_chainId'), '0x539');
    await other.stop();
    await other.stop();
    await assert.rejects(rawRpc(other.rpcUrl, 'eth_chainId', [], 500));
  });
});
