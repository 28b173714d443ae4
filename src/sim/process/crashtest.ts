import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/config.ts';
import { stateHash } from '../../core/stateHash.ts';
import { Engine } from '../../engine/engine.ts';
import { openRuntimeStore } from '../../cli/runtime.ts';
import { verifyJournal } from '../../cli/verify.ts';
import { parseDecimal } from '../../shared/decimal.ts';
import { type Creds, freePort, killHard, makeUser, rng, type Server, signed, sleep, startServer, stopClean } from './server.ts';

/**
 * Crash test of the real process (issue 12): Rampart runs as a child process on a fresh
 * data dir; several clients place and cancel signed orders over /api/v3; the process is
 * kill -9'd at seeded random moments and restarted. After every kill:
 *  - the recovered state (snapshot + journal tail, as a restart does) hashes equal to a
 *    full replay from genesis (`rampart verify`), with all invariants checked;
 * after every restart:
 *  - every order a client saw acknowledged is resting again (GET /order → NEW), unless a
 *    cancel of it was in flight at the kill; every acknowledged cancel stuck (the order
 *    is not in /openOrders). Closed orders are not re-indexed after a restart by design
 *    (src/api/feed.ts), so a cancel's survival is checked through the open set and locks;
 *  - per user, AED locked equals exactly the sum of the open orders' value, and AED
 *    free + locked equals what was deposited (orders rest below any seller, so nothing
 *    trades and no fee moves value: conservation is exact).
 * Any violation → exit 1 with the seed.
 */
export interface CrashOptions {
  seed: number;
  kills: number;
  clients: number;
  /** Load between restart and kill, uniform in [minLoadMs, maxLoadMs]. */
  minLoadMs: number;
  maxLoadMs: number;
  log: (line: string) => void;
}

export interface CrashReport {
  seed: number;
  kills: number;
  restarts: number;
  ordersAcked: number;
  cancelsAcked: number;
  ackedChecks: number;
  hashChecks: number;
  commandsReplayed: number;
  recoveryMs: { min: number; median: number; max: number };
  violations: string[];
}

const SYMBOL = 'BTCAED';
const DEPOSIT_AED = '100000.00';

interface Acked {
  orderId: number;
  priceFils: bigint;
  cancelled: boolean;
  /** A cancel was sent but not acknowledged (the kill came first): either outcome is fine. */
  cancelPending: boolean;
}

interface OrderRow {
  orderId: number;
  price: string;
  origQty: string;
  status: string;
}

