import { useState } from 'react';
import { deviceSchema, pageSchema, type Device } from '@switchboard/contracts';
import { AdminTable, useResourceList } from '../../shared/admin';
import { useI18n } from '../../shared/i18n/i18n';
import { DeviceDialog } from './DeviceDialog';

const devicePage = pageSchema(deviceSchema);

/** The company's SIP devices (PJSIP endpoints Switchboard keeps in Asterisk's tables). */
export function DevicesAdmin() {
  const { t, dateTime } = useI18n();
  const [template, setTemplate] = useState('');
  const [selected, setSelected] = useState<Device | null>(null);
  const devices = useResourceList({
    path: '/api/devices',
    query: { template: template || undefined, limit: 200 },
    schema: devicePage,
  });
  return (
    <section aria-labelledby="devices-title" data-testid="devices-admin">
      <header className="panel-header">
        <h2 id="devices-title">{t('admin.devices')}</h2>
        <select
          value={template}
          onChange={(event) => setTemplate(event.target.value)}
          aria-label={t('admin.device_template')}
        >
          <option value="">{t('common.any')}</option>
          <option value="webrtc">{t('admin.template_webrtc')}</option>
          <option value="sip">{t('admin.template_sip')}</option>
        </select>
      </header>
      <AdminTable
        rows={devices.items}
        error={devices.error}
        empty={t('admin.no_devices')}
        hasMore={devices.hasMore}
        onLoadMore={devices.loadMore}
        testId="devices-table"
        rowKey={(device) => device.user_id}
        rowProps={(device) => ({ className: device.is_active ? '' : 'is-inactive' })}
        columns={[
          { key: 'extension', header: t('admin.extension'), cell: (device) => device.extension },
          { key: 'user', header: t('admin.user'), cell: (device) => device.user_name },
          {
            key: 'username',
            header: t('admin.sip_username'),
            cell: (device) => <code>{device.sip_username}</code>,
          },
          { key: 'template', header: t('admin.device_template'), cell: (device) => device.template },
          {
            key: 'rotated',
            header: t('admin.password_rotated_at'),
            cell: (device) => dateTime(device.password_rotated_at),
          },
          {
            key: 'actions',
            header: t('admin.actions'),
            className: 'row-actions',
            cell: (device) => (
              <button type="button" onClick={() => setSelected(device)}>
                {t('admin.device')}
              </button>
            ),
          },
        ]}
      />
      <DeviceDialog
        user={selected ? { id: selected.user_id, name: selected.user_name } : null}
        onClose={() => {
          setSelected(null);
          devices.reload();
        }}
      />
    </section>
  );
}
