/**
 * The console: sign-in, then the shell (navigation, presence bar, the screen of the
 * route) with the softphone always present beside it.
 */
import { useEffect, useState } from 'react';
import type { CallDto } from '@switchboard/contracts';
import { AdminPage } from '../features/admin/AdminPage';
import { WebhookDisabledBanner } from '../features/admin/WebhookDisabledBanner';
import { CallsPage } from '../features/calls/CallsPage';
import { ContactsPage } from '../features/contacts/ContactsPage';
import { CALL_EVENTS } from '../features/calls/calls-api';
import { LoginPage } from '../features/auth/LoginPage';
import { ProfilePage } from '../features/auth/ProfilePage';
import { InboxPage } from '../features/inbox/InboxPage';
import {
  DesktopNotificationsBanner,
  useWork,
  WorkNotificationsProvider,
} from '../features/notifications/WorkNotifications';
import { WrapUpBanners } from '../features/desk/WrapUpBanner';
import { PresenceBar } from '../features/presence/PresenceBar';
import { Softphone } from '../features/softphone/Softphone';
import { ReportsPage } from '../features/reports/ReportsPage';
import { SupervisorBoard } from '../features/supervisor/SupervisorBoard';
import { WallboardPage } from '../features/wallboard/WallboardPage';
import type { SessionUser } from '../shared/api/session-store';
import { I18nProvider, useI18n } from '../shared/i18n/i18n';
import { LanguageSwitch } from './LanguageSwitch';
import { hrefOf, useRoute, type Route } from './router';
import {
  ServicesProvider,
  SoftphoneProvider,
  useApi,
  useRealtimeEvent,
  useServices,
  useSessionUser,
  useSoftphone,
  useSoftphoneState,
  type Services,
} from './services';

export function App({ services }: { services: Services }) {
  return (
    <ServicesProvider services={services}>
      <I18nProvider>
        <Root />
      </I18nProvider>
    </ServicesProvider>
  );
}

function Root() {
  const user = useSessionUser();
  if (!user) return <LoginPage />;
  return <SignedIn key={user.id} user={user} />;
}

function SignedIn({ user }: { user: SessionUser }) {
  const services = useServices();
  const [softphone] = useState(() => services.createSoftphone(user));
  useEffect(() => {
    services.realtime.start();
    void softphone.start();
    return () => {
      softphone.stop();
      services.realtime.stop();
    };
  }, [services, softphone]);
  return (
    <SoftphoneProvider controller={softphone}>
      <WorkArea user={user} />
    </SoftphoneProvider>
  );
}

/** Work finds the agent on every screen: the notification centre wraps the whole shell. */
function WorkArea({ user }: { user: SessionUser }) {
  const route = useRoute();
  const viewingId =
    route.name === 'inbox' ? (route.conversationId ?? null) : route.name === 'calls' ? (route.callId ?? null) : null;
  return (
    <WorkNotificationsProvider meId={user.id} viewingId={viewingId}>
      <Shell user={user} />
    </WorkNotificationsProvider>
  );
}

