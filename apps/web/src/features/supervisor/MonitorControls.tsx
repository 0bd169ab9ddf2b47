/**
 * Listen, whisper, barge on one live call, for supervisors and admins: starting one rings
 * the supervisor's own softphone (it answers by itself), the mode buttons switch on the
 * same call, stop hangs it up. The current mode comes from the server's answers and the
 * `call_monitor_*` events, so a second tab shows the same.
 */
import { useMemo, useState } from 'react';
import type { CallMonitorDto, MonitorMode } from '@switchboard/contracts';
import { useApi, useCurrentUser, useRealtimeEvent } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { errorText } from '../../shared/ui/components';
import { useAsync } from '../../shared/ui/hooks';
import { callsApi, MONITOR_EVENTS } from '../calls/calls-api';

const MODES: readonly MonitorMode[] = ['listen', 'whisper', 'barge'];

export function MonitorControls({ callId }: { callId: string }) {
  const api = useApi();
  const calls = useMemo(() => callsApi(api), [api]);
  const user = useCurrentUser();
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [isBusy, setIsBusy] = useState(false);
  const sessions = useAsync(
    (signal) => calls.monitors(callId, signal).then((page) => page.items),
    `monitors:${callId}`,
  );
  const mine = (sessions.data ?? []).find((m) => m.supervisor_id === user.id && m.status !== 'ended') ?? null;

  const keep = (monitor: CallMonitorDto) =>
    sessions.setData((current) => [...(current ?? []).filter((m) => m.id !== monitor.id), monitor]);

  useRealtimeEvent<CallMonitorDto>(MONITOR_EVENTS, ({ data }) => {
    if (data.call_id === callId) keep(data);
  });

  const act = async (action: () => Promise<CallMonitorDto>) => {
    setIsBusy(true);
    setError(null);
    try {
      keep(await action());
    } catch (caught) {
      setError(caught);
    } finally {
      setIsBusy(false);
    }
  };

  const choose = (mode: MonitorMode) =>
    void act(() => (mine ? calls.switchMonitor(callId, mode) : calls.startMonitor(callId, mode)));

  return (
    <span className="monitor-controls" data-testid="monitor-controls" data-call-id={callId}>
      <span role="group" aria-label={t('monitor.title')}>
        {MODES.map((mode) => (
          <button
            key={mode}
            type="button"
            className={`small ${mine?.mode === mode ? 'primary' : ''}`}
            aria-pressed={mine?.mode === mode}
            disabled={isBusy}
            onClick={() => choose(mode)}
            data-testid={`monitor-${mode}`}
          >
            {t(`monitor.${mode}`)}
          </button>
        ))}
      </span>
      {mine ? (
        <>
          <span
            className="badge"
            role="status"
            data-testid="monitor-mode"
            data-mode={mine.mode}
            data-status={mine.status}
          >
            {mine.status === 'ringing' ? t('monitor.ringing') : t(`monitor.now_${mine.mode}`)}
          </span>
          <button
            type="button"
            className="small danger"
            disabled={isBusy}
            onClick={() => void act(() => calls.stopMonitor(callId))}
            data-testid="monitor-stop"
          >
            {t('monitor.stop')}
          </button>
        </>
      ) : null}
      {error ? (
        <span className="error small" role="alert" data-testid="monitor-error">
          {errorText(t, error)}
        </span>
      ) : null}
    </span>
  );
}
