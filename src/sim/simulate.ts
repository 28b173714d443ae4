import type { Command } from '../core/commands.ts';
import { defaultCoreConfig } from '../core/config.ts';
import { ExchangeCore } from '../core/exchange.ts';
import type { CommandResult } from '../core/events.ts';
import { stateHash } from '../core/stateHash.ts';
import { Engine, type Submission } from '../engine/engine.ts';
import { decodeCommand, encodeCommand } from '../journal/codec.ts';
import { readChain } from '../journal/journal.ts';
import { GENESIS_HASH } from '../journal/record.ts';
import { makeUaeIban } from '../banking/iban.ts';
import { assert } from '../shared/assert.ts';
import { MemoryJournal } from './memoryJournal.ts';
import { mulberry32 } from '../shared/prng.ts';

/**
 * Deterministic simulation of the exchange core and engine under faults, after
 * TigerBeetle's VOPR: every choice comes from the seed, so a failure replays from it.
 * Actors: traders, a market maker, depositors (with duplicated and reordered bank and
 * chain messages), withdrawers, careless staff, an attacker. Faults: crashes at any
 * point (also with writes in flight), failing writes, damaged snapshots, clock jumps.
 * Invariants are checked after every step; see `checkAfterStep` and `checkDurability`.
 */
export interface SimOptions {
  readonly seed: number;
  readonly steps: number;
  readonly users?: number;
  /** Probability (per mille) of a fault at each step. */
  readonly faultPerMille?: number;
}

export interface SimReport {
  seed: number;
  steps: number;
  commands: number;
  acknowledged: number;
  rejected: number;
  trades: number;
  crashes: number;
  diskFailures: number;
  lostInFlight: number;
  duplicateMessages: number;
  clockJumps: number;
  snapshots: number;
  depositsCredited: number;
  withdrawalsSettled: number;
  stateHash: string;
}

export class SimulationFailure extends Error {
  constructor(
    readonly seed: number,
    readonly step: number,
    message: string,
  ) {
    super(`seed ${seed} step ${step}: ${message}`);
  }
}

/** Small, fast, seedable PRNG (mulberry32). */
export const prng = mulberry32;

/** A saved destination per user: a valid UAE IBAN for AED, an address-shaped string for crypto. */
function destinationOf(asset: string, userId: number): string {
  return asset === 'AED' ? makeUaeIban('033', String(userId).padStart(16, '0')) : `sim${asset}dest${String(userId).padStart(8, '0')}`;
}