export async function crashTest(opts: CrashOptions): Promise<CrashReport> {
  const rand = rng(opts.seed);
  const dir = mkdtempSync(join(tmpdir(), 'rampart-crash-'));
  const violations: string[] = [];
  const recoveries: number[] = [];
  const acked = new Map<string, Map<number, Acked>>();
  let ordersAcked = 0;
  let cancelsAcked = 0;
  let ackedChecks = 0;
  let hashChecks = 0;
  let commandsReplayed = 0;
  let restarts = 0;
  let kills = 0;
  const port = await freePort();
  let server: Server = await startServer(dir, port);
  try {
    const users: Creds[] = [];
    for (let i = 0; i < opts.clients; i++) {
      const u = await makeUser(dir, `crash${i}@example.com`, DEPOSIT_AED);
      users.push(u);
      acked.set(u.email, new Map());
    }
    for (let round = 0; round < opts.kills; round++) {
      const loadMs = opts.minLoadMs + Math.floor(rand() * (opts.maxLoadMs - opts.minLoadMs));
      const stopAt = Date.now() + loadMs;
      // Clients hammer until the kill lands; requests in flight at the kill are simply unacknowledged.
      const killer = sleep(loadMs).then(() => killHard(server));
      const clientSeeds = users.map(() => Math.floor(rand() * 2 ** 31));
      await Promise.all([killer, ...users.map((u, i) => clientLoop(server.base, u, acked.get(u.email)!, rng(clientSeeds[i]!), stopAt + 2_000, (o, c) => {
        ordersAcked += o;
        cancelsAcked += c;
      }))]);
      kills++;
      // Recovered state == replayed state, on a copy (the journal is what the restart will read).
      const h = await compareHashes(dir);
      hashChecks++;
      commandsReplayed = h.commands;
      if (h.recovered !== h.replayed) violations.push(`round ${round}: recovered state hash ${h.recovered} != replay ${h.replayed}`);
      server = await startServer(dir, port);
      restarts++;
      recoveries.push(server.startMs);
      for (const u of users) {
        const mine = acked.get(u.email)!;
        const openR = await signed(server.base, u, 'GET', '/openOrders', { symbol: SYMBOL });
        if (openR.status !== 200) {
          violations.push(`round ${round}: openOrders for ${u.email} failed (${openR.status})`);
          continue;
        }
        const open = new Map((openR.body as OrderRow[]).map((o) => [o.orderId, o]));
        for (const a of mine.values()) {
          ackedChecks++;
          const present = open.has(a.orderId);
          if (a.cancelled) {
            if (present) violations.push(`round ${round}: acknowledged cancel of order ${a.orderId} (${u.email}) lost: it rests again`);
          } else if (!present) {
            if (a.cancelPending) a.cancelled = true;
            else violations.push(`round ${round}: acknowledged order ${a.orderId} of ${u.email} missing after restart`);
          } else {
            const r = await signed(server.base, u, 'GET', '/order', { symbol: SYMBOL, orderId: String(a.orderId) });
            if (r.status !== 200 || (r.body as OrderRow).status !== 'NEW') violations.push(`round ${round}: order ${a.orderId} query after restart: ${r.status} ${JSON.stringify(r.body)}`);
          }
          a.cancelPending = false;
        }
        // Orders journaled but not acknowledged (in flight at the kill) exist now: adopt them.
        for (const o of open.values()) if (!mine.has(o.orderId)) mine.set(o.orderId, { orderId: o.orderId, priceFils: parseDecimal(o.price, 2), cancelled: false, cancelPending: false });
        let lockedExpected = 0n;
        for (const o of open.values()) lockedExpected += (parseDecimal(o.price, 2) * parseDecimal(o.origQty, 5)) / 100_000n;
        const acct = await signed(server.base, u, 'GET', '/account', {});
        const bal = (acct.body as { balances?: Array<{ asset: string; free: string; locked: string }> }).balances ?? [];
        const aed = bal.find((b) => b.asset === 'AED');
        const locked = aed === undefined ? -1n : parseDecimal(aed.locked, 2);
        const total = aed === undefined ? -1n : parseDecimal(aed.free, 2) + locked;
        if (total !== parseDecimal(DEPOSIT_AED, 2)) violations.push(`round ${round}: ${u.email} AED total ${total} fils != deposited ${parseDecimal(DEPOSIT_AED, 2)}`);
        if (locked !== lockedExpected) violations.push(`round ${round}: ${u.email} AED locked ${locked} fils != open orders' value ${lockedExpected}`);
      }
      opts.log(`kill ${kills}/${opts.kills}: load ${loadMs} ms, acked orders ${ordersAcked}, cancels ${cancelsAcked}, journal ${h.commands} commands, recovery ${Math.round(server.startMs)} ms${violations.length > 0 ? `, VIOLATIONS ${violations.length}` : ''}`);
      if (violations.length > 0) break;
    }
    // Clean stop, then the final journal must replay to the same hash as its recovery.
    await stopClean(server);
    const h = await compareHashes(dir);
    hashChecks++;
    commandsReplayed = h.commands;
    if (h.recovered !== h.replayed) violations.push(`after clean stop: recovered ${h.recovered} != replay ${h.replayed}`);
  } finally {
    await killHard(server);
    rmSync(dir, { recursive: true, force: true });
  }
  const sorted = [...recoveries].sort((a, b) => a - b);
  return {
    seed: opts.seed,
    kills,
    restarts,
    ordersAcked,
    cancelsAcked,
    ackedChecks,
    hashChecks,
    commandsReplayed,
    recoveryMs: { min: Math.round(sorted[0] ?? 0), median: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0), max: Math.round(sorted.at(-1) ?? 0) },
    violations,
  };
}

