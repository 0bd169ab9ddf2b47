/**
 * Sample-rate conversion of 16-bit mono PCM with a windowed-sinc (band-limited
 * interpolation) filter: each output sample is the input convolved with a sinc low-pass,
 * tapered by a Blackman window, evaluated at the output instant. The cut-off is a little
 * under the lower of the two Nyquist frequencies, so a 22 050 Hz prompt taken down to
 * 8 kHz loses what a telephone channel cannot carry instead of folding it back as alias.
 *
 * Quality is what telephony needs (about 60 dB stop band with 16 zero crossings), and the
 * cost is small: prompts are converted once and cached.
 */
const ZERO_CROSSINGS = 16;
/** Fraction of the lower Nyquist frequency kept. */
const PASSBAND = 0.92;
/** Filter table resolution: taps are looked up, not computed per sample. */
const TABLE_STEPS_PER_CROSSING = 512;

let filterTable: Float64Array | undefined;

/** Windowed sinc on [0, ZERO_CROSSINGS], sampled TABLE_STEPS_PER_CROSSING times per unit. */
function table(): Float64Array {
  if (filterTable) return filterTable;
  const size = ZERO_CROSSINGS * TABLE_STEPS_PER_CROSSING + 2;
  const values = new Float64Array(size);
  for (let i = 0; i < size; i += 1) {
    const x = i / TABLE_STEPS_PER_CROSSING;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    // Blackman window over [-ZERO_CROSSINGS, ZERO_CROSSINGS], evaluated at x (symmetric).
    const phase = Math.PI * (x / ZERO_CROSSINGS + 1);
    const window = x >= ZERO_CROSSINGS ? 0 : 0.42 - 0.5 * Math.cos(phase) + 0.08 * Math.cos(2 * phase);
    values[i] = sinc * window;
  }
  filterTable = values;
  return values;
}

function kernel(values: Float64Array, x: number): number {
  const position = Math.abs(x) * TABLE_STEPS_PER_CROSSING;
  const index = Math.floor(position);
  if (index >= values.length - 1) return 0;
  const fraction = position - index;
  return (values[index] as number) * (1 - fraction) + (values[index + 1] as number) * fraction;
}

export function resamplePcm16(pcm: Buffer, fromHz: number, toHz: number): Buffer {
  if (!Number.isFinite(fromHz) || !Number.isFinite(toHz) || fromHz <= 0 || toHz <= 0) {
    throw new RangeError(`bad sample rates ${fromHz} -> ${toHz}`);
  }
  const inputSamples = Math.floor(pcm.length / 2);
  if (fromHz === toHz) return Buffer.from(pcm.subarray(0, inputSamples * 2));
  const input = new Float64Array(inputSamples);
  for (let i = 0; i < inputSamples; i += 1) input[i] = pcm.readInt16LE(i * 2);
  const ratio = toHz / fromHz;
  // Cut-off relative to the input rate: below the output's Nyquist when downsampling.
  const cutoff = Math.min(1, ratio) * PASSBAND;
  const halfWidth = ZERO_CROSSINGS / cutoff;
  const outputSamples = Math.floor(inputSamples * ratio);
  const output = Buffer.alloc(outputSamples * 2);
  const values = table();
  for (let n = 0; n < outputSamples; n += 1) {
    const t = n / ratio;
    const first = Math.max(0, Math.ceil(t - halfWidth));
    const last = Math.min(inputSamples - 1, Math.floor(t + halfWidth));
    let sum = 0;
    for (let k = first; k <= last; k += 1) sum += (input[k] as number) * kernel(values, (t - k) * cutoff);
    const sample = Math.round(sum * cutoff);
    output.writeInt16LE(sample > 32767 ? 32767 : sample < -32768 ? -32768 : sample, n * 2);
  }
  return output;
}
