/**
 * espeak-ng as a child process. The text goes in on stdin (never on the command line, so
 * nothing in it is read as an option), the WAV comes out on stdout. Output is bounded in
 * size and time: a runaway process is killed, never waited on forever.
 */
import { spawn } from 'node:child_process';
import { decodeWav } from '../audio/wav.js';
import { resamplePcm16 } from '../audio/resample.js';
import type { SynthesizedSpeech, TextToSpeechEngine } from './tts.types.js';

export interface EspeakOptions {
  voice: string;
  /** Words per minute (espeak's default is 175). */
  wordsPerMinute?: number;
  binary?: string;
  timeoutMs?: number;
  /** About 60 s of 22 050 Hz audio. */
  maxOutputBytes?: number;
}

export class TtsError extends Error {}

const MAX_TEXT_CHARS = 2000;

export class EspeakTts implements TextToSpeechEngine {
  readonly name: string;
  private readonly options: Required<EspeakOptions>;

  constructor(options: EspeakOptions) {
    this.options = {
      wordsPerMinute: 165,
      binary: 'espeak-ng',
      timeoutMs: 10_000,
      maxOutputBytes: 2_700_000,
      ...options,
    };
    this.name = `espeak-ng:${this.options.voice}:${this.options.wordsPerMinute}`;
  }

  async synthesize(text: string, options: { sampleRateHz: number }): Promise<SynthesizedSpeech> {
    const clean = text.replace(/\s+/g, ' ').trim().slice(0, MAX_TEXT_CHARS);
    if (clean === '') return { pcm: Buffer.alloc(0), sampleRateHz: options.sampleRateHz };
    const wav = await this.run(clean);
    const audio = decodeWav(wav);
    return {
      pcm: resamplePcm16(audio.pcm, audio.sampleRateHz, options.sampleRateHz),
      sampleRateHz: options.sampleRateHz,
    };
  }

  private run(text: string): Promise<Buffer> {
    const { binary, voice, wordsPerMinute, timeoutMs, maxOutputBytes } = this.options;
    return new Promise((resolve, reject) => {
      const child = spawn(binary, ['-v', voice, '-s', String(wordsPerMinute), '--stdout', '--stdin'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const chunks: Buffer[] = [];
      let size = 0;
      let stderr = '';
      let failure: Error | undefined;
      const fail = (error: Error): void => {
        failure ??= error;
        child.kill('SIGKILL');
      };
      const timer = setTimeout(() => fail(new TtsError(`espeak-ng took more than ${timeoutMs} ms`)), timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxOutputBytes) fail(new TtsError('espeak-ng output is too long'));
        else chunks.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 2000) stderr += chunk.toString('utf8');
      });
      child.on('error', (error) => fail(new TtsError(`espeak-ng could not start: ${error.message}`)));
      child.on('close', (code) => {
        clearTimeout(timer);
        if (failure) reject(failure);
        else if (code !== 0) reject(new TtsError(`espeak-ng exited with ${code}: ${stderr.trim()}`));
        else resolve(Buffer.concat(chunks));
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(text, 'utf8');
    });
  }
}

/** `TTS_ENGINE=none`: no audio; the flow still writes what the bot said to the transcript. */
export const silentTts: TextToSpeechEngine = {
  name: 'none',
  synthesize: (_text, options) => Promise.resolve({ pcm: Buffer.alloc(0), sampleRateHz: options.sampleRateHz }),
};
