import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCoreConfig } from '../core/config.ts';
import { Engine, type Submission } from '../engine/engine.ts';
import { FileJournal } from '../journal/fileJournal.ts';
import { Blocklist } from '../screening/index.ts';
import type { StaffActor } from '../identity/index.ts';
import { DAY_MS } from '../core/risk/policy.ts';
import { PRICES, request } from '../core/risk/testing.ts';
import { FourEyesDesk } from './desk.ts';
import { IncidentBook } from './incidents.ts';
import { IncidentLog } from './log.ts';
import { AddressSet, IntentRegistry } from './outflowMatcher.ts';
import { BreachResponder, type ResponderPolicy } from './responder.ts';
import type { SignerControl } from './types.ts';

/** Test helpers: a real Engine on a FileJournal in a temp dir, funded customers, a fake signer. */

export const T0 = 1_764_000_000_000;

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
/** A bech32-shaped regtest address (shape only; the matcher and blocklist check shape, not checksum). */
export function btcAddr(n: number, tag = 'q'): string {
  let s = '';
  let x = n * 7919 + tag.charCodeAt(0);
  for (let i = 0; i < 38; i++) {
    s += BECH32[x % 32];
    x = Math.floor(x / 3) + i * 13 + n;
  }
  return `bcrt1${tag}${s}`;
}
export function ethAddr(n: number, tag = 1): string {
  return `0x${tag.toString(16).padStart(8, '0')}${n.toString(16).padStart(32, '0')}`;
}
export function txid(n: number, chain: 'BTC' | 'ETH' = 'BTC'): string {
  const h = n.toString(16).padStart(64, '0');
  return chain === 'ETH' ? `0x${h}` : h;
}

export class FakeSigner implements SignerControl {
  halted = false;
  halts: string[] = [];
  resumes: string[][] = [];
  halt(reason: string): void {
    this.halted = true;
    this.halts.push(reason);
  }
  resume(_id: string, by: readonly string[]): void {
    this.halted = false;
    this.resumes.push([...by]);
  }
  isHalted(): boolean {
    return this.halted;
  }
}

export const STAFF: Record<string, StaffActor> = {
  sec1: { id: 'sec-alia', role: 'security' },
  sec2: { id: 'sec-omar', role: 'security' },
  comp: { id: 'comp-noor', role: 'compliance' },
  treas: { id: 'treas-sami', role: 'treasury' },
  treas2: { id: 'treas-huda', role: 'treasury' },
  admin: { id: 'admin-rami', role: 'admin' },
};

export interface Harness {
  dir: string;
  engine: Engine;
  clock: { now: number; fn: () => number };
  log: IncidentLog;
  book: IncidentBook;
  desk: FourEyesDesk;
  registry: IntentRegistry;
  own: AddressSet;
  signer: FakeSigner;
  blocklist: Blocklist;
  responder: BreachResponder;
  run(s: Submission): Promise<void>;
  close(): Promise<void>;
}

/**
 * Customers 1..users each hold BTC, ETH and AED; the hot wallets hold what was swept
 * from deposit addresses; hot addresses btcAddr(0,'h') and ethAddr(0, 0xh07).
 */
export async function harness(opts: { users?: number; realClock?: boolean; policy?: ResponderPolicy } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-incident-'));
  const clock = { now: T0, fn: () => (opts.realClock === true ? Date.now() : clock.now) };
  const engine = await Engine.open({ config: defaultCoreConfig, backend: new FileJournal(join(dir, 'journal')), clock: clock.fn });
  const run = async (s: Submission) => {
    const r = await engine.submit(s);
    if (!r.ok) throw new Error(`${s.type} refused: ${r.error?.code} ${r.error?.message}`);
  };
  const users = opts.users ?? 3;
  for (let u = 1; u <= users; u++) {
    await run({ type: 'user.open', userId: u });
    await run({ type: 'deposit', userId: u, asset: 'AED', amount: 1_000_000n * BigInt(u), source: 'bank', ref: `bank-${u}` });
    await run({ type: 'deposit', userId: u, asset: 'BTC', amount: 10_000_000n * BigInt(u) + 7n, source: 'chain', ref: `btc-${u}` });
    await run({ type: 'deposit', userId: u, asset: 'ETH', amount: 10n ** 18n * BigInt(u) + 3n, source: 'chain', ref: `eth-${u}` });
  }
  // Sweep deposit addresses into the hot wallets (ledger side of custody's sweep).
  for (const asset of ['BTC', 'ETH'] as const) {
    const held = -engine.core.ledger.balances[engine.core.accountByKey(`system:${asset}:deposit_wallets`)]!;
    await run({ type: 'ledger.post', ref: `sweep-${asset}`, memo: 'sweep', transfers: [{ debit: `system:${asset}:hot_wallet`, credit: `system:${asset}:deposit_wallets`, amount: held }] });
  }
  const log = IncidentLog.openFile(join(dir, 'incident-log.jsonl'));
  const book = new IncidentBook(log);
  const desk = new FourEyesDesk(log);
  const registry = new IntentRegistry();
  const own = new AddressSet();
  own.add('BTC', btcAddr(0, 'h'));
  own.add('ETH', ethAddr(0, 0x407));
  const signer = new FakeSigner();
  const blocklist = new Blocklist();
  const responder = new BreachResponder({ engine, registry, own, book, log, signer, blocklist, clock: clock.fn, ...(opts.policy ? { policy: opts.policy } : {}) });
  return {
    dir,
    engine,
    clock,
    log,
    book,
    desk,
    registry,
    own,
    signer,
    blocklist,
    responder,
    run,
    close: async () => {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Customers 1..3 each queue one BTC withdrawal (tier 2, saved address past cooling-off): w-1 (user 3), w-2 (user 1), w-3 (user 2). */
export async function queueWithdrawals(h: Harness): Promise<void> {
  for (const userId of [1, 2, 3]) {
    await h.run({ type: 'user.tier', userId, tier: 2 });
    await h.run({ type: 'addressBook.add', userId, asset: 'BTC', destination: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', label: 'ledger' });
  }
  h.clock.now += DAY_MS + 1;
  await h.run({ type: 'prices.set', pricesFils: PRICES });
  for (const [i, userId] of [3, 1, 2].entries()) {
    h.clock.now += 10;
    const { ts: _ts, ...cmd } = request(h.clock.now, `w-${i + 1}`, userId, 'BTC', 100_000n * BigInt(i + 1));
    await h.run(cmd);
  }
}
