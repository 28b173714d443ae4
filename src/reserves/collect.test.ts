import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { JsonNumber, type JsonValue } from '../chains/btc/index.ts';
import { verifyBundleAsync } from './bundle.ts';
import { buildReservesBundle, collectReserves, messagesToSign, signatureKey } from './collect.ts';
import { ReservesError } from './errors.ts';
import { verifyBundleFile } from './files.ts';
import { chainSignatureVerifiers, signBtcReserve, signEthReserve } from './signatures.ts';
import { buildLiabilitiesTree } from './tree.ts';

const tree = buildLiabilitiesTree({
  accounts: [
    { customerId: '1', balances: { AED: 150_000n, BTC: 2_500_000n } },
    { customerId: '2', balances: { ETH: 10n ** 18n } },
  ],
  assets: ['AED', 'BTC', 'ETH'],
  snapshotSalt: new Uint8Array(32).fill(9),
  snapshotTime: '2026-11-25T12:00:00Z',
  journalSeq: 42n,
});
const header = { snapshotTime: tree.published.snapshotTime, journalSeq: tree.published.journalSeq, liabilitiesRootHash: tree.published.rootHash };
const hotBtcKey = new Uint8Array(32).fill(1);
const coldBtcKey = new Uint8Array(32).fill(2);
const ethKey = `0x${'11'.repeat(32)}` as const;
const BLOCK_HASH = 'ab'.repeat(32);

/** A Bitcoin Core stand-in answering scantxoutset (the in-process devnet does not implement it). */
function fakeBtcRpc(utxos: Array<{ address: string; script: string; btc: string }>, opts: { bestblock?: string } = {}) {
  return {
    calls: [] as unknown[],
    async call(method: string, params?: unknown[]): Promise<JsonValue> {
      this.calls.push([method, params]);
      assert.equal(method, 'scantxoutset');
      const wanted = (params![1] as string[]).map((d) => d.slice(5, -1));
      const unspents = utxos.filter((u) => wanted.includes(u.address)).map((u) => ({ scriptPubKey: u.script, amount: new JsonNumber(u.btc), txid: '00'.repeat(32), vout: new JsonNumber('0') }));
      return { success: true, height: new JsonNumber('812'), bestblock: opts.bestblock ?? BLOCK_HASH, unspents, total_amount: new JsonNumber('0') };
    },
    async getBlockHash(height: number): Promise<string> {
      assert.equal(height, 812);
      return BLOCK_HASH;
    },
  };
}

function fakeEthClient(balances: Record<string, bigint>, hashes: string[] = ['0x' + 'cd'.repeat(32)]) {
  let n = 0;
  return {
    async blockNumber() {
      return 1000n;
    },
    async getBlock(at: unknown) {
      assert.equal(at, 1000n);
      const hash = hashes[Math.min(n++, hashes.length - 1)]!;
      return { number: 1000n, hash, parentHash: hash, timestampSec: 0n, baseFeePerGasWei: null, transactions: [] } as never;
    },
    async getBalance(addr: string, at: unknown) {
      assert.equal(at, 1000n);
      return balances[addr] ?? 0n;
    },
  };
}

