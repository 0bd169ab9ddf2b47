/**
 * Outbound audio of one session: a bounded queue of PCM clips cut into 20 ms frames and
 * written on the FramePacer's deadlines, with silence when the queue is empty.
 *
 * Two kinds of audio:
 * - Clips (`enqueue`): audio the server produces (prompts, synthesised speech). The server
 *   is their clock: frames go out on the 20 ms grid. A clip that reaches an idle player
 *   restarts the grid, so it starts within a millisecond instead of at the next silence slot.
 * - Relayed audio (`relay`): a live stream that already has a clock, its source's (another
 *   caller, an echo, a streaming synthesiser). A frame that finds the player idle is written
 *   at once, with its own size, the way Asterisk's bridges and RTP relays forward media:
 *   re-pacing a real-time stream only adds up to 20 ms of latency, and under load keeping a
 *   backlog of it makes the latency grow for the rest of the call. While relayed audio
 *   flows no silence is interleaved (a silence frame in the slot the next relayed frame was
 *   about to take would push the stream a slot late, and make it longer than real time);
 *   silence resumes `RELAY_HOLDOVER_MS` after the last relayed frame. Relayed audio that cannot go at once (the socket is
 *   blocked, or a clip is playing) waits at most `maxRelayLatencyMs`: past that the oldest
 *   relayed audio is dropped and counted, because late live audio is worse than none.
 *
 * Silence keep-alive: the AudioSocket() application hangs up when neither side produced a
 * frame for 2000 ms (app_audiosocket.c MAX_WAIT_TIMEOUT_MSEC; capture as07), and a channel
 * that only listens sends nothing. An idle bot therefore sends zero frames at the session's
 * rate, the way an RTP stream would.
 *
 * Backpressure, two bounds:
 * - Socket: when `write()` returns false the player stops writing (the slots pass unsent,
 *   counted as skipped) until 'drain'. The process never holds more than the socket's
 *   high-water mark plus one frame for a peer that does not read. A peer that stays blocked
 *   for `writeStallTimeoutMs` is reported through `onWriteStalled`.
 * - Queue: at most `maxQueuedMs` of audio waits per session. A clip that would go past the
 *   bound is REFUSED whole (`queue_full`), never truncated or partly dropped: a prompt with
 *   a hole in it is worse than one the bot knows it has to retry, shorten or abandon.
 */
import {
  AUDIO_KIND_SAMPLE_RATE_HZ,
  HEADER_BYTES,
  audioKindForSampleRate,
  encodeAudio,
  frameBytesFor,
  type AudioKind,
  type SampleRateHz,
} from './audiosocket.codec.js';
import { DUE_MARGIN_MS, FRAME_MS, FrameSchedule, type FramePacer, type PacedTask } from './audiosocket.pacer.js';

/**
 * After the last relayed frame, how long before silence keep-alive resumes: ten frames.
 * Long enough to ride out the source's jitter and an event loop busy for a while under
 * load (silence slipped between late relayed frames would make the outbound stream longer
 * than real time, and add writes exactly when the process is behind); far short of the
 * AudioSocket() application's 2 s.
 */
export const RELAY_HOLDOVER_MS = 10 * FRAME_MS;

