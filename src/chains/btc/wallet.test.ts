import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base64, hex } from '@scure/base';
import { Transaction } from '@scure/btc-signer';
import { hash160, pubECDSA } from '@scure/btc-signer/utils.js';
import fc from 'fast-check';
import { BtcChainError } from './errors.ts';
import { bip84Account, deriveChangeAddress, deriveReceiveAddress, mnemonicToSeed } from './hd.ts';
import {
  bumpFee,
  coldSign,
  createRefillPsbt,
  describePsbt,
  dustSat,
  estimateVsize,
  feeRateFromKvB,
  finalizeApprovedPsbt,
  outputTo,
  P2WPKH_DUST_SAT,
  RBF_SEQUENCE,
  selectCoins,
  signP2wpkhTx,
  type WalletUtxo,
} from './wallet.ts';
import { decodeRawTx } from './txverify.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof BtcChainError, String(e));
    return e.code;
  }
  assert.fail('expected an error');
}

const key = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const p2wpkh = (priv: Uint8Array): Uint8Array => Uint8Array.of(0x00, 0x14, ...hash160(pubECDSA(priv)));
const utxo = (n: number, valueSat: bigint, priv = key(1)): WalletUtxo => ({ txid: n.toString(16).padStart(64, '0'), vout: 0, valueSat, scriptPubKey: p2wpkh(priv) });
const DEST = p2wpkh(key(9));
const CHANGE = p2wpkh(key(8));

test('dust thresholds match Bitcoin Core: P2WPKH 294, P2WSH/P2TR 330, P2SH 540, P2PKH 546, OP_RETURN 0', () => {
  assert.equal(dustSat(DEST), 294n);
  assert.equal(dustSat(Uint8Array.of(0x00, 0x20, ...new Uint8Array(32))), 330n);
  assert.equal(dustSat(Uint8Array.of(0x51, 0x20, ...new Uint8Array(32))), 330n);
  assert.equal(dustSat(Uint8Array.of(0xa9, 0x14, ...new Uint8Array(20), 0x87)), 540n);
  assert.equal(dustSat(Uint8Array.of(0x76, 0xa9, 0x14, ...new Uint8Array(20), 0x88, 0xac)), 546n);
  assert.equal(dustSat(Uint8Array.of(0x6a, 0x01, 0x00)), 0n);
});

test('feeRateFromKvB rounds a node estimate up to whole sat/vB', () => {
  assert.equal(feeRateFromKvB(1000n), 1n);
  assert.equal(feeRateFromKvB(1001n), 2n);
  assert.equal(feeRateFromKvB(0n), 1n);
  assert.equal(feeRateFromKvB(25_000n), 25n);
});

test('selectCoins: largest first, change when above dust, remainder to fee when below', () => {
  const s = selectCoins({ utxos: [utxo(1, 10_000n), utxo(2, 100_000n), utxo(3, 50_000n)], outputs: [{ script: DEST, amountSat: 60_000n }], feeRateSatPerVb: 2n, changeScript: CHANGE });
  assert.equal(s.inputs.length, 1);
  assert.equal(s.inputs[0]!.valueSat, 100_000n);
  assert.equal(s.changeIndex, 1);
  assert.equal(s.feeSat, BigInt(s.vsize) * 2n);
  assert.equal(s.outputs[1]!.amountSat, 100_000n - 60_000n - s.feeSat);
  // Leaves 100 sat more than the no-change fee: below dust, so no change output.
  const noChangeFee = BigInt(estimateVsize(1, [DEST])) * 2n;
  const t = selectCoins({ utxos: [utxo(1, 60_000n + noChangeFee + 100n)], outputs: [{ script: DEST, amountSat: 60_000n }], feeRateSatPerVb: 2n, changeScript: CHANGE });
  assert.equal(t.changeIndex, -1);
  assert.equal(t.feeSat, noChangeFee + 100n);
  assert.equal(code(() => selectCoins({ utxos: [utxo(1, 1000n)], outputs: [{ script: DEST, amountSat: 60_000n }], feeRateSatPerVb: 2n, changeScript: CHANGE })), 'INSUFFICIENT_FUNDS');
  assert.equal(code(() => selectCoins({ utxos: [utxo(1, 10n ** 8n)], outputs: [{ script: DEST, amountSat: P2WPKH_DUST_SAT - 1n }], feeRateSatPerVb: 2n, changeScript: CHANGE })), 'DUST_OUTPUT');
  assert.equal(code(() => selectCoins({ utxos: [utxo(1, 10n ** 8n)], outputs: [{ script: DEST, amountSat: 1000n }], feeRateSatPerVb: 0n, changeScript: CHANGE })), 'FEE_RATE_INVALID');
  assert.equal(code(() => selectCoins({ utxos: [utxo(1, 10n ** 8n)], outputs: [{ script: DEST, amountSat: -5n }], feeRateSatPerVb: 1n, changeScript: CHANGE })), 'AMOUNT_INVALID');
});

