import { assert } from '../shared/assert.ts';
import { type AssetCoverage, type ReserveRatioReport, reserveRatio } from './ratio.ts';

/**
 * Continuous reserve-ratio monitor. It recomputes reserves ÷ liabilities per asset, on demand
 * (`check()`) or on an interval, and calls `onBelowOne` when an asset drops below 100% and
 * `onRecovered` when it is covered again: once per transition, not on every check, so the
 * incident module opens one incident per shortfall. The decision is exact (bigint
 * `reserves >= liabilities`, see ratio.ts); time and timers are injected (no clock here).
 */

export interface RatioEvidence {
  /** When the check ran (injected clock), ms since epoch. */
  atMs: number;
  reservesMinor: bigint;
  liabilitiesMinor: bigint;
  /** liabilities − reserves (positive when short). */
  shortfallMinor: bigint;
  /** The ratio rounded down, 4 decimals. */
  display: string;
  /** The whole report of this check, every asset. */
  report: ReserveRatioReport;
}

type Amounts = Readonly<Record<string, bigint>>;

export interface ReserveMonitorOptions {
  /** What is held per asset (chain balances at the latest height, bank balance). */
  reserves: () => Amounts | Promise<Amounts>;
  /** What is owed per asset (e.g. liabilitiesTotalsFromCore). */
  liabilities: () => Amounts | Promise<Amounts>;
  onBelowOne: (asset: string, ratio: AssetCoverage, evidence: RatioEvidence) => void | Promise<void>;
  onRecovered?: (asset: string, ratio: AssetCoverage, evidence: RatioEvidence) => void | Promise<void>;
  /** A check that throws (node down) is reported here; the interval keeps running. */
  onError?: (error: unknown) => void;
  now: () => number;
  /** For start(): interval between checks (default 60 s). */
  intervalMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export const MONITOR_INTERVAL_MS_MIN = 1_000;

export class ReserveMonitor {
  private readonly short = new Set<string>();
  private timer: unknown;
  private running: Promise<ReserveRatioReport> | undefined;
  /** The last completed check's report. */
  last: ReserveRatioReport | undefined;

  constructor(private readonly options: ReserveMonitorOptions) {
    const ms = options.intervalMs ?? 60_000;
    assert(Number.isSafeInteger(ms) && ms >= MONITOR_INTERVAL_MS_MIN, 'monitor interval is at least 1 s', { ms });
  }

  /** Assets currently below 100%. */
  get shortAssets(): string[] {
    return [...this.short].sort();
  }

  /** One check now. Concurrent calls share the check in flight (no double notification). */
  check(): Promise<ReserveRatioReport> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<ReserveRatioReport> {
    const [reserves, liabilities] = await Promise.all([this.options.reserves(), this.options.liabilities()]);
    const report = reserveRatio(reserves, liabilities);
    const atMs = this.options.now();
    this.last = report;
    for (const c of Object.values(report.byAsset)) {
      const evidence: RatioEvidence = { atMs, reservesMinor: c.reservesMinor, liabilitiesMinor: c.liabilitiesMinor, shortfallMinor: -c.surplusMinor, display: c.display, report };
      // The state changes only after the callback returns: if opening the incident fails, the
      // next check tries again instead of believing it was done.
      if (!c.covered && !this.short.has(c.asset)) {
        await this.options.onBelowOne(c.asset, c, evidence);
        this.short.add(c.asset);
      } else if (c.covered && this.short.has(c.asset)) {
        await this.options.onRecovered?.(c.asset, c, evidence);
        this.short.delete(c.asset);
      }
    }
    return report;
  }

  /** Checks every intervalMs until stop(). Uses the injected timer (setTimeout by default). */
  start(): void {
    if (this.timer !== undefined) return;
    const set = this.options.setTimer ?? ((fn, ms) => setTimeout(fn, ms).unref());
    const ms = this.options.intervalMs ?? 60_000;
    const tick = () => {
      this.check()
        .catch((e) => this.options.onError?.(e))
        .finally(() => {
          if (this.timer !== undefined) this.timer = set(tick, ms);
        });
    };
    this.timer = set(tick, ms);
  }

  stop(): void {
    if (this.timer === undefined) return;
    const clear = this.options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    clear(this.timer);
    this.timer = undefined;
  }
}
