import { createHash } from 'node:crypto';
import type { Command } from '../../core/commands.ts';
import type { CoreConfig } from '../../core/config.ts';
import type { CommandResult } from '../../core/events.ts';
import { ExchangeCore } from '../../core/exchange.ts';
import type { JournalBackend } from '../../journal/backend.ts';
import { decodeCommand } from '../../journal/codec.ts';
import { readChain } from '../../journal/journal.ts';
import { assert } from '../../shared/assert.ts';
import { OMNIBUS } from './context.ts';

/**
 * The ledger side of the bank reconciliation: every movement of `system:AED:bank_omnibus`,
 * observed from engine results (after durability), keyed by the reference the bank statement
 * will carry (reconcile.ts `statementEntryReference`):
 *   deposit (any source touching the omnibus)        → the deposit's `ref` (the entry idempotency key)
 *   withdrawal.settle of an AED withdrawal           → `payout:<txRef>` (txRef = pain.001 EndToEndId)
 *   ledger.post with memo `bank:<reference>`         → that reference (suspense, payout returns, suspense returns)
 *   any other ledger.post touching the omnibus       → `ledger:<ref>` (shows up unmatched: a manual move)
 * Rejected and duplicate results moved nothing and are ignored.
 */

export interface OmnibusMovement {
  readonly seq: number;
  readonly ts: number;
  readonly reference: string;
  readonly direction: 'credit' | 'debit';
  readonly amountFils: bigint;
  readonly command: Command['type'];
}

/** Longest statement reference used verbatim as an engine ref; longer ones (composite keys) are hashed. */
export const BANK_REF_VERBATIM_MAX = 100;

/**
 * The engine's `ref` for a bank statement reference. The core caps refs at 128 characters and
 * the composite entry key (deposits.ts) can be longer, so such keys are replaced by a SHA-256
 * digest; reconciliation maps them back through the statement it holds.
 */
export function compactBankRef(reference: string): string {
  if (reference.length <= BANK_REF_VERBATIM_MAX) return reference;
  return `bank-h:${createHash('sha256').update(reference).digest('hex')}`;
}

/** Memo marker the rails put on their ledger.post commands: the statement reference they answer. */
export const bankMemo = (reference: string, text: string): string => `bank:${compactBankRef(reference)} ${text}`;

function memoReference(memo: string): string | undefined {
  const m = /^bank:(\S+)/.exec(memo);
  return m?.[1];
}

/** Bound on remembered movements; the reconciliation runner forgets what it matched. */
export const LEDGER_VIEW_MOVEMENTS_MAX = 2_000_000;

export class BankLedgerView {
  private readonly items: OmnibusMovement[] = [];

  /** Feed one engine result (use as `engine.onResult((cmd, r) => view.observe(engine.core, cmd, r))`). */
  observe(core: ExchangeCore, cmd: Command, result: CommandResult): void {
    if (!result.ok || result.duplicate === true || result.transfers.length === 0) return;
    let net = 0n;
    for (const t of core.transfersAsKeys(result.transfers)) {
      if (t.debit === OMNIBUS) net += t.amount; // omnibus debited: money came into the bank account
      if (t.credit === OMNIBUS) net -= t.amount;
    }
    if (net === 0n) return;
    let reference: string;
    if (cmd.type === 'deposit') reference = cmd.ref;
    else if (cmd.type === 'withdrawal.settle') reference = `payout:${cmd.txRef}`;
    else if (cmd.type === 'ledger.post') reference = memoReference(cmd.memo) ?? `ledger:${cmd.ref}`;
    else reference = `${cmd.type}:${result.seq}`;
    assert(this.items.length < LEDGER_VIEW_MOVEMENTS_MAX, 'bank ledger view is full: reconcile to release matched movements');
    this.items.push({ seq: result.seq, ts: cmd.ts, reference, direction: net > 0n ? 'credit' : 'debit', amountFils: net > 0n ? net : -net, command: cmd.type });
  }

  /** Adds a movement observed elsewhere (the journal replay at start). */
  adopt(m: OmnibusMovement): void {
    assert(this.items.length < LEDGER_VIEW_MOVEMENTS_MAX, 'bank ledger view is full: reconcile to release matched movements');
    this.items.push(m);
  }

  movements(): readonly OmnibusMovement[] {
    return this.items;
  }

  /** Drops movements a reconciled statement matched (by reference). */
  forget(references: ReadonlySet<string>): void {
    const keep = this.items.filter((m) => !references.has(m.reference));
    this.items.length = 0;
    this.items.push(...keep);
  }

  /**
   * Rebuilds the view after a restart by replaying the journal from genesis into a scratch core
   * (the live engine's state is not touched). O(journal); run once at start.
   */
  static async replay(config: CoreConfig, backend: JournalBackend, toSeq?: number): Promise<BankLedgerView> {
    const view = new BankLedgerView();
    const core = new ExchangeCore(config);
    await readChain(
      backend,
      1,
      new Uint8Array(32),
      (_seq, payload) => {
        const cmd = decodeCommand(payload);
        view.observe(core, cmd, core.apply(cmd));
      },
      toSeq === undefined ? {} : { toSeq },
    );
    return view;
  }
}
