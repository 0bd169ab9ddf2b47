import { useState } from 'react';
import { deviceSchema, pageSchema, type Device } from '@switchboard/contracts';
import { useApi } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { Empty, ErrorMessage, Loading } from '../../shared/ui/components';
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
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('admin.extension')}</th>
                <th scope="col">{t('admin.user')}</th>
                <th scope="col">{t('admin.sip_username')}</th>
                <th scope="col">{t('admin.device_template')}</th>
                <th scope="col">{t('admin.password_rotated_at')}</th>
                <th scope="col">{t('admin.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {devices.data.items.map((device) => (
                <tr key={device.user_id} className={device.is_active ? '' : 'is-inactive'}>
                  <td>{device.extension}</td>
                  <td>{device.user_name}</td>
                  <td>
                    <code>{device.sip_username}</code>
                  </td>
                  <td>{device.template}</td>
                  <td>{dateTime(device.password_rotated_at)}</td>
                  <td>
                    <button type="button" onClick={() => setSelected(device)}>
                      {t('admin.device')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
