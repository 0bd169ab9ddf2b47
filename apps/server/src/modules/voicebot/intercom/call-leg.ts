/**
 * One party of an intercom call (the visitor or the resident) as the bot's tasks see it:
 * its AudioSocket session, a voice-activity detector cutting its audio into utterances,
 * and a queue of what it said or typed. Media events come in through `onMedia*`; tasks
 * consume input and wait for changes, never touching the media server directly.
 */
import type { Logger } from '../../../shared/logger.js';
import type {
  MediaGateway,
  MediaPlayResult,
  MediaRole,
  SpeechDetector,
  SpeechDetectorEvent,
  SpeechDetectorFactory,
} from '../voicebot.ports.js';
import type { IntercomTimings } from './timings.js';

export type LegInput =
  { type: 'dtmf'; digit: string } | { type: 'utterance'; pcm: Buffer; sampleRateHz: number; durationMs: number };

export type LegState = 'pending' | 'up' | 'ended';

/** At most this many inputs wait unread; older ones are dropped. */
const MAX_QUEUED_INPUTS = 32;

export class CallLeg {
  readonly role: MediaRole;
  readonly callId: string;
  state: LegState = 'pending';
  sampleRateHz = 8000;
  endReason: string | undefined;
  /** We sent the KIND_HANGUP (a `hangup_sent` end that is not ours came from the API). */
  isHangupOurs = false;
  private readonly media: MediaGateway;
  private readonly timings: IntercomTimings;
  private readonly log: Logger;
  private readonly detectSpeech: SpeechDetectorFactory;
  private vad: SpeechDetector | undefined;
  private inputs: LegInput[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly bargeInListeners = new Set<(cause: 'speech' | 'dtmf') => void>();
  private readonly frameListeners = new Set<() => void>();
  private readonly audioListeners = new Set<(pcm: Buffer, sampleRateHz: number) => void>();
  /** performance.now() of the last inbound audio frame. */
  private lastAudioAt = 0;
  private audioGapTimer: NodeJS.Timeout | undefined;

  constructor(
    role: MediaRole,
    callId: string,
    deps: { media: MediaGateway; detectSpeech: SpeechDetectorFactory; timings: IntercomTimings; log: Logger },
  ) {
    this.role = role;
    this.callId = callId;
    this.media = deps.media;
    this.detectSpeech = deps.detectSpeech;
    this.timings = deps.timings;
    this.log = deps.log.child({ role });
  }

  get isUp(): boolean {
    return this.state === 'up';
  }

  get isEnded(): boolean {
    return this.state === 'ended';
  }

  get isSpeaking(): boolean {
    return this.vad?.isSpeaking ?? false;
  }

  // ── media events ──────────────────────────────────────────────────────────

  onStarted(sampleRateHz: number): void {
    if (this.state !== 'pending') return;
    this.state = 'up';
    this.sampleRateHz = sampleRateHz;
    this.notify();
  }

  onAudio(pcm: Buffer, sampleRateHz: number): void {
    if (this.state !== 'up') return;
    if (!this.vad || this.vad.sampleRateHz !== sampleRateHz) {
      this.sampleRateHz = sampleRateHz;
      this.vad = this.detectSpeech({
        sampleRateHz,
        hangoverMs: this.timings.vadHangoverMs,
        minUtteranceMs: this.timings.vadMinUtteranceMs,
        maxUtteranceMs: this.timings.maxUtteranceMs,
      });
    }
    this.lastAudioAt = performance.now();
    this.vad.push(pcm, this.onVad);
    if (this.vad.isSpeaking && !this.audioGapTimer) this.watchAudioGap(this.timings.vadHangoverMs);
    for (const listener of this.frameListeners) listener();
    for (const listener of this.audioListeners) listener(pcm, sampleRateHz);
  }

  onDtmf(digit: string): void {
    if (this.state !== 'up') return;
    this.log.debug({ digit }, 'dtmf received');
    this.enqueue({ type: 'dtmf', digit });
    for (const listener of this.bargeInListeners) listener('dtmf');
  }

  onEnded(reason: string): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    clearTimeout(this.audioGapTimer);
    this.audioGapTimer = undefined;
    this.endReason = reason;
    this.notify();
  }

