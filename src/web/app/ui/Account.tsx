import { useEffect, useRef, useState } from 'react';
import { formatFixed, fractionDigits } from '../../lib/decimalText.ts';
import { ApiError, api, type Balance, type Fill, type Market, type Order } from '../api.ts';
import { Num, Panel, formatTime } from './common.tsx';
import { useApp } from './context.tsx';

type Tab = 'open' | 'history' | 'fills' | 'balances';

const REFETCH_DELAY_MS = 150;
const REFETCH_INTERVAL_MS = 1000;

/** The logged-in customer's open orders (cancel, amend), order and trade history and balances. */
export function Account({ markets, version, refresh, onBalances }: { markets: Market[]; version: number; refresh: number; onBalances?: (b: Balance[]) => void }) {
  const { t, loggedIn } = useApp();
  const [tab, setTab] = useState<Tab>('open');
  const [open, setOpen] = useState<Order[]>([]);
  const [all, setAll] = useState<Order[]>([]);
  const [fills, setFills] = useState<Fill[]>([]);
  const [balances, setBalances] = useState<Balance[]>([]);
  const [error, setError] = useState<string | null>(null);
  const byName = new Map(markets.map((m) => [m.market, m]));

  // Private stream events arrive in bursts: refetch at most once a second (4 calls, well inside the
  // per-account limit of 600 a minute), and never starve: a pending refetch is not pushed back by new events.
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastFetchMs = useRef(0);
  const [tick, setTick] = useState(0);
  const [changed, setChanged] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: version and refresh are the triggers to refetch
  useEffect(() => {
    if (!loggedIn || pending.current !== null) return;
    const waitMs = Math.max(REFETCH_DELAY_MS, lastFetchMs.current + REFETCH_INTERVAL_MS - Date.now());
    pending.current = setTimeout(() => {
      pending.current = null;
      lastFetchMs.current = Date.now();
      setTick((x) => x + 1);
    }, waitMs);
  }, [loggedIn, version, refresh, changed]);
  useEffect(
    () => () => {
      if (pending.current !== null) clearTimeout(pending.current);
    },
    [],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick is the trigger; onBalances is a state setter
  useEffect(() => {
    if (!loggedIn || tick === 0) return;
    let live = true;
    Promise.all([api.orders('open'), api.orders('all'), api.fills(), api.balances()]).then(
      ([o, a, f, b]) => {
        if (!live) return;
        setOpen(o);
        setAll(a.slice().reverse());
        setFills(f.slice().reverse());
        setBalances(b);
        onBalances?.(b);
        setError(null);
      },
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [loggedIn, tick]);

  const tabs: Array<[Tab, string]> = [
    ['open', `${t('openOrders')} (${open.length})`],
    ['history', t('orderHistory')],
    ['fills', t('tradeHistory')],
    ['balances', t('balances')],
  ];

  return (
    <Panel title={t('myAccount')} id="account">
      <div role="tablist" className="tabs" aria-label={t('myAccount')}>
        {tabs.map(([k, label]) => (
          <button
            key={k}
            type="button"
            role="tab"
            id={`tab-${k}`}
            aria-selected={tab === k}
            aria-controls={`tabpanel-${k}`}
            tabIndex={tab === k ? 0 : -1}
            onClick={() => setTab(k)}
            onKeyDown={(e) => {
              const i = tabs.findIndex(([x]) => x === tab);
              const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
              if (d === 0) return;
              const rtl = document.documentElement.dir === 'rtl' ? -1 : 1;
              const next = tabs[(i + d * rtl + tabs.length) % tabs.length]![0];
              setTab(next);
              document.getElementById(`tab-${next}`)?.focus();
            }}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`tabpanel-${tab}`} aria-labelledby={`tab-${tab}`} className="tabpanel">
        {!loggedIn ? (
          <p className="muted">{t('loginRequired')}</p>
        ) : error !== null ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : tab === 'open' ? (
          <Orders list={open} byName={byName} editable onChanged={() => setChanged((x) => x + 1)} />
        ) : tab === 'history' ? (
          <Orders list={all} byName={byName} editable={false} onChanged={() => undefined} />
        ) : tab === 'fills' ? (
          <Fills list={fills} byName={byName} />
        ) : (
          <Balances list={balances} />
        )}
      </div>
    </Panel>
  );
}

function Orders({ list, byName, editable, onChanged }: { list: Order[]; byName: Map<string, Market>; editable: boolean; onChanged: () => void }) {
  const { t } = useApp();
  const [editing, setEditing] = useState<number | null>(null);
  const [price, setPrice] = useState('');
  const [qty, setQty] = useState('');
  const [msg, setMsg] = useState('');
  if (list.length === 0) return <p className="muted">{editable ? t('noOpenOrders') : t('noHistory')}</p>;
  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
      setMsg('');
      setEditing(null);
      onChanged();
    } catch (e) {
      setMsg(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    }
  };
  return (
    <>
      <div className="table-wrap">
        <table className="grid" data-testid={editable ? 'open-orders' : 'order-history'}>
          <thead>
            <tr>
              <th scope="col">{t('time')}</th>
              <th scope="col">{t('market')}</th>
              <th scope="col">{t('side')}</th>
              <th scope="col">{t('type')}</th>
              <th scope="col">{t('price')}</th>
              <th scope="col">{t('amount')}</th>
              <th scope="col">{t('filled')}</th>
              <th scope="col">{editable ? t('action') : t('status')}</th>
            </tr>
          </thead>
          <tbody>
            {list.slice(0, 100).map((o) => {
              const m = byName.get(o.market);
              const pd = m === undefined ? 2 : fractionDigits(m.tickSize);
              const ld = m === undefined ? 8 : fractionDigits(m.lotSize);
              return (
                <tr key={o.orderId}>
                  <td>
                    <Num>{formatTime(o.createdAt, true)}</Num>
                  </td>
                  <td>{o.market}</td>
                  <td className={o.side === 'buy' ? 'up' : 'down'}>{o.side === 'buy' ? t('buy') : t('sell')}</td>
                  <td>{o.postOnly ? t('postOnly') : o.type === 'market' ? t('marketOrder') : o.timeInForce}</td>
                  <td>
                    {editing === o.orderId ? (
                      <input aria-label={t('price')} dir="ltr" className="inline" value={price} onChange={(e) => setPrice(e.target.value.trim())} />
                    ) : (
                      <Num>{o.price === null ? '—' : formatFixed(o.price, pd)}</Num>
                    )}
                  </td>
                  <td>
                    {editing === o.orderId ? (
                      <input aria-label={t('amount')} dir="ltr" className="inline" value={qty} onChange={(e) => setQty(e.target.value.trim())} />
                    ) : (
                      <Num>{formatFixed(o.quantity, ld)}</Num>
                    )}
                  </td>
                  <td>
                    <Num>{formatFixed(o.filledQuantity, ld)}</Num>
                  </td>
                  <td>
                    {!editable ? (
                      o.status
                    ) : editing === o.orderId ? (
                      <span className="actions">
                        <button type="button" className="btn small" onClick={() => act(() => api.amendOrder(o.orderId, { ...(price !== o.price ? { price } : {}), ...(qty !== o.quantity ? { quantity: qty } : {}) }))}>
                          {t('save')}
                        </button>
                        <button type="button" className="btn small ghost" onClick={() => setEditing(null)}>
                          {t('cancel')}
                        </button>
                      </span>
                    ) : (
                      <span className="actions">
                        <button
                          type="button"
                          className="btn small ghost"
                          aria-label={`${t('amend')} #${o.orderId}`}
                          onClick={() => {
                            setEditing(o.orderId);
                            setPrice(o.price ?? '');
                            setQty(o.quantity);
                          }}
                        >
                          {t('amend')}
                        </button>
                        <button type="button" className="btn small danger" aria-label={`${t('cancel')} #${o.orderId}`} onClick={() => act(() => api.cancelOrder(o.orderId))}>
                          {t('cancel')}
                        </button>
                      </span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {msg !== '' && (
        <p className="error small" role="alert">
          {msg}
        </p>
      )}
    </>
  );
}

function Fills({ list, byName }: { list: Fill[]; byName: Map<string, Market> }) {
  const { t } = useApp();
  if (list.length === 0) return <p className="muted">{t('noHistory')}</p>;
  return (
    <div className="table-wrap">
      <table className="grid" data-testid="fills">
        <thead>
          <tr>
            <th scope="col">{t('time')}</th>
            <th scope="col">{t('market')}</th>
            <th scope="col">{t('side')}</th>
            <th scope="col">{t('price')}</th>
            <th scope="col">{t('amount')}</th>
            <th scope="col">{t('fee')}</th>
          </tr>
        </thead>
        <tbody>
          {list.slice(0, 100).map((f) => {
            const m = byName.get(f.market);
            return (
              <tr key={`${f.tradeId}-${f.orderId}`}>
                <td>
                  <Num>{formatTime(f.time, true)}</Num>
                </td>
                <td>{f.market}</td>
                <td className={f.side === 'buy' ? 'up' : 'down'}>{f.side === 'buy' ? t('buy') : t('sell')}</td>
                <td>
                  <Num>{m === undefined ? f.price : formatFixed(f.price, fractionDigits(m.tickSize))}</Num>
                </td>
                <td>
                  <Num>{f.quantity}</Num>
                </td>
                <td>
                  <Num>{f.fee}</Num> {f.feeAsset}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Balances({ list }: { list: Balance[] }) {
  const { t } = useApp();
  return (
    <table className="grid" data-testid="balances">
      <thead>
        <tr>
          <th scope="col">{t('asset')}</th>
          <th scope="col">{t('available')}</th>
          <th scope="col">{t('locked')}</th>
        </tr>
      </thead>
      <tbody>
        {list.map((b) => (
          <tr key={b.asset}>
            <th scope="row">{b.asset}</th>
            <td>
              <Num>{b.available}</Num>
            </td>
            <td>
              <Num>{b.locked}</Num>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
