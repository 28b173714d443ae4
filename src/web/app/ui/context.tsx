import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import { type Lang, type MessageKey, dirOf, isLang, translate } from '../../lib/i18n.ts';

/** Language, session and navigation, shared by every screen. */
export interface AppContextValue {
  lang: Lang;
  setLang: (l: Lang) => void;
  t: (k: MessageKey) => string;
  loggedIn: boolean;
  setLoggedIn: (v: boolean) => void;
  path: string;
  navigate: (to: string) => void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const v = useContext(AppContext);
  if (v === null) throw new Error('AppContext missing');
  return v;
}

const LANG_KEY = 'rampart.lang';

export function useLangState(): [Lang, (l: Lang) => void] {
  const [lang, setLangState] = useState<Lang>(() => {
    const saved = safeGet(LANG_KEY);
    return isLang(saved) ? saved : 'en';
  });
  useEffect(() => {
    document.documentElement.lang = lang;
    document.documentElement.dir = dirOf(lang);
  }, [lang]);
  const setLang = useCallback((l: Lang) => {
    safeSet(LANG_KEY, l);
    setLangState(l);
  }, []);
  return [lang, setLang];
}

export function usePathState(): [string, (to: string) => void] {
  const [path, setPath] = useState(() => location.pathname);
  useEffect(() => {
    const on = () => setPath(location.pathname);
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, []);
  const navigate = useCallback((to: string) => {
    if (to !== location.pathname) history.pushState(null, '', to);
    setPath(to);
    scrollTo(0, 0);
  }, []);
  return [path, navigate];
}

export const tFor = (lang: Lang) => (k: MessageKey) => translate(lang, k);

function safeGet(k: string): string | null {
  try {
    return localStorage.getItem(k);
  } catch {
    return null;
  }
}
function safeSet(k: string, v: string): void {
  try {
    localStorage.setItem(k, v);
  } catch {
    // private mode: the choice lasts for this page only
  }
}
