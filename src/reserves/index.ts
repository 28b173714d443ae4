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
  BUILD_WORKERS_MAX,
  LEAF_COUNT_MAX,
  PARALLEL_LEAF_COUNT_MIN,
  buildLiabilitiesTree,
  buildLiabilitiesTreeParallel,
  treeDepth,
} from './tree.ts';
export type { BuildParams, CustomerBalances, HashImpl, InclusionProof, InclusionProofV1, LiabilitiesTree, ParallelBuildOptions, ProofStep, PublishedSnapshot } from './tree.ts';
export { decodePathV2, proofToV1, proofToV2 } from './proofCodec.ts';
export { verifyInclusionProof } from './verify.ts';
export type { ExpectedCustomer, ProofCheck, ProofCheckCode, PublishedRootInfo } from './verify.ts';
export { RATIO_DISPLAY_DECIMALS, assetCoverage, ratioAtLeastOne, reserveRatio } from './ratio.ts';
export type { AssetCoverage, Ratio, ReserveRatioReport } from './ratio.ts';
export { BUNDLE_ADDRESS_COUNT_MAX, BUNDLE_BANK_COUNT_MAX, bundleTotals, reserveMessage, verifyBundle, verifyBundleAsync } from './bundle.ts';
export type {
  BundleCheck,
  BundleProblem,
  BundleProblemCode,
  DeclaredBankBalance,
  MaybeAsyncSignatureVerifier,
  ReserveAddress,
  ReservesBundle,
  SignatureVerifier,
} from './bundle.ts';
export {
  btcNetworkOfAddress,
  chainSignatureVerifiers,
  signBtcReserve,
  signEthReserve,
  verifyBtcReserveSignature,
  verifyEthReserveSignature,
} from './signatures.ts';
export type { AsyncSignatureVerifier } from './signatures.ts';
export { READ_CONCURRENCY_MAX, buildReservesBundle, collectReserves, messagesToSign, signatureKey } from './collect.ts';
export type { BankStatementBalance, ReserveReading, ReservesReadings, ReservesSources } from './collect.ts';
export { liabilitiesFromCore, liabilitiesTotalsFromCore, liabilitiesTreeFromCore, snapshotTimeOf } from './liabilities.ts';
export type { LedgerLiabilities } from './liabilities.ts';
export { MONITOR_INTERVAL_MS_MIN, ReserveMonitor } from './monitor.ts';
export type { RatioEvidence, ReserveMonitorOptions } from './monitor.ts';
export { PUBLICATIONS_MAX, PorStore } from './publish.ts';
export type { AssetRatioRecord, Publication, PublishInput } from './publish.ts';
export { renderPublicPage } from './page.ts';
export type { PublicPageOptions } from './page.ts';
export { porCli } from './cli.ts';
export type { PorCliDeps } from './cli.ts';
export { BUNDLE_FILE_BYTES_MAX, PROOF_FILE_BYTES_MAX, verifyBundleFile, verifyProofFile } from './files.ts';
export type { BundleFileOptions, FileCheck, ProofFileOptions } from './files.ts';
export { runPorBench, syntheticAccounts } from './bench.ts';
export type { PorBenchOptions, PorBenchResult } from './bench.ts';