  private readonly onVad = (event: SpeechDetectorEvent): void => {
    switch (event.type) {
      case 'speech_started':
        for (const listener of this.bargeInListeners) listener('speech');
        this.notify();
        return;
      case 'utterance':
        this.enqueue({
          type: 'utterance',
          pcm: event.pcm,
          sampleRateHz: event.sampleRateHz,
          durationMs: event.durationMs,
        });
        return;
      case 'speech_discarded':
        this.notify();
        return;
    }
  };

  /**
   * Listening is timed by the clock, not by frames: a phone or gateway with silence
   * suppression stops sending audio when its user stops talking, even mid-word, and no
   * silent frame ever comes to end the utterance. No audio for as long as the VAD's
   * hangover ends it, as that much silence would. One timer per utterance, re-armed for
   * what is left rather than on every frame.
   */
  private watchAudioGap(delayMs: number): void {
    this.audioGapTimer = setTimeout(() => {
      this.audioGapTimer = undefined;
      if (this.state !== 'up' || !this.vad?.isSpeaking) return;
      const quietMs = performance.now() - this.lastAudioAt;
      if (quietMs < this.timings.vadHangoverMs) {
        this.watchAudioGap(this.timings.vadHangoverMs - quietMs);
        return;
      }
      this.log.debug({ quietMs: Math.round(quietMs) }, 'no audio mid-utterance; ending the utterance');
      this.vad.endSpeech(this.onVad);
    }, delayMs);
    this.audioGapTimer.unref();
  }

  private enqueue(input: LegInput): void {
    this.inputs.push(input);
    if (this.inputs.length > MAX_QUEUED_INPUTS) this.inputs.shift();
    this.notify();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  // ── what tasks use ────────────────────────────────────────────────────────

  get hasInput(): boolean {
    return this.inputs.length > 0;
  }

  takeInput(): LegInput | undefined {
    return this.inputs.shift();
  }

  /** Forgets unread input and speech in progress: a new question starts clean. */
  clearInput(): void {
    this.inputs = [];
    this.vad?.reset();
  }

  /** Resolves on the next input, state change or VAD event, or when the time is up. */
  waitForChange(signal: AbortSignal, timeoutMs: number): Promise<'changed' | 'timeout' | 'aborted'> {
    if (signal.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      const done = (result: 'changed' | 'timeout' | 'aborted') => {
        clearTimeout(timer);
        this.waiters.delete(onChange);
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const onChange = () => done('changed');
      const onAbort = () => done('aborted');
      const timer = setTimeout(() => done('timeout'), Math.max(0, timeoutMs));
      this.waiters.add(onChange);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Caller speech starting or a digit: what interrupts the bot. */
  onBargeIn(listener: (cause: 'speech' | 'dtmf') => void): () => void {
    this.bargeInListeners.add(listener);
    return () => this.bargeInListeners.delete(listener);
  }

  /** Called on every inbound audio frame (about every 20 ms while the leg is up). */
  onFrame(listener: () => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  /** Every inbound audio frame (talk-through); `pcm` is valid only during the call: copy to keep. */
  onAudioFrame(listener: (pcm: Buffer, sampleRateHz: number) => void): () => void {
    this.audioListeners.add(listener);
    return () => this.audioListeners.delete(listener);
  }

  /** Live audio from the other leg: forwarded as it arrives, not paced. */
  relay(pcm: Buffer, sampleRateHz: number): void {
    if (this.state === 'up') this.media.relay(this.callId, this.role, pcm, sampleRateHz);
  }

  play(pcm: Buffer, sampleRateHz: number): MediaPlayResult {
    if (this.state !== 'up') return { status: 'failed', reason: 'leg_not_up' };
    return this.media.play(this.callId, this.role, pcm, sampleRateHz);
  }

  stop(): void {
    if (this.state === 'up') this.media.stop(this.callId, this.role);
  }

  /** KIND_HANGUP. */
  hangup(): 'sent' | 'not_found' {
    if (this.state !== 'up') return 'not_found';
    this.isHangupOurs = true;
    return this.media.hangup(this.callId, this.role);
  }

  updateIntentData(patch: Record<string, unknown>): void {
    if (this.state === 'up') this.media.updateIntentData(this.callId, this.role, patch);
  }
}
