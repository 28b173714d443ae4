/**
 * Rampart's Bitcoin chain adapter: address formats, HD keys, a Bitcoin Core RPC client, wallet
 * building blocks (coin selection, RBF signing, PSBT refills, BIP322), a chain watcher, and an
 * in-process regtest devnet speaking the same RPC. It credits nothing: the ledger decides.
 */
export { BtcChainError, RPC_CODE } from './errors.ts';
export {
  type AddressType,
  BTC_NETWORKS,
  type BtcNetwork,
  encodeSegwitAddress,
  isValidAddress,
  NETWORK_PARAMS,
  p2wpkhAddress,
  type ParsedAddress,
  parseAddress,
  scriptToAddress,
  scriptType,
} from './address.ts';
export {
  type Bip84Account,
  bip84Account,
  bip84AccountPath,
  checkMnemonic,
  DERIVATION_INDEX_MAX,
  type DerivedAddress,
  deriveAddress,
  deriveChangeAddress,
  deriveReceiveAddress,
  masterKeyFromSeed,
  mnemonicToSeed,
  parseAccountXpub,
  XKEY_VERSIONS,
  type XkeyFormat,
} from './hd.ts';
export {
  type BlockchainInfo,
  type BtcRpc,
  type BtcRpcOptions,
  btcTextToSat,
  createBtcRpcClient,
  type FeeEstimate,
  MAX_MONEY_SAT,
  type MempoolAccept,
  RPC_DEFAULTS,
  type RpcBlock,
  type RpcTx,
  type RpcVin,
  type RpcVout,
} from './rpc.ts';
export { JsonNumber, type JsonValue, parseJsonLossless } from './json.ts';
export { checkP2wpkhInput, type DecodedTx, decodeRawTx } from './txverify.ts';
export {
  type ApprovedSpend,
  bumpFee,
  type CoinSelection,
  type ColdUtxo,
  coldSign,
  createRefillPsbt,
  createWithdrawal,
  describePsbt,
  dustSat,
  estimateVsize,
  feeForVsize,
  feeRateFromKvB,
  finalizeApprovedPsbt,
  hotKeyAt,
  outputTo,
  P2WPKH_DUST_SAT,
  type PsbtSummary,
  RBF_SEQUENCE,
  type SignedTx,
  type SigningInput,
  selectCoins,
  signP2wpkhTx,
  type TxOutputSpec,
  type WalletUtxo,
} from './wallet.ts';
export { bip322MessageHash, signMessageBip322, verifyMessageBip322 } from './bip322.ts';
export { BtcWatcher, confirmationsAt, type DepositSeen, type PollResult, type ScannedBlock, type SpendSeen, type WatcherOptions } from './watcher.ts';
export { DevChain, type DevChainOptions, devnetFaucetKey } from './devchain.ts';
export { type Devnet, type DevnetOptions, startDevnet } from './devnet.ts';
