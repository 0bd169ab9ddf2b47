/**
 * An ARI server on 127.0.0.1:0 that answers as Asterisk 22.10.1 did in the captures
 * (test/fixtures/asterisk): REST with the same status lines, header order and bodies
 * (ari-emulator.routes.ts), auth by Basic or `api_key`, and the events WebSocket with the
 * same frames. Tests script it: replay a captured scenario, inject events, drop sockets,
 * refuse reconnects, stop answering pings, and read what it was asked.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AriChannel } from '../../src/integrations/asterisk-ari/index.js';
import {
  ASTERISK_ID,
  asteriskTimestamp,
  buildChannel,
  sendError,
  sendUnauthorized,
  type AriEmulatorState,
  type AriRouteEffects,
} from './ari-emulator.http.js';
import { destroyChannel } from './ari-emulator.channels.js';
import { routeAriRequest } from './ari-emulator.routes.js';

export const ARI_FIXTURES_DIR = fileURLToPath(new URL('../fixtures/asterisk/', import.meta.url));

export interface RecordedAriRequest {
  method: string;
  /** Decoded path, e.g. `/ari/channels/s09-busy;2`. */
  path: string;
  query: Record<string, string>;
  body: string;
  authorization: string | undefined;
}

interface EventSocket {
  socket: WebSocket;
  /** Apps this socket still holds; a newer socket for the same app takes it (ApplicationReplaced). */
  apps: Set<string>;
  subscribeAll: boolean;
}

export interface ReplayOptions {
  /** Which capture: `<scenario>.jsonl`, or `<scenario>.<part>.jsonl` (s12 has `ws1`, `ws2`). */
  part?: string;
  /** Captured id → id to send, applied to every string equal to the id or to `channel:<id>`. */
  rewriteIds?: Record<string, string>;
  /** Keep the channel table in step with the events (default true). */
  isUpdatingState?: boolean;
}

export class AriEmulator {
  readonly username: string;
  readonly password: string;
  readonly requests: RecordedAriRequest[] = [];
  /** One line per emulated crash (900). While crashed every connection is reset. */
  readonly crashes: string[] = [];
  /** Asterisk's warning for each channel refused by Stasis() because no WebSocket held its app. */
  readonly stasisRefusals: string[] = [];
  readonly state: AriEmulatorState;
  /** Errors to answer instead of routing, once each, e.g. a 412 no capture shows. */
  readonly #scriptedFailures: { method: string; path: string; status: number; message: string }[] = [];
  /** Requests to answer only once released, once each: a slow PBX for one request. */
  readonly #holds: { method: string; path: string; released: Promise<void> }[] = [];
  /** Called after each successful originate, to script what the call does next. */
  onOriginate: (channel: AriChannel) => void = () => undefined;
  readonly #server: Server;
  readonly #wss = new WebSocketServer({ noServer: true, autoPong: false });
  readonly #eventSockets = new Set<EventSocket>();
  readonly #openWaiters: { count: number; resolve: () => void }[] = [];
  #webSocketsOpened = 0;
  #upgradeRequests = 0;
  #isAcceptingWebSockets = true;
  #isAnsweringPings = true;
  #isCrashed = false;
  #sequence = 0x20;

  private constructor(options: { username?: string; password?: string }) {
    this.username = options.username ?? 'ari';
    this.password = options.password ?? 'ari';
    this.state = {
      channels: new Map(),
      stasisChannelIds: new Set(),
      variables: new Map(),
      bridges: new Map(),
      playbacks: new Map(),
      liveRecordings: new Map(),
      storedRecordings: new Map(),
      snoops: new Map(),
      mohBridgeIds: new Set(),
      activeApps: () => [...this.#eventSockets].flatMap((entry) => [...entry.apps]),
      nextSequence: () => this.#sequence++,
    };
    this.#server = createServer((req, res) => void this.#handleRequest(req, res));
    this.#server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.#handleUpgrade(req, socket, head),
    );
  }

