/**
 * Socket.IO on the HTTP server's port. A socket authenticates with the access token in its
 * handshake (`auth: { token, last_seq? }`), joins its company, user and (for admins and
 * supervisors) managers rooms, and receives domain events in the DESIGN.md envelope
 * `{event, data, version, seq, ts}`. With `last_seq` it first receives, in order, what it
 * missed; live events that arrive meanwhile are held and deduplicated by seq.
 *
 * Every client event costs a token of the socket's bucket; a socket that floods is
 * disconnected. The transport proves a console alive (ADR 27): Engine.IO pings every socket
 * every `pingIntervalMs` and closes one that has not answered within `pingTimeoutMs`, so an
 * open socket needs no application heartbeat. A `sessions.revoked` event (logout, deactivation …, from any node)
 * disconnects the sockets of the ended sessions after telling them why.
 */
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import type { Actor } from '../shared/actor.js';
import { AppError } from '../shared/errors.js';
import {
  WATCH_TOPICS,
  type ClientCommand,
  type ConnectionObserver,
  type PublishedEvent,
  type WatchTopic,
} from '../shared/events.js';
import type { Logger } from '../shared/logger.js';
import { isSessionsRevokedData, SESSIONS_REVOKED } from '../shared/sessions.js';
import type { EventBus } from './event-bus.js';
import type { EventLogRepository } from './event-log.repository.js';
import { TokenBucket, type EventRateLimits } from './token-bucket.js';

export const EVENT_VERSION = 'v1';
const REPLAY_BATCH = 500;
const REPLAY_MAX = 10_000;
/** Client events are small commands; Socket.IO's default of 1 MB is far more than any needs. */
const MAX_PAYLOAD_BYTES = 64 * 1024;

/** What one socket may ask of the server. */
export interface SocketLimits {
  events: EventRateLimits;
  /** Call rooms a socket may be in at once (a supervisor follows a handful of calls). */
  maxCallRooms: number;
  /** Client events of one socket being handled at once: each may query the database. */
  maxPendingEvents: number;
}

/** Engine.IO's liveness check (ADR 27): a dead link is closed within interval + timeout. */
export interface SocketPing {
  intervalMs: number;
  timeoutMs: number;
}

/** Socket.IO's own defaults: under the 55–60 s idle timeouts of common proxies. */
export const DEFAULT_SOCKET_PING: SocketPing = { intervalMs: 25_000, timeoutMs: 20_000 };

export const DEFAULT_SOCKET_LIMITS: SocketLimits = {
  events: { perSecond: 10, burst: 30 },
  maxCallRooms: 20,
  maxPendingEvents: 4,
};

/** Wire names fixed by the seeds; others are the domain name with `_` for `.`. */
const WIRE_NAMES: Record<string, string> = {
  'typing.started': 'typing_start',
  'typing.stopped': 'typing_stop',
};

export function wireNameOf(domainName: string): string {
  return WIRE_NAMES[domainName] ?? domainName.replaceAll('.', '_');
}

export interface Envelope {
  event: string;
  data: Record<string, unknown>;
  version: typeof EVENT_VERSION;
  seq: number;
  ts: string;
}

export function toEnvelope(event: PublishedEvent): Envelope {
  return {
    event: wireNameOf(event.name),
    data: event.data,
    version: EVENT_VERSION,
    seq: event.seq,
    ts: event.at.toISOString(),
  };
}

export interface RealtimeDeps {
  logger: Logger;
  bus: EventBus;
  eventLog: EventLogRepository;
  /** The user and session (refresh-token family) of an access token; throws when refused. */
  authenticate(token: string): Promise<{ actor: Actor; sessionId: string }>;
  /** Whether the actor may follow this call (its agent, or a manager of its company). */
  canFollowCall(actor: Actor, callId: string): Promise<boolean>;
  corsOrigins: readonly string[];
  limits?: SocketLimits;
  ping?: SocketPing;
}

/**
 * What a socket carries. Kept small: 10,000 consoles each hold one, and each field and
 * closure per socket is heap the garbage collector walks (docs/benchmarks.md, presence).
 */
interface SocketState {
  actor: Actor;
  sessionId: string;
  bucket: TokenBucket;
  /** Client events being handled now. */
  pending: number;
  deliveredSeq: number;
  /** Non-null while replaying: live events wait here. */
  held: PublishedEvent[] | null;
  /** The socket's child logger, made on its first log line (most sockets never write one). */
  log?: Logger;
  /** Closes the socket when its token expires. */
  expiryTimer?: NodeJS.Timeout;
  /**
   * The connection observers' work under way (presence marks the agent connected): client
   * events wait for it, so the first `update_status` already sees the socket connected.
   */
  connecting?: Promise<void> | undefined;
}

