/**
 * Live AudioSocket sessions, keyed by our call id and the party's role: in the intercom a
 * call id can have two legs, the visitor's and the resident's, each its own connection.
 */
import type { AudioKind, SampleRateHz } from './audiosocket.codec.js';
import type { PlayerStats } from './audiosocket.player.js';

export const AUDIOSOCKET_ROLES = ['visitor', 'resident'] as const;
export type AudiosocketRole = (typeof AUDIOSOCKET_ROLES)[number];

export function isAudiosocketRole(value: unknown): value is AudiosocketRole {
  return typeof value === 'string' && (AUDIOSOCKET_ROLES as readonly string[]).includes(value);
}

/**
 * `hanging_up`: our KIND_HANGUP is sent and we wait for the peer to close.
 * `closing`: ending for another reason (peer closed, error, shutdown) and about to leave.
 */
export type AudiosocketSessionState = 'active' | 'hanging_up' | 'closing';

export type IntentData = Record<string, unknown>;

export interface InboundStats {
  frames: number;
  bytes: number;
  audioFrames: number;
  dtmfFrames: number;
}

export interface AudiosocketSessionSnapshot {
  callId: string;
  role: AudiosocketRole;
  audiosocketUuid: string;
  state: AudiosocketSessionState;
  startedAt: Date;
  /** The last frame received from Asterisk, or the start. */
  lastActivityAt: Date;
  /** Follows the audio kind Asterisk sends: 8000 for 0x10 (the default), 16000 for 0x12… */
  sampleRateHz: SampleRateHz;
  remoteAddress: string | undefined;
  /** Frames and bytes on the wire (headers included), the UUID frame counted. */
  inbound: InboundStats;
  outbound: PlayerStats;
  intentData: IntentData;
}

/** The registry's view of a connection; the server owns the socket behind it. */
export interface RegisteredSession {
  readonly callId: string;
  readonly role: AudiosocketRole;
  readonly audiosocketUuid: string;
  readonly startedAt: Date;
  readonly remoteAddress: string | undefined;
  state: AudiosocketSessionState;
  /** The resolver's object, kept by reference so its owner can keep writing to it. */
  intentData: IntentData;
  kind: AudioKind;
  snapshot(): AudiosocketSessionSnapshot;
}

export class AudiosocketSessionRegistry<Session extends RegisteredSession = RegisteredSession> {
  private readonly byCall = new Map<string, Map<AudiosocketRole, Session>>();

  get size(): number {
    let count = 0;
    for (const roles of this.byCall.values()) count += roles.size;
    return count;
  }

  get(callId: string, role: AudiosocketRole): Session | undefined {
    return this.byCall.get(callId)?.get(role);
  }

  has(callId: string, role: AudiosocketRole): boolean {
    return this.get(callId, role) !== undefined;
  }

  /** Returns false, and keeps the existing session, when (callId, role) is taken. */
  add(session: Session): boolean {
    let roles = this.byCall.get(session.callId);
    if (!roles) {
      roles = new Map();
      this.byCall.set(session.callId, roles);
    }
    if (roles.has(session.role)) return false;
    roles.set(session.role, session);
    return true;
  }

  remove(session: Session): void {
    const roles = this.byCall.get(session.callId);
    if (roles?.get(session.role) !== session) return;
    roles.delete(session.role);
    if (roles.size === 0) this.byCall.delete(session.callId);
  }

  all(): Session[] {
    const sessions: Session[] = [];
    for (const roles of this.byCall.values()) sessions.push(...roles.values());
    return sessions;
  }

  list(): AudiosocketSessionSnapshot[] {
    return this.all()
      .map((session) => session.snapshot())
      .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  }
}
