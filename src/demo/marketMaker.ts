import type { Engine } from '../engine/engine.ts';
import type { Market } from '../core/matching/market.ts';
import { xorshift32 } from '../shared/prng.ts';

export interface MarketMakerOptions {
  readonly userId: number;
  readonly market: string;
  /** Reference price in ticks the quotes centre on (it drifts by a bounded random walk). */
  readonly midTicks: number;
  readonly levels: number;
  readonly spreadTicks: number;
  readonly stepTicks: number;
  readonly qtyLots: number;
  readonly intervalMs: number;
  readonly seed: number;
}

/**
 * The demo's liquidity: a ladder of quotes on each side of a slowly drifting mid,
 * refreshed every interval through the same engine path as any customer's orders
 * (cancel-all, then new post-only orders), so the book, trades and candles move.
 */
export class MarketMaker {
  private timer: NodeJS.Timeout | null = null;
  private mid: number;
  private readonly rand: () => number;
  private readonly engine: Engine;
  private readonly o: MarketMakerOptions;
  /** Quotes refreshed, for the operator's log. */
  refreshes = 0;

  constructor(engine: Engine, options: MarketMakerOptions) {
    this.engine = engine;
    this.o = options;
    this.mid = options.midTicks;
    this.rand = xorshift32(options.seed, 1);
  }

  /** One refresh: move the mid a little, replace the ladder, and sometimes take liquidity so trades print. */
  async refresh(): Promise<void> {
    const o = this.o;
    const market: Market = this.engine.core.market(o.market);
    const step = Math.max(1, Math.round(o.midTicks * 0.0005));
    this.mid = Math.max(o.levels * o.stepTicks + o.spreadTicks + 1, this.mid + Math.round((this.rand() - 0.5) * 2 * step));
    await this.engine.submit({ type: 'order.cancelAll', userId: o.userId, market: o.market });
    const jobs: Array<Promise<unknown>> = [];
    for (let i = 0; i < o.levels; i++) {
      const qty = o.qtyLots * (1 + Math.floor(this.rand() * 4));
      jobs.push(this.engine.submit({ type: 'order.place', userId: o.userId, market: o.market, side: 'buy', kind: 'limit', tif: 'GTC', postOnly: true, priceTicks: this.mid - o.spreadTicks - i * o.stepTicks, qtyLots: qty }));
      jobs.push(this.engine.submit({ type: 'order.place', userId: o.userId, market: o.market, side: 'sell', kind: 'limit', tif: 'GTC', postOnly: true, priceTicks: this.mid + o.spreadTicks + i * o.stepTicks, qtyLots: qty }));
    }
    await Promise.all(jobs);
    void market;
    this.refreshes++;
  }

  start(): void {
    if (this.timer !== null) return;
    const tick = () => {
      this.refresh()
        .catch(() => undefined)
        .finally(() => {
          if (this.timer !== null) this.timer = setTimeout(tick, this.o.intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