export async function simulate(o: SimOptions): Promise<SimReport> {
  const rand = prng(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const users = o.users ?? 6;
  const faultPerMille = o.faultPerMille ?? 20;
  const backend = new MemoryJournal();
  let now = 1_730_000_000_000;
  const clock = () => now;
  const open = () => Engine.open({ config: defaultCoreConfig, backend, clock, snapshotEveryCommands: 0 });
  let engine = await open();
  const report: SimReport = {
    seed: o.seed,
    steps: o.steps,
    commands: 0,
    acknowledged: 0,
    rejected: 0,
    trades: 0,
    crashes: 0,
    diskFailures: 0,
    lostInFlight: 0,
    duplicateMessages: 0,
    clockJumps: 0,
    snapshots: 0,
    depositsCredited: 0,
    withdrawalsSettled: 0,
    stateHash: '',
  };
  /** Every acknowledged command, by sequence number, as encoded: it must survive anything. */
  const acked = new Map<number, Uint8Array>();
  const sentDeposits: Array<Omit<Extract<Command, { type: 'deposit' }>, 'ts'>> = [];
  const withdrawalIds: string[] = [];
  let nextRef = 1;
  let step = 0;
  const fail = (message: string): never => {
    throw new SimulationFailure(o.seed, step, message);
  };

  const submit = async (s: Submission): Promise<CommandResult | null> => {
    report.commands++;
    try {
      const r = await engine.submit(s);
      report.acknowledged++;
      if (!r.ok) report.rejected++;
      const frame = await backend.read(r.seq, 1);
      if (frame.length !== 1) fail(`acknowledged seq ${r.seq} is not durable`);
      acked.set(r.seq, encodeCommand({ ...s, ts: 0 } as Command));
      for (const e of r.events) if (e.type === 'trade') report.trades++;
      return r;
    } catch (e) {
      if (engine.journal.failed !== null) return null; // the write failed: nothing acknowledged
      throw e;
    }
  };

  const restart = async (why: 'crash' | 'disk') => {
    if (why === 'crash') report.crashes++;
    await engine.close().catch(() => undefined);
    engine = await open();
    await checkDurability();
  };

  /** Every acknowledged command is in the journal at its sequence number; replay gives the same state. */
  const checkDurability = async () => {
    const replayed = new ExchangeCore(defaultCoreConfig);
    await readChain(backend, 1, GENESIS_HASH, (seq, payload) => {
      const cmd = decodeCommand(payload);
      const want = acked.get(seq);
      if (want !== undefined && !Buffer.from(encodeCommand({ ...cmd, ts: 0 } as Command)).equals(Buffer.from(want))) fail(`journal seq ${seq} differs from what was acknowledged`);
      replayed.apply(cmd);
    });
    for (const seq of acked.keys()) if (seq > replayed.seq) fail(`acknowledged seq ${seq} lost (journal ends at ${replayed.seq})`);
    if (stateHash(replayed) !== stateHash(engine.core)) fail('state after recovery differs from a replay of the journal');
  };

  const checkAfterStep = () => {
    engine.core.checkInvariants();
    // Reserves cover liabilities: with no incident open, own funds are never negative.
    const core = engine.core;
    for (let a = 0; a < core.ledger.assets.length; a++) {
      const own = core.ledger.balances[core.ledger.systemAccount(a, 'treasury')]! + core.ledger.balances[core.ledger.systemAccount(a, 'fee_revenue')]!;
      const loss = -core.ledger.balances[core.ledger.systemAccount(a, 'incident_loss')]!;
      if (own - loss < 0n) fail(`reserves below liabilities for ${core.ledger.assets[a]}`);
    }
  };

  for (let u = 1; u <= users + 1; u++) {
    await submit({ type: 'user.open', userId: u });
    for (const [asset, amount] of [['AED', 50_000_000n], ['BTC', 100_000_000n], ['ETH', 10n ** 19n]] as const) {
      const d = { type: 'deposit', userId: u, asset, amount, source: asset === 'AED' ? 'bank' : 'chain', ref: `genesis-${asset}-${u}` } as const;
      sentDeposits.push(d);
      await submit(d);
    }
  }
  const maker = users + 1;
  // Saved withdrawal destinations, then past their cooling-off period.
  for (let u = 1; u <= users; u++) {
    for (const asset of ['AED', 'BTC', 'ETH'] as const) {
      await submit({ type: 'addressBook.add', userId: u, asset, destination: destinationOf(asset, u), label: 'own', ...(asset === 'AED' ? { ownerVerified: true } : {}) } as Submission);
    }
  }
  now += 25 * 3_600_000;
  const setPrices = () => submit({ type: 'prices.set', pricesFils: { AED: 100n, BTC: 35_000_000n, ETH: 1_200_000n } } as Submission);
  await setPrices();
  for (let u = 1; u <= users; u++) await submit({ type: 'user.tier', userId: u, tier: 2 } as Submission);
  let pricesAt = now;

  for (step = 1; step <= o.steps; step++) {
    now += int(1, 2_000);
    if (now - pricesAt > 6 * 3_600_000) {
      await setPrices();
      pricesAt = now;
    }
    const roll = rand() * 1000;
    if (roll < faultPerMille) {
      const kind = pick(['crash', 'crash-inflight', 'disk', 'snapshot', 'damaged-snapshot', 'clock'] as const);
      if (kind === 'crash') await restart('crash');
      else if (kind === 'crash-inflight') {
        // Several commands in flight, then the process dies before (some of) them are durable.
        const n = int(1, 5);
        const inflight: Array<Promise<unknown>> = [];
        for (let i = 0; i < n; i++) inflight.push(engine.submit({ type: 'order.place', userId: int(1, users), market: 'BTC/AED', side: pick(['buy', 'sell'] as const), kind: 'limit', tif: 'GTC', priceTicks: int(340_000, 360_000), qtyLots: int(3, 500) }).catch(() => undefined));
        report.commands += n;
        // Let the journal start its write (one microtask turn), then die before it completes.
        await new Promise<void>((r) => queueMicrotask(r));
        backend.crash();
        await Promise.all(inflight);
        report.lostInFlight = backend.lostOnCrash;
        await restart('crash');
      } else if (kind === 'disk') {
        report.diskFailures++;
        backend.failNextAppends = 1;
        const r = await submit({ type: 'order.cancelAll', userId: int(1, users) });
        if (r !== null) fail('a failed write was acknowledged');
        await restart('disk');
      } else if (kind === 'snapshot' || kind === 'damaged-snapshot') {
        await engine.snapshot();
        report.snapshots++;
        if (kind === 'damaged-snapshot') backend.damageSnapshot(engine.core.seq);
        await restart('crash');
      } else {
        // Clock jumps backwards or forwards; the engine never lets core time go back.
        report.clockJumps++;
        now += pick([-3_600_000, -1, 86_400_000]);
      }
      checkAfterStep();
      continue;
    }
    const actor = rand();
    const core = engine.core;
    if (actor < 0.45) {
      const userId = int(1, users);
      const mine = [...core.orders.values()].filter((x) => x.userId === userId);
      const a = rand();
      if (a < 0.55 || mine.length === 0) {
        const market = pick(['BTC/AED', 'ETH/AED']);
        const mid = market === 'BTC/AED' ? 350_000 : 120_000;
        await submit({
          type: 'order.place',
          userId,
          market,
          side: pick(['buy', 'sell'] as const),
          kind: rand() < 0.1 ? 'market' : 'limit',
          ...(rand() < 0.9 ? { priceTicks: mid + int(-2_000, 2_000) } : {}),
          tif: pick(['GTC', 'GTC', 'IOC', 'FOK'] as const),
          qtyLots: int(3, 3_000),
        } as Submission);
      } else if (a < 0.75) await submit({ type: 'order.cancel', userId, orderId: pick(mine).id });
      else await submit({ type: 'order.amend', userId, orderId: pick(mine).id, priceTicks: pick(mine).priceTicks + int(-500, 500) });
    } else if (actor < 0.55) {
      // Market maker refreshes a small post-only ladder.
      await submit({ type: 'order.cancelAll', userId: maker, market: 'BTC/AED' });
      const mid = 350_000 + int(-1_000, 1_000);
      for (let i = 1; i <= 3; i++) {
        await submit({ type: 'order.place', userId: maker, market: 'BTC/AED', side: 'buy', kind: 'limit', postOnly: true, priceTicks: mid - i * 10, qtyLots: 200 });
        await submit({ type: 'order.place', userId: maker, market: 'BTC/AED', side: 'sell', kind: 'limit', postOnly: true, priceTicks: mid + i * 10, qtyLots: 200 });
      }
    } else if (actor < 0.68) {
      // Deposits; the bank or node sometimes repeats or reorders a message.
      if (sentDeposits.length > 0 && rand() < 0.3) {
        report.duplicateMessages++;
        await submit(pick(sentDeposits));
      } else {
        const asset = pick(['AED', 'BTC', 'ETH'] as const);
        const d = { type: 'deposit', userId: int(1, users), asset, amount: BigInt(int(1, 1_000_000)) * (asset === 'ETH' ? 10n ** 12n : 1n), source: asset === 'AED' ? 'bank' : 'chain', ref: `ref-${nextRef++}` } as const;
        sentDeposits.push(d);
        await submit(d);
      }
    } else if (actor < 0.82) {
      // Withdrawals with a careless staff member: authorise twice, settle twice, cancel settled ones.
      const w = rand();
      if (w < 0.4 || withdrawalIds.length === 0) {
        const id = `w-${o.seed}-${step}`;
        withdrawalIds.push(id);
        const asset = pick(['AED', 'BTC', 'ETH'] as const);
        const userId = int(1, users);
        await submit({
          type: 'withdrawal.request',
          withdrawalId: id,
          userId,
          asset,
          amount: BigInt(int(1, 100_000)) * (asset === 'ETH' ? 10n ** 12n : 1n),
          fee: 1n,
          destination: destinationOf(asset, userId),
          confirmationId: `c-${id}`,
          confirmedTotp: true,
          emailConfirmed: true,
          confirmedTs: Math.max(now, engine.core.lastTs),
          via: 'session',
        } as Submission);
      } else {
        const open = withdrawalIds.filter((x) => engine.core.withdrawals.has(x));
        const id = open.length > 0 && rand() < 0.8 ? pick(open) : pick(withdrawalIds);
        const held = engine.core.withdrawals.get(id)?.state === 'held';
        if (held) {
          // Four-eyes: two different staff members; a careless one sometimes approves twice (refused).
          const first = pick(['staff-a', 'staff-b', 'staff-c']);
          await submit({ type: 'withdrawal.review', withdrawalId: id, staffId: first, decision: rand() < 0.9 ? 'approve' : 'reject' } as Submission);
          const second = rand() < 0.2 ? first : pick(['staff-a', 'staff-b', 'staff-c'].filter((x) => x !== first));
          const r = await submit({ type: 'withdrawal.review', withdrawalId: id, staffId: second, decision: 'approve' } as Submission);
          if (second === first && r !== null && r.ok) fail('the same staff member approved twice');
        } else if (w < 0.6) await submit({ type: 'withdrawal.authorize', withdrawalId: id });
        else if (w < 0.85) {
          // Custody must hold the coins to pay out: keep the hot wallet funded from deposit wallets.
          await submit({ type: 'ledger.post', ref: `sweep-${step}`, memo: 'sweep', transfers: [
              { debit: 'system:BTC:hot_wallet', credit: 'system:BTC:deposit_wallets', amount: 100_000n },
              { debit: 'system:ETH:hot_wallet', credit: 'system:ETH:deposit_wallets', amount: 10n ** 17n },
            ],
          });
          await submit({ type: 'withdrawal.settle', withdrawalId: id, txRef: `tx-${id}` });
        } else await submit({ type: 'withdrawal.cancel', withdrawalId: id, reason: 'review' });
      }
    } else if (actor < 0.9) {
      // Kill switch flips.
      await submit({ type: 'withdrawals.pause', asset: pick(['AED', 'BTC', 'ETH', null] as const), paused: rand() < 0.5, reason: 'sim' });
    } else {
      // Attacker: other people's orders, overspending, malformed values. All must be rejected and change nothing.
      const before = core.ledger.balances.join(',');
      const victim = [...core.orders.values()][0];
      const hostile: Submission[] = [
        { type: 'order.cancel', userId: int(1, users), orderId: victim?.id ?? 1 },
        { type: 'order.place', userId: int(1, users), market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: 350_000, qtyLots: 9_000_000_000 },
        { type: 'deposit', userId: 999_999, asset: 'BTC', amount: 1n, source: 'chain', ref: `x-${step}` },
        { type: 'order.place', userId: 1, market: 'BTC/AED', side: 'buy', kind: 'limit', priceTicks: -5, qtyLots: 1 },
        { type: 'ledger.post', ref: `steal-${step}`, memo: '', transfers: [{ debit: 'user:1:BTC:available', credit: 'user:2:BTC:available', amount: 10n ** 30n }] },
      ];
      const h = pick(hostile);
      const r = await submit(h);
      const ownOrder = h.type === 'order.cancel' && victim !== undefined && victim.userId === h.userId;
      if (r !== null && r.ok && !ownOrder) fail(`hostile command accepted: ${h.type}`);
      if (r !== null && !r.ok && engine.core.ledger.balances.join(',') !== before) fail('a rejected command changed balances');
    }
    checkAfterStep();
  }
  await checkDurability();

  // Exactly-once deposits and at-most-once payouts, counted over the whole journal.
  const credited = new Map<string, number>();
  const settled = new Map<string, number>();
  const replay = new ExchangeCore(defaultCoreConfig);
  await readChain(backend, 1, GENESIS_HASH, (_seq, payload) => {
    for (const e of replay.apply(decodeCommand(payload)).events) {
      if (e.type === 'deposit.credited') credited.set(e.ref, (credited.get(e.ref) ?? 0) + 1);
      if (e.type === 'withdrawal.settled') settled.set(e.withdrawalId, (settled.get(e.withdrawalId) ?? 0) + 1);
    }
  });
  for (const [ref, n] of credited) if (n !== 1) fail(`deposit ${ref} credited ${n} times`);
  for (const [id, n] of settled) if (n !== 1) fail(`withdrawal ${id} paid ${n} times`);
  report.depositsCredited = credited.size;
  report.withdrawalsSettled = settled.size;
  report.stateHash = stateHash(engine.core);
  assert(report.stateHash === stateHash(replay), 'final replay differs');
  await engine.close();
  return report;
}
