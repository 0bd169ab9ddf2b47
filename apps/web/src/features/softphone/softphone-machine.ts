/**
 * The softphone's state: registration and the one call it handles at a time, as a pure
 * reducer over what the SIP stack reports and what the agent asked for. The controller
 * (softphone-controller.ts) turns JsSIP's events into these events.
 *
 * Calls reach the agent's device from Asterisk: an inbound call taken with the console's
 * answer button arrives with `Call-Info: answer-after=0`; a click-to-call rings the
 * agent's own device first, with the destination as caller id. Both are answered
 * without a click; any other INVITE rings.
 */

export type RegistrationState =
  | 'idle'
  | 'loading'
  | 'no_device'
  /** The server has no PBX: nothing to register to, calls are off. */
  | 'not_configured'
  | 'connecting'
  | 'registering'
  | 'registered'
  | 'unregistered'
  | 'failed'
  | 'reconnecting';

export type CallPhase = 'ringing' | 'answering' | 'active';

export interface SoftphoneCall {
  sessionId: string;
  /** As the agent sees it: a click-to-call is outbound although SIP delivers it as an INVITE. */
  direction: 'inbound' | 'outbound';
  number: string;
  name: string | null;
  phase: CallPhase;
  isAutoAnswer: boolean;
  isMuted: boolean;
  isOnHold: boolean;
  ringingAt: number;
  answeredAt: number | null;
  /** Tones played into the call (RFC 4733 events). */
  dtmf: string;
  isTransferring: boolean;
}

export interface PendingDial {
  number: string;
  until: number;
}

export interface EndedCall {
  number: string;
  direction: 'inbound' | 'outbound';
  cause: string;
  durationSeconds: number | null;
  endedAt: number;
}

export interface SoftphoneState {
  registration: RegistrationState;
  /** The server's link to the PBX, from the device endpoint (null until known). */
  pbx: 'up' | 'disconnected' | 'not_configured' | null;
  /** Why the last registration or action failed (a code for the UI). */
  error: string | null;
  extension: number | null;
  call: SoftphoneCall | null;
  pendingDial: PendingDial | null;
  lastCall: EndedCall | null;
}

export type SoftphoneEvent =
  | { type: 'credentials_loading' }
  | { type: 'credentials_loaded'; extension: number }
  | { type: 'no_device'; reason: string }
  | { type: 'pbx_changed'; pbx: 'up' | 'disconnected' | 'not_configured' }
  | { type: 'transport_connecting' }
  | { type: 'transport_connected' }
  | { type: 'transport_disconnected' }
  | { type: 'registered' }
  | { type: 'unregistered' }
  | { type: 'registration_failed'; cause: string }
  | { type: 'stopped' }
  | { type: 'dial_requested'; number: string; at: number; windowMs: number }
  | { type: 'dial_failed'; cause: string }
  | { type: 'incoming'; sessionId: string; number: string; name: string | null; at: number; isAutoAnswer: boolean }
  | { type: 'answer_requested'; sessionId: string }
  | { type: 'confirmed'; sessionId: string; at: number }
  | { type: 'hold_changed'; sessionId: string; isOnHold: boolean }
  | { type: 'mute_changed'; sessionId: string; isMuted: boolean }
  | { type: 'dtmf_played'; sessionId: string; tone: string }
  | { type: 'transfer_started'; sessionId: string }
  | { type: 'transfer_failed'; sessionId: string; cause: string }
  | { type: 'ended'; sessionId: string; at: number; cause: string }
  | { type: 'error_dismissed' };

export const initialSoftphoneState: SoftphoneState = {
  registration: 'idle',
  pbx: null,
  error: null,
  extension: null,
  call: null,
  pendingDial: null,
  lastCall: null,
};

/** Digits only: caller ids arrive as `+55 11 9…`, `5511 9…` or `011…`. */
export function digitsOf(number: string): string {
  return number.replace(/\D/g, '');
}

/** Whether an incoming caller id is the destination of a click-to-call we just asked for. */
export function isExpectedDial(pending: PendingDial | null, number: string, now: number): boolean {
  if (!pending || now > pending.until) return false;
  const expected = digitsOf(pending.number);
  const got = digitsOf(number);
  if (!expected || !got) return false;
  // Carriers and dialplans add or drop a country or trunk prefix.
  return expected === got || expected.endsWith(got) || got.endsWith(expected);
}

export type IncomingDecision = 'ring' | 'auto_answer' | 'busy';

export function decideIncoming(
  state: SoftphoneState,
  incoming: { number: string; hasAutoAnswerHeader: boolean },
  now: number,
): IncomingDecision {
  if (state.call) return 'busy';
  if (incoming.hasAutoAnswerHeader || isExpectedDial(state.pendingDial, incoming.number, now)) return 'auto_answer';
  return 'ring';
}

