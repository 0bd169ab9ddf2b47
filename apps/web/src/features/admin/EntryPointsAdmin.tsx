/**
 * Admin › Queues › Entry points: where new work enters routing. WhatsApp and web chat each
 * have a default queue and an optional menu ("1 Vendas, 2 Suporte") answered by the
 * customer (`/api/channels/:channel/routing`); each phone number (DID) sends its callers
 * to a queue or a spoken DTMF menu (`/api/voice/entry-points/:did`).
 */
import { useState } from 'react';
import { z } from 'zod';
import { channelRoutingSchema, type QueueDto } from '@switchboard/contracts';
import { useApi } from '../../app/services';
import {
  AdminForm,
  AdminTable,
  FormDialog,
  SelectField,
  TextField,
  useActions,
  useForm,
  useResourceList,
  type Option,
} from '../../shared/admin';
import { useI18n } from '../../shared/i18n/i18n';
import { ErrorMessage, Loading } from '../../shared/ui/components';
import { useAsync } from '../../shared/ui/hooks';
import { MenuEditor, menuBodyOf, menuRowsOf, type MenuRows } from './RoutingEditors';

const CHAT_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'];
const VOICE_KEYS = [...CHAT_KEYS, '*', '#'];

/** `GET /api/voice/entry-points` (the server's own schema; not in the contracts package). */
export const voiceEntryPointSchema = z.object({
  did: z.string(),
  default_queue_id: z.uuid().nullable(),
  menu: z
    .object({
      prompt: z.string().nullable(),
      options: z.array(z.object({ key: z.string(), label: z.string(), queue_id: z.uuid() })),
    })
    .nullable(),
  updated_at: z.string(),
});
export type VoiceEntryPoint = z.infer<typeof voiceEntryPointSchema>;
const voiceEntryPoints = z.object({ items: z.array(voiceEntryPointSchema) });

interface EntryForm {
  did: string;
  queueId: string;
  menu: MenuRows;
}

function queueOptions(queues: readonly QueueDto[], channel: 'voice' | 'whatsapp' | 'webchat'): Option[] {
  return queues
    .filter((queue) => queue.channels.includes(channel))
    .map((queue) => ({ value: queue.id, label: queue.name }));
}

export function EntryPointsAdmin({ queues }: { queues: readonly QueueDto[] }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="entry-points-title" className="stack" data-testid="entry-points-admin">
      <header className="panel-header">
        <h2 id="entry-points-title">{t('entry.title')}</h2>
      </header>
      <p className="muted small">{t('entry.hint')}</p>
      <div className="entry-grid">
        <ChannelEntryPoint channel="whatsapp" queues={queues} />
        <ChannelEntryPoint channel="webchat" queues={queues} />
      </div>
      <VoiceEntryPoints queues={queues} />
    </section>
  );
}

function ChannelEntryPoint({ channel, queues }: { channel: 'whatsapp' | 'webchat'; queues: readonly QueueDto[] }) {
  const api = useApi();
  const { t } = useI18n();
  const current = useAsync(
    (signal) => api.request('GET', `/api/channels/${channel}/routing`, { schema: channelRoutingSchema, signal }),
    channel,
  );
  const form = useForm<EntryForm>({ did: '', queueId: '', menu: menuRowsOf(null) });
  const [loadedAt, setLoadedAt] = useState<string | null>(null);
  if (current.data && loadedAt !== (current.data.updated_at ?? 'never')) {
    setLoadedAt(current.data.updated_at ?? 'never');
    form.reset({ did: '', queueId: current.data.default_queue_id ?? '', menu: menuRowsOf(current.data.menu) });
  }
  const options = queueOptions(queues, channel);
  return (
    <AdminForm
      form={form}
      title={t(`channel.${channel}`)}
      savedText={t('entry.saved')}
      testId={`entry-${channel}`}
      submitTestId={`entry-${channel}-save`}
      onSubmit={async () => {
        const saved = await api.request('PUT', `/api/channels/${channel}/routing`, {
          body: { default_queue_id: form.values.queueId || null, menu: menuBodyOf(form.values.menu) },
          schema: channelRoutingSchema,
        });
        // What the server now holds is what the form shows: no reload, "Saved." stays.
        setLoadedAt(saved.updated_at ?? 'never');
        current.setData(() => saved);
      }}
    >
      <ErrorMessage error={current.error} />
      {current.isLoading && !current.data ? <Loading /> : null}
      <SelectField
        label={t('entry.default_queue')}
        {...form.field('queueId')}
        error={form.fieldErrors.default_queue_id}
        options={[{ value: '', label: t('entry.no_queue') }, ...options]}
        hint={options.length === 0 ? t('entry.no_queue_for_channel') : undefined}
        data-testid={`entry-${channel}-queue`}
      />
      <MenuEditor
        menu={form.values.menu}
        onChange={(menu) => form.set('menu', menu)}
        queues={options}
        errors={form.fieldErrors}
        keys={CHAT_KEYS}
        promptHint={t('entry.chat_prompt_hint')}
      />
    </AdminForm>
  );
}

