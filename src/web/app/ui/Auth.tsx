import { type FormEvent, useId, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { Link } from './Link.tsx';
import { useApp } from './context.tsx';

/** Email + password, then (when the server asks for it) the authenticator code. */
export function Login() {
  const { t, setLoggedIn, navigate } = useApp();
  const id = useId();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await api.login(email, password, needTotp ? totp : undefined);
      setLoggedIn(true);
      navigate('/');
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'TOTP_REQUIRED' || err.code === 'MFA_REQUIRED')) setNeedTotp(true);
      else setError(err instanceof ApiError ? `${err.message} (${err.code})` : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="narrow">
      <h1>{t('login')}</h1>
      <form onSubmit={submit} className="stack" data-testid="login-form">
        {!needTotp ? (
          <>
            <label htmlFor={`${id}-email`}>{t('email')}</label>
            <input id={`${id}-email`} type="email" autoComplete="username" required dir="ltr" value={email} onChange={(e) => setEmail(e.target.value)} />
            <label htmlFor={`${id}-password`}>{t('password')}</label>
            <input id={`${id}-password`} type="password" autoComplete="current-password" required dir="ltr" value={password} onChange={(e) => setPassword(e.target.value)} />
          </>
        ) : (
          <>
            <p>{t('totpPrompt')}</p>
            <label htmlFor={`${id}-totp`}>{t('totpCode')}</label>
            <input id={`${id}-totp`} inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" maxLength={6} required dir="ltr" value={totp} onChange={(e) => setTotp(e.target.value)} />
          </>
        )}
        <button type="submit" className="btn wide" disabled={busy}>
          {t('submit')}
        </button>
        {error !== '' && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
      <p className="muted">
        {t('noAccount')} <Link to="/signup">{t('signup')}</Link>
      </p>
    </div>
  );
}

export function Signup() {
  const { t, navigate } = useApp();
  const id = useId();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    try {
      await api.signup(email, password);
      navigate('/login');
    } catch (err) {
      setError(err instanceof ApiError && err.missing ? t('notAvailableYet') : err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div className="narrow">
      <h1>{t('signupTitle')}</h1>
      <form onSubmit={submit} className="stack">
        <label htmlFor={`${id}-email`}>{t('email')}</label>
        <input id={`${id}-email`} type="email" autoComplete="email" required dir="ltr" value={email} onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor={`${id}-password`}>{t('password')}</label>
        <input id={`${id}-password`} type="password" autoComplete="new-password" minLength={12} required dir="ltr" aria-describedby={`${id}-hint`} value={password} onChange={(e) => setPassword(e.target.value)} />
        <p id={`${id}-hint`} className="muted small">
          {t('passwordHint')}
        </p>
        <button type="submit" className="btn wide">
          {t('createAccount')}
        </button>
        {error !== '' && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
      <p className="muted">
        {t('haveAccount')} <Link to="/login">{t('login')}</Link>
      </p>
    </div>
  );
}
