/**
 * The console's Socket.IO connection (docs/adr/0010-event-log-and-replay.md). Every
 * (re)connection authenticates with a fresh access token and the last `seq` seen, so the
 * server replays what was missed, in order; events at or below that seq are dropped here
 * too. The server closes a socket when its token expires, and refuses one whose token
 * is stale: both lead to a refresh and a new connection, never to lost events.
 *
 * Watched topics (ADR 30, ADR 31) live with the socket: the client counts the holders of
 * each topic, watches it while anyone holds it and again on every (re)connection. A replay
 * does not carry a topic's events, so a holder reloads what it shows once the watch is
 * answered (`onWatched`).
 */
import type { Socket } from 'socket.io-client';

export interface Envelope<T = Record<string, unknown>> {
  event: string;
  data: T;
  version: string;
  seq: number;
  ts: string;
}

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export type AckResult<T = unknown> = { ok: true; data?: T } | { ok: false; error: { code: string; message: string } };

type AuthPayload = { token: string; last_seq?: number };

/** What this client needs of socket.io-client's `io()`, so tests can pass a fake. */
export type SocketFactory = (options: {
  auth: (callback: (payload: AuthPayload) => void) => void;
}) => Pick<Socket, 'on' | 'onAny' | 'connect' | 'disconnect' | 'emit' | 'timeout' | 'connected' | 'active'>;

