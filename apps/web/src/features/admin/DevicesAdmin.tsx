import { useState } from 'react';
import { deviceSchema, pageSchema, type Device } from '@switchboard/contracts';
import { useApi } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { Empty, ErrorMessage, Loading } from '../../shared/ui/components';
import { DataTable } from '../../shared/ui/DataTable';
import { useAsync } from '../../shared/ui/hooks';
import { DeviceDialog } from './DeviceDialog';

const devicePage = pageSchema(deviceSchema);

/** The company's SIP devices (PJSIP endpoints Switchboard keeps in Asterisk's tables). */
export function DevicesAdmin() {
  const api = useApi();
  const { t, dateTime } = useI18n();
  const [template, setTemplate] = useState('');
  const [selected, setSelected] = useState<Device | null>(null);
  const devices = useAsync(
    (signal) =>
      api.request('GET', '/api/devices', {
        query: { template: template || undefined, limit: 200 },
        schema: devicePage,
        signal,
      }),
    `devices:${template}`,
  );
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
      <ErrorMessage error={devices.error} />
      {!devices.data && !devices.error ? <Loading /> : null}
      {devices.data && devices.data.items.length === 0 ? <Empty>{t('admin.no_devices')}</Empty> : null}
      {devices.data && devices.data.items.length > 0 ? (
        <DataTable
          testId="devices-table"
          rows={devices.data.items}
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
      ) : null}
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
