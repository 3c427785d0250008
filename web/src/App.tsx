import type { ReactNode } from 'react';
import { LiveEventsProvider } from './api/events.js';
import { Layout } from './components/Layout.js';
import { Notice } from './components/Notice.js';
import { useI18n } from './i18n/index.js';
import type { MessageKey } from './i18n/index.js';
import {
  ExtensionsAdminPage,
  OfficeHoursAdminPage,
  OutboundAdminPage,
  RingGroupsAdminPage,
  TrunksAdminPage,
} from './pages/admin/AdminPages.js';
import { ImportExportPage } from './pages/admin/ImportExportPage.js';
import { PromptsPage } from './pages/admin/PromptsPage.js';
import { HoldMusicPage } from './pages/admin/HoldMusicPage.js';
import { ContactsPage } from './pages/ContactsPage.js';
import { MailAdminPage } from './pages/admin/MailAdminPage.js';
import { ExceptionFormPage } from './pages/ExceptionFormPage.js';
import { ExceptionsPage } from './pages/ExceptionsPage.js';
import { HistoryPage } from './pages/HistoryPage.js';
import { LoginPage } from './pages/LoginPage.js';
import { StatusPage } from './pages/StatusPage.js';
import { TesterPage } from './pages/TesterPage.js';
import { VoicemailPage } from './pages/VoicemailPage.js';
import { useRoute } from './router.js';
import { useSession, useSessionApi } from './session.js';

interface Page {
  title: MessageKey;
  admin: boolean;
  render: () => ReactNode;
}

const PAGES: Record<string, Page> = {
  '/status': { title: 'nav.status', admin: false, render: () => <StatusPage /> },
  '/exceptions': { title: 'nav.exceptions', admin: false, render: () => <ExceptionsPage /> },
  '/exceptions/new': {
    title: 'form.titleNew',
    admin: false,
    render: () => <ExceptionFormPage index={null} />,
  },
  '/voicemail': { title: 'nav.voicemail', admin: false, render: () => <VoicemailPage /> },
  '/history': { title: 'nav.history', admin: false, render: () => <HistoryPage /> },
  '/tester': { title: 'nav.tester', admin: false, render: () => <TesterPage /> },
  '/contacts': { title: 'nav.contacts', admin: false, render: () => <ContactsPage /> },
  '/admin/extensions': {
    title: 'nav.extensions',
    admin: true,
    render: () => <ExtensionsAdminPage />,
  },
  '/admin/ring-groups': {
    title: 'nav.ringGroups',
    admin: true,
    render: () => <RingGroupsAdminPage />,
  },
  '/admin/trunks': { title: 'nav.trunks', admin: true, render: () => <TrunksAdminPage /> },
  '/admin/office-hours': {
    title: 'nav.officeHours',
    admin: true,
    render: () => <OfficeHoursAdminPage />,
  },
  '/admin/outbound': { title: 'nav.outbound', admin: true, render: () => <OutboundAdminPage /> },
  '/admin/prompts': { title: 'nav.prompts', admin: true, render: () => <PromptsPage /> },
  '/admin/hold-music': { title: 'nav.holdMusic', admin: true, render: () => <HoldMusicPage /> },
  '/admin/mail': { title: 'nav.mail', admin: true, render: () => <MailAdminPage /> },
  '/admin/import-export': {
    title: 'nav.importExport',
    admin: true,
    render: () => <ImportExportPage />,
  },
};

const EDIT_ROUTE = /^\/exceptions\/(\d+)\/edit$/;

function pageFor(route: string): Page {
  const edit = EDIT_ROUTE.exec(route);
  if (edit !== null) {
    const index = Number(edit[1]);
    return {
      title: 'form.titleNew',
      admin: false,
      render: () => <ExceptionFormPage key={index} index={index} />,
    };
  }
  return PAGES[route] ?? (PAGES['/exceptions'] as Page);
}

function SignedIn() {
  const route = useRoute();
  const session = useSession();
  const { t } = useI18n();
  const page = pageFor(route);
  const allowed = !page.admin || session.role === 'admin';
  return (
    <LiveEventsProvider>
      <Layout route={route} title={t(page.title)}>
        {allowed ? (
          <div key={route}>{page.render()}</div>
        ) : (
          <Notice kind="error">{t('admin.forbidden')}</Notice>
        )}
      </Layout>
    </LiveEventsProvider>
  );
}

export function App() {
  const { current, retry } = useSessionApi();
  const { t } = useI18n();
  switch (current.state) {
    case 'checking':
      return (
        <p className="splash" aria-busy="true">
          {t('app.loading')}
        </p>
      );
    case 'offline':
      return (
        <main className="splash">
          <Notice kind="error">{t('app.error.network')}</Notice>
          <button type="button" onClick={retry}>
            {t('app.retry')}
          </button>
        </main>
      );
    case 'signed-out':
      return <LoginPage />;
    case 'signed-in':
      return <SignedIn />;
  }
}