export interface RealtimeClientOptions {
  createSocket: SocketFactory;
  /** A valid access token (refreshing it when needed). */
  accessToken(): Promise<string>;
  /** Forces a refresh after the server refused the token. */
  refreshToken(): Promise<unknown>;
  /** Called when the session is gone (the token cannot be refreshed). */
  onSessionEnded?(): void;
  timers?: { setTimeout(callback: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
  /** Delay before reconnecting after the server refused or closed the socket. */
  retryDelayMs?: number;
}

interface WatchedTopic {
  holders: number;
  /** The latest `watch` sent for it: only its answer counts (a release or a reconnection sends another). */
  request: number;
  isAnswered: boolean;
}

/** Non-envelope control events of the server. */
const CONTROL_EVENTS = new Set(['replay_complete', 'resync_required']);
const AUTH_ERRORS = new Set(['auth.token_expired', 'auth.invalid_token', 'auth.required', 'auth.session_revoked']);

export class RealtimeClient {
  private socket: ReturnType<SocketFactory> | null = null;
  private lastSeq: number | undefined;
  private statusValue: ConnectionStatus = 'offline';
  private hasConnected = false;
  private retryTimer: unknown;
  private isStopped = true;
  private readonly handlers = new Map<string, Set<(envelope: Envelope) => void>>();
  private readonly anyHandlers = new Set<(envelope: Envelope) => void>();
  private readonly statusListeners = new Set<(status: ConnectionStatus) => void>();
  private readonly resyncListeners = new Set<() => void>();
  private readonly watched = new Map<string, WatchedTopic>();
  private readonly watchedListeners = new Map<string, Set<(result: AckResult) => void>>();
  private watchRequests = 0;
  private readonly timers: NonNullable<RealtimeClientOptions['timers']>;

  constructor(private readonly options: RealtimeClientOptions) {
    this.timers = options.timers ?? {
      setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
      clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
  }

  get status(): ConnectionStatus {
    return this.statusValue;
  }

  /** The highest seq applied, sent as `last_seq` on every reconnection. */
  get seq(): number | undefined {
    return this.lastSeq;
  }

  start(): void {
    if (!this.isStopped) return;
    this.isStopped = false;
    this.setStatus('connecting');
    const socket = this.options.createSocket({
      auth: (callback) => {
        this.options.accessToken().then(
          (token) => callback(this.lastSeq === undefined ? { token } : { token, last_seq: this.lastSeq }),
          () => {
            // No session: the middleware refuses the empty token and connect_error stops us.
            callback({ token: '' });
          },
        );
      },
    });
    this.socket = socket;
    socket.on('connect', () => {
      const isReconnect = this.hasConnected;
      this.hasConnected = true;
      // Before the status: a holder that reacts to `connected` finds its watch already sent.
      for (const topic of this.watched.keys()) this.sendWatch(topic);
      this.setStatus('connected');
      // Without a seq the server cannot replay: what happened meanwhile is reloaded over HTTP.
      if (isReconnect && this.lastSeq === undefined) this.emitResync();
    });
    socket.on('disconnect', (reason) => {
      this.forgetWatchRequests();
      if (this.isStopped) return;
      this.setStatus('reconnecting');
      // The server closed it (token expiry): socket.io does not retry that by itself.
      if (reason === 'io server disconnect') this.retrySoon(true);
    });
    socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      if (this.isStopped) return;
      this.setStatus(this.hasConnected ? 'reconnecting' : 'connecting');
      const code = error.data?.code ?? error.message;
      // A refusal by the middleware is final for socket.io; transport errors retry by themselves.
      if (AUTH_ERRORS.has(code)) this.retrySoon(true);
      else if (!socket.active) this.retrySoon(false);
    });
    socket.onAny((event: string, payload: unknown) => this.dispatch(event, payload));
    socket.connect();
  }

  stop(): void {
    this.isStopped = true;
    if (this.retryTimer !== undefined) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.socket?.disconnect();
    this.socket = null;
    this.lastSeq = undefined;
    this.hasConnected = false;
    this.forgetWatchRequests();
    this.setStatus('offline');
  }

  /** Subscribes to one server event (its envelope). */
  on<T = Record<string, unknown>>(event: string, handler: (envelope: Envelope<T>) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    const wrapped = handler as (envelope: Envelope) => void;
    set.add(wrapped);
    return () => set.delete(wrapped);
  }

  onAny(handler: (envelope: Envelope) => void): () => void {
    this.anyHandlers.add(handler);
    return () => this.anyHandlers.delete(handler);
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Called when state must be reloaded over HTTP (too many missed events, or no seq to resume from). */
  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  /**
   * Holds `topic` until the returned release is called. The first holder sends `watch` (when
   * connected; otherwise the next connection does), every reconnection sends it again, and
   * the last release sends `unwatch`.
   */
  watch(topic: string): () => void {
    const held = this.watched.get(topic);
    if (held) {
      held.holders += 1;
    } else {
      this.watched.set(topic, { holders: 1, request: 0, isAnswered: false });
      if (this.socket?.connected) this.sendWatch(topic);
    }
    let isReleased = false;
    return () => {
      const current = this.watched.get(topic);
      if (isReleased || !current) return;
      isReleased = true;
      current.holders -= 1;
      if (current.holders > 0) return;
      this.watched.delete(topic);
      if (this.socket?.connected) void this.emitWithAck('unwatch', { topic });
    };
  }

  /** Whether this connection's `watch` of `topic` has been answered (ok or not). */
  isWatchAnswered(topic: string): boolean {
    return this.watched.get(topic)?.isAnswered ?? false;
  }

  /**
   * Called each time the server answers a `watch` of `topic` (ok or not): the moment to
   * reload over HTTP what the topic's events keep live.
   */
  onWatched(topic: string, listener: (result: AckResult) => void): () => void {
    let set = this.watchedListeners.get(topic);
    if (!set) {
      set = new Set();
      this.watchedListeners.set(topic, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Sends a client event and waits for its ack. */
  async emitWithAck<T = unknown>(event: string, payload: unknown, timeoutMs = 5_000): Promise<AckResult<T>> {
    const socket = this.socket;
    if (!socket?.connected) return { ok: false, error: { code: 'socket.disconnected', message: 'Not connected.' } };
    try {
      return (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as AckResult<T>;
    } catch {
      return { ok: false, error: { code: 'socket.timeout', message: 'No answer from the server.' } };
    }
  }

  private dispatch(event: string, payload: unknown): void {
    if (CONTROL_EVENTS.has(event)) {
      if (event === 'resync_required') {
        const latest = (payload as { latest_seq?: unknown } | undefined)?.latest_seq;
        if (typeof latest === 'number') this.lastSeq = latest;
        this.emitResync();
      }
      return;
    }
    if (!isEnvelope(payload)) return;
    if (this.lastSeq !== undefined && payload.seq <= this.lastSeq) return;
    this.lastSeq = payload.seq;
    for (const handler of this.handlers.get(payload.event) ?? []) handler(payload);
    for (const handler of this.anyHandlers) handler(payload);
  }

  private sendWatch(topic: string): void {
    const held = this.watched.get(topic);
    if (!held) return;
    const request = ++this.watchRequests;
    held.request = request;
    held.isAnswered = false;
    void this.emitWithAck('watch', { topic }).then((result) => {
      // Released, watched again or reconnected since: that later request's answer will tell.
      if (this.watched.get(topic)?.request !== request) return;
      held.isAnswered = true;
      for (const listener of this.watchedListeners.get(topic) ?? []) listener(result);
    });
  }

  /** The socket is gone, and its watches with it: answers still in flight no longer count. */
  private forgetWatchRequests(): void {
    for (const held of this.watched.values()) {
      held.request = 0;
      held.isAnswered = false;
    }
  }

  private retrySoon(withFreshToken: boolean): void {
    if (this.retryTimer !== undefined || this.isStopped) return;
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.isStopped) return;
      const ready = withFreshToken ? this.options.refreshToken() : Promise.resolve();
      ready.then(
        () => {
          if (!this.isStopped && !this.socket?.connected) this.socket?.connect();
        },
        (error: unknown) => {
          if ((error as { name?: string }).name === 'SessionEndedError') {
            this.options.onSessionEnded?.();
            return;
          }
          // Offline: try again later.
          this.retrySoon(withFreshToken);
        },
      );
    }, this.options.retryDelayMs ?? 1_000);
  }

  private emitResync(): void {
    for (const listener of this.resyncListeners) listener();
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.statusValue) return;
    this.statusValue = status;
    for (const listener of this.statusListeners) listener(status);
  }
}

function isEnvelope(value: unknown): value is Envelope {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Envelope).event === 'string' &&
    typeof (value as Envelope).seq === 'number' &&
    typeof (value as Envelope).data === 'object'
  );
}
