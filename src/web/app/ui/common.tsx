import { type ReactNode, useEffect, useState } from 'react';
import { ApiError } from '../api.ts';
import { useApp } from './context.tsx';

/** Numbers stay left-to-right (and in Western digits) inside Arabic text. */
export function Num({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <span dir="ltr" className={className === undefined ? 'num' : `num ${className}`}>
      {children}
    </span>
  );
}

export function CopyButton({ text, label }: { text: string; label?: string }) {
  const { t } = useApp();
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="btn small"
      aria-label={`${t('copy')} ${label ?? ''}`.trim()}
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => setDone(true));
        setTimeout(() => setDone(false), 1500);
      }}
    >
      {done ? t('copied') : t('copy')}
    </button>
  );
}

/** A result of an API call: loading, data, not-yet-available (404) or an error. */
export type Loaded<T> = { state: 'loading' } | { state: 'ok'; data: T } | { state: 'missing' } | { state: 'error'; message: string };

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [Loaded<T>, () => void] {
  const [v, setV] = useState<Loaded<T>>({ state: 'loading' });
  const [n, setN] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: deps are the caller's
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setV({ state: 'ok', data }),
      (e: unknown) => {
        if (!live) return;
        if (e instanceof ApiError && (e.status === 404 || e.status === 501)) setV({ state: 'missing' });
        else setV({ state: 'error', message: e instanceof Error ? e.message : String(e) });
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  return [v, () => setN((x) => x + 1)];
}

/** Renders a Loaded value with clear loading, empty and not-yet-available states. */
export function Show<T>({ value, children, route }: { value: Loaded<T>; children: (data: T) => ReactNode; route?: string }) {
  const { t } = useApp();
  if (value.state === 'loading') return <p className="muted" aria-busy="true">…</p>;
  if (value.state === 'missing')
    return (
      <div className="empty" role="note">
        <p>{t('notAvailableYet')}</p>
        {route !== undefined && (
          <p className="muted small">
            <code dir="ltr">{route}</code>
          </p>
        )}
      </div>
    );
  if (value.state === 'error')
    return (
      <p className="error" role="alert">
        {value.message}
      </p>
    );
  return <>{children(value.data)}</>;
}

export function Panel({ title, children, id, actions }: { title: string; children: ReactNode; id?: string; actions?: ReactNode }) {
  const hid = id === undefined ? undefined : `${id}-title`;
  return (
    <section className="panel" aria-labelledby={hid} id={id}>
      <header className="panel-head">
        <h2 id={hid}>{title}</h2>
        {actions}
      </header>
      <div className="panel-body">{children}</div>
    </section>
  );
}

export function formatTime(ms: number, withDate = false): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  const time = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return withDate ? `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${time}` : time;
}
