/**
 * Speech from Debian's espeak-ng, the voice bot's offline text-to-speech. Skipped (and
 * named in the summary of `npm test`) where espeak-ng is not installed, except in CI.
 */
import { describe, expect, it } from 'vitest';
import { EspeakTts } from '../../src/integrations/tts/index.js';
import { skipWithoutProgram } from '../support/programs.js';

const skipWithoutEspeak = skipWithoutProgram({
  suite: 'voice-bot speech',
  program: 'espeak-ng',
  debianPackage: 'espeak-ng',
});

describe.skipIf(skipWithoutEspeak)('EspeakTts (Debian espeak-ng)', () => {
  const tts = new EspeakTts({ voice: 'pt-br' });

  it('speaks Brazilian Portuguese at the session rate', async () => {
    const speech = await tts.synthesize('Olá! Por favor, diga o número do apartamento.', { sampleRateHz: 8000 });
    expect(speech.sampleRateHz).toBe(8000);
    const seconds = speech.pcm.length / 2 / 8000;
    expect(seconds).toBeGreaterThan(1);
    expect(seconds).toBeLessThan(10);
    let peak = 0;
    for (let i = 0; i < speech.pcm.length; i += 2) peak = Math.max(peak, Math.abs(speech.pcm.readInt16LE(i)));
    expect(peak).toBeGreaterThan(1000);
  });

  it('gives twice the samples at 16 kHz', async () => {
    const text = 'Acesso autorizado.';
    const narrow = await tts.synthesize(text, { sampleRateHz: 8000 });
    const wide = await tts.synthesize(text, { sampleRateHz: 16000 });
    expect(Math.abs(wide.pcm.length - 2 * narrow.pcm.length)).toBeLessThanOrEqual(4);
  });

  it('reads text that looks like an option as text', async () => {
    const speech = await tts.synthesize('--help -w /tmp/x', { sampleRateHz: 8000 });
    expect(speech.pcm.length).toBeGreaterThan(0);
  });
});
