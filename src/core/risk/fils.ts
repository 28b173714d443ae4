import { assert } from '../../shared/assert.ts';

/**
 * AED equivalent, in fils, of `amount` minor units of an asset priced at
 * `priceFilsPerUnit` fils per whole unit. Rounded up: a limit is never
 * undercounted by rounding (1 wei of ETH counts as 1 fil, not 0).
 */
export function toFils(amount: bigint, decimals: number, priceFilsPerUnit: bigint): bigint {
  assert(amount >= 0n && priceFilsPerUnit > 0n, 'toFils needs a non-negative amount and a positive price');
  assert(Number.isInteger(decimals) && decimals >= 0 && decimals <= 18, 'decimals must be 0..18');
  const scale = 10n ** BigInt(decimals);
  const n = amount * priceFilsPerUnit;
  return (n + scale - 1n) / scale;
}