async function setup() {
  const hot = signBtcReserve(header, hotBtcKey, 'regtest');
  const coldAddress = signBtcReserve({ ...header, liabilitiesRootHash: '00'.repeat(32) }, coldBtcKey, 'regtest').address;
  const { parseAddress } = await import('../chains/btc/index.ts');
  const script = (a: string) => Buffer.from(parseAddress(a, 'regtest').scriptPubKey).toString('hex');
  const eth = await signEthReserve(header, ethKey);
  const rpc = fakeBtcRpc([
    { address: hot.address, script: script(hot.address), btc: '0.005' },
    { address: coldAddress, script: script(coldAddress), btc: '0.015' },
    { address: coldAddress, script: script(coldAddress), btc: '0.005' },
  ]);
  const readings = await collectReserves({
    btc: { rpc, addresses: [hot.address, coldAddress] },
    eth: { client: fakeEthClient({ [eth.address]: 10n ** 18n }), addresses: [eth.address.toLowerCase()] },
    bank: { closingBalanceFils: 150_000n, statementId: 'STMT-2026-11-24', date: '2026-11-24', account: 'AE070331234567890123456' },
  });
  // Cold address: the message goes to the offline cold-sign tool; here the tool is played by the key.
  const coldMessage = messagesToSign(header, readings).find((m) => m.address === coldAddress)!;
  const { signMessageBip322 } = await import('../chains/btc/index.ts');
  const cold = signMessageBip322(coldMessage.message, coldBtcKey, 'regtest');
  const signatures = {
    [signatureKey('BTC', hot.address)]: hot.signature,
    [signatureKey('BTC', coldAddress)]: cold.signature,
    [signatureKey('ETH', eth.address)]: eth.signature,
  };
  return { readings, signatures, hot, coldAddress, eth };
}

