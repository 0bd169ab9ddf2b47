/**
 * End-to-end rig for the intercom: a real Switchboard (HTTP, auth, database) for the
 * company data, plus the voice bot built the way main.ts will build it once it passes the
 * AudioSocket server and the resolver to the module: a real AudioSocket server on
 * 127.0.0.1:0 whose `resolveCall` is the module's, and `/api/status` + `/api/hangup` served
 * over that server. Visitors and residents are AudiosocketPeers that behave like Asterisk
 * (UUID first, a 20 ms audio frame every 20 ms, DTMF frames, close on `00 00 00`).
 */
import { Registry } from 'prom-client';
import { loopbackOutbound } from './outbound.js';
import { UnauthorizedError } from '../../src/shared/errors.js';
import { systemClock } from '../../src/shared/clock.js';
import {
  createPromptSpeech,
  createTtsVoices,
  createVoicebotAdapters,
  createWhatsAppPorts,
} from '../../src/adapters.js';
import { PortRegistry } from '../../src/app-module.js';
import { argon2Hasher } from '../../src/modules/auth/index.js';
import { buildApp, type App } from '../../src/http/app.js';
import { createAudiosocketServer, type AudiosocketServer } from '../../src/integrations/audiosocket/index.js';
import {
  createVoicebotInstaller,
  registerVoicebotRoutes,
  type IntercomTimings,
  type ResidentDialer,
  type ResidentDialRequest,
  type SpeechToText,
  type TextToSpeech,
  type ChatModel,
  type VoicebotModule,
} from '../../src/modules/voicebot/index.js';
import {
  AudiosocketPeer,
  createCapturingLogger,
  rawFrame,
  sleep,
  waitUntil,
  type LogLine,
} from './audiosocket-peer.js';
import { startTestServer, type TestServer } from './server.js';

export const INTERCOM_API_KEY = 'intercom-test-key-0123456789abcdef';

/** A prompt is a short tone, so tests hear when the bot talks without waiting seconds. */
export class ToneTts implements TextToSpeech {
  readonly spoken: string[] = [];
  constructor(private readonly msFor: (text: string) => number = () => 80) {}

  synthesize(text: string, options: { sampleRateHz: number }) {
    this.spoken.push(text);
    const samples = Math.round((options.sampleRateHz * this.msFor(text)) / 1000);
    const pcm = Buffer.alloc(samples * 2);
    for (let i = 0; i < samples; i += 1) {
      pcm.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 600 * i) / options.sampleRateHz)), i * 2);
    }
    return Promise.resolve({ pcm, sampleRateHz: options.sampleRateHz });
  }
}

/** A vowel-like burst: what the VAD hears as speech. */
export function voicePcm(ms: number, sampleRateHz = 8000): Buffer {
  const samples = Math.round((sampleRateHz * ms) / 1000);
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i += 1) {
    const t = i / sampleRateHz;
    const v =
      (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t)) *
      (Math.sin(2 * Math.PI * 180 * t) + 0.5 * Math.sin(2 * Math.PI * 360 * t));
    pcm.writeInt16LE(Math.round((v * 8000) / 1.5), i * 2);
  }
  return pcm;
}

function isSilent(payload: Buffer): boolean {
  for (let i = 0; i < payload.length; i += 1) if (payload[i] !== 0) return false;
  return true;
}

/**
 * An Asterisk-like party: after the UUID it sends a 320-byte slin frame every 20 ms on
 * absolute deadlines (quiet line noise, or queued speech), as a channel does.
 */
export class VoicePeer {
  readonly peer: AudiosocketPeer;
  /** When each frame we sent as speech went out (performance.now()). */
  speechSentAt: number[] = [];
  private queue: Buffer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;
  private readonly startAt: number;

  private constructor(peer: AudiosocketPeer, uuid: string) {
    this.peer = peer;
    peer.sendUuid(uuid);
    this.startAt = performance.now();
    this.tick();
    void peer.closed.then(() => clearTimeout(this.timer));
  }

  static async connect(port: number, uuid: string): Promise<VoicePeer> {
    return new VoicePeer(await AudiosocketPeer.connect({ port }), uuid);
  }

  /** Every speech frame queued by `speak`, in order. */
  readonly sentSpeech: Buffer[] = [];

  /** Queues speech: it goes out in 20 ms frames from the next slot. */
  speak(ms: number): void {
    const pcm = voicePcm(ms);
    for (let at = 0; at < pcm.length; at += 320) {
      const frame = Buffer.alloc(320);
      pcm.copy(frame, 0, at, Math.min(pcm.length, at + 320));
      this.queue.push(frame);
      this.sentSpeech.push(frame);
    }
  }

  dtmf(digits: string): void {
    for (const digit of digits) this.peer.sendDtmf(digit);
  }

