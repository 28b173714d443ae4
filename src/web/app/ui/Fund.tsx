import { type FormEvent, useId, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { CopyButton, Num, Panel, Show, formatTime, useLoad } from './common.tsx';
import { useApp } from './context.tsx';
import { Qr } from './Qr.tsx';

/** Deposits (AED by bank transfer, BTC/ETH on chain) and withdrawals to whitelisted addresses. */
export function Fund() {
  const { t, loggedIn } = useApp();
  const [asset, setAsset] = useState<'BTC' | 'ETH'>('BTC');
  const [aed] = useLoad(() => api.aedDepositInstructions(), [loggedIn]);
  const [addr] = useLoad(() => api.cryptoDepositAddress(asset), [loggedIn, asset]);
  const [deposits] = useLoad(() => api.deposits(), [loggedIn]);
  if (!loggedIn) return <p className="muted narrow">{t('loginRequired')}</p>;
  return (
    <div className="pages">
      <h1>{t('fund')}</h1>
      <div className="cols">
        <Panel title={t('depositAed')} id="aed">
          <Show value={aed} route="GET /api/v1/deposits/AED/instructions">
            {(d) => (
              <dl className="kv">
                <dt>{t('beneficiary')}</dt>
                <dd>
                  {d.beneficiary} · {d.bank}
                </dd>
                <dt>{t('iban')}</dt>
                <dd>
                  <Num className="mono">{d.iban}</Num> <CopyButton text={d.iban} label={t('iban')} />
                </dd>
                <dt>{t('reference')}</dt>
                <dd>
                  <Num className="mono strong">{d.reference}</Num> <CopyButton text={d.reference} label={t('reference')} />
                </dd>
              </dl>
            )}
          </Show>
          <p className="muted small">{t('referenceHint')}</p>
        </Panel>
        <Panel
          title={t('depositCrypto')}
          id="crypto"
          actions={
            <fieldset className="seg" aria-label={t('asset')}>
              {(['BTC', 'ETH'] as const).map((a) => (
                <button key={a} type="button" className={a === asset ? 'on' : ''} aria-pressed={a === asset} onClick={() => setAsset(a)}>
                  {a}
                </button>
              ))}
            </fieldset>
          }
        >
          <Show value={addr} route={`GET /api/v1/deposits/${asset}/address`}>
            {(d) => (
              <div className="deposit-address">
                <Qr text={d.address} label={`${t('depositAddress')} ${d.asset}`} />
                <dl className="kv">
                  <dt>{t('network')}</dt>
                  <dd>{d.network}</dd>
                  <dt>{t('depositAddress')}</dt>
                  <dd>
                    <Num className="mono break">{d.address}</Num> <CopyButton text={d.address} label={t('depositAddress')} />
                  </dd>
                  <dt>{t('confirmations')}</dt>
                  <dd>
                    <Num>{d.confirmationsRequired}</Num>
                  </dd>
                </dl>
              </div>
            )}
          </Show>
          <Show value={deposits} route="GET /api/v1/deposits">
            {(list) =>
              list.length === 0 ? (
                <p className="muted">{t('noHistory')}</p>
              ) : (
                <table className="grid">
                  <thead>
                    <tr>
                      <th scope="col">{t('time')}</th>
                      <th scope="col">{t('asset')}</th>
                      <th scope="col">{t('amount')}</th>
                      <th scope="col">{t('confirmations')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((d) => (
                      <tr key={d.id}>
                        <td>
                          <Num>{formatTime(d.time, true)}</Num>
                        </td>
                        <td>{d.asset}</td>
                        <td>
                          <Num>{d.amount}</Num>
                        </td>
                        <td>
                          <Num>
                            {d.confirmations}/{d.confirmationsRequired}
                          </Num>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            }
          </Show>
        </Panel>
        <Withdraw />
      </div>
    </div>
  );
}

function Withdraw() {
  const { t } = useApp();
  const id = useId();
  const [book, reload] = useLoad(() => api.withdrawalAddresses(), []);
  const [asset, setAsset] = useState('BTC');
  const [address, setAddress] = useState('');
  const [label, setLabel] = useState('');
  const [addrTotp, setAddrTotp] = useState('');
  const [addressId, setAddressId] = useState('');
  const [amount, setAmount] = useState('');
  const [totp, setTotp] = useState('');
  const [msg, setMsg] = useState('');
  const run = async (e: FormEvent, f: () => Promise<unknown>) => {
    e.preventDefault();
    try {
      await f();
      setMsg('OK');
      reload();
    } catch (err) {
      setMsg(err instanceof ApiError && err.missing ? t('notAvailableYet') : err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <Panel title={t('withdraw')} id="withdraw">
      <h3>{t('addressBook')}</h3>
      <Show value={book} route="GET /api/v1/withdrawal-addresses">
        {(list) =>
          list.length === 0 ? (
            <p className="muted">{t('noHistory')}</p>
          ) : (
            <ul className="plain">
              {list.map((a) => (
                <li key={a.id}>
                  {a.label} · {a.asset} · <Num className="mono break">{a.address}</Num>
                  {a.usableAt > Date.now() && (
                    <span className="muted small">
                      {' '}
                      ({t('coolingOff')} <Num>{formatTime(a.usableAt, true)}</Num>)
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </Show>
      <h3>{t('addAddress')}</h3>
      <form className="stack" onSubmit={(e) => run(e, () => api.addWithdrawalAddress(asset, address, label, addrTotp))}>
        <label htmlFor={`${id}-asset`}>{t('asset')}</label>
        <select id={`${id}-asset`} value={asset} onChange={(e) => setAsset(e.target.value)}>
          <option>BTC</option>
          <option>ETH</option>
        </select>
        <label htmlFor={`${id}-addr`}>{t('destination')}</label>
        <input id={`${id}-addr`} dir="ltr" autoComplete="off" value={address} onChange={(e) => setAddress(e.target.value.trim())} />
        <label htmlFor={`${id}-label`}>{t('label')}</label>
        <input id={`${id}-label`} value={label} onChange={(e) => setLabel(e.target.value)} />
        <label htmlFor={`${id}-atotp`}>{t('totpCode')}</label>
        <input id={`${id}-atotp`} inputMode="numeric" autoComplete="one-time-code" maxLength={6} dir="ltr" value={addrTotp} onChange={(e) => setAddrTotp(e.target.value)} />
        <p className="muted small">{t('coolingOff')}</p>
        <button type="submit" className="btn">
          {t('save')}
        </button>
      </form>
      <h3>{t('withdraw')}</h3>
      <form className="stack" onSubmit={(e) => run(e, () => api.withdraw(asset, addressId, amount, totp))}>
        <label htmlFor={`${id}-aid`}>{t('destination')}</label>
        <select id={`${id}-aid`} value={addressId} onChange={(e) => setAddressId(e.target.value)}>
          <option value="">—</option>
          {book.state === 'ok' && book.data.map((a) => <option key={a.id} value={a.id} disabled={a.usableAt > Date.now()}>{`${a.label} (${a.asset})`}</option>)}
        </select>
        <label htmlFor={`${id}-amt`}>{t('amount')}</label>
        <input id={`${id}-amt`} inputMode="decimal" dir="ltr" value={amount} onChange={(e) => setAmount(e.target.value.trim())} />
        <label htmlFor={`${id}-wtotp`}>{t('totpCode')}</label>
        <input id={`${id}-wtotp`} inputMode="numeric" autoComplete="one-time-code" maxLength={6} dir="ltr" value={totp} onChange={(e) => setTotp(e.target.value)} />
        <button type="submit" className="btn">
          {t('withdraw')}
        </button>
      </form>
      <p role="status" className="small">
        {msg}
      </p>
    </Panel>
  );
}
