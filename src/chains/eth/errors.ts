import { RampartError } from '../../shared/errors.ts';

/**
 * Stable codes of the Ethereum chain adapter. Callers branch on `code`, never on
 * the message. Grouped by the module that raises them.
 */
export type ChainErrorCode =
  // address.ts (EIP-55)
  | 'ADDRESS_NOT_STRING'
  | 'ADDRESS_BAD_LENGTH'
  | 'ADDRESS_NOT_HEX'
  | 'ADDRESS_BAD_CHECKSUM'
  | 'ADDRESS_UNCHECKSUMMED'
  | 'ADDRESS_ZERO'
  // hd.ts (BIP32/39/44)
  | 'HD_BAD_XPUB'
  | 'HD_PRIVATE_KEY_REFUSED'
  | 'HD_NOT_ACCOUNT_LEVEL'
  | 'HD_BAD_INDEX'
  | 'HD_BAD_MNEMONIC'
  | 'HD_BAD_PATH'
  // node.ts (hardhat child process)
  | 'NODE_START_FAILED'
  | 'NODE_START_TIMEOUT'
  // client.ts (JSON-RPC)
  | 'RPC_TIMEOUT'
  | 'RPC_UNAVAILABLE'
  | 'RPC_ERROR'
  | 'RPC_BAD_RESPONSE'
  | 'CHAIN_ID_MISMATCH'
  | 'BLOCK_NOT_FOUND'
  | 'FEE_CAP_EXCEEDED'
  | 'TX_REJECTED'
  | 'NONCE_TOO_LOW'
  | 'REPLACEMENT_UNDERPRICED'
  // wallet.ts
  | 'TX_MALFORMED'
  | 'TX_NOT_APPROVED'
  | 'TX_SIGNER_MISMATCH'
  | 'INSUFFICIENT_FUNDS'
  | 'INTENT_UNKNOWN'
  | 'INTENT_CONFLICT'
  | 'SIGNATURE_INVALID'
  // watcher.ts
  | 'REORG_TOO_DEEP'
  | 'SWEEP_INSUFFICIENT'
  | 'SWEEP_TARGET_NOT_EOA'
  | 'SWEEP_BUSY';

/** The one error class of src/chains/eth. */
export class ChainError extends RampartError {
  declare readonly code: ChainErrorCode;
  constructor(code: ChainErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
