import { describe, expect, it } from 'vitest';
import { CHIME, RING, samplesOf, wavBytes } from './alert-sounds';

describe('alert sounds', () => {
  it('makes a valid 8 kHz 16-bit mono WAV whose length matches the notes', () => {
    const samples = samplesOf(CHIME);
    expect(samples.length).toBe(Math.round((140 * 8_000) / 1000) + Math.round((320 * 8_000) / 1000));
    const bytes = wavBytes(samples);
    const view = new DataView(bytes.buffer);
    const text = (at: number) => String.fromCharCode(...bytes.slice(at, at + 4));
    expect([text(0), text(8), text(12), text(36)]).toEqual(['RIFF', 'WAVE', 'fmt ', 'data']);
    expect(view.getUint32(24, true)).toBe(8_000);
    expect(view.getUint16(34, true)).toBe(16);
    expect(view.getUint32(40, true)).toBe(samples.length * 2);
    expect(bytes.length).toBe(44 + samples.length * 2);
  });

  it('is audible but never clips, and starts and ends silent (no click)', () => {
    for (const notes of [CHIME, RING]) {
      const samples = samplesOf(notes);
      const peak = Math.max(...Array.from(samples, Math.abs));
      expect(peak).toBeGreaterThan(5_000);
      expect(peak).toBeLessThan(32_767);
      expect(samples[0]).toBe(0);
      expect(Math.abs(samples[samples.length - 1]!)).toBeLessThan(1_000);
    }
  });
});
