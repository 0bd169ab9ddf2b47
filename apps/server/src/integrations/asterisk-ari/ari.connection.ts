import WebSocket from 'ws';
import type { Logger } from '../../shared/logger.js';
import { AriChannelListeners, type AriChannelListener } from './ari.channel-listeners.js';
import type { AriClient } from './ari.client.js';
import { AriUnauthorizedError, type AriError } from './ari.errors.js';
import { findChannelIdsOfEvent, isBridgeMediaEvent, parseAriEvent, type AriEvent } from './ari.events.js';
import { reconcileChannels, type AriReconciliation } from './ari.reconcile.js';
import { computeReconnectDelayMs } from '../../shared/backoff.js';

/**
 * `replaced`: another client registered our application (ApplicationReplaced); we stay off.
 * `failed`: Asterisk rejected our credentials; retrying cannot help. Both wait for `start()`.
 */
export type AriConnectionState =
  'idle' | 'connecting' | 'connected' | 'disconnected' | 'replaced' | 'failed' | 'stopped';

export interface AriStateChange {
  state: AriConnectionState;
  previous: AriConnectionState;
  error?: AriError;
}

export interface AriConnectionOptions {
  client: AriClient;
  /** ASTERISK_ARI_APP */
  app: string;
  logger: Logger;
  /**
   * Default true: events for every channel, so calls that leave Stasis (continue, AMI
   * Redirect, click-to-call through the dialplan) still report their end. Without it there
   * is no ChannelDestroyed after StasisEnd for inbound channels (s13).
   */
  subscribeAll?: boolean;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** WebSocket ping period; a connection that misses one pong is dropped. 0 turns it off. */
  keepAliveIntervalMs?: number;
  /** Channels the caller tracks (e.g. active calls read from the database), added to reconciliation. */
  getKnownAsteriskChannelIds?: () => Iterable<string>;
  /** Jitter source, replaceable in tests. */
  random?: () => number;
}

/** What the caller of `onReconciled` learns about the outage that preceded the report. */
export interface AriLinkOutage {
  /** Undefined on the first connection, and when no drop was seen. */
  lostAt: Date | undefined;
}

const RECONCILE_ATTEMPTS = 3;

/**
 * The events WebSocket of one Stasis application: reconnects with capped, jittered
 * exponential backoff and, on every (re)connect, lists the channels and reports what
 * changed while we were away. Reports by callbacks only; it never calls a service.
 */
export class AriConnection {
  readonly #options: AriConnectionOptions;
  readonly #logger: Logger;
  readonly #subscribeAll: boolean;
  readonly #eventListeners = new Set<(event: AriEvent) => void>();
  readonly #stateListeners = new Set<(change: AriStateChange) => void>();
  readonly #reconciledListeners = new Set<(report: AriReconciliation, link: AriLinkOutage) => void>();
  readonly #channelListeners = new AriChannelListeners();
  /** Channels seen entering our application and not seen leaving it. */
  readonly #stasisChannelIds = new Set<string>();
  #state: AriConnectionState = 'idle';
  #socket: WebSocket | undefined;
  #epoch = 0;
  #attempt = 0;
  #hasConnectedBefore = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #keepAliveTimer: NodeJS.Timeout | undefined;
  #lastBridgeMediaFrame: string | undefined;
  #isAwaitingPong = false;
  #meanwhile: { destroyed: Set<string>; left: Set<string> } | undefined;
  /** Date.now() of the last frame or pong from Asterisk: the link was alive then. */
  #lastHeardAt = 0;
  /** When the link was last known alive before it dropped; cleared once reconciled. */
  #linkLostAt: Date | undefined;

