/**
 * The virtual intercom: units and their residents (who the voice bot calls, in priority
 * order), the gate webhook, and recent intercom calls with their transcripts.
 */
import { useState, type FormEvent } from 'react';
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
import { ApiError } from '../../shared/api/api-error';
import { useI18n } from '../../shared/i18n/i18n';
import { Dialog, Empty, ErrorMessage, Loading } from '../../shared/ui/components';
import { DataTable } from '../../shared/ui/DataTable';
import { useAsync } from '../../shared/ui/hooks';

const unitPage = pageSchema(unitSchema);
const residentPage = pageSchema(residentSchema);
const callPage = pageSchema(intercomCallSchema);

function issuesOf(error: { issues: { path: PropertyKey[]; message: string }[] }): Record<string, string> {
  return Object.fromEntries(error.issues.map((issue) => [String(issue.path[0]), issue.message]));
}

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
  const [form, setForm] = useState({ number: '', label: '' });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const units = useAsync(
    (signal) =>
      api.request('GET', '/api/voicebot/units', {
        query: { q: q.trim() || undefined, limit: 200 },
        schema: unitPage,
        signal,
      }),
    `units:${q}:${generation}`,
  );

  const create = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = createUnitBodySchema.safeParse({
      number: form.number,
      ...(form.label.trim() ? { label: form.label } : {}),
    });
    if (!parsed.success) return setFieldErrors(issuesOf(parsed.error));
    setFieldErrors({});
    setError(null);
    try {
      const unit = await api.request('POST', '/api/voicebot/units', { body: parsed.data, schema: unitSchema });
      setForm({ number: '', label: '' });
      onSelect(unit);
      onChanged();
    } catch (failure) {
      if (failure instanceof ApiError) setFieldErrors(failure.fieldErrors);
      setError(failure);
    }
  };

  const remove = async (unit: UnitDto) => {
    if (!window.confirm(t('intercom.confirm_remove_unit', { number: unit.number }))) return;
    setError(null);
    try {
      await api.request('DELETE', `/api/voicebot/units/${unit.id}`);
      if (unit.id === selectedId) onSelect(null);
      onChanged();
    } catch (failure) {
      setError(failure);
    }
  };

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
      <ErrorMessage error={error ?? units.error} />
      {!units.data && !units.error ? <Loading /> : null}
      {units.data && units.data.items.length === 0 ? <Empty>{t('intercom.no_units')}</Empty> : null}
      <ul className="plain-list unit-list">
        {(units.data?.items ?? []).map((unit) => (
          <li key={unit.id} className={unit.id === selectedId ? 'is-selected' : ''}>
            <button type="button" className="link" onClick={() => onSelect(unit)} aria-pressed={unit.id === selectedId}>
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
          </li>
        ))}
      </ul>
      {isAdmin ? (
        <form className="inline-form" onSubmit={(event) => void create(event)}>
          <label>
            {t('intercom.unit_number')}
            <input
              value={form.number}
              onChange={(event) => setForm((f) => ({ ...f, number: event.target.value }))}
              maxLength={32}
              required
            />
            {fieldErrors.number ? <span className="error small">{fieldErrors.number}</span> : null}
          </label>
          <label>
            {t('intercom.unit_label')}
            <input
              value={form.label}
              onChange={(event) => setForm((f) => ({ ...f, label: event.target.value }))}
              maxLength={120}
            />
          </label>
          <button type="submit" className="primary">
            {t('intercom.add_unit')}
          </button>
        </form>
      ) : null}
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
  const [generation, setGeneration] = useState(0);
  const [form, setForm] = useState<ResidentForm>(emptyResident);
  const [editing, setEditing] = useState<ResidentDto | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const residents = useAsync(
    (signal) =>
      api.request('GET', '/api/voicebot/residents', {
        query: { unit_id: unit.id, limit: 200 },
        schema: residentPage,
        signal,
      }),
    `residents:${unit.id}:${generation}`,
  );
  const refresh = () => {
    setGeneration((n) => n + 1);
    onChanged();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const fields = {
      name: form.name,
      ...(form.phone.trim() ? { phone: form.phone } : {}),
      ...(form.sip_extension.trim() ? { sip_extension: form.sip_extension } : {}),
      priority: Number(form.priority) || 0,
    };
    try {
      if (editing) {
        await api.request('PATCH', `/api/voicebot/residents/${editing.id}`, {
          body: { ...fields, phone: fields.phone ?? null, sip_extension: fields.sip_extension ?? null },
          schema: residentSchema,
        });
      } else {
        const parsed = createResidentBodySchema.safeParse({ unit_id: unit.id, ...fields });
        if (!parsed.success) return setFieldErrors(issuesOf(parsed.error));
        await api.request('POST', '/api/voicebot/residents', { body: parsed.data, schema: residentSchema });
      }
      setFieldErrors({});
      setForm(emptyResident);
      setEditing(null);
      refresh();
    } catch (failure) {
      if (failure instanceof ApiError) setFieldErrors(failure.fieldErrors);
      setError(failure);
    }
  };

  const act = async (resident: ResidentDto, action: 'toggle' | 'remove') => {
    setError(null);
    try {
      if (action === 'remove') {
        if (!window.confirm(t('intercom.confirm_remove_resident', { name: resident.name }))) return;
        await api.request('DELETE', `/api/voicebot/residents/${resident.id}`);
      } else {
        await api.request('PATCH', `/api/voicebot/residents/${resident.id}`, {
          body: { is_active: !resident.is_active },
          schema: residentSchema,
        });
      }
      refresh();
    } catch (failure) {
      setError(failure);
    }
  };

  const input = (name: keyof ResidentForm, type = 'text') => (
    <label>
      {t(`intercom.resident_${name}`)}
      <input
        type={type}
        value={form[name]}
        onChange={(event) => setForm((f) => ({ ...f, [name]: event.target.value }))}
      />
      {fieldErrors[name] ? <span className="error small">{fieldErrors[name]}</span> : null}
    </label>
  );

  return (
    <section className="panel" aria-labelledby="residents-title">
      <h2 id="residents-title">{t('intercom.residents_of', { number: unit.number })}</h2>
      <ErrorMessage error={error ?? residents.error} />
      {residents.data && residents.data.items.length === 0 ? <Empty>{t('intercom.no_residents')}</Empty> : null}
      {residents.data && residents.data.items.length > 0 ? (
        <DataTable
          rows={residents.data.items}
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
                      setForm({
                        name: resident.name,
                        phone: resident.phone ?? '',
                        sip_extension: resident.sip_extension ?? '',
                        priority: String(resident.priority),
                      });
                    }}
                  >
                    {t('common.edit')}
                  </button>
                  <button type="button" onClick={() => void act(resident, 'toggle')}>
                    {resident.is_active ? t('admin.deactivate') : t('intercom.activate')}
                  </button>
                  <button type="button" className="danger" onClick={() => void act(resident, 'remove')}>
                    {t('intercom.remove')}
                  </button>
                </>
              ),
            },
          ]}
        />
      ) : null}
      {isAdmin ? (
        <form className="inline-form" onSubmit={(event) => void submit(event)}>
          {input('name')}
          {input('phone', 'tel')}
          {input('sip_extension')}
          {input('priority', 'number')}
          <div className="filter-actions">
            <button type="submit" className="primary">
              {editing ? t('common.save') : t('intercom.add_resident')}
            </button>
            {editing ? (
              <button
                type="button"
                onClick={() => {
                  setEditing(null);
                  setForm(emptyResident);
                }}
              >
                {t('common.cancel')}
              </button>
            ) : null}
          </div>
        </form>
      ) : null}
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
  const [url, setUrl] = useState<string | null>(null);
  const [secret, setSecret] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [isSaved, setIsSaved] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setIsSaved(false);
    setError(null);
    const value = (url ?? settings.data?.gate_webhook_url ?? '').trim();
    const parsed = updateIntercomSettingsBodySchema.safeParse({
      gate_webhook_url: value || null,
      ...(secret ? { gate_webhook_secret: secret } : {}),
    });
    if (!parsed.success) return setFieldErrors(issuesOf(parsed.error));
    setFieldErrors({});
    try {
      await api.request('PUT', '/api/voicebot/settings', { body: parsed.data, schema: intercomSettingsSchema });
      setSecret('');
      setUrl(null);
      setIsSaved(true);
    } catch (failure) {
      if (failure instanceof ApiError) setFieldErrors(failure.fieldErrors);
      setError(failure);
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
      <form className="stack narrow" onSubmit={(event) => void submit(event)}>
        <label>
          {t('intercom.gate_url')}
          <input
            type="url"
            value={url ?? data.gate_webhook_url ?? ''}
            onChange={(event) => setUrl(event.target.value)}
            disabled={!isAdmin}
            placeholder="https://"
          />
          {fieldErrors.gate_webhook_url ? <span className="error small">{fieldErrors.gate_webhook_url}</span> : null}
        </label>
        <label>
          {t('intercom.gate_secret')}
          <input
            type="password"
            autoComplete="off"
            value={secret}
            onChange={(event) => setSecret(event.target.value)}
            disabled={!isAdmin}
            placeholder={data.has_gate_webhook_secret ? t('intercom.secret_kept') : ''}
          />
          {fieldErrors.gate_webhook_secret ? (
            <span className="error small">{fieldErrors.gate_webhook_secret}</span>
          ) : null}
        </label>
        <p className="muted small">{t('intercom.updated_at', { at: dateTime(data.updated_at) })}</p>
        <ErrorMessage error={error} />
        {isSaved ? <p role="status">{t('channels.saved')}</p> : null}
        {isAdmin ? (
          <button type="submit" className="primary">
            {t('common.save')}
          </button>
        ) : null}
      </form>
    </section>
  );
}

function IntercomCalls() {
  const api = useApi();
  const { t, dateTime } = useI18n();
  const [openId, setOpenId] = useState<string | null>(null);
  const calls = useAsync(
    (signal) => api.request('GET', '/api/voicebot/calls', { query: { limit: 50 }, schema: callPage, signal }),
    'intercom-calls',
  );
  return (
    <section className="panel" aria-labelledby="intercom-calls-title">
      <h2 id="intercom-calls-title">{t('intercom.calls')}</h2>
      <ErrorMessage error={calls.error} />
      {calls.data && calls.data.items.length === 0 ? <Empty>{t('intercom.no_calls')}</Empty> : null}
      {calls.data && calls.data.items.length > 0 ? (
        <DataTable
          rows={calls.data.items}
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
      ) : null}
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
