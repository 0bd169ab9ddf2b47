/**
 * Your presence: status (away with a pause reason) and message, kept alive while the tab
 * is open (presence-heartbeat.ts: the open socket, or an HTTP heartbeat without one), and the truth when the connection drops (nothing reaches you
 * then, whatever you chose) or when routing set you away for missed offers.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { z } from 'zod';
import {
  agentPresenceSchema,
  pauseReasonSchema,
  PRESENCE_MESSAGE_MAX_LENGTH,
  presenceStatuses,
  type AgentPresenceChanged,
  type AgentPresenceDto,
  type PresenceStatus,
} from '@switchboard/contracts';
import { useApi, useConnectionStatus, useCurrentUser, useRealtimeEvent, useServices } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { errorText, StatusDot } from '../../shared/ui/components';
import { startPresenceHeartbeat } from './presence-heartbeat';
import { pauseOf, pauseReasonIdOf } from './presence-model';

const pauseReasonsSchema = z.object({ items: z.array(pauseReasonSchema) });
type PauseReason = z.infer<typeof pauseReasonSchema>;

export function PresenceBar() {
  const api = useApi();
  const { realtime } = useServices();
  const user = useCurrentUser();
  const connection = useConnectionStatus();
  const { t } = useI18n();
  const [me, setMe] = useState<AgentPresenceDto | null>(null);
  const [message, setMessage] = useState('');
  const [error, setError] = useState<unknown>(null);
  const isEditingMessage = useRef(false);
  const [reasons, setReasons] = useState<PauseReason[]>([]);
  /** "Away" chosen, its reason not yet: nothing is sent until the agent picks one. */
  const [isPickingReason, setIsPickingReason] = useState(false);

  const adopt = useCallback((presence: AgentPresenceDto) => {
    setMe(presence);
    if (!isEditingMessage.current) setMessage(presence.message ?? '');
  }, []);

  const load = useCallback(() => {
    api.request('GET', '/api/presence/me', { schema: agentPresenceSchema }).then(adopt, setError);
  }, [api, adopt]);

  useEffect(() => {
    if (connection === 'connected') load();
  }, [connection, load]);

  useEffect(() => {
    if (connection !== 'connected') return;
    // Without the list the agent can still go away, only without a reason.
    api.request('GET', '/api/presence/pause-reasons', { schema: pauseReasonsSchema }).then(
      ({ items }) => setReasons(items),
      () => setReasons([]),
    );
  }, [api, connection]);

  // Keeps the sweeper from marking this agent offline while the console is open.
  useEffect(
    () =>
      startPresenceHeartbeat({
        isSocketConnected: () => realtime.status === 'connected',
        sendHttpHeartbeat: () => api.request('POST', '/api/presence/heartbeat'),
      }),
    [api, realtime],
  );

  useRealtimeEvent<AgentPresenceChanged>('agent_presence_changed', ({ data }) => {
    if (data.agent_id !== user.id) return;
    setMe((current) =>
      current
        ? {
            ...current,
            status: data.status,
            message: data.message,
            websocket_connected: data.websocket_connected,
            is_available: data.is_available,
            status_changed_at: data.status_changed_at,
            pause_reason: data.pause_reason,
          }
        : current,
    );
    if (!isEditingMessage.current) setMessage(data.message ?? '');
  });

  const setStatus = async (status: PresenceStatus, text: string, pauseReasonId: string | null = null) => {
    setError(null);
    setIsPickingReason(false);
    const body = {
      status,
      message: text.trim() === '' ? null : text.trim(),
      ...(status === 'away' && pauseReasonId ? { pause_reason_id: pauseReasonId } : {}),
    };
    try {
      if (realtime.status === 'connected') {
        const ack = await realtime.emitWithAck<unknown>('update_status', body);
        if (ack.ok) return adopt(agentPresenceSchema.parse(ack.data));
      }
      adopt(await api.request('POST', '/api/presence/status', { body, schema: agentPresenceSchema }));
    } catch (failure) {
      setError(failure);
    }
  };

  const isConnected = connection === 'connected';
  const shownStatus = me?.status ?? 'offline';
  const pause = me ? pauseOf(me) : ({ kind: 'none' } as const);
  const isReasonShown = reasons.length > 0 && (isPickingReason || shownStatus === 'away');
  const chooseStatus = (status: PresenceStatus) => {
    if (status === 'away' && reasons.length > 0) {
      setIsPickingReason(true);
      return;
    }
    void setStatus(status, message);
  };
  // A message typed while away keeps the reason: only the agent changes it.
  const keptReasonId = shownStatus === 'away' ? pauseReasonIdOf(reasons, me?.pause_reason ?? null) || null : null;
  return (
    <section className="presence-bar" aria-label={t('presence.title')} data-testid="presence-bar">
      <StatusDot status={isConnected ? shownStatus : 'unknown'} />
      <label className="presence-status">
        <span className="visually-hidden">{t('presence.status')}</span>
        <select
          value={isPickingReason ? 'away' : shownStatus}
          aria-label={t('presence.status')}
          data-testid="presence-status"
          onChange={(event) => chooseStatus(event.target.value as PresenceStatus)}
        >
          {presenceStatuses.map((status) => (
            <option key={status} value={status}>
              {t(`presence.${status}`)}
            </option>
          ))}
        </select>
      </label>
      {isReasonShown ? (
        <label className="presence-reason">
          <span className="visually-hidden">{t('presence.pause_reason')}</span>
          <select
            value={isPickingReason ? '' : pauseReasonIdOf(reasons, me?.pause_reason ?? null)}
            aria-label={t('presence.pause_reason')}
            data-testid="presence-pause-reason"
            autoFocus={isPickingReason}
            onChange={(event) => {
              if (event.target.value) void setStatus('away', message, event.target.value);
            }}
          >
            <option value="" disabled>
              {t('presence.pause_reason_pick')}
            </option>
            {reasons.map((reason) => (
              <option key={reason.id} value={reason.id}>
                {reason.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {isPickingReason ? (
        <button type="button" className="link" onClick={() => setIsPickingReason(false)}>
          {t('common.cancel')}
        </button>
      ) : null}
      {pause.kind === 'reason' && !isReasonShown ? (
        <span className="tag" data-testid="presence-pause-shown">
          {t('presence.paused_for', { reason: pause.name })}
        </span>
      ) : null}
      <input
        className="presence-message"
        type="text"
        value={message}
        maxLength={PRESENCE_MESSAGE_MAX_LENGTH}
        placeholder={t('presence.message_placeholder')}
        aria-label={t('presence.message')}
        data-testid="presence-message"
        onFocus={() => {
          isEditingMessage.current = true;
        }}
        onChange={(event) => setMessage(event.target.value)}
        onBlur={() => {
          isEditingMessage.current = false;
          if ((me?.message ?? '') !== message.trim()) void setStatus(shownStatus, message, keptReasonId);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter') event.currentTarget.blur();
        }}
      />
      <span
        className={`connection connection-${connection}`}
        role="status"
        aria-live="polite"
        data-testid="connection-status"
        data-status={connection}
      >
        {isConnected
          ? me && !me.is_available && me.status === 'online'
            ? t('presence.not_available')
            : t('connection.connected')
          : connection === 'connecting'
            ? t('connection.connecting')
            : t('connection.lost')}
      </span>
      {pause.kind === 'missed_offers' && !isPickingReason ? (
        <p className="presence-notice" role="status" data-testid="presence-missed-offers">
          {t('presence.missed_offers')}
        </p>
      ) : null}
      {error ? (
        <span className="error" role="alert">
          {errorText(t, error)}
        </span>
      ) : null}
    </section>
  );
}