  constructor(options: AriConnectionOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ ariApp: options.app });
    this.#subscribeAll = options.subscribeAll ?? true;
  }

  get state(): AriConnectionState {
    return this.#state;
  }

  onEvent(listener: (event: AriEvent) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  onStateChange(listener: (change: AriStateChange) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /**
   * After every (re)connect. `link.lostAt` (after a reconnect) is the last moment the
   * previous connection was known alive: calls whose channels vanished meanwhile ended
   * then, as far as anyone can tell, not when we found out.
   */
  onReconciled(listener: (report: AriReconciliation, link: AriLinkOutage) => void): () => void {
    this.#reconciledListeners.add(listener);
    return () => this.#reconciledListeners.delete(listener);
  }

  /**
   * Events about one channel. Removed after its ChannelDestroyed, when reconciliation finds
   * it gone, and, without subscribeAll, after its StasisEnd (the last event then, s13).
   */
  onChannelEvent(asteriskChannelId: string, listener: AriChannelListener): () => void {
    return this.#channelListeners.add(asteriskChannelId, listener);
  }

  channelListenerCount(asteriskChannelId?: string): number {
    return this.#channelListeners.count(asteriskChannelId);
  }

  /**
   * `linkLostAt`: when events were last known to be received for this application, by
   * this process or another (a node taking over from one that died, ADR 23); calls that
   * vanished meanwhile end then. Kept if an earlier drop of our own is older.
   */
  start(options: { linkLostAt?: Date } = {}): void {
    if (this.#state === 'connecting' || this.#state === 'connected') return;
    if (options.linkLostAt) this.#linkLostAt ??= options.linkLostAt;
    this.#attempt = 0;
    this.#open();
  }

  async stop(): Promise<void> {
    this.#setState('stopped');
    clearTimeout(this.#reconnectTimer);
    await this.#closeSocket();
  }

  #open(): void {
    clearTimeout(this.#reconnectTimer);
    const epoch = ++this.#epoch;
    this.#setState('connecting');
    const socket = this.#options.client.openEventsWebSocket(this.#options.app, { subscribeAll: this.#subscribeAll });
    this.#socket = socket;
    let rejectedStatus: number | undefined;
    socket.on('unexpected-response', (_request, response) => {
      rejectedStatus = response.statusCode;
      response.resume();
      socket.terminate();
    });
    socket.on('open', () => this.#handleOpen(socket, epoch));
    socket.on('message', (data, isBinary) => {
      if (epoch !== this.#epoch) return;
      this.#lastHeardAt = Date.now();
      if (!isBinary) this.#handleFrame(decodeRawData(data));
    });
    socket.on('pong', () => {
      if (epoch !== this.#epoch) return;
      this.#lastHeardAt = Date.now();
      this.#isAwaitingPong = false;
    });
    socket.on('error', (error) => this.#logger.debug({ err: error }, 'ari websocket error'));
    socket.on('close', () => this.#handleClose(epoch, rejectedStatus));
  }

  #handleOpen(socket: WebSocket, epoch: number): void {
    if (epoch !== this.#epoch) return;
    const isReconnect = this.#hasConnectedBefore;
    this.#hasConnectedBefore = true;
    this.#attempt = 0;
    this.#lastBridgeMediaFrame = undefined;
    this.#lastHeardAt = Date.now();
    this.#setState('connected');
    this.#logger.info({ isReconnect }, 'ari events connected');
    this.#startKeepAlive(socket);
    void this.#reconcile(epoch, isReconnect);
  }

  #handleClose(epoch: number, rejectedStatus: number | undefined): void {
    if (epoch !== this.#epoch) return;
    clearInterval(this.#keepAliveTimer);
    this.#socket = undefined;
    this.#meanwhile = undefined;
    if (this.#state === 'stopped' || this.#state === 'replaced' || this.#state === 'failed') return;
    if (rejectedStatus === 401) {
      // Retrying with the same credentials cannot succeed and floods Asterisk's security log.
      const error = new AriUnauthorizedError({
        method: 'GET',
        path: '/events',
        status: 401,
        asteriskMessage: 'Authentication required',
      });
      this.#logger.error({ status: rejectedStatus }, 'ari credentials rejected; not reconnecting');
      this.#setState('failed', error);
      return;
    }
    // A close is news from the peer (FIN, RST) or our own verdict on a missed pong, which
    // dated the loss from the last pong already. Failed reconnects keep the first loss.
    this.#linkLostAt ??= new Date();
    this.#setState('disconnected');
    const delayMs = computeReconnectDelayMs(
      this.#attempt++,
      this.#options.reconnect,
      this.#options.random ?? Math.random,
    );
    this.#logger.warn({ delayMs, rejectedStatus }, 'ari events disconnected; reconnecting');
    this.#reconnectTimer = setTimeout(() => this.#open(), delayMs);
  }

  #handleFrame(frame: string): void {
    const parsed = parseAriEvent(frame);
    if (parsed.kind === 'invalid') {
      this.#logger.warn({ reason: parsed.reason }, 'ari event frame ignored');
      return;
    }
    if (parsed.kind === 'unhandled') return;
    const event = parsed.event;
    if (this.#subscribeAll && isBridgeMediaEvent(event)) {
      if (frame === this.#lastBridgeMediaFrame) return;
      this.#lastBridgeMediaFrame = frame;
    }
    this.#track(event);
    for (const listener of this.#eventListeners) this.#call(listener, event);
    const channelIds = findChannelIdsOfEvent(event);
    for (const asteriskChannelId of channelIds) {
      for (const listener of this.#channelListeners.listenersOf(asteriskChannelId)) this.#call(listener, event);
    }
    if (event.type === 'ChannelDestroyed') this.#channelListeners.removeChannel(event.channel.id);
    if (event.type === 'StasisEnd' && !this.#subscribeAll) this.#channelListeners.removeChannel(event.channel.id);
    if (event.type === 'ApplicationReplaced') this.#handleReplaced();
  }

  #track(event: AriEvent): void {
    if (event.type === 'StasisStart') this.#stasisChannelIds.add(event.channel.id);
    if (event.type === 'StasisEnd') {
      this.#stasisChannelIds.delete(event.channel.id);
      this.#meanwhile?.left.add(event.channel.id);
    }
    if (event.type === 'ChannelDestroyed') {
      this.#stasisChannelIds.delete(event.channel.id);
      this.#meanwhile?.destroyed.add(event.channel.id);
    }
  }

  /**
   * Another WebSocket took our application (Asterisk keeps one per app; res_stasis
   * app_update). Reconnecting would steal it back, and two nodes would trade the stream
   * forever, each losing events at every swap. So we stop, loudly, and leave the choice to
   * an operator (`start()` takes it back).
   */
  #handleReplaced(): void {
    this.#logger.error({}, 'ari application taken over by another client; not reconnecting');
    this.#setState('replaced');
    void this.#closeSocket();
  }

  async #reconcile(epoch: number, isReconnect: boolean): Promise<void> {
    for (let attempt = 1; attempt <= RECONCILE_ATTEMPTS; attempt++) {
      if (epoch !== this.#epoch || this.#state !== 'connected') return;
      const meanwhile = { destroyed: new Set<string>(), left: new Set<string>() };
      this.#meanwhile = meanwhile;
      try {
        const channels = await this.#options.client.listChannels();
        if (epoch !== this.#epoch || this.#state !== 'connected') return;
        this.#meanwhile = undefined;
        const report = reconcileChannels({
          app: this.#options.app,
          isReconnect,
          knownAsteriskChannelIds: this.#knownChannelIds(),
          channels,
          destroyedMeanwhile: meanwhile.destroyed,
          leftStasisMeanwhile: meanwhile.left,
        });
        this.#applyReconciliation(report);
        const link: AriLinkOutage = { lostAt: this.#linkLostAt };
        this.#linkLostAt = undefined;
        for (const listener of this.#reconciledListeners) this.#call((value) => listener(value, link), report);
        return;
      } catch (error) {
        this.#meanwhile = undefined;
        this.#logger.warn({ err: error, attempt }, 'ari reconciliation failed');
        await delay(computeReconnectDelayMs(attempt, this.#options.reconnect, this.#options.random ?? Math.random));
      }
    }
  }

  #knownChannelIds(): Set<string> {
    const known = new Set([...this.#stasisChannelIds, ...this.#channelListeners.channelIds()]);
    for (const id of this.#options.getKnownAsteriskChannelIds?.() ?? []) known.add(id);
    return known;
  }

  #applyReconciliation(report: AriReconciliation): void {
    for (const id of report.goneAsteriskChannelIds) {
      this.#stasisChannelIds.delete(id);
      this.#channelListeners.removeChannel(id);
    }
    for (const channel of report.leftStasis) this.#stasisChannelIds.delete(channel.id);
    for (const channel of [...report.stillInStasis, ...report.unknownInStasis]) this.#stasisChannelIds.add(channel.id);
    this.#logger.info(
      {
        gone: report.goneAsteriskChannelIds.length,
        stillInStasis: report.stillInStasis.length,
        leftStasis: report.leftStasis.length,
        unknownInStasis: report.unknownInStasis.length,
      },
      'ari channels reconciled',
    );
  }

  #startKeepAlive(socket: WebSocket): void {
    const intervalMs = this.#options.keepAliveIntervalMs ?? 20_000;
    clearInterval(this.#keepAliveTimer);
    this.#isAwaitingPong = false;
    if (intervalMs <= 0) return;
    this.#keepAliveTimer = setInterval(() => {
      // A half-open TCP connection (Asterisk's host gone) reports nothing by itself.
      if (this.#isAwaitingPong) {
        this.#logger.warn({ intervalMs }, 'ari websocket missed a pong; dropping it');
        this.#linkLostAt ??= new Date(this.#lastHeardAt);
        socket.terminate();
        return;
      }
      this.#isAwaitingPong = true;
      socket.ping();
    }, intervalMs);
  }

  async #closeSocket(): Promise<void> {
    clearInterval(this.#keepAliveTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket === undefined || socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    if (socket.readyState === WebSocket.OPEN) socket.close(1000);
    else socket.terminate();
    const timer = setTimeout(() => socket.terminate(), 1_000);
    await closed;
    clearTimeout(timer);
  }

  #setState(state: AriConnectionState, error?: AriError): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    const change: AriStateChange = error === undefined ? { state, previous } : { state, previous, error };
    for (const listener of this.#stateListeners) this.#call(listener, change);
  }

  #call<T>(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch (error) {
      this.#logger.error({ err: error }, 'ari listener threw');
    }
  }
}

function decodeRawData(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export { computeReconnectDelayMs };
