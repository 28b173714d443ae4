import { RampartError } from '../../shared/errors.ts';

/**
 * Errors of the bank rails (the glue between the banking modules and the engine). Stable codes:
 * SUSPENSE_* (queue actions), PAYOUT_* (AED withdrawals), RAILS_* (configuration, engine refusals),
 * RECON_* (reconciliation runner), SANDBOX_DEPOSIT_* (sandbox helper), STORE_* (rails store).
 */
export class BankRailsError extends RampartError {}
