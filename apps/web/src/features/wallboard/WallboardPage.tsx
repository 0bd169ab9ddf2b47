/**
 * The live wallboard: per queue (waiting, longest wait ticking, service level today and in
 * the last 30 minutes, answered, abandoned, ASA, AHT, agents by state) and per agent
 * (state and time in it, items, handled today, AHT, occupancy), with the supervisor's
 * actions. The snapshot is read again when routing or presence events say it changed.
 */
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { WallboardDto } from '@switchboard/contracts';
import { useApi, useRealtimeEvent, useResync } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { Dialog, Empty, ErrorMessage, Loading, errorText } from '../../shared/ui/components';
import { useAsync, useNow } from '../../shared/ui/hooks';
import { wallboardApi } from './wallboard-api';
import {
  applyEvent,
  formatPercent,
  formatSeconds,
  pausedByReason,
  secondsSince,
  serviceLevelColour,
  sortQueues,
  WALLBOARD_EVENTS,
  waitColour,
} from './wallboard-model';
import './wallboard.css';

type Queue = WallboardDto['queues'][number];
type Agent = WallboardDto['agents'][number];
type Action =
  | { kind: 'status'; agent: Agent }
  | { kind: 'sign_out'; agent: Agent }
  | { kind: 'move'; entryId: string; label: string; queueId: string };

/** Events that arrive together (an assignment and its presence change) cost one read. */
const COALESCE_MS = 150;

export function WallboardPage() {
  const { t } = useI18n();
  const api = useApi();
  const board = useMemo(() => wallboardApi(api), [api]);
  const snapshot = useAsync((signal) => board.snapshot(signal), 'wallboard');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [action, setAction] = useState<Action | null>(null);
  const { reload } = snapshot;

  const scheduleReload = () => {
    if (timer.current !== null) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      reload();
    }, COALESCE_MS);
  };
  const onEvent = ({ event, data }: { event: string; data: Record<string, unknown> }) => {
    snapshot.setData((current) => (current ? applyEvent(current, event, data) : current));
    scheduleReload();
  };
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
  useRealtimeEvent<Record<string, unknown>>(WALLBOARD_EVENTS, onEvent);
  useResync(scheduleReload);

  const data = snapshot.data;
  return (
    <div className="wallboard" data-testid="wallboard">
      <header className="wallboard-head">
        <h1>{t('wallboard.title')}</h1>
        <span className="wallboard-live" aria-hidden="true">
          ● {t('wallboard.live')}
        </span>
      </header>
      <ErrorMessage error={snapshot.error} />
      {!data && snapshot.isLoading ? <Loading /> : null}
      {data ? (
        <>
          <section aria-labelledby="wb-queues">
            <h2 id="wb-queues">{t('wallboard.queues')}</h2>
            {data.queues.length === 0 ? <Empty>{t('wallboard.no_queues')}</Empty> : null}
            <div className="wb-queues">
              {sortQueues(data.queues).map((queue) => (
                <QueueCard
                  key={queue.queue_id}
                  queue={queue}
                  onMove={(entryId, label) => setAction({ kind: 'move', entryId, label, queueId: queue.queue_id })}
                />
              ))}
            </div>
          </section>
          <section aria-labelledby="wb-agents">
            <h2 id="wb-agents">{t('wallboard.agents')}</h2>
            {data.agents.length === 0 ? <Empty>{t('wallboard.no_agents')}</Empty> : null}
            <ul className="wb-agents" data-testid="wallboard-agents">
              {data.agents.map((agent) => (
                <AgentRow
                  key={agent.agent_id}
                  agent={agent}
                  onStatus={() => setAction({ kind: 'status', agent })}
                  onSignOut={() => setAction({ kind: 'sign_out', agent })}
                />
              ))}
            </ul>
          </section>
          <ActionDialog action={action} snapshot={data} onClose={() => setAction(null)} onDone={reload} />
        </>
      ) : null}
    </div>
  );
}

