/**
 * The assets side of proof of reserves: a "reserves bundle" lists every on-chain
 * address the operator controls with its balance at a stated block height and a
 * signature proving control, plus the AED bank balance as declared (a bank
 * balance cannot be proved cryptographically; an auditor confirms it with the bank).
 *
 * Signing and signature checking belong to the chain modules (BIP322 for Bitcoin,
 * EIP-191 for Ethereum); this module only defines the hook they plug into.
 *
 * Defences, after the known ways reserves have been faked:
 *  - each signed message names this snapshot (time, journal sequence, liabilities
 *    root), so a signature borrowed from another exchange or an older snapshot fails;
 *  - an address listed twice is refused (double counting);
 *  - all addresses of one asset are read at one block height, so the same coins
 *    cannot be counted at two heights after moving between addresses;
 *  - the stated totals must equal the sum of the entries exactly.
 */

export const BUNDLE_ADDRESS_COUNT_MAX = 100_000;
export const BUNDLE_BANK_COUNT_MAX = 100;

/** One on-chain address holding reserves. */
export interface ReserveAddress {
  asset: string;
  address: string;
  /** Minor units (sat, wei) as a decimal integer string. */
  balance: string;
  blockHeight: number;
  /** Hash of the block the balance was read at (hex, as the chain prints it). */
  blockHash: string;
  /** Proof of control over `reserveMessage(bundle, asset, address)`, in the chain's own format. */
  signature: string;
}

/** A fiat balance as the operator declares it; not cryptographically provable. */
export interface DeclaredBankBalance {
  asset: string;
  bank: string;
  /** Account identifier (IBAN). */
  account: string;
  /** Minor units (fils) as a decimal integer string. */
  balance: string;
  /** ISO 8601 UTC time of the statement the balance was read from. */
  asOf: string;
  /** Statement reference (camt.053 Stmt/Id) the auditor asks the bank to confirm. */
  statementRef: string;
}

export interface ReservesBundle {
  version: 1;
  snapshotTime: string;
  journalSeq: string;
  /** rootHash of the liabilities snapshot these reserves answer. */
  liabilitiesRootHash: string;
  addresses: ReserveAddress[];
  bankBalances: DeclaredBankBalance[];
  /** Stated totals per asset (minor units, decimal integer strings). */
  totals: Record<string, string>;
}

/** Injected by the caller (chain modules): true iff `signature` by `address` signs `message`. */
export type SignatureVerifier = (asset: string, address: string, message: string, signature: string) => boolean;

export type BundleProblemCode =
  | 'BUNDLE_FORMAT'
  | 'BUNDLE_DUPLICATE_ADDRESS'
  | 'BUNDLE_NO_VERIFIER'
  | 'BUNDLE_SIGNATURE_INVALID'
  | 'BUNDLE_HEIGHT_INCONSISTENT'
  | 'BUNDLE_TOTAL_MISMATCH';

export interface BundleProblem {
  code: BundleProblemCode;
  message: string;
  asset?: string;
  address?: string;
}

export interface BundleCheck {
  ok: boolean;
  /** Sum of the entries per asset (addresses and declared bank balances). */
  totals: Record<string, bigint>;
  /** Of which declared (bank) rather than proved on chain. */
  declaredTotals: Record<string, bigint>;
  signaturesVerified: number;
  problems: BundleProblem[];
}

const AMOUNT_RE = /^(0|[1-9][0-9]{0,77})$/;
const ASSET_RE = /^[A-Z0-9]{2,10}$/;
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const SEQ_RE = /^(0|[1-9][0-9]{0,19})$/;
const HEX32_RE = /^[0-9a-f]{64}$/;

/** The exact text each reserve address signs for a snapshot. */
export function reserveMessage(header: Pick<ReservesBundle, 'snapshotTime' | 'journalSeq' | 'liabilitiesRootHash'>, asset: string, address: string): string {
  return [
    'Rampart proof of reserves',
    `snapshot: ${header.snapshotTime}`,
    `journal seq: ${header.journalSeq}`,
    `liabilities root: ${header.liabilitiesRootHash}`,
    `asset: ${asset}`,
    `address: ${address}`,
  ].join('\n');
}

function isString(x: unknown, max = 200): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= max;
}

