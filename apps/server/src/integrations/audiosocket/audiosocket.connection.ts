/**
 * One TCP connection from Asterisk, whichever way Asterisk made it: the AudioSocket()
 * application, a `Dial(AudioSocket/host:port/uuid[/c(codec)])` channel, or ARI
 * externalMedia with encapsulation=audiosocket (which builds that same dial string). All
 * three send `01 00 10 <uuid>` first and then audio of one kind (0x10 from the app, the
 * `c()` codec's kind from the channel), so one state machine serves them:
 *
 *   awaiting_uuid -> resolving -> active -> closing -> closed
 */
import type { Socket } from 'node:net';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import {
  AUDIOSOCKET_KIND,
  AudiosocketParser,
  AudiosocketProtocolError,
  HEADER_BYTES,
  encodeHangup,
  type AudioKind,
  type AudiosocketFrame,
} from './audiosocket.codec.js';
import { isSessionEndReason, type AudiosocketEmitter, type ConnectionRejectReason } from './audiosocket.events.js';
import type { FramePacer } from './audiosocket.pacer.js';
import { OutboundAudioPlayer } from './audiosocket.player.js';
import { startReading, type ReadMode } from './audiosocket.reads.js';
import {
  isAudiosocketRole,
  type AudiosocketRole,
  type AudiosocketSessionRegistry,
  type AudiosocketSessionState,
  type InboundStats,
} from './audiosocket.registry.js';
import {
  LiveSession,
  type AudiosocketCallResolver,
  type CloseReason,
  type ResolvedAudiosocketCall,
  type SessionConnection,
} from './audiosocket.session.js';

export interface ConnectionSettings {
  handshakeTimeoutMs: number;
  resolveTimeoutMs: number;
  maxPayloadBytes: number;
  maxQueuedMs: number;
  maxRelayLatencyMs: number;
  hangupGraceMs: number;
  writeStallTimeoutMs: number;
  sendSilenceWhenIdle: boolean;
}

export interface ConnectionContext {
  settings: ConnectionSettings;
  logger: Logger;
  clock: Clock;
  pacer: FramePacer;
  registry: AudiosocketSessionRegistry<LiveSession>;
  events: AudiosocketEmitter;
  resolveCall: AudiosocketCallResolver;
}

type Phase = 'awaiting_uuid' | 'resolving' | 'active' | 'closing' | 'closed';
type MediaFrame = Extract<AudiosocketFrame, { type: 'audio' | 'dtmf' }>;

const KEEPALIVE_DELAY_MS = 10_000;
/** Two seconds of 20 ms frames: the longest a resolver may reasonably take. */
const MAX_EARLY_FRAMES = 100;

class ResolverTimeout extends Error {}

export class AudiosocketConnection implements SessionConnection {
  readonly remoteAddress: string | undefined;
  readonly inbound: InboundStats = { frames: 0, bytes: 0, audioFrames: 0, dtmfFrames: 0 };
  /** Until Asterisk's first audio frame says otherwise: the AudioSocket() app always speaks 0x10. */
  kind: AudioKind = AUDIOSOCKET_KIND.AUDIO_SLIN;
  lastActivityMono: number;
  session: LiveSession | undefined;
  readonly closed: Promise<void>;
  /** `shared`: reads land in the one reused buffer (audiosocket.reads.ts). */
  readonly readMode: ReadMode;
  private readonly socket: Socket;
  private readonly ctx: ConnectionContext;
  private readonly parser: AudiosocketParser;
  private log: Logger;
  private phase: Phase = 'awaiting_uuid';
  private audiosocketUuid: string | undefined;
  private closeReason: CloseReason | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private markClosed: () => void = () => undefined;
  private early: MediaFrame[] = [];
  private earlyFramesDropped = 0;

