/**
 * What the AudioSocket server reports. Integrations report by events and return values and
 * never call services: the voice bot subscribes to these.
 */
import type { Logger } from '../../shared/logger.js';
import type { AudioKind, SampleRateHz } from './audiosocket.codec.js';
import type { AudiosocketRole, AudiosocketSessionSnapshot } from './audiosocket.registry.js';

/**
 * Why a session ended.
 * - `peer_closed`: Asterisk closed the socket. This is how EVERY Asterisk-side hangup looks:
 *   Asterisk never sends 0x00, it closes (capture as08), and the AudioSocket() application
 *   closes after 2 s without media either way (as07).
 * - `peer_hangup`, `peer_error`: the peer sent 0x00 or 0xff; Asterisk 22.10.1 sends neither.
 * - `socket_error`: a reset or other socket error (as04: Asterisk resets the connection
 *   after rejecting a frame it did not expect).
 * - `hangup_sent`: ours, by `hangup()`.
 * - `protocol_error`: the peer sent a frame the codec rejects, or a second UUID.
 * - `write_stalled`: the peer stopped reading for longer than `writeStallTimeoutMs`.
 * - `server_closing`: `close()`.
 */
export type SessionEndReason =
  | 'peer_closed'
  | 'peer_hangup'
  | 'peer_error'
  | 'socket_error'
  | 'hangup_sent'
  | 'protocol_error'
  | 'write_stalled'
  | 'server_closing';

const SESSION_END_REASONS = new Set<string>([
  'peer_closed',
  'peer_hangup',
  'peer_error',
  'socket_error',
  'hangup_sent',
  'protocol_error',
  'write_stalled',
  'server_closing',
] satisfies SessionEndReason[]);

export function isSessionEndReason(reason: string): reason is SessionEndReason {
  return SESSION_END_REASONS.has(reason);
}

/** Why a connection closed before it became a session. */
export type ConnectionRejectReason =
  | 'uuid_timeout'
  | 'expected_uuid_first'
  | 'protocol_error'
  | 'resolver_rejected'
  | 'resolver_timeout'
  | 'duplicate_session'
  | 'peer_closed'
  | 'peer_hangup'
  | 'peer_error'
  | 'socket_error'
  | 'server_closing'
  /** From an address AUDIOSOCKET_ALLOWED_PEERS does not name. */
  | 'peer_not_allowed';

export interface SessionRef {
  callId: string;
  role: AudiosocketRole;
  audiosocketUuid: string;
}

export interface AudiosocketEvents {
  sessionStarted: AudiosocketSessionSnapshot;
  /**
   * `pcm` is s16le mono at `sampleRateHz`. It is a view of the shared read buffer and valid
   * only during the listener call: copy what you keep (audiosocket.reads.ts).
   */
  audioReceived: SessionRef & { kind: AudioKind; sampleRateHz: SampleRateHz; pcm: Buffer };
  /** One per digit, when the digit ends (Asterisk does not forward DTMF_BEGIN). */
  dtmfReceived: SessionRef & { digit: string };
  sessionEnded: SessionRef & { reason: SessionEndReason; session: AudiosocketSessionSnapshot };
  connectionRejected: {
    reason: ConnectionRejectReason;
    audiosocketUuid: string | undefined;
    remoteAddress: string | undefined;
  };
}

export type AudiosocketEventName = keyof AudiosocketEvents;
export type AudiosocketListener<E extends AudiosocketEventName> = (payload: AudiosocketEvents[E]) => void;

/**
 * A listener that throws is logged and skipped: a bug in a subscriber must not cut the
 * parse loop of the connection that produced the event.
 */
export class AudiosocketEmitter {
  private readonly listeners: { [E in AudiosocketEventName]: Set<AudiosocketListener<E>> } = {
    sessionStarted: new Set(),
    audioReceived: new Set(),
    dtmfReceived: new Set(),
    sessionEnded: new Set(),
    connectionRejected: new Set(),
  };
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  on<E extends AudiosocketEventName>(event: E, listener: AudiosocketListener<E>): () => void {
    const set = this.listeners[event] as Set<AudiosocketListener<E>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<E extends AudiosocketEventName>(event: E, payload: AudiosocketEvents[E]): void {
    for (const listener of this.listeners[event] as Set<AudiosocketListener<E>>) {
      try {
        listener(payload);
      } catch (err) {
        this.logger.error({ err, event }, 'audiosocket listener failed');
      }
    }
  }
}
