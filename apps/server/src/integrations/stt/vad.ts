/**
 * Energy-based voice-activity detection on s16le mono PCM, in 20 ms analysis frames
 * (AudioSocket frames are not always 20 ms: the end of a played file gave 44 bytes in the
 * captures, so input is re-framed here).
 *
 * A frame is voiced when its level (dBFS) is above both an absolute floor and the tracked
 * noise floor plus a margin. Speech starts after `startFrames` voiced frames in a row
 * (60 ms by default: quick enough for barge-in within 100 ms, slow enough to ignore a
 * click) and ends after `hangoverMs` without voice. The noise floor follows the quiet
 * frames: down at once, up slowly, so a steady background hum stops counting as speech.
 */
export interface VadOptions {
  sampleRateHz: number;
  /** Frames quieter than this are never speech. */
  minSpeechDbfs?: number;
  /** How far above the noise floor a voiced frame is. */
  marginDb?: number;
  startFrames?: number;
  hangoverMs?: number;
  /** Shorter bursts (a cough, a door) are dropped. */
  minUtteranceMs?: number;
  /** Longer speech is cut into an utterance here. */
  maxUtteranceMs?: number;
  /** Audio kept from before the start, so the first syllable is not lost. */
  preRollMs?: number;
  /** The first frames only teach the noise floor (a line that starts with a hum). */
  calibrationMs?: number;
}

export type VadEvent =
  | { type: 'speech_started'; atMs: number }
  | { type: 'utterance'; pcm: Buffer; sampleRateHz: number; startedAtMs: number; durationMs: number }
  | { type: 'speech_discarded'; durationMs: number };

export const VAD_FRAME_MS = 20;
const SILENCE_DBFS = -96;

export function levelDbfs(pcm: Buffer, offset = 0, length = pcm.length - offset): number {
  const samples = Math.floor(length / 2);
  if (samples === 0) return SILENCE_DBFS;
  let sum = 0;
  for (let i = 0; i < samples; i += 1) {
    const v = pcm.readInt16LE(offset + i * 2);
    sum += v * v;
  }
  const rms = Math.sqrt(sum / samples);
  return rms < 1 ? SILENCE_DBFS : 20 * Math.log10(rms / 32768);
}

export class VoiceActivityDetector {
  readonly sampleRateHz: number;
  private readonly settings: Required<Omit<VadOptions, 'sampleRateHz'>>;
  private readonly frameBytes: number;
  private readonly frame: Buffer;
  private filled = 0;
  private elapsedMs = 0;
  private noiseFloorDbfs = -60;
  private voicedRun = 0;
  private unvoicedMs = 0;
  private speaking = false;
  private speechStartedAtMs = 0;
  private preRoll: Buffer[] = [];
  private speech: Buffer[] = [];
  private speechMs = 0;
  private voicedMs = 0;

  constructor(options: VadOptions) {
    this.sampleRateHz = options.sampleRateHz;
    this.settings = {
      minSpeechDbfs: options.minSpeechDbfs ?? -45,
      marginDb: options.marginDb ?? 12,
      startFrames: options.startFrames ?? 3,
      hangoverMs: options.hangoverMs ?? 600,
      minUtteranceMs: options.minUtteranceMs ?? 200,
      maxUtteranceMs: options.maxUtteranceMs ?? 10_000,
      preRollMs: options.preRollMs ?? 200,
      calibrationMs: options.calibrationMs ?? 200,
    };
    this.frameBytes = Math.round((options.sampleRateHz * VAD_FRAME_MS) / 1000) * 2;
    this.frame = Buffer.alloc(this.frameBytes);
  }

  get isSpeaking(): boolean {
    return this.speaking;
  }

  get noiseFloor(): number {
    return this.noiseFloorDbfs;
  }

  /** Feeds audio; events are reported synchronously, in order. */
  push(pcm: Buffer, onEvent: (event: VadEvent) => void): void {
    let at = 0;
    while (at < pcm.length) {
      const count = Math.min(this.frameBytes - this.filled, pcm.length - at);
      pcm.copy(this.frame, this.filled, at, at + count);
      this.filled += count;
      at += count;
      if (this.filled === this.frameBytes) {
        this.filled = 0;
        this.analyse(onEvent);
      }
    }
  }