  constructor(socket: Socket, ctx: ConnectionContext) {
    this.socket = socket;
    this.ctx = ctx;
    this.remoteAddress = socket.remoteAddress;
    this.lastActivityMono = ctx.pacer.now();
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    this.log = ctx.logger.child({ remoteAddress: socket.remoteAddress, remotePort: socket.remotePort });
    this.parser = new AudiosocketParser({ maxPayloadBytes: ctx.settings.maxPayloadBytes });
    // 20 ms frames must not wait for Nagle; Asterisk sets TCP_NODELAY on its side too
    // (res_audiosocket.c:147).
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    this.handshakeTimer = setTimeout(() => this.reject('uuid_timeout'), ctx.settings.handshakeTimeoutMs);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    this.readMode = startReading(socket, this.onRead);
  }

  get isActive(): boolean {
    return this.phase === 'active';
  }

  /**
   * Server-side close: KIND_HANGUP first when asked and a session is up, then FIN; the
   * socket is destroyed if the peer has not closed within the grace period. Returns false
   * when the connection was already closing.
   */
  terminate(reason: CloseReason, options: { sendHangupFrame?: boolean } = {}): boolean {
    if (this.phase === 'closing' || this.phase === 'closed') return false;
    const session = this.session;
    const sendHangupFrame = options.sendHangupFrame === true && session !== undefined && this.phase === 'active';
    this.beginClosing(reason, sendHangupFrame ? 'hanging_up' : 'closing');
    if (sendHangupFrame) {
      const frame = encodeHangup();
      session.player.noteWritten(frame.length);
      // app_audiosocket returns 0 on it and the dialplan continues; chan_audiosocket hangs
      // up its channel (as01, as10). Both close the socket right after.
      this.socket.write(frame, (err) => {
        if (err) this.log.warn({ err }, 'KIND_HANGUP not delivered');
        else this.log.info({ reason }, 'KIND_HANGUP sent');
      });
    }
    this.socket.end();
    return true;
  }

  private reject(reason: ConnectionRejectReason, details: Record<string, unknown> = {}): void {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    this.log.warn({ reason, ...details }, 'audiosocket connection rejected');
    this.terminate(reason);
  }

  private beginClosing(reason: CloseReason, state: AudiosocketSessionState): void {
    this.phase = 'closing';
    this.closeReason ??= reason;
    clearTimeout(this.handshakeTimer);
    if (this.session) {
      this.session.state = state;
      this.session.player.close();
    }
    this.graceTimer ??= setTimeout(() => {
      this.log.info({ reason: this.closeReason }, 'audiosocket peer did not close in time; destroying the socket');
      this.socket.destroy();
    }, this.ctx.settings.hangupGraceMs);
    this.graceTimer.unref();
  }

  /** `chunk` is valid only during this call: the next read overwrites it. */
  private readonly onRead = (chunk: Buffer, length: number): void => {
    if (this.phase === 'closed') return;
    const now = this.ctx.pacer.now();
    this.lastActivityMono = now;
    // A read that holds several frames (the process is behind, or Asterisk sent a burst):
    // what is written to this socket meanwhile (an echo, frames due now) leaves in one
    // writev, since one syscall per frame would put the process further behind. A read of
    // one frame, the usual case, skips the cork.
    const isBatch = length > HEADER_BYTES && length > HEADER_BYTES + chunk.readUInt16BE(1);
    if (isBatch) this.socket.cork();
    try {
      this.parser.push(chunk, this.onFrame, length);
      this.ctx.pacer.poll(now);
    } catch (err) {
      if (this.phase === 'closing') return;
      if (err instanceof AudiosocketProtocolError) {
        this.log.warn(
          { reason: err.reason, kind: err.kind, length: err.length, offset: err.offset },
          'audiosocket protocol error; closing the connection',
        );
      } else {
        this.log.error({ err }, 'audiosocket frame handling failed; closing the connection');
      }
      this.terminate('protocol_error');
    } finally {
      if (isBatch) this.socket.uncork();
    }
  };

