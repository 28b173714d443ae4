import { lazy, type ReactNode, Suspense, useEffect, useMemo, useState } from 'react';
import type { LANGS } from '../../lib/i18n.ts';
import { api, type Market, probeSession, UNAUTHENTICATED_EVENT } from '../api.ts';
import { Login, Signup } from './Auth.tsx';
import { type AppContextValue, AppContext, tFor, useLangState, usePathState } from './context.tsx';
import { ErrorBoundary } from './ErrorBoundary.tsx';
import { Link } from './Link.tsx';
import { StatusBanner, StatusPage, useStatus } from './Status.tsx';
import { TradingScreen } from './TradingScreen.tsx';

// Screens away from the trading screen load on demand (QR codes, the reserves verifier, the staff console).
const Fund = lazy(() => import('./Fund.tsx').then((m) => ({ default: m.Fund })));
const Reserves = lazy(() => import('./Reserves.tsx').then((m) => ({ default: m.Reserves })));
const Security = lazy(() => import('./Security.tsx').then((m) => ({ default: m.Security })));
const Staff = lazy(() => import('./Staff.tsx').then((m) => ({ default: m.Staff })));

export function App() {
  const [lang, setLang] = useLangState();
  const [path, navigate] = usePathState();
  const [loggedIn, setLoggedIn] = useState(false);
  const [markets, setMarkets] = useState<Market[] | null>(null);
  const [marketsError, setMarketsError] = useState('');
  const status = useStatus();
  const t = useMemo(() => tFor(lang), [lang]);

  useEffect(() => {
    const off = () => setLoggedIn(false);
    addEventListener(UNAUTHENTICATED_EVENT, off);
    return () => removeEventListener(UNAUTHENTICATED_EVENT, off);
  }, []);
  useEffect(() => {
    void probeSession().then(setLoggedIn);
    api.markets().then(setMarkets, (e: unknown) => setMarketsError(e instanceof Error ? e.message : String(e)));
  }, []);

  const ctx: AppContextValue = { lang, setLang, t, loggedIn, setLoggedIn, path, navigate };
  const staff = path === '/staff' || path.startsWith('/staff/');

  let page: ReactNode;
  if (path === '/login') page = <Login />;
  else if (path === '/signup') page = <Signup />;
  else if (path === '/fund') page = <Fund />;
  else if (path === '/security') page = <Security />;
  else if (path === '/reserves') page = <Reserves />;
  else if (path === '/status') page = <StatusPage status={status} />;
  else if (staff) page = <Staff />;
  else if (markets === null) page = <p className="muted">{marketsError || t('connecting')}</p>;
  else if (markets.length === 0) page = <p className="muted">{t('notAvailableYet')}</p>;
  else page = <TradingScreen markets={markets} />;

  return (
    <AppContext.Provider value={ctx}>
      <a href="#main" className="skip">
        {t('skipToContent')}
      </a>
      <header className="top">
        <Link to="/" className="brand">
          <span aria-hidden="true">◆</span> {t('appName')}
          {staff && <span className="tag">{t('staff')}</span>}
        </Link>
        <nav aria-label="Main">
          <ul>
            <li>
              <Link to="/">{t('trade')}</Link>
            </li>
            <li>
              <Link to="/fund">{t('fund')}</Link>
            </li>
            <li>
              <Link to="/security">{t('security')}</Link>
            </li>
            <li>
              <Link to="/reserves">{t('reserves')}</Link>
            </li>
            <li>
              <Link to="/status">{t('status')}</Link>
            </li>
          </ul>
        </nav>
        <div className="top-end">
          <label className="lang">
            <span className="sr-only">{t('language')}</span>
            <select value={lang} onChange={(e) => setLang(e.target.value as (typeof LANGS)[number])} aria-label={t('language')} data-testid="lang">
              <option value="en">English</option>
              <option value="ar">العربية</option>
            </select>
          </label>
          {loggedIn ? (
            <button
              type="button"
              className="btn ghost"
              onClick={() => {
                void api.logout().finally(() => setLoggedIn(false));
              }}
            >
              {t('logout')}
            </button>
          ) : (
            <>
              <Link to="/login" className="btn ghost">
                {t('login')}
              </Link>
              <Link to="/signup" className="btn">
                {t('signup')}
              </Link>
            </>
          )}
        </div>
      </header>
      <StatusBanner status={status} />
      <main id="main" tabIndex={-1}>
        <ErrorBoundary label={t('appName')}>
          <Suspense fallback={<p className="muted">…</p>}>{page}</Suspense>
        </ErrorBoundary>
      </main>
    </AppContext.Provider>
  );
}