/** Sum of a bundle's entries per asset; assumes the bundle passed verifyBundle's format checks. */
export function bundleTotals(bundle: ReservesBundle): Record<string, bigint> {
  const totals: Record<string, bigint> = {};
  for (const e of [...bundle.addresses, ...bundle.bankBalances]) totals[e.asset] = (totals[e.asset] ?? 0n) + BigInt(e.balance);
  return totals;
}

/**
 * Checks a bundle: format, no address twice, one block height per asset, every
 * signature verifies over this snapshot's message, stated totals equal the entries.
 * Never throws on bad input (a verifier that throws counts as a failed signature).
 */
export function verifyBundle(input: unknown, verifiers: Readonly<Record<string, SignatureVerifier>>): BundleCheck {
  const problems: BundleProblem[] = [];
  const totals: Record<string, bigint> = {};
  const declaredTotals: Record<string, bigint> = {};
  const result = (signaturesVerified: number): BundleCheck => ({ ok: problems.length === 0, totals, declaredTotals, signaturesVerified, problems });
  const formatFail = (message: string): BundleCheck => {
    problems.push({ code: 'BUNDLE_FORMAT', message });
    return result(0);
  };

  if (typeof input !== 'object' || input === null || Array.isArray(input)) return formatFail('bundle must be a JSON object');
  const b = input as Record<string, unknown>;
  if (b.version !== 1) return formatFail('unsupported bundle version');
  if (!isString(b.snapshotTime) || !TIME_RE.test(b.snapshotTime)) return formatFail('snapshotTime malformed');
  if (!isString(b.journalSeq) || !SEQ_RE.test(b.journalSeq)) return formatFail('journalSeq malformed');
  if (!isString(b.liabilitiesRootHash) || !HEX32_RE.test(b.liabilitiesRootHash)) return formatFail('liabilitiesRootHash must be 64 lowercase hex');
  if (!Array.isArray(b.addresses) || b.addresses.length > BUNDLE_ADDRESS_COUNT_MAX) return formatFail(`addresses must be a list of at most ${BUNDLE_ADDRESS_COUNT_MAX}`);
  if (!Array.isArray(b.bankBalances) || b.bankBalances.length > BUNDLE_BANK_COUNT_MAX) return formatFail(`bankBalances must be a list of at most ${BUNDLE_BANK_COUNT_MAX}`);
  if (typeof b.totals !== 'object' || b.totals === null || Array.isArray(b.totals)) return formatFail('totals must be an object');

  for (const [i, e] of (b.addresses as unknown[]).entries()) {
    if (typeof e !== 'object' || e === null) return formatFail(`addresses[${i}] must be an object`);
    const a = e as Record<string, unknown>;
    if (!isString(a.asset) || !ASSET_RE.test(a.asset)) return formatFail(`addresses[${i}].asset malformed`);
    if (!isString(a.address, 128)) return formatFail(`addresses[${i}].address malformed`);
    if (!isString(a.balance) || !AMOUNT_RE.test(a.balance)) return formatFail(`addresses[${i}].balance must be a decimal integer string`);
    if (typeof a.blockHeight !== 'number' || !Number.isSafeInteger(a.blockHeight) || a.blockHeight < 0) return formatFail(`addresses[${i}].blockHeight malformed`);
    if (!isString(a.blockHash, 130)) return formatFail(`addresses[${i}].blockHash malformed`);
    if (!isString(a.signature, 10_000)) return formatFail(`addresses[${i}].signature malformed`);
  }
  for (const [i, e] of (b.bankBalances as unknown[]).entries()) {
    if (typeof e !== 'object' || e === null) return formatFail(`bankBalances[${i}] must be an object`);
    const d = e as Record<string, unknown>;
    if (!isString(d.asset) || !ASSET_RE.test(d.asset)) return formatFail(`bankBalances[${i}].asset malformed`);
    if (!isString(d.bank) || !isString(d.account) || !isString(d.statementRef)) return formatFail(`bankBalances[${i}] needs bank, account and statementRef`);
    if (!isString(d.balance) || !AMOUNT_RE.test(d.balance)) return formatFail(`bankBalances[${i}].balance must be a decimal integer string`);
    if (!isString(d.asOf) || !TIME_RE.test(d.asOf)) return formatFail(`bankBalances[${i}].asOf malformed`);
  }
  for (const [asset, t] of Object.entries(b.totals as Record<string, unknown>)) {
    if (!ASSET_RE.test(asset) || typeof t !== 'string' || !AMOUNT_RE.test(t)) return formatFail(`totals.${asset} must be a decimal integer string`);
  }
  const bundle = input as ReservesBundle;

  const seen = new Set<string>();
  const heightByAsset = new Map<string, number>();
  let signaturesVerified = 0;
  for (const e of bundle.addresses) {
    const key = `${e.asset}\u0000${e.address}`;
    if (seen.has(key)) {
      problems.push({ code: 'BUNDLE_DUPLICATE_ADDRESS', message: 'address listed twice', asset: e.asset, address: e.address });
      continue;
    }
    seen.add(key);
    totals[e.asset] = (totals[e.asset] ?? 0n) + BigInt(e.balance);
    const height = heightByAsset.get(e.asset);
    if (height === undefined) heightByAsset.set(e.asset, e.blockHeight);
    else if (height !== e.blockHeight) {
      problems.push({ code: 'BUNDLE_HEIGHT_INCONSISTENT', message: `block height ${e.blockHeight}, others of this asset at ${height}`, asset: e.asset, address: e.address });
    }
    const verify = Object.hasOwn(verifiers, e.asset) ? verifiers[e.asset] : undefined;
    if (verify === undefined) {
      problems.push({ code: 'BUNDLE_NO_VERIFIER', message: `no signature verifier for ${e.asset}`, asset: e.asset, address: e.address });
      continue;
    }
    let valid = false;
    try {
      valid = verify(e.asset, e.address, reserveMessage(bundle, e.asset, e.address), e.signature) === true;
    } catch {
      valid = false;
    }
    if (valid) signaturesVerified++;
    else problems.push({ code: 'BUNDLE_SIGNATURE_INVALID', message: 'signature does not prove control for this snapshot', asset: e.asset, address: e.address });
  }
  for (const d of bundle.bankBalances) {
    const v = BigInt(d.balance);
    totals[d.asset] = (totals[d.asset] ?? 0n) + v;
    declaredTotals[d.asset] = (declaredTotals[d.asset] ?? 0n) + v;
  }
  const assets = new Set([...Object.keys(totals), ...Object.keys(bundle.totals)]);
  for (const asset of assets) {
    const stated = Object.hasOwn(bundle.totals, asset) ? BigInt(bundle.totals[asset]!) : undefined;
    const actual = totals[asset] ?? 0n;
    if (stated !== actual) {
      problems.push({ code: 'BUNDLE_TOTAL_MISMATCH', message: `stated total ${stated ?? 'missing'}, entries add up to ${actual}`, asset });
    }
  }
  return result(signaturesVerified);
}

