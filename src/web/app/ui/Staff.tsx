import { type FormEvent, useId, useState } from 'react';
import { api } from '../api.ts';
import { Link } from './Link.tsx';
import { Panel, Show, useLoad } from './common.tsx';
import { useApp } from './context.tsx';

/**
 * The staff console at /staff: separate screens wired to /api/v1/staff/* (staff roles
 * are enforced by the server; this UI only hides nothing it could not show). Screens
 * whose routes do not exist yet say so plainly.
 */
const SCREENS = [
  { slug: 'incident', title: 'Incident console', route: 'incident', hint: 'Per-asset hot/cold balances, reserve ratio, outflow rate, kill switches, incident timeline.' },
  { slug: 'approvals', title: 'Approvals queue', route: 'approvals', hint: 'Four-eyes requests waiting for a second staff member.' },
  { slug: 'withdrawals', title: 'Withdrawal review', route: 'withdrawals?status=review', hint: 'Withdrawals held by screening, limits or the cooling-off rule.' },
  { slug: 'kyc', title: 'KYC review', route: 'kyc?status=pending', hint: 'Customers waiting for identity verification.' },
  { slug: 'suspense', title: 'Bank suspense', route: 'bank/suspense', hint: 'Incoming transfers that matched no customer reference.' },
  { slug: 'cases', title: 'Compliance cases', route: 'cases', hint: 'Screening hits, STRs and freeze requests.' },
  { slug: 'audit', title: 'Audit log', route: 'audit', hint: 'Hash-chained record of every staff action.' },
] as const;

export function Staff() {
  const { path } = useApp();
  const slug = path.split('/')[2] ?? 'incident';
  const screen = SCREENS.find((s) => s.slug === slug) ?? SCREENS[0];
  return (
    <div className="staff">
      <nav className="staff-nav" aria-label="Staff">
        <ul className="staff-list">
          {SCREENS.map((s) => (
            <li key={s.slug}>
              <Link to={`/staff/${s.slug}`} className="staff-link">{s.title}</Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="staff-main">
        <h1>{screen.title}</h1>
        <p className="muted">{screen.hint}</p>
        {screen.slug === 'incident' ? <Incident /> : screen.slug === 'audit' ? <Audit /> : <Queue route={screen.route} title={screen.title} />}
      </div>
    </div>
  );
}

function Incident() {
  const [v, reload] = useLoad(() => api.staff('incident') as Promise<IncidentView>, []);
  const [msg, setMsg] = useState('');
  return (
    <Show value={v} route="GET /api/v1/staff/incident">
      {(d) => (
        <>
          <Panel title="Assets" id="assets">
            <DataTable rows={d.assets ?? []} />
          </Panel>
          <Panel title="Kill switches" id="kill">
            <ul className="plain">
              {(d.killSwitches ?? []).map((k) => (
                <li key={k.name}>
                  {k.name}: <strong>{k.engaged ? 'ENGAGED' : 'off'}</strong>{' '}
                  <button
                    type="button"
                    className={`btn small ${k.engaged ? '' : 'danger'}`}
                    onClick={() => api.staffAction(`kill-switches/${encodeURIComponent(k.name)}`, { engaged: !k.engaged }).then(reload, (e: unknown) => setMsg(String(e)))}
                  >
                    {k.engaged ? 'Request release' : 'Engage'}
                  </button>
                </li>
              ))}
            </ul>
            <p role="status">{msg}</p>
          </Panel>
          <Panel title="Incidents" id="timeline">
            <DataTable rows={d.incidents ?? []} />
          </Panel>
        </>
      )}
    </Show>
  );
}

interface IncidentView {
  assets?: Record<string, unknown>[];
  killSwitches?: Array<{ name: string; engaged: boolean }>;
  incidents?: Record<string, unknown>[];
}

/** Queues whose items a second member of staff decides (four-eyes): approve or reject by id. */
const DECIDABLE = new Set(['approvals', 'withdrawals?status=review', 'kyc?status=pending']);

function Queue({ route, title }: { route: string; title: string }) {
  const [v, reload] = useLoad(() => api.staff(route), [route]);
  const [msg, setMsg] = useState('');
  const base = route.split('?')[0]!;
  const decide = (id: string, decision: 'approve' | 'reject') =>
    api.staffAction(`${base}/${encodeURIComponent(id)}/${decision}`, {}).then(
      () => {
        setMsg(`${decision}: ${id}`);
        reload();
      },
      (e: unknown) => setMsg(e instanceof Error ? e.message : String(e)),
    );
  return (
    <Show value={v} route={`GET /api/v1/staff/${route}`}>
      {(d) => (
        <Panel title={title} id="queue">
          <DataTable rows={rowsOf(d)} actions={DECIDABLE.has(route) ? decide : undefined} />
          <p role="status" className="small">
            {msg}
          </p>
        </Panel>
      )}
    </Show>
  );
}

function Audit() {
  const id = useId();
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [v] = useLoad(() => api.staff(`audit?q=${encodeURIComponent(query)}`), [query]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery(q);
  };
  return (
    <>
      <form onSubmit={submit} className="row-form" aria-label="Audit log search">
        <label htmlFor={`${id}-q`}>Search</label>
        <input id={`${id}-q`} type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        <button type="submit" className="btn">
          Search
        </button>
      </form>
      <Show value={v} route="GET /api/v1/staff/audit?q=">
        {(d) => <DataTable rows={rowsOf(d)} />}
      </Show>
    </>
  );
}

function rowsOf(d: unknown): Record<string, unknown>[] {
  if (Array.isArray(d)) return d as Record<string, unknown>[];
  if (typeof d === 'object' && d !== null) {
    const first = Object.values(d).find(Array.isArray);
    if (first !== undefined) return first as Record<string, unknown>[];
  }
  return [];
}

/** A plain table of whatever rows the server sends; an empty list says so. */
function DataTable({ rows, actions }: { rows: Record<string, unknown>[]; actions?: ((id: string, d: 'approve' | 'reject') => void) | undefined }) {
  if (rows.length === 0) return <p className="empty">Nothing waiting.</p>;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, 10);
  return (
    <div className="table-wrap">
      <table className="grid">
        <thead>
          <tr>
            {cols.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            {actions !== undefined && <th scope="col">decision</th>}
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, 200).map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no common id
            <tr key={i}>
              {cols.map((c) => (
                <td key={c} dir="ltr">
                  {typeof r[c] === 'object' ? JSON.stringify(r[c]) : String(r[c] ?? '')}
                </td>
              ))}
              {actions !== undefined && (
                <td>
                  {r.id !== undefined && (
                    <span className="actions">
                      <button type="button" className="btn small" aria-label={`approve ${String(r.id)}`} onClick={() => actions(String(r.id), 'approve')}>
                        Approve
                      </button>
                      <button type="button" className="btn small danger" aria-label={`reject ${String(r.id)}`} onClick={() => actions(String(r.id), 'reject')}>
                        Reject
                      </button>
                    </span>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
