/**
 * Admin › Channels: the company's web-chat channels (issue 14): name, the pages allowed to
 * embed the widget, greeting, pre-chat fields, default queue, business-hours message and
 * colour, and the snippet to paste into the site.
 */
import { webchatChannelSchema, type UpdateWebchatChannelBody, type WebchatChannelDto } from '@switchboard/contracts';
import { useState } from 'react';
import { z } from 'zod';
import { useApi } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import {
  AdminForm,
  AdminTable,
  SelectField,
  TextAreaField,
  TextField,
  useActions,
  useForm,
  useResourceList,
} from '../../shared/admin';

const channelList = z.object({ items: z.array(webchatChannelSchema) });
const queueList = z.object({
  items: z.array(z.object({ id: z.string(), name: z.string(), channels: z.array(z.string()) })),
});
type Requirement = 'off' | 'optional' | 'required';

interface WebchatForm {
  name: string;
  origins: string;
  greeting: string;
  prechatName: Requirement;
  prechatEmail: Requirement;
  prechatPhone: Requirement;
  queueId: string;
  offlineMessage: string;
  primary: string;
}

const EMPTY: WebchatForm = {
  name: '',
  origins: '',
  greeting: '',
  prechatName: 'optional',
  prechatEmail: 'off',
  prechatPhone: 'off',
  queueId: '',
  offlineMessage: '',
  primary: '#1f6feb',
};

function formOf(channel: WebchatChannelDto): WebchatForm {
  return {
    name: channel.name,
    origins: channel.allowed_origins.join('\n'),
    greeting: channel.greeting ?? '',
    prechatName: channel.prechat_fields.name,
    prechatEmail: channel.prechat_fields.email,
    prechatPhone: channel.prechat_fields.phone,
    queueId: channel.default_queue_id ?? '',
    offlineMessage: channel.offline_message ?? '',
    primary: channel.colors.primary,
  };
}

function bodyOf(form: WebchatForm): Required<UpdateWebchatChannelBody> {
  return {
    name: form.name,
    allowed_origins: form.origins
      .split(/[\s,]+/)
      .map((origin) => origin.trim())
      .filter(Boolean),
    greeting: form.greeting.trim() || null,
    prechat_fields: { name: form.prechatName, email: form.prechatEmail, phone: form.prechatPhone },
    default_queue_id: form.queueId || null,
    offline_message: form.offlineMessage.trim() || null,
    colors: { primary: form.primary, text: '#ffffff' },
  };
}

export function WebchatAdmin() {
  const api = useApi();
  const { t } = useI18n();
  const list = useResourceList({ path: '/api/channels/webchat', schema: channelList });
  const queues = useResourceList({ path: '/api/queues', schema: queueList });
  const actions = useActions(list.reload);
  const form = useForm<WebchatForm>(EMPTY);
  const [editingId, setEditingId] = useState<string | null>(null);
  const [copiedId, setCopiedId] = useState<string | null>(null);
  const requirement = [
    { value: 'off', label: t('webchat.prechat.off') },
    { value: 'optional', label: t('webchat.prechat.optional') },
    { value: 'required', label: t('webchat.prechat.required') },
  ];
  const queueOptions = [
    { value: '', label: t('webchat.no_queue') },
    ...(queues.items ?? [])
      .filter((queue) => queue.channels.includes('webchat'))
      .map((queue) => ({ value: queue.id, label: queue.name })),
  ];
  const queueName = (id: string | null) => queues.items?.find((queue) => queue.id === id)?.name ?? '—';
  const copy = (channel: WebchatChannelDto) => {
    void navigator.clipboard?.writeText(channel.embed_snippet).then(() => setCopiedId(channel.id));
  };

  return (
    <section className="stack" data-testid="webchat-admin">
      <h2>{t('webchat.title')}</h2>
      <AdminForm
        form={form}
        testId="webchat-form"
        title={editingId ? t('webchat.edit') : t('webchat.add')}
        submitLabel={editingId ? t('common.save') : t('common.add')}
        actions={
          editingId ? (
            <button
              type="button"
              onClick={() => {
                setEditingId(null);
                form.reset(EMPTY);
              }}
            >
              {t('common.cancel')}
            </button>
          ) : undefined
        }
        onSubmit={async () => {
          const body = bodyOf(form.values);
          if (editingId) {
            await api.request('PUT', `/api/channels/webchat/${editingId}`, { body, schema: webchatChannelSchema });
          } else {
            await api.request('POST', '/api/channels/webchat', { body, schema: webchatChannelSchema });
          }
          setEditingId(null);
          form.reset(EMPTY);
          list.reload();
        }}
      >
        <TextField label={t('webchat.name')} {...form.field('name')} required maxLength={100} />
        <TextAreaField
          label={t('webchat.origins')}
          hint={t('webchat.origins_hint')}
          {...form.field('origins')}
          rows={2}
          placeholder="https://www.example.com"
        />
        <TextField label={t('webchat.greeting')} {...form.field('greeting')} maxLength={500} />
        <SelectField label={t('webchat.prechat.name')} {...form.field('prechatName')} options={requirement} />
        <SelectField label={t('webchat.prechat.email')} {...form.field('prechatEmail')} options={requirement} />
        <SelectField label={t('webchat.prechat.phone')} {...form.field('prechatPhone')} options={requirement} />
        <SelectField label={t('webchat.queue')} {...form.field('queueId')} options={queueOptions} />
        <TextField label={t('webchat.offline_message')} {...form.field('offlineMessage')} maxLength={500} />
        <TextField label={t('webchat.color')} type="color" {...form.field('primary')} />
      </AdminForm>
      <AdminTable<WebchatChannelDto>
        rows={list.items}
        error={actions.error ?? list.error}
        empty={t('webchat.empty')}
        testId="webchat-table"
        rowKey={(row) => row.id}
        columns={[
          { key: 'name', header: t('webchat.name'), cell: (row) => row.name },
          { key: 'origins', header: t('webchat.origins'), cell: (row) => row.allowed_origins.join(', ') || '—' },
          { key: 'queue', header: t('webchat.queue'), cell: (row) => queueName(row.default_queue_id) },
          {
            key: 'snippet',
            header: t('webchat.snippet'),
            cell: (row) => (
              <div className="stack">
                <code className="snippet" data-testid="webchat-snippet">
                  {row.embed_snippet}
                </code>
                <button type="button" onClick={() => copy(row)}>
                  {copiedId === row.id ? t('webchat.copied') : t('webchat.copy')}
                </button>
              </div>
            ),
          },
          {
            key: 'actions',
            header: t('admin.actions'),
            cell: (row) => (
              <div className="row">
                <button
                  type="button"
                  onClick={() => {
                    setEditingId(row.id);
                    form.reset(formOf(row));
                  }}
                >
                  {t('common.edit')}
                </button>
                <button
                  type="button"
                  className="danger"
                  onClick={() =>
                    void actions.run(() => api.request('DELETE', `/api/channels/webchat/${row.id}`), {
                      message: t('webchat.delete_confirm', { name: row.name }),
                      confirmLabel: t('common.delete'),
                    })
                  }
                >
                  {t('common.delete')}
                </button>
              </div>
            ),
          },
        ]}
      />
      {actions.dialog}
    </section>
  );
}