function Shell({ user }: { user: SessionUser }) {
  const { t } = useI18n();
  const api = useApi();
  const route = useRoute();
  const softphoneState = useSoftphoneState();
  const work = useWork();
  const [isPhoneOpen, setIsPhoneOpen] = useState(false);
  const [isMenuOpen, setIsMenuOpen] = useState(false);
  const isManager = user.role !== 'agent';
  const screen: Route = allowed(route, user) ? route : { name: 'inbox' };

  useServerCallsForSoftphone(user.id);
  useEffect(() => setIsMenuOpen(false), [route.name]);

  const nav: { route: Route; label: string; isShown: boolean }[] = [
    { route: { name: 'inbox' }, label: t('nav.inbox'), isShown: true },
    { route: { name: 'calls' }, label: t('nav.calls'), isShown: true },
    { route: { name: 'contacts' }, label: t('nav.contacts'), isShown: true },
    { route: { name: 'supervisor' }, label: t('nav.supervisor'), isShown: isManager },
    { route: { name: 'wallboard' }, label: t('nav.wallboard'), isShown: isManager },
    { route: { name: 'reports' }, label: t('nav.reports'), isShown: isManager },
    { route: { name: 'admin', tab: 'users' }, label: t('nav.admin'), isShown: user.role === 'admin' },
  ];

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <div className="app-head">
        <header className="topbar">
          <a className="brand" href={hrefOf({ name: 'inbox' })}>
            Switchboard
          </a>
          <nav className="main-nav" aria-label={t('nav.main')}>
            {nav
              .filter((item) => item.isShown)
              .map((item) => (
                <a
                  key={item.route.name}
                  href={hrefOf(item.route)}
                  className={screen.name === item.route.name ? 'is-active' : ''}
                  aria-current={screen.name === item.route.name ? 'page' : undefined}
                  data-testid={`nav-${item.route.name}`}
                >
                  {item.label}
                  {item.route.name === 'inbox' && work.count > 0 ? (
                    <span
                      className="nav-count"
                      data-testid="work-count"
                      aria-label={t('work.pending', { count: work.count })}
                    >
                      {work.count}
                    </span>
                  ) : null}
                </a>
              ))}
          </nav>
          <PresenceBar />
          <div
            className="user-menu"
            onKeyDown={(event) => {
              if (event.key === 'Escape' && isMenuOpen) {
                setIsMenuOpen(false);
                event.currentTarget.querySelector('button')?.focus();
              }
            }}
          >
            <button
              type="button"
              className="user-button"
              aria-expanded={isMenuOpen}
              aria-controls="user-menu"
              onClick={() => setIsMenuOpen((open) => !open)}
              data-testid="user-menu"
            >
              {user.name}
            </button>
            <div id="user-menu" className="menu" hidden={!isMenuOpen}>
              <p className="muted small">
                {user.email} · {t(`role.${user.role}`)}
              </p>
              <a href={hrefOf({ name: 'profile' })}>{t('nav.profile')}</a>
              <LanguageSwitch />
              <button type="button" onClick={() => void api.logout()} data-testid="sign-out">
                {t('nav.sign_out')}
              </button>
            </div>
          </div>
        </header>
        <DesktopNotificationsBanner />
        {user.role === 'admin' ? <WebhookDisabledBanner /> : null}
        <WrapUpBanners meId={user.id} />
      </div>
      <div className="layout">
        <main id="main" tabIndex={-1}>
          {screen.name === 'inbox' ? <InboxPage conversationId={screen.conversationId} /> : null}
          {screen.name === 'calls' ? <CallsPage callId={screen.callId} /> : null}
          {screen.name === 'contacts' ? <ContactsPage contactId={screen.contactId} /> : null}
          {screen.name === 'supervisor' ? <SupervisorBoard /> : null}
          {screen.name === 'wallboard' ? <WallboardPage /> : null}
          {screen.name === 'reports' ? <ReportsPage /> : null}
          {screen.name === 'admin' ? <AdminPage tab={screen.tab} /> : null}
          {screen.name === 'profile' ? <ProfilePage /> : null}
        </main>
        <Softphone
          isOpen={isPhoneOpen || softphoneState.call !== null}
          onToggle={() => setIsPhoneOpen((open) => !open)}
        />
      </div>
    </div>
  );
}

function allowed(route: Route, user: SessionUser): boolean {
  if (route.name === 'supervisor' || route.name === 'wallboard' || route.name === 'reports') {
    return user.role !== 'agent';
  }
  if (route.name === 'admin') return user.role === 'admin';
  return true;
}

/** The server's view of this agent's calls, so a transfer goes through the API when it can. */
function useServerCallsForSoftphone(userId: string): void {
  const softphone = useSoftphone();
  useRealtimeEvent<CallDto>(CALL_EVENTS, ({ data }) => softphone.trackServerCall(data, userId));
}
