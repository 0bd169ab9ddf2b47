import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EspeakTts, TtsError } from './espeak.tts.js';
import { CachedTts } from './tts.cache.js';
import type { TextToSpeechEngine } from './tts.types.js';

function countingEngine(): TextToSpeechEngine & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: 'counting',
    calls,
    synthesize: async (text, options) => {
      calls.push(text);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { pcm: Buffer.alloc(text.length * 2, 1), sampleRateHz: options.sampleRateHz };
    },
  };
}

describe('EspeakTts without the program', () => {
  it('fails with a TtsError when the binary is missing', async () => {
    const missing = new EspeakTts({ voice: 'pt-br', binary: 'espeak-ng-does-not-exist' });
    await expect(missing.synthesize('oi', { sampleRateHz: 8000 })).rejects.toBeInstanceOf(TtsError);
  });
});

describe('CachedTts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tts-cache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('synthesizes a prompt once per rate and shares concurrent requests', async () => {
    const engine = countingEngine();
    const cache = new CachedTts(engine);
    const [a, b] = await Promise.all([
      cache.synthesize('bom dia', { sampleRateHz: 8000 }),
      cache.synthesize('bom dia', { sampleRateHz: 8000 }),
    ]);
    expect(a).toBe(b);
    await cache.synthesize('bom dia', { sampleRateHz: 8000 });
    await cache.synthesize('bom dia', { sampleRateHz: 16000 });
    expect(engine.calls).toEqual(['bom dia', 'bom dia']);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, entries: 2 });
  });

  it('evicts the least recently used prompt past its byte budget', async () => {
    const engine = countingEngine();
    const cache = new CachedTts(engine, { maxMemoryBytes: 40 });
    await cache.synthesize('aaaaaaaaaa', { sampleRateHz: 8000 }); // 20 bytes
    await cache.synthesize('bbbbbbbbbb', { sampleRateHz: 8000 });
    await cache.synthesize('aaaaaaaaaa', { sampleRateHz: 8000 }); // a is now the newest
    await cache.synthesize('cccccccccc', { sampleRateHz: 8000 }); // evicts b
    await cache.synthesize('aaaaaaaaaa', { sampleRateHz: 8000 });
    await cache.synthesize('bbbbbbbbbb', { sampleRateHz: 8000 });
    expect(engine.calls).toEqual(['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc', 'bbbbbbbbbb']);
    expect(cache.stats().bytes).toBeLessThanOrEqual(40);
  });

  it('keeps prompts on disk across instances', async () => {
    const first = countingEngine();
    await new CachedTts(first, { directory: dir }).synthesize('obrigado', { sampleRateHz: 8000 });
    const second = countingEngine();
    const cache = new CachedTts(second, { directory: dir });
    const speech = await cache.synthesize('obrigado', { sampleRateHz: 8000 });
    expect(second.calls).toEqual([]);
    expect(speech.pcm.length).toBe(16);
    expect(cache.stats().diskHits).toBe(1);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('does not cache a failure', async () => {
    let attempts = 0;
    const cache = new CachedTts({
      name: 'flaky',
      synthesize: async (_text, options) => {
        attempts += 1;
        if (attempts === 1) throw new Error('boom');
        return { pcm: Buffer.alloc(2), sampleRateHz: options.sampleRateHz };
      },
    });
    await expect(cache.synthesize('x', { sampleRateHz: 8000 })).rejects.toThrow('boom');
    await expect(cache.synthesize('x', { sampleRateHz: 8000 })).resolves.toMatchObject({ sampleRateHz: 8000 });
  });
});