/** What the player writes to: a net.Socket, or any Writable in tests. */
export interface FrameSink {
  write(frame: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
  removeListener(event: 'drain', listener: () => void): unknown;
  readonly writableLength: number;
}

export type PlaybackEnd = 'played' | 'stopped' | 'session_ended';

export type PlayResult =
  | {
      status: 'queued';
      /** Audio waiting in this session's queue, this clip included. */
      queuedMs: number;
      /** Resolves when the clip's last frame was written, or it was stopped. Never rejects. */
      finished: Promise<PlaybackEnd>;
    }
  | { status: 'queue_full'; queuedMs: number; maxQueuedMs: number }
  | InvalidAudio
  | { status: 'not_found' };

// Answers of the per-frame path, shared: nothing is allocated to say "sent".
const SENT: RelayResult = Object.freeze({ status: 'sent' });
const NOT_FOUND = Object.freeze({ status: 'not_found' as const });

type InvalidAudio = { status: 'invalid_audio'; reason: 'empty' | 'odd_length' | 'unsupported_rate' };

export type RelayResult =
  /** Written to the socket now. */
  | { status: 'sent' }
  /** Held behind a blocked socket or a playing clip; `droppedMs` of older relayed audio made room. */
  | { status: 'queued'; queuedMs: number; droppedMs: number }
  | InvalidAudio
  | { status: 'not_found' };

export interface PlayerStats {
  frames: number;
  bytes: number;
  audioFrames: number;
  silenceFrames: number;
  /** Relayed frames written the moment they arrived. */
  relayedFrames: number;
  /** Relayed audio dropped because it waited longer than `maxRelayLatencyMs`. */
  relayDroppedMs: number;
  queuedMs: number;
  skippedSlots: number;
  backpressureEvents: number;
  isWriteBlocked: boolean;
  socketBufferedBytes: number;
}

export interface PlayerOptions {
  kind: AudioKind;
  maxQueuedMs: number;
  maxRelayLatencyMs: number;
  sendSilenceWhenIdle: boolean;
  writeStallTimeoutMs: number;
  onWriteStalled: () => void;
  /**
   * The sink copies what it takes at once (a net.Socket: a write that leaves nothing in
   * Node's buffer went to the kernel), so a frame buffer can be written again. Off for sinks
   * that may keep the buffers they are given.
   */
  reusesFrameBuffers?: boolean;
}

interface Clip {
  pcm: Buffer;
  offset: number;
  kind: AudioKind;
  /** Absent for relayed audio: nobody waits for it. */
  resolve: ((end: PlaybackEnd) => void) | undefined;
}

const silenceFrames = new Map<AudioKind, Buffer>();

/** One shared, never-mutated zero frame per rate. */
function silenceFrameFor(kind: AudioKind): Buffer {
  let frame = silenceFrames.get(kind);
  if (!frame) {
    frame = encodeAudio(kind, Buffer.alloc(frameBytesFor(kind)));
    silenceFrames.set(kind, frame);
  }
  return frame;
}

function bytesPerMs(kind: AudioKind): number {
  return (AUDIO_KIND_SAMPLE_RATE_HZ[kind] * 2) / 1000;
}

export class OutboundAudioPlayer implements PacedTask {
  private readonly sink: FrameSink;
  private readonly pacer: FramePacer;
  private readonly options: PlayerOptions;
  private kind: AudioKind;
  private schedule: FrameSchedule | undefined;
  private clips: Clip[] = [];
  /** A frame buffer the socket is done with (see frameBuffer). */
  private spare: Buffer | undefined;
  /** Clips whose last frame is being written (reused: no array per frame). */
  private readonly finished: Clip[] = [];
  private queuedMsTotal = 0;
  private isBlocked = false;
  private isClosed = false;
  private stallTimer: NodeJS.Timeout | undefined;
  private readonly stats = {
    frames: 0,
    bytes: 0,
    audioFrames: 0,
    silenceFrames: 0,
    relayedFrames: 0,
    relayDroppedMs: 0,
    backpressureEvents: 0,
  };

  constructor(sink: FrameSink, pacer: FramePacer, options: PlayerOptions) {
    this.sink = sink;
    this.pacer = pacer;
    this.options = options;
    this.kind = options.kind;
  }

  get dueAt(): number {
    return this.schedule ? this.schedule.dueAt : this.pacer.now();
  }

  get sampleRateHz(): SampleRateHz {
    return AUDIO_KIND_SAMPLE_RATE_HZ[this.kind];
  }

  start(): void {
    if (this.schedule || this.isClosed) return;
    this.schedule = new FrameSchedule(this.pacer.now());
    this.pacer.schedule(this);
  }

  /** The session's rate follows the audio kind Asterisk sends; silence uses it from now on. */
  setKind(kind: AudioKind): void {
    this.kind = kind;
  }

  enqueue(pcm: Buffer, sampleRateHz?: number): PlayResult {
    if (this.isClosed) return { status: 'not_found' };
    const kind = this.validate(pcm, sampleRateHz);
    if (typeof kind !== 'number') return kind;
    const clipMs = pcm.length / bytesPerMs(kind);
    if (this.queuedMsTotal + clipMs > this.options.maxQueuedMs) {
      return { status: 'queue_full', queuedMs: this.queuedMs, maxQueuedMs: this.options.maxQueuedMs };
    }
    let resolve: (end: PlaybackEnd) => void = () => undefined;
    const finished = new Promise<PlaybackEnd>((done) => (resolve = done));
    const wasIdle = this.clips.length === 0;
    this.clips.push({ pcm, offset: 0, kind, resolve });
    this.queuedMsTotal += clipMs;
    if (wasIdle) this.restartGrid();
    return { status: 'queued', queuedMs: this.queuedMs, finished };
  }

