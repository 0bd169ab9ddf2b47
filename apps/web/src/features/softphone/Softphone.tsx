/**
 * The softphone panel, present on every screen: registration state, dial (click-to-call),
 * ringing with answer and reject, and in a call: timer, mute, hold, keypad, transfer,
 * hang up; consult transfer and the coaching marker follow the call the server tracks
 * (ConsultPanel.tsx), so they work for desk phones too. Remote audio plays below.
 */
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useSoftphone, useSoftphoneState } from '../../app/services';
import { formatDuration, useI18n } from '../../shared/i18n/i18n';
import type { MessageKey } from '../../shared/i18n/messages-en';
import { errorText } from '../../shared/ui/components';
import { useNow } from '../../shared/ui/hooks';
import type { RegistrationState, SoftphoneCall } from './softphone-machine';
import { useRingtone } from './ringtone';
import { ScreenPop } from '../contacts/ScreenPop';
import { CoachingMarker, ConsultPanel } from './ConsultPanel';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;

export function Softphone({ isOpen, onToggle }: { isOpen: boolean; onToggle: () => void }) {
  const controller = useSoftphone();
  const state = useSoftphoneState();
  const { t } = useI18n();
  const audioRef = useRef<HTMLAudioElement>(null);
  const call = state.call;
  useRingtone(call?.phase === 'ringing');

  useEffect(() => {
    controller.attachAudio(audioRef.current);
    return () => controller.attachAudio(null);
  }, [controller]);

  return (
    <aside
      className={`softphone ${isOpen || call ? 'is-open' : ''}`}
      aria-label={t('softphone.title')}
      data-testid="softphone"
    >
      <header className="softphone-header">
        <button
          type="button"
          className="softphone-toggle"
          onClick={onToggle}
          aria-expanded={isOpen || call !== null}
          aria-controls="softphone-body"
        >
          <span aria-hidden="true">☎</span> {t('softphone.title')}
          {state.extension !== null ? <span className="muted"> · {state.extension}</span> : null}
        </button>
        <CoachingMarker />
        <RegistrationBadge
          registration={
            state.registration === 'reconnecting' && state.pbx === 'disconnected' ? 'pbx_down' : state.registration
          }
        />
      </header>
      <div id="softphone-body" className="softphone-body" hidden={!(isOpen || call)}>
        {state.registration === 'not_configured' ? (
          <p className="muted small" data-testid="pbx-not-configured">
            {t('softphone.not_configured_hint')}
          </p>
        ) : null}
        {state.pbx === 'disconnected' ? (
          <p className="warning small" role="status" data-testid="pbx-down">
            {t('softphone.pbx_down_hint')}
          </p>
        ) : null}
        {state.registration === 'no_device' ? (
          <p className="muted small" data-testid="no-device">
            {t(state.error === 'not_webrtc' ? 'softphone.desk_phone_hint' : 'softphone.no_device_hint')}
          </p>
        ) : null}
        {call ? (
          <CallPanel call={call} />
        ) : (
          <DialPanel
            isReady={state.registration === 'registered' || state.registration === 'no_device'}
            isDisabled={state.registration === 'not_configured'}
          />
        )}
        {/* On the call the server tracks: a softphone call or a desk phone's. */}
        <ScreenPop />
        <ConsultPanel canHold={call === null} />
        {state.pendingDial && !call ? (
          <p className="muted" role="status" data-testid="pending-dial">
            {t('softphone.dialing', { number: state.pendingDial.number })}
          </p>
        ) : null}
        {!call && state.lastCall ? (
          <p className="muted" data-testid="last-call">
            {t('softphone.last_call', {
              number: state.lastCall.number,
              duration: state.lastCall.durationSeconds === null ? '—' : formatDuration(state.lastCall.durationSeconds),
            })}{' '}
            ({causeText(t, state.lastCall.cause)})
          </p>
        ) : null}
        {state.error && state.registration !== 'no_device' ? (
          <p className="error" role="alert" data-testid="softphone-error">
            {registrationErrorText(t, state.error)}{' '}
            <button type="button" className="link" onClick={() => controller.dismissError()}>
              {t('common.dismiss')}
            </button>
          </p>
        ) : null}
      </div>
      <audio ref={audioRef} autoPlay data-testid="remote-audio" />
    </aside>
  );
}

