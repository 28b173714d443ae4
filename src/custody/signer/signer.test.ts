import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import * as btc from '../../chains/btc/index.ts';
import { CustodyError } from '../errors.ts';
import { checkIntent, generateIntentKey, signIntent, verifyIntent, type WithdrawalIntent } from '../intent.ts';
import { signerConfig, tempDir } from '../testing.ts';
import { SignerCore } from './core.ts';
import { decryptKeyMaterial, encryptKeyMaterial, openKeystore, resolveKek } from './keystore.ts';
import { SignedLog } from './log.ts';

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return e instanceof CustodyError ? e.code : `OTHER:${String(e)}`;
  }
  return 'OK';
};
const acode = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    return e instanceof CustodyError ? e.code : `OTHER:${String(e)}`;
  }
  return 'OK';
};

test('keystore: AES-256-GCM round trip; wrong KEK or any flipped byte is KEYSTORE_INVALID', () => {
  const kek = new Uint8Array(32).fill(7);
  const text = encryptKeyMaterial({ mnemonic: MNEMONIC }, kek);
  assert.ok(!text.includes('abandon'));
  assert.equal(decryptKeyMaterial(text, kek).mnemonic, MNEMONIC);
  assert.equal(code(() => decryptKeyMaterial(text, new Uint8Array(32).fill(8))), 'KEYSTORE_INVALID');
  const f = JSON.parse(text) as { ctHex: string };
  fc.assert(
    fc.property(fc.nat({ max: f.ctHex.length - 1 }), (i) => {
      const flipped = f.ctHex.slice(0, i) + (f.ctHex[i] === '0' ? '1' : '0') + f.ctHex.slice(i + 1);
      return code(() => decryptKeyMaterial(JSON.stringify({ ...JSON.parse(text), ctHex: flipped }), kek)) === 'KEYSTORE_INVALID';
    }),
    { numRuns: 100 },
  );
  for (const hostile of ['', 'null', '{"v":2}', '[]', '{"v":1,"alg":"aes-256-gcm","ivHex":"zz","tagHex":"","ctHex":""}']) assert.equal(code(() => decryptKeyMaterial(hostile, kek)), 'KEYSTORE_INVALID');
});

test('KEK: env first, then a file, dev generates <signerDir>/../signer-kek once, production refuses without one', () => {
  const { dir, cleanup } = tempDir('kek');
  try {
    const signerDir = join(dir, 'signer', 'keys');
    assert.equal(code(() => resolveKek({ env: {}, signerDir, dev: false })), 'KEK_MISSING');
    const a = resolveKek({ env: {}, signerDir, dev: true });
    assert.deepEqual(resolveKek({ env: {}, signerDir, dev: true }), a, 'generated once, then reused');
    assert.equal(readFileSync(join(dir, 'signer', 'signer-kek'), 'utf8').length, 64);
    assert.deepEqual(resolveKek({ env: { RAMPART_SIGNER_KEK: 'ab'.repeat(32) }, signerDir, dev: true }), Buffer.from('ab'.repeat(32), 'hex'));
    assert.equal(code(() => resolveKek({ env: { RAMPART_SIGNER_KEK: 'short' }, signerDir, dev: true })), 'KEK_MISSING');
    const m1 = openKeystore(signerDir, a, () => ({ mnemonic: MNEMONIC }));
    const m2 = openKeystore(signerDir, a, () => ({ mnemonic: 'never used' }));
    assert.equal(m1.mnemonic, m2.mnemonic);
  } finally {
    cleanup();
  }
});

test('signed log: hash-chained; a torn last line is cut; an edited line is LOG_CORRUPT', () => {
  const { dir, cleanup } = tempDir('log');
  try {
    const path = join(dir, 'signed.log');
    const log = new SignedLog(path);
    const entry = (id: string) => ({ kind: 'withdraw' as const, id, attempt: 0, asset: 'BTC' as const, destination: 'd', amountMinor: 5n, feeMinor: 1n, txid: 't', hex: 'h', atMs: 1 });
    log.append(entry('a'));
    log.append(entry('b'));
    appendFileSync(path, '{"prev":"00","entry":{"ki');
    const reopened = new SignedLog(path);
    assert.deepEqual(reopened.all().map((e) => e.id), ['a', 'b']);
    assert.equal(reopened.attempts('withdraw', 'b')[0]!.amountMinor, 5n);
    reopened.append(entry('c'));
    assert.deepEqual(new SignedLog(path).all().map((e) => e.id), ['a', 'b', 'c']);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"id":"b"', '"id":"x"'));
    assert.equal(code(() => new SignedLog(path)), 'LOG_CORRUPT');
  } finally {
    cleanup();
  }
});

