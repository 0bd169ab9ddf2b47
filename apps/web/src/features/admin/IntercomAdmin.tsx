/**
 * The virtual intercom: units and their residents (who the voice bot calls, in priority
 * order), the gate webhook, and recent intercom calls with their transcripts.
 */
import { useState } from 'react';
import {
  createResidentBodySchema,
  createUnitBodySchema,
  intercomCallSchema,
  intercomSettingsSchema,
  pageSchema,
  residentSchema,
  unitSchema,
  updateIntercomSettingsBodySchema,
  type ResidentDto,
  type UnitDto,
} from '@switchboard/contracts';
import { useApi, useCurrentUser } from '../../app/services';
import { AdminForm, AdminList, AdminTable, TextField, useActions, useForm, useResourceList } from '../../shared/admin';
import { useI18n } from '../../shared/i18n/i18n';
import { Dialog, Empty, ErrorMessage, Loading } from '../../shared/ui/components';
import { useAsync } from '../../shared/ui/hooks';

const unitPage = pageSchema(unitSchema);
const residentPage = pageSchema(residentSchema);
const callPage = pageSchema(intercomCallSchema);

export function IntercomAdmin() {
  const me = useCurrentUser();
  const [unit, setUnit] = useState<UnitDto | null>(null);
  const [generation, setGeneration] = useState(0);
  const isAdmin = me.role === 'admin';
  return (
    <div className="intercom" data-testid="intercom-admin">
      <div className="intercom-grid">
        <Units
          isAdmin={isAdmin}
          selectedId={unit?.id ?? null}
          onSelect={setUnit}
          generation={generation}
          onChanged={() => setGeneration((n) => n + 1)}
        />
        {unit ? (
          <Residents key={unit.id} unit={unit} isAdmin={isAdmin} onChanged={() => setGeneration((n) => n + 1)} />
        ) : null}
      </div>
      <Settings isAdmin={isAdmin} />
      <IntercomCalls />
    </div>
  );
}

function Units({
  isAdmin,
  selectedId,
  onSelect,
  generation,
  onChanged,
}: {
  isAdmin: boolean;
  selectedId: string | null;
  onSelect: (unit: UnitDto | null) => void;
  generation: number;
  onChanged: () => void;
}) {
  const api = useApi();
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const form = useForm({ number: '', label: '' });
  const units = useResourceList({
    path: '/api/voicebot/units',
    query: { q: q.trim() || undefined, limit: 200 },
    schema: unitPage,
    key: String(generation),
  });
  const actions = useActions(onChanged);

  const create = async () => {
    const body = form.validate(createUnitBodySchema, {
      number: form.values.number,
      ...(form.values.label.trim() ? { label: form.values.label } : {}),
    });
    if (!body) return;
    const unit = await api.request('POST', '/api/voicebot/units', { body, schema: unitSchema });
    form.reset();
    onSelect(unit);
    onChanged();
  };

  const remove = (unit: UnitDto) =>
    actions.run(
      async () => {
        await api.request('DELETE', `/api/voicebot/units/${unit.id}`);
        if (unit.id === selectedId) onSelect(null);
      },
      { message: t('intercom.confirm_remove_unit', { number: unit.number }), confirmLabel: t('intercom.remove') },
    );

  return (
    <section className="panel" aria-labelledby="units-title">
      <h2 id="units-title">{t('intercom.units')}</h2>
      <input
        type="search"
        value={q}
        onChange={(event) => setQ(event.target.value)}
        placeholder={t('intercom.search_units')}
        aria-label={t('intercom.search_units')}
      />
      <AdminList
        items={units.items}
        error={actions.error ?? units.error}
        empty={t('intercom.no_units')}
        hasMore={units.hasMore}
        onLoadMore={units.loadMore}
        className="unit-list"
        itemKey={(unit) => unit.id}
        renderItem={(unit) => ({
          props: { className: unit.id === selectedId ? 'is-selected' : '' },
          content: (
            <>
              <button
                type="button"
                className="link"
                onClick={() => onSelect(unit)}
                aria-pressed={unit.id === selectedId}
              >
                {unit.number}
              </button>
              <span className="muted small">
                {unit.label ? ` · ${unit.label}` : ''} · {t('intercom.resident_count', { count: unit.resident_count })}
              </span>
              {isAdmin ? (
                <button type="button" className="link danger-link" onClick={() => void remove(unit)}>
                  {t('intercom.remove')}
                </button>
              ) : null}
            </>
          ),
        })}
      />
      {isAdmin ? (
        <AdminForm form={form} layout="inline" submitLabel={t('intercom.add_unit')} onSubmit={create}>
          <TextField label={t('intercom.unit_number')} {...form.field('number')} maxLength={32} required />
          <TextField label={t('intercom.unit_label')} {...form.field('label')} maxLength={120} />
        </AdminForm>
      ) : null}
      {actions.dialog}
    </section>
  );
}

interface ResidentForm {
  name: string;
  phone: string;
  sip_extension: string;
  priority: string;
}

