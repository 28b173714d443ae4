import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCoreConfig } from '../core/config.ts';
import { DAY_MS } from '../core/risk/policy.ts';
import { Engine, type Submission } from '../engine/engine.ts';
import { payloadHashOf, type StaffActor, type StaffRole } from '../identity/index.ts';
import {
  AddressSet,
  applyHaircut,
  BreachResponder,
  BtcMempoolSpendScanner,
  buildReport,
  type Chain,
  coverFromTreasury,
  type CoverInput,
  coverPayload,
  customerBalancesSnapshot,
  customerNotices,
  type DetectionTiming,
  drillFigures,
  type DrillFigures,
  EmailOutboxChannel,
  EthPendingScanner,
  executeRotation,
  FourEyesDesk,
  haircutPayload,
  haltTrading,
  IncidentBook,
  IncidentLog,
  IntentRegistry,
  ledgerReserveRatio,
  lossLine,
  outstandingLoss,
  PHASE_CHECKLISTS,
  PHASES,
  planHaircut,
  recordLoss,
  recordPriceSnapshot,
  renderStatusPage,
  Restoration,
  type RotationPlan,
  rotationPayload,
  type SignerControl,
  statusPageModel,
  withdrawalFates,
  writeNotices,
  writeReport,
} from '../incident/index.ts';
import { FileJournal } from '../journal/fileJournal.ts';
import { Blocklist } from '../screening/index.ts';
import { formatDecimal } from '../shared/decimal.ts';
import { BtcSide, EthSide, ethIntent, newMnemonic } from './chains.ts';
import { DrillCustody } from './custody.ts';
import { DrillError } from './errors.ts';

/**
 * `rampart drill`: the M2 breach (31 Oct 2024, hot wallets drained) replayed end to end
 * on real devnets (in-process BTC regtest, a hardhat child process) against the real
 * engine and journal: customers hold and trade, withdrawals are queued, an attacker with
 * the leaked hot seed signs and broadcasts drains on both chains, and Rampart's scanners
 * and BreachResponder detect and freeze, then staff (scripted, four-eyes) rotate keys,
 * book the loss, cover it from treasury (or partly, with a haircut into recovery claims),
 * restore in phases, and the report, status page and customer notices are written.
 *
 * Time: detection and freeze are measured on the wall clock. Staff steps after that are
 * scripted with simulated pauses (minutes), so the report's timeline reads like a real
 * incident; the engine's clock is the wall clock plus that simulated offset (it only
 * grows, so journal time stays monotonic). Setup also jumps one day ahead (the address
 * book's cooling-off) before withdrawals are requested.
 */

export interface DrillOptions {
  /** Where journal, incident log, report, status page and notices go (fresh temp dir by default). Must be empty or absent. */
  readonly dataDir?: string;
  /** Treasury covers only half of each asset's loss (plus its remaining own funds); the rest is a haircut into recovery claims. */
  readonly haircut?: boolean;
  readonly log?: (line: string) => void;
}

export interface DrillTimelineLine {
  readonly at: string;
  /** Milliseconds since the attacker's broadcast (null for setup lines, before it). */
  readonly tMs: number | null;
  /** 'measured' (wall clock) or 'scripted' (a staff step at a simulated time). */
  readonly kind: 'measured' | 'scripted' | 'setup';
  readonly event: string;
}

export interface DrillResult extends DrillFigures {
  readonly variant: 'full_cover' | 'haircut';
  readonly incident_id: string;
  readonly data_dir: string;
  readonly report_html_path: string;
  readonly status_page_path: string;
  readonly notices_written: number;
  /** Per chain: wall-clock ms from the attacker's broadcast to detection and to the durable pause (the pause covers all assets, so the second chain may already be frozen when it is detected). */
  readonly detection: Record<string, { detected_ms: number; frozen_ms: number; txid: string }>;
  /** The loss booked equals what left the compromised address on chain (to the unit). */
  readonly loss_matches_chain: Record<string, boolean>;
  readonly hot_balance_at_attack: Record<string, string>;
  readonly rescued_by_rotation: Record<string, string>;
  readonly cover: Record<string, string>;
  readonly haircut: { readonly byAsset: Record<string, string>; readonly customers: ReadonlyArray<{ userId: number; asset: string; haircutMinor: string }> };
  /** Reserve ratio counting recovery claims as owed (below 1 after a haircut until claims are repaid). */
  readonly reserve_ratio_with_claims: Record<string, string>;
  /** Reserve ratio with the chain's balances of Rampart's addresses as reserves (the chain is the truth about coins). */
  readonly reserve_ratio_after_chain: Record<string, string>;
  /** Ledger custody accounts equal the chain balances of Rampart's addresses (old hot, new hot, cold). */
  readonly chain_matches_ledger: Record<string, boolean>;
  readonly false_positives: number;
  /** Queued withdrawals paid on chain after review (and settled in the core). */
  readonly withdrawals_paid: ReadonlyArray<{ withdrawalId: string; chain: string; txid: string }>;
  readonly withdrawal_fates: Record<string, string>;
  readonly alerts_sent: number;
  readonly attacker: { readonly addresses: readonly string[]; readonly txids: readonly string[] };
  readonly invariants_ok: boolean;
  readonly failures: readonly string[];
  readonly wall_ms: number;
  readonly timeline: readonly DrillTimelineLine[];
}

