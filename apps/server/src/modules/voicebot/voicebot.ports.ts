/**
 * What the voice bot needs from outside: media sessions (the AudioSocket server), a way
 * to ring a resident (the PBX), speech engines, a voice-activity detector, a language
 * model and the gate. integrations/ implements them; the composition root builds them
 * from configuration (adapters.ts) and hands them over as `VoicebotAdapters`.
 */
import type { ResidentTarget } from './voicebot.js';

export type MediaRole = 'visitor' | 'resident';

export interface MediaSessionView {
  callId: string;
  role: MediaRole;
  state: string;
  startedAt: Date;
  lastActivityAt: Date;
  sampleRateHz: number;
  inbound: { frames: number; bytes: number };
  outbound: { frames: number; bytes: number };
  intentData: Record<string, unknown>;
}

/** The operations endpoints' view (GET /api/status, POST /api/hangup). */
export interface MediaSessions {
  listSessions(): MediaSessionView[];
  hangup(callId: string, role: MediaRole): 'sent' | 'not_found';
  /**
   * With several nodes (REDIS_URL): every live node's sessions, each where its connection
   * landed behind the TCP load balancer (ADR 23). Absent: this node's only.
   */
  listEverywhere?(): Promise<MediaSessionView[]>;
  /** Hangs the session up on whichever node holds it. */
  hangupEverywhere?(callId: string, role: MediaRole): Promise<'sent' | 'not_found'>;
}

export type PlaybackEnd = 'played' | 'stopped' | 'session_ended';

export type MediaPlayResult =
  { status: 'queued'; finished: Promise<PlaybackEnd> } | { status: 'failed'; reason: string };

export type MediaEvent =
  | { type: 'started'; callId: string; role: MediaRole; audiosocketUuid: string; sampleRateHz: number }
  | { type: 'audio'; callId: string; role: MediaRole; pcm: Buffer; sampleRateHz: number }
  | { type: 'dtmf'; callId: string; role: MediaRole; digit: string }
  /** `reason` is the media server's (`hangup_sent`, `peer_closed` …). */
  | { type: 'ended'; callId: string; role: MediaRole; reason: string };

/** Live audio sessions the bot talks through (the AudioSocket server). */
export interface MediaGateway {
  play(callId: string, role: MediaRole, pcm: Buffer, sampleRateHz: number): MediaPlayResult;
  /**
   * Live audio from the other leg (talk-through): written as it arrives, not paced, with a
   * bounded latency. `pcm` is not kept.
   */
  relay(callId: string, role: MediaRole, pcm: Buffer, sampleRateHz: number): 'sent' | 'queued' | 'failed';
  /** Barge-in: drop what is queued; silence follows within one 20 ms frame. */
  stop(callId: string, role: MediaRole): void;
  /** KIND_HANGUP (`00 00 00`) and close. */
  hangup(callId: string, role: MediaRole): 'sent' | 'not_found';
  updateIntentData(callId: string, role: MediaRole, patch: Record<string, unknown>): void;
  subscribe(listener: (event: MediaEvent) => void): () => void;
}

/** What the voice bot's AudioSocket resolver answers (the server's ResolvedAudiosocketCall). */
export interface ResolvedMediaCall {
  callId: string;
  role: MediaRole;
  intentData: Record<string, unknown>;
}

export interface ResidentDialRequest {
  /** Our intercom call id: both legs share it (GET /api/status shows two sessions). */
  callId: string;
  companyId: string;
  residentId: string;
  residentName: string;
  residentTarget: ResidentTarget;
  /**
   * The UUID the resident's AudioSocket connection must send as its first frame, e.g.
   * `Dial(AudioSocket/<host:port>/<audiosocketUuid>/c(slin16))` on the answered channel, or
   * ARI externalMedia with `data=<audiosocketUuid>` bridged to it.
   */
  audiosocketUuid: string;
  ringTimeoutSeconds: number;
}

