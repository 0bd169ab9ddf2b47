/**
 * Calls: the active ones (answer a ringing inbound call on the softphone, hang up), the
 * history with the API's filters, and one call's notes and recording.
 */
import { useEffect, useMemo, useState } from 'react';
import { callStatuses, pageSchema, userSchema, type CallDto } from '@switchboard/contracts';
import { hrefOf } from '../../app/router';
import { useApi, useCurrentUser, useRealtimeEvent, useResync } from '../../app/services';
import { formatDuration, useI18n } from '../../shared/i18n/i18n';
import { Empty, ErrorMessage, Loading } from '../../shared/ui/components';
import { DataTable, LoadMore } from '../../shared/ui/DataTable';
import { useAsync, useMediaQuery } from '../../shared/ui/hooks';
import { CallDetail } from './CallDetail';
import { CALL_EVENTS, callsApi, isActiveCall, localDayToIso, upsertCall, type CallFilter } from './calls-api';

interface FilterForm {
  fromDay: string;
  toDay: string;
  status: string;
  direction: string;
  number: string;
  agentId: string;
}

const emptyForm: FilterForm = { fromDay: '', toDay: '', status: '', direction: '', number: '', agentId: '' };

function toFilter(form: FilterForm): CallFilter {
  return {
    from: localDayToIso(form.fromDay),
    to: localDayToIso(form.toDay, 1),
    status: (form.status || undefined) as CallFilter['status'],
    direction: (form.direction || undefined) as CallFilter['direction'],
    number: form.number.trim() || undefined,
    agent_id: form.agentId || undefined,
  };
}

function matches(call: CallDto, filter: CallFilter): boolean {
  if (filter.status && call.status !== filter.status) return false;
  if (filter.direction && call.direction !== filter.direction) return false;
  if (filter.agent_id && call.agent_id !== filter.agent_id) return false;
  if (filter.number && !`${call.from_number} ${call.to_number}`.includes(filter.number)) return false;
  if (filter.from && call.started_at < filter.from) return false;
  if (filter.to && call.started_at >= filter.to) return false;
  return true;
}

