import { type FormEvent, useId, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { CopyButton, Num, Panel, Show, formatTime, useLoad } from './common.tsx';
import { useApp } from './context.tsx';
import { Qr } from './Qr.tsx';

/** 2FA (TOTP, RFC 6238) with a QR code and recovery codes; API keys. */
export function Security() {
  const { t, loggedIn } = useApp();
  if (!loggedIn) return <p className="muted narrow">{t('loginRequired')}</p>;
  return (
    <div className="pages">
      <h1>{t('security')}</h1>
      <div className="cols">
        <TwoFactor />
        <ApiKeys />
      </div>
    </div>
  );
}

function TwoFactor() {
  const { t } = useApp();
  const id = useId();
  const [setup, setSetup] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [msg, setMsg] = useState('');
  const fail = (e: unknown) => setMsg(e instanceof ApiError && e.missing ? t('notAvailableYet') : e instanceof Error ? e.message : String(e));
  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    try {
      setCodes((await api.totpConfirm(code)).recoveryCodes);
    } catch (err) {
      fail(err);
    }
  };
  return (
    <Panel title={t('twoFactor')} id="twofa">
      {setup === null ? (
        <>
          <p className="muted small">{t('twoFactorHint')}</p>
          <button type="button" className="btn" onClick={() => api.totpSetup().then(setSetup, fail)}>
            {t('enable2fa')}
          </button>
        </>
      ) : codes === null ? (
        <form onSubmit={confirm} className="stack">
          <Qr text={setup.otpauthUri} label={t('twoFactor')} />
          <p>
            <Num className="mono break">{setup.secret}</Num> <CopyButton text={setup.secret} />
          </p>
          <label htmlFor={`${id}-code`}>{t('totpCode')}</label>
          <input id={`${id}-code`} inputMode="numeric" autoComplete="one-time-code" maxLength={6} dir="ltr" value={code} onChange={(e) => setCode(e.target.value)} />
          <button type="submit" className="btn">
            {t('submit')}
          </button>
        </form>
      ) : (
        <>
          <h3>{t('recoveryCodes')}</h3>
          <ul className="codes">
            {codes.map((c) => (
              <li key={c}>
                <Num className="mono">{c}</Num>
              </li>
            ))}
          </ul>
          <CopyButton text={codes.join('\n')} label={t('recoveryCodes')} />
        </>
      )}
      <p role="status" className="small">
        {msg}
      </p>
    </Panel>
  );
}

function ApiKeys() {
  const { t } = useApp();
  const id = useId();
  const [keys, reload] = useLoad(() => api.apiKeys(), []);
  const [label, setLabel] = useState('');
  const [trade, setTrade] = useState(false);
  const [secret, setSecret] = useState<{ keyId: string; secret: string } | null>(null);
  const [msg, setMsg] = useState('');
  const create = async (e: FormEvent) => {
    e.preventDefault();
    try {
      setSecret(await api.createApiKey(label, trade ? ['read', 'trade'] : ['read']));
      setLabel('');
      reload();
    } catch (err) {
      setMsg(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <Panel title={t('apiKeys')} id="apikeys">
      <Show value={keys} route="GET /api/v1/api-keys">
        {(list) =>
          list.length === 0 ? (
            <p className="muted">{t('noHistory')}</p>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th scope="col">{t('label')}</th>
                  <th scope="col">{t('permissions')}</th>
                  <th scope="col">{t('time')}</th>
                  <th scope="col">{t('action')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((k) => (
                  <tr key={k.keyId}>
                    <td>{k.label}</td>
                    <td>{k.permissions.join(', ')}</td>
                    <td>
                      <Num>{formatTime(k.createdAt, true)}</Num>
                    </td>
                    <td>
                      {k.revokedAt === null ? (
                        <button type="button" className="btn small danger" onClick={() => api.revokeApiKey(k.keyId).then(reload, (e: unknown) => setMsg(String(e)))}>
                          {t('revoke')}
                        </button>
                      ) : (
                        '—'
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
      <form onSubmit={create} className="stack">
        <label htmlFor={`${id}-label`}>{t('label')}</label>
        <input id={`${id}-label`} required maxLength={64} value={label} onChange={(e) => setLabel(e.target.value)} />
        <label className="check">
          <input type="checkbox" checked={trade} onChange={(e) => setTrade(e.target.checked)} /> {t('allowTrading')}
        </label>
        <button type="submit" className="btn">
          {t('createKey')}
        </button>
      </form>
      {secret !== null && (
        <div className="notice" role="alert">
          <p>{t('secretOnce')}</p>
          <dl className="kv">
            <dt>{t('keyId')}</dt>
            <dd>
              <Num className="mono break">{secret.keyId}</Num> <CopyButton text={secret.keyId} label={t('keyId')} />
            </dd>
            <dt>{t('secret')}</dt>
            <dd>
              <Num className="mono break">{secret.secret}</Num> <CopyButton text={secret.secret} label={t('secret')} />
            </dd>
          </dl>
        </div>
      )}
      <p role="status" className="small">
        {msg}
      </p>
    </Panel>
  );
}