/** One client: place LIMIT_MAKER buys far below the market, cancel some; record only what was acknowledged. */
async function clientLoop(base: string, u: Creds, acked: Map<number, Acked>, rand: () => number, deadline: number, count: (orders: number, cancels: number) => void): Promise<void> {
  let seq = 0;
  while (Date.now() < deadline) {
    const open = [...acked.values()].filter((a) => !a.cancelled);
    try {
      if (open.length > 0 && rand() < 0.3) {
        const a = open[Math.floor(rand() * open.length)]!;
        a.cancelPending = true;
        const r = await signed(base, u, 'DELETE', '/order', { symbol: SYMBOL, orderId: String(a.orderId) }, 2_000);
        if (r.status === 200) {
          a.cancelled = true;
          a.cancelPending = false;
          count(0, 1);
        }
      } else {
        const price = 1000 + Math.floor(rand() * 1000);
        const r = await signed(base, u, 'POST', '/order', { symbol: SYMBOL, side: 'BUY', type: 'LIMIT_MAKER', price: String(price), quantity: '0.01', newClientOrderId: `c${u.userId}-${Date.now()}-${seq++}`, newOrderRespType: 'ACK' }, 2_000);
        if (r.status === 200) {
          const id = (r.body as { orderId: number }).orderId;
          acked.set(id, { orderId: id, priceFils: BigInt(price) * 100n, cancelled: false, cancelPending: false });
          count(1, 0);
        }
      }
    } catch {
      // connection refused/reset: the process is down; stop this round.
      return;
    }
  }
}

async function compareHashes(dataDir: string): Promise<{ recovered: string; replayed: string; commands: number }> {
  const copy = mkdtempSync(join(tmpdir(), 'rampart-crash-copy-'));
  try {
    cpSync(dataDir, copy, { recursive: true, filter: (src) => !src.endsWith('admin.sock') });
    const config = loadConfig({ dataDir: copy }, { DATABASE_URL: '' });
    const ro = await openRuntimeStore(config, { readonly: true });
    let replay: Awaited<ReturnType<typeof verifyJournal>>;
    try {
      replay = await verifyJournal(config.core, ro.journal, 1_000);
    } finally {
      await ro.close().catch(() => undefined);
    }
    const store = await openRuntimeStore(config);
    try {
      const engine = await Engine.open({ config: config.core, backend: store.journal, clock: Date.now, snapshotEveryCommands: config.snapshotEveryCommands });
      const recovered = stateHash(engine.core);
      await engine.close();
      return { recovered, replayed: replay.state_hash, commands: replay.commands };
    } finally {
      await store.close().catch(() => undefined);
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

export function formatCrashReport(r: CrashReport): string[] {
  return [
    `crashtest seed ${r.seed}: ${r.kills} kill -9, ${r.restarts} restarts`,
    `  acknowledged: ${r.ordersAcked} orders, ${r.cancelsAcked} cancels; ${r.ackedChecks} acknowledged-order checks after restarts`,
    `  state hash: ${r.hashChecks} recovered-vs-replay comparisons (journal ${r.commandsReplayed} commands at the end)`,
    `  recovery (spawn → ready): min ${r.recoveryMs.min} ms, median ${r.recoveryMs.median} ms, max ${r.recoveryMs.max} ms`,
    r.violations.length === 0 ? '  invariants: all held' : `  VIOLATIONS (${r.violations.length}), reproduce with --seed ${r.seed}:\n${r.violations.map((v) => `    ${v}`).join('\n')}`,
  ];
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { seed: { type: 'string' }, kills: { type: 'string' }, clients: { type: 'string' }, 'min-load-ms': { type: 'string' }, 'max-load-ms': { type: 'string' } } });
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  const report = await crashTest({
    seed,
    kills: Number(values.kills ?? 20),
    clients: Number(values.clients ?? 4),
    minLoadMs: Number(values['min-load-ms'] ?? 300),
    maxLoadMs: Number(values['max-load-ms'] ?? 2_500),
    log: (l) => process.stdout.write(`${l}\n`),
  });
  for (const l of formatCrashReport(report)) process.stdout.write(`${l}\n`);
  return report.violations.length === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`crashtest failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(2);
    },
  );
}
