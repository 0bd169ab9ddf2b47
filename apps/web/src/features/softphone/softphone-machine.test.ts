import { describe, expect, it } from 'vitest';
import {
  decideIncoming,
  hasAutoAnswer,
  initialSoftphoneState,
  isExpectedDial,
  softphoneReducer,
  type SoftphoneEvent,
  type SoftphoneState,
} from './softphone-machine';

function run(events: SoftphoneEvent[], from: SoftphoneState = initialSoftphoneState): SoftphoneState {
  return events.reduce(softphoneReducer, from);
}

const registered = run([
  { type: 'credentials_loading' },
  { type: 'credentials_loaded', extension: 1001 },
  { type: 'transport_connecting' },
  { type: 'transport_connected' },
  { type: 'registered' },
]);

const ringing = run(
  [{ type: 'incoming', sessionId: 's1', number: '5511987654321', name: 'Maria', at: 1_000, isAutoAnswer: false }],
  registered,
);

describe('softphone registration', () => {
  it('goes from loading credentials to registered', () => {
    expect(run([{ type: 'credentials_loading' }]).registration).toBe('loading');
    expect(run([{ type: 'credentials_loading' }, { type: 'transport_connecting' }]).registration).toBe('connecting');
    expect(registered).toMatchObject({ registration: 'registered', extension: 1001, error: null });
  });

  it('shows reconnecting when the WebSocket drops, and registered again after re-registering', () => {
    const lost = run(
      [{ type: 'transport_disconnected' }, { type: 'unregistered' }, { type: 'transport_connecting' }],
      registered,
    );
    expect(lost.registration).toBe('reconnecting');
    const back = run([{ type: 'transport_connected' }, { type: 'registered' }], lost);
    expect(back.registration).toBe('registered');
  });

  it('keeps a call through a transport drop (media is not the WebSocket)', () => {
    const active = run(
      [
        { type: 'answer_requested', sessionId: 's1' },
        { type: 'confirmed', sessionId: 's1', at: 2_000 },
      ],
      ringing,
    );
    const dropped = run([{ type: 'transport_disconnected' }], active);
    expect(dropped.call?.phase).toBe('active');
    expect(dropped.registration).toBe('reconnecting');
  });

  it('records why a registration failed and clears it on success', () => {
    const failed = run([{ type: 'registration_failed', cause: 'sip_401' }], registered);
    expect(failed).toMatchObject({ registration: 'failed', error: 'sip_401' });
    expect(run([{ type: 'registered' }], failed)).toMatchObject({ registration: 'registered', error: null });
  });

  it('reports a user without a WebRTC device', () => {
    expect(run([{ type: 'credentials_loading' }, { type: 'no_device', reason: 'not_webrtc' }])).toMatchObject({
      registration: 'no_device',
      error: 'not_webrtc',
    });
  });

  it('forgets everything when stopped (signed out)', () => {
    expect(run([{ type: 'stopped' }], ringing)).toEqual(initialSoftphoneState);
  });
});

describe('softphone calls', () => {
  it('rings an unexpected incoming call', () => {
    expect(ringing.call).toMatchObject({
      phase: 'ringing',
      direction: 'inbound',
      number: '5511987654321',
      name: 'Maria',
    });
  });

  it('answers, then times the call from when it was confirmed', () => {
    const answering = run([{ type: 'answer_requested', sessionId: 's1' }], ringing);
    expect(answering.call?.phase).toBe('answering');
    const active = run([{ type: 'confirmed', sessionId: 's1', at: 5_000 }], answering);
    expect(active.call).toMatchObject({ phase: 'active', answeredAt: 5_000 });
    // A second confirmation (re-INVITE after hold) does not restart the timer.
    expect(run([{ type: 'confirmed', sessionId: 's1', at: 9_000 }], active).call?.answeredAt).toBe(5_000);
  });

  it('tracks mute, hold and the tones played', () => {
    const active = run(
      [
        { type: 'answer_requested', sessionId: 's1' },
        { type: 'confirmed', sessionId: 's1', at: 0 },
      ],
      ringing,
    );
    const state = run(
      [
        { type: 'mute_changed', sessionId: 's1', isMuted: true },
        { type: 'hold_changed', sessionId: 's1', isOnHold: true },
        { type: 'dtmf_played', sessionId: 's1', tone: '1' },
        { type: 'dtmf_played', sessionId: 's1', tone: '#' },
      ],
      active,
    );
    expect(state.call).toMatchObject({ isMuted: true, isOnHold: true, dtmf: '1#' });
    expect(run([{ type: 'hold_changed', sessionId: 's1', isOnHold: false }], state).call?.isOnHold).toBe(false);
  });

  it('ignores events of another session', () => {
    expect(run([{ type: 'confirmed', sessionId: 'other', at: 1 }], ringing)).toBe(ringing);
    expect(run([{ type: 'ended', sessionId: 'other', at: 1, cause: 'remote_hangup' }], ringing)).toBe(ringing);
  });

  it('summarises the call that ended with its talk time', () => {
    const active = run(
      [
        { type: 'answer_requested', sessionId: 's1' },
        { type: 'confirmed', sessionId: 's1', at: 10_000 },
      ],
      ringing,
    );
    const ended = run([{ type: 'ended', sessionId: 's1', at: 75_400, cause: 'remote_hangup' }], active);
    expect(ended.call).toBeNull();
    expect(ended.lastCall).toEqual({
      number: '5511987654321',
      direction: 'inbound',
      cause: 'remote_hangup',
      durationSeconds: 65,
      endedAt: 75_400,
    });
  });

  it('records a missed call without a duration', () => {
    const missed = run([{ type: 'ended', sessionId: 's1', at: 9_000, cause: 'canceled' }], ringing);
    expect(missed.lastCall).toMatchObject({ cause: 'canceled', durationSeconds: null });
  });

  it('keeps the first call when a second arrives', () => {
    const second = run(
      [{ type: 'incoming', sessionId: 's2', number: '200', name: null, at: 2, isAutoAnswer: false }],
      ringing,
    );
    expect(second.call?.sessionId).toBe('s1');
  });

  it('marks the transfer in progress and clears it with the cause when it fails', () => {
    const active = run(
      [
        { type: 'answer_requested', sessionId: 's1' },
        { type: 'confirmed', sessionId: 's1', at: 0 },
      ],
      ringing,
    );
    const transferring = run([{ type: 'transfer_started', sessionId: 's1' }], active);
    expect(transferring.call?.isTransferring).toBe(true);
    const failed = run([{ type: 'transfer_failed', sessionId: 's1', cause: 'transfer_refused' }], transferring);
    expect(failed.call?.isTransferring).toBe(false);
    expect(failed.error).toBe('transfer_refused');
  });
});