export function CallsPage({ callId }: { callId: string | undefined }) {
  const api = useApi();
  const user = useCurrentUser();
  const { t, dateTime } = useI18n();
  const isPhone = useMediaQuery('(max-width: 760px)');
  const calls = useMemo(() => callsApi(api), [api]);
  const [form, setForm] = useState<FilterForm>(emptyForm);
  const [filter, setFilter] = useState<CallFilter>({});
  const [items, setItems] = useState<CallDto[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [isLoading, setIsLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const isManager = user.role !== 'agent';
  const agents = useAsync(
    async (signal) =>
      isManager
        ? (await api.request('GET', '/api/users', { query: { limit: 200 }, schema: pageSchema(userSchema), signal }))
            .items
        : [],
    `agents:${isManager}`,
  );
  const active = useAsync((signal) => calls.active(signal).then((page) => page.items), `active:${generation}`);

  useEffect(() => {
    const controller = new AbortController();
    setIsLoading(true);
    calls.history(filter, null, controller.signal).then(
      (page) => {
        setItems(page.items);
        setCursor(page.next_cursor);
        setError(null);
        setIsLoading(false);
      },
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        setError(failure);
        setIsLoading(false);
      },
    );
    return () => controller.abort();
  }, [calls, filter, generation]);

  useRealtimeEvent<CallDto>(CALL_EVENTS, ({ data }) => {
    if (matches(data, filter)) setItems((current) => upsertCall(current, data));
    active.setData((current) => {
      const rest = (current ?? []).filter((call) => call.id !== data.id);
      return isActiveCall(data) ? upsertCall(rest, data) : rest;
    });
  });
  useResync(() => setGeneration((n) => n + 1));

  const loadMore = async () => {
    if (!cursor) return;
    try {
      const page = await calls.history(filter, cursor);
      setItems((current) => [...current, ...page.items.filter((item) => !current.some((c) => c.id === item.id))]);
      setCursor(page.next_cursor);
    } catch (failure) {
      setError(failure);
    }
  };

  const agentName = (id: string | null) =>
    id ? (agents.data?.find((agent) => agent.id === id)?.name ?? (id === user.id ? user.name : '—')) : '—';
  const set = (field: keyof FilterForm) => (event: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [field]: event.target.value }));

  if (isPhone && callId) {
    return (
      <div className="calls">
        <a href={hrefOf({ name: 'calls' })} className="back">
          ← {t('common.back')}
        </a>
        <CallDetail callId={callId} />
      </div>
    );
  }

  return (
    <div className="calls" data-testid="calls">
      <section className="calls-main">
        <h1>{t('calls.title')}</h1>
        <ActiveCalls calls={active.data ?? []} agentName={agentName} />
        <form
          className="filters"
          onSubmit={(event) => {
            event.preventDefault();
            setFilter(toFilter(form));
          }}
          aria-label={t('calls.filters')}
        >
          <label>
            {t('calls.from')}
            <input type="date" value={form.fromDay} onChange={set('fromDay')} />
          </label>
          <label>
            {t('calls.to')}
            <input type="date" value={form.toDay} onChange={set('toDay')} />
          </label>
          <label>
            {t('calls.status')}
            <select value={form.status} onChange={set('status')}>
              <option value="">{t('common.any')}</option>
              {callStatuses.map((status) => (
                <option key={status} value={status}>
                  {t(`call_status.${status}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('calls.direction')}
            <select value={form.direction} onChange={set('direction')}>
              <option value="">{t('common.any')}</option>
              {(['inbound', 'outbound', 'internal'] as const).map((direction) => (
                <option key={direction} value={direction}>
                  {t(`direction.${direction}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('calls.number')}
            <input type="search" value={form.number} onChange={set('number')} maxLength={32} />
          </label>
          {isManager ? (
            <label>
              {t('calls.agent')}
              <select value={form.agentId} onChange={set('agentId')}>
                <option value="">{t('common.any')}</option>
                {(agents.data ?? []).map((agent) => (
                  <option key={agent.id} value={agent.id}>
                    {agent.name}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <div className="filter-actions">
            <button type="submit" className="primary">
              {t('common.apply')}
            </button>
            <button
              type="button"
              onClick={() => {
                setForm(emptyForm);
                setFilter({});
              }}
            >
              {t('common.clear')}
            </button>
          </div>
        </form>
        <ErrorMessage error={error} />
        {isLoading && items.length === 0 ? <Loading /> : null}
        {!isLoading && items.length === 0 ? <Empty>{t('calls.empty')}</Empty> : null}
        {items.length > 0 ? (
          <DataTable
            testId="call-history"
            rows={items}
            rowKey={(call) => call.id}
            rowProps={(call) => ({ className: call.id === callId ? 'is-selected' : '' })}
            columns={[
              { key: 'started', header: t('calls.started'), cell: (call) => dateTime(call.started_at) },
              { key: 'direction', header: t('calls.direction'), cell: (call) => t(`direction.${call.direction}`) },
              { key: 'from', header: t('calls.from_number'), cell: (call) => call.from_number },
              { key: 'to', header: t('calls.to_number'), cell: (call) => call.to_number },
              isManager && { key: 'agent', header: t('calls.agent'), cell: (call) => agentName(call.agent_id) },
              { key: 'status', header: t('calls.status'), cell: (call) => t(`call_status.${call.status}`) },
              {
                key: 'duration',
                header: t('calls.duration'),
                cell: (call) => (call.duration_seconds === null ? '—' : formatDuration(call.duration_seconds)),
              },
              {
                key: 'details',
                header: <span className="visually-hidden">{t('calls.details')}</span>,
                label: '',
                cell: (call) => (
                  <a
                    href={hrefOf({ name: 'calls', callId: call.id })}
                    aria-label={t('calls.open', { number: call.to_number })}
                  >
                    {t('calls.details')}
                    {call.has_recording ? ' ▶' : ''}
                  </a>
                ),
              },
            ]}
          />
        ) : null}
        <LoadMore hasMore={cursor !== null} onLoadMore={() => void loadMore()} />
      </section>
      {callId ? (
        <section className="calls-detail">
          <CallDetail key={callId} callId={callId} />
        </section>
      ) : null}
    </div>
  );
}

function ActiveCalls({ calls, agentName }: { calls: CallDto[]; agentName: (id: string | null) => string }) {
  const api = useApi();
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const actions = useMemo(() => callsApi(api), [api]);
  if (calls.length === 0) return null;
  const act = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <section className="active-calls" aria-labelledby="active-calls-title">
      <h2 id="active-calls-title">{t('calls.active')}</h2>
      <ErrorMessage error={error} />
      <ul>
        {calls.map((call) => (
          <li key={call.id} data-testid="active-call">
            <span>
              {t(`direction.${call.direction}`)} · {call.from_number} → {call.to_number} · {agentName(call.agent_id)} ·{' '}
              {t(`call_status.${call.status}`)}
            </span>
            {call.direction === 'inbound' && (call.status === 'ringing' || call.status === 'initiated') ? (
              <button type="button" className="primary" onClick={() => void act(() => actions.answer(call.id))}>
                {t('softphone.answer')}
              </button>
            ) : null}
            <button type="button" className="danger" onClick={() => void act(() => actions.hangup(call.id))}>
              {t('softphone.hangup')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