const INCIDENT_ID = 'INC-0001';
const USERS = 4;
/** Share of customer crypto kept hot (the rest is cold), in percent. */
const HOT_PERCENT = 30n;
/** Operator's own funds kept in the hot wallet (fee buffer), per asset. */
const OWN_FUNDS: Record<Chain, bigint> = { BTC: 200_000n, ETH: 50_000_000_000_000_000n };
/** 350,000.00 AED per BTC, 12,000.00 AED per ETH (fils per whole unit). */
const PRICES_FILS: Record<Chain, bigint> = { BTC: 35_000_000n, ETH: 1_200_000n };
/** AED is pegged at 3.6725 per USD: cents = fils × 10000 / 36725 (rounded down). */
const usdCents = (fils: bigint): bigint => (fils * 10_000n) / 36_725n;
const BTC_ATTACK_FEE_SAT = 2_345n;
const DETECT_WAIT_MS = 15_000;
const SCAN_INTERVAL_MS = 20;
/** The exchange's withdrawal fee (paid by the customer into fee_revenue, which pays the network fee). */
const WITHDRAWAL_FEE: Record<Chain, bigint> = { BTC: 5_000n, ETH: 500_000_000_000_000n };
const BTC_PAYOUT_FEE_SAT = 1_500n;

const STAFF = {
  sec1: { id: 'sec-alia', role: 'security' },
  sec2: { id: 'sec-omar', role: 'security' },
  comp: { id: 'comp-noor', role: 'compliance' },
  treas: { id: 'treas-sami', role: 'treasury' },
  admin: { id: 'admin-rami', role: 'admin' },
} as const satisfies Record<string, StaffActor>;

/** The hot signer as the drill sees it: halted by the responder, resumed by the restore phase. */
class DrillSigner implements SignerControl {
  halted = false;
  halt(): void {
    this.halted = true;
  }
  resume(): void {
    this.halted = false;
  }
  isHalted(): boolean {
    return this.halted;
  }
}