function QueueCard({ queue, onMove }: { queue: Queue; onMove: (entryId: string, label: string) => void }) {
  const { t, locale } = useI18n();
  const now = useNow(1_000);
  const longest = secondsSince(queue.oldest_enqueued_at, now);
  const target = formatPercent(queue.service_level_target, locale);
  const paused = pausedByReason(queue.paused_by_reason, t('wallboard.no_reason'));
  return (
    <article className="panel wb-queue" data-testid={`wb-queue-${queue.queue_id}`} aria-label={queue.name}>
      <h3>{queue.name}</h3>
      <div className="wb-figures">
        <Figure label={t('wallboard.waiting')} value={String(queue.waiting)} testId="wb-waiting" />
        <Figure
          label={t('wallboard.longest_wait')}
          value={formatSeconds(longest ?? 0)}
          tone={longest === null ? 'none' : waitColour(longest, queue.service_level_seconds)}
          testId="wb-longest"
        />
        <ServiceLevel
          label={t('wallboard.sl_today')}
          value={queue.service_level_today}
          target={queue.service_level_target}
        />
        <ServiceLevel
          label={t('wallboard.sl_30m')}
          value={queue.service_level_30m}
          target={queue.service_level_target}
        />
        <Figure label={t('wallboard.answered')} value={String(queue.answered_today)} />
        <Figure label={t('wallboard.abandoned')} value={String(queue.abandoned_today)} />
        <Figure label={t('wallboard.asa')} value={formatSeconds(queue.asa_seconds_today)} />
        <Figure label={t('wallboard.aht')} value={formatSeconds(queue.aht_seconds_today)} />
      </div>
      <p className="muted small">{t('wallboard.target', { percent: target })}</p>
      <ul className="wb-states" data-testid="wb-states">
        {(['available', 'busy', 'wrap_up', 'paused', 'offline'] as const).map((state) => (
          <li key={state} className={`wb-state wb-state-${state}`} data-state={state}>
            {t(`wallboard.state.${state}`)} <strong>{queue.agents[state]}</strong>
          </li>
        ))}
      </ul>
      {paused ? (
        <p className="small" data-testid="wb-paused-reasons">
          {t('wallboard.paused_by_reason', { reasons: paused })}
        </p>
      ) : null}
      <details className="wb-waiting" open={queue.waiting > 0 && queue.waiting <= 5}>
        <summary>
          {t('wallboard.waiting_items')} ({queue.waiting})
        </summary>
        {queue.waiting_items.length === 0 ? <p className="muted small">{t('wallboard.nobody_waiting')}</p> : null}
        <ul>
          {queue.waiting_items.map((item) => {
            const waited = secondsSince(item.enqueued_at, now) ?? 0;
            const label = item.label ?? t('wallboard.customer');
            return (
              <li key={item.entry_id} className={`wb-item tone-${waitColour(waited, queue.service_level_seconds)}`}>
                <span className="wb-item-label">{label}</span>
                <span className="muted small">{t(`reports.channel.${item.channel}`)}</span>
                <span className="wb-item-wait">{formatSeconds(waited)}</span>
                <button type="button" className="wb-link" onClick={() => onMove(item.entry_id, label)}>
                  {t('wallboard.move')}
                </button>
              </li>
            );
          })}
        </ul>
      </details>
    </article>
  );
}

function Figure({ label, value, tone, testId }: { label: string; value: string; tone?: string; testId?: string }) {
  return (
    <div className={`wb-figure${tone ? ` tone-${tone}` : ''}`}>
      <span className="wb-figure-label">{label}</span>
      <strong className="wb-figure-value" data-testid={testId}>
        {value}
      </strong>
    </div>
  );
}

function ServiceLevel({ label, value, target }: { label: string; value: number | null; target: number }) {
  const { t, locale } = useI18n();
  const tone = serviceLevelColour(value, target);
  return (
    <div className={`wb-figure tone-${tone}`} title={t(`wallboard.sl.${tone}`)}>
      <span className="wb-figure-label">{label}</span>
      <strong className="wb-figure-value">
        {formatPercent(value, locale)} <span className="visually-hidden">{t(`wallboard.sl.${tone}`)}</span>
      </strong>
    </div>
  );
}

function AgentRow({ agent, onStatus, onSignOut }: { agent: Agent; onStatus: () => void; onSignOut: () => void }) {
  const { t, locale } = useI18n();
  const now = useNow(1_000);
  const inState = secondsSince(agent.state_since, now);
  return (
    <li className={`panel wb-agent wb-state-${agent.state}`} data-testid={`wb-agent-${agent.agent_id}`}>
      <div className="wb-agent-head">
        <strong>{agent.name}</strong>
        <span className="wb-agent-state" data-testid="wb-agent-state" data-state={agent.state}>
          {t(`wallboard.state.${agent.state}`)}
          {agent.pause_reason ? ` · ${agent.pause_reason}` : ''}
        </span>
        <span className="muted small">{inState === null ? '—' : formatSeconds(inState)}</span>
      </div>
      <dl className="wb-agent-figures">
        <div>
          <dt>{t('wallboard.current_items')}</dt>
          <dd>{agent.current_items}</dd>
        </div>
        <div>
          <dt>{t('wallboard.handled_today')}</dt>
          <dd>{agent.handled_today}</dd>
        </div>
        <div>
          <dt>{t('wallboard.aht')}</dt>
          <dd>{formatSeconds(agent.aht_seconds_today)}</dd>
        </div>
        <div>
          <dt>{t('wallboard.occupancy')}</dt>
          <dd>{formatPercent(agent.occupancy_today, locale)}</dd>
        </div>
      </dl>
      <div className="wb-agent-actions">
        <button type="button" onClick={onStatus} data-testid="wb-force-status">
          {t('wallboard.force_status')}
        </button>
        <button type="button" onClick={onSignOut} disabled={agent.state === 'offline'}>
          {t('wallboard.sign_out')}
        </button>
      </div>
    </li>
  );
}

