import { privateKeyToAccount } from 'viem/accounts';
import { type BtcNetwork, signMessageBip322, verifyMessageBip322 } from '../chains/btc/index.ts';
import { LENIENT_ADDRESS_POLICY, parseAddress, signPersonalMessage, verifyPersonalMessage } from '../chains/eth/index.ts';
import { type ReservesBundle, reserveMessage } from './bundle.ts';
import { ReservesError } from './errors.ts';

/**
 * Proof of control for reserve addresses: BIP-322 "simple" signatures for Bitcoin segwit
 * (P2WPKH) addresses and EIP-191 personal_sign for Ethereum, both over
 * `reserveMessage(bundle, asset, address)`, which names the snapshot, so a signature cannot be
 * reused for another snapshot or borrowed from another exchange. The chain modules do the
 * cryptography; this module only binds them to the bundle's message.
 *
 * Hot addresses are signed here with keys the caller passes in (the signer service). Cold
 * addresses are signed offline with the cold-sign tool: export the messages with
 * `messagesToSign`, bring back the signatures, and `buildReservesBundle` checks each one.
 */

/** true iff `signature` proves control of `address` over `message`; never throws. Async because EIP-191 recovery is. */
export type AsyncSignatureVerifier = (asset: string, address: string, message: string, signature: string) => boolean | Promise<boolean>;

/** Bitcoin network of a bech32 segwit address, from its human-readable part (BIP-173): bc, tb, bcrt. */
export function btcNetworkOfAddress(address: string): BtcNetwork | undefined {
  const lower = address.toLowerCase();
  if (lower.startsWith('bcrt1')) return 'regtest';
  if (lower.startsWith('tb1')) return 'testnet';
  if (lower.startsWith('bc1')) return 'mainnet';
  return undefined;
}

export const verifyBtcReserveSignature: AsyncSignatureVerifier = (_asset, address, message, signature) => {
  const network = btcNetworkOfAddress(address);
  if (network === undefined) return false;
  try {
    return verifyMessageBip322(message, address, signature, network);
  } catch {
    return false;
  }
};

export const verifyEthReserveSignature: AsyncSignatureVerifier = async (_asset, address, message, signature) => {
  try {
    return await verifyPersonalMessage(parseAddress(address, LENIENT_ADDRESS_POLICY), message, signature);
  } catch {
    return false;
  }
};

/** The verifiers an auditor needs for Rampart's bundle: BTC (BIP-322) and ETH (EIP-191). */
export function chainSignatureVerifiers(): Record<string, AsyncSignatureVerifier> {
  return { BTC: verifyBtcReserveSignature, ETH: verifyEthReserveSignature };
}

type Header = Pick<ReservesBundle, 'snapshotTime' | 'journalSeq' | 'liabilitiesRootHash'>;

/** Signs the snapshot's reserve message for a hot BTC P2WPKH key (BIP-322 simple); returns the address the key controls. */
export function signBtcReserve(header: Header, privateKey: Uint8Array, network: BtcNetwork, address?: string): { address: string; signature: string } {
  // BIP-322 signs the address's own message: derive the address first when not given.
  const probe = address ?? signMessageBip322('probe', privateKey, network).address;
  const signed = signMessageBip322(reserveMessage(header, 'BTC', probe), privateKey, network);
  if (signed.address !== probe) throw new ReservesError('POR_INPUT', 'key does not control the address', { address: probe });
  return signed;
}

/** Signs the snapshot's reserve message for a hot ETH key (EIP-191 personal_sign). */
export async function signEthReserve(header: Header, privateKeyHex: `0x${string}`): Promise<{ address: string; signature: string }> {
  const account = privateKeyToAccount(privateKeyHex);
  return { address: account.address, signature: await signPersonalMessage(account, reserveMessage(header, 'ETH', account.address)) };
}
