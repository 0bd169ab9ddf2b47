/**
 * A TCP client that behaves as Asterisk 22.10.1 does on an AudioSocket connection, per the
 * captures in asterisk-traces/audiosocket: UUID frame first, audio frames every 20 ms (or a
 * capture's rx.bin replayed byte for byte), DTMF as `03 00 01 <ascii>`, closing the socket on
 * `00 00 00`, never sending 0x00 itself, and optionally the AudioSocket() application's 2 s
 * inactivity timeout.
 *
 * It decodes what the server sends with its own code, written from Asterisk's receive path
 * (res_audiosocket.c:287-421), not with the codec under test, and records every frame that
 * Asterisk would reject in `asteriskErrors`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { afterEach } from 'vitest';
import {
  createAudiosocketServer,
  type AudiosocketEvents,
  type AudiosocketServer,
  type AudiosocketServerOptions,
} from '../../src/integrations/audiosocket/index.js';

export const WIRE_KIND = {
  HANGUP: 0x00,
  UUID: 0x01,
  DTMF: 0x03,
  AUDIO_SLIN: 0x10,
  AUDIO_SLIN16: 0x12,
  AUDIO_SLIN48: 0x16,
  AUDIO_SLIN192: 0x18,
  ERROR: 0xff,
} as const;

const RATE_BY_KIND: Record<number, number> = {
  0x10: 8000,
  0x11: 12000,
  0x12: 16000,
  0x13: 24000,
  0x14: 32000,
  0x15: 44100,
  0x16: 48000,
  0x17: 96000,
  0x18: 192000,
};

export function wireFrameBytes(kind: number): number {
  return ((RATE_BY_KIND[kind] ?? 8000) / 1000) * 20 * 2;
}

export function rawFrame(kind: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.from([kind, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

export function uuidFrame(uuid: string): Buffer {
  return rawFrame(WIRE_KIND.UUID, Buffer.from(uuid.replaceAll('-', ''), 'hex'));
}

/** Deterministic non-silent PCM so content checks can tell frames apart. */
export function patternPcm(bytes: number, seed = 1): Buffer {
  const pcm = Buffer.alloc(bytes);
  for (let i = 0; i + 1 < bytes; i += 2) pcm.writeInt16LE(((i / 2 + seed) * 37) % 20000, i);
  return pcm;
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'audiosocket');

export function readCapture(name: string, suffix: 'rx.bin' | 'tx.bin' = 'rx.bin'): Buffer {
  return readFileSync(join(FIXTURES, `${name}.${suffix}`));
}

export interface CaptureSummary {
  bytes_received: number;
  frames_received: number;
  received_stats_by_kind: Record<string, { count: number; lengths_seen: number[]; digits?: string }>;
}

