import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCoreConfig } from '../../core/config.ts';
import type { CommandResult } from '../../core/events.ts';
import { Engine, type Submission } from '../../engine/engine.ts';
import { FileJournal } from '../../journal/fileJournal.ts';
import type { BankAdapter } from '../bankAdapter.ts';
import { makeUaeIban } from '../iban.ts';
import { customerCodeFromNumber, makeDepositReference } from '../reference.ts';
import { SandboxBank } from '../sandboxBank.ts';
import { memoryDirectory, type RailsConfig, type RailsContext, type RailsCustomer, type RailsDirectory } from './context.ts';
import { openBankRails } from './openRails.ts';
import { type RailsStore, SqliteRailsStore } from './store.ts';

/**
 * Test harness (tests only): a real engine over a FileJournal in a temp dir, a SandboxBank speaking
 * real ISO 20022 XML, a SQLite rails store in the same dir, two KYC'd customers. `restart()` drops
 * the engine, the store and the rails context and opens them again from disk, as after a crash.
 */
export const COLLECTION = makeUaeIban('033', '77');
export const DAY_MS = 86_400_000;
export const T_START = Date.parse('2026-11-25T06:00:00Z');

export function customer(userId: number, name: string): RailsCustomer {
  return {
    userId,
    customerId: String(userId),
    reference: makeDepositReference(customerCodeFromNumber(BigInt(userId))),
    kycApproved: true,
    kycName: name,
    verifiedIbans: [makeUaeIban('026', String(1000 + userId))],
    email: `user${userId}@example.ae`,
  };
}

export const CUSTOMERS = [customer(1, 'Khadija Hassan'), customer(2, 'Mohammed Al Mansoori')];

export const CONFIG: RailsConfig = {
  collectionIban: COLLECTION,
  collectionHolderName: 'RAMPART CLIENT MONEY',
  debtorBic: 'BOMLAEAD',
  depositLimits: { depositFilsMin: 1_000n, depositFilsMax: 50_000_000n },
  payoutRails: { UAEFTS: { feeFils: 500n }, IPP: { feeFils: 200n } },
};

export interface Harness {
  readonly dir: string;
  readonly bank: SandboxBank;
  readonly now: { t: number };
  /** Users whose verified IBANs the directory stops reporting. */
  readonly revoked: Set<number>;
  engine: Engine;
  store: RailsStore;
  rails: RailsContext;
  iso(): string;
  /** Close everything and open it again from disk (a crash between two steps). */
  restart(opts?: { adapter?: BankAdapter; wrapEngine?: (e: Engine) => RailsContext['engine'] }): Promise<void>;
  run(cmd: Submission): Promise<CommandResult>;
  available(userId: number): bigint;
  close(): Promise<void>;
}

export async function harness(opts: { adapter?: (bank: SandboxBank) => BankAdapter; config?: Partial<RailsConfig> } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-rails-'));
  const now = { t: T_START };
  const bank = new SandboxBank({ collectionIban: COLLECTION, collectionHolderName: 'RAMPART CLIENT MONEY', camtVersion: '001.08' });
  const config = { ...CONFIG, ...opts.config };
  const revoked = new Set<number>();
  const base = memoryDirectory(CUSTOMERS);
  const hide = (c: RailsCustomer | undefined): RailsCustomer | undefined => (c !== undefined && revoked.has(c.userId) ? { ...c, verifiedIbans: [] } : c);
  const directory: RailsDirectory = { byReference: (r) => hide(base.byReference(r)), byUserId: (u) => hide(base.byUserId(u)), byEmail: (e) => hide(base.byEmail?.(e)) };
  const iso = (): string => new Date(now.t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const open = async (adapter: BankAdapter, wrap?: (e: Engine) => RailsContext['engine']) => {
    const engine = await Engine.open({ config: defaultCoreConfig, backend: new FileJournal(join(dir, 'journal')), clock: () => now.t });
    const store = new SqliteRailsStore(join(dir, 'rails.sqlite'));
    const rails = await openBankRails({ engine: wrap === undefined ? engine : wrap(engine), adapter, directory, store, config, now: iso });
    return { engine, store, rails };
  };
  const first = await open(opts.adapter === undefined ? bank : opts.adapter(bank));
  const h: Harness = {
    dir,
    bank,
    now,
    revoked,
    engine: first.engine,
    store: first.store,
    rails: first.rails,
    iso,
    async restart(r = {}) {
      await h.engine.close();
      h.store.close();
      const next = await open(r.adapter ?? bank, r.wrapEngine);
      h.engine = next.engine;
      h.store = next.store;
      h.rails = next.rails;
    },
    run: (cmd) => h.engine.submit(cmd),
    available: (userId) => h.engine.core.userBalances(userId).AED!.available,
    async close() {
      h.engine.core.checkInvariants();
      await h.engine.close();
      h.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (const c of CUSTOMERS) {
    const r = await h.run({ type: 'user.open', userId: c.userId });
    if (!r.ok) throw new Error(`user.open failed: ${r.error?.code}`);
  }
  return h;
}

/**
 * Makes `userId` able to withdraw AED to their verified IBAN under the core's withdrawal controls:
 * KYC tier, the IBAN in the address book (owner-verified), and the clock past the cooling-off.
 */
export async function prepareAedWithdrawals(h: Harness, userId: number): Promise<void> {
  const c = CUSTOMERS.find((x) => x.userId === userId)!;
  for (const cmd of [
    { type: 'user.tier', userId, tier: 2 },
    { type: 'addressBook.add', userId, asset: 'AED', destination: c.verifiedIbans[0]!, label: 'own account', ownerVerified: true },
  ] as const) {
    const r = await h.run(cmd as unknown as Submission);
    if (!r.ok) throw new Error(`setup failed: ${r.error?.code} ${r.error?.message}`);
  }
  h.now.t += DAY_MS + 1000;
}

let confirmations = 0;
/** A withdrawal.request as the API submits it after verifying TOTP and the e-mail link. */
export function withdrawalRequest(h: Harness, withdrawalId: string, userId: number, amountFils: bigint, terms: { destination: string; fee: bigint }): Submission {
  return {
    type: 'withdrawal.request',
    withdrawalId,
    userId,
    asset: 'AED',
    amount: amountFils,
    fee: terms.fee,
    destination: terms.destination,
    confirmationId: `rails-conf-${++confirmations}`,
    confirmedTotp: true,
    emailConfirmed: true,
    confirmedTs: h.now.t,
    via: 'session',
  } as unknown as Submission;
}
