import { useState } from 'react';
import { deviceCredentialsSchema, deviceSchema, type DeviceCredentials } from '@switchboard/contracts';
import { useApi } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { useActions } from '../../shared/admin';
import { Dialog, ErrorMessage, Loading } from '../../shared/ui/components';
import { useAsync } from '../../shared/ui/hooks';

/** A user's SIP device; rotating the password shows the new credentials once. */
export function DeviceDialog({ user, onClose }: { user: { id: string; name: string } | null; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Dialog
      title={t('admin.device_of', { name: user?.name ?? '' })}
      isOpen={user !== null}
      onClose={onClose}
      testId="device-dialog"
    >
      {user ? <DeviceBody key={user.id} userId={user.id} /> : null}
    </Dialog>
  );
}

export function DeviceBody({ userId }: { userId: string }) {
  const api = useApi();
  const { t, dateTime } = useI18n();
  const device = useAsync(
    (signal) => api.request('GET', `/api/users/${userId}/device`, { schema: deviceSchema, signal }),
    `device:${userId}`,
  );
  const [credentials, setCredentials] = useState<DeviceCredentials | null>(null);
  const actions = useActions(device.reload);
  const rotate = () =>
    actions.run(
      async () =>
        setCredentials(
          await api.request('POST', `/api/users/${userId}/device/rotate-password`, {
            schema: deviceCredentialsSchema,
          }),
        ),
      { message: t('admin.confirm_rotate'), confirmLabel: t('admin.rotate_password') },
    );

  if (device.error) return <ErrorMessage error={device.error} />;
  if (!device.data) return <Loading />;
  const d = device.data;
  return (
    <div className="stack" data-testid="device-details">
      <dl className="facts">
        <div>
          <dt>{t('admin.extension')}</dt>
          <dd>{d.extension}</dd>
        </div>
        <div>
          <dt>{t('admin.sip_username')}</dt>
          <dd>
            <code>{d.sip_username}</code>
          </dd>
        </div>
        <div>
          <dt>{t('admin.device_template')}</dt>
          <dd>{d.template}</dd>
        </div>
        <div>
          <dt>{t('admin.active')}</dt>
          <dd>{d.is_active ? t('common.yes') : t('common.no')}</dd>
        </div>
        <div>
          <dt>{t('admin.password_rotated_at')}</dt>
          <dd>{dateTime(d.password_rotated_at)}</dd>
        </div>
      </dl>
      {credentials ? (
        <div className="notice" role="status" data-testid="device-credentials">
          <p>{t('admin.new_credentials')}</p>
          <dl className="facts">
            <div>
              <dt>{t('admin.sip_uri')}</dt>
              <dd>
                <code>{credentials.sip_uri}</code>
              </dd>
            </div>
            <div>
              <dt>{t('admin.password')}</dt>
              <dd>
                <code data-testid="device-password">{credentials.sip_password}</code>
              </dd>
            </div>
            {credentials.wss_url ? (
              <div>
                <dt>WSS</dt>
                <dd>
                  <code>{credentials.wss_url}</code>
                </dd>
              </div>
            ) : null}
          </dl>
        </div>
      ) : null}
      <ErrorMessage error={actions.error} />
      <button type="button" onClick={() => void rotate()} disabled={actions.isBusy} data-testid="device-rotate">
        {t('admin.rotate_password')}
      </button>
      {actions.dialog}
    </div>
  );
}
