import { assert } from '../shared/assert.ts';
import type { BankAdapter, InboundFile } from './bankAdapter.ts';
import { type CamtWriteEntry, type CamtWriteVersion, writeCamt } from './camtWrite.ts';
import { BankingError } from './errors.ts';
import { parseIban } from './iban.ts';
import { parsePain001 } from './pain001.ts';
import { buildPain002, type PaymentStatus } from './pain002.ts';

/**
 * An in-process bank for development, demos and deterministic simulation. It keeps accounts in
 * fils, moves money between them, and speaks to Rampart only through real ISO 20022 files:
 * a camt.054 per credit to the collection account, a camt.053 per business day, a pain.002 per
 * pain.001 received. Deterministic: no clock (every call takes `at`, an ISO date-time) and ids
 * from counters, so a simulation replays byte for byte.
 */

export interface SandboxAccount {
  readonly iban: string;
  readonly holderName: string;
  balanceFils: bigint;
}

export interface SandboxBankOptions {
  readonly collectionIban: string;
  readonly collectionHolderName: string;
  readonly camtVersion: CamtWriteVersion;
  /** pain.002 version of the status reports it sends back. */
  readonly pain002Version?: '002.001.03' | '002.001.10';
  /** Short bank prefix for references, e.g. "SBX". */
  readonly refPrefix?: string;
}

/** Bound on queued files and journal entries: a sandbox is not an archive. */
export const SANDBOX_QUEUE_MAX = 100_000;

export class SandboxBank implements BankAdapter {
  private readonly accounts = new Map<string, SandboxAccount>();
  private readonly outbound: InboundFile[] = [];
  private readonly submitted = new Map<string, string>();
  private readonly rejections = new Map<string, string>();
  /** Collection-account entries not yet in an end-of-day statement, and the balance at the last statement. */
  private dayEntries: CamtWriteEntry[] = [];
  private lastStatementBalanceFils = 0n;
  private counter = 0;
  private readonly opts: Required<SandboxBankOptions>;

  constructor(options: SandboxBankOptions) {
    this.opts = { pain002Version: '002.001.03', refPrefix: 'SBX', ...options };
    this.openAccount(options.collectionIban, options.collectionHolderName, 0n);
  }

  private nextId(kind: string): string {
    this.counter += 1;
    return `${this.opts.refPrefix}${kind}${String(this.counter).padStart(10, '0')}`;
  }

  openAccount(iban: string, holderName: string, balanceFils = 0n): void {
    const v = parseIban(iban).iban;
    if (this.accounts.has(v)) throw new BankingError('SANDBOX_ACCOUNT_EXISTS', 'account already exists', { iban: v });
    if (balanceFils < 0n) throw new BankingError('SANDBOX_AMOUNT', 'opening balance must be non-negative');
    this.accounts.set(v, { iban: v, holderName, balanceFils });
    if (v === this.opts.collectionIban) this.lastStatementBalanceFils = balanceFils;
  }

  balanceOf(iban: string): bigint {
    const a = this.accounts.get(parseIban(iban).iban);
    if (a === undefined) throw new BankingError('SANDBOX_ACCOUNT_UNKNOWN', 'no such account', { iban });
    return a.balanceFils;
  }

  /** A customer's transfer (or any transfer between sandbox accounts). Returns the bank's entry reference. */
  transfer(t: { fromIban: string; toIban: string; amountFils: bigint; remittance?: string; endToEndId?: string; at: string }): string {
    const from = this.accounts.get(parseIban(t.fromIban).iban);
    const to = this.accounts.get(parseIban(t.toIban).iban);
    if (from === undefined || to === undefined) throw new BankingError('SANDBOX_ACCOUNT_UNKNOWN', 'both accounts must exist in the sandbox');
    if (from === to) throw new BankingError('SANDBOX_SAME_ACCOUNT', 'cannot transfer to the same account');
    if (t.amountFils <= 0n) throw new BankingError('SANDBOX_AMOUNT', 'amount must be positive');
    if (from.balanceFils < t.amountFils) throw new BankingError('SANDBOX_INSUFFICIENT_FUNDS', 'insufficient funds', { iban: from.iban });
    const ref = this.nextId('FT');
    this.move(from, to, t.amountFils, ref, t.at, 'PMNT/RCDT/DMCT', t.remittance, t.endToEndId);
    return ref;
  }

  private move(from: SandboxAccount, to: SandboxAccount, amountFils: bigint, ref: string, at: string, code: string, remittance?: string, endToEndId?: string): void {
    const before = from.balanceFils + to.balanceFils;
    from.balanceFils -= amountFils;
    to.balanceFils += amountFils;
    assert(from.balanceFils + to.balanceFils === before, 'a transfer conserves money');
    const date = at.slice(0, 10);
    const collection = this.opts.collectionIban;
    if (to.iban === collection || from.iban === collection) {
      const credit = to.iban === collection;
      const entry: CamtWriteEntry = {
        accountServicerRef: ref,
        amountFils,
        direction: credit ? 'credit' : 'debit',
        bookingDate: date,
        valueDate: date,
        bankTxCode: credit ? code : 'PMNT/ICDT/DMCT',
        endToEndId,
        debtorName: from.holderName,
        debtorIban: from.iban,
        creditorName: to.holderName,
        creditorIban: to.iban,
        remittance,
      };
      assert(this.dayEntries.length < SANDBOX_QUEUE_MAX, 'sandbox day journal is full');
      this.dayEntries.push(entry);
      if (credit) {
        const id = this.nextId('N');
        this.enqueue(`camt054-${id}.xml`, writeCamt({ kind: 'camt.054', version: this.opts.camtVersion, messageId: id, createdAt: at, reportId: id, accountIban: collection, entries: [entry] }));
      }
    }
  }