function RegistrationBadge({ registration }: { registration: RegistrationState | 'pbx_down' }) {
  const { t } = useI18n();
  return (
    <span
      className={`sip-badge sip-${registration}`}
      role="status"
      aria-live="polite"
      data-testid="sip-status"
      data-state={registration}
      title={t(`sip.${registration}`)}
    >
      {t(`sip.${registration}`)}
    </span>
  );
}

function DialPanel({ isReady, isDisabled }: { isReady: boolean; isDisabled: boolean }) {
  const controller = useSoftphone();
  const { t } = useI18n();
  const [number, setNumber] = useState('');
  const [isBusy, setIsBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!number.trim()) return;
    setIsBusy(true);
    try {
      await controller.dial(number);
      setNumber('');
    } catch {
      // Shown from the softphone's state.
    } finally {
      setIsBusy(false);
    }
  };

  return (
    <form className="dial" onSubmit={(event) => void submit(event)}>
      <label>
        <span className="visually-hidden">{t('softphone.number')}</span>
        <input
          type="tel"
          inputMode="tel"
          value={number}
          onChange={(event) => setNumber(event.target.value.replace(/[^0-9+*#() -]/g, ''))}
          placeholder={t('softphone.number')}
          aria-label={t('softphone.number')}
          disabled={isDisabled}
          data-testid="dial-number"
        />
      </label>
      <div className="keypad" role="group" aria-label={t('softphone.keypad')}>
        {KEYS.map((key) => (
          <button type="button" key={key} onClick={() => setNumber((n) => n + key)} tabIndex={-1} disabled={isDisabled}>
            {key}
          </button>
        ))}
      </div>
      <button
        type="submit"
        className="primary call"
        disabled={isDisabled || isBusy || !number.trim()}
        title={isDisabled ? t('softphone.call_disabled') : undefined}
        aria-describedby={isDisabled ? 'dial-disabled-reason' : undefined}
        data-testid="dial-call"
      >
        {t('softphone.call')}
      </button>
      {isDisabled ? (
        <p className="muted small" id="dial-disabled-reason" data-testid="call-disabled-reason">
          {t('softphone.call_disabled')}
        </p>
      ) : !isReady ? (
        <p className="muted small">{t('softphone.not_registered_hint')}</p>
      ) : null}
    </form>
  );
}

function CallPanel({ call }: { call: SoftphoneCall }) {
  const controller = useSoftphone();
  const { t } = useI18n();
  const now = useNow(1_000);
  const [isKeypadOpen, setIsKeypadOpen] = useState(false);
  const [isTransferOpen, setIsTransferOpen] = useState(false);
  const [target, setTarget] = useState('');
  const answerRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (call.phase === 'ringing') answerRef.current?.focus();
  }, [call.phase]);

  const onKeypadKey = (event: KeyboardEvent) => {
    if (/^[0-9*#]$/.test(event.key)) {
      event.preventDefault();
      controller.sendDtmf(event.key);
    }
  };

  const title = call.name ? `${call.name} (${call.number})` : call.number;
  return (
    <div className={`call-panel phase-${call.phase}`} data-testid="call-panel" data-phase={call.phase}>
      <p className="call-party" aria-live="assertive">
        <span className="muted">
          {call.phase === 'ringing'
            ? t('softphone.incoming')
            : call.direction === 'outbound'
              ? t('softphone.outbound')
              : t('softphone.inbound')}
        </span>
        <strong data-testid="call-party">{title}</strong>
      </p>
      {call.phase === 'active' && call.answeredAt !== null ? (
        <p className="call-timer" data-testid="call-timer" aria-label={t('softphone.duration')}>
          {formatDuration((now - call.answeredAt) / 1000)}
          {call.isOnHold ? <span className="badge">{t('softphone.on_hold')}</span> : null}
          {call.isMuted ? <span className="badge">{t('softphone.muted')}</span> : null}
        </p>
      ) : null}
      {call.phase === 'answering' ? <p className="muted">{t('softphone.connecting')}</p> : null}

      {call.phase === 'ringing' ? (
        <div className="call-actions">
          <button
            ref={answerRef}
            type="button"
            className="primary answer"
            onClick={() => controller.answer()}
            data-testid="answer"
          >
            {t('softphone.answer')}
          </button>
          <button type="button" className="danger" onClick={() => controller.reject()} data-testid="reject">
            {t('softphone.reject')}
          </button>
        </div>
      ) : (
        <div className="call-actions">
          <button
            type="button"
            aria-pressed={call.isMuted}
            onClick={() => controller.toggleMute()}
            disabled={call.phase !== 'active'}
            data-testid="mute"
          >
            {call.isMuted ? t('softphone.unmute') : t('softphone.mute')}
          </button>
          <button
            type="button"
            aria-pressed={call.isOnHold}
            onClick={() => controller.toggleHold()}
            disabled={call.phase !== 'active'}
            data-testid="hold"
          >
            {call.isOnHold ? t('softphone.resume') : t('softphone.hold')}
          </button>
          <button
            type="button"
            aria-expanded={isKeypadOpen}
            onClick={() => setIsKeypadOpen((open) => !open)}
            disabled={call.phase !== 'active'}
            data-testid="keypad-toggle"
          >
            {t('softphone.keypad')}
          </button>
          <button
            type="button"
            aria-expanded={isTransferOpen}
            onClick={() => setIsTransferOpen((open) => !open)}
            disabled={call.phase !== 'active'}
            data-testid="transfer-toggle"
          >
            {t('softphone.transfer')}
          </button>
          <button type="button" className="danger" onClick={() => controller.hangup()} data-testid="hangup">
            {t('softphone.hangup')}
          </button>
        </div>
      )}

      {isKeypadOpen && call.phase === 'active' ? (
        <div className="keypad dtmf" role="group" aria-label={t('softphone.keypad')} onKeyDown={onKeypadKey}>
          {KEYS.map((key) => (
            <button
              type="button"
              key={key}
              onClick={() => controller.sendDtmf(key)}
              data-testid={`dtmf-${key === '*' ? 'star' : key === '#' ? 'hash' : key}`}
            >
              {key}
            </button>
          ))}
          <output className="dtmf-sent" data-testid="dtmf-sent" aria-label={t('softphone.tones_sent')}>
            {call.dtmf}
          </output>
        </div>
      ) : null}

      {isTransferOpen && call.phase === 'active' ? (
        <form
          className="transfer"
          onSubmit={(event) => {
            event.preventDefault();
            void controller.transfer(target);
          }}
        >
          <label>
            {t('softphone.transfer_to')}
            <input
              type="tel"
              value={target}
              onChange={(event) => setTarget(event.target.value)}
              data-testid="transfer-target"
              required
            />
          </label>
          <button type="submit" disabled={call.isTransferring || !target.trim()} data-testid="transfer-submit">
            {call.isTransferring ? t('softphone.transferring') : t('softphone.transfer')}
          </button>
        </form>
      ) : null}
    </div>
  );
}

function causeText(t: ReturnType<typeof useI18n>['t'], cause: string): string {
  const key = `call_end.${cause}`;
  return t((isKey(key) ? key : 'call_end.failed') as MessageKey);
}

function registrationErrorText(t: ReturnType<typeof useI18n>['t'], cause: string): string {
  if (cause === 'no_device' || cause === 'not_webrtc') return t(`sip.${cause}`);
  if (/^sip_(401|403)$/.test(cause)) return t('sip.auth_failed');
  return errorText(t, cause);
}

const CAUSES = new Set([
  'canceled',
  'rejected',
  'busy',
  'local_hangup',
  'remote_hangup',
  'no_answer',
  'media_error',
  'microphone_denied',
  'connection_error',
  'failed',
]);

function isKey(key: string): boolean {
  return CAUSES.has(key.slice('call_end.'.length));
}
