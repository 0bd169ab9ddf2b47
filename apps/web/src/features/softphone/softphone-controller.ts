/**
 * Drives the JsSIP user agent and reduces what it reports into SoftphoneState (a small
 * external store for React). Registration uses the credentials of GET /api/users/me/device;
 * after a refused registration (the password was rotated) they are fetched again once.
 * Without a PBX on the server (`pbx: not_configured`) nothing registers. JsSIP reconnects
 * its WebSocket by itself and registers again; while the server reports the PBX lost,
 * the device is asked again with a growing delay, and when the PBX is back (or the
 * browser comes back online) the agent is recreated at once instead of waiting.
 *
 * A call is never kept alive on the console's word alone: the server's `call_ended` for
 * the call this session carries, or a failed peer connection, ends it here too.
 */
import type { CallDto, DeviceCredentials } from '@switchboard/contracts';
import type { CreateUserAgent, NewSessionEvent, SipSession, SipUserAgent } from './sip-ports';
import {
  decideIncoming,
  hasAutoAnswer,
  initialSoftphoneState,
  pbxRecheckDelayMs,
  softphoneReducer,
  type SoftphoneEvent,
  type SoftphoneState,
} from './softphone-machine';

const HOLD_RETRIES = 20;
const HOLD_RETRY_MS = 250;

export interface SoftphoneDeps {
  createUserAgent: CreateUserAgent;
  /** The device credentials, or null when the user has none. */
  loadDevice: () => Promise<DeviceCredentials | null>;
  /** Click-to-call through the API (the PBX rings this device first). */
  makeCall: (to: string) => Promise<void>;
  transferCall: (callId: string, to: string) => Promise<void>;
  displayName: string;
  now?: () => number;
  /** Where `online` is announced (window). */
  network?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  /** How long after a click-to-call its ring is answered without a click. */
  dialWindowMs?: number;
  rtcConfiguration?: RTCConfiguration;
}

const RETRY_CREDENTIALS_AFTER_MS = 60_000;
/** TURN credentials are fetched again this long before they expire. */
const ICE_REFRESH_MARGIN_MS = 10 * 60_000;
const MIN_ICE_REFRESH_MS = 60_000;

