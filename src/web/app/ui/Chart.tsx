import { CandlestickSeries, ColorType, createChart, HistogramSeries, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import { useEffect, useRef, useState } from 'react';
import { fractionDigits } from '../../lib/decimalText.ts';
import { api, type Candle, INTERVALS, type Interval, type PublicTrade } from '../api.ts';
import { Panel } from './common.tsx';
import { useApp } from './context.tsx';

const INTERVAL_S: Record<Interval, number> = { '1m': 60, '5m': 300, '1h': 3600, '1d': 86400 };
const UP = '#26a69a';
const DOWN = '#ef5350';

interface Bar {
  time: UTCTimestamp;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

// Chart coordinates are display values: candles are drawn from floats, amounts are not computed from them.
const toBar = (c: Candle): Bar => ({ time: Math.floor(c.openTime / 1000) as UTCTimestamp, open: +c.open, high: +c.high, low: +c.low, close: +c.close, volume: +c.volume });

/** Candles + volume with TradingView's lightweight-charts; the live candle follows the trade stream. */
export function Chart({ market, tickSize, trades }: { market: string; tickSize: string; trades: readonly PublicTrade[] }) {
  const { t, lang } = useApp();
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const candles = useRef<ISeriesApi<'Candlestick'> | null>(null);
  const volume = useRef<ISeriesApi<'Histogram'> | null>(null);
  const last = useRef<Bar | null>(null);
  const lastTradeId = useRef(0);
  const ready = useRef(false);
  const [interval, setIntervalName] = useState<Interval>('1m');
  const [count, setCount] = useState(0);

  useEffect(() => {
    if (el.current === null) return;
    const c = createChart(el.current, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: '#0f141b' }, textColor: '#c9d1d9', attributionLogo: false },
      grid: { vertLines: { color: '#1c2430' }, horzLines: { color: '#1c2430' } },
      rightPriceScale: { borderColor: '#2d3846' },
      timeScale: { borderColor: '#2d3846', timeVisible: true, secondsVisible: false, barSpacing: 10, rightOffset: 4 },
      localization: { locale: 'en-US' },
    });
    candles.current = c.addSeries(CandlestickSeries, { upColor: UP, downColor: DOWN, wickUpColor: UP, wickDownColor: DOWN, borderVisible: false });
    volume.current = c.addSeries(HistogramSeries, { priceFormat: { type: 'volume' }, priceScaleId: 'vol', color: '#3b4a5c', lastValueVisible: false, priceLineVisible: false });
    // Candles in the top three quarters, volume in the bottom fifth: they never overlap.
    c.priceScale('right').applyOptions({ scaleMargins: { top: 0.08, bottom: 0.25 } });
    c.priceScale('vol').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    chart.current = c;
    return () => {
      c.remove();
      chart.current = null;
      candles.current = null;
      volume.current = null;
    };
  }, []);

  useEffect(() => {
    // Price axis in the market's own tick: 0 decimals for BTC/AED (1 AED), 1 for ETH/AED (0.10 AED).
    candles.current?.applyOptions({ priceFormat: { type: 'price', precision: fractionDigits(tickSize), minMove: Number(tickSize) } });
  }, [tickSize]);

  useEffect(() => {
    let live = true;
    // Until this market's candles arrive, trades are not folded in (the series still holds the old market's bars).
    ready.current = false;
    last.current = null;
    lastTradeId.current = 0;
    candles.current?.setData([]);
    volume.current?.setData([]);
    api.candles(market, interval).then(
      (list) => {
        if (!live || candles.current === null || volume.current === null) return;
        const bars = list.map(toBar);
        candles.current.setData(bars);
        volume.current.setData(bars.map((b) => ({ time: b.time, value: b.volume, color: b.close >= b.open ? '#1f5f59' : '#7a2f2e' })));
        last.current = bars.at(-1) ?? null;
        ready.current = true;
        setCount(bars.length);
        chart.current?.timeScale().scrollToRealTime();
      },
      () => {
        candles.current?.setData([]);
        volume.current?.setData([]);
        ready.current = true;
        setCount(0);
      },
    );
    return () => {
      live = false;
    };
  }, [market, interval]);

  // Fold new trades into the current candle.
  useEffect(() => {
    if (candles.current === null || volume.current === null || !ready.current) return;
    const fresh = trades.filter((x) => x.id > lastTradeId.current).reverse();
    if (fresh.length === 0) return;
    lastTradeId.current = Math.max(lastTradeId.current, ...fresh.map((x) => x.id));
    const step = INTERVAL_S[interval];
    for (const tr of fresh) {
      const time = (Math.floor(tr.time / 1000 / step) * step) as UTCTimestamp;
      const p = +tr.price;
      const q = +tr.quantity;
      const b = last.current;
      if (b !== null && time < b.time) continue;
      const bar: Bar = b !== null && b.time === time ? { ...b, high: Math.max(b.high, p), low: Math.min(b.low, p), close: p, volume: b.volume + q } : { time, open: p, high: p, low: p, close: p, volume: q };
      try {
        candles.current.update(bar);
        volume.current.update({ time: bar.time, value: bar.volume, color: bar.close >= bar.open ? '#1f5f59' : '#7a2f2e' });
        last.current = bar;
      } catch {
        // An out-of-order bar (a trade older than the last candle) is skipped, never fatal.
      }
    }
  }, [trades, interval]);

  return (
    <Panel
      title={t('chart')}
      id="chart"
      actions={
        <fieldset className="seg" aria-label={t('interval')}>
          {INTERVALS.map((i) => (
            <button key={i} type="button" className={i === interval ? 'on' : ''} aria-pressed={i === interval} onClick={() => setIntervalName(i)}>
              <span dir="ltr">{i}</span>
            </button>
          ))}
        </fieldset>
      }
    >
      {/* The canvas is drawn left-to-right in both languages (time runs left to right on every exchange). */}
      <div className="chart" ref={el} dir="ltr" data-testid="chart" data-candles={count} role="img" aria-label={`${t('chart')} ${market} ${interval}`} lang={lang} />
      {/* lightweight-charts' NOTICE asks for attribution; its logo is injected as inline SVG styles, which the CSP refuses, so a link instead. */}
      <p className="attribution small muted">
        Charts by{' '}
        <a href="https://www.tradingview.com/" rel="noopener noreferrer" target="_blank">
          TradingView
        </a>
      </p>
    </Panel>
  );
}
