/**
 * The AudioSocket TCP server Asterisk connects to. It owns the connections and the session
 * registry, reports through typed events, and takes commands (play, stop, hangup) by call
 * id and role. Nothing here knows about the voice bot.
 */
import { BlockList, createServer, isIP, type AddressInfo, type Server, type Socket } from 'node:net';
import { systemClock, type Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from './audiosocket.codec.js';
import { AudiosocketConnection, type ConnectionContext, type ConnectionSettings } from './audiosocket.connection.js';
import { AudiosocketEmitter, type AudiosocketEventName, type AudiosocketListener } from './audiosocket.events.js';
import { FramePacer } from './audiosocket.pacer.js';
import type { PlayResult, RelayResult } from './audiosocket.player.js';
import type { AudiosocketCallResolver, LiveSession } from './audiosocket.session.js';
import {
  AudiosocketSessionRegistry,
  type AudiosocketRole,
  type AudiosocketSessionSnapshot,
  type IntentData,
} from './audiosocket.registry.js';

export const DEFAULT_AUDIOSOCKET_HOST = '127.0.0.1';
export const DEFAULT_AUDIOSOCKET_PORT = 9092;

export interface AudiosocketServerOptions {
  logger: Logger;
  host?: string;
  /**
   * AUDIOSOCKET_ALLOWED_PEERS: addresses and CIDR ranges that may connect, besides loopback.
   * AudioSocket has no authentication of its own, so any other peer is closed at once.
   */
  allowedPeers?: readonly string[];
  /** 0 picks a free port (tests). */
  port?: number;
  /** Default: callId = the AudioSocket UUID, role `visitor`, empty intentData. */
  resolveCall?: AudiosocketCallResolver;
  clock?: Clock;
  /** The UUID frame must arrive within this time. Asterisk sends it ~1 ms after connecting. */
  handshakeTimeoutMs?: number;
  /**
   * Keep well under 2 s: until the session starts nothing is sent, and the AudioSocket()
   * application gives up after 2 s without a frame in either direction.
   */
  resolveTimeoutMs?: number;
  maxPayloadBytes?: number;
  /** Bound of each session's outbound queue; a clip past it is refused (`queue_full`). */
  maxQueuedMs?: number;
  /** Relayed audio that cannot be written at once waits at most this long, then is dropped. */
  maxRelayLatencyMs?: number;
  /** After our KIND_HANGUP or FIN, how long the peer has to close before we destroy. */
  hangupGraceMs?: number;
  writeStallTimeoutMs?: number;
  sendSilenceWhenIdle?: boolean;
}

const NOT_FOUND = Object.freeze({ status: 'not_found' as const });

export type StopResult = { status: 'stopped'; droppedMs: number } | { status: 'not_found' };

const DEFAULT_SETTINGS: ConnectionSettings = {
  handshakeTimeoutMs: 3000,
  resolveTimeoutMs: 1000,
  maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
  maxQueuedMs: 30_000,
  maxRelayLatencyMs: 100,
  hangupGraceMs: 1000,
  writeStallTimeoutMs: 10_000,
  sendSilenceWhenIdle: true,
};

function defaultResolveCall(audiosocketUuid: string): {
  callId: string;
  role: AudiosocketRole;
  intentData: IntentData;
} {
  return { callId: audiosocketUuid, role: 'visitor', intentData: {} };
}

export class AudiosocketServer {
  private readonly server: Server;
  private readonly logger: Logger;
  private readonly host: string;
  private readonly port: number;
  private readonly allowedPeers: BlockList;
  private readonly registry = new AudiosocketSessionRegistry<LiveSession>();
  private readonly events: AudiosocketEmitter;
  private readonly connections = new Set<AudiosocketConnection>();
  private readonly context: ConnectionContext;
  private closing: Promise<void> | undefined;

  constructor(options: AudiosocketServerOptions) {
    this.logger = options.logger.child({ component: 'audiosocket' });
    this.host = options.host ?? DEFAULT_AUDIOSOCKET_HOST;
    this.port = options.port ?? DEFAULT_AUDIOSOCKET_PORT;
    this.allowedPeers = peerListOf(options.allowedPeers ?? []);
    this.events = new AudiosocketEmitter(this.logger);
    const settings: ConnectionSettings = { ...DEFAULT_SETTINGS };
    for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof ConnectionSettings)[]) {
      if (options[key] !== undefined) Object.assign(settings, { [key]: options[key] });
    }
    this.context = {
      settings,
      logger: this.logger,
      clock: options.clock ?? systemClock,
      pacer: new FramePacer(),
      registry: this.registry,
      events: this.events,
      resolveCall: options.resolveCall ?? defaultResolveCall,
    };
    // Paused: each connection picks how it reads before its first byte (audiosocket.reads.ts).
    this.server = createServer({ pauseOnConnect: true }, this.onConnection);
  }

  async listen(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.server.on('error', (err) => this.logger.error({ err }, 'audiosocket server error'));
    const address = this.address();
    this.logger.info(address, 'audiosocket server listening');
    return address;
  }

  address(): { host: string; port: number } {
    const address = this.server.address() as AddressInfo | null;
    if (!address) throw new Error('the AudioSocket server is not listening');
    return { host: address.address, port: address.port };
  }

  on<E extends AudiosocketEventName>(event: E, listener: AudiosocketListener<E>): () => void {
    return this.events.on(event, listener);
  }

  listSessions(): AudiosocketSessionSnapshot[] {
    return this.registry.list();
  }

  getSession(callId: string, role: AudiosocketRole): AudiosocketSessionSnapshot | undefined {
    return this.registry.get(callId, role)?.snapshot();
  }

  /**
   * Queues s16le mono PCM for the session. Default rate: the session's (see
   * `sampleRateHz` in the snapshot); any slin rate is accepted, Asterisk transcodes.
   */
  playAudio(callId: string, role: AudiosocketRole, pcm: Buffer, options: { sampleRateHz?: number } = {}): PlayResult {
    const session = this.activeSession(callId, role);
    if (!session) return { status: 'not_found' };
    return session.player.enqueue(pcm, options.sampleRateHz);
  }

  /**
   * Forwards live audio (another session's, an echo, a streaming synthesiser): written at
   * once when nothing else is playing, without re-pacing; see the policy in
   * audiosocket.player.ts. `pcm` may be a view of a read buffer; it is not kept.
   */
  relayAudio(callId: string, role: AudiosocketRole, pcm: Buffer, options: { sampleRateHz?: number } = {}): RelayResult {
    const session = this.activeSession(callId, role);
    if (!session) return NOT_FOUND;
    return session.player.relay(pcm, options.sampleRateHz);
  }

  /** Drops the queued audio at once (barge-in); silence follows in the next 20 ms slot. */
  stopAudio(callId: string, role: AudiosocketRole): StopResult {
    const session = this.activeSession(callId, role);
    if (!session) return { status: 'not_found' };
    return { status: 'stopped', droppedMs: session.player.stop() };
  }

  /** Merges `patch` into the session's intentData (the resolver's object, kept by reference). */
  updateIntentData(callId: string, role: AudiosocketRole, patch: IntentData): 'updated' | 'not_found' {
    const session = this.registry.get(callId, role);
    if (!session) return 'not_found';
    Object.assign(session.intentData, patch);
    return 'updated';
  }

  /**
   * Active hangup (seed audiosocket-hangup.md): `00 00 00`, flushed, then FIN; the session
   * ends when the peer closes, or the socket is destroyed after the grace period. Queued
   * audio is dropped: await a clip's `finished` first to let it play out. Idempotent while
   * the hangup is in progress.
   */
  hangup(callId: string, role: AudiosocketRole): 'sent' | 'not_found' {
    const session = this.registry.get(callId, role);
    if (!session) return 'not_found';
    if (session.state === 'hanging_up') return 'sent';
    return session.connection.terminate('hangup_sent', { sendHangupFrame: true }) ? 'sent' : 'not_found';
  }

  /** Stops accepting, hangs up every session (KIND_HANGUP), waits until all sockets closed. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const serverClosed = new Promise<void>((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
    });
    const connections = [...this.connections];
    for (const connection of connections) {
      connection.terminate('server_closing', { sendHangupFrame: connection.isActive });
    }
    await Promise.all(connections.map((connection) => connection.closed));
    await serverClosed;
    this.logger.info({ sessions: connections.length }, 'audiosocket server closed');
  }

  private activeSession(callId: string, role: AudiosocketRole): LiveSession | undefined {
    const session = this.registry.get(callId, role);
    return session?.state === 'active' ? session : undefined;
  }

  private isPeerAllowed(remoteAddress: string | undefined): boolean {
    if (remoteAddress === undefined) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress)?.[1];
    const address = mapped ?? remoteAddress;
    const family = isIP(address);
    return family !== 0 && this.allowedPeers.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  private readonly onConnection = (socket: Socket): void => {
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (!this.isPeerAllowed(socket.remoteAddress)) {
      const remoteAddress = socket.remoteAddress;
      socket.destroy();
      this.logger.warn({ remoteAddress, reason: 'peer_not_allowed' }, 'audiosocket connection refused');
      this.events.emit('connectionRejected', { reason: 'peer_not_allowed', audiosocketUuid: undefined, remoteAddress });
      return;
    }
    const connection = new AudiosocketConnection(socket, this.context);
    this.connections.add(connection);
    void connection.closed.then(() => this.connections.delete(connection));
  };
}

/** Loopback always (Asterisk on the same host), plus the configured ranges. */
function peerListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addAddress('::1', 'ipv6');
  for (const entry of entries) {
    const [network = '', prefix] = entry.split('/');
    const family = isIP(network);
    if (family === 0) continue;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    list.addSubnet(network, prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix), type);
  }
  return list;
}

export function createAudiosocketServer(options: AudiosocketServerOptions): AudiosocketServer {
  return new AudiosocketServer(options);
}
