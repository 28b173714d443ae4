import type { MouseEvent, ReactNode } from 'react';
import { useApp } from './context.tsx';

/** An ordinary <a href> (keyboard, middle-click and screen readers work) that routes without a reload. */
export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  const { navigate, path } = useApp();
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  const current = to === '/' ? path === '/' : path.startsWith(to);
  return (
    <a href={to} onClick={onClick} className={className} aria-current={current ? 'page' : undefined}>
      {children}
    </a>
  );
}
