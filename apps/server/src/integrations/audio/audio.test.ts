import { describe, expect, it } from 'vitest';
import { resamplePcm16 } from './resample.js';
import { decodeWav, encodeWav, pcmDurationMs, WavFormatError } from './wav.js';

function sine(frequencyHz: number, sampleRateHz: number, ms: number, amplitude = 10_000): Buffer {
  const samples = Math.round((sampleRateHz * ms) / 1000);
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i += 1) {
    pcm.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRateHz)), i * 2);
  }
  return pcm;
}

/** RMS of the middle of the signal, away from the filter's edge effects. */
function middleRms(pcm: Buffer): number {
  const samples = pcm.length / 2;
  let sum = 0;
  let count = 0;
  for (let i = Math.floor(samples * 0.25); i < Math.floor(samples * 0.75); i += 1) {
    const v = pcm.readInt16LE(i * 2);
    sum += v * v;
    count += 1;
  }
  return Math.sqrt(sum / count);
}

/** Power of one frequency (Goertzel) over the middle half, normalised per sample. */
function toneLevel(pcm: Buffer, frequencyHz: number, sampleRateHz: number): number {
  const samples = pcm.length / 2;
  const from = Math.floor(samples * 0.25);
  const to = Math.floor(samples * 0.75);
  const coefficient = 2 * Math.cos((2 * Math.PI * frequencyHz) / sampleRateHz);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < to; i += 1) {
    const s0 = pcm.readInt16LE(i * 2) + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return Math.sqrt(s1 * s1 + s2 * s2 - coefficient * s1 * s2) / (to - from);
}

describe('resamplePcm16', () => {
  it('keeps a 1 kHz tone at its frequency and level from 22 050 Hz to 8 kHz', () => {
    const out = resamplePcm16(sine(1000, 22050, 500), 22050, 8000);
    expect(out.length / 2).toBe(Math.floor((22050 * 0.5 * 8000) / 22050));
    expect(middleRms(out)).toBeGreaterThan(10_000 * Math.SQRT1_2 * 0.95);
    expect(middleRms(out)).toBeLessThan(10_000 * Math.SQRT1_2 * 1.05);
    expect(toneLevel(out, 1000, 8000)).toBeGreaterThan(50 * toneLevel(out, 1500, 8000));
  });

  it('removes what 8 kHz cannot carry instead of aliasing it', () => {
    // 6 kHz would fold to 2 kHz at 8 kHz without the low-pass.
    const out = resamplePcm16(sine(6000, 22050, 500), 22050, 8000);
    expect(middleRms(out)).toBeLessThan(10_000 * 0.01);
  });

  it('upsamples 8 kHz to 16 kHz keeping the tone', () => {
    const out = resamplePcm16(sine(440, 8000, 400), 8000, 16000);
    expect(out.length).toBe(sine(440, 8000, 400).length * 2);
    expect(middleRms(out)).toBeGreaterThan(10_000 * Math.SQRT1_2 * 0.95);
    expect(toneLevel(out, 440, 16000)).toBeGreaterThan(50 * toneLevel(out, 3000, 16000));
  });

  it('copies when the rates are equal and rejects bad rates', () => {
    const pcm = sine(300, 8000, 20);
    const out = resamplePcm16(pcm, 8000, 8000);
    expect(out.equals(pcm)).toBe(true);
    expect(out).not.toBe(pcm);
    expect(() => resamplePcm16(pcm, 0, 8000)).toThrow(RangeError);
  });

  it('never overflows on a full-scale square wave', () => {
    const pcm = Buffer.alloc(2000);
    for (let i = 0; i < 1000; i += 1) pcm.writeInt16LE(i % 20 < 10 ? 32767 : -32768, i * 2);
    expect(() => resamplePcm16(pcm, 22050, 8000)).not.toThrow();
  });
});

describe('WAV', () => {
  it('round-trips PCM through encodeWav and decodeWav', () => {
    const pcm = sine(500, 16000, 100);
    const decoded = decodeWav(encodeWav(pcm, 16000));
    expect(decoded.sampleRateHz).toBe(16000);
    expect(decoded.pcm.equals(pcm)).toBe(true);
    expect(pcmDurationMs(decoded.pcm, 16000)).toBe(100);
  });

  it('reads a streamed WAV whose sizes are placeholders, as espeak-ng --stdout writes it', () => {
    const wav = encodeWav(sine(500, 22050, 50), 22050);
    wav.writeUInt32LE(0x7ffff024, 4);
    wav.writeUInt32LE(0x7ffff000, 40);
    expect(decodeWav(wav).pcm.length).toBe(wav.length - 44);
  });

  it('downmixes stereo and skips unknown chunks', () => {
    const stereo = Buffer.alloc(8);
    stereo.writeInt16LE(100, 0);
    stereo.writeInt16LE(300, 2);
    stereo.writeInt16LE(-100, 4);
    stereo.writeInt16LE(-300, 6);
    const wav = encodeWav(stereo, 8000);
    wav.writeUInt16LE(2, 22);
    const list = Buffer.from('LIST\u0004\u0000\u0000\u0000abcd', 'latin1');
    const withList = Buffer.concat([wav.subarray(0, 36), list, wav.subarray(36)]);
    const decoded = decodeWav(withList);
    expect([decoded.pcm.readInt16LE(0), decoded.pcm.readInt16LE(2)]).toEqual([200, -200]);
  });

  it('rejects what is not 16-bit PCM WAV', () => {
    expect(() => decodeWav(Buffer.from('hello world, not a wav'))).toThrow(WavFormatError);
    const wav = encodeWav(Buffer.alloc(4), 8000);
    wav.writeUInt16LE(8, 34);
    expect(() => decodeWav(wav)).toThrow(/8-bit/);
  });
});
