/**
 * The live board: agents (presence, time in status, on a call), active calls, the
 * conversations waiting for a human, and the period's call statistics as charts.
 */
import { useEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { CallDto, ConversationEventDto, MessageDto } from '@switchboard/contracts';
import { hrefOf } from '../../app/router';
import { useApi, useCurrentUser, useRealtimeEvent, useResync } from '../../app/services';
import { formatDuration, useI18n } from '../../shared/i18n/i18n';
import { Empty, ErrorMessage, Loading, StatusDot } from '../../shared/ui/components';
import { DataTable } from '../../shared/ui/DataTable';
import { useAsync, useNow } from '../../shared/ui/hooks';
import { CALL_EVENTS, callsApi, isActiveCall, upsertCall } from '../calls/calls-api';
import { conversationsApi } from '../inbox/conversations-api';
import { emptyInbox, inboxReducer, type InboxFilter } from '../inbox/inbox-model';
import { sortWaiting } from '../inbox/waiting';
import { agentsOf, secondsInStatus, sortBoard } from '../presence/presence-model';
import { usePresenceBoard } from '../presence/use-presence-board';
import { AgentBars, HourlyBars, RateGauge } from './charts';
import { MonitorControls } from './MonitorControls';
import { hourlyBars, periodRange, type Period } from './statistics-model';

const WAITING: InboxFilter = { filter: 'awaiting_human', status: 'open' };
const CONVERSATION_EVENTS = [
  'conversation_created',
  'conversation_updated',
  'conversation_assigned',
  'conversation_closed',
] as const;

export function SupervisorBoard() {
  const { t } = useI18n();
  const presence = usePresenceBoard();
  const active = useActiveCalls();
  return (
    <div className="board" data-testid="supervisor-board">
      <h1>{t('board.title')}</h1>
      <div className="board-grid">
        <AgentsPanel presence={presence} active={active} />
        <WaitingPanel />
        <ActiveCallsPanel presence={presence} active={active} />
        <StatisticsPanel />
      </div>
    </div>
  );
}

function useActiveCalls() {
  const api = useApi();
  const calls = useMemo(() => callsApi(api), [api]);
  const [generation, setGeneration] = useState(0);
  const state = useAsync((signal) => calls.active(signal).then((page) => page.items), `active:${generation}`);
  useRealtimeEvent<CallDto>(CALL_EVENTS, ({ data }) =>
    state.setData((current) => {
      const rest = (current ?? []).filter((call) => call.id !== data.id);
      return isActiveCall(data) ? upsertCall(rest, data) : rest;
    }),
  );
  useResync(() => setGeneration((n) => n + 1));
  return state;
}

type Presence = ReturnType<typeof usePresenceBoard>;
type ActiveCalls = ReturnType<typeof useActiveCalls>;

function AgentsPanel({ presence, active }: { presence: Presence; active: ActiveCalls }) {
  const { t, locale } = useI18n();
  const { board, error } = presence;
  const now = useNow(1_000);
  const onCall = new Set((active.data ?? []).map((call) => call.agent_id).filter(Boolean));
  return (
    <section className="panel agents" aria-labelledby="agents-title">
      <h2 id="agents-title">{t('board.agents')}</h2>
      <ErrorMessage error={error} />
      {!board ? <Loading /> : null}
      {board ? (
        <DataTable
          testId="agents-table"
          rows={agentsOf(sortBoard(board, locale))}
          rowKey={(agent) => agent.agent_id}
          rowProps={(agent) => ({
            'data-testid': 'agent-row',
            'data-agent-name': agent.agent_name,
            'data-status': agent.status,
          })}
          columns={[
            { key: 'agent', header: t('board.agent'), cell: (agent) => agent.agent_name },
            {
              key: 'status',
              header: t('presence.status'),
              cell: (agent) => (
                <>
                  <StatusDot status={agent.status} />{' '}
                  <span data-testid="agent-status">{t(`presence.${agent.status}`)}</span>
                  {!agent.websocket_connected && agent.status !== 'offline' ? (
                    <span className="muted small"> · {t('board.disconnected')}</span>
                  ) : null}
                  {agent.message ? <span className="muted small"> · {agent.message}</span> : null}
                </>
              ),
            },
            {
              key: 'time',
              header: t('board.time_in_status'),
              cell: (agent) => {
                const seconds = secondsInStatus(agent, now);
                return seconds === null ? '—' : formatDuration(seconds);
              },
            },
            {
              key: 'call',
              header: t('board.on_call'),
              cell: (agent) => (onCall.has(agent.agent_id) ? t('board.yes_on_call') : t('board.no')),
            },
          ]}
        />
      ) : null}
    </section>
  );
}

function ActiveCallsPanel({ presence, active }: { presence: Presence; active: ActiveCalls }) {
  const { t } = useI18n();
  const user = useCurrentUser();
  const now = useNow(1_000);
  const { board } = presence;
  return (
    <section className="panel" aria-labelledby="board-calls-title">
      <h2 id="board-calls-title">{t('calls.active')}</h2>
      <ErrorMessage error={active.error} />
      {active.data && active.data.length === 0 ? <Empty>{t('board.no_active_calls')}</Empty> : null}
      <ul className="plain-list" data-testid="board-active-calls">
        {(active.data ?? []).map((call) => (
          <li key={call.id} data-testid="board-call" data-call-id={call.id}>
            <a href={hrefOf({ name: 'calls', callId: call.id })}>
              {t(`direction.${call.direction}`)} · {call.from_number} → {call.to_number}
            </a>
            <span className="muted small">
              {' '}
              · {call.agent_id ? (board?.[call.agent_id]?.agent_name ?? '—') : t('board.unassigned')} ·{' '}
              {t(`call_status.${call.status}`)} ·{' '}
              {formatDuration((now - Date.parse(call.answered_at ?? call.started_at)) / 1000)}
              {call.held_at ? <> · {t('softphone.on_hold')}</> : null}
            </span>
            {call.status === 'in_progress' && call.agent_id !== user.id ? <MonitorControls callId={call.id} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function WaitingPanel() {
  const api = useApi();
  const user = useCurrentUser();
  const { t } = useI18n();
  const now = useNow(5_000);
  const conversations = useMemo(() => conversationsApi(api), [api]);
  const [state, dispatch] = useReducer(inboxReducer, emptyInbox);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    conversations.list(WAITING, null, controller.signal).then(
      (page) =>
        dispatch({ type: 'loaded', items: page.items, nextCursor: page.next_cursor, isNextPage: false, lastRead: {} }),
      (failure: unknown) => {
        if (!controller.signal.aborted) setError(failure);
      },
    );
    return () => controller.abort();
  }, [conversations, generation]);
  useRealtimeEvent<ConversationEventDto>(CONVERSATION_EVENTS, ({ data }) =>
    dispatch({ type: 'conversation_changed', conversation: data, filter: WAITING, meId: user.id }),
  );
  useRealtimeEvent<MessageDto>('message_created', ({ data }) => {
    if (state.items.some((item) => item.id === data.conversation_id)) {
      dispatch({ type: 'message_created', message: data, openConversationId: null });
    }
  });
  useResync(() => setGeneration((n) => n + 1));

  return (
    <section className="panel" aria-labelledby="waiting-title">
      <h2 id="waiting-title">
        {t('board.waiting')}{' '}
        <span className="count" data-testid="waiting-count">
          {state.items.length}
        </span>
      </h2>
      <ErrorMessage error={error} />
      {state.items.length === 0 ? <Empty>{t('board.nobody_waiting')}</Empty> : null}
      <ul className="plain-list" data-testid="waiting-list">
        {sortWaiting(state.items).map((conversation) => (
          <li key={conversation.id}>
            <a href={hrefOf({ name: 'inbox', conversationId: conversation.id })}>
              {conversation.contact.name ?? conversation.contact.phone ?? '—'}
            </a>
            <span className="muted small">
              {' '}
              · {t(`channel.${conversation.channel}`)} ·{' '}
              {t('board.waiting_for', {
                duration: formatDuration((now - Date.parse(conversation.created_at)) / 1000),
              })}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function StatisticsPanel() {
  const api = useApi();
  const { t, percent, number } = useI18n();
  const calls = useMemo(() => callsApi(api), [api]);
  const [period, setPeriod] = useState<Period>('today');
  const [generation, setGeneration] = useState(0);
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const stats = useAsync(
    (signal) => calls.statistics({ ...periodRange(period, new Date()), timezone: timeZone }, signal),
    `stats:${period}:${generation}`,
  );
  // Ended calls change the numbers: refresh a moment after the last one.
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useRealtimeEvent(['call_ended', 'call_answered', 'call_transferred'], () => {
    clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(() => setGeneration((n) => n + 1), 2_000);
  });
  useEffect(() => () => clearTimeout(refreshTimer.current), []);

  const data = stats.data;
  return (
    <section className="panel statistics" aria-labelledby="stats-title">
      <header className="panel-header">
        <h2 id="stats-title">{t('board.statistics')}</h2>
        <select
          value={period}
          onChange={(event) => setPeriod(event.target.value as Period)}
          aria-label={t('board.period')}
        >
          {(['today', 'last_24h', 'last_7d'] as const).map((value) => (
            <option key={value} value={value}>
              {t(`period.${value}`)}
            </option>
          ))}
        </select>
      </header>
      <ErrorMessage error={stats.error} />
      {!data ? <Loading /> : null}
      {data ? (
        <>
          <dl className="kpis" data-testid="kpis">
            <div>
              <dt>{t('board.total_calls')}</dt>
              <dd data-testid="kpi-total">{number(data.total)}</dd>
            </div>
            <div>
              <dt>{t('board.answered')}</dt>
              <dd>{number(data.answered)}</dd>
            </div>
            <div>
              <dt>{t('board.answer_rate')}</dt>
              <dd>{percent(data.answer_rate)}</dd>
            </div>
            <div>
              <dt>{t('board.avg_talk')}</dt>
              <dd>{data.average_talk_seconds === null ? '—' : formatDuration(data.average_talk_seconds)}</dd>
            </div>
            <div>
              <dt>{t('board.avg_ring')}</dt>
              <dd>{data.average_ring_seconds === null ? '—' : formatDuration(data.average_ring_seconds)}</dd>
            </div>
          </dl>
          <div className="charts">
            <div className="chart-block wide">
              <h3>{t('board.calls_per_hour')}</h3>
              <HourlyBars
                bars={hourlyBars(data, timeZone)}
                title={t('board.calls_per_hour_summary', { total: data.total, answered: data.answered })}
                legend={[t('board.total_calls'), t('board.answered')]}
              />
            </div>
            <div className="chart-block">
              <h3>{t('board.answer_rate')}</h3>
              <RateGauge
                rate={data.answer_rate}
                label={t('board.answer_rate_summary', { rate: percent(data.answer_rate) })}
              />
            </div>
            <div className="chart-block wide">
              <h3>{t('board.talk_time_per_agent')}</h3>
              {data.by_agent.length === 0 ? (
                <Empty>{t('board.no_calls_period')}</Empty>
              ) : (
                <AgentBars
                  title={t('board.talk_time_per_agent')}
                  bars={data.by_agent.map((agent) => ({
                    label: agent.agent_name ?? t('board.unassigned'),
                    value: agent.total_talk_seconds,
                    display: formatDuration(agent.total_talk_seconds),
                  }))}
                />
              )}
            </div>
          </div>
        </>
      ) : null}
    </section>
  );
}