  /** Live audio (see the policy above): written now when the player is idle, else held briefly. */
  relay(pcm: Buffer, sampleRateHz?: number): RelayResult {
    if (this.isClosed) return NOT_FOUND;
    const kind = this.validate(pcm, sampleRateHz);
    if (typeof kind !== 'number') return kind;
    const schedule = this.schedule;
    if (schedule && this.clips.length === 0 && !this.isBlocked) {
      const frame = this.frameBuffer(HEADER_BYTES + pcm.length);
      frame[0] = kind;
      frame.writeUInt16BE(pcm.length, 1);
      pcm.copy(frame, HEADER_BYTES);
      const now = this.pacer.now();
      schedule.sentOffGrid(now, now + RELAY_HOLDOVER_MS);
      this.stats.audioFrames += 1;
      this.stats.relayedFrames += 1;
      // The pacer entry is not moved here (a heap operation per frame): it wakes at its old
      // time, finds the due time moved past the holdover, and goes back later; with a
      // 200 ms holdover that is one wake-up per ten relayed frames.
      this.write(frame, true);
      return SENT;
    }
    // `pcm` may be a view of a socket's read buffer: keep a copy, not the whole buffer.
    this.clips.push({ pcm: Buffer.from(pcm), offset: 0, kind, resolve: undefined });
    this.queuedMsTotal += pcm.length / bytesPerMs(kind);
    const droppedMs = this.boundRelayLatency();
    return { status: 'queued', queuedMs: this.queuedMs, droppedMs };
  }

  /** Drops everything queued (barge-in); the next slot carries silence. */
  stop(): number {
    return this.clear('stopped');
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.pacer.unschedule(this);
    this.sink.removeListener('drain', this.onDrain);
    clearTimeout(this.stallTimer);
    this.clear('session_ended');
  }

  get queuedMs(): number {
    return Math.round(this.queuedMsTotal);
  }

  /** Frames written beside the player (the hangup frame) still count as outbound. */
  noteWritten(bytes: number): void {
    this.stats.frames += 1;
    this.stats.bytes += bytes;
  }

  snapshot(): PlayerStats {
    return {
      ...this.stats,
      queuedMs: this.queuedMs,
      skippedSlots: this.schedule?.skippedSlots ?? 0,
      isWriteBlocked: this.isBlocked,
      socketBufferedBytes: this.sink.writableLength,
    };
  }

  onDue(now: number): boolean {
    if (this.isClosed || this.isBlocked || !this.schedule) return false;
    // Audio moved the grid later since this wake-up was queued (a relayed frame went out).
    if (now + DUE_MARGIN_MS < this.schedule.dueAt) return true;
    this.schedule.advance(now);
    const frame = this.takeAudioFrame();
    if (frame) {
      this.stats.audioFrames += 1;
      this.write(frame, true);
      if (this.finished.length > 0) {
        for (const clip of this.finished) clip.resolve?.('played');
        this.finished.length = 0;
      }
    } else if (this.options.sendSilenceWhenIdle) {
      this.stats.silenceFrames += 1;
      this.write(silenceFrameFor(this.kind), false);
    }
    return !this.isBlocked && !this.isClosed;
  }

  /**
   * A frame buffer: the last one written, when the socket took it whole at once (nothing
   * left in Node's write buffer, so nothing refers to it any more), else a new one. On a
   * socket that keeps up, a session writes every frame from one buffer: no garbage per
   * frame, whose collection would show up as pauses in every call's audio.
   */
  private frameBuffer(bytes: number): Buffer {
    const spare = this.spare;
    this.spare = undefined;
    // A fresh frame comes from Node's shared 8 KiB pool (one ArrayBuffer per ~25 frames),
    // not an ArrayBuffer of its own: when the process is behind, reads hold several frames,
    // the socket is corked, and no frame buffer is free for reuse until the writev.
    return spare?.length === bytes ? spare : Buffer.allocUnsafe(bytes);
  }

