import { type FormEvent, useEffect, useId, useState } from 'react';
import { formatFixed, fractionDigits } from '../../lib/decimalText.ts';
import { ASSET_DECIMALS, buildOrder, type OrderStyle } from '../../lib/orderForm.ts';
import { ApiError, api, type Balance, type Market, newIdempotencyKey } from '../api.ts';
import { Link } from './Link.tsx';
import { Num, Panel } from './common.tsx';
import { useApp } from './context.tsx';

/** Order entry: limit / market / post-only / IOC, amount in the base or the quote asset. */
export function OrderForm({ market, price: pickedPrice, balances, onPlaced }: { market: Market; price: string | null; balances: readonly Balance[]; onPlaced: () => void }) {
  const { t, loggedIn } = useApp();
  const id = useId();
  const [side, setSide] = useState<'buy' | 'sell'>('buy');
  const [style, setStyle] = useState<OrderStyle>('limit');
  const [price, setPrice] = useState('');
  const [amount, setAmount] = useState('');
  const [amountIn, setAmountIn] = useState<'base' | 'quote'>('base');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [idemKey, setIdemKey] = useState(newIdempotencyKey);

  useEffect(() => {
    if (pickedPrice !== null) setPrice(pickedPrice);
  }, [pickedPrice]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the form is cleared when the market changes
  useEffect(() => {
    setPrice('');
    setAmount('');
    setMessage(null);
  }, [market.market]);

  const built = amount === '' ? null : buildOrder(market, { side, style, price, amount, amountIn });
  const pd = fractionDigits(market.tickSize);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!loggedIn || busy) return;
    const r = buildOrder(market, { side, style, price, amount, amountIn });
    if (!r.ok) {
      setMessage({ kind: 'error', text: t(r.error) });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      const out = await api.placeOrder(r.body, idemKey);
      setMessage({ kind: 'ok', text: `${t('orderPlaced')} #${out.order.orderId} (${out.order.status})` });
      setIdemKey(newIdempotencyKey());
      setAmount('');
      onPlaced();
    } catch (err) {
      setMessage({ kind: 'error', text: err instanceof ApiError ? `${err.code}: ${err.message}` : String(err) });
    } finally {
      setBusy(false);
    }
  };

  const styles: Array<[OrderStyle, string]> = [
    ['limit', t('limit')],
    ['market', t('marketOrder')],
    ['postOnly', t('postOnly')],
    ['ioc', t('ioc')],
  ];

  return (
    <Panel title={t('placeOrder')} id="order-form">
      <form onSubmit={submit} className="order-form" aria-describedby={`${id}-msg`} data-testid="order-form">
        <fieldset className="seg sides" aria-label={t('side')}>
          <button type="button" className={side === 'buy' ? 'on buy' : ''} aria-pressed={side === 'buy'} onClick={() => setSide('buy')}>
            {t('buy')}
          </button>
          <button type="button" className={side === 'sell' ? 'on sell' : ''} aria-pressed={side === 'sell'} onClick={() => setSide('sell')}>
            {t('sell')}
          </button>
        </fieldset>
        <label htmlFor={`${id}-style`}>{t('orderType')}</label>
        <select id={`${id}-style`} value={style} onChange={(e) => setStyle(e.target.value as OrderStyle)}>
          {styles.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
        {style !== 'market' && (
          <>
            <label htmlFor={`${id}-price`}>
              {t('price')} ({market.quote})
            </label>
            <input id={`${id}-price`} name="price" inputMode="decimal" autoComplete="off" dir="ltr" value={price} onChange={(e) => setPrice(e.target.value.trim())} placeholder={market.tickSize} />
          </>
        )}
        <fieldset className="amount-in">
          <legend>{t('amountIn')}</legend>
          <label>
            <input type="radio" name={`${id}-in`} checked={amountIn === 'base'} onChange={() => setAmountIn('base')} /> {market.base}
          </label>
          <label>
            <input type="radio" name={`${id}-in`} checked={amountIn === 'quote'} onChange={() => setAmountIn('quote')} /> {market.quote}
          </label>
        </fieldset>
        <label htmlFor={`${id}-amount`}>
          {t('amount')} ({amountIn === 'base' ? market.base : market.quote})
        </label>
        <input id={`${id}-amount`} name="amount" inputMode="decimal" autoComplete="off" dir="ltr" value={amount} onChange={(e) => setAmount(e.target.value.trim())} placeholder={amountIn === 'base' ? market.lotSize : market.minNotional} />
        <p className="muted small avail" data-testid="available">
          {t('available')}:{' '}
          {loggedIn ? (
            <>
              <Num>{availableText(balances, side === 'buy' ? market.quote : market.base, side === 'buy' ? (ASSET_DECIMALS[market.quote] ?? 2) : fractionDigits(market.lotSize))}</Num>{' '}
              {side === 'buy' ? market.quote : market.base}
            </>
          ) : (
            '—'
          )}
        </p>
        <p className="muted small est" aria-live="polite">
          {built?.ok === true && built.notional !== null ? (
            <>
              {t('estTotal')}: <Num>{formatFixed(built.notional, Math.max(pd, 2))}</Num> {market.quote}
              {built.quantity !== null && amountIn === 'quote' && (
                <>
                  {' '}
                  · <Num>{built.quantity}</Num> {market.base}
                </>
              )}
            </>
          ) : built?.ok === false ? (
            <span className="error">{t(built.error)}</span>
          ) : (
            '\u00a0'
          )}
        </p>
        {loggedIn ? (
          <button type="submit" className={`btn wide ${side}`} disabled={busy}>
            {side === 'buy' ? t('buy') : t('sell')} {market.base}
          </button>
        ) : (
          <Link to="/login" className="btn wide">
            {t('loginToTrade')}
          </Link>
        )}
        <p id={`${id}-msg`} role="status" className={message?.kind === 'error' ? 'error small' : 'ok small'}>
          {message?.text ?? ''}
        </p>
      </form>
    </Panel>
  );
}

/** Available balance shown to the places the market trades in (truncated, never rounded up). */
function availableText(balances: readonly Balance[], asset: string, places: number): string {
  const b = balances.find((x) => x.asset === asset);
  return b === undefined ? '—' : formatFixed(b.available, places);
}
