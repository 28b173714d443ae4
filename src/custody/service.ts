import type * as btc from '../chains/btc/index.ts';
import * as eth from '../chains/eth/index.ts';
import type { Engine } from '../engine/engine.ts';
import type { AlertSink } from './alerts.ts';
import { BtcChainView, type BtcViewState } from './btcView.ts';
import { BtcDepositService, type DepositRecord, type DepositScreener, EthDepositService, knownUserIds } from './deposits.ts';
import { readJsonFile, toJson, writeFileAtomic } from './json.ts';
import { sweepHotExcessBtc, sweepHotExcessEth } from './hotCold.ts';
import { type InternalMove, MoveTracker } from './moves.ts';
import { EthNonceSource } from './nonces.ts';
import { btcHoldings, ethHoldings, type ReconcileRow, reconcileWallets } from './reconcile.ts';
import type { Signer } from './signer/client.ts';
import { sweepBtcDeposits, sweepEthDeposits } from './sweeps.ts';
import { WithdrawalProcessor, type WithdrawalProcessorOptions } from './withdrawals.ts';

export interface CustodyServiceOptions {
  readonly engine: Engine;
  readonly signer: Signer;
  readonly intentSecretKeyHex: string;
  readonly alerts: AlertSink;
  readonly clock: () => number;
  readonly btc?: { readonly rpc: btc.BtcRpc; readonly network: btc.BtcNetwork; readonly startHeight: number; readonly coldXpub?: string; readonly confirmations: number; readonly feeCapSat: bigint };
  readonly eth?: { readonly client: eth.EthClient; readonly fromBlock: bigint; readonly coldXpub?: string; readonly confirmations: number; readonly feeCapWei: bigint };
  /** Hot-wallet share of customer liabilities, basis points (default 500 = 5%). */
  readonly hotShareBps?: bigint;
  /** Where the loop's state is saved after each step (atomic replace) and resumed from at start. */
  readonly stateFile?: string;
  /** Stolen-funds screening of deposits (over threshold → credited frozen with a case). */
  readonly screener?: DepositScreener;
  /** Withdrawal destination screening before the first signature. */
  readonly screenDestination?: WithdrawalProcessorOptions['screenDestination'];
}

/** What survives a restart besides the core and the signer's log: chain positions, deposit records, moves in flight. */
interface SavedState {
  v: 1;
  btcView?: BtcViewState;
  btcDeposits?: DepositRecord[];
  ethWatcher?: eth.WatcherState;
  ethDeposits?: DepositRecord[];
  moves: InternalMove[];
}

/**
 * Everything custody runs, assembled in one visible place: the loop `rampart start` drives.
 * `tick()` (every few seconds): chain polls → deposit credits → withdrawals → internal moves.
 * `rebalance()` (less often): deposit sweeps and the hot wallet's excess to cold.
 * `reconcile()` (when nothing is in flight): chain vs ledger, alerts on differences.
 * Calls are serialised: two loops never interleave.
 */
export class CustodyService {
  readonly moves: MoveTracker;
  readonly withdrawals: WithdrawalProcessor;
  readonly btcView: BtcChainView | undefined;
  readonly btcDeposits: BtcDepositService | undefined;
  readonly ethDeposits: EthDepositService | undefined;
  private readonly o: CustodyServiceOptions;
  private readonly ethHot: eth.EthAddress | undefined;
  private readonly ethCold: eth.EthAddress | undefined;
  private readonly nonces: EthNonceSource | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private moveSeq = 0;

  private constructor(o: CustodyServiceOptions, info: Awaited<ReturnType<Signer['info']>>) {
    this.o = o;
    const saved = o.stateFile !== undefined ? readJsonFile<SavedState>(o.stateFile) : undefined;
    this.moves = new MoveTracker({ engine: o.engine, chains: { ...(o.btc ? { btcRpc: o.btc.rpc } : {}), ...(o.eth ? { ethClient: o.eth.client } : {}) }, alerts: o.alerts, clock: o.clock });
    if (o.btc) {
      this.btcView = new BtcChainView({ rpc: o.btc.rpc, network: o.btc.network, startHeight: o.btc.startHeight, depositXpub: info.btcDepositXpub, hotXpub: info.btcHotXpub, ...(o.btc.coldXpub ? { coldXpub: o.btc.coldXpub } : {}), ...(saved?.btcView ? { state: saved.btcView } : {}) });
      this.btcDeposits = new BtcDepositService({ engine: o.engine, view: this.btcView, alerts: o.alerts, clock: o.clock, confirmations: o.btc.confirmations, ...(o.screener ? { screener: o.screener } : {}) });
      this.btcDeposits.restoreRecords(saved?.btcDeposits ?? []);
    }
    if (o.eth) {
      this.ethHot = eth.parseAddress(info.ethHotAddress, eth.LENIENT_ADDRESS_POLICY);
      this.ethCold = o.eth.coldXpub ? eth.deriveDepositAddress(o.eth.coldXpub, 0) : undefined;
      this.nonces = new EthNonceSource(o.eth.client, this.ethHot);
      this.ethDeposits = new EthDepositService({ engine: o.engine, client: o.eth.client, depositXpub: info.ethDepositXpub, fromBlock: o.eth.fromBlock, alerts: o.alerts, clock: o.clock, confirmations: o.eth.confirmations, ...(saved?.ethWatcher ? { watcherState: saved.ethWatcher } : {}), ...(o.screener ? { screener: o.screener } : {}) });
      this.ethDeposits.restoreRecords(saved?.ethDeposits ?? []);
    }
    this.moves.restore(saved?.moves ?? []);
    this.withdrawals = new WithdrawalProcessor({
      engine: o.engine,
      signer: o.signer,
      intentSecretKeyHex: o.intentSecretKeyHex,
      alerts: o.alerts,
      clock: o.clock,
      feeCapMinor: { BTC: o.btc?.feeCapSat ?? 0n, ETH: o.eth?.feeCapWei ?? 0n },
      ...(o.screenDestination ? { screenDestination: o.screenDestination } : {}),
      ...(this.btcView && o.btc ? { btc: { view: this.btcView, confirmations: o.btc.confirmations } } : {}),
      ...(o.eth && this.nonces ? { eth: { client: o.eth.client, nonces: this.nonces, confirmations: o.eth.confirmations } } : {}),
    });
    o.engine.onResult((_cmd, r) => {
      for (const e of r.events) {
        if (e.type !== 'user.opened') continue;
        this.btcDeposits?.watchUser(e.userId);
        this.ethDeposits?.watchUser(e.userId);
      }
    });
    // After a crash: every authorised withdrawal is looked up in the signer's log first.
    this.withdrawals.reconcile();
  }

