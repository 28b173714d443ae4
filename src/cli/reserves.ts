import { randomBytes } from 'node:crypto';
import { liabilitiesTreeFromCore, type PorStore, type Publication } from '../reserves/index.ts';
import type { Runtime } from './runtime.ts';

/**
 * Publishes a liabilities snapshot of the ledger as it is now (a pure read between
 * commands: the tree is built from a copy of the balances), unless nothing changed
 * since the last publication. Reserves bundles (on-chain balances with signatures)
 * join once custody publishes its addresses; until then ratios are absent, not guessed.
 */
export async function publishReserves(rt: Runtime, store: PorStore): Promise<Publication | undefined> {
  const last = store.latestPublication();
  if (last !== undefined && last.journalSeq === String(rt.engine.core.seq)) return last;
  if ([...rt.engine.core.ledger.userIds()].length === 0) return undefined;
  const salt = new Uint8Array(randomBytes(32));
  const { tree, liabilities } = await liabilitiesTreeFromCore(rt.engine.core, salt, { workers: 1 });
  return store.publish({ tree, accounts: liabilities.accounts, snapshotSalt: salt, publishedAtMs: Date.now() });
}
