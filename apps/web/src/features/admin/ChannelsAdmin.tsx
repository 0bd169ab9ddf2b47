import { useState, type FormEvent } from 'react';
import { channelSchema, configureWhatsAppBodySchema } from '@switchboard/contracts';
import { z } from 'zod';
import { useApi, useSoftphoneState } from '../../app/services';
import { ApiError } from '../../shared/api/api-error';
import { useI18n } from '../../shared/i18n/i18n';
import { ErrorMessage, Loading } from '../../shared/ui/components';
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

/** The company's channels; WhatsApp Cloud API credentials are write-only. */
export function ChannelsAdmin() {
  const api = useApi();
  const { t, dateTime } = useI18n();
  const channels = useAsync(
    (signal) => api.request('GET', '/api/channels', { schema: channelList, signal }),
    'channels',
  );
  const [form, setForm] = useState({ phone_number_id: '', access_token: '', app_secret: '', verify_token: '' });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [isSaved, setIsSaved] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setIsSaved(false);
    setError(null);
    const parsed = configureWhatsAppBodySchema.safeParse(form);
    if (!parsed.success) {
      setFieldErrors(Object.fromEntries(parsed.error.issues.map((issue) => [String(issue.path[0]), issue.message])));
      return;
    }
    setFieldErrors({});
    try {
      await api.request('PUT', '/api/channels/whatsapp', { body: parsed.data, schema: channelSchema });
      setForm({ phone_number_id: '', access_token: '', app_secret: '', verify_token: '' });
      setIsSaved(true);
      channels.reload();
    } catch (failure) {
      if (failure instanceof ApiError) setFieldErrors(failure.fieldErrors);
      setError(failure);
    }
  };

  const remove = async () => {
    if (!window.confirm(t('channels.confirm_remove'))) return;
    try {
      await api.request('DELETE', '/api/channels/whatsapp');
      channels.reload();
    } catch (failure) {
      setError(failure);
    }
  };

  const whatsapp = channels.data?.items.find((channel) => channel.channel === 'whatsapp');
  const pbx = usePbxState();
  const input = (name: keyof typeof form, type = 'text') => (
    <label>
      {t(`channels.${name}`)}
      <input
        type={type}
        autoComplete="off"
        value={form[name]}
        onChange={(event) => setForm((f) => ({ ...f, [name]: event.target.value }))}
      />
      {fieldErrors[name] ? <span className="error small">{fieldErrors[name]}</span> : null}
    </label>
  );

  return (
    <section aria-labelledby="channels-title">
      <h2 id="channels-title">{t('admin.channels')}</h2>
      <ErrorMessage error={channels.error} />
      {!channels.data && !channels.error ? <Loading /> : null}
      <ul className="plain-list">
        {(channels.data?.items ?? []).map((channel) => (
          <li key={channel.channel} data-testid={`channel-${channel.channel}`}>
            <strong>{t(`channel.${channel.channel}`)}</strong> ·{' '}
            {channel.channel === 'voice'
              ? t(voiceStatusKey(pbx, channel.is_configured))
              : channel.is_configured
                ? t('channels.configured')
                : t('channels.not_configured')}
            {channel.phone_number_id ? ` · ${channel.phone_number_id}` : ''}
            {channel.updated_at ? ` · ${dateTime(channel.updated_at)}` : ''}
          </li>
        ))}
      </ul>
      {whatsapp?.webhook_path ? (
        <p className="muted">
          {t('channels.webhook_hint')} <code>{`${window.location.origin}${whatsapp.webhook_path}`}</code>
        </p>
      ) : null}
      <form className="stack narrow" onSubmit={(event) => void submit(event)}>
        <h3>{t('channels.whatsapp_setup')}</h3>
        {input('phone_number_id')}
        {input('access_token', 'password')}
        {input('app_secret', 'password')}
        {input('verify_token', 'password')}
        <ErrorMessage error={error} />
        {isSaved ? <p role="status">{t('channels.saved')}</p> : null}
        <div className="dialog-actions">
          {whatsapp?.is_configured ? (
            <button type="button" className="danger" onClick={() => void remove()}>
              {t('channels.remove')}
            </button>
          ) : null}
          <button type="submit" className="primary">
            {t('common.save')}
          </button>
        </div>
      </form>
    </section>
  );
}