  static async start(options: { username?: string; password?: string } = {}): Promise<AriEmulator> {
    const emulator = new AriEmulator(options);
    await new Promise<void>((resolve) => emulator.#server.listen(0, '127.0.0.1', resolve));
    return emulator;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  get webSocketsOpened(): number {
    return this.#webSocketsOpened;
  }

  /** Every upgrade request, accepted or not: how often a client tried. */
  get upgradeRequests(): number {
    return this.#upgradeRequests;
  }

  get openWebSocketCount(): number {
    return this.#eventSockets.size;
  }

  /** Resolves once `count` event WebSockets have been opened in total (bounded wait). */
  waitForWebSockets(count: number, timeoutMs = 3_000): Promise<void> {
    if (this.#webSocketsOpened >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.#webSocketsOpened} of ${count} websockets`)),
        timeoutMs,
      );
      this.#openWaiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Sends an event object as one compact frame, adding `application` last as Asterisk does. */
  emit(event: Record<string, unknown>): void {
    for (const entry of this.#eventSockets) {
      const app = typeof event.application === 'string' ? event.application : [...entry.apps][0];
      if (app === undefined || !entry.apps.has(app)) continue;
      entry.socket.send(JSON.stringify({ ...event, application: app }));
    }
  }

  /** Sends one frame exactly as given, to every socket that still holds an app. */
  emitRaw(frame: string): void {
    for (const entry of this.#eventSockets) if (entry.apps.size > 0) entry.socket.send(frame);
  }

  /**
   * Sends a captured scenario's frames in order, byte for byte unless ids are rewritten.
   * `scenario` names a file of ari-events/ (`s01-…`) or a path under the fixtures
   * (`ari-rest/events-during-rest-session`).
   */
  replay(scenario: string, options: ReplayOptions = {}): number {
    const base = scenario.includes('/') ? scenario : `ari-events/${scenario}`;
    const file = `${ARI_FIXTURES_DIR}${base}${options.part ? `.${options.part}` : ''}.jsonl`;
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0);
    for (const line of lines) {
      const frame = options.rewriteIds ? JSON.stringify(rewriteIds(JSON.parse(line), options.rewriteIds)) : line;
      if (options.isUpdatingState ?? true) this.applyEvent(JSON.parse(frame) as Record<string, unknown>);
      this.emitRaw(frame);
    }
    return lines.length;
  }

  /** Keeps the tables in step with an event, as Asterisk's own state would be. */
  applyEvent(event: Record<string, unknown>): void {
    const { channels, stasisChannelIds, bridges } = this.state;
    const channel = event.channel as AriChannel | undefined;
    if (event.type === 'ChannelDestroyed' && channel) {
      channels.delete(channel.id);
      stasisChannelIds.delete(channel.id);
      return;
    }
    if (channel) channels.set(channel.id, channel);
    if (event.type === 'Dial' && event.peer) channels.set((event.peer as AriChannel).id, event.peer as AriChannel);
    if (event.type === 'StasisStart' && channel) stasisChannelIds.add(channel.id);
    if (event.type === 'StasisEnd' && channel) stasisChannelIds.delete(channel.id);
    const bridge = event.bridge as { id: string } | undefined;
    if (bridge && event.type === 'BridgeDestroyed') bridges.delete(bridge.id);
    else if (bridge) bridges.set(bridge.id, bridge as never);
  }

  /**
   * A channel runs Stasis(app, args…): with a WebSocket holding the app it arrives in Stasis
   * (the StasisStart of s01 / s03), in the emulator's tables and on the wire. With none, it
   * is refused and hung up, as Asterisk does (see #refuseStasis).
   */
  enterStasis(asteriskChannelId: string, args: string[] = [], options: { app?: string } = {}): AriChannel {
    const app = options.app ?? this.state.activeApps()[0] ?? 'callcenter';
    const existing = this.state.channels.get(asteriskChannelId);
    const channel = existing ?? buildChannel(this.state, { id: asteriskChannelId, state: 'Up' });
    channel.state = 'Up';
    channel.dialplan = { ...channel.dialplan, app_name: 'Stasis', app_data: [app, ...args].join(',') };
    this.state.channels.set(asteriskChannelId, channel);
    if (!this.state.activeApps().includes(app)) {
      this.#refuseStasis(channel, app);
      return channel;
    }
    this.state.stasisChannelIds.add(asteriskChannelId);
    const timestamp = asteriskTimestamp();
    this.emit({
      variable: 'STASISSTATUS',
      value: '',
      type: 'ChannelVarset',
      timestamp,
      channel,
      asterisk_id: ASTERISK_ID,
    });
    this.emit({ type: 'StasisStart', timestamp, args, channel, asterisk_id: ASTERISK_ID });
    return channel;
  }

  /**
   * Stasis() with no WebSocket holding the app (app_stasis.c, res_stasis.c in 22.10.1): it
   * logs a warning, sets STASISSTATUS=FAILED and returns without a StasisStart. The kit's
   * dialplan then hangs the caller up (Hangup(34), the cause used here); a channel originated
   * into the app has no dialplan after it and hangs up as well — seen on the real Asterisk
   * (failover.pbx.ts: the agent's phone gets a BYE right after its 200 OK). Nobody hears of
   * it: no socket holds the app. Whether the app is still registered (channels it had stay
   * in it after its socket closed) only changes the log line.
   */
  #refuseStasis(channel: AriChannel, app: string): void {
    this.stasisRefusals.push(
      this.state.stasisChannelIds.size > 0
        ? `Stasis app '${app}' not active`
        : `${channel.name}: Stasis app '${app}' doesn't exist`,
    );
    destroyChannel(this.state, this.#effects(undefined), channel, 34, 'Circuit/channel congestion');
  }

  /** The far end hangs up: the tail of s01 for this channel. */
  hangupChannel(asteriskChannelId: string, cause = 16, causeText = 'Normal Clearing'): void {
    const channel = this.state.channels.get(asteriskChannelId);
    if (channel) destroyChannel(this.state, this.#effects(undefined), channel, cause, causeText);
  }

  /** Ends a playback as Asterisk does when the media is over (or missing: `failed`). */
  finishPlayback(playbackId: string, state: 'done' | 'failed' = 'done'): void {
    const playback = this.state.playbacks.get(playbackId);
    if (!playback) return;
    this.state.playbacks.delete(playbackId);
    const finished = { ...playback, state };
    this.emit({
      type: 'PlaybackFinished',
      timestamp: asteriskTimestamp(),
      playback: finished,
      asterisk_id: ASTERISK_ID,
    });
  }

  /** The next `method path` (e.g. `POST /ari/channels/x/answer`) gets this error instead of its answer. */
  failNext(method: string, path: string, status: number, message: string): void {
    this.#scriptedFailures.push({ method, path, status, message });
  }

  /**
   * The next `method path` is answered only once the returned function is called (a PBX
   * slow to answer that one request); the request is recorded on arrival as any other.
   */
  holdNext(method: string, path: string): () => void {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.#holds.push({ method, path, released });
    return release;
  }

  /** Cuts every event WebSocket without a close frame, as a network failure would. */
  dropWebSockets(): void {
    for (const entry of this.#eventSockets) {
      entry.socket.terminate();
      // Asterisk unregisters the app as the socket goes: from here on Stasis() is refused.
      this.#eventSockets.delete(entry);
    }
  }

  /** While false, upgrades are reset before the handshake, as when Asterisk is restarting. */
  setAcceptingWebSockets(isAccepting: boolean): void {
    this.#isAcceptingWebSockets = isAccepting;
  }

  /** While false, WebSocket pings get no pong, as on a half-open TCP connection. */
  setAnsweringPings(isAnswering: boolean): void {
    this.#isAnsweringPings = isAnswering;
  }

  /** After an emulated crash: Asterisk restarted, with no channels, bridges or apps. */
  recoverFromCrash(): void {
    this.#isCrashed = false;
    this.state.channels.clear();
    this.state.stasisChannelIds.clear();
    this.state.bridges.clear();
    this.state.playbacks.clear();
    this.state.liveRecordings.clear();
    this.state.snoops.clear();
    this.state.mohBridgeIds.clear();
  }

  async close(): Promise<void> {
    for (const entry of this.#eventSockets) entry.socket.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #effects(res: ServerResponse | undefined): AriRouteEffects {
    return {
      emit: (event) => setImmediate(() => this.emit(event)),
      crash: (reason) => {
        this.crashes.push(reason);
        this.#isCrashed = true;
        res?.socket?.destroy();
        this.dropWebSockets();
      },
      onOriginate: (channel) => setImmediate(() => this.onOriginate(channel)),
    };
  }

  #isAuthorized(req: IncomingMessage, url: URL): boolean {
    const expected = `${this.username}:${this.password}`;
    const apiKey = url.searchParams.get('api_key');
    if (apiKey !== null) return apiKey === expected;
    const header = req.headers.authorization;
    return header?.startsWith('Basic ') === true && Buffer.from(header.slice(6), 'base64').toString() === expected;
  }

  async #handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#isCrashed) return void req.socket.destroy();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const segments = url.pathname.split('/').slice(2).map(decodeURIComponent);
    this.requests.push({
      method: req.method ?? 'GET',
      path: `/${url.pathname.split('/').slice(1).map(decodeURIComponent).join('/')}`,
      query: Object.fromEntries(url.searchParams),
      body,
      authorization: req.headers.authorization,
    });
    if (!this.#isAuthorized(req, url)) return sendUnauthorized(res);
    if (!url.pathname.startsWith('/ari/')) return sendError(res, 404, 'Resource not found');
    const path = this.requests.at(-1)?.path;
    const held = this.#holds.findIndex((entry) => entry.method === req.method && entry.path === path);
    if (held !== -1) {
      const [hold] = this.#holds.splice(held, 1);
      await hold?.released;
    }
    const scripted = this.#scriptedFailures.findIndex((entry) => entry.method === req.method && entry.path === path);
    if (scripted !== -1) {
      const [failure] = this.#scriptedFailures.splice(scripted, 1);
      if (failure) {
        return sendError(
          res,
          failure.status,
          failure.message,
          failure.status === 412 ? 'Precondition Failed' : undefined,
        );
      }
    }
    const query = new URLSearchParams(url.searchParams);
    query.delete('api_key');
    routeAriRequest(req, res, { segments, query, body }, this.state, this.#effects(res));
  }

  #handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.#upgradeRequests++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (this.#isCrashed || !this.#isAcceptingWebSockets || url.pathname !== '/ari/events') {
      socket.destroy();
      return;
    }
    if (!this.#isAuthorized(req, url)) return void socket.end(handshakeRejection('wrong password'));
    const apps = url.searchParams.get('app');
    if (!apps) return void socket.end(handshakeRejection('no app parameter'));
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#adopt(ws, apps.split(','), url.searchParams.get('subscribeAll') === 'true');
    });
  }

  #adopt(ws: WebSocket, apps: string[], subscribeAll: boolean): void {
    for (const app of apps) {
      for (const other of this.#eventSockets) {
        if (!other.apps.delete(app)) continue;
        // res_stasis app_update: the older socket is told, then gets nothing more for the app.
        other.socket.send(JSON.stringify({ type: 'ApplicationReplaced', application: app, asterisk_id: ASTERISK_ID }));
      }
    }
    const entry: EventSocket = { socket: ws, apps: new Set(apps), subscribeAll };
    this.#eventSockets.add(entry);
    ws.on('ping', (data) => {
      if (this.#isAnsweringPings) ws.pong(data);
    });
    ws.on('close', () => this.#eventSockets.delete(entry));
    this.#webSocketsOpened++;
    for (const waiter of [...this.#openWaiters]) {
      if (this.#webSocketsOpened < waiter.count) continue;
      this.#openWaiters.splice(this.#openWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}

/** The exact bytes Asterisk answered to a rejected upgrade (ari-rest/ws-handshakes.json), with today's Date. */
function handshakeRejection(which: 'wrong password' | 'no app parameter'): string {
  const cases = JSON.parse(readFileSync(`${ARI_FIXTURES_DIR}ari-rest/ws-handshakes.json`, 'utf8')) as {
    case: string;
    response_raw: string;
  }[];
  const captured = cases.find((entry) => entry.case === which)?.response_raw ?? '';
  return captured.replace(/Date: [^\r]+/g, `Date: ${new Date().toUTCString()}`);
}

function rewriteIds(value: unknown, ids: Record<string, string>): unknown {
  if (typeof value === 'string') {
    if (Object.hasOwn(ids, value)) return ids[value];
    const target = /^(channel|bridge):(.*)$/.exec(value);
    if (target && Object.hasOwn(ids, target[2] ?? '')) return `${target[1]}:${ids[target[2] ?? '']}`;
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => rewriteIds(item, ids));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, rewriteIds(item, ids)]));
  }
  return value;
}
