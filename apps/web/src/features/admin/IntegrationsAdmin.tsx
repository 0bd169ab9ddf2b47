import { useState } from 'react';
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
import {
  AdminForm,
  AdminList,
  CheckboxField,
  CheckboxGroup,
  TextField,
  useActions,
  useForm,
  useResourceList,
} from '../../shared/admin';
import { useI18n } from '../../shared/i18n/i18n';

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
  const webhooks = useResourceList({ path: '/api/webhooks', schema: webhookList });
  const form = useForm({ url: '', types: ['call.ended', 'conversation.closed'], allowHttp: false });
  const [secret, setSecret] = useState<string | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);

  const create = async () => {
    const created = await api.request('POST', '/api/webhooks', {
      body: { url: form.values.url, event_types: form.values.types, allow_http: form.values.allowHttp },
      schema: webhookWithSecretSchema,
    });
    setSecret(created.secret);
    form.set('url', '');
    setOpenId(created.id);
    webhooks.reload();
  };

  const disabled = (webhooks.items ?? []).filter((w) => w.disabled_at !== null);
  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">{t('webhooks.title')}</h2>
      {disabled.length > 0 ? (
        <p className="error" role="alert" data-testid="webhook-disabled-banner">
          {t('webhooks.disabled_banner')} {disabled.map((w) => w.url).join(', ')}
        </p>
      ) : null}
      <AdminList
        items={webhooks.items}
        error={webhooks.error}
        empty={null}
        itemKey={(webhook) => webhook.id}
        renderItem={(webhook) => ({
          props: { 'data-testid': 'webhook-row' },
          content: (
            <>
              <button
                type="button"
                className="link"
                onClick={() => setOpenId(openId === webhook.id ? null : webhook.id)}
              >
                <code className="break">{webhook.url}</code>
              </button>{' '}
              · {webhook.is_active ? t('webhooks.active') : t('webhooks.inactive')} · {webhook.event_types.length}{' '}
              {t('webhooks.events')}
              {openId === webhook.id ? <WebhookDetail webhook={webhook} onChanged={webhooks.reload} /> : null}
            </>
          ),
        })}
      />
      <AdminForm
        form={form}
        layout="narrow"
        title={t('webhooks.new')}
        submitLabel={t('webhooks.create')}
        onSubmit={create}
      >
        <TextField label={t('webhooks.url')} type="url" required {...form.field('url')} />
        <CheckboxGroup
          legend={t('webhooks.event_types')}
          options={webhookEventTypes}
          value={form.values.types}
          onChange={(types) => form.set('types', types)}
        />
        <CheckboxField
          label={t('webhooks.allow_http')}
          checked={form.values.allowHttp}
          onChange={(checked) => form.set('allowHttp', checked)}
        />
        {secret ? (
          <p role="status" data-testid="webhook-secret">
            {t('webhooks.secret_once')} <code className="break">{secret}</code>
          </p>
        ) : null}
      </AdminForm>
    </section>
  );
}