  private enqueue(name: string, content: string): void {
    assert(this.outbound.length < SANDBOX_QUEUE_MAX, 'sandbox outbound queue is full');
    this.outbound.push({ id: name, name, content });
  }

  /** Closes the business day: emits the camt.053 for the collection account (opening, entries, closing). */
  endOfDay(date: string, at: string): string {
    const collection = this.accounts.get(this.opts.collectionIban)!;
    const id = this.nextId('S');
    const xml = writeCamt({
      kind: 'camt.053',
      version: this.opts.camtVersion,
      messageId: id,
      createdAt: at,
      reportId: id,
      accountIban: collection.iban,
      openingBalanceFils: this.lastStatementBalanceFils,
      closingBalanceFils: collection.balanceFils,
      balanceDate: date,
      entries: this.dayEntries,
    });
    this.lastStatementBalanceFils = collection.balanceFils;
    this.dayEntries = [];
    this.enqueue(`camt053-${date}-${id}.xml`, xml);
    return xml;
  }

  /** The next pain.001 transaction with this EndToEndId is rejected with the given ISO reason (e.g. AC04). */
  rejectPayment(endToEndId: string, reasonCode: string): void {
    this.rejections.set(endToEndId, reasonCode);
  }

  /** The beneficiary's bank returns an executed payout: money comes back as a credit with BkTxCd …/RRTN. */
  returnPayment(endToEndId: string, creditorIban: string, amountFils: bigint, reasonCode: string, at: string): string {
    const from = this.accounts.get(parseIban(creditorIban).iban);
    const to = this.accounts.get(this.opts.collectionIban)!;
    if (from === undefined || from.balanceFils < amountFils) throw new BankingError('SANDBOX_INSUFFICIENT_FUNDS', 'cannot return more than the account holds');
    const ref = this.nextId('RT');
    this.move(from, to, amountFils, ref, at, 'PMNT/ICDT/RRTN', `RETURN ${endToEndId} ${reasonCode}`, endToEndId);
    return ref;
  }

  // ---- BankAdapter ----

  async listInbound(): Promise<InboundFile[]> {
    return [...this.outbound];
  }

  async acknowledge(id: string): Promise<void> {
    const i = this.outbound.findIndex((f) => f.id === id);
    if (i >= 0) this.outbound.splice(i, 1);
  }

  readonly rejectedFiles: { name: string; reason: string }[] = [];

  async reject(id: string, reason: string): Promise<void> {
    const i = this.outbound.findIndex((f) => f.id === id);
    if (i >= 0) this.rejectedFiles.push({ name: this.outbound.splice(i, 1)[0]!.name, reason });
  }

  /** Accepts a pain.001 and executes it now (the sandbox has no cut-off times). Idempotent by name. */
  async submitPaymentFile(name: string, xml: string): Promise<void> {
    const previous = this.submitted.get(name);
    if (previous !== undefined) {
      if (previous === xml) return;
      throw new BankingError('SANDBOX_FILE_NAME_REUSED', 'a different file was already submitted under this name', { name });
    }
    this.executePain001(xml);
    this.submitted.set(name, xml);
  }

  /** Executes a pain.001 synchronously; returns the pain.002 it queued. */
  executePain001(xml: string): string {
    const p = parsePain001(xml);
    if (p.debtorIban !== this.opts.collectionIban) throw new BankingError('SANDBOX_DEBTOR', 'the sandbox only executes payments from the collection account');
    const collection = this.accounts.get(this.opts.collectionIban)!;
    const at = p.createdAt;
    const lines: { endToEndId: string; status: PaymentStatus; reasonCode?: string; additionalInfo?: string }[] = [];
    for (const pay of p.payments) {
      const reject = this.rejections.get(pay.endToEndId);
      let to = this.accounts.get(pay.creditorIban);
      if (reject !== undefined) {
        this.rejections.delete(pay.endToEndId);
        lines.push({ endToEndId: pay.endToEndId, status: 'RJCT', reasonCode: reject, additionalInfo: 'rejected by sandbox instruction' });
        continue;
      }
      if (collection.balanceFils < pay.amountFils) {
        lines.push({ endToEndId: pay.endToEndId, status: 'RJCT', reasonCode: 'AM04', additionalInfo: 'insufficient funds' });
        continue;
      }
      if (to === undefined) {
        // Beneficiary at another UAE bank: the sandbox models it as an account opened on first credit.
        this.openAccount(pay.creditorIban, pay.creditorName, 0n);
        to = this.accounts.get(pay.creditorIban)!;
      }
      this.move(collection, to, pay.amountFils, this.nextId('PO'), `${p.requestedExecutionDate}T12:00:00Z`, 'PMNT/ICDT/DMCT', pay.remittance, pay.endToEndId);
      lines.push({ endToEndId: pay.endToEndId, status: 'ACSC' });
    }
    const id = this.nextId('R');
    const report = buildPain002({ version: this.opts.pain002Version, messageId: id, createdAt: at, originalMessageId: p.messageId, originalMessageName: `pain.${p.version}`, lines });
    this.enqueue(`pain002-${id}.xml`, report);
    return report;
  }
}
