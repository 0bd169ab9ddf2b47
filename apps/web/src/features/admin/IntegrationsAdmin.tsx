import { useState, type FormEvent } from 'react';
import {
  apiKeySchema,
  apiKeyScopes,
  createdApiKeySchema,
  pageSchema,
  webhookDeliverySchema,
  webhookEventTypes,
  webhookSchema,
  webhookWithSecretSchema,
  type WebhookDto,
} from '@switchboard/contracts';
import { z } from 'zod';
import { useApi } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { ErrorMessage, Loading } from '../../shared/ui/components';
import { useAsync } from '../../shared/ui/hooks';

const webhookList = z.object({ items: z.array(webhookSchema) });
const deliveryPage = pageSchema(webhookDeliverySchema);
const apiKeyList = z.object({ items: z.array(apiKeySchema) });

/** Event webhooks and API keys (admins): secrets and keys are shown once, when made. */
export function IntegrationsAdmin() {
  return (
    <>
      <WebhooksAdmin />
      <ApiKeysAdmin />
    </>
  );
}

function WebhooksAdmin() {
  const api = useApi();
  const { t } = useI18n();
  const webhooks = useAsync(
    (signal) => api.request('GET', '/api/webhooks', { schema: webhookList, signal }),
    'webhooks',
  );
  const [url, setUrl] = useState('');
  const [types, setTypes] = useState<string[]>(['call.ended', 'conversation.closed']);
  const [allowHttp, setAllowHttp] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [openId, setOpenId] = useState<string | null>(null);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const created = await api.request('POST', '/api/webhooks', {
        body: { url, event_types: types, allow_http: allowHttp },
        schema: webhookWithSecretSchema,
      });
      setSecret(created.secret);
      setUrl('');
      setOpenId(created.id);
      webhooks.reload();
    } catch (failure) {
      setError(failure);
    }
  };

  const disabled = (webhooks.data?.items ?? []).filter((w) => w.disabled_at !== null);
  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">{t('webhooks.title')}</h2>
      {disabled.length > 0 ? (
        <p className="error" role="alert" data-testid="webhook-disabled-banner">
          {t('webhooks.disabled_banner')} {disabled.map((w) => w.url).join(', ')}
        </p>
      ) : null}
      <ErrorMessage error={webhooks.error} />
      {!webhooks.data && !webhooks.error ? <Loading /> : null}
      <ul className="plain-list">
        {(webhooks.data?.items ?? []).map((webhook) => (
          <li key={webhook.id} data-testid="webhook-row">
            <button type="button" className="link" onClick={() => setOpenId(openId === webhook.id ? null : webhook.id)}>
              <code className="break">{webhook.url}</code>
            </button>{' '}
            · {webhook.is_active ? t('webhooks.active') : t('webhooks.inactive')} · {webhook.event_types.length}{' '}
            {t('webhooks.events')}
            {openId === webhook.id ? <WebhookDetail webhook={webhook} onChanged={webhooks.reload} /> : null}
          </li>
        ))}
      </ul>
      <form className="stack narrow" onSubmit={(event) => void create(event)}>
        <h3>{t('webhooks.new')}</h3>
        <label>
          {t('webhooks.url')}
          <input type="url" required value={url} onChange={(event) => setUrl(event.target.value)} />
        </label>
        <fieldset>
          <legend>{t('webhooks.event_types')}</legend>
          {webhookEventTypes.map((type) => (
            <label key={type} className="inline">
              <input
                type="checkbox"
                checked={types.includes(type)}
                onChange={(event) =>
                  setTypes((current) => (event.target.checked ? [...current, type] : current.filter((x) => x !== type)))
                }
              />{' '}
              <code>{type}</code>
            </label>
          ))}
        </fieldset>
        <label className="inline">
          <input type="checkbox" checked={allowHttp} onChange={(event) => setAllowHttp(event.target.checked)} />{' '}
          {t('webhooks.allow_http')}
        </label>
        <ErrorMessage error={error} />
        {secret ? (
          <p role="status" data-testid="webhook-secret">
            {t('webhooks.secret_once')} <code className="break">{secret}</code>
          </p>
        ) : null}
        <div className="dialog-actions">
          <button type="submit" className="primary">
            {t('webhooks.create')}
          </button>
        </div>
      </form>
    </section>
  );
}

