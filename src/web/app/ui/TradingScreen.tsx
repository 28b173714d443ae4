import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { compareDecimalText, formatFixed, fractionDigits, fromMinor, toMinor } from '../../lib/decimalText.ts';
import { type Balance, LiveFeed, type Market, type MarketView } from '../api.ts';
import { Account } from './Account.tsx';
import { Chart } from './Chart.tsx';
import { ErrorBoundary } from './ErrorBoundary.tsx';
import { Num } from './common.tsx';
import { useApp } from './context.tsx';
import { OrderBook } from './OrderBook.tsx';
import { OrderForm } from './OrderForm.tsx';
import { Trades } from './Trades.tsx';

declare global {
  interface Window {
    /** The live feed, for the e2e test (sequence state, forced gaps). */
    __rampartFeed?: LiveFeed;
  }
}

const MARKET_KEY = 'rampart.market';

/** The trading screen at /: everything public is visible before login. */
export function TradingScreen({ markets }: { markets: Market[] }) {
  const { t, loggedIn } = useApp();
  const initial = useMemo(() => {
    const saved = safeGet(MARKET_KEY);
    return markets.find((m) => m.market === saved)?.market ?? markets.find((m) => m.market === 'BTC-AED')?.market ?? markets[0]!.market;
  }, [markets]);
  const [marketName, setMarketName] = useState(initial);
  const feed = useMemo(() => new LiveFeed(initial), [initial]);
  useEffect(() => {
    window.__rampartFeed = feed;
    return () => feed.close();
  }, [feed]);
  useEffect(() => feed.setAuthenticated(loggedIn), [feed, loggedIn]);
  const view = useSyncExternalStore(feed.subscribe, feed.getView);
  const market = markets.find((m) => m.market === marketName) ?? markets[0]!;
  const [picked, setPicked] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);
  const [balances, setBalances] = useState<Balance[]>([]);
  const onPrice = useCallback((p: string) => setPicked(p), []);

  const choose = (m: string) => {
    setMarketName(m);
    safeSet(MARKET_KEY, m);
    feed.setMarket(m);
    setPicked(null);
  };

  return (
    <div className="trade">
      <TickerBar view={view} market={market} markets={markets} onChoose={choose} />
      <div className="trade-grid">
        <div className="area-book">
          <ErrorBoundary label={t('orderBook')}><OrderBook view={view} market={market} onPrice={onPrice} /></ErrorBoundary>
        </div>
        <div className="area-chart">
          <ErrorBoundary label={t('chart')}><Chart market={market.market} tickSize={market.tickSize} trades={view.trades} /></ErrorBoundary>
        </div>
        <div className="area-form">
          <ErrorBoundary label={t('placeOrder')}><OrderForm market={market} price={picked} balances={loggedIn ? balances : []} onPlaced={() => setRefresh((x) => x + 1)} /></ErrorBoundary>
        </div>
        <div className="area-trades">
          <ErrorBoundary label={t('recentTrades')}><Trades view={view} market={market} /></ErrorBoundary>
        </div>
        <div className="area-account">
          <ErrorBoundary label={t('myAccount')}><Account markets={markets} version={view.accountVersion} refresh={refresh} onBalances={setBalances} /></ErrorBoundary>
        </div>
      </div>
      <p className="sr-only" aria-live="polite">
        {view.conn === 'live' ? '' : t(view.conn === 'reconnecting' ? 'reconnecting' : view.conn === 'resyncing' ? 'resyncing' : 'connecting')}
      </p>
    </div>
  );
}

function TickerBar({ view, market, markets, onChoose }: { view: MarketView; market: Market; markets: Market[]; onChoose: (m: string) => void }) {
  const { t } = useApp();
  const tk = view.ticker;
  const pd = fractionDigits(market.tickSize);
  let change: { text: string; up: boolean } | null = null;
  if (tk?.last != null && tk.open != null && compareDecimalText(tk.open, '0') > 0) {
    // Percentage with two decimals, computed exactly: (last − open) × 10000 / open, in basis points.
    const d = Math.max(pd, fractionDigits(tk.last), fractionDigits(tk.open));
    const last = toMinor(tk.last, d);
    const open = toMinor(tk.open, d);
    const bps = ((last - open) * 10_000n) / open;
    const abs = bps < 0n ? -bps : bps;
    change = { text: `${bps < 0n ? '−' : '+'}${fromMinor(abs, 2)}%`, up: bps >= 0n };
  }
  const connLabel = view.conn === 'live' ? t('live') : view.conn === 'reconnecting' ? t('reconnecting') : view.conn === 'resyncing' ? t('resyncing') : t('connecting');
  return (
    <div className="ticker" data-testid="ticker">
      <label className="market-select">
        <span className="sr-only">{t('market')}</span>
        <select value={market.market} onChange={(e) => onChoose(e.target.value)} aria-label={t('market')} data-testid="market-select">
          {markets.map((m) => (
            <option key={m.market} value={m.market}>
              {m.base}/{m.quote}
            </option>
          ))}
        </select>
      </label>
      <div className="tick-item big">
        <span className="tick-label">{t('lastPrice')}</span>
        <Num className={change?.up === false ? 'down' : 'up'}>{tk?.last == null ? '—' : formatFixed(tk.last, pd)}</Num>
      </div>
      <div className="tick-item">
        <span className="tick-label">{t('change24h')}</span>
        <Num className={change === null ? '' : change.up ? 'up' : 'down'}>{change?.text ?? '—'}</Num>
      </div>
      <div className="tick-item">
        <span className="tick-label">{t('high24h')}</span>
        <Num>{tk?.high == null ? '—' : formatFixed(tk.high, pd)}</Num>
      </div>
      <div className="tick-item">
        <span className="tick-label">{t('low24h')}</span>
        <Num>{tk?.low == null ? '—' : formatFixed(tk.low, pd)}</Num>
      </div>
      <div className="tick-item">
        <span className="tick-label">
          {t('volume24h')} ({market.base})
        </span>
        <Num>{tk === null ? '—' : formatFixed(tk.volume, Math.min(4, fractionDigits(market.lotSize)))}</Num>
      </div>
      <div className={`conn ${view.conn}`} data-testid="conn" data-state={view.conn}>
        <span className="dot" aria-hidden="true" /> {connLabel}
      </div>
    </div>
  );
}

function safeGet(k: string): string | null {
  try {
    return localStorage.getItem(k);
  } catch {
    return null;
  }
}
function safeSet(k: string, v: string): void {
  try {
    localStorage.setItem(k, v);
  } catch {
    // ignore
  }
}
