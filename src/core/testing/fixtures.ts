import type { Command } from '../commands.ts';
import { defaultCoreConfig } from '../config.ts';
import { ExchangeCore } from '../exchange.ts';
import type { CommandResult } from '../events.ts';

/** A core with users 1..n opened and funded through the real deposit path. */
export function fundedCore(users = 3, aed = 100_000_000n, btc = 1_000_000_000n, eth = 10n ** 21n): { core: ExchangeCore; run: (c: Command) => CommandResult } {
  const core = new ExchangeCore(defaultCoreConfig);
  let ts = 1_700_000_000_000;
  const run = (c: Command): CommandResult => {
    const r = core.apply(c);
    core.checkInvariants();
    return r;
  };
  for (let u = 1; u <= users; u++) {
    run({ type: 'user.open', ts, userId: u });
    run({ type: 'deposit', ts, userId: u, asset: 'AED', amount: aed, source: 'bank', ref: `bank-${u}` });
    run({ type: 'deposit', ts, userId: u, asset: 'BTC', amount: btc, source: 'chain', ref: `btc-${u}` });
    run({ type: 'deposit', ts, userId: u, asset: 'ETH', amount: eth, source: 'chain', ref: `eth-${u}` });
    ts++;
  }
  return { core, run };
}

export const T0 = 1_700_000_100_000;
