export { VoiceActivityDetector, levelDbfs, VAD_FRAME_MS, type VadEvent, type VadOptions } from './vad.js';
export {
  OpenAiStt,
  endpointUrl,
  upstreamMessage,
  type OpenAiSttOptions,
  type TranscribeOptions,
} from './openai.stt.js';