test('intents: Ed25519 over domain-separated bytes; any changed field fails; hostile shapes are INTENT_MALFORMED', () => {
  const k = generateIntentKey();
  const base: WithdrawalIntent = { intentId: 'w1', asset: 'BTC', destination: 'bcrt1qexampleexample', amountMinor: 1000n, feePolicy: { feeCapMinor: 10n }, createdMs: 5 };
  const sig = signIntent(base, k.secretKeyHex);
  assert.ok(verifyIntent(base, sig, k.publicKeyHex));
  for (const changed of [{ ...base, intentId: 'w2' }, { ...base, amountMinor: 1001n }, { ...base, destination: 'bcrt1qexampleexamplf' }, { ...base, feePolicy: { feeCapMinor: 11n } }, { ...base, createdMs: 6 }, { ...base, asset: 'ETH' as const }]) {
    assert.equal(verifyIntent(changed, sig, k.publicKeyHex), false);
  }
  assert.equal(verifyIntent(base, sig.toUpperCase(), k.publicKeyHex), false);
  assert.equal(verifyIntent(base, 42, k.publicKeyHex), false);
  for (const hostile of [null, 1, {}, { ...base, amountMinor: 0n }, { ...base, amountMinor: 5 }, { ...base, intentId: 'a b' }, { ...base, asset: 'DOGE' }, { ...base, feePolicy: null }, { ...base, createdMs: -1 }]) {
    assert.equal(code(() => checkIntent(hostile)), 'INTENT_MALFORMED');
  }
});

test('signer policy in-process: daily window, hot cap, fee cap, invalid destination; nothing logged on refusal', async () => {
  const { dir, cleanup } = tempDir('policy');
  try {
    const k = generateIntentKey();
    let now = 1_000_000_000;
    const cfg = signerConfig(dir, k, { policy: { BTC: { txMaxMinor: 10n ** 9n, hourlyMaxMinor: 10n ** 9n, dailyMaxMinor: 150_000_000n, hotCapMinor: 120_000_000n, feeCapMinor: 5_000n }, ETH: signerConfig(dir, k).policy.ETH } });
    const log = new SignedLog(join(dir, 'signed.log'));
    const core = new SignerCore(cfg, MNEMONIC, log, () => now);
    const dest = btc.deriveReceiveAddress(btc.bip84Account(btc.mnemonicToSeed(MNEMONIC), 'regtest', 5).xpub, 'regtest', 0).address;
    const utxos = [{ txid: 'bb'.repeat(32), vout: 1, valueSat: 10n ** 9n, chain: 0 as const, index: 0 }];
    const ask = (id: string, amountMinor: bigint, feeRateSatPerVb = 2n, destination = dest) => {
      const intent: WithdrawalIntent = { intentId: id, asset: 'BTC', destination, amountMinor, feePolicy: { feeCapMinor: 100_000n }, createdMs: now };
      return core.handle({ op: 'withdraw', intent, sigHex: signIntent(intent, k.secretKeyHex), btc: { utxos, feeRateSatPerVb } });
    };
    assert.equal(await acode(ask('h1', 120_000_001n)), 'HOT_CAP_EXCEEDED');
    assert.equal(await acode(ask('f1', 1_000n, 500n)), 'FEE_CAP_EXCEEDED');
    assert.equal(await acode(ask('d0', 1_000n, 2n, 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq')), 'DESTINATION_INVALID');
    assert.equal(await acode(ask('ok1', 100_000_000n)), 'OK');
    now += 2 * 3_600_000;
    assert.equal(await acode(ask('d1', 60_000_000n)), 'LIMIT_DAILY');
    now += 23 * 3_600_000;
    assert.equal(await acode(ask('ok2', 60_000_000n)), 'OK', 'the first one left the 24 h window');
    assert.deepEqual(log.all().map((e) => e.id), ['ok1', 'ok2']);
    assert.equal(await acode(core.handle({ op: 'bump', kind: 'withdraw', id: 'ok2', btc: { feeRateSatPerVb: 4n } })), 'OK');
    assert.equal(await acode(core.handle({ op: 'bump', kind: 'withdraw', id: 'ok2', btc: { feeRateSatPerVb: 1_000n } })), 'FEE_CAP_EXCEEDED');
    assert.equal(await acode(core.handle({ op: 'bump', kind: 'withdraw', id: 'nope', btc: { feeRateSatPerVb: 4n } })), 'BUMP_INVALID');
    assert.equal(await acode(core.handle({ op: 'nope' } as never)), 'SIGNER_PROTOCOL');
  } finally {
    cleanup();
  }
});