function WebhookDetail({ webhook, onChanged }: { webhook: WebhookDto; onChanged: () => void }) {
  const api = useApi();
  const { t, dateTime } = useI18n();
  const [status, setStatus] = useState('');
  const [error, setError] = useState<unknown>(null);
  const deliveries = useAsync(
    (signal) =>
      api.request('GET', `/api/webhooks/${webhook.id}/deliveries?limit=50${status ? `&status=${status}` : ''}`, {
        schema: deliveryPage,
        signal,
      }),
    `deliveries-${webhook.id}-${status}`,
  );
  const act = async (path: string) => {
    setError(null);
    try {
      await api.request('POST', path, { schema: webhookDeliverySchema });
      deliveries.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  const setActive = async (isActive: boolean) => {
    try {
      await api.request('PATCH', `/api/webhooks/${webhook.id}`, {
        body: { is_active: isActive },
        schema: webhookWithSecretSchema,
      });
      onChanged();
    } catch (failure) {
      setError(failure);
    }
  };
  const remove = async () => {
    if (!window.confirm(t('webhooks.confirm_delete'))) return;
    await api.request('DELETE', `/api/webhooks/${webhook.id}`).catch(setError);
    onChanged();
  };

  return (
    <div className="stack" data-testid="webhook-detail">
      {webhook.disabled_reason ? <p className="error">{webhook.disabled_reason}</p> : null}
      <div className="dialog-actions">
        <button type="button" onClick={() => void act(`/api/webhooks/${webhook.id}/test`)}>
          {t('webhooks.test')}
        </button>
        <button type="button" onClick={() => deliveries.reload()}>
          {t('webhooks.refresh')}
        </button>
        <button type="button" onClick={() => void setActive(!webhook.is_active)}>
          {webhook.is_active ? t('webhooks.turn_off') : t('webhooks.turn_on')}
        </button>
        <button type="button" className="danger" onClick={() => void remove()}>
          {t('webhooks.delete')}
        </button>
      </div>
      <label>
        {t('webhooks.filter_status')}
        <select value={status} onChange={(event) => setStatus(event.target.value)}>
          <option value="">{t('common.any')}</option>
          {(['pending', 'delivering', 'delivered', 'failed'] as const).map((s) => (
            <option key={s} value={s}>
              {t(`webhooks.status.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <ErrorMessage error={error ?? deliveries.error} />
      <ul className="plain-list" aria-label={t('webhooks.deliveries')}>
        {(deliveries.data?.items ?? []).map((delivery) => {
          const last = delivery.attempts.at(-1);
          return (
            <li key={delivery.id} data-testid="delivery-row" data-status={delivery.status}>
              <code>{delivery.event_type}</code> · {t(`webhooks.status.${delivery.status}`)} ·{' '}
              {delivery.attempts.length} {t('webhooks.attempts')}
              {last
                ? ` · ${last.response_status ?? last.error ?? ''} · ${last.latency_ms} ms · ${dateTime(last.attempted_at)}`
                : ''}
              {delivery.status === 'failed' || delivery.status === 'delivered' ? (
                <>
                  {' '}
                  <button type="button" onClick={() => void act(`/api/webhooks/deliveries/${delivery.id}/redeliver`)}>
                    {t('webhooks.redeliver')}
                  </button>
                </>
              ) : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function ApiKeysAdmin() {
  const api = useApi();
  const { t, dateTime } = useI18n();
  const keys = useAsync((signal) => api.request('GET', '/api/api-keys', { schema: apiKeyList, signal }), 'api-keys');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['calls:read']);
  const [shownKey, setShownKey] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const created = await api.request('POST', '/api/api-keys', {
        body: { name, scopes },
        schema: createdApiKeySchema,
      });
      setShownKey(created.key);
      setName('');
      keys.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  const revoke = async (id: string) => {
    if (!window.confirm(t('apikeys.confirm_revoke'))) return;
    await api.request('DELETE', `/api/api-keys/${id}`).catch(setError);
    keys.reload();
  };

  return (
    <section aria-labelledby="apikeys-title">
      <h2 id="apikeys-title">{t('apikeys.title')}</h2>
      <ErrorMessage error={keys.error} />
      <ul className="plain-list">
        {(keys.data?.items ?? []).map((key) => (
          <li key={key.id} data-testid="api-key-row">
            <strong>{key.name}</strong> · <code>{key.prefix}…</code> · {key.scopes.join(', ')} ·{' '}
            {key.revoked_at
              ? t('apikeys.revoked')
              : key.last_used_at
                ? `${t('apikeys.last_used')} ${dateTime(key.last_used_at)}`
                : t('apikeys.never_used')}
            {key.revoked_at ? null : (
              <>
                {' '}
                <button type="button" className="danger" onClick={() => void revoke(key.id)}>
                  {t('apikeys.revoke')}
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      <form className="stack narrow" onSubmit={(event) => void create(event)}>
        <h3>{t('apikeys.new')}</h3>
        <label>
          {t('apikeys.name')}
          <input required maxLength={80} value={name} onChange={(event) => setName(event.target.value)} />
        </label>
        <fieldset>
          <legend>{t('apikeys.scopes')}</legend>
          {apiKeyScopes.map((scope) => (
            <label key={scope} className="inline">
              <input
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={(event) =>
                  setScopes((current) =>
                    event.target.checked ? [...current, scope] : current.filter((x) => x !== scope),
                  )
                }
              />{' '}
              <code>{scope}</code>
            </label>
          ))}
        </fieldset>
        <ErrorMessage error={error} />
        {shownKey ? (
          <p role="status" data-testid="api-key-shown">
            {t('apikeys.shown_once')} <code className="break">{shownKey}</code>
          </p>
        ) : null}
        <div className="dialog-actions">
          <button type="submit" className="primary">
            {t('apikeys.create')}
          </button>
        </div>
      </form>
    </section>
  );
}