test('property: selection conserves value, pays at least the rate on the real signed size, RBF on', () => {
  fc.assert(
    fc.property(
      fc.array(fc.bigInt({ min: 1000n, max: 10n ** 9n }), { minLength: 1, maxLength: 6 }),
      fc.bigInt({ min: 294n, max: 10n ** 8n }),
      fc.bigInt({ min: 1n, max: 50n }),
      (values, amountSat, feeRateSatPerVb) => {
        const utxos = values.map((v, i) => utxo(i + 1, v));
        let s: ReturnType<typeof selectCoins>;
        try {
          s = selectCoins({ utxos, outputs: [{ script: DEST, amountSat }], feeRateSatPerVb, changeScript: CHANGE });
        } catch (e) {
          assert.ok(e instanceof BtcChainError && e.code === 'INSUFFICIENT_FUNDS');
          return;
        }
        const inSat = s.inputs.reduce((a, u) => a + u.valueSat, 0n);
        const outSat = s.outputs.reduce((a, o) => a + o.amountSat, 0n);
        assert.equal(inSat - outSat, s.feeSat);
        for (const o of s.outputs) assert.ok(o.amountSat >= P2WPKH_DUST_SAT);
        const signed = signP2wpkhTx(s.inputs.map((u) => ({ ...u, privateKey: key(1) })), s.outputs);
        assert.ok(signed.vsize <= s.vsize, `estimate ${s.vsize} below real ${signed.vsize}`);
        assert.ok(signed.feeSat >= BigInt(signed.vsize) * feeRateSatPerVb);
        const d = decodeRawTx(hex.decode(signed.hex));
        assert.ok(d.tx.inputs.every((i) => i.sequence === RBF_SEQUENCE));
      },
    ),
    { numRuns: 25 },
  );
});

test('signP2wpkhTx refuses a key that does not own the output; bumpFee raises fee by the BIP125 minimum', () => {
  assert.equal(code(() => signP2wpkhTx([{ ...utxo(1, 100_000n), privateKey: key(2) }], [{ script: DEST, amountSat: 50_000n }])), 'SIGNATURE_INVALID');
  const s = selectCoins({ utxos: [utxo(1, 100_000n)], outputs: [{ script: DEST, amountSat: 50_000n }], feeRateSatPerVb: 1n, changeScript: CHANGE });
  const first = signP2wpkhTx(s.inputs.map((u) => ({ ...u, privateKey: key(1) })), s.outputs);
  const bumped = bumpFee({ inputs: s.inputs.map((u) => ({ ...u, privateKey: key(1) })), outputs: s.outputs, changeIndex: s.changeIndex, oldFeeSat: first.feeSat, newFeeRateSatPerVb: 5n });
  assert.ok(bumped.feeSat >= first.feeSat + BigInt(bumped.vsize));
  assert.notEqual(bumped.txid, first.txid);
  const d = decodeRawTx(hex.decode(bumped.hex));
  assert.equal(d.tx.outputs[0]!.amount, 50_000n); // the recipient is untouched
  assert.equal(code(() => bumpFee({ inputs: s.inputs.map((u) => ({ ...u, privateKey: key(1) })), outputs: s.outputs, changeIndex: 5, oldFeeSat: 0n, newFeeRateSatPerVb: 5n })), 'FEE_BUMP_INVALID');
});

const COLD = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const coldSeed = mnemonicToSeed(COLD);
const coldAccount = bip84Account(coldSeed, 'regtest');

function coldUtxos(): Array<WalletUtxo & { chain: 0 | 1; index: number }> {
  return [0, 1, 2].map((i) => ({
    txid: (i + 100).toString(16).padStart(64, 'a'),
    vout: i,
    valueSat: 30_000_000n,
    scriptPubKey: deriveReceiveAddress(coldAccount.xpub, 'regtest', i).scriptPubKey,
    chain: 0 as const,
    index: i,
  }));
}

