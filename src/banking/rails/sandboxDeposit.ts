import { formatDepositReference } from '../reference.ts';
import { makeUaeIban } from '../iban.ts';
import type { SandboxBank } from '../sandboxBank.ts';
import type { RailsContext, RailsCustomer } from './context.ts';
import { type ImportReport, importBankFiles } from './depositPipeline.ts';
import { BankRailsError } from './errors.ts';

/**
 * `rampart sandbox deposit --asset AED`: the customer's registered IBAN sends a transfer with their
 * personal reference to the collection IBAN inside the sandbox bank; the sandbox emits the
 * camt.054 and it is imported through the real pipeline (decision, engine, acknowledgement). The
 * customer's sandbox account is opened on first use and topped up from a sandbox "mint" account
 * (a transfer between two non-collection accounts produces no statement entry).
 */

/** Sandbox-only funding source (bank code 999 is not a UAE bank). */
export const SANDBOX_MINT_IBAN = makeUaeIban('999', '1');
const MINT_FILS = 10n ** 15n;

export interface SandboxDepositResult {
  readonly userId: number;
  readonly payerIban: string;
  /** The sandbox bank's entry reference (AcctSvcrRef). */
  readonly bankReference: string;
  readonly amountFils: bigint;
  readonly import: ImportReport;
  /** Fils credited to the customer by this import (0 when it went to suspense). */
  readonly creditedFils: bigint;
}

export async function sandboxDeposit(opts: {
  rails: RailsContext;
  bank: SandboxBank;
  userId?: number;
  email?: string;
  amountFils: bigint;
  /** ISO date-time of the transfer; default rails.now(). */
  at?: string;
}): Promise<SandboxDepositResult> {
  const { rails, bank } = opts;
  if (typeof opts.amountFils !== 'bigint' || opts.amountFils <= 0n) throw new BankRailsError('SANDBOX_DEPOSIT_AMOUNT', 'amountFils must be a positive bigint');
  let c: RailsCustomer | undefined;
  if (opts.userId !== undefined) c = rails.directory.byUserId(opts.userId);
  else if (opts.email !== undefined) c = rails.directory.byEmail?.(opts.email);
  else throw new BankRailsError('SANDBOX_DEPOSIT_CUSTOMER', 'give userId or email');
  if (c === undefined) throw new BankRailsError('SANDBOX_DEPOSIT_CUSTOMER', 'no such customer in the directory');
  const payerIban = c.verifiedIbans[0]?.replace(/ /g, '').toUpperCase();
  if (payerIban === undefined) throw new BankRailsError('SANDBOX_DEPOSIT_NO_IBAN', 'the customer has no verified IBAN to pay from');
  const at = opts.at ?? rails.now();
  ensureAccount(bank, SANDBOX_MINT_IBAN, 'SANDBOX MINT', MINT_FILS);
  ensureAccount(bank, payerIban, c.kycName.toUpperCase(), 0n);
  if (bank.balanceOf(payerIban) < opts.amountFils) bank.transfer({ fromIban: SANDBOX_MINT_IBAN, toIban: payerIban, amountFils: opts.amountFils, at });
  const bankReference = bank.transfer({ fromIban: payerIban, toIban: rails.config.collectionIban, amountFils: opts.amountFils, remittance: formatDepositReference(c.reference), at });
  const report = await importBankFiles(rails);
  const creditedFils = report.files.reduce((n, f) => n + f.creditedFils, 0n);
  return { userId: c.userId, payerIban, bankReference, amountFils: opts.amountFils, import: report, creditedFils };
}

function ensureAccount(bank: SandboxBank, iban: string, holder: string, balanceFils: bigint): void {
  try {
    bank.balanceOf(iban);
  } catch {
    bank.openAccount(iban, holder, balanceFils);
  }
}
