import { join } from 'node:path';
import type { Accounts } from '../accounts/index.ts';
import { makeUaeIban } from '../banking/iban.ts';
import { checkDepositReference, CROCKFORD_ALPHABET, customerCodeFromNumber, makeDepositReference } from '../banking/reference.ts';
import {
  importBankFiles,
  openBankRails,
  type RailsConfig,
  type RailsContext,
  type RailsCustomer,
  type RailsDirectory,
  reconcileBank,
  reconciliationToJson,
  SqliteRailsStore,
  sandboxDeposit,
  sendPayouts,
} from '../banking/rails/index.ts';
import { SandboxBank } from '../banking/sandboxBank.ts';
import { parseDecimal } from '../shared/decimal.ts';
import { ValidationError } from '../shared/errors.ts';
import { adminExtensions } from './admin.ts';
import type { Runtime } from './runtime.ts';

/** The sandbox's collection account; a real deployment configures its bank's IBAN and BIC. */
export const SANDBOX_RAILS_CONFIG: RailsConfig = {
  collectionIban: makeUaeIban('033', '9000000001'),
  collectionHolderName: 'RAMPART CLIENT MONEY',
  debtorBic: 'BOMLAEAD',
  depositLimits: { depositFilsMin: 1_000n, depositFilsMax: 100_000_000n },
  payoutRails: { UAEFTS: { feeFils: 500n } },
};

/**
 * The bank side of the customer directory, from the accounts service: the personal
 * deposit reference is derived from the user id (with its check symbols), the KYC name
 * and the customer's own verified IBAN come from the KYC profile.
 */
export function accountsDirectory(accounts: Accounts): RailsDirectory {
  const byUserId = (userId: number): RailsCustomer | undefined => {
    const row = accounts.repo.userById(userId);
    if (row === undefined) return undefined;
    let profile: { fullName?: unknown; iban?: unknown } = {};
    try {
      profile = row.kycProfileJson === null ? {} : (JSON.parse(row.kycProfileJson) as typeof profile);
    } catch {
      profile = {};
    }
    return {
      userId,
      customerId: String(userId),
      reference: makeDepositReference(customerCodeFromNumber(BigInt(userId))),
      kycApproved: row.kycStatus === 'approved',
      kycName: typeof profile.fullName === 'string' ? profile.fullName : '',
      verifiedIbans: typeof profile.iban === 'string' ? [profile.iban] : [],
      email: row.email,
    };
  };
  return {
    byUserId,
    byReference(reference) {
      const c = checkDepositReference(reference);
      if (!c.ok) return undefined;
      let n = 0;
      for (const ch of c.customerCode) n = n * 32 + CROCKFORD_ALPHABET.indexOf(ch);
      return byUserId(n);
    },
    byEmail(email) {
      const row = accounts.repo.userByEmail(email.toLowerCase());
      return row === undefined ? undefined : byUserId(row.id);
    },
  };
}

/** The demo customer's own bank account, as KYC would record it. */
export function demoIban(userId: number): string {
  return makeUaeIban('026', String(1_000_000 + userId));
}

export interface BankRuntime {
  readonly rails: RailsContext;
  readonly bank: SandboxBank;
  stop(): void;
}

/**
 * Opens the AED rails against the sandbox bank (the embedded default), polls for bank
 * files and sends payouts on timers, and serves `sandbox deposit --asset AED` and
 * `bank reconcile` through the admin socket.
 */
export async function startBankRails(rt: Runtime, pollMs = 5_000): Promise<BankRuntime> {
  const bank = new SandboxBank({ collectionIban: SANDBOX_RAILS_CONFIG.collectionIban, collectionHolderName: SANDBOX_RAILS_CONFIG.collectionHolderName, camtVersion: '001.08' });
  const store = new SqliteRailsStore(join(rt.config.dataDir, 'bank-rails.sqlite'));
  const rails = await openBankRails({ engine: rt.engine, adapter: bank, directory: accountsDirectory(rt.accounts), store, config: SANDBOX_RAILS_CONFIG });
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    importBankFiles(rails)
      .then(() => sendPayouts(rails))
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, pollMs);
  const previous = adminExtensions.get('sandbox.deposit');
  adminExtensions.set('sandbox.deposit', async (r, req) => {
    if (req.op !== 'sandbox.deposit') throw new ValidationError('ADMIN_REQUEST_INVALID', 'bad op');
    if (req.asset !== 'AED') {
      if (previous !== undefined) return previous(r, req);
      throw new ValidationError('SANDBOX_UNAVAILABLE', `sandbox ${req.asset} deposits need the dev chains`);
    }
    const res = await sandboxDeposit({ rails, bank, email: req.email, amountFils: parseDecimal(req.amount, 2) });
    return { ok: res.creditedFils === res.amountFils, userId: res.userId, asset: 'AED', amountFils: res.amountFils.toString(), creditedFils: res.creditedFils.toString(), payerIban: res.payerIban, bankReference: res.bankReference };
  });
  adminExtensions.set('bank.reconcile', async () => {
    // The sandbox closes its day on demand (a real bank delivers the camt.053 to the inbox).
    const at = rails.now();
    bank.endOfDay(at.slice(0, 10), at);
    await importBankFiles(rails);
    const report = reconciliationToJson(await reconcileBank(rails)) as unknown as Record<string, unknown>;
    return { ...report, ok: report.ok === true };
  });
  return { rails, bank, stop: () => clearInterval(timer) };
}
