import type { BankAdapter } from '../bankAdapter.ts';
import { checkRailsConfig, type RailsConfig, type RailsContext, type RailsDirectory, type RailsEngine } from './context.ts';
import { BankLedgerView } from './ledgerView.ts';
import { payoutListener } from './payouts.ts';
import type { RailsStore } from './store.ts';

/** Listener failures since start (store unavailable, view full): for the operator's health check. */
export const listenerFailures = { count: 0 };

export interface OpenRailsOptions {
  readonly engine: RailsEngine;
  readonly adapter: BankAdapter;
  readonly directory: RailsDirectory;
  readonly store: RailsStore;
  readonly config: RailsConfig;
  /** ISO date-time for file headers. Default: the wall clock (tests pass a fixed one). */
  readonly now?: () => string;
  /**
   * Rebuild the reconciliation view from the journal (everything before this start). Default true
   * when the engine exposes its journal; false gives a view of this process's results only.
   */
  readonly replayJournal?: boolean;
}

/**
 * Wires the rails to a running engine: validates the configuration, attaches the ledger view and
 * the payout listener to `engine.onResult`, and replays the journal so the reconciliation sees
 * movements from before this process started. Call once per process.
 */
export async function openBankRails(options: OpenRailsOptions): Promise<RailsContext> {
  const config = checkRailsConfig(options.config);
  const view = new BankLedgerView();
  const engine = options.engine;
  const upTo = engine.core.seq;
  const ctx: RailsContext = {
    engine,
    adapter: options.adapter,
    directory: options.directory,
    store: options.store,
    config,
    view,
    now: options.now ?? (() => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')),
  };
  // Attached before the replay, so nothing between the two is missed; the replay stops at `upTo`.
  // Listeners run inside the engine's acknowledgement: they must never throw into a caller's
  // submit (the command is durable regardless). A failure is counted; the payout scan and the
  // next restart's replay catch up.
  const payouts = payoutListener(ctx);
  engine.onResult((cmd, r) => {
    try {
      if (r.seq > upTo) view.observe(engine.core, cmd, r);
    } catch {
      listenerFailures.count++;
    }
    try {
      payouts(cmd, r);
    } catch {
      listenerFailures.count++;
    }
  });
  const journal = (engine as { journal?: { backend?: unknown } }).journal;
  if (options.replayJournal !== false && upTo > 0 && journal?.backend !== undefined) {
    const replayed = await BankLedgerView.replay(engine.core.config, journal.backend as Parameters<typeof BankLedgerView.replay>[1], upTo);
    // Movements an earlier daily run matched are done: not kept (bounded memory over years).
    for (const m of replayed.movements()) if (options.store.get('reconRef', m.reference) === undefined) view.adopt(m);
  }
  return ctx;
}