type Ack = (response: { ok: true; data?: unknown } | { ok: false; error: { code: string; message: string } }) => void;

const RESERVED_EVENTS = new Set([
  'join_call',
  'leave_call',
  'watch',
  'unwatch',
  'connect',
  'disconnect',
  'disconnecting',
]);

const callPayload = z.object({ call_id: z.uuid() }).strict();

/**
 * Topics a console watches only while it shows them (`watch` / `unwatch`, ADR 30, ADR 31):
 * an event whose audience names a topic also goes to the company's sockets that watch it,
 * not to every console of the company. Watching is per socket and ends with it: a console
 * watches again after reconnecting, and reloads the topic over HTTP then (a replay carries
 * only the events of the socket's own audience).
 */
const topicPayload = z.object({ topic: z.enum(WATCH_TOPICS) }).strict();
const TOPIC_HINT = `Expected {"topic": "${WATCH_TOPICS.join('" | "')}"}.`;

export const rooms = {
  company: (companyId: string) => `company:${companyId}`,
  managers: (companyId: string) => `company:${companyId}:managers`,
  user: (userId: string) => `user:${userId}`,
  call: (callId: string) => `call:${callId}`,
  topic: (companyId: string, topic: WatchTopic) => `company:${companyId}:watch:${topic}`,
};

export class RealtimeServer {
  readonly io: Server;
  private readonly unsubscribe: () => void;
  private readonly commands = new Map<string, ClientCommand<unknown>>();
  private readonly observers: ConnectionObserver[] = [];
  private readonly limits: SocketLimits;
  /** Listeners shared by every socket (`sharedListener`), not closures made per socket. */
  private readonly listeners: {
    joinCall: (this: Socket, payload: unknown, ack?: Ack) => void;
    leaveCall: (this: Socket, payload: unknown, ack?: Ack) => void;
    watch: (this: Socket, payload: unknown, ack?: Ack) => void;
    unwatch: (this: Socket, payload: unknown, ack?: Ack) => void;
    disconnect: (this: Socket) => void;
    commands: Map<string, (this: Socket, payload: unknown, ack?: Ack) => void>;
  };

