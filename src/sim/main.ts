import { parseArgs } from 'node:util';
import { SimulationFailure, simulate } from './simulate.ts';

/**
 * `npm run simulate -- --seed N --steps K [--seeds M] [--json]`: runs seeds N..N+M-1.
 * Prints one line per seed; exits non-zero on the first invariant violation, naming
 * the seed and step so it replays exactly.
 */
const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    seeds: { type: 'string', default: '1' },
    steps: { type: 'string', default: '2000' },
    faults: { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});
const first = Number(values.seed);
const count = Number(values.seeds);
const steps = Number(values.steps);
const totals = { seeds: 0, steps: 0, commands: 0, crashes: 0, disk_failures: 0, lost_in_flight: 0, duplicates: 0, snapshots: 0, trades: 0 };
const t0 = performance.now();
try {
  for (let seed = first; seed < first + count; seed++) {
    const r = await simulate({ seed, steps, faultPerMille: Number(values.faults) });
    totals.seeds++;
    totals.steps += r.steps;
    totals.commands += r.commands;
    totals.crashes += r.crashes;
    totals.disk_failures += r.diskFailures;
    totals.lost_in_flight += r.lostInFlight;
    totals.duplicates += r.duplicateMessages;
    totals.snapshots += r.snapshots;
    totals.trades += r.trades;
    if (!values.json) console.log(`seed ${seed}: ok  steps=${r.steps} commands=${r.commands} trades=${r.trades} crashes=${r.crashes} disk=${r.diskFailures} lost-in-flight=${r.lostInFlight} dup-msgs=${r.duplicateMessages} deposits=${r.depositsCredited} payouts=${r.withdrawalsSettled} hash=${r.stateHash.slice(0, 16)}`);
  }
  console.log(JSON.stringify({ ok: true, first_seed: first, ...totals, elapsed_ms: Math.round(performance.now() - t0) }));
} catch (e) {
  const seed = e instanceof SimulationFailure ? e.seed : null;
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  console.log(JSON.stringify({ ok: false, seed, error: e instanceof Error ? e.message : String(e), ...totals }));
  process.exitCode = 1;
}
