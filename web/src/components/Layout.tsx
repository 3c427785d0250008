import { useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/index.js';
import type { MessageKey } from '../i18n/index.js';
import { useSession, useSessionApi } from '../session.js';
import { LanguageSwitch } from './LanguageSwitch.js';

interface NavItem {
  route: string;
  label: MessageKey;
  icon: string;
}

export const USER_NAV: readonly NavItem[] = [
  { route: '/status', label: 'nav.status', icon: '●' },
  { route: '/exceptions', label: 'nav.exceptions', icon: '⇄' },
  { route: '/voicemail', label: 'nav.voicemail', icon: '✉' },
  { route: '/history', label: 'nav.history', icon: '☰' },
  { route: '/contacts', label: 'nav.contacts', icon: '☺' },
  { route: '/tester', label: 'nav.tester', icon: '▶' },
];

export const ADMIN_NAV: readonly NavItem[] = [
  { route: '/admin/extensions', label: 'nav.extensions', icon: '☎' },
  { route: '/admin/ring-groups', label: 'nav.ringGroups', icon: '◎' },
  { route: '/admin/trunks', label: 'nav.trunks', icon: '⇅' },
  { route: '/admin/office-hours', label: 'nav.officeHours', icon: '◷' },
  { route: '/admin/outbound', label: 'nav.outbound', icon: '↗' },
  { route: '/admin/prompts', label: 'nav.prompts', icon: '♪' },
  { route: '/admin/hold-music', label: 'nav.holdMusic', icon: '♫' },
  { route: '/admin/mail', label: 'nav.mail', icon: '@' },
  { route: '/admin/import-export', label: 'nav.importExport', icon: '⇵' },
];

interface Props {
  route: string;
  title: string;
  children: ReactNode;
}

/** The frame of every signed-in page: a left menu (a menu button on a narrow screen), then the page. */
export function Layout({ route, title, children }: Props) {
  const { t } = useI18n();
  const session = useSession();
  const { logout } = useSessionApi();
  const [menuOpen, setMenuOpen] = useState(false);
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`;
  }, [title, t]);

  // A new page: close the phone menu and move focus to its heading so screen readers announce it
  // (not on the first load, where focus starts at the top).
  useEffect(() => {
    setMenuOpen(false);
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [route]);

  const link = (item: NavItem) => {
    const active = route === item.route || route.startsWith(`${item.route}/`);
    return (
      <li key={item.route}>
        <a href={`#${item.route}`} aria-current={active ? 'page' : undefined}>
          <span className="nav-icon" aria-hidden="true">
            {item.icon}
          </span>
          {t(item.label)}
        </a>
      </li>
    );
  };

  return (
    <div className={`layout${menuOpen ? ' menu-open' : ''}`}>
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          mainRef.current?.focus();
        }}
      >
        {t('app.skip')}
      </a>
      <header className="topbar">
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <span aria-hidden="true">☰</span> {t('layout.menu')}
        </button>
        <span className="brand">{t('app.name')}</span>
      </header>
      <nav id="sidebar" className="sidebar" aria-label={t('layout.nav')}>
        <div className="brand sidebar-brand">{t('app.name')}</div>
        <p className="whoami">
          {t('layout.signedInAs', { name: session.name, extension: session.extension })}
        </p>
        <ul>{USER_NAV.map(link)}</ul>
        {session.role === 'admin' && (
          <>
            <h2 className="nav-heading">{t('layout.admin')}</h2>
            <ul>{ADMIN_NAV.map(link)}</ul>
          </>
        )}
        <div className="sidebar-footer">
          <LanguageSwitch />
          <button type="button" onClick={() => void logout()}>
            {t('layout.logout')}
          </button>
        </div>
      </nav>
      <main id="main" ref={mainRef} tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