test('PSBT refill: create from the cold xpub, cold-sign with the mnemonic, accept exactly what was approved', () => {
  const hot = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
  const made = createRefillPsbt({
    accountXpub: coldAccount.xpub,
    network: 'regtest',
    masterFingerprint: coldAccount.masterFingerprint,
    utxos: coldUtxos(),
    outputs: [outputTo(hot, 50_000_000n, 'regtest')],
    feeRateSatPerVb: 3n,
    changeIndex: 0,
  });
  assert.equal(made.approved.inputs.length, 2);
  assert.equal(made.approved.outputs[1]!.scriptHex, hex.encode(deriveChangeAddress(coldAccount.xpub, 'regtest', 0).scriptPubKey));
  assert.equal(code(() => finalizeApprovedPsbt(made.psbtBase64, made.approved)), 'PSBT_NOT_SIGNED');
  const signed = coldSign(made.psbtBase64, COLD);
  const final = finalizeApprovedPsbt(signed, made.approved);
  assert.equal(final.feeSat, made.feeSat);
  assert.equal(describePsbt(signed).outputs[0]!.amountSat, 50_000_000n);
  // Someone else's mnemonic signs nothing.
  assert.equal(code(() => coldSign(made.psbtBase64, 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about')), 'PSBT_NOTHING_TO_SIGN');
});

test('PSBT tampering is caught: redirected output, changed amount, lied input value, extra output, garbage', () => {
  const base = {
    accountXpub: coldAccount.xpub,
    network: 'regtest' as const,
    masterFingerprint: coldAccount.masterFingerprint,
    utxos: coldUtxos(),
    feeRateSatPerVb: 3n,
    changeIndex: 0,
  };
  const good = createRefillPsbt({ ...base, outputs: [outputTo('bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', 50_000_000n, 'regtest')] });
  // An attacker on the hot side swaps the destination before the cold signer sees it.
  const evil = createRefillPsbt({ ...base, outputs: [{ script: p2wpkh(key(66)), amountSat: 50_000_000n }] });
  assert.equal(code(() => finalizeApprovedPsbt(coldSign(evil.psbtBase64, COLD), good.approved)), 'PSBT_OUTPUTS_MISMATCH');
  const more = createRefillPsbt({ ...base, outputs: [outputTo('bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', 50_000_001n, 'regtest')] });
  assert.equal(code(() => finalizeApprovedPsbt(coldSign(more.psbtBase64, COLD), good.approved)), 'PSBT_OUTPUTS_MISMATCH');
  // Lie about an input's value (the classic fee attack on segwit v0 signers).
  const tx = Transaction.fromPSBT(base64.decode(good.psbtBase64));
  const in0 = tx.getInput(0);
  tx.updateInput(0, { witnessUtxo: { script: in0.witnessUtxo!.script, amount: in0.witnessUtxo!.amount + 1_000_000n } }, true);
  const lied = base64.encode(tx.toPSBT(0));
  assert.equal(code(() => finalizeApprovedPsbt(coldSign(lied, COLD), good.approved)), 'PSBT_INPUTS_MISMATCH');
  // With the approval in hand, the cold tool itself refuses the swapped PSBT.
  assert.equal(code(() => coldSign(evil.psbtBase64, COLD, '', good.approved)), 'PSBT_OUTPUTS_MISMATCH');
  assert.equal(code(() => coldSign(lied, COLD, '', good.approved)), 'PSBT_INPUTS_MISMATCH');
  assert.doesNotThrow(() => coldSign(good.psbtBase64, COLD, '', good.approved));
  // A fee cap lower than the fee.
  assert.equal(code(() => finalizeApprovedPsbt(coldSign(good.psbtBase64, COLD), { ...good.approved, maxFeeSat: 1n })), 'PSBT_FEE_TOO_HIGH');
  for (const bad of ['', 'not base64!', base64.encode(new Uint8Array([1, 2, 3])), 'cHNidP8='.repeat(3)]) {
    assert.equal(code(() => describePsbt(bad)), 'PSBT_INVALID');
  }
  // Outputs edited after signing (and the approval forged to match): the signatures no longer verify.
  const signed = Transaction.fromPSBT(base64.decode(coldSign(good.psbtBase64, COLD)));
  signed.updateOutput(0, { amount: 49_999_900n }, true);
  const forged = { ...good.approved, outputs: good.approved.outputs.map((o, i) => (i === 0 ? { ...o, amountSat: 49_999_900n } : o)) };
  assert.equal(code(() => finalizeApprovedPsbt(base64.encode(signed.toPSBT(0)), forged)), 'SIGNATURE_INVALID');
});