export type ResidentDialFailure = 'busy' | 'unreachable' | 'rejected' | 'not_configured' | 'error';

export type ResidentDialResult =
  { status: 'dialed' } | { status: 'failed'; reason: ResidentDialFailure; detail?: string };

/**
 * Rings a resident (implemented over the PBX). The contract:
 * - `dial` resolves `dialed` as soon as the PBX accepted the call (originated, ringing); it
 *   does not wait for the answer. A refusal resolves `failed`; it rejects only on a bug
 *   (the bot treats a rejection as `error`).
 * - When the resident answers, the PBX connects the answered channel to our AudioSocket
 *   server with `audiosocketUuid` as the UUID. That session is the resident's leg: the
 *   bot's resolver recognises the UUID and gives it the call's id and role `resident`.
 * - No answer within `ringTimeoutSeconds`: the PBX gives up. The bot also stops waiting at
 *   its own timeout and calls `cancel`.
 * - `cancel` hangs up the resident's channel if it is still ringing or up. Idempotent;
 *   it never throws for a call it does not know.
 */
export interface ResidentDialer {
  dial(request: ResidentDialRequest): Promise<ResidentDialResult>;
  cancel(request: { callId: string; audiosocketUuid: string }): Promise<void>;
}

export interface TextToSpeech {
  synthesize(text: string, options: { sampleRateHz: number }): Promise<{ pcm: Buffer; sampleRateHz: number }>;
}

export interface SpeechToText {
  transcribe(
    pcm: Buffer,
    sampleRateHz: number,
    options?: { language?: string; prompt?: string; signal?: AbortSignal },
  ): Promise<{ text: string }>;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** An OpenAI-compatible chat model. */
export interface ChatModel {
  complete(
    messages: ChatMessage[],
    options?: { isJson?: boolean; maxTokens?: number; signal?: AbortSignal },
  ): Promise<string>;
}

export interface GateOpenRequest {
  url: string;
  secret: string;
  payload: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface GateOpenResult {
  status: 'delivered' | 'failed';
  attempts: number;
  httpStatus: number | null;
  error: string | null;
}

/** Opens the gate (the company's signed webhook). Never rejects: failures are results. */
export interface GateOpener {
  open(request: GateOpenRequest): Promise<GateOpenResult>;
}

export type SpeechDetectorEvent =
  | { type: 'speech_started'; atMs: number }
  | { type: 'utterance'; pcm: Buffer; sampleRateHz: number; startedAtMs: number; durationMs: number }
  | { type: 'speech_discarded'; durationMs: number };

/** Cuts one leg's audio into utterances (a voice-activity detector). */
export interface SpeechDetector {
  readonly sampleRateHz: number;
  readonly isSpeaking: boolean;
  push(pcm: Buffer, onEvent: (event: SpeechDetectorEvent) => void): void;
  /** The audio stopped coming: what was being said is an utterance now. */
  endSpeech(onEvent: (event: SpeechDetectorEvent) => void): void;
  reset(): void;
}

export type SpeechDetectorFactory = (options: {
  sampleRateHz: number;
  hangoverMs: number;
  minUtteranceMs: number;
  maxUtteranceMs: number;
}) => SpeechDetector;

/** Everything the bot reaches outside, as the composition root built it from configuration. */
export interface VoicebotAdapters {
  /** Undefined when AUDIOSOCKET_ENABLED=false: the intercom takes no calls. */
  media?: MediaGateway;
  /** The operations view of the media sessions (none when the server is off). */
  sessions: MediaSessions;
  tts: TextToSpeech;
  /** Undefined without STT_URL: DTMF and the rule-based parser only. */
  stt?: SpeechToText;
  /** Undefined without LLM_URL: the rule-based parser. */
  chat?: ChatModel;
  gate: GateOpener;
  detectSpeech: SpeechDetectorFactory;
  /** Undefined without a PBX: the bot apologises that it cannot call. */
  residentDialer?: ResidentDialer;
}