function WebhookDetail({ webhook, onChanged }: { webhook: WebhookDto; onChanged: () => void }) {
  const api = useApi();
  const { t, dateTime } = useI18n();
  const [status, setStatus] = useState('');
  const deliveries = useResourceList({
    path: `/api/webhooks/${webhook.id}/deliveries`,
    query: { limit: 50, status: status || undefined },
    schema: deliveryPage,
  });
  const actions = useActions(deliveries.reload);
  const changes = useActions(onChanged);
  const post = (path: string) => actions.run(() => api.request('POST', path, { schema: webhookDeliverySchema }));

  return (
    <div className="stack" data-testid="webhook-detail">
      {webhook.disabled_reason ? <p className="error">{webhook.disabled_reason}</p> : null}
      <div className="dialog-actions">
        <button type="button" onClick={() => void post(`/api/webhooks/${webhook.id}/test`)}>
          {t('webhooks.test')}
        </button>
        <button type="button" onClick={() => deliveries.reload()}>
          {t('webhooks.refresh')}
        </button>
        <button
          type="button"
          onClick={() =>
            void changes.run(() =>
              api.request('PATCH', `/api/webhooks/${webhook.id}`, {
                body: { is_active: !webhook.is_active },
                schema: webhookWithSecretSchema,
              }),
            )
          }
        >
          {webhook.is_active ? t('webhooks.turn_off') : t('webhooks.turn_on')}
        </button>
        <button
          type="button"
          className="danger"
          onClick={() =>
            void changes.run(() => api.request('DELETE', `/api/webhooks/${webhook.id}`), {
              message: t('webhooks.confirm_delete'),
              confirmLabel: t('webhooks.delete'),
            })
          }
        >
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
      <AdminList
        items={deliveries.items}
        error={actions.error ?? changes.error ?? deliveries.error}
        empty={null}
        label={t('webhooks.deliveries')}
        hasMore={deliveries.hasMore}
        onLoadMore={deliveries.loadMore}
        itemKey={(delivery) => delivery.id}
        renderItem={(delivery) => {
          const last = delivery.attempts.at(-1);
          return {
            props: { 'data-testid': 'delivery-row', 'data-status': delivery.status },
            content: (
              <>
                <code>{delivery.event_type}</code> · {t(`webhooks.status.${delivery.status}`)} ·{' '}
                {delivery.attempts.length} {t('webhooks.attempts')}
                {last
                  ? ` · ${last.response_status ?? last.error ?? ''} · ${last.latency_ms} ms · ${dateTime(last.attempted_at)}`
                  : ''}
                {delivery.status === 'failed' || delivery.status === 'delivered' ? (
                  <>
                    {' '}
                    <button
                      type="button"
                      onClick={() => void post(`/api/webhooks/deliveries/${delivery.id}/redeliver`)}
                    >
                      {t('webhooks.redeliver')}
                    </button>
                  </>
                ) : null}
              </>
            ),
          };
        }}
      />
      {actions.dialog}
      {changes.dialog}
    </div>
  );
}

function ApiKeysAdmin() {
  const api = useApi();
  const { t, dateTime } = useI18n();
  const keys = useResourceList({ path: '/api/api-keys', schema: apiKeyList });
  const actions = useActions(keys.reload);
  const form = useForm({ name: '', scopes: ['calls:read'] });
  const [shownKey, setShownKey] = useState<string | null>(null);

  const create = async () => {
    const created = await api.request('POST', '/api/api-keys', { body: form.values, schema: createdApiKeySchema });
    setShownKey(created.key);
    form.set('name', '');
    keys.reload();
  };

  return (
    <section aria-labelledby="apikeys-title">
      <h2 id="apikeys-title">{t('apikeys.title')}</h2>
      <AdminList
        items={keys.items}
        error={actions.error ?? keys.error}
        empty={null}
        itemKey={(key) => key.id}
        renderItem={(key) => ({
          props: { 'data-testid': 'api-key-row' },
          content: (
            <>
              <strong>{key.name}</strong> · <code>{key.prefix}…</code> · {key.scopes.join(', ')} ·{' '}
              {key.revoked_at
                ? t('apikeys.revoked')
                : key.last_used_at
                  ? `${t('apikeys.last_used')} ${dateTime(key.last_used_at)}`
                  : t('apikeys.never_used')}
              {key.revoked_at ? null : (
                <>
                  {' '}
                  <button
                    type="button"
                    className="danger"
                    onClick={() =>
                      void actions.run(() => api.request('DELETE', `/api/api-keys/${key.id}`), {
                        message: t('apikeys.confirm_revoke'),
                        confirmLabel: t('apikeys.revoke'),
                      })
                    }
                  >
                    {t('apikeys.revoke')}
                  </button>
                </>
              )}
            </>
          ),
        })}
      />
      <AdminForm
        form={form}
        layout="narrow"
        title={t('apikeys.new')}
        submitLabel={t('apikeys.create')}
        onSubmit={create}
      >
        <TextField label={t('apikeys.name')} required maxLength={80} {...form.field('name')} />
        <CheckboxGroup
          legend={t('apikeys.scopes')}
          options={apiKeyScopes}
          value={form.values.scopes}
          onChange={(scopes) => form.set('scopes', scopes)}
        />
        {shownKey ? (
          <p role="status" data-testid="api-key-shown">
            {t('apikeys.shown_once')} <code className="break">{shownKey}</code>
          </p>
        ) : null}
      </AdminForm>
      {actions.dialog}
    </section>
  );
}
