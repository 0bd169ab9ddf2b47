/**
 * The alert sounds as small WAV files made here (no asset to ship or fetch): a rising
 * two-note chime for chats, the Brazilian ring tone (425 Hz, 1 s) for calls. They play
 * in an <audio> element, which a page may start after the agent's first click.
 */
const RATE = 8_000;

interface Note {
  frequencies: readonly number[];
  ms: number;
  /** Fades out over the note (a bell); otherwise steady (a ring). */
  isDecaying: boolean;
}

export const CHIME: readonly Note[] = [
  { frequencies: [880], ms: 140, isDecaying: true },
  { frequencies: [1318.5], ms: 320, isDecaying: true },
];

export const RING: readonly Note[] = [{ frequencies: [425], ms: 1_000, isDecaying: false }];

/** 16-bit mono PCM samples of the notes, one after the other. */
export function samplesOf(notes: readonly Note[]): Int16Array {
  const total = notes.reduce((sum, note) => sum + Math.round((note.ms * RATE) / 1000), 0);
  const samples = new Int16Array(total);
  let offset = 0;
  for (const note of notes) {
    const count = Math.round((note.ms * RATE) / 1000);
    for (let i = 0; i < count; i += 1) {
      const t = i / RATE;
      const envelope = note.isDecaying ? Math.exp((-4 * i) / count) : 1;
      // A few ms of fade at both ends keep the speaker from clicking.
      const edge = Math.min(1, i / 40, (count - i) / 40);
      const wave =
        note.frequencies.reduce((sum, f) => sum + Math.sin(2 * Math.PI * f * t), 0) / note.frequencies.length;
      samples[offset + i] = Math.round(wave * envelope * edge * 0.35 * 32767);
    }
    offset += count;
  }
  return samples;
}

/** A RIFF/WAVE file of the samples (16-bit mono PCM). */
export function wavBytes(samples: Int16Array): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(bytes.buffer);
  const text = (at: number, value: string) => {
    for (let i = 0; i < value.length; i += 1) view.setUint8(at + i, value.charCodeAt(i));
  };
  text(0, 'RIFF');
  view.setUint32(4, 36 + samples.length * 2, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, RATE, true);
  view.setUint32(28, RATE * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, samples.length * 2, true);
  samples.forEach((sample, i) => view.setInt16(44 + i * 2, sample, true));
  return bytes;
}

/** An object URL for an <audio> element (the console's CSP allows `blob:` media, not `data:`). */
export function soundUrl(notes: readonly Note[]): string {
  return URL.createObjectURL(new Blob([wavBytes(samplesOf(notes))], { type: 'audio/wav' }));
}
