/**
 * WAV (RIFF, PCM 16-bit) reading and writing. espeak-ng writes its header before it knows
 * the length, so with `--stdout` the RIFF and data sizes are placeholders (0x7ffff000):
 * the data chunk is taken as "the rest of the file" when its size runs past the end.
 */
export interface PcmAudio {
  /** s16le mono. */
  pcm: Buffer;
  sampleRateHz: number;
}

export class WavFormatError extends Error {}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

export function decodeWav(wav: Buffer): PcmAudio {
  if (wav.length < 12 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavFormatError('not a RIFF/WAVE file');
  }
  let offset = 12;
  let format: { channels: number; sampleRateHz: number; bitsPerSample: number } | undefined;
  // A WAV has a handful of chunks; the bound keeps a corrupt file from looping long.
  for (let chunks = 0; offset + 8 <= wav.length && chunks < 64; chunks += 1) {
    const id = wav.toString('ascii', offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > wav.length) throw new WavFormatError('short fmt chunk');
      const audioFormat = wav.readUInt16LE(body);
      if (audioFormat !== WAVE_FORMAT_PCM && audioFormat !== WAVE_FORMAT_EXTENSIBLE) {
        throw new WavFormatError(`unsupported WAV format ${audioFormat}`);
      }
      format = {
        channels: wav.readUInt16LE(body + 2),
        sampleRateHz: wav.readUInt32LE(body + 4),
        bitsPerSample: wav.readUInt16LE(body + 14),
      };
      if (format.bitsPerSample !== 16) throw new WavFormatError(`unsupported ${format.bitsPerSample}-bit WAV`);
      if (format.channels < 1 || format.sampleRateHz < 1) throw new WavFormatError('bad WAV format fields');
    } else if (id === 'data') {
      if (!format) throw new WavFormatError('data chunk before fmt chunk');
      const end = Math.min(wav.length, body + size);
      const frameBytes = 2 * format.channels;
      const usable = end - body - ((end - body) % frameBytes);
      const interleaved = wav.subarray(body, body + usable);
      return { pcm: downmix(interleaved, format.channels), sampleRateHz: format.sampleRateHz };
    }
    offset = body + size + (size % 2);
  }
  throw new WavFormatError('no data chunk');
}

function downmix(interleaved: Buffer, channels: number): Buffer {
  if (channels === 1) return Buffer.from(interleaved);
  const frames = interleaved.length / (2 * channels);
  const mono = Buffer.alloc(frames * 2);
  for (let frame = 0; frame < frames; frame += 1) {
    let sum = 0;
    for (let channel = 0; channel < channels; channel += 1) {
      sum += interleaved.readInt16LE((frame * channels + channel) * 2);
    }
    mono.writeInt16LE(Math.round(sum / channels), frame * 2);
  }
  return mono;
}

export function encodeWav(pcm: Buffer, sampleRateHz: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRateHz, 24);
  header.writeUInt32LE(sampleRateHz * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

/** Duration of s16le mono PCM. */
export function pcmDurationMs(pcm: Buffer, sampleRateHz: number): number {
  return (pcm.length / 2 / sampleRateHz) * 1000;
}