export class SoftphoneController {
  private state: SoftphoneState = initialSoftphoneState;
  private readonly listeners = new Set<() => void>();
  private ua: SipUserAgent | null = null;
  private session: SipSession | null = null;
  private credentials: DeviceCredentials | null = null;
  private audio: HTMLAudioElement | null = null;
  private remoteStream: MediaStream | null = null;
  /** The server's record of this agent's call, and the SIP session it is carried on. */
  private serverCall: (Pick<CallDto, 'id' | 'status'> & { sessionId: string | null }) | null = null;
  private pbxRecheck: ReturnType<typeof setTimeout> | undefined;
  private pbxRecheckAttempt = 0;
  private lastCredentialsRetry = Number.NEGATIVE_INFINITY;
  private isRunning = false;
  /** Bumped by start and stop: a credentials request of an earlier run is ignored. */
  private run = 0;
  private readonly now: () => number;
  private readonly onOnline = () => this.recoverNow();
  private iceRefresh: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: SoftphoneDeps) {
    this.now = deps.now ?? Date.now;
  }

  getState = (): SoftphoneState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get domain(): string | null {
    return this.credentials?.sip_domain ?? null;
  }

  async start(): Promise<void> {
    if (this.isRunning) return;
    this.isRunning = true;
    this.run += 1;
    this.deps.network?.addEventListener('online', this.onOnline);
    await this.loadAndRegister();
  }

  stop(): void {
    this.isRunning = false;
    this.run += 1;
    this.deps.network?.removeEventListener('online', this.onOnline);
    this.session?.terminate();
    this.session = null;
    this.stopAgent();
    this.credentials = null;
    clearTimeout(this.iceRefresh);
    clearTimeout(this.pbxRecheck);
    this.dispatch({ type: 'stopped' });
  }

  /** The element remote audio plays in; set once by the UI. */
  attachAudio(element: HTMLAudioElement | null): void {
    this.audio = element;
    if (element && this.remoteStream) this.play(this.remoteStream);
  }

  /** Calls the server knows about (socket events): used to transfer through the API. */
  trackServerCall(call: CallDto, myUserId: string): void {
    if (call.agent_id !== myUserId) return;
    const isActive = ['initiated', 'ringing', 'in_progress'].includes(call.status);
    const known = this.serverCall?.id === call.id ? this.serverCall : null;
    if (isActive) {
      // The session that is up when the server reports the call is the one carrying it.
      this.serverCall = { id: call.id, status: call.status, sessionId: known?.sessionId ?? this.session?.id ?? null };
      return;
    }
    if (!known) return;
    this.serverCall = null;
    // The server saw the call end (the PBX died, the other side hung up where SIP could
    // not tell us): a session still open here would be a dead call on screen.
    const session = this.session;
    if (session && known.sessionId === session.id) this.abandon(session, 'remote_hangup');
  }

  /** Click-to-call: the API rings this device, then dials `to`; that ring is answered by itself. */
  async dial(to: string, place: (to: string) => Promise<void> = (number) => this.deps.makeCall(number)): Promise<void> {
    const number = to.trim();
    if (!number) return;
    this.dispatch({ type: 'dial_requested', number, at: this.now(), windowMs: this.deps.dialWindowMs ?? 45_000 });
    try {
      await place(number);
    } catch (error) {
      this.dispatch({ type: 'dial_failed', cause: messageOf(error) });
      throw error;
    }
  }

  answer(): void {
    const session = this.session;
    const call = this.state.call;
    if (!session || !call || call.phase !== 'ringing') return;
    this.dispatch({ type: 'answer_requested', sessionId: call.sessionId });
    this.answerSession(session);
  }

  reject(): void {
    const session = this.session;
    if (!session || this.state.call?.phase !== 'ringing') return;
    session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
  }

  hangup(): void {
    this.session?.terminate();
  }

  toggleMute(): void {
    const session = this.session;
    if (!session || this.state.call?.phase !== 'active') return;
    if (session.isMuted().audio) session.unmute({ audio: true });
    else session.mute({ audio: true });
  }

  toggleHold(): void {
    const session = this.session;
    if (!session || this.state.call?.phase !== 'active') return;
    const isHolding = session.isOnHold().local;
    // JsSIP refuses (returns false) while another offer/answer is still in flight, e.g.
    // right after the answer or during a session-timer UPDATE: try again shortly.
    const attempt = (left: number) => {
      if (this.session !== session || this.state.call?.phase !== 'active') return;
      const isSent = isHolding ? session.unhold() : session.hold();
      if (!isSent && left > 0) setTimeout(() => attempt(left - 1), HOLD_RETRY_MS);
    };
    attempt(HOLD_RETRIES);
  }

  /** RFC 4733 events in the audio stream (Switchboard's endpoints use dtmf_mode=rfc4733). */
  sendDtmf(tone: string): void {
    const session = this.session;
    if (!session || this.state.call?.phase !== 'active' || !/^[0-9A-D#*]$/i.test(tone)) return;
    try {
      session.sendDTMF(tone, { transportType: 'RFC2833', duration: 160 });
    } catch {
      // No telephone-event negotiated: SIP INFO instead.
      session.sendDTMF(tone, { transportType: 'INFO', duration: 160 });
      this.dispatch({ type: 'dtmf_played', sessionId: session.id, tone });
    }
  }

  /** Blind transfer: through the API when the server tracks this call, else a SIP REFER. */
  async transfer(to: string): Promise<void> {
    const session = this.session;
    const target = to.trim();
    if (!session || !target || this.state.call?.phase !== 'active') return;
    this.dispatch({ type: 'transfer_started', sessionId: session.id });
    const serverCall = this.serverCall;
    if (serverCall && serverCall.status === 'in_progress') {
      try {
        await this.deps.transferCall(serverCall.id, target);
      } catch (error) {
        this.dispatch({ type: 'transfer_failed', sessionId: session.id, cause: messageOf(error) });
      }
      return;
    }
    const uri = target.startsWith('sip:') ? target : `sip:${target}@${this.credentials?.sip_domain ?? 'invalid'}`;
    session.refer(uri, {
      eventHandlers: {
        requestFailed: () =>
          this.dispatch({ type: 'transfer_failed', sessionId: session.id, cause: 'transfer_refused' }),
        failed: () => this.dispatch({ type: 'transfer_failed', sessionId: session.id, cause: 'transfer_failed' }),
        // The transferee calls the target; our leg is no longer needed.
        accepted: () => session.terminate(),
      },
    });
  }

  dismissError(): void {
    this.dispatch({ type: 'error_dismissed' });
  }

  private async loadAndRegister(): Promise<void> {
    const run = this.run;
    this.dispatch({ type: 'credentials_loading' });
    let credentials: DeviceCredentials | null;
    try {
      credentials = await this.deps.loadDevice();
    } catch (error) {
      if (run === this.run) this.dispatch({ type: 'registration_failed', cause: messageOf(error) });
      return;
    }
    if (run !== this.run) return;
    if (!credentials) return this.dispatch({ type: 'no_device', reason: 'no_device' });
    this.dispatch({ type: 'pbx_changed', pbx: credentials.pbx });
    if (credentials.pbx === 'not_configured') return;
    if (!credentials.wss_url) return this.dispatch({ type: 'no_device', reason: 'not_webrtc' });
    if (credentials.pbx === 'disconnected') this.schedulePbxRecheck();
    this.credentials = credentials;
    this.dispatch({ type: 'credentials_loaded', extension: credentials.extension });
    this.scheduleIceRefresh(credentials);
    this.startAgent(credentials);
  }

  /**
   * TURN credentials expire (ice_expires_at): the device is fetched again before that, and
   * only the ICE servers are taken from it while the SIP credentials are unchanged (a new
   * password is handled by the refused registration, as always).
   */
  private scheduleIceRefresh(credentials: DeviceCredentials): void {
    clearTimeout(this.iceRefresh);
    if (!credentials.ice_expires_at) return;
    const delay = Math.max(
      MIN_ICE_REFRESH_MS,
      Date.parse(credentials.ice_expires_at) - Date.now() - ICE_REFRESH_MARGIN_MS,
    );
    const run = this.run;
    this.iceRefresh = setTimeout(() => {
      void this.deps
        .loadDevice()
        .then((fresh) => {
          if (run !== this.run || !fresh || !this.credentials) return;
          if (fresh.sip_username === this.credentials.sip_username) {
            this.credentials = {
              ...this.credentials,
              ice_servers: fresh.ice_servers,
              ice_expires_at: fresh.ice_expires_at,
            };
          }
          this.scheduleIceRefresh(this.credentials);
        })
        .catch(() => {
          // Tried again in a minute (the old expiry is past the margin by now).
          if (run === this.run && this.credentials) this.scheduleIceRefresh(this.credentials);
        });
    }, delay);
  }

  /** While the server reports the PBX lost: ask again, later each time; register at once when it is back. */
  private schedulePbxRecheck(): void {
    clearTimeout(this.pbxRecheck);
    const run = this.run;
    const delay = pbxRecheckDelayMs(this.pbxRecheckAttempt);
    this.pbxRecheckAttempt += 1;
    this.pbxRecheck = setTimeout(() => {
      void this.deps
        .loadDevice()
        .then((fresh) => {
          if (run !== this.run || !fresh) return;
          this.dispatch({ type: 'pbx_changed', pbx: fresh.pbx });
          if (fresh.pbx === 'disconnected') return this.schedulePbxRecheck();
          this.pbxRecheckAttempt = 0;
          if (fresh.pbx === 'up') this.recoverNow();
        })
        .catch(() => {
          if (run === this.run) this.schedulePbxRecheck();
        });
    }, delay);
  }

  /** The STUN/TURN servers the API gave this device; a test or host may override them. */
  private rtcConfiguration(): RTCConfiguration {
    if (this.deps.rtcConfiguration) return this.deps.rtcConfiguration;
    return { iceServers: (this.credentials?.ice_servers ?? []).map((server) => ({ ...server })) };
  }

  private startAgent(credentials: DeviceCredentials): void {
    const ua = this.deps.createUserAgent({
      wssUrl: credentials.wss_url ?? '',
      uri: credentials.sip_uri,
      username: credentials.sip_username,
      password: credentials.sip_password,
      displayName: this.deps.displayName,
    });
    this.ua = ua;
    const mine = (handler: () => void) => () => {
      if (this.ua === ua) handler();
    };
    ua.on(
      'connecting',
      mine(() => this.dispatch({ type: 'transport_connecting' })),
    );
    ua.on(
      'connected',
      mine(() => this.dispatch({ type: 'transport_connected' })),
    );
    ua.on(
      'disconnected',
      mine(() => this.dispatch({ type: 'transport_disconnected' })),
    );
    ua.on(
      'registered',
      mine(() => this.dispatch({ type: 'registered' })),
    );
    ua.on(
      'unregistered',
      mine(() => this.dispatch({ type: 'unregistered' })),
    );
    ua.on('registrationFailed', (event) => {
      if (this.ua !== ua) return;
      const status = event.response?.status_code;
      const cause = status ? `sip_${status}` : (event.cause ?? 'registration_failed');
      this.dispatch({ type: 'registration_failed', cause });
      // A rotated password: fetch the new one, once a minute at most.
      if ((status === 401 || status === 403) && this.now() - this.lastCredentialsRetry > RETRY_CREDENTIALS_AFTER_MS) {
        this.lastCredentialsRetry = this.now();
        this.stopAgent();
        void this.loadAndRegister();
      }
    });
    ua.on('newRTCSession', (event) => {
      if (this.ua === ua) this.onNewSession(event);
    });
    this.dispatch({ type: 'transport_connecting' });
    ua.start();
  }

  private stopAgent(): void {
    const ua = this.ua;
    this.ua = null;
    ua?.stop();
  }

  private recoverNow(): void {
    if (!this.isRunning || !this.credentials || this.session) return;
    if (this.ua?.isConnected()) return;
    this.stopAgent();
    this.startAgent(this.credentials);
  }

  private onNewSession({ originator, session, request }: NewSessionEvent): void {
    if (originator !== 'remote') return;
    const number = session.remote_identity.uri.user ?? '';
    const name = session.remote_identity.display_name || null;
    const decision = decideIncoming(
      this.state,
      { number, hasAutoAnswerHeader: hasAutoAnswer(request.getHeader('Call-Info')) },
      this.now(),
    );
    if (decision === 'busy') {
      session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
      return;
    }
    this.session = session;
    if (this.serverCall && this.serverCall.sessionId === null) this.serverCall.sessionId = session.id;
    this.wireSession(session);
    this.dispatch({
      type: 'incoming',
      sessionId: session.id,
      number,
      name: name === number ? null : name,
      at: this.now(),
      isAutoAnswer: decision === 'auto_answer',
    });
    if (decision === 'auto_answer') this.answerSession(session);
  }

  private wireSession(session: SipSession): void {
    const id = session.id;
    session.on('peerconnection', (event: { peerconnection: RTCPeerConnection }) =>
      this.wireMedia(session, event.peerconnection),
    );
    session.on('confirmed', () => this.dispatch({ type: 'confirmed', sessionId: id, at: this.now() }));
    session.on('hold', (event: { originator: string }) => {
      if (event.originator === 'local') this.dispatch({ type: 'hold_changed', sessionId: id, isOnHold: true });
    });
    session.on('unhold', (event: { originator: string }) => {
      if (event.originator === 'local') this.dispatch({ type: 'hold_changed', sessionId: id, isOnHold: false });
    });
    session.on('muted', () => this.dispatch({ type: 'mute_changed', sessionId: id, isMuted: true }));
    session.on('unmuted', () => this.dispatch({ type: 'mute_changed', sessionId: id, isMuted: false }));
    const end = (event: { originator?: string; cause?: string }) => {
      if (this.session === session) {
        this.session = null;
        this.remoteStream = null;
        if (this.audio) this.audio.srcObject = null;
      }
      this.dispatch({ type: 'ended', sessionId: id, at: this.now(), cause: causeOf(event) });
    };
    session.on('ended', end);
    session.on('failed', end);
  }

  private wireMedia(session: SipSession, pc: RTCPeerConnection): void {
    const sessionId = session.id;
    // ICE gave up (the PBX or the network is gone): no audio will flow again on this call.
    const onStateChange = () => {
      if (pc.iceConnectionState === 'failed' || pc.connectionState === 'failed') this.abandon(session, 'media_error');
    };
    pc.addEventListener('iceconnectionstatechange', onStateChange);
    pc.addEventListener('connectionstatechange', onStateChange);
    pc.addEventListener('track', (event) => {
      const stream = event.streams[0] ?? new MediaStream([event.track]);
      this.remoteStream = stream;
      this.play(stream);
    });
    // Each tone the DTMF sender really plays into the stream.
    const watchDtmf = () => {
      for (const sender of pc.getSenders()) {
        if (sender.track?.kind !== 'audio' || !sender.dtmf) continue;
        sender.dtmf.ontonechange = (event) => {
          if (event.tone) this.dispatch({ type: 'dtmf_played', sessionId, tone: event.tone });
        };
      }
    };
    pc.addEventListener('signalingstatechange', watchDtmf);
  }

  /**
   * Ends a call that cannot go on: a BYE if the signalling still works, and the call ends
   * here whether or not JsSIP reports it (its transport may be gone with the PBX).
   */
  private abandon(session: SipSession, cause: string): void {
    if (this.session !== session) return;
    this.session = null;
    this.remoteStream = null;
    if (this.audio) this.audio.srcObject = null;
    try {
      session.terminate();
    } catch {
      // Already terminated, or no transport to send the BYE on.
    }
    this.dispatch({ type: 'ended', sessionId: session.id, at: this.now(), cause });
  }

  private play(stream: MediaStream): void {
    const audio = this.audio;
    if (!audio) return;
    if (audio.srcObject !== stream) audio.srcObject = stream;
    audio.play().catch(() => undefined);
  }

  private answerSession(session: SipSession): void {
    session.answer({
      mediaConstraints: { audio: true, video: false },
      pcConfig: this.rtcConfiguration(),
    });
  }

  private dispatch(event: SoftphoneEvent): void {
    const next = softphoneReducer(this.state, event);
    if (next === this.state) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}

function causeOf(event: { originator?: string; cause?: string }): string {
  const cause = event.cause ?? '';
  if (cause === 'Canceled') return 'canceled';
  if (cause === 'Rejected' || cause === 'Busy') return event.originator === 'local' ? 'rejected' : 'busy';
  if (cause === 'Terminated' || cause === 'Bye') return event.originator === 'local' ? 'local_hangup' : 'remote_hangup';
  if (cause === 'No Answer' || cause === 'Expires') return 'no_answer';
  if (cause === 'RTP Timeout' || cause === 'WebRTC Error' || cause === 'Incompatible SDP') return 'media_error';
  if (cause === 'User Denied Media Access') return 'microphone_denied';
  if (cause === 'Connection Error' || cause === 'Request Timeout') return 'connection_error';
  return 'failed';
}

function messageOf(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message : 'failed';
}