describe('reserves: collect, sign, bundle, verify with the CLI alone', () => {
  it('reads balances at one height per chain, signs (BIP-322, EIP-191), and the bundle verifies with the default verifiers', async () => {
    const { readings, signatures, hot, coldAddress } = await setup();
    assert.deepEqual(
      readings.addresses.map((r) => [r.asset, r.address === hot.address || r.address === coldAddress ? 'btc' : 'eth', r.balanceMinor, r.blockHeight]),
      [
        ['BTC', 'btc', 500_000n, 812],
        ['BTC', 'btc', 2_000_000n, 812],
        ['ETH', 'eth', 10n ** 18n, 1000],
      ],
    );
    const bundle = await buildReservesBundle(header, readings, signatures);
    assert.deepEqual(bundle.totals, { BTC: '2500000', ETH: '1000000000000000000', AED: '150000' });
    const dir = mkdtempSync(join(tmpdir(), 'por-bundle-'));
    const path = join(dir, 'bundle.json');
    writeFileSync(path, JSON.stringify(bundle, null, 2));
    const r = await verifyBundleFile(path, { liabilities: tree.published });
    assert.ok(r.ok, r.lines.join('\n'));
    assert.ok(r.lines.some((l) => l.includes('signatures verified: 3')));
    assert.ok(r.lines.some((l) => l.includes('AED') && l.includes('declared')));
  });

  it('a signature for another snapshot, a swapped signature or a changed balance fails the auditor check', async () => {
    const { readings, signatures } = await setup();
    const bundle = await buildReservesBundle(header, readings, signatures);
    const other = structuredClone(bundle);
    other.journalSeq = '43'; // signatures name seq 42
    const r1 = await verifyBundleAsync(other, chainSignatureVerifiers());
    assert.equal(r1.signaturesVerified, 0);
    assert.ok(r1.problems.every((p) => p.code === 'BUNDLE_SIGNATURE_INVALID'));
    const swapped = structuredClone(bundle);
    [swapped.addresses[0]!.signature, swapped.addresses[1]!.signature] = [swapped.addresses[1]!.signature, swapped.addresses[0]!.signature];
    assert.equal((await verifyBundleAsync(swapped, chainSignatureVerifiers())).problems.filter((p) => p.code === 'BUNDLE_SIGNATURE_INVALID').length, 2);
    const inflated = structuredClone(bundle);
    inflated.addresses[0]!.balance = '600000';
    assert.ok((await verifyBundleAsync(inflated, chainSignatureVerifiers())).problems.some((p) => p.code === 'BUNDLE_TOTAL_MISMATCH'));
  });

  it('refuses to build a bundle with a missing or invalid signature', async () => {
    const { readings, signatures, hot } = await setup();
    const missing = { ...signatures };
    delete missing[signatureKey('BTC', hot.address)];
    await assert.rejects(buildReservesBundle(header, readings, missing), (e: unknown) => e instanceof ReservesError && e.code === 'RESERVES_SIGNATURE_MISSING');
    const wrong = { ...signatures, [signatureKey('BTC', hot.address)]: signatures[signatureKey('ETH', readings.addresses[2]!.address)]! };
    await assert.rejects(buildReservesBundle(header, readings, wrong), (e: unknown) => e instanceof ReservesError && e.code === 'RESERVES_SIGNATURE_INVALID');
  });

  it('refuses inconsistent reads: a reorg mid-read, a duplicate address, an unknown UTXO', async () => {
    const eth = await signEthReserve(header, ethKey);
    await assert.rejects(
      collectReserves({ eth: { client: fakeEthClient({}, ['0x' + 'cd'.repeat(32), '0x' + 'ef'.repeat(32)]), addresses: [eth.address] } }),
      (e: unknown) => e instanceof ReservesError && e.code === 'RESERVES_READ',
    );
    await assert.rejects(collectReserves({ eth: { client: fakeEthClient({}), addresses: [eth.address, eth.address.toLowerCase()] } }), (e: unknown) => e instanceof ReservesError && e.code === 'POR_INPUT');
    const hot = signBtcReserve(header, hotBtcKey, 'regtest');
    await assert.rejects(
      collectReserves({ btc: { rpc: fakeBtcRpc([{ address: hot.address, script: '0014' + '00'.repeat(20), btc: '1' }]), addresses: [hot.address] } }),
      (e: unknown) => e instanceof ReservesError && e.code === 'RESERVES_READ',
    );
    await assert.rejects(
      collectReserves({ btc: { rpc: fakeBtcRpc([], { bestblock: 'ee'.repeat(32) }), addresses: [hot.address] } }),
      (e: unknown) => e instanceof ReservesError && e.code === 'RESERVES_READ',
    );
  });

  it('refuses malformed node answers and bank input with typed errors', async () => {
    const hot = signBtcReserve(header, hotBtcKey, 'regtest');
    const answers: JsonValue[] = [
      null,
      [],
      { success: false },
      { success: true, height: new JsonNumber('-1'), bestblock: BLOCK_HASH, unspents: [] },
      { success: true, height: new JsonNumber('812'), bestblock: 'zz', unspents: [] },
      { success: true, height: new JsonNumber('812'), bestblock: BLOCK_HASH },
      { success: true, height: new JsonNumber('812'), bestblock: BLOCK_HASH, unspents: [{ scriptPubKey: 'ff', amount: new JsonNumber('1') }] },
      { success: true, height: new JsonNumber('812'), bestblock: BLOCK_HASH, unspents: [true] },
    ];
    for (const answer of answers) {
      const rpc = { call: async () => answer, getBlockHash: async () => BLOCK_HASH };
      await assert.rejects(collectReserves({ btc: { rpc, addresses: [hot.address] } }), (e: unknown) => e instanceof ReservesError && e.code === 'RESERVES_READ', JSON.stringify(answer));
    }
    const { parseAddress } = await import('../chains/btc/index.ts');
    const script = Buffer.from(parseAddress(hot.address, 'regtest').scriptPubKey).toString('hex');
    const badAmount = { call: async () => ({ success: true, height: new JsonNumber('812'), bestblock: BLOCK_HASH, unspents: [{ scriptPubKey: script, amount: new JsonNumber('-1') }] }), getBlockHash: async () => BLOCK_HASH };
    await assert.rejects(collectReserves({ btc: { rpc: badAmount, addresses: [hot.address] } }), (e: unknown) => e instanceof ReservesError && e.code === 'RESERVES_READ');
    for (const bank of [
      { closingBalanceFils: -1n, statementId: 'S', date: '2026-11-24' },
      { closingBalanceFils: 1n, statementId: '', date: '2026-11-24' },
      { closingBalanceFils: 1n, statementId: 'S', date: '24/11/2026' },
    ]) {
      await assert.rejects(collectReserves({ bank }), (e: unknown) => e instanceof ReservesError && e.code === 'POR_INPUT');
    }
  });
});