  constructor(
    httpServer: HttpServer,
    private readonly deps: RealtimeDeps,
  ) {
    this.limits = deps.limits ?? DEFAULT_SOCKET_LIMITS;
    this.listeners = {
      joinCall: sharedListener((socket, payload: unknown, ack?: Ack) => this.joinCall(socket, payload, ack)),
      leaveCall: sharedListener((socket, payload: unknown, ack?: Ack) => {
        const parsed = callPayload.safeParse(payload);
        if (!parsed.success) return reply(ack, 'request.invalid', 'Expected {"call_id": "<uuid>"}.');
        void socket.leave(rooms.call(parsed.data.call_id));
        ack?.({ ok: true });
      }),
      watch: sharedListener((socket, payload: unknown, ack?: Ack) => this.watchTopic(socket, payload, ack, true)),
      unwatch: sharedListener((socket, payload: unknown, ack?: Ack) => this.watchTopic(socket, payload, ack, false)),
      disconnect: sharedListener((socket) => {
        clearTimeout((socket.data as SocketState).expiryTimer);
        void this.notifyObservers('onDisconnected', socket);
      }),
      commands: new Map(),
    };
    const ping = deps.ping ?? DEFAULT_SOCKET_PING;
    this.io = new Server(httpServer, {
      path: '/socket.io',
      serveClient: false,
      pingInterval: ping.intervalMs,
      pingTimeout: ping.timeoutMs,
      maxHttpBufferSize: MAX_PAYLOAD_BYTES,
      cors: deps.corsOrigins.length > 0 ? { origin: [...deps.corsOrigins], credentials: true } : undefined,
    });
    this.io.use((socket, next) => {
      this.authenticateSocket(socket).then(
        () => next(),
        (error: unknown) => {
          const code = error instanceof AppError ? error.code : 'auth.invalid_token';
          deps.logger.debug({ code }, 'socket refused');
          next(Object.assign(new Error(code), { data: { code } }));
        },
      );
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
    this.unsubscribe = deps.bus.subscribe((event) => this.fanOut(event));
  }

  /** Routes a client event to a module. Reserved names and duplicates are refused. */
  registerCommand(command: ClientCommand<unknown>): void {
    if (RESERVED_EVENTS.has(command.event) || this.commands.has(command.event)) {
      throw new Error(`client event ${command.event} is already handled`);
    }
    this.commands.set(command.event, command);
    this.listeners.commands.set(
      command.event,
      sharedListener((socket, payload: unknown, ack?: Ack) => this.runCommand(socket, command, payload, ack)),
    );
  }

  addConnectionObserver(observer: ConnectionObserver): void {
    this.observers.push(observer);
  }

  /** How many sockets this user has open on this node. */
  openSocketsOf(userId: string): number {
    return this.io.of('/').adapter.rooms.get(rooms.user(userId))?.size ?? 0;
  }

  /** Disconnects every socket; the HTTP server itself is closed by Fastify. */
  close(): void {
    this.unsubscribe();
    this.io.disconnectSockets(true);
    this.io.engine.close();
  }

  private async authenticateSocket(socket: Socket): Promise<void> {
    const auth = socket.handshake.auth as { token?: unknown };
    const header = socket.handshake.headers.authorization;
    const token =
      typeof auth.token === 'string' ? auth.token : header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (!token) throw new AppError('auth.required', 'A token is required.');
    const { actor, sessionId } = await this.deps.authenticate(token);
    const state: SocketState = {
      actor,
      sessionId,
      bucket: new TokenBucket(this.limits.events),
      pending: 0,
      deliveredSeq: 0,
      held: null,
    };
    socket.data = state;
    // The socket lives no longer than its token: the client reconnects with a fresh one
    // and its last seq, and misses nothing.
    const expiresAt = tokenExpiryMs(token);
    if (expiresAt !== undefined) {
      state.expiryTimer = setTimeout(() => socket.disconnect(true), Math.max(0, expiresAt - Date.now()));
      state.expiryTimer.unref();
    }
  }

  private onConnection(socket: Socket): void {
    const state = socket.data as SocketState;
    const { actor } = state;
    const joined = [rooms.company(actor.companyId), rooms.user(actor.userId)];
    if (actor.role !== 'agent') joined.push(rooms.managers(actor.companyId));
    void socket.join(joined);

    // Runs before any listener, for every client event, known or not.
    socket.use(([event], next) => {
      if (!socket.connected) return;
      if (state.bucket.take()) {
        // Events that came during the observers' work run after it, in the order they came.
        if (state.connecting) void state.connecting.then(() => socket.connected && next());
        else next();
        return;
      }
      // The event name is the client's: logged cut short.
      this.logOf(socket).warn(
        { event: String(event).slice(0, 64), reason: 'rate limit' },
        'socket disconnected for flooding',
      );
      socket.disconnect(true);
    });
    socket.on('join_call', this.listeners.joinCall);
    socket.on('leave_call', this.listeners.leaveCall);
    socket.on('watch', this.listeners.watch);
    socket.on('unwatch', this.listeners.unwatch);
    for (const [event, listener] of this.listeners.commands) socket.on(event, listener);
    socket.on('disconnect', this.listeners.disconnect);
    const connecting = this.notifyObservers('onConnected', socket);
    state.connecting = connecting;
    void connecting.then(() => {
      if (state.connecting === connecting) state.connecting = undefined;
    });

    const lastSeq = parseLastSeq((socket.handshake.auth as { last_seq?: unknown }).last_seq);
    if (lastSeq !== undefined) {
      this.replay(socket, state, lastSeq).catch((error: unknown) => {
        this.logOf(socket).error({ err: error }, 'replay failed');
        socket.disconnect(true);
      });
    } else {
      // A fresh client learns where the log stands, so a later reconnect can resume from it.
      this.deps.eventLog.latestSeq().then(
        (seq) => socket.emit('replay_complete', { last_seq: Math.max(seq, state.deliveredSeq) }),
        (error: unknown) => this.logOf(socket).error({ err: error }, 'reading the latest seq failed'),
      );
    }
  }

  private logOf(socket: Socket): Logger {
    const state = socket.data as SocketState;
    state.log ??= this.deps.logger.child({
      socketId: socket.id,
      userId: state.actor.userId,
      companyId: state.actor.companyId,
    });
    return state.log;
  }

  private joinCall(socket: Socket, payload: unknown, ack: Ack | undefined): void {
    const state = socket.data as SocketState;
    const parsed = callPayload.safeParse(payload);
    if (!parsed.success) {
      this.logOf(socket).info({ reason: 'invalid payload' }, 'join_call refused');
      return reply(ack, 'request.invalid', 'Expected {"call_id": "<uuid>"}.');
    }
    const callId = parsed.data.call_id;
    if (socket.rooms.has(rooms.call(callId))) return ack?.({ ok: true });
    if (countCallRooms(socket) >= this.limits.maxCallRooms) {
      return reply(ack, 'realtime.too_many_calls', `A socket follows at most ${this.limits.maxCallRooms} calls.`);
    }
    if (!this.admitWork(state, ack)) return;
    this.deps
      .canFollowCall(state.actor, callId)
      .finally(() => (state.pending -= 1))
      .then(
        (isAllowed) => {
          if (!isAllowed) {
            this.logOf(socket).info({ callId, reason: 'not found or not allowed' }, 'join_call refused');
            return reply(ack, 'call.not_found', 'No such call.');
          }
          if (socket.connected) void socket.join(rooms.call(callId));
          ack?.({ ok: true });
        },
        (error: unknown) => {
          this.logOf(socket).error({ err: error, callId }, 'join_call failed');
          reply(ack, 'internal', 'Could not join the call.');
        },
      );
  }

  /**
   * Any role may watch either topic: presence is what `GET /api/presence` answers every user,
   * and the unassigned conversations are in every agent's inbox (`filter=unassigned`).
   */
  private watchTopic(socket: Socket, payload: unknown, ack: Ack | undefined, isWatching: boolean): void {
    const parsed = topicPayload.safeParse(payload);
    if (!parsed.success) {
      return reply(ack, 'request.invalid', TOPIC_HINT);
    }
    const room = rooms.topic((socket.data as SocketState).actor.companyId, parsed.data.topic);
    void (isWatching ? socket.join(room) : socket.leave(room));
    ack?.({ ok: true });
  }

  private runCommand(socket: Socket, command: ClientCommand<unknown>, payload: unknown, ack: Ack | undefined): void {
    const state = socket.data as SocketState;
    const parsed = command.schema.safeParse(payload);
    if (!parsed.success) {
      this.logOf(socket).info({ event: command.event, reason: 'invalid payload' }, 'client event refused');
      return reply(ack, 'request.invalid', `The ${command.event} payload is not valid.`);
    }
    if (!this.admitWork(state, ack)) return;
    command
      .handle(state.actor, parsed.data)
      .finally(() => (state.pending -= 1))
      .then(
        (data) => ack?.({ ok: true, ...(data === undefined ? {} : { data }) }),
        (error: unknown) => {
          if (error instanceof AppError) {
            this.logOf(socket).info({ event: command.event, code: error.code }, 'client event refused');
            return reply(ack, error.code, error.message);
          }
          this.logOf(socket).error({ err: error, event: command.event }, 'client event failed');
          reply(ack, 'internal', 'The event could not be handled.');
        },
      );
  }

  /** Counts a client event that will do work, or refuses it when the socket has too many running. */
  private admitWork(state: SocketState, ack: Ack | undefined): boolean {
    if (state.pending >= this.limits.maxPendingEvents) {
      reply(ack, 'realtime.busy', 'Too many events in progress; wait for their answers.');
      return false;
    }
    state.pending += 1;
    return true;
  }

  /** Tells the sockets of ended sessions why, then disconnects them; this node's only. */
  private endSessions(event: PublishedEvent): void {
    const { data } = event;
    if (!isSessionsRevokedData(data)) {
      this.deps.logger.warn({ seq: event.seq }, 'sessions.revoked event without a user; ignored');
      return;
    }
    const nsp = this.io.of('/');
    let disconnected = 0;
    for (const id of nsp.adapter.rooms.get(rooms.user(data.user_id)) ?? []) {
      const socket = nsp.sockets.get(id);
      const state = socket?.data as SocketState | undefined;
      if (!socket || !state || state.actor.companyId !== event.companyId) continue;
      if (data.session_id !== null && state.sessionId !== data.session_id) continue;
      const envelope = toEnvelope(event);
      socket.emit(envelope.event, envelope);
      socket.disconnect(true);
      disconnected += 1;
    }
    if (disconnected > 0) {
      this.deps.logger.info(
        { userId: data.user_id, sessionId: data.session_id, reason: data.reason, sockets: disconnected },
        'sockets of ended sessions disconnected',
      );
    }
  }

  /** Runs every observer's hook; resolves when all are done (a failure is logged, not thrown). */
  private async notifyObservers(hook: 'onConnected' | 'onDisconnected', socket: Socket): Promise<void> {
    const { actor } = socket.data as SocketState;
    const open = this.openSocketsOf(actor.userId);
    await Promise.all(
      this.observers.map((observer) =>
        Promise.resolve(observer[hook]?.(actor, open)).catch((error: unknown) => {
          this.logOf(socket).error({ err: error, hook }, 'connection observer failed');
        }),
      ),
    );
  }

  private async replay(socket: Socket, state: SocketState, lastSeq: number): Promise<void> {
    state.held = [];
    state.deliveredSeq = lastSeq;
    const oldest = await this.deps.eventLog.oldestSeq();
    // Events after last_seq were pruned (EVENT_LOG_RETENTION_DAYS): a replay would skip them
    // silently, so the client reloads its state over HTTP instead.
    if (oldest !== undefined && lastSeq + 1 < oldest) await this.requireResync(socket, state);
    else await this.replayFromLog(socket, state);
    const held = state.held;
    state.held = null;
    for (const event of held) this.emitOnce(socket, state, event);
    socket.emit('replay_complete', { last_seq: state.deliveredSeq });
  }

  private async replayFromLog(socket: Socket, state: SocketState): Promise<void> {
    let replayed = 0;
    for (;;) {
      const batch = await this.deps.eventLog.listVisibleAfter(state.actor, state.deliveredSeq, REPLAY_BATCH);
      for (const event of batch) this.emitOnce(socket, state, event);
      replayed += batch.length;
      if (batch.length < REPLAY_BATCH) return;
      // Too far behind: the client reloads its state over HTTP instead.
      if (replayed >= REPLAY_MAX) return this.requireResync(socket, state);
    }
  }

  private async requireResync(socket: Socket, state: SocketState): Promise<void> {
    const latest = await this.deps.eventLog.latestSeq();
    socket.emit('resync_required', { latest_seq: latest });
    state.deliveredSeq = Math.max(state.deliveredSeq, latest);
  }

  private fanOut(event: PublishedEvent): void {
    if (event.name === SESSIONS_REVOKED) return this.endSessions(event);
    const nsp = this.io.of('/');
    const targetRooms: string[] = [];
    const { audience } = event;
    if (audience.company) targetRooms.push(rooms.company(event.companyId));
    if (audience.managers) targetRooms.push(rooms.managers(event.companyId));
    for (const userId of audience.userIds ?? []) targetRooms.push(rooms.user(userId));
    if (audience.callId) targetRooms.push(rooms.call(audience.callId));
    if (audience.topic) targetRooms.push(rooms.topic(event.companyId, audience.topic));
    if (targetRooms.length === 0) return;
    // One broadcast, so the packet is encoded once for every socket (bench:realtime), to the
    // rooms less the sockets that must not have it now: another tenant's (rooms are per
    // company, but check anyway), those replaying (the event waits in `held`) and those
    // that had it already.
    const skipped: string[] = [];
    const socketIds = new Set<string>();
    for (const room of targetRooms) for (const id of nsp.adapter.rooms.get(room) ?? []) socketIds.add(id);
    for (const id of socketIds) {
      const state = nsp.sockets.get(id)?.data as SocketState | undefined;
      if (!state || state.actor.companyId !== event.companyId || event.seq <= state.deliveredSeq) {
        skipped.push(id);
      } else if (state.held) {
        state.held.push(event);
        skipped.push(id);
      } else {
        state.deliveredSeq = event.seq;
      }
    }
    if (skipped.length === socketIds.size) return;
    const envelope = toEnvelope(event);
    nsp.to(targetRooms).except(skipped).emit(envelope.event, envelope);
  }

  private emitOnce(socket: Socket, state: SocketState, event: PublishedEvent): void {
    if (event.seq <= state.deliveredSeq) return;
    state.deliveredSeq = event.seq;
    const envelope = toEnvelope(event);
    socket.emit(envelope.event, envelope);
  }
}

/**
 * One listener for every socket instead of a closure per socket: an EventEmitter calls a
 * plain function with `this` set to the emitter it listens on (Node's events docs).
 */
function sharedListener<A extends unknown[]>(handle: (socket: Socket, ...args: A) => void) {
  return function (this: Socket, ...args: A): void {
    handle(this, ...args);
  };
}

function reply(ack: Ack | undefined, code: string, message: string): void {
  ack?.({ ok: false, error: { code, message } });
}

function countCallRooms(socket: Socket): number {
  let count = 0;
  for (const room of socket.rooms) if (room.startsWith('call:')) count += 1;
  return count;
}

function parseLastSeq(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function tokenExpiryMs(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
