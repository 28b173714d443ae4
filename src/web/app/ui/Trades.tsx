import { memo } from 'react';
import { formatFixed, fractionDigits } from '../../lib/decimalText.ts';
import type { Market, MarketView } from '../api.ts';
import { Num, Panel, formatTime } from './common.tsx';
import { useApp } from './context.tsx';

const ROWS = 16;

export const Trades = memo(function Trades({ view, market }: { view: MarketView; market: Market }) {
  const { t } = useApp();
  const pd = fractionDigits(market.tickSize);
  const ld = fractionDigits(market.lotSize);
  const rows = view.trades.slice(0, ROWS);
  return (
    <Panel title={t('recentTrades')} id="trades">
      <table className="grid trades" data-testid="trades">
        <thead>
          <tr>
            <th scope="col">{t('price')}</th>
            <th scope="col">{t('amount')}</th>
            <th scope="col">{t('time')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={3} className="muted">
                {t('noTrades')}
              </td>
            </tr>
          )}
          {rows.map((tr) => (
            <tr key={tr.id}>
              <td className={tr.takerSide === 'buy' ? 'up' : 'down'}>
                <Num>{formatFixed(tr.price, pd)}</Num>
                <span className="sr-only">{tr.takerSide === 'buy' ? t('buy') : t('sell')}</span>
              </td>
              <td>
                <Num>{formatFixed(tr.quantity, ld)}</Num>
              </td>
              <td className="muted">
                <Num>{formatTime(tr.time)}</Num>
              </td>
            </tr>
          ))}
          {/* Always ROWS rows: a filling list must not push the panels below it. */}
          {Array.from({ length: Math.max(0, ROWS - Math.max(rows.length, 1)) }, (_, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: filler rows have no identity
            <tr key={`pad${i}`} className="pad-row">
              <td colSpan={3} />
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
});