  /**
   * Ends the speech in progress as if silence had come: the line sent no more audio (a
   * phone with silence suppression sends no frames while its user is quiet). Reports the
   * utterance, or its discarding when it was too short, as the hangover would.
   */
  endSpeech(onEvent: (event: VadEvent) => void): void {
    this.filled = 0;
    if (this.speaking) this.finish(onEvent);
  }

  /** Forgets any speech in progress (a new question is being asked). */
  reset(): void {
    this.speaking = false;
    this.voicedRun = 0;
    this.unvoicedMs = 0;
    this.speech = [];
    this.speechMs = 0;
    this.voicedMs = 0;
    this.preRoll = [];
  }

  private analyse(onEvent: (event: VadEvent) => void): void {
    const level = levelDbfs(this.frame);
    const copy = Buffer.from(this.frame);
    const isVoiced = level >= this.settings.minSpeechDbfs && level >= this.noiseFloorDbfs + this.settings.marginDb;
    this.elapsedMs += VAD_FRAME_MS;
    if (this.elapsedMs <= this.settings.calibrationMs) {
      this.noiseFloorDbfs = this.elapsedMs === VAD_FRAME_MS ? level : (this.noiseFloorDbfs + level) / 2;
      return;
    }
    if (!this.speaking) {
      if (!isVoiced) this.trackNoise(level);
      this.preRoll.push(copy);
      const keep = Math.ceil(this.settings.preRollMs / VAD_FRAME_MS) + this.settings.startFrames;
      if (this.preRoll.length > keep) this.preRoll.shift();
      this.voicedRun = isVoiced ? this.voicedRun + 1 : 0;
      if (this.voicedRun >= this.settings.startFrames) {
        this.speaking = true;
        this.unvoicedMs = 0;
        this.speech = this.preRoll;
        this.speechMs = this.preRoll.length * VAD_FRAME_MS;
        this.voicedMs = this.voicedRun * VAD_FRAME_MS;
        this.preRoll = [];
        this.speechStartedAtMs = this.elapsedMs - this.voicedRun * VAD_FRAME_MS;
        onEvent({ type: 'speech_started', atMs: this.speechStartedAtMs });
      }
      return;
    }
    this.speech.push(copy);
    this.speechMs += VAD_FRAME_MS;
    if (isVoiced) this.voicedMs += VAD_FRAME_MS;
    this.unvoicedMs = isVoiced ? 0 : this.unvoicedMs + VAD_FRAME_MS;
    if (this.unvoicedMs >= this.settings.hangoverMs || this.speechMs >= this.settings.maxUtteranceMs) {
      this.finish(onEvent);
    }
  }

  private finish(onEvent: (event: VadEvent) => void): void {
    // The trailing hangover is silence: drop most of it, keep a short tail.
    const tailFrames = Math.max(0, Math.floor((this.unvoicedMs - 100) / VAD_FRAME_MS));
    const frames = this.speech.slice(0, this.speech.length - tailFrames);
    const durationMs = frames.length * VAD_FRAME_MS;
    const voicedMs = this.voicedMs;
    this.speaking = false;
    this.voicedRun = 0;
    this.unvoicedMs = 0;
    this.speech = [];
    this.speechMs = 0;
    this.voicedMs = 0;
    if (voicedMs < this.settings.minUtteranceMs) {
      onEvent({ type: 'speech_discarded', durationMs });
      return;
    }
    onEvent({
      type: 'utterance',
      pcm: Buffer.concat(frames),
      sampleRateHz: this.sampleRateHz,
      startedAtMs: this.speechStartedAtMs,
      durationMs,
    });
  }

  private trackNoise(level: number): void {
    const rate = level < this.noiseFloorDbfs ? 0.5 : 0.02;
    this.noiseFloorDbfs = Math.max(SILENCE_DBFS, this.noiseFloorDbfs + (level - this.noiseFloorDbfs) * rate);
  }
}