function freshDataDir(dir: string | undefined): string {
  if (dir === undefined) return mkdtempSync(join(tmpdir(), 'rampart-drill-'));
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new DrillError('DATA_DIR_NOT_EMPTY', 'the drill needs an empty or new data directory', { dir });
  mkdirSync(dir, { recursive: true });
  return dir;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runDrill(options: DrillOptions = {}): Promise<DrillResult> {
  const started = performance.now();
  const say = options.log ?? (() => undefined);
  const dataDir = freshDataDir(options.dataDir);
  const variant = options.haircut === true ? 'haircut' : 'full_cover';
  let skewMs = 0;
  const clock = () => Date.now() + skewMs;
  const timeline: DrillTimelineLine[] = [];
  let broadcastAtMs: number | null = null;
  const mark = (kind: DrillTimelineLine['kind'], event: string, atMs = clock()) => {
    const line: DrillTimelineLine = { at: new Date(atMs).toISOString(), tMs: broadcastAtMs === null ? null : atMs - broadcastAtMs, kind, event };
    timeline.push(line);
    const rel = line.tMs === null ? '        ' : `${line.tMs >= 0 ? '+' : ''}${(line.tMs / 1000).toFixed(3)}s`.padStart(8);
    say(`${line.at} ${rel} [${kind}] ${event}`);
  };
  /** A scripted staff pause: the simulated clock moves on. */
  const staffPause = (minutes: number) => {
    skewMs += minutes * 60_000;
  };

  let btc: BtcSide | null = null;
  let eth: EthSide | null = null;
  let engine: Engine | null = null;
  let stopWatch = false;
  let watchLoop: Promise<void> | null = null;
  try {
    [btc, eth] = await Promise.all([BtcSide.start(), EthSide.start()]);
    const B = btc;
    const E = eth;
    mark('setup', `devnets up: BTC regtest ${B.devnet.url}, hardhat ${E.node.rpcUrl} (started in ${E.node.startMs} ms)`);
    engine = await Engine.open({ config: defaultCoreConfig, backend: new FileJournal(join(dataDir, 'journal')), clock });
    const eng = engine;
    const core = eng.core;
    const run = async (s: Submission) => {
      const r = await eng.submit(s);
      if (!r.ok) throw new DrillError('SETUP_REFUSED', `${s.type} refused: ${r.error?.code} ${r.error?.message}`, { type: s.type });
      return r;
    };

    // ---- 1. Customers, custody, trading, queued withdrawals -------------------------
    for (let u = 1; u <= USERS; u++) {
      const k = BigInt(u);
      await run({ type: 'user.open', userId: u });
      await run({ type: 'deposit', userId: u, asset: 'AED', amount: 10_000_000n * k, source: 'bank', ref: `bank-${u}` });
      await run({ type: 'deposit', userId: u, asset: 'BTC', amount: 10_000_000n * k + k, source: 'chain', ref: `btc-dep-${u}` });
      await run({ type: 'deposit', userId: u, asset: 'ETH', amount: 2n * 10n ** 18n * k + k, source: 'chain', ref: `eth-dep-${u}` });
    }
    const leaked = newMnemonic();
    const hot = { BTC: B.newWallet(leaked).address, ETH: E.newWallet(leaked).address };
    const coldMnemonic = newMnemonic();
    const cold = { BTC: B.newWallet(coldMnemonic).address, ETH: E.newWallet(coldMnemonic).address };
    const own = new AddressSet();
    for (const c of ['BTC', 'ETH'] as const) {
      own.add(c, hot[c]);
      own.add(c, cold[c]);
    }
    const hotFunded: Record<Chain, bigint> = { BTC: 0n, ETH: 0n };
    for (const asset of ['BTC', 'ETH'] as const) {
      const held = -core.ledger.balances[core.accountByKey(`system:${asset}:deposit_wallets`)]!;
      const hotPart = (held * HOT_PERCENT) / 100n;
      hotFunded[asset] = hotPart + OWN_FUNDS[asset];
      await run({
        type: 'ledger.post',
        ref: `drill:custody:${asset}`,
        memo: 'deposits swept to hot and cold; operator fee buffer in hot',
        transfers: [
          { debit: `system:${asset}:hot_wallet`, credit: `system:${asset}:deposit_wallets`, amount: hotPart },
          { debit: `system:${asset}:cold_wallet`, credit: `system:${asset}:deposit_wallets`, amount: held - hotPart },
          { debit: `system:${asset}:hot_wallet`, credit: `system:${asset}:treasury`, amount: OWN_FUNDS[asset] },
        ],
      });
      if (asset === 'BTC') {
        // Three coins, so the attacker's first tx leaves one behind for the rotation to rescue.
        const a = (hotFunded.BTC * 50n) / 100n;
        const b = (hotFunded.BTC * 30n) / 100n;
        for (const v of [a, b, hotFunded.BTC - a - b]) await B.fund(hot.BTC, v, true);
        await B.fund(cold.BTC, held - hotPart, true);
      } else {
        await E.fund(hot.ETH, hotFunded.ETH);
        await E.fund(cold.ETH, held - hotPart);
      }
    }
    await Promise.all([B.mine(), E.mine()]);
    mark('setup', `hot wallets funded on chain and in the ledger: ${formatDecimal(hotFunded.BTC, 8)} BTC at ${hot.BTC}, ${formatDecimal(hotFunded.ETH, 18)} ETH at ${hot.ETH}`);

    await run({ type: 'prices.set', pricesFils: PRICES_FILS });
    // A little trading: user 1 sells BTC to user 2, user 3 sells ETH to user 4.
    await run({ type: 'order.place', userId: 1, market: 'BTC/AED', side: 'sell', kind: 'limit', tif: 'GTC', priceTicks: 350_000, qtyLots: 1_000 });
    await run({ type: 'order.place', userId: 2, market: 'BTC/AED', side: 'buy', kind: 'limit', tif: 'IOC', priceTicks: 350_000, qtyLots: 600 });
    await run({ type: 'order.place', userId: 3, market: 'ETH/AED', side: 'sell', kind: 'limit', tif: 'GTC', priceTicks: 120_000, qtyLots: 5_000 });
    await run({ type: 'order.place', userId: 4, market: 'ETH/AED', side: 'buy', kind: 'limit', tif: 'IOC', priceTicks: 120_000, qtyLots: 2_500 });
    await run({ type: 'order.place', userId: 2, market: 'BTC/AED', side: 'buy', kind: 'limit', tif: 'GTC', priceTicks: 340_000, qtyLots: 300 });
    mark('setup', `customers 1..${USERS} hold AED, BTC, ETH; trades done; resting orders on both books`);

    // Each customer's own wallet on the devnets (the withdrawals are really paid there after the incident).
    const customerWallets = newMnemonic();
    const dest = (u: number, asset: Chain) => (asset === 'BTC' ? B.addressOf(customerWallets, u) : E.addressOf(customerWallets, u));
    for (let u = 1; u <= USERS; u++) {
      await run({ type: 'user.tier', userId: u, tier: 2 });
      await run({ type: 'addressBook.add', userId: u, asset: 'BTC', destination: dest(u, 'BTC'), label: 'own wallet' });
      await run({ type: 'addressBook.add', userId: u, asset: 'ETH', destination: dest(u, 'ETH'), label: 'own wallet' });
    }
    skewMs += DAY_MS + 1; // the address book's cooling-off
    await run({ type: 'prices.set', pricesFils: PRICES_FILS });
    const queued: string[] = [];
    const wanted: Array<[number, 'BTC' | 'ETH', bigint]> = [
      [3, 'BTC', 100_000n],
      [1, 'ETH', 100_000_000_000_000_000n],
      [2, 'BTC', 250_000n],
      [4, 'ETH', 50_000_000_000_000_000n],
    ];
    for (const [i, [userId, asset, amount]] of wanted.entries()) {
      const ts = clock();
      const id = `w-${i + 1}`;
      await run({
        type: 'withdrawal.request',
        withdrawalId: id,
        userId,
        asset,
        amount,
        fee: WITHDRAWAL_FEE[asset],
        destination: dest(userId, asset),
        confirmationId: `drill-conf-${i + 1}`,
        confirmedTotp: true,
        emailConfirmed: true,
        confirmedTs: ts,
        via: 'session',
      });
      queued.push(id);
    }
    mark('setup', `${queued.length} withdrawals queued (${queued.map((id) => `${id}:${core.withdrawals.get(id)?.state}`).join(', ')})`);

    // ---- Rampart's watch: mempool scanners → BreachResponder --------------------------
    const log = IncidentLog.openFile(join(dataDir, 'incident-log.jsonl'));
    const book = new IncidentBook(log);
    const desk = new FourEyesDesk(log);
    const registry = new IntentRegistry();
    const signer = new DrillSigner();
    const blocklist = new Blocklist();
    const alerts = new EmailOutboxChannel({ dir: join(dataDir, 'alerts'), to: ['security@rampart.example'], from: 'rampart@rampart.example' });
    const responder = new BreachResponder({ engine: eng, registry, own, book, log, signer, blocklist, clock, channels: [alerts] });
    const btcScanner = new BtcMempoolSpendScanner(B.rpc, B.coins, clock);
    const ethScanner = new EthPendingScanner(E.client, [hot.ETH, cold.ETH], clock);
    const ethWatched = new Set([hot.ETH, cold.ETH]);
    let watchError: unknown = null;
    const scanOnce = async () => {
      const [b, e] = await Promise.all([btcScanner.scan(), ethScanner.scan()]);
      for (const o of [...b, ...e]) await responder.observe(o);
    };
    watchLoop = (async () => {
      while (!stopWatch) {
        try {
          await scanOnce();
        } catch (e) {
          watchError = e;
          return;
        }
        await sleep(SCAN_INTERVAL_MS);
      }
    })();

    const approved = (pid: string, action: string, payload: unknown, roles: readonly StaffRole[], proposer: StaffActor = STAFF.sec1, approver: StaffActor = STAFF.comp): string => {
      desk.propose({ id: pid, action, payload, proposer, allowedRoles: roles, nowMs: clock() });
      staffPause(1);
      desk.approve(pid, { approver, seenPayloadHash: payloadHashOf(payload), nowMs: clock() });
      return pid;
    };

    // ---- 2. The attack ----------------------------------------------------------------
    await sleep(100); // the watch is running and quiet
    const before = customerBalancesSnapshot(core);
    const attacker = { BTC: B.newWallet(newMnemonic()).address, ETH: E.newWallet(newMnemonic()).address };
    const hotAtAttack: Record<Chain, bigint> = { BTC: B.balance(hot.BTC), ETH: await E.balance(hot.ETH) };
    const ethChainBefore = hotAtAttack.ETH;
    // The attacker holds the leaked hot seed: the two biggest BTC coins, 80 % of the ETH.
    const bigCoins = B.utxos(hot.BTC)
      .sort((x, y) => (y.valueSat > x.valueSat ? 1 : y.valueSat < x.valueSat ? -1 : 0))
      .slice(0, 2);
    const btcTheft = B.signSweep(hot.BTC, bigCoins, attacker.BTC, BTC_ATTACK_FEE_SAT);
    const ethTheft = await E.sign(hot.ETH, attacker.ETH, (hotAtAttack.ETH * 80n) / 100n);
    broadcastAtMs = clock();
    await Promise.all([B.broadcast(btcTheft.hex), E.broadcast(ethTheft)]);
    mark('measured', `attacker broadcast BTC ${btcTheft.txid} and ETH ${ethTheft.hash}`, broadcastAtMs);

    const deadline = Date.now() + DETECT_WAIT_MS;
    const timingOf = (txid: string): DetectionTiming | undefined => responder.timings.find((t) => t.txid.toLowerCase() === txid.toLowerCase());
    while ((timingOf(btcTheft.txid) === undefined || timingOf(ethTheft.hash) === undefined) && Date.now() < deadline && watchError === null) await sleep(5);
    if (watchError !== null) throw watchError;
    const tBtc = timingOf(btcTheft.txid);
    const tEth = timingOf(ethTheft.hash);
    if (tBtc === undefined || tEth === undefined) throw new DrillError('NOT_DETECTED', 'the attack was not detected in time', { btc: tBtc !== undefined, eth: tEth !== undefined });
    const first = responder.timings[0]!;
    mark('measured', `incident ${first.incidentId} opened on the unmatched ${first.chain} outflow`, first.openedAtMs);
    mark('measured', 'signer halted', first.signerHaltedAtMs);
    mark('measured', 'withdrawals paused (durable in the journal)', first.frozenAtMs);
    const second = first === tBtc ? tEth : tBtc;
    mark('measured', `${second.chain} outflow detected, joined ${second.incidentId}`, second.detectedAtMs);
    const detection: DrillResult['detection'] = {};
    for (const t of [tBtc, tEth]) detection[t.chain] = { detected_ms: t.detectedAtMs - broadcastAtMs, frozen_ms: t.frozenAtMs - broadcastAtMs, txid: t.txid };
    const snapshotAt = first.detectedAtMs;
    recordPriceSnapshot(log, INCIDENT_ID, {
      atMs: snapshotAt,
      source: 'drill: exchange mark prices at detection; USD at the AED peg 3.6725',
      aedFilsPerUnit: { BTC: PRICES_FILS.BTC, ETH: PRICES_FILS.ETH },
      usdCentsPerUnit: { BTC: usdCents(PRICES_FILS.BTC), ETH: usdCents(PRICES_FILS.ETH) },
    });

    // ---- 3. Confirmations: block scans, exact loss --------------------------------------
    staffPause(10);
    const btcBlock = await B.mine();
    await E.mine();
    for (const o of await B.blockOutflows(btcBlock, clock())) await responder.observe(o);
    for (const o of await E.blockOutflows(ethWatched, clock())) await responder.observe(o);
    const lines = [...responder.unmatched.values()].filter((u) => u.outflow.where === 'block').map((u) => lossLine(u.outflow, own));
    const lossMinor: Record<Chain, bigint> = { BTC: 0n, ETH: 0n };
    for (const l of lines) lossMinor[l.asset as Chain] += l.lossMinor;
    const lossMatchesChain = {
      BTC: hotAtAttack.BTC - B.balance(hot.BTC) === lossMinor.BTC,
      ETH: ethChainBefore - (await E.balance(hot.ETH)) === lossMinor.ETH,
    };
    await recordLoss(eng, INCIDENT_ID, lines);
    mark('scripted', `loss booked: ${formatDecimal(lossMinor.BTC, 8)} BTC, ${formatDecimal(lossMinor.ETH, 18)} ETH (chain agrees: BTC ${lossMatchesChain.BTC}, ETH ${lossMatchesChain.ETH})`);
    await haltTrading(eng);
    mark('scripted', 'trading halted');

    // ---- Key rotation (four-eyes), racing the attacker for what is left ------------------
    const custody = new DrillCustody(B, E);
    const rescued: Record<string, string> = {};
    for (const chain of ['BTC', 'ETH'] as const) {
      staffPause(2);
      const plan: RotationPlan = { incidentId: INCIDENT_ID, chain, compromised: [hot[chain]], destination: 'new_hot', rederiveDeposits: false };
      const pid = approved(`rotate-${chain}`, 'incident.key_rotation', rotationPayload(plan), ['security', 'treasury'], STAFF.sec1, STAFF.treas);
      const r = await executeRotation(plan, { custody, registry, own, log, desk, proposalId: pid, actor: STAFF.sec1, clock });
      if (chain === 'ETH') {
        ethScanner.watch(r.newWallet.addresses[0]!);
        ethWatched.add(r.newWallet.addresses[0]!);
      }
      rescued[chain] = r.movedMinor.toString();
      mark('scripted', `${chain} key rotated: new hot ${r.newWallet.addresses[0]}, ${r.movedMinor} moved off the compromised address (tx ${r.moveTxid ?? 'none'})`);
    }
    await sleep(3 * SCAN_INTERVAL_MS); // the scanners see the rescue moves in the mempool (and match them)
    const blockR = await B.mine();
    await E.mine();
    for (const o of await B.blockOutflows(blockR, clock())) await responder.observe(o);
    for (const o of await E.blockOutflows(ethWatched, clock())) await responder.observe(o);
    // The rescue moves' network fees are the operator's cost: hot wallet → treasury.
    for (const m of custody.moves) {
      const fee = m.chain === 'BTC' ? m.feeMinor : (await E.client.getReceipt(m.txid as `0x${string}`))?.feePaidWei;
      if (fee === undefined) throw new DrillError('CHAIN_FAILED', 'rotation move not mined', { txid: m.txid });
      await run({ type: 'ledger.post', ref: `drill:rotation-fee:${m.chain}`, memo: `network fee of the ${m.chain} rotation move ${m.txid}`, transfers: [{ debit: `system:${m.chain}:treasury`, credit: `system:${m.chain}:hot_wallet`, amount: fee }] });
    }
    staffPause(5);
    book.transition(INCIDENT_ID, 'contained', { actor: STAFF.sec1, reason: 'signer halted, withdrawals paused, trading halted, hot keys rotated', nowMs: clock() });
    mark('scripted', 'incident contained');

    // ---- Make whole ---------------------------------------------------------------------
    const newHot = { BTC: custody.newHot.BTC!, ETH: custody.newHot.ETH! };
    const cover: Record<string, string> = {};
    staffPause(20);
    for (const asset of ['BTC', 'ETH'] as const) {
      const out = outstandingLoss(core, asset);
      const amount = variant === 'haircut' ? out / 2n : out;
      // The operator's outside capital arrives on chain in the new hot wallet, then is booked.
      if (asset === 'BTC') await B.fund(newHot.BTC, amount, true);
      else await E.fund(newHot.ETH, amount);
      const c: CoverInput = { incidentId: INCIDENT_ID, asset, amountMinor: amount, method: 'capital_injection', custodyAccount: 'hot_wallet', n: 1 };
      await coverFromTreasury(eng, c, { desk, proposalId: approved(`cover-${asset}`, 'incident.treasury_cover', coverPayload(c), ['treasury', 'compliance'], STAFF.treas, STAFF.comp), actor: STAFF.treas, nowMs: clock() });
      cover[asset] = amount.toString();
      if (variant === 'haircut') {
        // Own funds already in custody go before any customer's: write them off against the loss.
        const own = core.ledger.balances[core.accountByKey(`system:${asset}:treasury`)]!;
        if (own > 0n) {
          const s: CoverInput = { incidentId: INCIDENT_ID, asset, amountMinor: own, method: 'treasury_surplus', n: 2 };
          await coverFromTreasury(eng, s, { desk, proposalId: approved(`surplus-${asset}`, 'incident.treasury_cover', coverPayload(s), ['treasury', 'compliance'], STAFF.treas, STAFF.comp), actor: STAFF.treas, nowMs: clock() });
          cover[asset] = (amount + own).toString();
        }
        const plan = planHaircut(core, INCIDENT_ID, asset, outstandingLoss(core, asset));
        await applyHaircut(eng, plan, { desk, proposalId: approved(`haircut-${asset}`, 'incident.haircut', haircutPayload(plan), ['security', 'compliance', 'treasury', 'admin']), actor: STAFF.sec1, nowMs: clock(), log });
        mark('scripted', `${asset}: treasury covered ${formatDecimal(BigInt(cover[asset]!), asset === 'BTC' ? 8 : 18)}, haircut ${formatDecimal(plan.shortfallMinor, asset === 'BTC' ? 8 : 18)} into recovery claims over ${plan.parts.length} customers`);
      } else mark('scripted', `${asset}: treasury covered the whole loss, ${formatDecimal(amount, asset === 'BTC' ? 8 : 18)}`);
    }
    await Promise.all([B.mine(), E.mine()]);
    staffPause(5);
    book.transition(INCIDENT_ID, 'recovering', {
      actor: STAFF.sec1,
      reason: variant === 'haircut' ? 'loss partly covered, shortfall in recovery claims' : 'loss covered in full from treasury',
      nowMs: clock(),
      desk,
      proposalId: approved('t-recovering', 'incident.transition', { incidentId: INCIDENT_ID, to: 'recovering' }, ['security', 'compliance', 'treasury', 'admin']),
    });

    /**
     * The new hot wallet pays authorised withdrawals: intent registered before broadcast
     * (the scanners must match it, not freeze), mined, settled in the core; the network
     * fee comes out of the withdrawal fees (fee_revenue).
     */
    const payOut = async (ids: readonly string[]): Promise<Array<{ withdrawalId: string; chain: Chain; txid: string }>> => {
      const out: Array<{ withdrawalId: string; chain: Chain; txid: string }> = [];
      for (const id of ids) {
        const w = core.withdrawals.get(id);
        if (w === undefined || w.state !== 'authorized') continue;
        const chain = w.asset as Chain;
        if (chain === 'BTC') {
          const p = B.signPayment(newHot.BTC, w.destination, w.amount, BTC_PAYOUT_FEE_SAT);
          registry.register({ id: `wd:${id}`, kind: 'withdrawal', chain, txids: [p.txid], inputs: p.inputs, outputs: [{ address: w.destination, valueMinor: w.amount }], feeMaxMinor: BTC_PAYOUT_FEE_SAT, withdrawalId: id });
          await B.broadcast(p.hex);
          await B.track(p.txid, newHot.BTC);
          out.push({ withdrawalId: id, chain, txid: p.txid });
        } else {
          const p = await E.sign(newHot.ETH, w.destination, w.amount);
          registry.register({ ...ethIntent(`wd:${id}`, 'withdrawal', p), withdrawalId: id });
          await E.broadcast(p);
          out.push({ withdrawalId: id, chain, txid: p.hash });
        }
      }
      await sleep(3 * SCAN_INTERVAL_MS); // seen (and matched) in the mempool
      const hash = await B.mine();
      await E.mine();
      for (const o of await B.blockOutflows(hash, clock())) await responder.observe(o);
      for (const o of await E.blockOutflows(ethWatched, clock())) await responder.observe(o);
      for (const p of out) {
        await run({ type: 'withdrawal.settle', withdrawalId: p.withdrawalId, txRef: p.txid });
        const fee = p.chain === 'BTC' ? BTC_PAYOUT_FEE_SAT : (await E.client.getReceipt(p.txid as `0x${string}`))?.feePaidWei;
        if (fee === undefined) throw new DrillError('CHAIN_FAILED', 'payout not mined', { txid: p.txid });
        await run({ type: 'ledger.post', ref: `drill:payout-fee:${p.withdrawalId}`, memo: `network fee of withdrawal ${p.withdrawalId}`, transfers: [{ debit: `system:${p.chain}:fee_revenue`, credit: `system:${p.chain}:hot_wallet`, amount: fee }] });
      }
      mark('scripted', `withdrawals paid on chain from the new hot wallets and settled: ${out.map((p) => `${p.withdrawalId} ${p.chain} ${p.txid.slice(0, 16)}…`).join(', ')}`);
      return out;
    };

    // ---- Phased restoration -----------------------------------------------------------
    const restore = new Restoration({ engine: eng, log, desk, signer, incidentId: INCIDENT_ID });
    let after = '';
    const paid: Array<{ withdrawalId: string; chain: Chain; txid: string }> = [];
    for (const phase of PHASES) {
      staffPause(15);
      if (phase === 'withdrawals_normal') {
        for (const q of restore.queue) restore.review(q.withdrawalId, 'approve', STAFF.comp, clock());
        const done = await restore.processReviewed();
        mark('scripted', `queued withdrawals reviewed and authorised in request order: ${done.join(', ')}`);
        // Balances compared here: the incident's effect, before the payouts legitimately reduce them.
        after = customerBalancesSnapshot(core);
        paid.push(...(await payOut(done)));
      }
      for (const item of PHASE_CHECKLISTS[phase]) restore.check(phase, item, STAFF.sec2, 'checked in the drill', clock());
      await restore.enter(phase, { actor: STAFF.sec1, proposalId: approved(`phase-${phase}`, 'incident.restore_phase', { incidentId: INCIDENT_ID, phase }, ['security', 'compliance', 'treasury', 'admin']), nowMs: clock() });
      mark('scripted', `restoration phase entered: ${phase} (approved by ${STAFF.comp.id})`);
    }
    staffPause(10);
    book.transition(INCIDENT_ID, 'restored', { actor: STAFF.sec1, reason: 'all services restored', nowMs: clock(), desk, proposalId: approved('t-restored', 'incident.transition', { incidentId: INCIDENT_ID, to: 'restored' }, ['security', 'compliance', 'treasury', 'admin']) });
    staffPause(10);
    book.transition(INCIDENT_ID, 'closed', { actor: STAFF.admin, reason: 'reported to the regulator and the police', nowMs: clock(), desk, proposalId: approved('t-closed', 'incident.transition', { incidentId: INCIDENT_ID, to: 'closed' }, ['security', 'compliance', 'treasury', 'admin']) });
    mark('scripted', 'incident restored and closed');
    stopWatch = true;
    await watchLoop;
    if (watchError !== null) throw watchError;

    // ---- 4. Report, status page, notices, figures ----------------------------------------
    const backend = new FileJournal(join(dataDir, 'journal'), { readOnly: true });
    await backend.open();
    const report = await buildReport({ incidentId: INCIDENT_ID, backend, log: log.entries, config: defaultCoreConfig });
    const paths = writeReport(join(dataDir, 'report'), report);
    const statusDir = join(dataDir, 'status');
    mkdirSync(statusDir, { recursive: true });
    const statusPath = join(statusDir, 'index.html');
    writeFileSync(statusPath, renderStatusPage(statusPageModel(report)));
    const notices = writeNotices(customerNotices(report), { inApp: join(dataDir, 'notices', 'inbox'), emailOutbox: join(dataDir, 'notices', 'outbox') }, (u) => `customer${u}@example.com`, clock());
    mark('scripted', `report ${paths.json}, status page ${statusPath}, ${notices} customer notices`);
    const fates = await withdrawalFates(backend, core, queued);
    await responder.settled();
    const figures = drillFigures({ report, broadcastAtMs, timing: first, hotBalanceAtAttackMinor: hotAtAttack, balancesBefore: before, balancesAfter: after, fates, core, reportPath: paths.json });

    // Chain vs ledger, every Rampart address (the retired hot one is still watched).
    const chainHeld = {
      BTC: B.balance(hot.BTC) + B.balance(newHot.BTC) + B.balance(cold.BTC),
      ETH: (await E.balance(hot.ETH)) + (await E.balance(newHot.ETH)) + (await E.balance(cold.ETH)),
    };
    const ledgerHeld = (asset: Chain) => {
      let s = 0n;
      for (const a of ['hot_wallet', 'cold_wallet', 'deposit_wallets']) s -= core.ledger.balances[core.accountByKey(`system:${asset}:${a}`)]!;
      return s;
    };
    const chainMatches = { BTC: chainHeld.BTC === ledgerHeld('BTC'), ETH: chainHeld.ETH === ledgerHeld('ETH') };
    const byChain = ledgerReserveRatio(core, { chainReservesMinor: chainHeld }).byAsset;
    const withClaims = ledgerReserveRatio(core, { withClaims: true }).byAsset;
    const falsePositives = [...responder.unmatched.keys()].filter((k) => k !== `BTC:${btcTheft.txid.toLowerCase()}` && k !== `ETH:${ethTheft.hash.toLowerCase()}`).length;

    const failures: string[] = [];
    if (figures.withdrawals_lost !== 0) failures.push(`withdrawals_lost = ${figures.withdrawals_lost}`);
    for (const [id, f] of fates) if (f !== 'settled') failures.push(`withdrawal ${id} ${f}, not paid`);
    if (!figures.hot_cap_respected) failures.push('loss exceeds the hot balance at the time');
    if (falsePositives > 0) failures.push(`${falsePositives} false positive(s)`);
    for (const [a, ok] of Object.entries(lossMatchesChain)) if (!ok) failures.push(`${a} loss differs from the chain`);
    for (const [a, c] of Object.entries(ledgerReserveRatio(core).byAsset)) if (!c.covered) failures.push(`${a} reserve ratio ${c.display} < 1 after cover`);
    if (variant === 'full_cover' && !figures.customer_balances_unchanged) failures.push('customer balances changed in the full-cover variant');
    if (variant === 'haircut' && figures.customer_balances_unchanged) failures.push('the haircut variant left customer balances unchanged');

    const result: DrillResult = {
      ...figures,
      variant,
      incident_id: INCIDENT_ID,
      data_dir: dataDir,
      report_html_path: paths.html,
      status_page_path: statusPath,
      notices_written: notices,
      detection,
      loss_matches_chain: lossMatchesChain,
      hot_balance_at_attack: { BTC: hotAtAttack.BTC.toString(), ETH: hotAtAttack.ETH.toString() },
      rescued_by_rotation: rescued,
      cover,
      haircut: {
        byAsset: { ...report.haircutByAsset },
        customers: report.customers.effects.filter((e) => BigInt(e.haircutMinor) > 0n).map((e) => ({ userId: e.userId, asset: e.asset, haircutMinor: e.haircutMinor })),
      },
      reserve_ratio_with_claims: Object.fromEntries(Object.entries(withClaims).map(([a, c]) => [a, c.display])),
      reserve_ratio_after_chain: Object.fromEntries(Object.entries(byChain).map(([a, c]) => [a, c.display])),
      chain_matches_ledger: chainMatches,
      false_positives: falsePositives,
      withdrawals_paid: paid,
      withdrawal_fates: Object.fromEntries(fates),
      alerts_sent: responder.deliveries.filter((d) => d.ok).length,
      attacker: { addresses: [...report.attacker.addresses], txids: [...report.attacker.txids] },
      invariants_ok: failures.length === 0,
      failures,
      wall_ms: Math.round(performance.now() - started),
      timeline,
    };
    say(`detected_ms ${result.detected_ms}, frozen_ms ${result.frozen_ms}; loss BTC ${result.loss.BTC} sat, ETH ${result.loss.ETH} wei; reserve ratio after ${JSON.stringify(result.reserve_ratio_after)}; withdrawals lost ${result.withdrawals_lost}; ${failures.length === 0 ? 'all invariants hold' : `FAILED: ${failures.join('; ')}`}`);
    return result;
  } finally {
    stopWatch = true;
    await watchLoop?.catch(() => undefined);
    await engine?.close().catch(() => undefined);
    await Promise.allSettled([btc?.close(), eth?.close()]);
  }
}
