/** Chains Rampart supports. OFAC's "XBT" is mapped to BTC at the import edge. */
export type Chain = 'BTC' | 'ETH';
export const CHAINS: readonly Chain[] = ['BTC', 'ETH'];

export type ListKind = 'address' | 'txid';

/** Where a blocklist entry came from; kept so a removal or a dispute can be traced to its origin. */
export type ListSource = 'incident' | 'ofac' | 'csv' | 'manual' | 'freeze_request';

/**
 * A caller-supplied full validator (checksums: bech32/bech32m per BIP173/BIP350,
 * base58check, EIP-55). The chain modules own those; screening only checks shape.
 */
export type AddressValidator = (chain: Chain, address: string) => boolean;

export function isChain(x: unknown): x is Chain {
  return x === 'BTC' || x === 'ETH';
}
