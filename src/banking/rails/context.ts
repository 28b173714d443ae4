import { createHash } from 'node:crypto';
import type { Engine } from '../../engine/engine.ts';
import type { BankAdapter } from '../bankAdapter.ts';
import type { CustomerDirectory, DepositLimits, DirectoryCustomer } from '../deposits.ts';
import { checkIban, normalizeIban } from '../iban.ts';
import { buildPain001, type Pain001File, type Pain001Version, type Payout } from '../pain001.ts';
import { BankRailsError } from './errors.ts';
import type { BankLedgerView } from './ledgerView.ts';
import type { RailsStore } from './store.ts';

/**
 * What the rails need from the rest of Rampart, in one object: the engine (the only place
 * balances change), the bank channel, the customer directory (identity), the rails' store and
 * the configuration. Every module here is a function of this context.
 */

/** A customer as the rails see them: the banking directory entry plus the engine's user id. */
export interface RailsCustomer extends DirectoryCustomer {
  readonly userId: number;
  /** Electronic deposit reference, e.g. "RP7K3M9Q2XJK". */
  readonly reference: string;
  readonly email?: string;
}

export interface RailsDirectory extends CustomerDirectory {
  byReference(reference: string): RailsCustomer | undefined;
  byUserId(userId: number): RailsCustomer | undefined;
  byEmail?(email: string): RailsCustomer | undefined;
}

/** A directory over a fixed list (tests, the sandbox CLI, a snapshot taken from the identity store). */
export function memoryDirectory(customers: readonly RailsCustomer[]): RailsDirectory {
  const byRef = new Map(customers.map((c) => [c.reference.replace(/-/g, '').toUpperCase(), c]));
  const byId = new Map(customers.map((c) => [c.userId, c]));
  const byMail = new Map(customers.filter((c) => c.email !== undefined).map((c) => [c.email!.toLowerCase(), c]));
  return {
    byReference: (r) => byRef.get(r.replace(/-/g, '').toUpperCase()),
    byUserId: (u) => byId.get(u),
    byEmail: (e) => byMail.get(e.toLowerCase()),
  };
}

export interface RailsConfig {
  /** Rampart's client-money (omnibus) account at the bank, electronic format. */
  readonly collectionIban: string;
  /** Account holder name as the bank has it; the pain.001 debtor. SWIFT character set. */
  readonly collectionHolderName: string;
  readonly debtorBic: string;
  readonly initiatingPartyName?: string;
  /** pain.001 version the bank takes; default 001.001.03 (most UAE host-to-host channels). */
  readonly pain001Version?: Pain001Version;
  readonly depositLimits: DepositLimits;
  readonly requireBankReference?: boolean;
  /**
   * Payout rails and their flat fee in fils, charged into the withdrawal's `fee` (e.g. UAEFTS, IPP).
   * The first entry is the default rail.
   */
  readonly payoutRails?: Readonly<Record<string, { readonly feeFils: bigint }>>;
  /** Largest number of payouts in one pain.001 (≤ 10 000, pain001.ts). Default 1000. */
  readonly payoutBatchMax?: number;
}

export type RailsEngine = Pick<Engine, 'submit' | 'core' | 'onResult'>;

export interface RailsContext {
  readonly engine: RailsEngine;
  readonly adapter: BankAdapter;
  readonly directory: RailsDirectory;
  readonly store: RailsStore;
  readonly config: RailsConfig;
  readonly view: BankLedgerView;
  /** ISO date-time for file headers (pain.001 CreDtTm); injected so simulations are deterministic. */
  readonly now: () => string;
}

export const DEFAULT_PAYOUT_RAILS: Readonly<Record<string, { feeFils: bigint }>> = { UAEFTS: { feeFils: 0n } };

export function checkRailsConfig(config: RailsConfig): RailsConfig {
  const iban = checkIban(config.collectionIban);
  if (!iban.ok || iban.value.country !== 'AE') throw new BankRailsError('RAILS_CONFIG', 'collectionIban must be a valid UAE IBAN');
  if (config.collectionIban !== normalizeIban(config.collectionIban)) throw new BankRailsError('RAILS_CONFIG', 'collectionIban must be in electronic format (no spaces, upper case)');
  const rails = config.payoutRails ?? DEFAULT_PAYOUT_RAILS;
  if (Object.keys(rails).length === 0) throw new BankRailsError('RAILS_CONFIG', 'at least one payout rail is needed');
  for (const [name, r] of Object.entries(rails)) {
    if (!/^[A-Z][A-Z0-9]{1,15}$/.test(name)) throw new BankRailsError('RAILS_CONFIG', 'payout rail names are 2..16 upper-case letters/digits', { name });
    if (typeof r.feeFils !== 'bigint' || r.feeFils < 0n) throw new BankRailsError('RAILS_CONFIG', 'payout rail fee must be a non-negative bigint of fils', { name });
  }
  const max = config.payoutBatchMax ?? 1000;
  if (!Number.isInteger(max) || max < 1 || max > 10_000) throw new BankRailsError('RAILS_CONFIG', 'payoutBatchMax must be 1..10000');
  return config;
}

/** A short, deterministic, SWIFT-safe id from arbitrary text (base 32 of SHA-256, 20 symbols = 100 bits). */
export function shortId(text: string): string {
  const digest = createHash('sha256').update(text).digest();
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of digest) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 20) {
      out += alphabet[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= 0xff;
    if (out.length >= 20) break;
  }
  return out;
}

export const OMNIBUS = 'system:AED:bank_omnibus';
export const SUSPENSE = 'system:AED:suspense';
export const availableOf = (userId: number): string => `user:${userId}:AED:available`;

/** What the bank holds for us according to the ledger: bank_omnibus is debit-normal, so the negative of the stored balance. */
export function ledgerOmnibusFils(engine: RailsEngine): bigint {
  const core = engine.core;
  return -core.ledger.balance(core.accountByKey(OMNIBUS));
}

const locks = new WeakMap<object, Promise<unknown>>();

/**
 * Runs `fn` after every earlier serialized operation on the same store has finished. The rails'
 * actions read a record, await the engine, then write it: two interleaved (a match and a return
 * of the same suspense item, two payout runs taking the same queued payouts) could both act.
 * One store = one queue, within this process; one process runs the rails (single writer).
 */
export function serialized<T>(ctx: Pick<RailsContext, 'store'>, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(ctx.store) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  locks.set(
    ctx.store,
    run.catch(() => undefined),
  );
  return run;
}

/**
 * A pain.001 from Rampart's collection account, as configured for this bank: the one place the
 * debtor side (name, IBAN, BIC, initiating party, message version) is filled in, for payouts and
 * suspense returns alike. Executed on the day it is created.
 */
export function railsPain001(ctx: Pick<RailsContext, 'config'>, messageId: string, createdAt: string, payouts: Payout[]): Pain001File {
  return buildPain001({
    version: ctx.config.pain001Version ?? '001.001.03',
    messageId,
    createdAt,
    requestedExecutionDate: createdAt.slice(0, 10),
    initiatingPartyName: ctx.config.initiatingPartyName ?? ctx.config.collectionHolderName,
    debtorName: ctx.config.collectionHolderName,
    debtorIban: ctx.config.collectionIban,
    debtorBic: ctx.config.debtorBic,
    payouts,
  });
}