  private readonly onFrame = (frame: AudiosocketFrame, wireBytes: number): void => {
    if (this.phase === 'closing' || this.phase === 'closed') {
      // Counted but not reported: Asterisk may send one more frame after our hangup (as01).
      this.countInbound(wireBytes);
      return;
    }
    this.countInbound(wireBytes);
    if (this.phase === 'awaiting_uuid') {
      if (frame.type === 'uuid') this.onUuid(frame.audiosocketUuid);
      else this.reject('expected_uuid_first', { frameType: frame.type });
      return;
    }
    switch (frame.type) {
      case 'audio':
        this.inbound.audioFrames += 1;
        if (frame.kind !== this.kind) {
          this.log.debug({ sampleRateHz: frame.sampleRateHz }, 'audiosocket sample rate follows the peer');
          this.kind = frame.kind;
          this.session?.player.setKind(frame.kind);
        }
        this.report(frame);
        return;
      case 'dtmf':
        this.inbound.dtmfFrames += 1;
        this.log.debug({ digit: frame.digit }, 'audiosocket dtmf received');
        this.report(frame);
        return;
      case 'uuid':
        this.log.warn('audiosocket peer sent a second UUID frame; closing the connection');
        this.terminate('protocol_error');
        return;
      case 'hangup':
        this.log.info('audiosocket peer sent a hangup frame');
        this.terminate('peer_hangup');
        return;
      case 'error':
        this.log.warn({ payloadHex: frame.payload.toString('hex') }, 'audiosocket peer sent an error frame');
        this.terminate('peer_error');
        return;
    }
  };

  /**
   * Asterisk sends audio right behind the UUID (0.06 ms later in as10), usually in the same
   * read, so frames that arrive while the resolver runs are held and reported once the
   * session starts, up to a bound.
   */
  private report(frame: MediaFrame): void {
    const session = this.session;
    if (!session) {
      // Held past this read, so the audio is copied out of the shared read buffer.
      if (this.early.length >= MAX_EARLY_FRAMES) this.earlyFramesDropped += 1;
      else this.early.push(frame.type === 'audio' ? { ...frame, pcm: Buffer.from(frame.pcm) } : frame);
      return;
    }
    if (frame.type === 'dtmf') {
      this.ctx.events.emit('dtmfReceived', { ...this.ref(session), digit: frame.digit });
      return;
    }
    // Once per frame (50 a second per call): one object, no spread.
    this.ctx.events.emit('audioReceived', {
      callId: session.callId,
      role: session.role,
      audiosocketUuid: session.audiosocketUuid,
      kind: frame.kind,
      sampleRateHz: frame.sampleRateHz,
      pcm: frame.pcm,
    });
  }

  /** `lastActivityMono` is set once per read, in onRead. */
  private countInbound(wireBytes: number): void {
    this.inbound.frames += 1;
    this.inbound.bytes += wireBytes;
  }

  private ref(session: LiveSession): { callId: string; role: AudiosocketRole; audiosocketUuid: string } {
    return { callId: session.callId, role: session.role, audiosocketUuid: session.audiosocketUuid };
  }

  private onUuid(audiosocketUuid: string): void {
    clearTimeout(this.handshakeTimer);
    this.phase = 'resolving';
    this.audiosocketUuid = audiosocketUuid;
    this.log = this.log.child({ audiosocketUuid });
    void this.resolveAndStart(audiosocketUuid);
  }

  private async resolveAndStart(audiosocketUuid: string): Promise<void> {
    let call: ResolvedAudiosocketCall;
    let timer: NodeJS.Timeout | undefined;
    try {
      call = await Promise.race([
        Promise.resolve().then(() => this.ctx.resolveCall(audiosocketUuid)),
        new Promise<never>((_, fail) => {
          timer = setTimeout(() => fail(new ResolverTimeout()), this.ctx.settings.resolveTimeoutMs);
        }),
      ]);
    } catch (err) {
      if (err instanceof ResolverTimeout) this.reject('resolver_timeout');
      else this.reject('resolver_rejected', { err });
      return;
    } finally {
      clearTimeout(timer);
    }
    if (this.phase !== 'resolving') return;
    if (typeof call?.callId !== 'string' || call.callId === '' || !isAudiosocketRole(call.role)) {
      this.reject('resolver_rejected', { resolved: call });
      return;
    }
    this.startSession({ ...call, intentData: call.intentData ?? {}, audiosocketUuid });
  }