const emptyResident: ResidentForm = { name: '', phone: '', sip_extension: '', priority: '0' };

function Residents({ unit, isAdmin, onChanged }: { unit: UnitDto; isAdmin: boolean; onChanged: () => void }) {
  const api = useApi();
  const { t } = useI18n();
  const [editing, setEditing] = useState<ResidentDto | null>(null);
  const form = useForm<ResidentForm>(emptyResident);
  const residents = useResourceList({
    path: '/api/voicebot/residents',
    query: { unit_id: unit.id, limit: 200 },
    schema: residentPage,
  });
  const refresh = () => {
    residents.reload();
    onChanged();
  };
  const actions = useActions(refresh);

  const submit = async () => {
    const { values } = form;
    const fields = {
      name: values.name,
      ...(values.phone.trim() ? { phone: values.phone } : {}),
      ...(values.sip_extension.trim() ? { sip_extension: values.sip_extension } : {}),
      priority: Number(values.priority) || 0,
    };
    if (editing) {
      await api.request('PATCH', `/api/voicebot/residents/${editing.id}`, {
        body: { ...fields, phone: fields.phone ?? null, sip_extension: fields.sip_extension ?? null },
        schema: residentSchema,
      });
    } else {
      const body = form.validate(createResidentBodySchema, { unit_id: unit.id, ...fields });
      if (!body) return;
      await api.request('POST', '/api/voicebot/residents', { body, schema: residentSchema });
    }
    form.reset();
    setEditing(null);
    refresh();
  };

  const field = (name: keyof ResidentForm, type = 'text') => (
    <TextField label={t(`intercom.resident_${name}`)} type={type} {...form.field(name)} />
  );

  return (
    <section className="panel" aria-labelledby="residents-title">
      <h2 id="residents-title">{t('intercom.residents_of', { number: unit.number })}</h2>
      <AdminTable
        rows={residents.items}
        error={actions.error ?? residents.error}
        empty={t('intercom.no_residents')}
        hasMore={residents.hasMore}
        onLoadMore={residents.loadMore}
        rowKey={(resident) => resident.id}
        rowProps={(resident) => ({ className: resident.is_active ? '' : 'is-inactive' })}
        columns={[
          { key: 'priority', header: t('intercom.resident_priority'), cell: (resident) => resident.priority },
          {
            key: 'name',
            header: t('intercom.resident_name'),
            cell: (resident) => (
              <>
                {resident.name}
                {!resident.is_active ? <span className="tag">{t('admin.inactive')}</span> : null}
              </>
            ),
          },
          { key: 'phone', header: t('intercom.resident_phone'), cell: (resident) => resident.phone ?? '—' },
          {
            key: 'extension',
            header: t('intercom.resident_sip_extension'),
            cell: (resident) => resident.sip_extension ?? '—',
          },
          isAdmin && {
            key: 'actions',
            header: t('admin.actions'),
            className: 'row-actions',
            cell: (resident) => (
              <>
                <button
                  type="button"
                  onClick={() => {
                    setEditing(resident);
                    form.reset({
                      name: resident.name,
                      phone: resident.phone ?? '',
                      sip_extension: resident.sip_extension ?? '',
                      priority: String(resident.priority),
                    });
                  }}
                >
                  {t('common.edit')}
                </button>
                <button
                  type="button"
                  onClick={() =>
                    void actions.run(() =>
                      api.request('PATCH', `/api/voicebot/residents/${resident.id}`, {
                        body: { is_active: !resident.is_active },
                        schema: residentSchema,
                      }),
                    )
                  }
                >
                  {resident.is_active ? t('admin.deactivate') : t('intercom.activate')}
                </button>
                <button
                  type="button"
                  className="danger"
                  onClick={() =>
                    void actions.run(() => api.request('DELETE', `/api/voicebot/residents/${resident.id}`), {
                      message: t('intercom.confirm_remove_resident', { name: resident.name }),
                      confirmLabel: t('intercom.remove'),
                    })
                  }
                >
                  {t('intercom.remove')}
                </button>
              </>
            ),
          },
        ]}
      />
      {isAdmin ? (
        <AdminForm
          form={form}
          layout="inline"
          submitLabel={editing ? t('common.save') : t('intercom.add_resident')}
          onSubmit={submit}
          actions={
            editing ? (
              <button
                type="button"
                onClick={() => {
                  setEditing(null);
                  form.reset();
                }}
              >
                {t('common.cancel')}
              </button>
            ) : null
          }
        >
          {field('name')}
          {field('phone', 'tel')}
          {field('sip_extension')}
          {field('priority', 'number')}
        </AdminForm>
      ) : null}
      {actions.dialog}
    </section>
  );
}

