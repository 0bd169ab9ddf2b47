/**
 * Consult (attended) transfer from the softphone, through the API on the call the server
 * tracks for this agent: consult a target (the customer hears music), then swap between
 * them, complete (the target takes the customer) or cancel. The consult's state follows
 * the server's answers and its `call_consult_*` events (the target may not answer, or
 * hang up). Also the discreet marker that a supervisor is whispering or has joined.
 */
import { useMemo, useState, type FormEvent } from 'react';
import type { CallConsultDto, CallDto } from '@switchboard/contracts';
import { useApi, useRealtimeEvent, useResync, useSessionUser } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { errorText } from '../../shared/ui/components';
import { useAsync } from '../../shared/ui/hooks';
import { CALL_EVENTS, callsApi, CONSULT_EVENTS } from '../calls/calls-api';

/** The agent's answered call as the server knows it (agents see only their own). */
function useMyAnsweredCall(): CallDto | null {
  const api = useApi();
  const user = useSessionUser();
  const calls = useMemo(() => callsApi(api), [api]);
  const [generation, setGeneration] = useState(0);
  const state = useAsync((signal) => calls.active(signal).then((page) => page.items), `my-calls:${generation}`);
  useRealtimeEvent<CallDto>(CALL_EVENTS, ({ data }) =>
    state.setData((current) => [...(current ?? []).filter((call) => call.id !== data.id), data]),
  );
  useRealtimeEvent<{ call?: CallDto }>(CONSULT_EVENTS, ({ data }) => {
    const call = data.call;
    if (call) state.setData((current) => [...(current ?? []).filter((c) => c.id !== call.id), call]);
  });
  useResync(() => setGeneration((n) => n + 1));
  if (!user) return null;
  return (state.data ?? []).find((call) => call.status === 'in_progress' && call.agent_id === user.id) ?? null;
}

/**
 * `canHold`: offer hold through the API (music for the customer) when this browser carries
 * no SIP call of its own (a desk phone's call); the softphone's own hold is a re-INVITE.
 */
export function ConsultPanel({ canHold }: { canHold: boolean }) {
  const api = useApi();
  const calls = useMemo(() => callsApi(api), [api]);
  const { t } = useI18n();
  const call = useMyAnsweredCall();
  const [isOpen, setIsOpen] = useState(false);
  const [target, setTarget] = useState('');
  const [consult, setConsult] = useState<CallConsultDto | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [isBusy, setIsBusy] = useState(false);

  const follow = (next: CallConsultDto) => {
    if (next.status === 'completed') setNotice(t('softphone.consult_completed', { target: next.target }));
    else if (next.status === 'canceled' || next.status === 'failed') setNotice(t('softphone.consult_canceled'));
    else setNotice(null);
    setConsult(next);
  };

  useRealtimeEvent<CallConsultDto>(CONSULT_EVENTS, ({ data }) => {
    if (call && data.call_id === call.id) follow(data);
  });

  const act = async (action: () => Promise<CallConsultDto>) => {
    setIsBusy(true);
    setError(null);
    try {
      follow(await action());
    } catch (caught) {
      setError(caught);
    } finally {
      setIsBusy(false);
    }
  };

  if (!call) {
    // A transfer just completed: say so, though the call is no longer this agent's.
    return notice ? (
      <p className="muted small" role="status" data-testid="consult-notice">
        {notice}
      </p>
    ) : null;
  }
  const open = consult && consult.call_id === call.id && ['ringing', 'talking', 'customer'].includes(consult.status);
  const isAnswered = consult?.status === 'talking' || consult?.status === 'customer';

  const toggleHold = async () => {
    setIsBusy(true);
    setError(null);
    try {
      await (call.held_at ? calls.unhold(call.id) : calls.hold(call.id));
    } catch (caught) {
      setError(caught);
    } finally {
      setIsBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!target.trim()) return;
    void act(() => calls.consult(call.id, target.trim()));
  };

  return (
    <div className="consult" data-testid="consult-panel">
      {open && consult ? (
        <>
          <p className="small" role="status" data-testid="consult-status" data-status={consult.status}>
            {t(`softphone.consult_${consult.status as 'ringing' | 'talking' | 'customer'}`, { target: consult.target })}
          </p>
          <div className="call-actions">
            <button
              type="button"
              disabled={isBusy || !isAnswered}
              onClick={() => void act(() => calls.consultStep(call.id, 'swap'))}
              data-testid="consult-swap"
            >
              {t('softphone.consult_swap')}
            </button>
            <button
              type="button"
              className="primary"
              disabled={isBusy || !isAnswered}
              onClick={() => void act(() => calls.consultStep(call.id, 'complete'))}
              data-testid="consult-complete"
            >
              {t('softphone.consult_complete')}
            </button>
            <button
              type="button"
              className="danger"
              disabled={isBusy}
              onClick={() => void act(() => calls.consultStep(call.id, 'cancel'))}
              data-testid="consult-cancel"
            >
              {t('softphone.consult_cancel')}
            </button>
          </div>
        </>
      ) : (
        <>
          {canHold ? (
            <button
              type="button"
              aria-pressed={call.held_at !== null}
              disabled={isBusy}
              onClick={() => void toggleHold()}
              data-testid="api-hold"
            >
              {call.held_at ? t('softphone.resume') : t('softphone.hold')}
            </button>
          ) : null}
          <button
            type="button"
            aria-expanded={isOpen}
            onClick={() => setIsOpen((value) => !value)}
            data-testid="consult-toggle"
          >
            {t('softphone.consult')}
          </button>
          {isOpen ? (
            <form className="transfer" onSubmit={submit}>
              <label>
                {t('softphone.consult_to')}
                <input
                  value={target}
                  onChange={(event) => setTarget(event.target.value)}
                  data-testid="consult-target"
                  required
                />
              </label>
              <button type="submit" disabled={isBusy || !target.trim()} data-testid="consult-submit">
                {t('softphone.consult')}
              </button>
            </form>
          ) : null}
        </>
      )}
      {notice && !open ? (
        <p className="muted small" role="status" data-testid="consult-notice">
          {notice}
        </p>
      ) : null}
      {error ? (
        <p className="error small" role="alert" data-testid="consult-error">
          {errorText(t, error)}
        </p>
      ) : null}
    </div>
  );
}

/** Shown to the agent only while a supervisor whispers or has joined; listening stays silent. */
export function CoachingMarker() {
  const { t } = useI18n();
  const [coached, setCoached] = useState<Record<string, boolean>>({});
  useRealtimeEvent<{ call_id: string; is_coached: boolean }>('call_coaching_changed', ({ data }) =>
    setCoached((current) => ({ ...current, [data.call_id]: data.is_coached })),
  );
  if (!Object.values(coached).some(Boolean)) return null;
  return (
    <span className="badge coaching" role="status" data-testid="coaching-marker" title={t('softphone.coached_hint')}>
      {t('softphone.coached')}
    </span>
  );
}