/** A verifier that may answer asynchronously (EIP-191 recovery in viem is async). */
export type MaybeAsyncSignatureVerifier = (asset: string, address: string, message: string, signature: string) => boolean | Promise<boolean>;

/**
 * verifyBundle with verifiers that may be async: every signature is checked first (awaited,
 * a throw or rejection counts as invalid), then the same checks as verifyBundle run on the answers.
 */
export async function verifyBundleAsync(input: unknown, verifiers: Readonly<Record<string, MaybeAsyncSignatureVerifier>>): Promise<BundleCheck> {
  const shape = verifyBundle(input, {});
  if (shape.problems.some((p) => p.code === 'BUNDLE_FORMAT')) return shape;
  const bundle = input as ReservesBundle;
  const answers = new Map<string, boolean>();
  const key = (asset: string, address: string, message: string, signature: string) => JSON.stringify([asset, address, message, signature]);
  for (const e of bundle.addresses) {
    const verify = Object.hasOwn(verifiers, e.asset) ? verifiers[e.asset] : undefined;
    if (verify === undefined) continue;
    const message = reserveMessage(bundle, e.asset, e.address);
    let valid = false;
    try {
      valid = (await verify(e.asset, e.address, message, e.signature)) === true;
    } catch {
      valid = false;
    }
    answers.set(key(e.asset, e.address, message, e.signature), valid);
  }
  const sync: Record<string, SignatureVerifier> = {};
  for (const asset of Object.keys(verifiers)) sync[asset] = (a, address, message, signature) => answers.get(key(a, address, message, signature)) === true;
  return verifyBundle(input, sync);
}
