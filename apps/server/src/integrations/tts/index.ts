export { EspeakTts, TtsError, silentTts, type EspeakOptions } from './espeak.tts.js';
export { CachedTts, type TtsCacheOptions, type TtsCacheStats } from './tts.cache.js';
export type { SynthesizedSpeech, TextToSpeechEngine } from './tts.types.js';
