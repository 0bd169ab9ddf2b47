export { decodeWav, encodeWav, pcmDurationMs, WavFormatError, type PcmAudio } from './wav.js';
export { resamplePcm16 } from './resample.js';