describe('click-to-call and auto-answer', () => {
  it('answers by itself the ring of a click-to-call it asked for, as an outbound call', () => {
    const dialing = run(
      [{ type: 'dial_requested', number: '+55 11 98765-4321', at: 1_000, windowMs: 45_000 }],
      registered,
    );
    expect(decideIncoming(dialing, { number: '5511987654321', hasAutoAnswerHeader: false }, 2_000)).toBe('auto_answer');
    const answered = run(
      [{ type: 'incoming', sessionId: 's9', number: '5511987654321', name: null, at: 2_000, isAutoAnswer: true }],
      dialing,
    );
    expect(answered.call).toMatchObject({ direction: 'outbound', phase: 'answering', isAutoAnswer: true });
    expect(answered.pendingDial).toBeNull();
  });

  it('rings an unrelated call that arrives while a click-to-call is pending', () => {
    const dialing = run([{ type: 'dial_requested', number: '1002', at: 1_000, windowMs: 45_000 }], registered);
    expect(decideIncoming(dialing, { number: '5511999990000', hasAutoAnswerHeader: false }, 2_000)).toBe('ring');
  });

  it('stops expecting the click-to-call after its window', () => {
    const dialing = run([{ type: 'dial_requested', number: '1002', at: 1_000, windowMs: 45_000 }], registered);
    expect(decideIncoming(dialing, { number: '1002', hasAutoAnswerHeader: false }, 50_000)).toBe('ring');
  });

  it('answers by itself a call sent with Call-Info answer-after=0 (the console took it)', () => {
    expect(hasAutoAnswer('answer-after=0')).toBe(true);
    expect(hasAutoAnswer('<sip:127.0.0.1>;answer-after=0')).toBe(true);
    expect(hasAutoAnswer('<sip:127.0.0.1>;answer-after=10')).toBe(false);
    expect(hasAutoAnswer(undefined)).toBe(false);
    expect(decideIncoming(registered, { number: '200', hasAutoAnswerHeader: true }, 0)).toBe('auto_answer');
  });

  it('is busy for a second call', () => {
    expect(decideIncoming(ringing, { number: '200', hasAutoAnswerHeader: true }, 0)).toBe('busy');
  });

  it('matches numbers with or without country and trunk prefixes', () => {
    const pending = { number: '+55 (11) 98765-4321', until: 10 };
    expect(isExpectedDial(pending, '5511987654321', 0)).toBe(true);
    expect(isExpectedDial(pending, '11987654321', 0)).toBe(true);
    expect(isExpectedDial(pending, '987654320', 0)).toBe(false);
    expect(isExpectedDial(pending, '', 0)).toBe(false);
  });

  it('clears the expectation and keeps the reason when the API refuses the call', () => {
    const dialing = run([{ type: 'dial_requested', number: '1002', at: 1_000, windowMs: 45_000 }], registered);
    expect(run([{ type: 'dial_failed', cause: 'pbx.unavailable' }], dialing)).toMatchObject({
      pendingDial: null,
      error: 'pbx.unavailable',
    });
  });
});
