/**
 * Proof of reserves: the liabilities side (a Merkle-sum tree every customer can
 * check), the reserves side (address/bank bundle and its verification) and the
 * exact reserve ratio. Format and threat model: docs/proof-of-reserves.md.
 *
 * verify.ts is the customer's verifier and runs in a browser; import it directly
 * (src/reserves/verify.ts) in browser code: this index also exports node-only file helpers.
 */
export { ReservesError } from './errors.ts';
export {
  AMOUNT_BYTES,
  AMOUNT_LIMIT,
  ASSET_COUNT_MAX,
  CUSTOMER_ID_BYTES_MAX,
  LEAF_COUNT_MAX,
  buildLiabilitiesTree,
  treeDepth,
} from './tree.ts';
export type { BuildParams, CustomerBalances, HashImpl, InclusionProof, LiabilitiesTree, ProofStep, PublishedSnapshot } from './tree.ts';
export { verifyInclusionProof } from './verify.ts';
export type { ExpectedCustomer, ProofCheck, ProofCheckCode, PublishedRootInfo } from './verify.ts';
export { RATIO_DISPLAY_DECIMALS, assetCoverage, ratioAtLeastOne, reserveRatio } from './ratio.ts';
export type { AssetCoverage, Ratio, ReserveRatioReport } from './ratio.ts';
export { BUNDLE_ADDRESS_COUNT_MAX, BUNDLE_BANK_COUNT_MAX, bundleTotals, reserveMessage, verifyBundle } from './bundle.ts';
export type { BundleCheck, BundleProblem, BundleProblemCode, DeclaredBankBalance, ReserveAddress, ReservesBundle, SignatureVerifier } from './bundle.ts';
export { BUNDLE_FILE_BYTES_MAX, PROOF_FILE_BYTES_MAX, verifyBundleFile, verifyProofFile } from './files.ts';
export type { BundleFileOptions, FileCheck, ProofFileOptions } from './files.ts';
export { runPorBench, syntheticAccounts } from './bench.ts';
export type { PorBenchOptions, PorBenchResult } from './bench.ts';
