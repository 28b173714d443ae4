import { useEffect, useState } from 'react';
import { ApiError, api, type StatusReport } from '../api.ts';
import { Num, Panel, formatTime } from './common.tsx';
import { useApp } from './context.tsx';

/** Status from /api/v1/status when the server has it, else derived from /api/v1/health. */
export async function fetchStatus(): Promise<StatusReport> {
  try {
    return await api.status();
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) return { status: 'down' };
  }
  try {
    const h = await api.health();
    return { status: h.status === 'ready' ? 'operational' : 'degraded', components: [{ name: 'matching engine', status: h.status }] };
  } catch (e) {
    return { status: e instanceof ApiError && e.status === 503 ? 'degraded' : 'down' };
  }
}

const POLL_MS = 30_000;

export function useStatus(): StatusReport | null {
  const [s, setS] = useState<StatusReport | null>(null);
  useEffect(() => {
    let live = true;
    const run = () => fetchStatus().then((r) => live && setS(r));
    void run();
    const timer = setInterval(run, POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  return s;
}

/** A banner across every page when the exchange is not fully operational. */
export function StatusBanner({ status }: { status: StatusReport | null }) {
  const { t } = useApp();
  if (status === null || status.status === 'operational') return null;
  return (
    <div className={`banner ${status.status}`} role="alert" data-testid="status-banner">
      {status.message ?? (status.status === 'down' ? t('statusDown') : t('statusDegraded'))}
    </div>
  );
}

export function StatusPage({ status }: { status: StatusReport | null }) {
  const { t } = useApp();
  const label = status === null ? '…' : status.status === 'operational' ? t('statusOperational') : status.status === 'down' ? t('statusDown') : t('statusDegraded');
  return (
    <div className="narrow wide-ok">
      <h1>{t('statusPageTitle')}</h1>
      <p className={`status-line ${status?.status ?? ''}`} data-testid="status-line">
        <span className="dot" aria-hidden="true" /> {label}
      </p>
      <Panel title={t('component')} id="components">
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">{t('component')}</th>
              <th scope="col">{t('state')}</th>
            </tr>
          </thead>
          <tbody>
            {(status?.components ?? []).map((c) => (
              <tr key={c.name}>
                <td>{c.name}</td>
                <td>{c.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
      {(status?.incidents ?? []).length > 0 && (
        <Panel title={t('incidents')} id="incidents">
          <ul className="plain">
            {status!.incidents!.map((i) => (
              <li key={i.id}>
                <Num>{formatTime(i.time, true)}</Num> · {i.title} · {i.status}
              </li>
            ))}
          </ul>
        </Panel>
      )}
    </div>
  );
}