  /** Frames from the bot that carried sound (not silence). */
  get heardFrames(): number {
    return this.peer.audioFrames.filter((frame) => !isSilent(frame.payload)).length;
  }

  /** Frames with sound received after `since` (a performance.now() instant). */
  heardFramesSince(since: number): number {
    return this.peer.audioFrames.filter((frame) => frame.at > since && !isSilent(frame.payload)).length;
  }

  lastHeardAt(): number | undefined {
    const frames = this.peer.audioFrames.filter((frame) => !isSilent(frame.payload));
    return frames[frames.length - 1]?.at;
  }

  /** Resolves once the bot has said something and then been quiet for `quietMs`. */
  async waitUntilBotQuiet(quietMs = 120, timeoutMs = 20_000): Promise<void> {
    await waitUntil(
      () => {
        const last = this.lastHeardAt();
        return last !== undefined && performance.now() - last >= quietMs;
      },
      timeoutMs,
      'the bot to finish a prompt',
    );
  }

  /** The last frame received was KIND_HANGUP, exactly `00 00 00`, and it came once. */
  get endedWithHangupFrame(): boolean {
    const last = this.peer.received[this.peer.received.length - 1];
    const hangups = this.peer.received.filter((frame) => frame.kind === 0x00);
    const raw = this.peer.rawBytes;
    return (
      last?.kind === 0x00 &&
      last.length === 0 &&
      hangups.length === 1 &&
      raw.subarray(raw.length - 3).equals(Buffer.from([0, 0, 0]))
    );
  }

  close(): Promise<void> {
    clearTimeout(this.timer);
    return this.peer.close();
  }

  private readonly tick = (): void => {
    if (this.peer.isClosed) return;
    const speech = this.queue.shift();
    if (speech) this.speechSentAt.push(performance.now());
    this.peer.send(rawFrame(0x10, speech ?? Buffer.alloc(320)));
    this.sent += 1;
    this.timer = setTimeout(this.tick, Math.max(0, this.startAt + this.sent * 20 - performance.now()));
  };
}

/**
 * A ResidentDialer that behaves as Asterisk would: on `answer` it opens the resident's
 * AudioSocket connection with the UUID it was given, as `Dial(AudioSocket/host:port/uuid)`
 * does when the resident picks up; on `no_answer` it rings forever; on `fail` it refuses.
 */
export class AsteriskLikeDialer implements ResidentDialer {
  mode: 'answer' | 'no_answer' | 'fail' = 'answer';
  /** Per call, over `mode`: e.g. one resident rings out and the next answers. */
  modeFor: ((request: ResidentDialRequest) => 'answer' | 'no_answer' | 'fail') | undefined;
  answerAfterMs = 50;
  readonly requests: ResidentDialRequest[] = [];
  readonly cancels: string[] = [];
  readonly residents: VoicePeer[] = [];
  port = 0;

  async dial(request: ResidentDialRequest) {
    this.requests.push(request);
    const mode = this.modeFor?.(request) ?? this.mode;
    if (mode === 'fail') return { status: 'failed' as const, reason: 'unreachable' as const, detail: 'test' };
    if (mode === 'answer') {
      setTimeout(() => {
        void VoicePeer.connect(this.port, request.audiosocketUuid).then((peer) => this.residents.push(peer));
      }, this.answerAfterMs);
    }
    return { status: 'dialed' as const };
  }

  cancel(request: { callId: string; audiosocketUuid: string }): Promise<void> {
    this.cancels.push(request.audiosocketUuid);
    return Promise.resolve();
  }

  async nextResident(timeoutMs = 20_000): Promise<VoicePeer> {
    const count = this.residents.length;
    await waitUntil(() => this.residents.length > count, timeoutMs, 'the resident to answer');
    return this.residents[this.residents.length - 1] as VoicePeer;
  }
}

export const FAST_TIMINGS: Partial<IntercomTimings> = {
  listenTimeoutMs: 1500,
  interDigitTimeoutMs: 600,
  silenceRetries: 0,
  playbackMarginMs: 1500,
  ringTimeoutMs: 1500,
  dialTimeoutMs: 1000,
  hangupGraceMs: 1000,
  wrapUpTimeoutMs: 8000,
  vadHangoverMs: 300,
  sttTimeoutMs: 2000,
  understandingTimeoutMs: 2000,
};

