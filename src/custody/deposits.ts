import type * as btc from '../chains/btc/index.ts';
import * as eth from '../chains/eth/index.ts';
import type { Engine } from '../engine/engine.ts';
import { assert } from '../shared/assert.ts';
import { RampartError } from '../shared/errors.ts';
import type { AlertSink } from './alerts.ts';
import type { BtcChainView } from './btcView.ts';

/** Confirmations before a deposit is credited. Devnet small so tests run fast; mainnet per common practice. */
export const CONFIRMATIONS = { devnet: { BTC: 2, ETH: 2 }, mainnet: { BTC: 2, ETH: 12 } } as const;
/** Below this a deposit is recorded but not credited (it would cost more to sweep than it is worth). */
export const DUST_DEFAULT = { BTC: 546n, ETH: 10n ** 12n } as const;

export type DepositState = 'pending' | 'credited' | 'dust' | 'dropped' | 'rejected';

export interface DepositRecord {
  /** The core's idempotency key: btc:<txid>:<vout> or eth:<hash>. */
  readonly ref: string;
  readonly asset: 'BTC' | 'ETH';
  readonly userId: number;
  readonly address: string;
  readonly amountMinor: bigint;
  height: number;
  blockHash: string;
  state: DepositState;
  /** The core's reason when it refused the credit. */
  error?: string;
  /** Set once credited: the sweep service takes it from here. */
  swept?: boolean;
  /** Screening's verdict: credited to the customer's frozen bucket (and the compliance case, if one was opened). */
  frozen?: boolean;
  caseId?: string;
}

/**
 * Stolen-funds screening before a deposit is credited (src/screening/service implements it).
 * `screen` traces the deposit and returns whether it goes to the frozen bucket; it opens the
 * compliance case itself (idempotent by the deposit's ref). A throw leaves the deposit pending:
 * it is screened again on the next poll, never credited unscreened.
 */
export interface DepositScreener {
  screen(rec: Readonly<DepositRecord>): Promise<{ frozen: boolean; caseId?: string }>;
}

interface Common {
  readonly engine: Pick<Engine, 'submit' | 'core'>;
  readonly alerts: AlertSink;
  readonly clock: () => number;
  readonly confirmations: number;
  readonly dustMinor?: bigint;
  /** Screening before credit; absent = credited unscreened (tests, tools). `CustodyService` passes one in production. */
  readonly screener?: DepositScreener;
}

/** Users the core knows (user.open), for watching their deposit addresses. */
export function knownUserIds(engine: Pick<Engine, 'core'>): number[] {
  const ids = new Set<number>();
  for (const a of engine.core.ledger.accounts) if (a.userId > 0) ids.add(a.userId);
  return [...ids].sort((x, y) => x - y);
}

async function credit(engine: Common['engine'], r: DepositRecord, screener?: DepositScreener): Promise<void> {
  assert(r.state === 'pending', 'only a pending deposit is credited');
  if (screener !== undefined && r.frozen === undefined) {
    let v: { frozen: boolean; caseId?: string };
    try {
      v = await screener.screen(r);
    } catch (e) {
      // Screening unavailable: stay pending (retried next poll); one deposit never blocks the others.
      if (!(e instanceof RampartError)) throw e;
      r.error = e.code;
      return;
    }
    delete r.error;
    r.frozen = v.frozen;
    if (v.caseId !== undefined) r.caseId = v.caseId;
  }
  const res = await engine.submit({ type: 'deposit', userId: r.userId, asset: r.asset, amount: r.amountMinor, source: 'chain', ref: r.ref, ...(r.frozen ? { frozen: true } : {}) });
  // A duplicate is the core saying "already credited": exactly once, whatever we remember.
  if (res.ok) r.state = 'credited';
  else {
    r.state = 'rejected';
    r.error = res.error?.code ?? 'UNKNOWN';
  }
}

/**
 * Bitcoin deposits: every customer's address (deposit account xpub, index = userId) is watched
 * through the chain view; an output is credited once it has `confirmations`, exactly once per
 * txid:vout (the core's deposit is idempotent by ref). A pending deposit whose block leaves the
 * chain is dropped (and comes back if the transaction is mined again); a credited one whose block
 * leaves the chain is a reorg deeper than the confirmations: alert, never a silent debit.
 */
export class BtcDepositService {
  private readonly o: Common & { readonly view: BtcChainView };
  readonly records = new Map<string, DepositRecord>();

  constructor(o: Common & { view: BtcChainView }) {
    assert(o.confirmations >= 1, 'at least one confirmation');
    this.o = o;
    for (const id of knownUserIds(o.engine)) o.view.watchUser(id);
  }

  addressFor(userId: number): string {
    return this.o.view.addressFor(userId);
  }

  /** Records to persist (the core stays the authority on what was credited). */
  exportRecords(): DepositRecord[] {
    return [...this.records.values()].map((r) => ({ ...r }));
  }

  restoreRecords(records: readonly DepositRecord[]): void {
    for (const r of records) this.records.set(r.ref, { ...r });
  }

  watchUser(userId: number): string {
    return this.o.view.watchUser(userId);
  }