/** `Call-Info: <uri>;answer-after=0` (RFC 7462 style, and what Switchboard's answer sends). */
export function hasAutoAnswer(callInfo: string | undefined | null): boolean {
  return callInfo ? /answer-after\s*=\s*0\b/i.test(callInfo) : false;
}

function onCall(state: SoftphoneState, sessionId: string, update: (call: SoftphoneCall) => SoftphoneCall) {
  if (!state.call || state.call.sessionId !== sessionId) return state;
  return { ...state, call: update(state.call) };
}

export function softphoneReducer(state: SoftphoneState, event: SoftphoneEvent): SoftphoneState {
  switch (event.type) {
    case 'credentials_loading':
      return { ...state, registration: 'loading', error: null };
    case 'credentials_loaded':
      return { ...state, extension: event.extension };
    case 'no_device':
      return { ...state, registration: 'no_device', error: event.reason, extension: null };
    case 'pbx_changed':
      if (event.pbx === 'not_configured') {
        return { ...state, pbx: event.pbx, registration: 'not_configured', error: null, extension: null };
      }
      return state.pbx === event.pbx ? state : { ...state, pbx: event.pbx };
    case 'transport_connecting':
      return state.registration === 'reconnecting' ? state : { ...state, registration: 'connecting' };
    case 'transport_connected':
      return { ...state, registration: 'registering' };
    case 'transport_disconnected':
      if (state.registration === 'idle' || state.registration === 'no_device') return state;
      if (state.registration === 'not_configured') return state;
      return { ...state, registration: 'reconnecting' };
    case 'registered':
      return { ...state, registration: 'registered', error: null };
    case 'unregistered':
      return state.registration === 'reconnecting' ? state : { ...state, registration: 'unregistered' };
    case 'registration_failed':
      return { ...state, registration: 'failed', error: event.cause };
    case 'stopped':
      return { ...initialSoftphoneState };
    case 'dial_requested':
      return { ...state, error: null, pendingDial: { number: event.number, until: event.at + event.windowMs } };
    case 'dial_failed':
      return { ...state, pendingDial: null, error: event.cause };
    case 'incoming': {
      if (state.call) return state;
      const isExpected = isExpectedDial(state.pendingDial, event.number, event.at);
      return {
        ...state,
        pendingDial: isExpected ? null : state.pendingDial,
        call: {
          sessionId: event.sessionId,
          direction: isExpected ? 'outbound' : 'inbound',
          number: event.number,
          name: event.name,
          phase: event.isAutoAnswer ? 'answering' : 'ringing',
          isAutoAnswer: event.isAutoAnswer,
          isMuted: false,
          isOnHold: false,
          ringingAt: event.at,
          answeredAt: null,
          dtmf: '',
          isTransferring: false,
        },
      };
    }
    case 'answer_requested':
      return onCall(state, event.sessionId, (call) =>
        call.phase === 'ringing' ? { ...call, phase: 'answering' } : call,
      );
    case 'confirmed':
      return onCall(state, event.sessionId, (call) =>
        call.phase === 'active' ? call : { ...call, phase: 'active', answeredAt: event.at },
      );
    case 'hold_changed':
      return onCall(state, event.sessionId, (call) => ({ ...call, isOnHold: event.isOnHold }));
    case 'mute_changed':
      return onCall(state, event.sessionId, (call) => ({ ...call, isMuted: event.isMuted }));
    case 'dtmf_played':
      return onCall(state, event.sessionId, (call) => ({ ...call, dtmf: (call.dtmf + event.tone).slice(-32) }));
    case 'transfer_started':
      return onCall(state, event.sessionId, (call) => ({ ...call, isTransferring: true }));
    case 'transfer_failed':
      return { ...onCall(state, event.sessionId, (call) => ({ ...call, isTransferring: false })), error: event.cause };
    case 'ended': {
      const call = state.call;
      if (!call || call.sessionId !== event.sessionId) return state;
      return {
        ...state,
        call: null,
        lastCall: {
          number: call.number,
          direction: call.direction,
          cause: event.cause,
          durationSeconds: call.answeredAt === null ? null : Math.round((event.at - call.answeredAt) / 1000),
          endedAt: event.at,
        },
      };
    }
    case 'error_dismissed':
      return { ...state, error: null };
  }
}

/** Whether the registration is in a state where a call can come in. */
export function isReachable(state: SoftphoneState): boolean {
  return state.registration === 'registered';
}

/** Whether the agent can place a call from here: a PBX exists (a desk phone rings first). */
export function canPlaceCalls(state: SoftphoneState): boolean {
  return state.registration !== 'not_configured';
}

/**
 * How long before asking the server about a lost PBX again: doubling from 5 s to a
 * minute, with up to a fifth of jitter so a room of consoles does not ask at once.
 */
export function pbxRecheckDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(60_000, 5_000 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.8 + 0.2 * random()));
}