function Settings({ isAdmin }: { isAdmin: boolean }) {
  const api = useApi();
  const { t, dateTime } = useI18n();
  const settings = useAsync(
    (signal) => api.request('GET', '/api/voicebot/settings', { schema: intercomSettingsSchema, signal }),
    'intercom-settings',
  );
  // `url` null: the stored one, untouched.
  const form = useForm<{ url: string | null; secret: string }>({ url: null, secret: '' });

  const save = async () => {
    const value = (form.values.url ?? settings.data?.gate_webhook_url ?? '').trim();
    const body = form.validate(updateIntercomSettingsBodySchema, {
      gate_webhook_url: value || null,
      ...(form.values.secret ? { gate_webhook_secret: form.values.secret } : {}),
    });
    if (!body) return;
    try {
      await api.request('PUT', '/api/voicebot/settings', { body, schema: intercomSettingsSchema });
      form.reset();
    } finally {
      settings.reload();
    }
  };

  if (settings.error) return <ErrorMessage error={settings.error} />;
  if (!settings.data) return <Loading />;
  const data = settings.data;
  return (
    <section className="panel" aria-labelledby="intercom-settings-title">
      <h2 id="intercom-settings-title">{t('intercom.settings')}</h2>
      <p>
        {t('intercom.uuid_hint')} <code data-testid="intercom-uuid">{data.intercom_uuid}</code>
      </p>
      <AdminForm form={form} layout="narrow" onSubmit={save} savedText={t('channels.saved')} canSubmit={isAdmin}>
        <TextField
          label={t('intercom.gate_url')}
          type="url"
          value={form.values.url ?? data.gate_webhook_url ?? ''}
          onChange={(event) => form.set('url', event.target.value)}
          error={form.fieldErrors.gate_webhook_url}
          disabled={!isAdmin}
          placeholder="https://"
        />
        <TextField
          label={t('intercom.gate_secret')}
          type="password"
          autoComplete="off"
          value={form.values.secret}
          onChange={(event) => form.set('secret', event.target.value)}
          error={form.fieldErrors.gate_webhook_secret}
          disabled={!isAdmin}
          placeholder={data.has_gate_webhook_secret ? t('intercom.secret_kept') : ''}
        />
        <p className="muted small">{t('intercom.updated_at', { at: dateTime(data.updated_at) })}</p>
      </AdminForm>
    </section>
  );
}

function IntercomCalls() {
  const { t, dateTime } = useI18n();
  const [openId, setOpenId] = useState<string | null>(null);
  const calls = useResourceList({ path: '/api/voicebot/calls', query: { limit: 50 }, schema: callPage });
  return (
    <section className="panel" aria-labelledby="intercom-calls-title">
      <h2 id="intercom-calls-title">{t('intercom.calls')}</h2>
      <AdminTable
        rows={calls.items}
        error={calls.error}
        empty={t('intercom.no_calls')}
        hasMore={calls.hasMore}
        onLoadMore={calls.loadMore}
        rowKey={(call) => call.id}
        columns={[
          { key: 'started', header: t('calls.started'), cell: (call) => dateTime(call.started_at) },
          { key: 'unit', header: t('intercom.unit'), cell: (call) => call.unit_number ?? '—' },
          {
            key: 'visitor',
            header: t('intercom.visitor'),
            cell: (call) => (
              <>
                {call.visitor_name ?? '—'}
                {call.purpose ? <span className="muted small"> · {call.purpose}</span> : null}
              </>
            ),
          },
          { key: 'resident', header: t('intercom.resident'), cell: (call) => call.resident_name ?? '—' },
          {
            key: 'outcome',
            header: t('intercom.outcome'),
            cell: (call) => (call.outcome ? t(`intercom.outcome_${call.outcome}`) : t('call_status.in_progress')),
          },
          {
            key: 'transcript',
            header: <span className="visually-hidden">{t('intercom.transcript')}</span>,
            label: '',
            cell: (call) => (
              <button type="button" className="link" onClick={() => setOpenId(call.id)}>
                {t('intercom.transcript')}
              </button>
            ),
          },
        ]}
      />
      <Dialog title={t('intercom.transcript')} isOpen={openId !== null} onClose={() => setOpenId(null)}>
        {openId ? <Transcript callId={openId} /> : null}
      </Dialog>
    </section>
  );
}

function Transcript({ callId }: { callId: string }) {
  const api = useApi();
  const { t, time } = useI18n();
  const call = useAsync(
    (signal) => api.request('GET', `/api/voicebot/calls/${callId}`, { schema: intercomCallSchema, signal }),
    `intercom-call:${callId}`,
  );
  if (call.error) return <ErrorMessage error={call.error} />;
  if (!call.data) return <Loading />;
  const lines = call.data.transcript ?? [];
  if (lines.length === 0) return <Empty>{t('intercom.no_transcript')}</Empty>;
  return (
    <ol className="transcript">
      {lines.map((line) => (
        <li key={line.seq} className={`who-${line.who}`}>
          <span className="muted small">
            {time(line.at)} · {t(`intercom.who_${line.who}`)}
          </span>{' '}
          {line.text}
        </li>
      ))}
    </ol>
  );
}