function VoiceEntryPoints({ queues }: { queues: readonly QueueDto[] }) {
  const api = useApi();
  const { t } = useI18n();
  const list = useResourceList({ path: '/api/voice/entry-points', schema: voiceEntryPoints });
  const actions = useActions(list.reload);
  const [editing, setEditing] = useState<VoiceEntryPoint | 'new' | null>(null);
  const nameOf = (id: string | null) => (id ? (queues.find((queue) => queue.id === id)?.name ?? '—') : '—');
  return (
    <section aria-labelledby="voice-entry-title" className="stack" data-testid="voice-entry-points">
      <header className="panel-header">
        <h3 id="voice-entry-title">{t('entry.voice_title')}</h3>
        <button type="button" onClick={() => setEditing('new')} data-testid="did-create">
          {t('entry.new_did')}
        </button>
      </header>
      <AdminTable<VoiceEntryPoint>
        rows={list.items}
        error={actions.error ?? list.error}
        empty={t('entry.no_dids')}
        testId="dids-table"
        rowKey={(point) => point.did}
        rowProps={(point) => ({ 'data-testid': 'did-row', 'data-did': point.did })}
        columns={[
          { key: 'did', header: t('entry.did'), cell: (point) => <code>{point.did}</code> },
          { key: 'queue', header: t('entry.default_queue'), cell: (point) => nameOf(point.default_queue_id) },
          {
            key: 'menu',
            header: t('entry.menu'),
            className: 'wrap-anywhere',
            cell: (point) =>
              point.menu
                ? point.menu.options.map((o) => `${o.key} ${o.label} → ${nameOf(o.queue_id)}`).join(', ')
                : '—',
          },
          {
            key: 'actions',
            header: t('admin.actions'),
            className: 'row-actions',
            cell: (point) => (
              <>
                <button type="button" onClick={() => setEditing(point)} data-testid="did-edit">
                  {t('common.edit')}
                </button>
                <button
                  type="button"
                  className="danger"
                  data-testid="did-delete"
                  onClick={() =>
                    void actions.run(
                      () => api.request('DELETE', `/api/voice/entry-points/${encodeURIComponent(point.did)}`),
                      { message: t('entry.delete_confirm', { did: point.did }), confirmLabel: t('common.delete') },
                    )
                  }
                >
                  {t('common.delete')}
                </button>
              </>
            ),
          },
        ]}
      />
      {actions.dialog}
      <VoiceEntryDialog
        point={editing}
        queues={queueOptions(queues, 'voice')}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          list.reload();
        }}
      />
    </section>
  );
}

function VoiceEntryDialog({
  point,
  queues,
  onClose,
  onSaved,
}: {
  point: VoiceEntryPoint | 'new' | null;
  queues: readonly Option[];
  onClose: () => void;
  onSaved: () => void;
}) {
  const api = useApi();
  const { t } = useI18n();
  const form = useForm<EntryForm>({ did: '', queueId: '', menu: menuRowsOf(null) });
  const key = point === null ? 'none' : point === 'new' ? 'new' : point.did;
  const [openedFor, setOpenedFor] = useState(key);
  if (openedFor !== key) {
    setOpenedFor(key);
    form.reset(
      point === null || point === 'new'
        ? { did: '', queueId: '', menu: menuRowsOf(null) }
        : { did: point.did, queueId: point.default_queue_id ?? '', menu: menuRowsOf(point.menu) },
    );
  }
  const isNew = point === 'new';
  const save = async () => {
    const checked = form.validate(z.object({ did: z.string().trim().min(1, t('entry.did_required')) }), {
      did: form.values.did,
    });
    if (!checked) return;
    const did = checked.did;
    await api.request('PUT', `/api/voice/entry-points/${encodeURIComponent(did)}`, {
      body: { default_queue_id: form.values.queueId || null, menu: menuBodyOf(form.values.menu) },
      schema: voiceEntryPointSchema,
    });
    onSaved();
  };
  return (
    <FormDialog
      title={isNew ? t('entry.new_did') : t('entry.edit_did', { did: form.values.did })}
      isOpen={point !== null}
      onClose={onClose}
      form={form}
      onSubmit={save}
      noValidate
      testId="did-dialog"
      submitTestId="did-save"
    >
      <TextField
        label={t('entry.did')}
        hint={t('entry.did_hint')}
        {...form.field('did')}
        required
        maxLength={40}
        readOnly={!isNew}
        inputMode="tel"
        data-testid="did-number"
      />
      <SelectField
        label={t('entry.default_queue')}
        {...form.field('queueId')}
        error={form.fieldErrors.default_queue_id}
        options={[{ value: '', label: t('entry.no_queue') }, ...queues]}
        data-testid="did-queue"
      />
      <MenuEditor
        menu={form.values.menu}
        onChange={(menu) => form.set('menu', menu)}
        queues={queues}
        errors={form.fieldErrors}
        keys={VOICE_KEYS}
        promptHint={t('entry.voice_prompt_hint')}
        testId="did-menu"
      />
    </FormDialog>
  );
}
