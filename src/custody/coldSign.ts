import { readFileSync, writeFileSync } from 'node:fs';
import * as btc from '../chains/btc/index.ts';
import { CustodyError } from './errors.ts';
import { fromJson } from './json.ts';
import type { RefillPayload } from './hotCold.ts';

/**
 * `rampart cold-sign --psbt FILE --mnemonic-file FILE [--approved FILE] [--out FILE]`, for the
 * offline machine. Reads the base64 PSBT exported after the M-of-N approval, signs the inputs
 * that belong to the mnemonic, and writes the signed PSBT (base64) to `out` (default
 * `<psbt>.signed`). With `approved` (the refill payload JSON carried separately from the PSBT)
 * it refuses to sign anything but the approved spend. Prints what it signs so the operator can
 * compare it with the approval on screen.
 */
export function coldSignFiles(o: { psbtFile: string; mnemonicFile: string; approvedFile?: string; outFile?: string; passphrase?: string }): { outFile: string; summary: btc.PsbtSummary } {
  const psbt = readFileSync(o.psbtFile, 'utf8').trim();
  const mnemonic = readFileSync(o.mnemonicFile, 'utf8').trim().replace(/\s+/g, ' ');
  let expected: btc.ApprovedSpend | undefined;
  if (o.approvedFile !== undefined) {
    const payload = fromJson<RefillPayload>(readFileSync(o.approvedFile, 'utf8'));
    if (payload.asset !== 'BTC') throw new CustodyError('REFILL_STATE', 'the approval file is not a BTC refill');
    if (payload.psbtBase64 !== psbt) throw new CustodyError('REFILL_NOT_APPROVED', 'the PSBT is not the one approved');
    expected = {
      inputs: payload.approved.inputs.map((i) => ({ txid: i.txid, vout: i.vout, valueSat: BigInt(i.valueSat) })),
      outputs: payload.approved.outputs.map((x) => ({ scriptHex: x.scriptHex, amountSat: BigInt(x.amountSat) })),
      maxFeeSat: BigInt(payload.approved.maxFeeSat),
    };
  }
  const summary = btc.describePsbt(psbt);
  const signed = btc.coldSign(psbt, mnemonic, o.passphrase ?? '', expected);
  const outFile = o.outFile ?? `${o.psbtFile}.signed`;
  writeFileSync(outFile, `${signed}\n`, { mode: 0o600 });
  return { outFile, summary };
}
