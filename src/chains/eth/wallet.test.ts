import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type Hex, parseTransaction, serializeTransaction, toRlp } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type EthAddress, toChecksumAddress } from './address.ts';
import { EthClient } from './client.ts';
import { ChainError } from './errors.ts';
import { addressPath, deriveSigner, mnemonicToSeed } from './hd.ts';
import { type HardhatNode, HARDHAT_TEST_MNEMONIC, mine, setAutomine, setBalance, startHardhatNode } from './node.ts';
import {
  accountFromSeed,
  bumpFees,
  coldSign,
  FileIntentStore,
  HotWallet,
  hashPersonalMessage,
  MemoryIntentStore,
  parseSigned,
  parseUnsigned,
  type SignedTransfer,
  serializeUnsigned,
  signPersonalMessage,
  signTransfer,
  type TransferApproval,
  type UnsignedTransfer,
  verifyPersonalMessage,
  verifySignedAgainstApproval,
} from './wallet.ts';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const HH_KEY0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const hh0 = privateKeyToAccount(HH_KEY0);

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    assert.ok(e instanceof ChainError, `expected ChainError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected a throw');
}

const sampleTx = (over: Partial<UnsignedTransfer> = {}): UnsignedTransfer => ({
  chainId: 31337,
  nonce: 3n,
  to: toChecksumAddress(`0x${'33'.repeat(20)}`),
  valueWei: 10n ** 17n,
  gasLimit: 21_000n,
  maxFeePerGasWei: 3_000_000_000n,
  maxPriorityFeePerGasWei: 1_000_000_000n,
  ...over,
});

describe('wallet (pure)', () => {
  it('EIP-191 personal_sign: known vector for "hello world" with hardhat key #0', async () => {
    assert.equal(hashPersonalMessage('hello world'), '0xd9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68');
    const sig = await signPersonalMessage(hh0, 'hello world');
    assert.equal(
      sig,
      '0xa461f509887bd19e312c0c58467ce8ff8e300d3c1a90b608a760c5b80318eaf15fe57c96f9175d6cd4daad4663763baa7e78836e067d0163e9a2ccf2ff753f5b1b',
    );
    const who = toChecksumAddress(hh0.address);
    assert.equal(await verifyPersonalMessage(who, 'hello world', sig), true);
    assert.equal(await verifyPersonalMessage(who, 'hello world!', sig), false);
    assert.equal(await verifyPersonalMessage(who, 'hello world', `${sig.slice(0, -2)}1c`), false);
    assert.equal(await verifyPersonalMessage(who, 'hello world', 'garbage'), false);
    assert.equal(await verifyPersonalMessage(who, 'hello world', `0x${'00'.repeat(65)}`), false);
  });

  it('unsigned EIP-1559 export round-trips (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 40n }),
        fc.bigInt({ min: 0n, max: 10n ** 24n }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        (nonce, valueWei, maxFee, to) => {
          const tx = sampleTx({ nonce, valueWei, maxFeePerGasWei: maxFee, maxPriorityFeePerGasWei: maxFee / 2n, to: toChecksumAddress(`0x${Buffer.from(to).toString('hex')}`) });
          if (/^0x0+$/.test(tx.to)) return;
          assert.deepEqual(parseUnsigned(serializeUnsigned(tx)), tx);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('signing is deterministic (RFC 6979) and recovers the signer', async () => {
    const a = await signTransfer(sampleTx(), hh0);
    const b = await signTransfer(sampleTx(), hh0);
    assert.equal(a.hash, b.hash);
    assert.equal(a.from, toChecksumAddress(hh0.address));
    assert.deepEqual((await parseSigned(a.raw)).tx, sampleTx());
  });

  it('hostile serialized transactions get typed errors', async () => {
    const signed = await signTransfer(sampleTx(), hh0);
    const legacy = serializeTransaction({ type: 'legacy', chainId: 1, nonce: 0, to: sampleTx().to, value: 1n, gas: 21000n, gasPrice: 1n });
    const withData = serializeTransaction({ type: 'eip1559', chainId: 1, nonce: 0, to: sampleTx().to, value: 1n, gas: 50000n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, data: '0xa9059cbb' });
    const create = serializeTransaction({ type: 'eip1559', chainId: 1, nonce: 0, value: 1n, gas: 50000n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n });
    // viem refuses to build this one, so it is hand-rolled: 0x02 || rlp([chainId, nonce, tip=2, maxFee=1, gas, to, value, data, accessList]).
    const tipAboveCap = `0x02${toRlp(['0x01', '0x', '0x02', '0x01', '0x5208', sampleTx().to, '0x01', '0x', []]).slice(2)}`;
    for (const bad of [42, '', '0x', '0x02', '0x02zz', `0x02${'ff'.repeat(5000)}`, legacy, withData, create, tipAboveCap, signed.raw]) {
      assert.equal(await codeOf(() => parseUnsigned(bad)), 'TX_MALFORMED', String(bad).slice(0, 40));
    }
    assert.equal(await codeOf(parseSigned(serializeUnsigned(sampleTx()))), 'TX_MALFORMED');
    assert.equal(await codeOf(() => serializeUnsigned(sampleTx({ gasLimit: 20_999n }))), 'TX_MALFORMED');
    assert.equal(await codeOf(() => serializeUnsigned(sampleTx({ chainId: 0 }))), 'TX_MALFORMED');
  });

  it('fee bump for replacement is ≥ 10% + 1 wei on both caps (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: 0n, max: 10n ** 12n }), (a, b) => {
        const [lo, hi] = [a, b].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
        const old = { maxFeePerGasWei: hi as bigint, maxPriorityFeePerGasWei: lo as bigint };
        const n = bumpFees(old);
        assert.ok(n.maxFeePerGasWei * 100n >= old.maxFeePerGasWei * 110n + 100n);
        assert.ok(n.maxPriorityFeePerGasWei * 100n >= old.maxPriorityFeePerGasWei * 110n + 100n);
        assert.ok(n.maxPriorityFeePerGasWei <= n.maxFeePerGasWei);
      }),
      { numRuns: 200 },
    );
  });
});

describe('wallet against hardhat', () => {
  let node: HardhatNode;
  let client: EthClient;
  let dir: string;
  let hot: HotWallet;
  const hotAccount = accountFromSeed(mnemonicToSeed(HARDHAT_TEST_MNEMONIC), 0);
  let n = 0;
  const freshAddress = (): EthAddress => toChecksumAddress(`0x${(0xabc000 + ++n).toString(16).padStart(40, '0')}`);

  before(async () => {
    node = await startHardhatNode({ accountCount: 2 });
    client = await EthClient.connect({ rpcUrl: node.rpcUrl, chainId: 31337 });
    dir = mkdtempSync(join(tmpdir(), 'rampart-eth-wallet-'));
    hot = new HotWallet({ client, store: new MemoryIntentStore(), account: hotAccount });
  });
  after(async () => {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('withdrawal: signed → broadcast → mined → receipt; repeating the intent sends nothing', async () => {
    const to = freshAddress();
    const r = await hot.withdraw('w-1', to, 12_345n);
    assert.equal(r.outcome, 'sent');
    const receipt = await client.getReceipt(r.hash);
    assert.ok(receipt !== null);
    assert.equal(receipt.status, 'success');
    assert.equal(receipt.gasUsed, 21_000n);
    assert.equal(receipt.feePaidWei, 21_000n * receipt.effectiveGasPriceWei);
    assert.equal(await client.getBalance(to), 12_345n);
    const again = await hot.withdraw('w-1', to, 12_345n);
    assert.equal(again.outcome, 'already_mined');
    assert.equal(again.hash, r.hash);
    assert.equal(await client.getBalance(to), 12_345n);
    assert.equal(await codeOf(hot.withdraw('w-1', to, 99n)), 'INTENT_CONFLICT');
  });

  it('an unfunded or zero withdrawal is refused before any nonce is reserved', async () => {
    const poor = privateKeyToAccount(deriveSigner(mnemonicToSeed(ABANDON), 7).privateKey);
    const store = new MemoryIntentStore();
    const w = new HotWallet({ client, store, account: poor });
    await setBalance(node.rpcUrl, toChecksumAddress(poor.address), 21_000n);
    assert.equal(await codeOf(w.withdraw('poor-1', freshAddress(), 1n)), 'INSUFFICIENT_FUNDS');
    assert.equal(await codeOf(hot.withdraw('zero-1', freshAddress(), 0n)), 'TX_MALFORMED');
    assert.equal(store.all().length, 0);
  });

  it('concurrent withdrawals get distinct consecutive nonces', async () => {
    const [a, b, c] = await Promise.all([hot.withdraw('c-1', freshAddress(), 1n), hot.withdraw('c-2', freshAddress(), 2n), hot.withdraw('c-3', freshAddress(), 3n)]);
    assert.ok(a && b && c);
    assert.equal(b.nonce, a.nonce + 1n);
    assert.equal(c.nonce, b.nonce + 1n);
    for (const r of [a, b, c]) assert.equal((await client.getReceipt(r.hash))?.status, 'success');
  });

  it('crash between sign and record: restart reconciles by (from, nonce), no double send', async () => {
    const path = join(dir, 'intents.json');
    const to = freshAddress();
    await setAutomine(node.rpcUrl, false);
    try {
      let leaked: SignedTransfer | undefined;
      const crashing = new HotWallet({
        client,
        store: new FileIntentStore(path),
        account: hotAccount,
        afterSign: (s) => {
          leaked = s;
          throw new Error('simulated crash');
        },
      });
      await assert.rejects(crashing.withdraw('w-crash', to, 777n), /simulated crash/);
      assert.ok(leaked);
      // Worst case: the signed bytes did reach the node before the crash.
      const first = await client.sendRawTransaction(leaked.raw, leaked.hash);
      assert.equal(first.alreadyKnown, false);
      // Resending the same signed tx is harmless.
      const dup = await client.sendRawTransaction(leaked.raw, leaked.hash);
      assert.equal(dup.hash, leaked.hash);

      // Restart: a new process reads the durable intent (recorded before signing, hash missing).
      const store = new FileIntentStore(path);
      assert.equal(store.get('w-crash')?.attempts[0]?.hash, null);
      const restarted = new HotWallet({ client, store, account: hotAccount });
      const st = await restarted.status('w-crash');
      assert.deepEqual(st, { state: 'pending', hash: leaked.hash });
      const resumed = await restarted.withdraw('w-crash', to, 777n);
      assert.equal(resumed.outcome, 'already_pending');
      assert.equal(resumed.hash, leaked.hash);
      await mine(node.rpcUrl);
      const done = await restarted.resume('w-crash');
      assert.equal(done.outcome, 'already_mined');
      assert.equal(await client.getBalance(to), 777n);
      // Rebroadcast after mining: the node refuses by nonce, nothing is spent twice.
      assert.equal(await codeOf(client.sendRawTransaction(leaked.raw, leaked.hash)), 'NONCE_TOO_LOW');
      assert.equal(await client.getBalance(to), 777n);
    } finally {
      await setAutomine(node.rpcUrl, true);
    }
  });

  it('crash after recording the intent but before signing: nonce is kept locally, resume sends it', async () => {
    const path = join(dir, 'intents2.json');
    const to = freshAddress();
    const crashing = new HotWallet({
      client,
      store: new FileIntentStore(path),
      account: hotAccount,
      afterSign: () => {
        throw new Error('simulated crash');
      },
    });
    await assert.rejects(crashing.withdraw('w-lost', to, 5n), /simulated crash/);
    const restarted = new HotWallet({ client, store: new FileIntentStore(path), account: hotAccount });
    const intent = new FileIntentStore(path).get('w-lost');
    assert.ok(intent);
    // The node never saw it, yet the next nonce skips the reserved one.
    assert.equal(await client.getNonce(hotAccount.address as EthAddress, 'pending'), intent.nonce);
    assert.equal(await restarted.nextNonce(), intent.nonce + 1n);
    assert.deepEqual(await restarted.status('w-lost'), { state: 'not_broadcast' });
    const r = await restarted.resume('w-lost');
    assert.equal(r.outcome, 'sent');
    assert.equal(await client.getBalance(to), 5n);
  });

  it('a nonce consumed by a foreign tx is a conflict, never a resend', async () => {
    const path = join(dir, 'intents3.json');
    const to = freshAddress();
    const crashing = new HotWallet({
      client,
      store: new FileIntentStore(path),
      account: hotAccount,
      afterSign: () => {
        throw new Error('simulated crash');
      },
    });
    await assert.rejects(crashing.withdraw('w-foreign', to, 9n), /simulated crash/);
    const intent = new FileIntentStore(path).get('w-foreign');
    assert.ok(intent?.attempts[0]);
    // Someone else with the key (an incident) spends that nonce first.
    const foreign = await signTransfer({ ...intent.attempts[0], chainId: 31337, nonce: intent.nonce, to: freshAddress(), valueWei: 1n, gasLimit: 21_000n }, hotAccount);
    await client.sendRawTransaction(foreign.raw, foreign.hash);
    const restarted = new HotWallet({ client, store: new FileIntentStore(path), account: hotAccount });
    const st = await restarted.status('w-foreign');
    assert.equal(st.state, 'nonce_conflict');
    assert.equal(await codeOf(restarted.resume('w-foreign')), 'INTENT_CONFLICT');
    assert.equal(await client.getBalance(to), 0n);
  });

  it('a stuck tx is replaced with the same nonce and bumped fees', async () => {
    const to = freshAddress();
    await setAutomine(node.rpcUrl, false);
    try {
      const first = await hot.withdraw('w-stuck', to, 1_000n);
      assert.equal(first.outcome, 'sent');
      assert.equal((await hot.status('w-stuck')).state, 'pending');
      // A bump below 10% is refused by the node, as geth would.
      const intent = (hot as unknown as { store: MemoryIntentStore }).store.get('w-stuck');
      assert.ok(intent?.attempts[0]);
      const a0 = intent.attempts[0];
      const weak = await signTransfer(
        { chainId: 31337, nonce: intent.nonce, to, valueWei: 1_000n, gasLimit: 21_000n, maxFeePerGasWei: a0.maxFeePerGasWei + 1n, maxPriorityFeePerGasWei: a0.maxPriorityFeePerGasWei + 1n },
        hotAccount,
      );
      assert.equal(await codeOf(client.sendRawTransaction(weak.raw, weak.hash)), 'REPLACEMENT_UNDERPRICED');
      const second = await hot.replace('w-stuck');
      assert.equal(second.nonce, first.nonce);
      assert.notEqual(second.hash, first.hash);
      await mine(node.rpcUrl);
      const st = await hot.status('w-stuck');
      assert.equal(st.state, 'mined');
      assert.equal(st.state === 'mined' && st.hash, second.hash);
      assert.equal(await client.getReceipt(first.hash), null);
      assert.equal(await client.getBalance(to), 1_000n);
      // Replacing a mined intent is a no-op.
      const late = await hot.replace('w-stuck');
      assert.equal(late.outcome, 'already_mined');
      assert.equal(late.hash, second.hash);
    } finally {
      await setAutomine(node.rpcUrl, true);
    }
  });

  it('cold → hot refill: unsigned export, offline coldSign, approval check, broadcast; tampering rejected', async () => {
    const coldPath = addressPath(0);
    const cold = deriveSigner(mnemonicToSeed(ABANDON), 0).address;
    assert.equal(cold, '0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
    await setBalance(node.rpcUrl, cold, 10n ** 18n);
    const hotAddr = toChecksumAddress(hotAccount.address);
    const fees = await client.feeData();
    const unsigned: UnsignedTransfer = {
      chainId: 31337,
      nonce: await client.getNonce(cold, 'pending'),
      to: hotAddr,
      valueWei: 5n * 10n ** 17n,
      gasLimit: 21_000n,
      maxFeePerGasWei: fees.maxFeePerGasWei,
      maxPriorityFeePerGasWei: fees.maxPriorityFeePerGasWei,
    };
    const approval: TransferApproval = {
      chainId: 31337,
      from: cold,
      to: hotAddr,
      valueWei: unsigned.valueWei,
      nonce: unsigned.nonce,
      maxFeePerGasCapWei: fees.maxFeePerGasWei,
      maxPriorityFeePerGasCapWei: fees.maxPriorityFeePerGasWei,
      gasLimitMax: 21_000n,
    };
    const exported = serializeUnsigned(unsigned);

    // Tampered unsigned exports never get signed.
    const attacker = toChecksumAddress(`0x${'66'.repeat(20)}`);
    for (const [field, t] of [
      ['to', { to: attacker }],
      ['valueWei', { valueWei: unsigned.valueWei + 1n }],
      ['chainId', { chainId: 1 }],
      ['nonce', { nonce: unsigned.nonce + 1n }],
      ['maxFeePerGasWei', { maxFeePerGasWei: unsigned.maxFeePerGasWei * 10n }],
    ] as const) {
      const bad = serializeUnsigned({ ...unsigned, ...t });
      try {
        await coldSign(bad, ABANDON, coldPath, approval);
        assert.fail('tampered export was signed');
      } catch (e) {
        assert.ok(e instanceof ChainError && e.code === 'TX_NOT_APPROVED' && e.details.field === field, String(e));
      }
    }
    assert.equal(await codeOf(coldSign(exported, ABANDON, addressPath(1), approval)), 'TX_SIGNER_MISMATCH');

    const signed = await coldSign(exported, ABANDON, coldPath, approval);
    // Tampered signed tx: same signature over changed fields recovers another signer.
    const p = parseTransaction(signed.raw);
    const forged = serializeTransaction({ ...p, to: attacker } as Parameters<typeof serializeTransaction>[0], { r: p.r as Hex, s: p.s as Hex, yParity: p.yParity ?? 0 });
    assert.equal(await codeOf(verifySignedAgainstApproval(forged, approval)), 'TX_NOT_APPROVED');
    const forgedValue = serializeTransaction({ ...p, value: 1n } as Parameters<typeof serializeTransaction>[0], { r: p.r as Hex, s: p.s as Hex, yParity: p.yParity ?? 0 });
    assert.equal(await codeOf(verifySignedAgainstApproval(forgedValue, approval)), 'TX_NOT_APPROVED');
    // Signed by another key (right fields): refused by signer.
    const other = await signTransfer(unsigned, hh0);
    assert.equal(await codeOf(verifySignedAgainstApproval(other.raw, approval)), 'TX_SIGNER_MISMATCH');

    const ok = await verifySignedAgainstApproval(signed.raw, approval);
    const hotBefore = await client.getBalance(hotAddr);
    await client.sendRawTransaction(ok.raw, ok.hash);
    const receipt = await client.getReceipt(ok.hash);
    assert.equal(receipt?.status, 'success');
    assert.equal(await client.getBalance(hotAddr), hotBefore + unsigned.valueWei);
  });
});