  private write(frame: Buffer, isOwn: boolean): void {
    this.stats.frames += 1;
    this.stats.bytes += frame.length;
    const isWritable = this.sink.write(frame);
    if (isOwn && this.options.reusesFrameBuffers === true && this.sink.writableLength === 0) this.spare = frame;
    if (isWritable) return;
    this.isBlocked = true;
    this.stats.backpressureEvents += 1;
    this.sink.once('drain', this.onDrain);
    this.stallTimer = setTimeout(this.options.onWriteStalled, this.options.writeStallTimeoutMs);
    this.stallTimer.unref();
  }

  private validate(pcm: Buffer, sampleRateHz: number | undefined): AudioKind | InvalidAudio {
    // Asterisk accepts every slin kind whatever the channel's format and transcodes
    // (res_audiosocket.c:338-365), so audio may keep its own rate.
    const kind = sampleRateHz === undefined ? this.kind : audioKindForSampleRate(sampleRateHz);
    if (kind === undefined) return { status: 'invalid_audio', reason: 'unsupported_rate' };
    if (pcm.length === 0) return { status: 'invalid_audio', reason: 'empty' };
    if (pcm.length % 2 !== 0) return { status: 'invalid_audio', reason: 'odd_length' };
    return kind;
  }

  /** Audio reached an idle player: its first frame goes now rather than at the next slot. */
  private restartGrid(): void {
    const schedule = this.schedule;
    if (!schedule || this.isBlocked || this.isClosed) return;
    const now = this.pacer.now();
    if (schedule.dueAt <= now + DUE_MARGIN_MS) return;
    schedule.restart(now);
    this.pacer.schedule(this);
  }

  /** Drops the oldest relayed audio until what is left waits no longer than the bound. */
  private boundRelayLatency(): number {
    let relayMs = 0;
    for (const clip of this.clips)
      if (!clip.resolve) relayMs += (clip.pcm.length - clip.offset) / bytesPerMs(clip.kind);
    let droppedMs = 0;
    while (relayMs > this.options.maxRelayLatencyMs) {
      const index = this.clips.findIndex((clip) => !clip.resolve);
      const [clip] = this.clips.splice(index, 1) as [Clip];
      const ms = (clip.pcm.length - clip.offset) / bytesPerMs(clip.kind);
      relayMs -= ms;
      droppedMs += ms;
    }
    if (droppedMs > 0) {
      this.queuedMsTotal = this.clips.length === 0 ? 0 : Math.max(0, this.queuedMsTotal - droppedMs);
      this.stats.relayDroppedMs += droppedMs;
    }
    return Math.round(droppedMs);
  }

  private readonly onDrain = (): void => {
    this.isBlocked = false;
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    if (!this.isClosed) this.pacer.schedule(this);
  };

  /**
   * Next 20 ms of queued audio, copied straight from the clips into a new frame (one
   * allocation per frame, 50 a second per call). Frames run across clip boundaries so
   * back-to-back clips play without gaps; only the tail before an empty queue or a rate
   * change is padded with silence, to keep every frame 20 ms long. Clips played to their
   * end go to `finished`, resolved once the frame is written.
   */
  private takeAudioFrame(): Buffer | undefined {
    const first = this.clips[0];
    if (!first) return undefined;
    const kind = first.kind;
    const size = frameBytesFor(kind);
    const frame = this.frameBuffer(HEADER_BYTES + size);
    frame[0] = kind;
    frame.writeUInt16BE(size, 1);
    let filled = 0;
    for (let clip = this.clips[0]; clip && clip.kind === kind && filled < size; clip = this.clips[0]) {
      const count = Math.min(size - filled, clip.pcm.length - clip.offset);
      clip.pcm.copy(frame, HEADER_BYTES + filled, clip.offset, clip.offset + count);
      filled += count;
      clip.offset += count;
      if (clip.offset === clip.pcm.length) this.finished.push(this.clips.shift() as Clip);
    }
    if (filled < size) frame.fill(0, HEADER_BYTES + filled);
    this.queuedMsTotal = this.clips.length === 0 ? 0 : Math.max(0, this.queuedMsTotal - filled / bytesPerMs(kind));
    return frame;
  }

  private clear(end: PlaybackEnd): number {
    const dropped = this.queuedMs;
    const clips = this.clips;
    this.clips = [];
    this.queuedMsTotal = 0;
    for (const clip of clips) clip.resolve?.(end);
    return dropped;
  }
}