export interface IntercomHarness {
  api: TestServer;
  audiosocket: AudiosocketServer;
  module: VoicebotModule;
  dialer: AsteriskLikeDialer;
  tts: ToneTts;
  logs: LogLine[];
  /** Serves /api/status and /api/hangup over this AudioSocket server. */
  mediaApiUrl: string;
  adminToken: string;
  connectVisitor(uuid: string): Promise<VoicePeer>;
  /** The call id the bot gave the visitor whose AudioSocket UUID is `uuid`. */
  callIdOf(uuid: string, timeoutMs?: number): Promise<string>;
  /** Resolves when the bot has started saying `text` (a transcript line). */
  botSays(text: string, timeoutMs?: number): Promise<void>;
  /** The stored call once it has ended. */
  endedCall(callId: string, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

export async function startIntercomHarness(
  options: {
    stt?: SpeechToText;
    chat?: ChatModel;
    timings?: Partial<IntercomTimings>;
    tts?: ToneTts;
  } = {},
): Promise<IntercomHarness> {
  const api = await startTestServer({ VOICEBOT_API_KEY: INTERCOM_API_KEY, LOGIN_MAX_ATTEMPTS_PER_IP: '100000' });
  const { logger, lines } = createCapturingLogger(process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'info');
  const dialer = new AsteriskLikeDialer();
  const tts = options.tts ?? new ToneTts();
  const installed: { module?: VoicebotModule } = {};
  const audiosocket = createAudiosocketServer({
    logger,
    host: '127.0.0.1',
    port: 0,
    hangupGraceMs: 500,
    resolveCall: (uuid) => {
      if (!installed.module) throw new Error('voice bot not installed');
      return installed.module.resolveAudiosocketCall(uuid);
    },
  });
  const module = createVoicebotInstaller({
    residentDialer: dialer,
    tts,
    stt: options.stt ?? null,
    chat: options.chat ?? null,
    timings: { ...FAST_TIMINGS, ...options.timings },
  })({
    config: api.config,
    db: api.server.database.db,
    clock: systemClock,
    logger,
    publisher: api.server.bus,
    subscribe: (listener) => api.server.bus.subscribe(listener),
    subscribeOwn: (listener) => api.server.bus.subscribeOwn(listener),
    ports: new PortRegistry(),
    clickToCall: { makeCall: () => Promise.reject(new Error('not in these tests')) },
    hasher: argon2Hasher,
    promptSpeech: createPromptSpeech(createTtsVoices(api.config, logger)),
    outbound: loopbackOutbound(),
    whatsapp: createWhatsAppPorts(api.config, loopbackOutbound(), logger),
    metrics: new Registry(),
    voicebot: createVoicebotAdapters({
      config: api.config,
      outbound: loopbackOutbound(),
      voices: createTtsVoices(api.config, logger),
      audiosocket,
      residentDialer: undefined,
    }),
  });
  const { port } = await audiosocket.listen();
  dialer.port = port;
  const authenticator = {
    authenticate: () => Promise.reject(new UnauthorizedError('auth.invalid_token', 'Use the API key here.')),
  };
  const mediaApp: App = await buildApp({
    logger,
    authenticator,
    bodyLimitBytes: 1024 * 1024,
    trustProxy: false,
    corsOrigins: [],
    readiness: [],
    version: 'test',
    routes: (app) =>
      registerVoicebotRoutes(app, {
        sessions: {
          listSessions: () => audiosocket.listSessions(),
          hangup: (callId, role) => audiosocket.hangup(callId, role),
        },
        authenticator,
        apiKey: INTERCOM_API_KEY,
        logger,
      }),
  });
  const mediaApiUrl = await mediaApp.listen({ port: 0, host: '127.0.0.1' });
  const peers: VoicePeer[] = [];
  const adminToken = await api.adminToken();
  installed.module = module;
  return {
    api,
    audiosocket,
    module,
    dialer,
    tts,
    logs: lines,
    mediaApiUrl,
    adminToken,
    async connectVisitor(uuid) {
      const peer = await VoicePeer.connect(port, uuid);
      peers.push(peer);
      return peer;
    },
    async callIdOf(uuid, timeoutMs = 15_000) {
      let callId: string | undefined;
      await waitUntil(
        () => {
          callId = audiosocket.listSessions().find((s) => s.audiosocketUuid === uuid && s.role === 'visitor')?.callId;
          return callId !== undefined;
        },
        timeoutMs,
        'the visitor session',
      );
      return callId as string;
    },
    async botSays(text, timeoutMs = 20_000) {
      await waitUntil(
        () => lines.some((line) => line.msg === 'intercom transcript' && line.who === 'bot' && line.text === text),
        timeoutMs,
        `the bot to say "${text}"`,
      );
    },
    async endedCall(callId, timeoutMs = 10_000) {
      let call: any;
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        const response = await api.request('GET', `/api/voicebot/calls/${callId}`, { token: adminToken });
        if (response.status === 200 && response.body.status === 'completed') {
          call = response.body;
          break;
        }
        await sleep(50);
      }
      if (!call) throw new Error(`call ${callId} did not end within ${timeoutMs} ms`);
      return call;
    },
    async close() {
      for (const peer of [...peers, ...dialer.residents]) peer.peer.destroy();
      await module.stop?.();
      await audiosocket.close();
      await mediaApp.close();
      await api.close();
    },
  };
}
