/**
 * A connection that became a session: our call id and role bound to one AudioSocket
 * connection, with its outbound player. This is what the registry holds.
 */
import type { Clock } from '../../shared/clock.js';
import { AUDIO_KIND_SAMPLE_RATE_HZ, type AudioKind } from './audiosocket.codec.js';
import type { ConnectionRejectReason, SessionEndReason } from './audiosocket.events.js';
import type { OutboundAudioPlayer } from './audiosocket.player.js';
import type {
  AudiosocketRole,
  AudiosocketSessionSnapshot,
  AudiosocketSessionState,
  InboundStats,
  IntentData,
  RegisteredSession,
} from './audiosocket.registry.js';

export interface ResolvedAudiosocketCall {
  callId: string;
  role: AudiosocketRole;
  intentData?: IntentData;
}

/** Maps the UUID Asterisk sends to our call; throwing or rejecting closes the connection. */
export type AudiosocketCallResolver = (
  audiosocketUuid: string,
) => ResolvedAudiosocketCall | Promise<ResolvedAudiosocketCall>;

export type CloseReason = SessionEndReason | ConnectionRejectReason;

/** What a session needs from the connection under it. */
export interface SessionConnection {
  readonly remoteAddress: string | undefined;
  readonly inbound: InboundStats;
  readonly kind: AudioKind;
  readonly lastActivityMono: number;
  terminate(reason: CloseReason, options?: { sendHangupFrame?: boolean }): boolean;
}

export class LiveSession implements RegisteredSession {
  readonly callId: string;
  readonly role: AudiosocketRole;
  readonly audiosocketUuid: string;
  readonly startedAt: Date;
  readonly remoteAddress: string | undefined;
  readonly player: OutboundAudioPlayer;
  readonly connection: SessionConnection;
  private readonly startedAtMono: number;
  state: AudiosocketSessionState = 'active';
  intentData: IntentData;

  constructor(
    connection: SessionConnection,
    call: Required<ResolvedAudiosocketCall> & { audiosocketUuid: string },
    player: OutboundAudioPlayer,
    clock: Clock,
    startedAtMono: number,
  ) {
    this.connection = connection;
    this.callId = call.callId;
    this.role = call.role;
    this.audiosocketUuid = call.audiosocketUuid;
    this.intentData = call.intentData;
    this.remoteAddress = connection.remoteAddress;
    this.player = player;
    this.startedAt = clock.now();
    this.startedAtMono = startedAtMono;
  }

  get kind(): AudioKind {
    return this.connection.kind;
  }

  snapshot(): AudiosocketSessionSnapshot {
    const sinceStart = Math.max(0, this.connection.lastActivityMono - this.startedAtMono);
    return {
      callId: this.callId,
      role: this.role,
      audiosocketUuid: this.audiosocketUuid,
      state: this.state,
      startedAt: this.startedAt,
      lastActivityAt: new Date(this.startedAt.getTime() + sinceStart),
      sampleRateHz: AUDIO_KIND_SAMPLE_RATE_HZ[this.kind],
      remoteAddress: this.remoteAddress,
      inbound: { ...this.connection.inbound },
      outbound: this.player.snapshot(),
      intentData: { ...this.intentData },
    };
  }
}