export function readSummary(name: string): CaptureSummary {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.summary.json`), 'utf8')) as CaptureSummary;
}

/** A capture's bytes with its UUID frame (always at offset 0) rewritten. */
export function withUuid(capture: Buffer, uuid: string): Buffer {
  const copy = Buffer.from(capture);
  uuidFrame(uuid).copy(copy, 0);
  return copy;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `predicate` every 5 ms; fails after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Seeded PRNG (mulberry32) so random chunkings are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ReceivedFrame {
  kind: number;
  length: number;
  at: number;
  payload: Buffer;
}

export interface PeerOptions {
  port: number;
  host?: string;
  /** app_audiosocket's MAX_WAIT_TIMEOUT_MSEC (2000): close when no frame went either way. */
  inactivityTimeoutMs?: number;
  /**
   * Asterisk closes the socket on `00 00 00`. `ignore` plays a peer that does not: it also
   * keeps its side open after the server's FIN (half-open), so only a destroy ends it.
   */
  onHangupFrame?: 'close' | 'ignore';
}

export class AudiosocketPeer {
  readonly socket: Socket;
  readonly received: ReceivedFrame[] = [];
  readonly rawChunks: Buffer[] = [];
  readonly asteriskErrors: string[] = [];
  receivedBytes = 0;
  sentBytes = 0;
  sawHangupFrame = false;
  isClosed = false;
  closedBy: 'inactivity' | 'hangup_frame' | 'server' | 'error' | 'self' | undefined;
  readonly closed: Promise<void>;
  private pending = Buffer.alloc(0);
  private audioTimer: NodeJS.Timeout | undefined;
  private inactivityTimer: NodeJS.Timeout | undefined;
  private readonly options: PeerOptions;

  private constructor(socket: Socket, options: PeerOptions) {
    this.socket = socket;
    this.options = options;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => (this.closedBy ??= 'error'));
    socket.on('end', () => (this.closedBy ??= 'server'));
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        this.stopAudio();
        clearTimeout(this.inactivityTimer);
        resolve();
      }),
    );
    this.touch();
  }

  static connect(options: PeerOptions): Promise<AudiosocketPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        port: options.port,
        host: options.host ?? '127.0.0.1',
        allowHalfOpen: options.onHangupFrame === 'ignore',
      });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new AudiosocketPeer(socket, options));
      });
    });
  }

  get audioFrames(): ReceivedFrame[] {
    return this.received.filter((frame) => RATE_BY_KIND[frame.kind] !== undefined);
  }

  get rawBytes(): Buffer {
    return Buffer.concat(this.rawChunks);
  }

  send(bytes: Buffer): void {
    if (this.isClosed || this.socket.destroyed) return;
    this.sentBytes += bytes.length;
    this.socket.write(bytes);
    this.touch();
  }

  sendUuid(uuid: string): void {
    this.send(uuidFrame(uuid));
  }

  sendAudio(kind: number, pcm: Buffer): void {
    this.send(rawFrame(kind, pcm));
  }

  sendDtmf(digit: string): void {
    this.send(rawFrame(WIRE_KIND.DTMF, Buffer.from(digit, 'ascii')));
  }

  /** Audio every 20 ms against absolute deadlines, as Asterisk sends it; at most `frames`. */
  startAudio(options: { kind?: number; frames: number; frameBytes?: number }): void {
    this.stopAudio();
    const kind = options.kind ?? WIRE_KIND.AUDIO_SLIN;
    const frameBytes = options.frameBytes ?? wireFrameBytes(kind);
    const startAt = performance.now();
    let sent = 0;
    const tick = (): void => {
      if (sent >= options.frames || this.isClosed) return;
      this.sendAudio(kind, patternPcm(frameBytes, sent));
      sent += 1;
      this.audioTimer = setTimeout(tick, Math.max(0, startAt + sent * 20 - performance.now()));
    };
    tick();
  }

  /** The channel produces no media (capture as07): nothing more is sent. */
  stopAudio(): void {
    clearTimeout(this.audioTimer);
    this.audioTimer = undefined;
  }

  /** Writes `bytes` in chunks whose sizes `nextSize` picks, yielding between writes. */
  async sendChunked(bytes: Buffer, nextSize: () => number): Promise<number> {
    let at = 0;
    let writes = 0;
    while (at < bytes.length && !this.isClosed && writes < 1_000_000) {
      const size = Math.max(1, Math.min(bytes.length - at, nextSize()));
      this.send(bytes.subarray(at, at + size));
      at += size;
      writes += 1;
      if (writes % 8 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return writes;
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  /** FIN, the way Asterisk ends a call (as08). */
  async close(): Promise<void> {
    this.closedBy ??= 'self';
    this.stopAudio();
    this.socket.end();
    await this.closed;
  }

  destroy(): void {
    this.closedBy ??= 'self';
    this.socket.destroy();
  }

  private touch(): void {
    const timeoutMs = this.options.inactivityTimeoutMs;
    if (timeoutMs === undefined) return;
    clearTimeout(this.inactivityTimer);
    this.inactivityTimer = setTimeout(() => {
      this.closedBy ??= 'inactivity';
      this.socket.destroy();
    }, timeoutMs);
  }

  private onData(chunk: Buffer): void {
    this.rawChunks.push(chunk);
    this.receivedBytes += chunk.length;
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 3) {
      const kind = this.pending[0] as number;
      const length = this.pending.readUInt16BE(1);
      if (kind === WIRE_KIND.HANGUP) {
        // Asterisk treats 0x00 as hangup without looking further (res_audiosocket.c:330-336).
        this.received.push({ kind, length, at: performance.now(), payload: Buffer.alloc(0) });
        this.pending = this.pending.subarray(3);
        this.sawHangupFrame = true;
        if (this.options.onHangupFrame !== 'ignore') {
          this.closedBy ??= 'hangup_frame';
          this.socket.end();
        }
        continue;
      }
      if (RATE_BY_KIND[kind] === undefined) {
        this.asteriskErrors.push(
          `Received AudioSocket message other than hangup or audio (kind 0x${kind.toString(16)})`,
        );
      } else if (length === 0) {
        this.asteriskErrors.push('Invalid message length received');
      }
      if (this.pending.length < 3 + length) break;
      const payload = Buffer.from(this.pending.subarray(3, 3 + length));
      this.received.push({ kind, length, at: performance.now(), payload });
      this.pending = this.pending.subarray(3 + length);
      this.touch();
    }
  }
}

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export function createCapturingLogger(level = 'debug'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

type Recorded = { [E in keyof AudiosocketEvents]: AudiosocketEvents[E][] };

export interface AudiosocketHarness {
  server: AudiosocketServer;
  port: number;
  logs: LogLine[];
  events: Recorded;
  connectPeer(options?: Omit<PeerOptions, 'port'>): Promise<AudiosocketPeer>;
  /** A peer that has sent a fresh UUID, once the server has started its (visitor) session. */
  openSession(options?: Omit<PeerOptions, 'port'>): Promise<{ peer: AudiosocketPeer; uuid: string }>;
  close(): Promise<void>;
}

/** A real server on 127.0.0.1:0 with every event recorded; `close` also destroys its peers. */
export async function startAudiosocketHarness(
  options: Omit<AudiosocketServerOptions, 'logger' | 'host' | 'port'> = {},
): Promise<AudiosocketHarness> {
  const { logger, lines } = createCapturingLogger();
  const server = createAudiosocketServer({ ...options, logger, host: '127.0.0.1', port: 0 });
  const events: Recorded = {
    sessionStarted: [],
    audioReceived: [],
    dtmfReceived: [],
    sessionEnded: [],
    connectionRejected: [],
  };
  server.on('sessionStarted', (event) => events.sessionStarted.push(event));
  // Payload views are copied: the test may look at them after the read buffer moved on.
  server.on('audioReceived', (event) => events.audioReceived.push({ ...event, pcm: Buffer.from(event.pcm) }));
  server.on('dtmfReceived', (event) => events.dtmfReceived.push(event));
  server.on('sessionEnded', (event) => events.sessionEnded.push(event));
  server.on('connectionRejected', (event) => events.connectionRejected.push(event));
  const { port } = await server.listen();
  const peers: AudiosocketPeer[] = [];
  const connectPeer = async (peerOptions: Omit<PeerOptions, 'port'> = {}) => {
    const peer = await AudiosocketPeer.connect({ ...peerOptions, port });
    peers.push(peer);
    return peer;
  };
  return {
    server,
    port,
    logs: lines,
    events,
    connectPeer,
    async openSession(peerOptions = {}) {
      const uuid = randomUUID();
      const peer = await connectPeer(peerOptions);
      peer.sendUuid(uuid);
      await waitUntil(() => server.getSession(uuid, 'visitor') !== undefined, 5000, 'session start');
      return { peer, uuid };
    },
    async close() {
      for (const peer of peers) peer.destroy();
      await server.close();
    },
  };
}

/**
 * For a test file: `start(options)` starts a harness for the running test, and it is
 * closed after each test.
 */
export function harnessPerTest(): (
  options?: Omit<AudiosocketServerOptions, 'logger' | 'host' | 'port'>,
) => Promise<AudiosocketHarness> {
  let harness: AudiosocketHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
  return async (options = {}) => {
    harness = await startAudiosocketHarness(options);
    return harness;
  };
}
