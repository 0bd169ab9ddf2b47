export {
  AUDIOSOCKET_KIND,
  AUDIO_KIND_SAMPLE_RATE_HZ,
  DEFAULT_MAX_PAYLOAD_BYTES,
  FRAME_DURATION_MS,
  AudiosocketParser,
  AudiosocketProtocolError,
  audioKindForSampleRate,
  encodeAudio,
  encodeDtmf,
  encodeError,
  encodeHangup,
  encodeUuid,
  frameBytesFor,
  isAudioKind,
  type AudioKind,
  type AudiosocketFrame,
  type AudiosocketKind,
  type ProtocolErrorReason,
  type SampleRateHz,
} from './audiosocket.codec.js';
export type { AudiosocketCallResolver, ResolvedAudiosocketCall } from './audiosocket.session.js';
export type {
  AudiosocketEventName,
  AudiosocketEvents,
  AudiosocketListener,
  ConnectionRejectReason,
  SessionEndReason,
} from './audiosocket.events.js';
export type { PlaybackEnd, PlayerStats, PlayResult, RelayResult } from './audiosocket.player.js';
export {
  AUDIOSOCKET_ROLES,
  isAudiosocketRole,
  type AudiosocketRole,
  type AudiosocketSessionSnapshot,
  type AudiosocketSessionState,
  type InboundStats,
  type IntentData,
} from './audiosocket.registry.js';
export {
  AudiosocketServer,
  DEFAULT_AUDIOSOCKET_HOST,
  DEFAULT_AUDIOSOCKET_PORT,
  createAudiosocketServer,
  type AudiosocketServerOptions,
  type StopResult,
} from './audiosocket.server.js';
