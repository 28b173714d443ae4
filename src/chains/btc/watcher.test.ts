import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Devnet, startDevnet } from './devnet.ts';
import { BtcChainError } from './errors.ts';
import { type BtcRpc, createBtcRpcClient } from './rpc.ts';
import { BtcWatcher, confirmationsAt } from './watcher.ts';

const WATCHED = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const OTHER = 'bcrt1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qzf4jry';
let devnet: Devnet;
let rpc: BtcRpc;

before(async () => {
  devnet = await startDevnet({ premineBlocks: 1 });
  rpc = createBtcRpcClient({ url: devnet.url });
});
after(async () => {
  await devnet.close();
});

const mine = async (n: number, address: string): Promise<string[]> => (await rpc.call('generatetoaddress', [n, address])) as string[];

test('bounded polls, resumable state, coinbase deposits with confirmations', async () => {
  const start = (await rpc.getBlockchainInfo()).blocks + 1;
  await mine(3, WATCHED);
  await mine(2, OTHER);
  const w = new BtcWatcher({ rpc, network: 'regtest', addresses: [WATCHED.toUpperCase()], startHeight: start, blocksPerPollMax: 2 });
  let r = await w.poll();
  assert.equal(r.connected.length, 2, 'at most blocksPerPollMax per poll');
  assert.equal(r.connected[0]!.deposits[0]!.amountSat, 5_000_000_000n);
  assert.equal(w.confirmations(r.connected[0]!.height), 5);
  // Persist, "crash", restore, continue where it stopped.
  const saved = JSON.parse(JSON.stringify(w.state()));
  const w2 = BtcWatcher.restore({ rpc, network: 'regtest', addresses: [WATCHED], blocksPerPollMax: 2 }, saved);
  r = await w2.poll();
  assert.deepEqual(r.connected.map((b) => b.height), [start + 2, start + 3]);
  assert.equal(r.connected[0]!.deposits.length, 1);
  assert.equal(r.connected[1]!.deposits.length, 0);
  r = await w2.poll();
  assert.deepEqual(r.connected.map((b) => b.height), [start + 4]);
  r = await w2.poll();
  assert.deepEqual(r.connected, []);
  assert.equal(confirmationsAt(start, r.tipHeight), 5);
  assert.throws(() => BtcWatcher.restore({ rpc, network: 'regtest', addresses: [] }, { ...saved, nextHeight: -1 }), (e: unknown) => e instanceof BtcChainError && e.code === 'WATCHER_STATE_INVALID');
  assert.throws(() => new BtcWatcher({ rpc, network: 'regtest', addresses: ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'], startHeight: 0 }), (e: unknown) => e instanceof BtcChainError && e.code === 'ADDRESS_WRONG_NETWORK');
});

test('reorg to a shorter chain, then a longer one; a reorg deeper than the window is refused', async () => {
  const start = (await rpc.getBlockchainInfo()).blocks + 1;
  const w = new BtcWatcher({ rpc, network: 'regtest', addresses: [WATCHED], startHeight: start, reorgDepthMax: 3 });
  const [a1, a2] = await mine(2, WATCHED);
  let r = await w.poll();
  assert.equal(r.connected.length, 2);
  await rpc.call('invalidateblock', [a1!]);
  r = await w.poll();
  assert.deepEqual(r.disconnected.map((b) => b.hash), [a2, a1], 'highest first');
  assert.equal(r.disconnected[1]!.deposits[0]!.amountSat, 5_000_000_000n);
  assert.deepEqual(r.connected, []);
  const [b1, b2, b3] = await mine(3, OTHER);
  r = await w.poll();
  assert.deepEqual(r.connected.map((b) => b.hash), [b1, b2, b3]);
  assert.ok(r.connected.every((b) => b.deposits.length === 0));
  // Window is 3 blocks: invalidating all three (and more) is beyond what the watcher can vouch for.
  await rpc.call('invalidateblock', [b1!]);
  await mine(4, OTHER);
  await assert.rejects(w.poll(), (e: unknown) => e instanceof BtcChainError && e.code === 'WATCHER_REORG_TOO_DEEP');
});
