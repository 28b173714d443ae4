import { type CSSProperties, memo } from 'react';
import { fractionDigits, formatFixed, toMinor } from '../../lib/decimalText.ts';
import type { Level } from '../../lib/bookSync.ts';
import { BOOK_ROWS, type Market, type MarketView } from '../api.ts';
import { Num, Panel } from './common.tsx';
import { useApp } from './context.tsx';

/**
 * The order book: a fixed number of fixed-height rows per side (empty rows are drawn
 * too), a fixed table layout, tabular numerals and fixed decimal places, so an update
 * never moves the layout. A depth bar is a background gradient sized by a CSS custom
 * property: a repaint of one row, never a relayout.
 */
export const OrderBook = memo(function OrderBook({ view, market, onPrice }: { view: MarketView; market: Market; onPrice: (p: string) => void }) {
  const { t } = useApp();
  const pd = fractionDigits(market.tickSize);
  const ld = fractionDigits(market.lotSize);
  const asks = cumulative(view.asks, ld);
  const bids = cumulative(view.bids, ld);
  const maxCum = Math.max(asks.at(-1)?.cum ?? 0, bids.at(-1)?.cum ?? 0, 1);
  const bestBid = view.bids[0]?.[0];
  const bestAsk = view.asks[0]?.[0];
  let spread = '';
  if (bestBid !== undefined && bestAsk !== undefined) {
    const s = toMinor(bestAsk, pd) - toMinor(bestBid, pd);
    spread = formatFixed(fixed(s, pd), pd);
  }
  const rowsAsk = pad(asks, BOOK_ROWS).reverse();
  const rowsBid = pad(bids, BOOK_ROWS);
  const row = (side: 'ask' | 'bid', r: Row | null, i: number) =>
    r === null ? (
      <tr className={`book-row ${side} empty-row`} key={`${side}${i}`}>
        <td />
        <td />
        <td />
      </tr>
    ) : (
      <tr className={`book-row ${side}`} key={`${side}${i}`} style={{ '--depth': (r.cum / maxCum).toFixed(4) } as CSSProperties}>
        <td className="price">
          <button type="button" className="linklike" tabIndex={-1} onClick={() => onPrice(r.price)}>
            <Num>{formatFixed(r.price, pd)}</Num>
          </button>
        </td>
        <td>
          <Num>{formatFixed(r.qty, ld)}</Num>
        </td>
        <td>
          <Num>{formatFixed(r.cumText, ld)}</Num>
        </td>
      </tr>
    );
  return (
    <Panel title={t('orderBook')} id="book">
      <table className="book" data-testid="order-book" data-levels={view.bids.length + view.asks.length} aria-labelledby="book-title">
        <thead>
          <tr className="book-row head">
            <th scope="col">
              {t('price')} ({market.quote})
            </th>
            <th scope="col">
              {t('amount')} ({market.base})
            </th>
            <th scope="col">{t('total')}</th>
          </tr>
        </thead>
        <tbody aria-label={t('ask')}>{rowsAsk.map((r, i) => row('ask', r, i))}</tbody>
        <tbody>
          <tr className="book-row mid">
            <td className="last">
              <Num>{view.ticker?.last == null ? '—' : formatFixed(view.ticker.last, pd)}</Num>
            </td>
            <td colSpan={2} className="muted">
              {t('spread')} <Num>{spread || '—'}</Num>
            </td>
          </tr>
        </tbody>
        <tbody aria-label={t('bid')}>{rowsBid.map((r, i) => row('bid', r, i))}</tbody>
      </table>
    </Panel>
  );
});

interface Row {
  price: string;
  qty: string;
  cum: number;
  cumText: string;
}

function cumulative(levels: readonly Level[], ld: number): Row[] {
  let acc = 0n;
  const out: Row[] = [];
  for (const [price, qty] of levels.slice(0, BOOK_ROWS)) {
    let q = 0n;
    try {
      q = toMinor(qty, ld);
    } catch {
      q = 0n;
    }
    acc += q;
    // A display ratio only: the bar's width. Amounts stay exact strings.
    out.push({ price, qty, cum: Number(acc), cumText: fixed(acc, ld) });
  }
  return out;
}

function fixed(v: bigint, d: number): string {
  const s = v.toString().padStart(d + 1, '0');
  return d === 0 ? s : `${s.slice(0, -d)}.${s.slice(-d)}`;
}

function pad(rows: Row[], n: number): Array<Row | null> {
  const out: Array<Row | null> = rows.slice(0, n);
  while (out.length < n) out.push(null);
  return out;
}
