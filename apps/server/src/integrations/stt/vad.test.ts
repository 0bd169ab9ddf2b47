import { describe, expect, it } from 'vitest';
import { levelDbfs, VoiceActivityDetector, type VadEvent } from './vad.js';

const RATE = 8000;

/** Deterministic noise (LCG) so every run sees the same signal. */
function noise(ms: number, amplitude: number, seed = 7): Buffer {
  const samples = (RATE * ms) / 1000;
  const pcm = Buffer.alloc(samples * 2);
  let state = seed;
  for (let i = 0; i < samples; i += 1) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    pcm.writeInt16LE(Math.round(((state / 0x7fffffff) * 2 - 1) * amplitude), i * 2);
  }
  return pcm;
}

/** A vowel-like burst: two harmonics, amplitude-modulated at a syllable rate. */
function voice(ms: number, amplitude = 8000): Buffer {
  const samples = (RATE * ms) / 1000;
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i += 1) {
    const t = i / RATE;
    const envelope = 0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t);
    const v = envelope * (Math.sin(2 * Math.PI * 180 * t) + 0.5 * Math.sin(2 * Math.PI * 360 * t));
    pcm.writeInt16LE(Math.round((v * amplitude) / 1.5), i * 2);
  }
  return pcm;
}

function run(vad: VoiceActivityDetector, pcm: Buffer, chunkBytes = 320): VadEvent[] {
  const events: VadEvent[] = [];
  for (let at = 0; at < pcm.length; at += chunkBytes)
    vad.push(pcm.subarray(at, at + chunkBytes), (e) => events.push(e));
  return events;
}

describe('VoiceActivityDetector', () => {
  it('cuts one utterance out of speech between quiet stretches', () => {
    const vad = new VoiceActivityDetector({ sampleRateHz: RATE, hangoverMs: 400 });
    const events = run(vad, Buffer.concat([noise(1000, 60), voice(800), noise(1000, 60)]));
    expect(events.map((e) => e.type)).toEqual(['speech_started', 'utterance']);
    const started = events[0] as Extract<VadEvent, { type: 'speech_started' }>;
    expect(started.atMs).toBeGreaterThanOrEqual(1000);
    expect(started.atMs).toBeLessThanOrEqual(1060);
    const utterance = events[1] as Extract<VadEvent, { type: 'utterance' }>;
    // The voice plus the pre-roll and a short tail, not the whole hangover.
    expect(utterance.durationMs).toBeGreaterThanOrEqual(800);
    expect(utterance.durationMs).toBeLessThanOrEqual(1200);
    expect(utterance.pcm.length).toBe((utterance.durationMs / 1000) * RATE * 2);
  });

  it('reports speech within 60 ms of its start, which barge-in relies on', () => {
    const vad = new VoiceActivityDetector({ sampleRateHz: RATE });
    const events: { event: VadEvent; afterMs: number }[] = [];
    const signal = Buffer.concat([noise(500, 60), voice(300)]);
    for (let at = 0, ms = 0; at < signal.length; at += 320, ms += 20) {
      vad.push(signal.subarray(at, at + 320), (event) => events.push({ event, afterMs: ms + 20 - 500 }));
    }
    const started = events.find((e) => e.event.type === 'speech_started');
    expect(started?.afterMs).toBeLessThanOrEqual(60);
  });

  it('ignores digital silence and a line that hums from the start', () => {
    expect(run(new VoiceActivityDetector({ sampleRateHz: RATE }), Buffer.alloc(32000))).toEqual([]);
    const vad = new VoiceActivityDetector({ sampleRateHz: RATE });
    expect(run(vad, noise(3000, 400))).toEqual([]);
    expect(vad.noiseFloor).toBeGreaterThan(-50);
    // Speech over the hum is still heard.
    expect(run(vad, Buffer.concat([voice(600), noise(1000, 400)])).map((e) => e.type)).toEqual([
      'speech_started',
      'utterance',
    ]);
  });

  it('drops a click shorter than the minimum utterance', () => {
    const vad = new VoiceActivityDetector({ sampleRateHz: RATE, minUtteranceMs: 200, hangoverMs: 300 });
    const events = run(vad, Buffer.concat([noise(500, 60), voice(100), noise(1000, 60)]));
    expect(events.map((e) => e.type)).toEqual(['speech_started', 'speech_discarded']);
  });

  it('cuts speech that goes on past the maximum', () => {
    const vad = new VoiceActivityDetector({ sampleRateHz: RATE, maxUtteranceMs: 1000 });
    const events = run(vad, Buffer.concat([noise(200, 60), voice(2500)]));
    const utterances = events.filter((e) => e.type === 'utterance');
    expect(utterances.length).toBe(2);
    for (const u of utterances) expect(u.durationMs).toBeLessThanOrEqual(1000);
  });

  it('re-frames input that does not come in 20 ms pieces', () => {
    const signal = Buffer.concat([noise(600, 60), voice(700), noise(1000, 60)]);
    const whole = run(new VoiceActivityDetector({ sampleRateHz: RATE }), signal, 320);
    const odd = run(new VoiceActivityDetector({ sampleRateHz: RATE }), signal, 44);
    expect(odd.map((e) => e.type)).toEqual(whole.map((e) => e.type));
    expect((odd[1] as { pcm: Buffer }).pcm.equals((whole[1] as { pcm: Buffer }).pcm)).toBe(true);
  });

  it('works at 16 kHz', () => {
    const vad = new VoiceActivityDetector({ sampleRateHz: 16000 });
    const upsampled = (pcm: Buffer) => {
      const out = Buffer.alloc(pcm.length * 2);
      for (let i = 0; i < pcm.length / 2; i += 1) {
        out.writeInt16LE(pcm.readInt16LE(i * 2), i * 4);
        out.writeInt16LE(pcm.readInt16LE(i * 2), i * 4 + 2);
      }
      return out;
    };
    const events = run(vad, upsampled(Buffer.concat([noise(500, 60), voice(600), noise(1000, 60)])), 640);
    expect(events.map((e) => e.type)).toEqual(['speech_started', 'utterance']);
  });

  it('measures levels in dBFS', () => {
    expect(levelDbfs(Buffer.alloc(320))).toBe(-96);
    const full = Buffer.alloc(320);
    for (let i = 0; i < 160; i += 1) full.writeInt16LE(i % 2 ? 32767 : -32767, i * 2);
    expect(levelDbfs(full)).toBeGreaterThan(-0.01);
  });
});
