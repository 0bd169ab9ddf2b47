export { registerVoicebotRoutes } from './voicebot.routes.js';
export {
  createVoicebotInstaller,
  installVoicebot,
  isVoicebotModule,
  unconfiguredResidentDialer,
  type VoicebotModule,
  type VoicebotModuleOptions,
} from './voicebot.module.js';
export { DEFAULT_TIMINGS, type IntercomTimings } from './intercom/timings.js';
export type {
  MediaSessions,
  MediaSessionView,
  MediaRole,
  MediaGateway,
  ResidentDialer,
  ResidentDialRequest,
  ResidentDialResult,
  ResidentDialFailure,
  ResolvedMediaCall,
  TextToSpeech,
  SpeechToText,
  ChatModel,
  GateOpener,
  GateOpenRequest,
  GateOpenResult,
  MediaEvent,
  MediaPlayResult,
  SpeechDetector,
  SpeechDetectorEvent,
  SpeechDetectorFactory,
  VoicebotAdapters,
} from './voicebot.ports.js';
export type { ResidentTarget, IntercomOutcome, IntercomEndReason } from './voicebot.js';
