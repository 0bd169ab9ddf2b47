import { channelSchema, configureWhatsAppBodySchema } from '@switchboard/contracts';
import { z } from 'zod';
import { useApi, useSoftphoneState } from '../../app/services';
import { AdminForm, AdminList, TextField, useActions, useForm, useResourceList } from '../../shared/admin';
import { useI18n } from '../../shared/i18n/i18n';
import { ErrorMessage } from '../../shared/ui/components';
import { useAsync } from '../../shared/ui/hooks';

const channelList = z.object({ items: z.array(channelSchema) });
const readiness = z.object({ checks: z.record(z.string(), z.string()) });

/** Voice is a channel only with a PBX: the softphone's view (device endpoint), else /ready's. */
function usePbxState(): string | undefined {
  const api = useApi();
  const softphone = useSoftphoneState();
  const ready = useAsync(
    (signal) => api.request('GET', '/ready', { schema: readiness, signal }).catch(() => undefined),
    'ready',
  );
  return softphone.pbx ?? ready.data?.checks.pbx;
}

function voiceStatusKey(pbx: string | undefined, isConfigured: boolean) {
  if (pbx === 'not_configured') return 'channels.not_configured' as const;
  if (pbx === 'disconnected') return 'channels.voice_down' as const;
  if (pbx === 'up') return 'channels.voice_up' as const;
  return isConfigured ? ('channels.configured' as const) : ('channels.not_configured' as const);
}

const emptyWhatsApp = { phone_number_id: '', access_token: '', app_secret: '', verify_token: '' };

/** The company's channels; WhatsApp Cloud API credentials are write-only. */
export function ChannelsAdmin() {
  const api = useApi();
  const { t, dateTime } = useI18n();
  const channels = useResourceList({ path: '/api/channels', schema: channelList });
  const actions = useActions(channels.reload);
  const form = useForm(emptyWhatsApp);
  const pbx = usePbxState();
  const whatsapp = channels.items?.find((channel) => channel.channel === 'whatsapp');

  const save = async () => {
    const body = form.validate(configureWhatsAppBodySchema, form.values);
    if (!body) return;
    await api.request('PUT', '/api/channels/whatsapp', { body, schema: channelSchema });
    form.reset();
    channels.reload();
  };
  const secret = (name: keyof typeof emptyWhatsApp, type = 'password') => (
    <TextField label={t(`channels.${name}`)} type={type} autoComplete="off" {...form.field(name)} />
  );

  return (
    <section aria-labelledby="channels-title">
      <h2 id="channels-title">{t('admin.channels')}</h2>
      <AdminList
        items={channels.items}
        error={channels.error}
        empty={null}
        itemKey={(channel) => channel.channel}
        renderItem={(channel) => ({
          props: { 'data-testid': `channel-${channel.channel}` },
          content: (
            <>
              <strong>{t(`channel.${channel.channel}`)}</strong> ·{' '}
              {channel.channel === 'voice'
                ? t(voiceStatusKey(pbx, channel.is_configured))
                : channel.is_configured
                  ? t('channels.configured')
                  : t('channels.not_configured')}
              {channel.phone_number_id ? ` · ${channel.phone_number_id}` : ''}
              {channel.updated_at ? ` · ${dateTime(channel.updated_at)}` : ''}
            </>
          ),
        })}
      />
      {whatsapp?.webhook_path ? (
        <p className="muted">
          {t('channels.webhook_hint')} <code>{`${window.location.origin}${whatsapp.webhook_path}`}</code>
        </p>
      ) : null}
      <ErrorMessage error={actions.error} />
      <AdminForm
        form={form}
        layout="narrow"
        title={t('channels.whatsapp_setup')}
        savedText={t('channels.saved')}
        onSubmit={save}
        actions={
          whatsapp?.is_configured ? (
            <button
              type="button"
              className="danger"
              onClick={() =>
                void actions.run(() => api.request('DELETE', '/api/channels/whatsapp'), {
                  message: t('channels.confirm_remove'),
                  confirmLabel: t('channels.remove'),
                })
              }
            >
              {t('channels.remove')}
            </button>
          ) : null
        }
      >
        {secret('phone_number_id', 'text')}
        {secret('access_token')}
        {secret('app_secret')}
        {secret('verify_token')}
      </AdminForm>
      {actions.dialog}
    </section>
  );
}
