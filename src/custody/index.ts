/**
 * Rampart custody: connects the chain adapters (src/chains) to the exchange engine. Deposit
 * services credit confirmed deposits exactly once; sweeps and hot↔cold moves are recorded as
 * ledger.post; withdrawals are paid by a separate signer process from signed intents, at most
 * once across crashes; reconciliation compares the chain with the ledger. See docs/custody.md.
 */
export { type AlertKind, type AlertSink, type CustodyAlert, MemoryAlertSink } from './alerts.ts';
export { type BtcRole, BtcChainView, type BtcViewOptions, type TrackedUtxo } from './btcView.ts';
export { coldSignFiles } from './coldSign.ts';
export { BtcDepositService, CONFIRMATIONS, type DepositRecord, type DepositState, DUST_DEFAULT, EthDepositService, knownUserIds } from './deposits.ts';
export { CustodyError } from './errors.ts';
export { customerLiabilities, HOT_SHARE_BPS_DEFAULT, hotCapMinor, REFILL_ACTION, RefillDesk, type RefillPayload, sweepHotExcessBtc, sweepHotExcessEth } from './hotCold.ts';
export { checkIntent, generateIntentKey, type IntentKeyPair, intentHashHex, signIntent, verifyIntent, type WithdrawalIntent } from './intent.ts';
export { type InternalMove, moveTransfers, MoveTracker } from './moves.ts';
export { EthNonceSource } from './nonces.ts';
export { btcHoldings, CUSTODY_ACCOUNTS, type CustodyAccount, ethHoldings, type ReconcileRow, reconcileWallets } from './reconcile.ts';
export { type Signer, SignerProcess, signerFrom } from './signer/client.ts';
export { type AssetPolicy, type OwnUtxo, type SignerConfig, SignerCore, type SignerInfo, type SignerRequest } from './signer/core.ts';
export { decryptKeyMaterial, encryptKeyMaterial, KEK_ENV, type KeyMaterial, openKeystore, resolveKek } from './signer/keystore.ts';
export { type SignedEntry, SignedLog } from './signer/log.ts';
export { openSigner } from './signer/main.ts';
export { CustodyService, type CustodyServiceOptions } from './service.ts';
export { btcConfirmations, btcFeeRate, type Progress, WithdrawalProcessor, type WithdrawalProcessorOptions } from './withdrawals.ts';
