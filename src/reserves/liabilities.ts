import type { ExchangeCore } from '../core/exchange.ts';
import { assert } from '../shared/assert.ts';
import { ReservesError } from './errors.ts';
import { type BuildParams, type CustomerBalances, type LiabilitiesTree, buildLiabilitiesTree, buildLiabilitiesTreeParallel } from './tree.ts';

/**
 * Liabilities from the real ledger: what the operator owes each customer, per asset, summed
 * over every bucket (available, locked in orders, withdrawing, frozen, recovery claims):
 * a frozen or claimed balance is still owed, and leaving it out is how a shortfall hides.
 * The customer identifier in the tree is the user id as a decimal string (salted in the leaf).
 * Snapshot time and journal sequence come from the core itself, so the published snapshot
 * names exactly the journal position the balances were read at.
 *
 * Note: the ledger's `suspense` account (money received but not yet attributed) is owed to
 * someone but to no customer yet; it is not in the tree. The ratio monitor counts it
 * (liabilitiesTotalsFromCore) so reserves must cover it too.
 */

export interface LedgerLiabilities {
  accounts: CustomerBalances[];
  assets: string[];
  /** ISO 8601 UTC of the last applied command (core.lastTs). */
  snapshotTime: string;
  /** core.seq: the journal position the balances were read at. */
  journalSeq: bigint;
  /** Sum over the accounts per asset. */
  totals: Record<string, bigint>;
}

export function snapshotTimeOf(tsMs: number): string {
  if (!Number.isSafeInteger(tsMs) || tsMs < 0) throw new ReservesError('POR_INPUT', 'core time must be a non-negative integer of ms', { tsMs });
  return new Date(tsMs).toISOString();
}

/** Every customer's owed balances from the core's ledger (a pure read: call it between commands). */
export function liabilitiesFromCore(core: ExchangeCore): LedgerLiabilities {
  const assets = [...core.ledger.assets];
  const totals: Record<string, bigint> = Object.fromEntries(assets.map((a) => [a, 0n]));
  const accounts: CustomerBalances[] = [];
  for (const userId of core.ledger.userIds()) {
    const buckets = core.userBalances(userId);
    const balances: Record<string, bigint> = {};
    for (const asset of assets) {
      let owed = 0n;
      for (const v of Object.values(buckets[asset] ?? {})) owed += v;
      // The ledger's constraints keep every user bucket >= 0; a negative sum is a ledger bug, and the
      // tree would refuse it anyway (POR_NEGATIVE_BALANCE).
      if (owed !== 0n) balances[asset] = owed;
      totals[asset]! += owed;
    }
    accounts.push({ customerId: String(userId), balances });
  }
  assert(accounts.length === new Set(accounts.map((a) => a.customerId)).size, 'user ids are unique');
  return { accounts, assets, snapshotTime: snapshotTimeOf(core.lastTs), journalSeq: BigInt(core.seq), totals };
}

/** What the ratio monitor compares reserves with: every user bucket plus suspense, per asset. */
export function liabilitiesTotalsFromCore(core: ExchangeCore): Record<string, bigint> {
  const { totals } = liabilitiesFromCore(core);
  const ledger = core.ledger;
  ledger.assets.forEach((asset, a) => {
    totals[asset] = totals[asset]! + ledger.balances[ledger.systemAccount(a, 'suspense')]!;
  });
  return totals;
}

/** Builds the snapshot's tree from the core (worker threads above a few thousand customers). */
export async function liabilitiesTreeFromCore(core: ExchangeCore, snapshotSalt: Uint8Array, options: { workers?: number } = {}): Promise<{ tree: LiabilitiesTree; liabilities: LedgerLiabilities }> {
  const liabilities = liabilitiesFromCore(core);
  const params: BuildParams = { accounts: liabilities.accounts, assets: liabilities.assets, snapshotSalt, snapshotTime: liabilities.snapshotTime, journalSeq: liabilities.journalSeq };
  const tree = (options.workers ?? 2) > 1 ? await buildLiabilitiesTreeParallel(params, options) : buildLiabilitiesTree(params);
  for (const a of liabilities.assets) assert(tree.totals[a] === liabilities.totals[a], 'tree totals equal the ledger totals', { asset: a });
  return { tree, liabilities };
}
