import { hrefOf, type AdminTab } from '../../app/router';
import { useI18n } from '../../shared/i18n/i18n';
import { AuditAdmin } from './AuditAdmin';
import { ChannelsAdmin } from './ChannelsAdmin';
import { CustomerMessagesAdmin } from './CustomerMessagesAdmin';
import { DevicesAdmin } from './DevicesAdmin';
import { IntegrationsAdmin } from './IntegrationsAdmin';
import { IntercomAdmin } from './IntercomAdmin';
import { PauseReasonsAdmin } from './PauseReasonsAdmin';
import { CannedAdmin, DispositionsAdmin, LabelsAdmin } from './ProductivityAdmin';
import { RoutingAdmin } from './RoutingAdmin';
import { UsersAdmin } from './UsersAdmin';
import { WebchatAdmin } from './WebchatAdmin';

const TABS: AdminTab[] = [
  'users',
  'devices',
  'queues',
  'channels',
  'intercom',
  'integrations',
  'pause-reasons',
  'dispositions',
  'labels',
  'canned',
  'audit',
  'customer-messages',
];

export function AdminPage({ tab }: { tab: AdminTab }) {
  const { t } = useI18n();
  return (
    <div className="admin">
      <h1>{t('admin.title')}</h1>
      <nav className="tabs" aria-label={t('admin.sections')}>
        {TABS.map((value) => (
          <a
            key={value}
            href={hrefOf({ name: 'admin', tab: value })}
            className={value === tab ? 'tab is-active' : 'tab'}
            aria-current={value === tab ? 'page' : undefined}
          >
            {t(`admin.${value}`)}
          </a>
        ))}
      </nav>
      {tab === 'users' ? <UsersAdmin /> : null}
      {tab === 'devices' ? <DevicesAdmin /> : null}
      {tab === 'channels' ? (
        <>
          <ChannelsAdmin />
          <WebchatAdmin />
        </>
      ) : null}
      {tab === 'queues' ? <RoutingAdmin /> : null}
      {tab === 'pause-reasons' ? <PauseReasonsAdmin /> : null}
      {tab === 'intercom' ? <IntercomAdmin /> : null}
      {tab === 'integrations' ? <IntegrationsAdmin /> : null}
      {tab === 'dispositions' ? <DispositionsAdmin /> : null}
      {tab === 'labels' ? <LabelsAdmin /> : null}
      {tab === 'canned' ? <CannedAdmin /> : null}
      {tab === 'customer-messages' ? <CustomerMessagesAdmin /> : null}
      {tab === 'audit' ? <AuditAdmin /> : null}
    </div>
  );
}
