import type { CallLeg } from '../call-leg.js';
import type { TextToSpeech } from '../../voicebot.ports.js';
import type { IntercomTimings } from '../timings.js';
import { Task, TaskTimeout, withTimeout, type Killed, type TaskContext } from './task.js';

/** Text to synthesize, or recorded audio (the visitor's name) with a label for the transcript. */
export type Utterance = { text: string } | { label: string; pcm: Buffer; sampleRateHz: number };

export type SayResult =
  | { status: 'played' }
  | { status: 'barged_in'; cause: 'speech' | 'dtmf' }
  | { status: 'leg_ended' }
  | { status: 'timeout' };

export interface SayDeps {
  tts: TextToSpeech;
  timings: IntercomTimings;
}

/**
 * say: plays a prompt and resolves when its last frame was sent. With barge-in, caller
 * speech starting or a digit stops the audio at once (the VAD reports speech 60 ms in,
 * the next 20 ms frame is silence), well within 100 ms.
 */
export class SayTask extends Task<SayResult> {
  readonly name = 'say';

  constructor(
    private readonly leg: CallLeg,
    private readonly what: Utterance,
    private readonly deps: SayDeps,
    private readonly options: { bargeIn: boolean },
  ) {
    super();
  }

  protected async run({ signal, transcript, log }: TaskContext): Promise<SayResult | Killed> {
    const leg = this.leg;
    if (!leg.isUp) return { status: 'leg_ended' };
    const isRecording = 'pcm' in this.what;
    transcript({
      who: 'bot',
      leg: leg.role,
      kind: isRecording ? 'recording' : 'speech',
      text: 'pcm' in this.what ? this.what.label : this.what.text,
    });
    let audio: { pcm: Buffer; sampleRateHz: number };
    if ('pcm' in this.what) {
      audio = this.what;
    } else {
      audio = await withTimeout(
        this.deps.tts.synthesize(this.what.text, { sampleRateHz: leg.sampleRateHz }),
        this.deps.timings.ttsTimeoutMs,
        signal,
      );
    }
    if (audio.pcm.length === 0) return { status: 'played' };
    let bargeIn: 'speech' | 'dtmf' | undefined;
    const stopListening = this.options.bargeIn
      ? leg.onBargeIn((cause) => {
          if (bargeIn) return;
          bargeIn = cause;
          leg.stop();
          log.debug({ cause }, 'barge-in: prompt stopped');
        })
      : () => undefined;
    try {
      const played = leg.play(audio.pcm, audio.sampleRateHz);
      if (played.status === 'failed') {
        if (!leg.isUp) return { status: 'leg_ended' };
        throw new Error(`the prompt could not be queued: ${played.reason}`);
      }
      const lengthMs = (audio.pcm.length / 2 / audio.sampleRateHz) * 1000;
      const end = await withTimeout(played.finished, lengthMs + this.deps.timings.playbackMarginMs, signal);
      if (end === 'played') return { status: 'played' };
      if (end === 'session_ended') return { status: 'leg_ended' };
      if (bargeIn) return { status: 'barged_in', cause: bargeIn };
      return { status: 'killed' };
    } catch (err) {
      leg.stop();
      if (err instanceof TaskTimeout) return { status: 'timeout' };
      throw err;
    } finally {
      stopListening();
    }
  }
}