  private startSession(call: Required<ResolvedAudiosocketCall> & { audiosocketUuid: string }): void {
    const { settings, pacer } = this.ctx;
    const player = new OutboundAudioPlayer(this.socket, pacer, {
      kind: this.kind,
      maxQueuedMs: settings.maxQueuedMs,
      maxRelayLatencyMs: settings.maxRelayLatencyMs,
      sendSilenceWhenIdle: settings.sendSilenceWhenIdle,
      writeStallTimeoutMs: settings.writeStallTimeoutMs,
      reusesFrameBuffers: true,
      onWriteStalled: () => {
        this.log.warn({ writeStallTimeoutMs: settings.writeStallTimeoutMs }, 'audiosocket peer stopped reading');
        this.terminate('write_stalled');
      },
    });
    const session = new LiveSession(this, call, player, this.ctx.clock, pacer.now());
    if (!this.ctx.registry.add(session)) {
      this.reject('duplicate_session', { callId: call.callId, role: call.role });
      return;
    }
    this.session = session;
    this.phase = 'active';
    this.log = this.ctx.logger.child({
      audiosocketUuid: call.audiosocketUuid,
      callId: call.callId,
      role: call.role,
      remoteAddress: this.remoteAddress,
    });
    player.start();
    this.log.info(
      {
        sampleRateHz: player.sampleRateHz,
        earlyFrames: this.early.length,
        earlyFramesDropped: this.earlyFramesDropped,
      },
      'audiosocket session started',
    );
    this.ctx.events.emit('sessionStarted', session.snapshot());
    const early = this.early;
    this.early = [];
    for (const frame of early) {
      if (this.phase !== 'active') break;
      this.report(frame);
    }
  }

  private readonly onEnd = (): void => {
    // Asterisk ends every call this way: it never sends 0x00, it closes (as08).
    if (this.phase === 'closing' || this.phase === 'closed') return;
    this.beginClosing('peer_closed', 'closing');
  };

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    // A reset is routine: Asterisk resets when it closes with our bytes unread (as04).
    this.log.info({ code: err.code, message: err.message }, 'audiosocket socket error');
    if (this.phase !== 'closing' && this.phase !== 'closed') this.beginClosing('socket_error', 'closing');
  };

  private readonly onClose = (): void => {
    if (this.phase === 'closed') return;
    if (this.phase !== 'closing') this.beginClosing('peer_closed', 'closing');
    this.phase = 'closed';
    this.early = [];
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.graceTimer);
    const reason = this.closeReason ?? 'peer_closed';
    const session = this.session;
    if (session) {
      session.player.close();
      this.ctx.registry.remove(session);
      const snapshot = session.snapshot();
      const durationMs = this.ctx.clock.now().getTime() - session.startedAt.getTime();
      this.log.info(
        { reason, durationMs, inbound: snapshot.inbound, outbound: snapshot.outbound },
        'audiosocket session ended',
      );
      this.ctx.events.emit('sessionEnded', {
        ...this.ref(session),
        reason: isSessionEndReason(reason) ? reason : 'peer_closed',
        session: snapshot,
      });
    } else {
      if (reason === 'peer_closed') this.log.debug('audiosocket connection closed before a session started');
      this.ctx.events.emit('connectionRejected', {
        // Neither can happen before a session exists; the narrowing keeps the type honest.
        reason: reason === 'hangup_sent' || reason === 'write_stalled' ? 'peer_closed' : reason,
        audiosocketUuid: this.audiosocketUuid,
        remoteAddress: this.remoteAddress,
      });
    }
    this.markClosed();
  };
}