  /** Takes one poll of the view (the caller polls once for every service), then credits what is deep enough. */
  async onPoll(r: btc.PollResult): Promise<void> {
    for (const b of r.disconnected) {
      for (const d of b.deposits) {
        const rec = this.records.get(`btc:${d.txid}:${d.vout}`);
        if (rec === undefined || rec.blockHash !== b.hash) continue;
        if (rec.state === 'credited') {
          this.o.alerts.raise({
            kind: 'DEPOSIT_REORGED_AFTER_CREDIT',
            asset: 'BTC',
            atMs: this.o.clock(),
            message: 'a credited deposit left the chain (reorg deeper than the confirmations)',
            details: { ref: rec.ref, userId: rec.userId, amountSat: String(rec.amountMinor), height: rec.height, blockHash: rec.blockHash },
          });
        } else if (rec.state === 'pending') rec.state = 'dropped';
      }
    }
    for (const b of r.connected) {
      for (const d of b.deposits) {
        const owner = this.o.view.ownerOf(d.address);
        if (owner?.role !== 'deposit') continue;
        const ref = `btc:${d.txid}:${d.vout}`;
        const old = this.records.get(ref);
        if (old !== undefined && old.state !== 'dropped') {
          // Re-mined after a reorg we alerted on: the core already credited it; track its new block.
          old.height = d.height;
          old.blockHash = d.blockHash;
          continue;
        }
        const dust = d.amountSat < (this.o.dustMinor ?? DUST_DEFAULT.BTC);
        this.records.set(ref, { ref, asset: 'BTC', userId: owner.userId, address: d.address, amountMinor: d.amountSat, height: d.height, blockHash: d.blockHash, state: dust ? 'dust' : 'pending' });
      }
    }
    await this.creditReady();
  }

  async creditReady(): Promise<void> {
    for (const rec of this.records.values()) {
      if (rec.state === 'pending' && this.o.view.confirmations(rec.height) >= this.o.confirmations) await credit(this.o.engine, rec, this.o.screener);
    }
  }
}

/**
 * Ethereum deposits: native transfers to each customer's address (BIP44 account 1 xpub of the
 * signer's seed, index = userId). The chain watcher counts confirmations and reports reorgs;
 * this service credits a confirmed deposit once (ref eth:<hash>) and raises an alert when a
 * credited one is orphaned.
 */
export class EthDepositService {
  private readonly o: Common & { readonly client: eth.EthClient; readonly depositXpub: string };
  private readonly watcher: eth.EthWatcher;
  private readonly userByAddress = new Map<string, number>();
  readonly records = new Map<string, DepositRecord>();

  constructor(o: Common & { client: eth.EthClient; depositXpub: string; fromBlock: bigint; watcherState?: eth.WatcherState }) {
    this.o = o;
    this.watcher = new eth.EthWatcher({ client: o.client, fromBlock: o.fromBlock, watched: [], confirmationsRequired: BigInt(o.confirmations), ...(o.watcherState ? { state: o.watcherState } : {}) });
    for (const id of knownUserIds(o.engine)) this.watchUser(id);
  }

  addressFor(userId: number): eth.EthAddress {
    assert(Number.isSafeInteger(userId) && userId > 0, 'userId is a positive integer');
    return eth.deriveDepositAddress(this.o.depositXpub, userId);
  }

  watchUser(userId: number): eth.EthAddress {
    const a = this.addressFor(userId);
    if (!this.userByAddress.has(a)) {
      this.userByAddress.set(a, userId);
      this.watcher.watch(a);
    }
    return a;
  }

  userOf(address: string): number | undefined {
    return this.userByAddress.get(address);
  }

  watcherState(): eth.WatcherState {
    return this.watcher.exportState();
  }

  exportRecords(): DepositRecord[] {
    return [...this.records.values()].map((r) => ({ ...r }));
  }

  restoreRecords(records: readonly DepositRecord[]): void {
    for (const r of records) this.records.set(r.ref, { ...r });
  }

  async poll(): Promise<eth.PollResult> {
    const r = await this.watcher.poll();
    for (const reorg of r.reorgs) {
      for (const d of reorg.orphanedDeposits) {
        const rec = this.records.get(`eth:${d.hash}`);
        if (rec === undefined || rec.blockHash !== d.blockHash) continue;
        if (rec.state === 'credited') {
          this.o.alerts.raise({
            kind: 'DEPOSIT_REORGED_AFTER_CREDIT',
            asset: 'ETH',
            atMs: this.o.clock(),
            message: 'a credited deposit left the chain (reorg deeper than the confirmations)',
            details: { ref: rec.ref, userId: rec.userId, amountWei: String(rec.amountMinor), blockNumber: rec.height, blockHash: rec.blockHash },
          });
        } else if (rec.state === 'pending') rec.state = 'dropped';
      }
    }
    for (const d of r.newDeposits) this.see(d);
    for (const d of r.confirmedDeposits) {
      const rec = this.see(d);
      if (rec?.state === 'pending') await credit(this.o.engine, rec, this.o.screener);
    }
    return r;
  }

  private see(d: eth.Deposit): DepositRecord | undefined {
    const userId = this.userByAddress.get(d.to);
    if (userId === undefined) return undefined;
    const ref = `eth:${d.hash}`;
    const old = this.records.get(ref);
    if (old !== undefined && old.state !== 'dropped') {
      old.height = Number(d.blockNumber);
      old.blockHash = d.blockHash;
      return old;
    }
    const dust = d.valueWei < (this.o.dustMinor ?? DUST_DEFAULT.ETH);
    const rec: DepositRecord = { ref, asset: 'ETH', userId, address: d.to, amountMinor: d.valueWei, height: Number(d.blockNumber), blockHash: d.blockHash, state: dust ? 'dust' : 'pending' };
    this.records.set(ref, rec);
    return rec;
  }
}
