import type { Command } from '../commands.ts';
import type { CommandResult } from '../events.ts';
import { DAY_MS } from './policy.ts';

/** Test helpers for the withdrawal controls (tests only). */
export const IBAN = 'AE070331234567890123456';
export const BTC_ADDR = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
export const ETH_ADDR = '0x52908400098527886E0F7030069857D2E4169EE7';
/** 350,000.00 AED per BTC and 12,000.00 AED per ETH, in fils per whole unit. */
export const PRICES = { BTC: 35_000_000n, ETH: 1_200_000n } as const;

type Run = (c: Command) => CommandResult;
type Request = Extract<Command, { type: 'withdrawal.request' }>;

/** Tier, prices and saved destinations for `users` at `ts`; returns the first time the destinations are usable (default policy). */
export function prepareWithdrawals(run: Run, users: readonly number[], ts: number, tier = 2): number {
  for (const userId of users) {
    must(run({ type: 'user.tier', ts, userId, tier }));
    must(run({ type: 'addressBook.add', ts, userId, asset: 'AED', destination: IBAN, label: 'salary account', ownerVerified: true }));
    must(run({ type: 'addressBook.add', ts, userId, asset: 'BTC', destination: BTC_ADDR, label: 'ledger' }));
    must(run({ type: 'addressBook.add', ts, userId, asset: 'ETH', destination: ETH_ADDR, label: 'metamask' }));
  }
  return ts + DAY_MS;
}

export function setPrices(run: Run, ts: number): void {
  must(run({ type: 'prices.set', ts, pricesFils: PRICES }));
}

let confirmations = 0;
/** A withdrawal request as the API would submit it after verifying TOTP and the e-mail link at `ts`. */
export function request(ts: number, withdrawalId: string, userId: number, asset: string, amount: bigint, over: Partial<Request> = {}): Request {
  const destination = asset === 'AED' ? IBAN : asset === 'BTC' ? BTC_ADDR : ETH_ADDR;
  return {
    type: 'withdrawal.request',
    ts,
    withdrawalId,
    userId,
    asset,
    amount,
    fee: 0n,
    destination,
    confirmationId: `conf-${++confirmations}`,
    confirmedTotp: true,
    emailConfirmed: true,
    confirmedTs: ts,
    via: 'session',
    ...over,
  };
}

function must(r: CommandResult): void {
  if (!r.ok) throw new Error(`setup command failed: ${r.error?.code} ${r.error?.message}`);
}
