import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hex } from '@scure/base';
import { Transaction } from '@scure/btc-signer';
import { RawTx } from '@scure/btc-signer/script.js';
import { hash160, pubECDSA } from '@scure/btc-signer/utils.js';
import { DevChain, RpcFailure } from './devchain.ts';
import { signP2wpkhTx } from './wallet.ts';

const key = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const script = (priv: Uint8Array): Uint8Array => Uint8Array.of(0x00, 0x14, ...hash160(pubECDSA(priv)));
const K = key(3);
const S = script(K);
const OTHER = script(key(4));

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof RpcFailure, String(e));
    return `${e.rpcCode} ${e.reason}`;
  }
  assert.fail('expected a refusal');
}

function spend(txid: string, vout: number, valueSat: bigint, outputs: Array<[Uint8Array, bigint]>, sequence = 0xfffffffd): Uint8Array {
  const tx = new Transaction();
  tx.addInput({ txid, index: vout, witnessUtxo: { script: S, amount: valueSat }, sequence });
  for (const [s, a] of outputs) tx.addOutput({ script: s, amount: a });
  tx.sign(K);
  tx.finalize();
  return tx.extract();
}

test('coinbase maturity is 100 blocks; merkle root of a lone coinbase is its txid', () => {
  const c = new DevChain();
  const b = c.mineBlock(S);
  assert.equal(b.merkleRoot, b.txs[0]!.txid);
  const cb = b.txs[0]!.txid;
  for (let i = 0; i < 98; i++) c.mineBlock(OTHER);
  const raw = spend(cb, 0, 5_000_000_000n, [[OTHER, 4_999_990_000n]]);
  assert.match(reason(() => c.acceptToMempool(raw)), /^-26 bad-txns-premature-spend-of-coinbase/);
  c.mineBlock(OTHER);
  assert.equal(c.acceptToMempool(raw).feeSat, 10_000n);
});

test('mempool chains, fee limits, dust, and BIP125 signalling', () => {
  const c = new DevChain({ coinbaseMaturity: 1 });
  const cb = c.mineBlock(S).txs[0]!.txid;
  c.mineBlock(OTHER);
  assert.match(reason(() => c.acceptToMempool(spend(cb, 0, 5_000_000_000n, [[OTHER, 1_000_000_000n]]))), /^-25 Fee exceeds maximum/);
  assert.match(reason(() => c.acceptToMempool(spend(cb, 0, 5_000_000_000n, [[OTHER, 293n], [S, 4_999_000_000n]]))), /^-26 dust/);
  // btc-signer will not sign an overspend, so raise an output of a signed tx in its bytes.
  const decoded = RawTx.decode(spend(cb, 0, 5_000_000_000n, [[OTHER, 4_999_990_000n]]));
  decoded.outputs[0]!.amount = 5_000_000_001n;
  assert.match(reason(() => c.acceptToMempool(RawTx.encode(decoded))), /^-26 bad-txns-in-belowout/);
  // A non-signalling parent (nSequence 0xffffffff) cannot be replaced without full RBF.
  const parent = spend(cb, 0, 5_000_000_000n, [[S, 4_999_990_000n]], 0xffffffff);
  const p = c.acceptToMempool(parent);
  const rival = spend(cb, 0, 5_000_000_000n, [[S, 4_999_900_000n]]);
  assert.match(reason(() => c.acceptToMempool(rival)), /^-26 txn-mempool-conflict/);
  // Child of an unconfirmed parent.
  const child = signP2wpkhTx([{ txid: p.txid, vout: 0, valueSat: 4_999_990_000n, scriptPubKey: S, privateKey: K }], [{ script: OTHER, amountSat: 4_999_980_000n }]);
  c.acceptToMempool(hex.decode(child.hex));
  const block = c.mineBlock(OTHER);
  assert.deepEqual(block.txs.map((t) => t.txid).slice(1), [p.txid, child.txid]);
  assert.equal(block.txs[0]!.tx.outputs[0]!.amount, 5_000_000_000n + 10_000n + 10_000n, 'coinbase collects the fees');

  const full = new DevChain({ coinbaseMaturity: 1, fullRbf: true });
  const cb2 = full.mineBlock(S).txs[0]!.txid;
  full.mineBlock(OTHER);
  const first = full.acceptToMempool(spend(cb2, 0, 5_000_000_000n, [[S, 4_999_990_000n]], 0xffffffff));
  const second = full.acceptToMempool(spend(cb2, 0, 5_000_000_000n, [[S, 4_999_900_000n]]));
  assert.deepEqual(second.replaced, [first.txid]);
});

test('invalidateBlock: transactions return to the mempool; spends of vanished coinbases are dropped', () => {
  const c = new DevChain({ coinbaseMaturity: 1 });
  const b1 = c.mineBlock(S);
  const b2 = c.mineBlock(OTHER);
  const t = c.acceptToMempool(spend(b1.txs[0]!.txid, 0, 5_000_000_000n, [[OTHER, 4_999_990_000n]]));
  const b3 = c.mineBlock(OTHER);
  assert.equal(c.confirmations(b3.hash), 1);
  // Disconnect b3: t goes back to the mempool.
  let r = c.invalidateBlock(b3.hash);
  assert.deepEqual(r.disconnected, [b3.hash]);
  assert.ok(c.mempool.has(t.txid));
  assert.equal(c.confirmations(b3.hash), -1);
  // Disconnect b1 (and b2): the coinbase t spent no longer exists, so t is dropped.
  r = c.invalidateBlock(b1.hash);
  assert.deepEqual(r.disconnected, [b2.hash, b1.hash]);
  assert.ok(r.dropped.includes(t.txid));
  assert.equal(c.mempool.size, 0);
  assert.equal(c.height, 0);
  assert.match(reason(() => c.invalidateBlock('00'.repeat(32))), /^-5 Block not found/);
  const nb = c.mineBlock(S);
  assert.notEqual(nb.hash, b1.hash, 're-mined blocks differ (time counter)');
});

test('hostile raw transactions: garbage, truncated, oversized → -22; nothing changes', () => {
  const c = new DevChain();
  const before = c.tip.hash;
  for (const raw of [new Uint8Array(0), Uint8Array.of(1, 2, 3), new Uint8Array(500_000), hex.decode('02000000000100000000')]) {
    assert.match(reason(() => c.acceptToMempool(raw)), /^-22 TX decode failed/);
  }
  assert.equal(c.tip.hash, before);
  assert.equal(c.mempool.size, 0);
});
