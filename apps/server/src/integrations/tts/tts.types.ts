export interface SynthesizedSpeech {
  /** s16le mono; empty when the engine produces no audio. */
  pcm: Buffer;
  sampleRateHz: number;
}

export interface TextToSpeechEngine {
  /** Identifies voice and settings in cache keys. */
  readonly name: string;
  synthesize(text: string, options: { sampleRateHz: number }): Promise<SynthesizedSpeech>;
}
