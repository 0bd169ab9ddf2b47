import type { CallLeg } from '../call-leg.js';
import type { SpeechToText } from '../../voicebot.ports.js';
import type { IntercomTimings } from '../timings.js';
import { Task, withTimeout, type Killed, type TaskContext } from './task.js';

/**
 * `dtmf`: digits only. `speech`: an utterance, transcribed. `speech_or_dtmf`: whichever
 * comes first. `record`: the utterance's audio itself (no recognizer: the visitor's name is
 * played back to the resident, as a real intercom would).
 */
export type ListenMode = 'dtmf' | 'speech' | 'speech_or_dtmf' | 'record';

export type ListenResult =
  | { status: 'dtmf'; digits: string }
  | { status: 'speech'; text: string }
  | { status: 'recording'; pcm: Buffer; sampleRateHz: number; durationMs: number }
  /** Speech that could not be made into text (empty, or the recognizer failed). */
  | { status: 'unintelligible' }
  | { status: 'no_input' }
  | { status: 'leg_ended' };

export interface ListenOptions {
  mode: ListenMode;
  timeoutMs: number;
  maxDigits: number;
  /** Ends digit entry early; never part of the digits. */
  terminator?: string;
  /** Vocabulary for the recognizer. */
  sttPrompt?: string;
  maxRecordingMs?: number;
}

export interface ListenDeps {
  stt: SpeechToText | undefined;
  timings: IntercomTimings;
}

/** Inputs read per listen: far more than a person types or says to one question. */
const MAX_INPUTS = 200;

/** listen: waits for the leg's answer with its own silence timeout. */
export class ListenTask extends Task<ListenResult> {
  readonly name = 'listen';

  constructor(
    private readonly leg: CallLeg,
    private readonly options: ListenOptions,
    private readonly deps: ListenDeps,
  ) {
    super();
  }

  protected async run(context: TaskContext): Promise<ListenResult | Killed> {
    const { leg, options } = this;
    const { timings } = this.deps;
    const acceptsDigits = options.mode === 'dtmf' || options.mode === 'speech_or_dtmf';
    const acceptsSpeech = (options.mode === 'speech' || options.mode === 'speech_or_dtmf') && this.deps.stt;
    let digits = '';
    let deadline = performance.now() + options.timeoutMs;
    const doneWithDigits = (): ListenResult => {
      context.transcript({ who: leg.role, leg: leg.role, kind: 'dtmf', text: digits });
      return { status: 'dtmf', digits };
    };
    for (let read = 0; read < MAX_INPUTS;) {
      const input = leg.takeInput();
      if (input) {
        read += 1;
        if (input.type === 'dtmf') {
          if (!acceptsDigits) continue;
          if (input.digit === options.terminator) {
            if (digits !== '') return doneWithDigits();
            continue;
          }
          digits += input.digit;
          if (digits.length >= options.maxDigits) return doneWithDigits();
          deadline = performance.now() + timings.interDigitTimeoutMs;
          continue;
        }
        if (digits !== '') continue;
        if (options.mode === 'record') return this.recording(input.pcm, input.sampleRateHz, context);
        if (!acceptsSpeech) continue;
        return this.transcribe(input.pcm, input.sampleRateHz, context);
      }
      if (leg.isEnded) return digits !== '' ? doneWithDigits() : { status: 'leg_ended' };
      const remaining = deadline - performance.now();
      if (remaining <= 0 && !leg.isSpeaking) return digits !== '' ? doneWithDigits() : { status: 'no_input' };
      // While the caller is speaking the silence timeout waits: the VAD ends the utterance.
      const wait = leg.isSpeaking ? timings.maxUtteranceMs : remaining;
      if ((await leg.waitForChange(context.signal, wait)) === 'aborted') return { status: 'killed' };
    }
    return { status: 'no_input' };
  }

  private recording(pcm: Buffer, sampleRateHz: number, context: TaskContext): ListenResult {
    const maxBytes = Math.round(((this.options.maxRecordingMs ?? pcm.length) * sampleRateHz) / 1000) * 2;
    const kept = pcm.length > maxBytes ? pcm.subarray(0, maxBytes) : pcm;
    const durationMs = Math.round((kept.length / 2 / sampleRateHz) * 1000);
    context.transcript({
      who: this.leg.role,
      leg: this.leg.role,
      kind: 'recording',
      text: `(nome gravado, ${(durationMs / 1000).toFixed(1)} s)`,
    });
    return { status: 'recording', pcm: kept, sampleRateHz, durationMs };
  }

  private async transcribe(pcm: Buffer, sampleRateHz: number, context: TaskContext): Promise<ListenResult> {
    const stt = this.deps.stt;
    if (!stt) return { status: 'unintelligible' };
    try {
      const { text } = await withTimeout(
        stt.transcribe(pcm, sampleRateHz, {
          language: 'pt',
          signal: context.signal,
          ...(this.options.sttPrompt ? { prompt: this.options.sttPrompt } : {}),
        }),
        this.deps.timings.sttTimeoutMs,
        context.signal,
      );
      if (text === '') return { status: 'unintelligible' };
      context.transcript({ who: this.leg.role, leg: this.leg.role, kind: 'speech', text });
      return { status: 'speech', text };
    } catch (err) {
      if (context.signal.aborted) throw err;
      context.log.warn({ err }, 'speech recognition failed; treating the utterance as not understood');
      return { status: 'unintelligible' };
    }
  }
}