  /** Reads the signer's public material and assembles the services. */
  static async start(o: CustodyServiceOptions): Promise<CustodyService> {
    return new CustodyService(o, await o.signer.info());
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  tick(): Promise<void> {
    return this.exclusive(async () => {
      if (this.btcView && this.btcDeposits) await this.btcDeposits.onPoll(await this.btcView.poll());
      if (this.ethDeposits) await this.ethDeposits.poll();
      await this.withdrawals.tick();
      await this.moves.settle();
      this.save();
    });
  }

  /** Atomic save of the loop's state (no-op without stateFile). */
  private save(): void {
    if (this.o.stateFile === undefined) return;
    const state: SavedState = {
      v: 1,
      ...(this.btcView ? { btcView: this.btcView.exportState() } : {}),
      ...(this.btcDeposits ? { btcDeposits: this.btcDeposits.exportRecords() } : {}),
      ...(this.ethDeposits ? { ethWatcher: this.ethDeposits.watcherState(), ethDeposits: this.ethDeposits.exportRecords() } : {}),
      moves: this.moves.exportState(),
    };
    writeFileAtomic(this.o.stateFile, toJson(state));
  }

  /** Sweeps credited deposits to hot and the hot wallet's excess over its cap to cold. Returns the txids sent. */
  rebalance(): Promise<string[]> {
    return this.exclusive(async () => {
      const sent: string[] = [];
      const id = `${this.o.clock()}-${++this.moveSeq}`;
      if (this.btcView && this.btcDeposits) {
        const s = await sweepBtcDeposits({ view: this.btcView, deposits: this.btcDeposits, signer: this.o.signer, moves: this.moves });
        if (s) sent.push(s);
        if (this.o.btc?.coldXpub) {
          const c = await sweepHotExcessBtc({ core: this.o.engine.core, view: this.btcView, signer: this.o.signer, moves: this.moves, moveId: `btc-tocold-${id}`, ...(this.o.hotShareBps !== undefined ? { shareBps: this.o.hotShareBps } : {}) });
          if (c) sent.push(c);
        }
      }
      if (this.o.eth && this.ethDeposits && this.ethHot && this.nonces) {
        sent.push(...(await sweepEthDeposits({ client: this.o.eth.client, deposits: this.ethDeposits, signer: this.o.signer, moves: this.moves })));
        if (this.o.eth.coldXpub) {
          const c = await sweepHotExcessEth({ core: this.o.engine.core, client: this.o.eth.client, hotAddress: this.ethHot, nonces: this.nonces, signer: this.o.signer, moves: this.moves, moveId: `eth-tocold-${id}`, ...(this.o.hotShareBps !== undefined ? { shareBps: this.o.hotShareBps } : {}) });
          if (c) sent.push(c);
        }
      }
      // Saved before returning: a move broadcast is never forgotten by a crash after this point.
      this.save();
      return sent;
    });
  }

  /** Chain vs ledger for each configured asset; alerts go to the sink. */
  reconcile(): Promise<ReconcileRow[]> {
    return this.exclusive(async () => {
      const rows: ReconcileRow[] = [];
      if (this.btcView && this.btcDeposits) rows.push(...reconcileWallets({ core: this.o.engine.core, asset: 'BTC', onChain: btcHoldings(this.btcView, this.btcDeposits), alerts: this.o.alerts, clock: this.o.clock }));
      if (this.o.eth && this.ethDeposits && this.ethHot) {
        // Without a cold wallet configured, its holdings are zero by definition.
        const onChain = await ethHoldings({ client: this.o.eth.client, hotAddress: this.ethHot, coldAddress: this.ethCold ?? this.ethHot, deposits: this.ethDeposits, userIds: knownUserIds(this.o.engine) });
        if (this.ethCold === undefined) onChain.cold_wallet = 0n;
        rows.push(...reconcileWallets({ core: this.o.engine.core, asset: 'ETH', onChain, alerts: this.o.alerts, clock: this.o.clock }));
      }
      return rows;
    });
  }
}
