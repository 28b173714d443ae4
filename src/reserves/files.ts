import { readFileSync, statSync } from 'node:fs';
import { formatDecimal } from '../shared/decimal.ts';
import { type MaybeAsyncSignatureVerifier, verifyBundleAsync } from './bundle.ts';
import { chainSignatureVerifiers } from './signatures.ts';
import { reserveRatio } from './ratio.ts';
import type { PublishedSnapshot } from './tree.ts';
import { type ExpectedCustomer, type PublishedRootInfo, verifyInclusionProof } from './verify.ts';

/**
 * File entry points for the CLI (`rampart por verify PROOF.json`) and auditors.
 * They never throw: they return ok plus the lines the CLI prints, so the CLI's
 * only jobs are printing and setting the exit code.
 */

export const PROOF_FILE_BYTES_MAX = 1 << 20;
export const BUNDLE_FILE_BYTES_MAX = 64 << 20;

/** Decimals of the assets Rampart lists, for display only; unknown assets print in minor units. */
const DISPLAY_DECIMALS: Record<string, number> = { AED: 2, BTC: 8, ETH: 18 };

export interface FileCheck {
  ok: boolean;
  /** Stable code of the first failure (e.g. PROOF_ROOT_MISMATCH, POR_FILE), absent when ok. */
  code?: string;
  lines: string[];
}

function show(asset: string, minor: string | bigint): string {
  const d = DISPLAY_DECIMALS[asset];
  return d === undefined ? `${minor} (minor units)` : formatDecimal(BigInt(minor), d);
}

function readJson(path: string, maxBytes: number): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    const size = statSync(path).size;
    if (size > maxBytes) return { ok: false, message: `file is ${size} bytes, more than ${maxBytes}` };
    return { ok: true, value: JSON.parse(readFileSync(path, 'utf8')) };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

export interface ProofFileOptions extends ExpectedCustomer {
  /** The root (or whole snapshot) from the operator's publication. Without it the proof's own rootHash is used and a warning printed. */
  publishedRoot?: string | PublishedRootInfo;
}

/** Verifies an inclusion proof file; see verifyInclusionProof. */
export function verifyProofFile(path: string, options: ProofFileOptions = {}): FileCheck {
  const read = readJson(path, PROOF_FILE_BYTES_MAX);
  if (!read.ok) return { ok: false, code: 'POR_FILE', lines: [`fail: cannot read proof ${path}: ${read.message}`] };
  const proof = read.value as { rootHash?: unknown };
  const lines: string[] = [];
  let root = options.publishedRoot;
  if (root === undefined) {
    root = typeof proof?.rootHash === 'string' ? proof.rootHash : '';
    lines.push('warning: no published root given; checked against the root inside the proof. Compare it with the one the operator published.');
  }
  const r = verifyInclusionProof(read.value, root, options);
  if (!r.ok) return { ok: false, code: r.code, lines: [...lines, `fail: ${r.code}: ${r.message}`] };
  lines.unshift('ok: your balances are included in the liabilities snapshot');
  lines.push(
    `  root:      ${r.rootHash}`,
    `  snapshot:  ${r.snapshotTime} (journal seq ${r.journalSeq})`,
    `  customer:  ${r.customerId} (leaf ${r.index})`,
  );
  for (const [asset, v] of Object.entries(r.balances)) lines.push(`  ${asset.padEnd(4)} yours ${show(asset, v)} of total ${show(asset, r.totals[asset]!)}`);
  if (options.balances === undefined) lines.push('note: compare the balances above with your account page (or pass them to have them checked).');
  return { ok: true, lines };
}

export interface BundleFileOptions {
  /** Signature verifiers per asset; default: BTC BIP-322 and ETH EIP-191 (chainSignatureVerifiers), so the CLI needs nothing else. */
  verifiers?: Readonly<Record<string, MaybeAsyncSignatureVerifier>>;
  /** The liabilities snapshot; when given, the reserve ratio per asset is printed and must be ≥ 1. */
  liabilities?: PublishedSnapshot;
}

/** Verifies a reserves bundle file for an auditor; with the liabilities snapshot, also the ratio. */
export async function verifyBundleFile(path: string, options: BundleFileOptions = {}): Promise<FileCheck> {
  const read = readJson(path, BUNDLE_FILE_BYTES_MAX);
  if (!read.ok) return { ok: false, code: 'POR_FILE', lines: [`fail: cannot read bundle ${path}: ${read.message}`] };
  const r = await verifyBundleAsync(read.value, options.verifiers ?? chainSignatureVerifiers());
  const lines: string[] = [];
  let ok = r.ok;
  let code = r.problems[0]?.code as string | undefined;
  for (const p of r.problems) lines.push(`fail: ${p.code}: ${p.message}${p.asset ? ` [${p.asset}${p.address ? ` ${p.address}` : ''}]` : ''}`);
  lines.push(`  signatures verified: ${r.signaturesVerified}`);
  for (const [asset, v] of Object.entries(r.totals)) {
    const declared = r.declaredTotals[asset];
    lines.push(`  ${asset.padEnd(4)} reserves ${show(asset, v)}${declared !== undefined ? ` (declared bank balance ${show(asset, declared)}, confirm with the bank)` : ''}`);
  }
  if (options.liabilities !== undefined) {
    const bundle = read.value as { liabilitiesRootHash?: unknown };
    if (r.ok && bundle.liabilitiesRootHash !== options.liabilities.rootHash) {
      ok = false;
      code ??= 'BUNDLE_OTHER_SNAPSHOT';
      lines.push('fail: BUNDLE_OTHER_SNAPSHOT: bundle answers another liabilities root');
    }
    const liabilities: Record<string, bigint> = {};
    options.liabilities.assets.forEach((a, i) => {
      liabilities[a] = BigInt(options.liabilities!.totals[i] ?? '0');
    });
    const ratio = reserveRatio(r.totals, liabilities);
    for (const c of Object.values(ratio.byAsset)) {
      lines.push(`  ${c.asset.padEnd(4)} ratio ${c.display} ${c.covered ? 'covered' : 'SHORT'} (liabilities ${show(c.asset, c.liabilitiesMinor)})`);
    }
    if (!ratio.allCovered) {
      ok = false;
      code ??= 'RESERVES_SHORT';
    }
  }
  lines.unshift(ok ? 'ok: reserves bundle verifies' : 'fail: reserves bundle does not verify');
  return code === undefined || ok ? { ok, lines } : { ok, code, lines };
}