function ActionDialog({
  action,
  snapshot,
  onClose,
  onDone,
}: {
  action: Action | null;
  snapshot: WallboardDto;
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const api = useApi();
  const board = useMemo(() => wallboardApi(api), [api]);
  const reasons = useAsync((signal) => board.pauseReasons(signal).then((r) => r.items), 'pause-reasons');
  const [status, setStatus] = useState<'online' | 'busy' | 'away' | 'offline'>('away');
  const [pauseReasonId, setPauseReasonId] = useState('');
  const [reason, setReason] = useState('');
  const [target, setTarget] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [isBusy, setIsBusy] = useState(false);

  useEffect(() => {
    setStatus('away');
    setPauseReasonId('');
    setReason('');
    setTarget('');
    setError(null);
  }, [action]);

  const title =
    action === null
      ? ''
      : action.kind === 'status'
        ? t('wallboard.force_status_of', { name: action.agent.name })
        : action.kind === 'sign_out'
          ? t('wallboard.sign_out_of', { name: action.agent.name })
          : t('wallboard.move_item', { label: action.label });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!action) return;
    setIsBusy(true);
    setError(null);
    try {
      if (action.kind === 'status') {
        await board.forceStatus(action.agent.agent_id, {
          status,
          reason,
          ...(status === 'away' && pauseReasonId ? { pause_reason_id: pauseReasonId } : {}),
        });
      } else if (action.kind === 'sign_out') {
        await board.signOut(action.agent.agent_id, reason);
      } else {
        const [kind, id] = target.split(':');
        const to = kind === 'queue' ? { queue_id: id ?? '' } : { agent_id: id ?? '' };
        await board.move(action.entryId, { ...to, ...(reason ? { reason } : {}) });
      }
      onDone();
      onClose();
    } catch (failure) {
      setError(failure);
    } finally {
      setIsBusy(false);
    }
  };

  return (
    <Dialog title={title} isOpen={action !== null} onClose={onClose} testId="wallboard-action">
      <form className="wb-form" onSubmit={(event) => void submit(event)}>
        {action?.kind === 'status' ? (
          <>
            <label>
              {t('presence.status')}
              <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
                {(['online', 'busy', 'away', 'offline'] as const).map((s) => (
                  <option key={s} value={s}>
                    {t(`presence.${s}`)}
                  </option>
                ))}
              </select>
            </label>
            {status === 'away' ? (
              <label>
                {t('wallboard.pause_reason')}
                <select
                  value={pauseReasonId}
                  onChange={(e) => setPauseReasonId(e.target.value)}
                  data-testid="wb-pause-reason"
                >
                  <option value="">—</option>
                  {(reasons.data ?? []).map((r) => (
                    <option key={r.id} value={r.id}>
                      {r.name}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
          </>
        ) : null}
        {action?.kind === 'move' ? (
          <label>
            {t('wallboard.move')}
            <select value={target} onChange={(e) => setTarget(e.target.value)} required data-testid="wb-move-target">
              <option value="">—</option>
              <optgroup label={t('wallboard.move_to_queue')}>
                {snapshot.queues
                  .filter((q) => q.queue_id !== action.queueId)
                  .map((q) => (
                    <option key={q.queue_id} value={`queue:${q.queue_id}`}>
                      {q.name}
                    </option>
                  ))}
              </optgroup>
              <optgroup label={t('wallboard.move_to_agent')}>
                {snapshot.agents
                  .filter((a) => a.state !== 'offline')
                  .map((a) => (
                    <option key={a.agent_id} value={`agent:${a.agent_id}`}>
                      {a.name}
                    </option>
                  ))}
              </optgroup>
            </select>
          </label>
        ) : null}
        <label>
          {t('wallboard.reason')}
          <input
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            maxLength={200}
            required={action?.kind !== 'move'}
            data-testid="wb-reason"
          />
        </label>
        {error ? (
          <p className="error" role="alert">
            {errorText(t, error)}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="primary" disabled={isBusy} data-testid="wb-confirm">
            {t('wallboard.confirm')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
