/**
 * What voice queues need from outside: a PBX that can also play, hold and record
 * (integrations/asterisk-ari's AriTelephony, matched structurally), speech for prompts
 * (integrations/tts and audio, through the composition root's adapters.ts), presence
 * (busy on a call), the inbox (voicemails) and click-to-call (callbacks). The routing
 * engine is reached through routing's index (QueueEngine, in queue-calls.ts).
 */
import type { Actor } from '../../shared/actor.js';

/** The PBX as voice queues drive it; AriTelephony has every operation. */
export interface QueueTelephony {
  isAvailable(): boolean;
  originate(request: {
    channelId: string;
    endpoint: string;
    callerId: string;
    appArgs: string[];
    timeoutSeconds: number;
    variables?: Record<string, string>;
  }): Promise<void>;
  answer(channelId: string): Promise<void>;
  hangup(channelId: string): Promise<void>;
  bridgeAndRecord(bridgeId: string, channelIds: string[], recordingName: string): Promise<{ isRecording: boolean }>;
  destroyBridge(bridgeId: string): Promise<void>;
  startMusicOnHold(channelId: string): Promise<void>;
  stopMusicOnHold(channelId: string): Promise<void>;
  play(channelId: string, media: readonly string[], playbackId: string): Promise<void>;
  stopPlayback(playbackId: string): Promise<void>;
  recordChannel(
    channelId: string,
    recordingName: string,
    limits: { maxDurationSeconds: number; maxSilenceSeconds: number },
  ): Promise<void>;
}

/** Whether a PBX adapter can carry queue calls (music, prompts, recordings) besides plain calls. */
export function isQueueTelephony(telephony: object): telephony is QueueTelephony {
  const candidate = telephony as Partial<Record<keyof QueueTelephony, unknown>>;
  return ['startMusicOnHold', 'stopMusicOnHold', 'play', 'stopPlayback', 'recordChannel'].every(
    (name) => typeof candidate[name as keyof QueueTelephony] === 'function',
  );
}

export interface AgentPresencePort {
  statusOf(companyId: string, agentId: string): Promise<string>;
  setStatus(companyId: string, agentId: string, status: 'online' | 'busy' | 'away' | 'offline'): Promise<void>;
}

/**
 * The inbox that takes voicemails. `expect` before the recording starts: the call's end
 * then finds its outcome line's conversation shared with the voicemail, in any order.
 */
export interface VoicemailPort {
  expect(call: { companyId: string; callId: string }): Promise<void>;
  receive(voicemail: {
    companyId: string;
    callId: string;
    callerNumber: string;
    recordingName: string;
    audio: Buffer;
    durationSeconds: number | null;
    caption: string;
  }): Promise<{ conversationId: string; messageId: string } | undefined>;
}

export interface CallbackDialer {
  makeCall(actor: Actor, input: { to: string }): Promise<{ id: string; status: string }>;
}

/** Renders a sentence as media Asterisk plays (`sound:http…` or `sound:/a/file`). */
export interface PromptUrls {
  mediaOf(text: string, language: string): Promise<string>;
}

/** A text-to-speech engine: s16le mono, empty when it produces no audio. */
export interface PromptVoice {
  /** Identifies voice and settings (cache keys). */
  readonly name: string;
  synthesize(text: string, options: { sampleRateHz: number }): Promise<{ pcm: Buffer; sampleRateHz: number }>;
}

/** Spoken prompts: a voice by its espeak-ng name, and WAV encoding for Asterisk. */
export interface PromptSpeech {
  voice(name: string): PromptVoice;
  encodeWav(pcm: Buffer, sampleRateHz: number): Buffer;
}
