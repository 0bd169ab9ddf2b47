import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AUDIOSOCKET_KIND, AudiosocketParser, type AudiosocketFrame } from './audiosocket.codec.js';
import type { FramePacer, PacedTask } from './audiosocket.pacer.js';
import { OutboundAudioPlayer, type PlayerOptions } from './audiosocket.player.js';

/** A real Writable that accepts writes only while `isFlowing`, to play a slow peer. */
class SlowSink extends Writable {
  readonly chunks: Buffer[] = [];
  isFlowing = true;
  private held: (() => void)[] = [];

  constructor(highWaterMark: number) {
    super({ highWaterMark });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk);
    if (this.isFlowing) done();
    else this.held.push(done);
  }

  flow(): void {
    this.isFlowing = true;
    const held = this.held;
    this.held = [];
    for (const done of held) done();
  }

  frames(): AudiosocketFrame[] {
    const frames: AudiosocketFrame[] = [];
    new AudiosocketParser().push(Buffer.concat(this.chunks), (frame) => frames.push(frame));
    return frames;
  }
}

/** A pacer the test drives by hand: it records (re)scheduling and calls onDue itself. */
function handPacer(): { pacer: FramePacer; scheduled: PacedTask[]; time: { now: number } } {
  const time = { now: 0 };
  const scheduled: PacedTask[] = [];
  const pacer = {
    now: () => time.now,
    schedule: (task: PacedTask) => scheduled.push(task),
    unschedule: () => undefined,
  } as unknown as FramePacer;
  return { pacer, scheduled, time };
}

function setup(options: Partial<PlayerOptions> = {}, highWaterMark = 16 * 1024) {
  const sink = new SlowSink(highWaterMark);
  const { pacer, scheduled, time } = handPacer();
  const stalls: number[] = [];
  const player = new OutboundAudioPlayer(sink, pacer, {
    kind: AUDIOSOCKET_KIND.AUDIO_SLIN,
    maxQueuedMs: 1000,
    maxRelayLatencyMs: 100,
    sendSilenceWhenIdle: true,
    writeStallTimeoutMs: 60_000,
    onWriteStalled: () => stalls.push(time.now),
    ...options,
  });
  player.start();
  /** Runs the player's due slots up to `ms` from now, as the pacer would. */
  const run = (ms: number): void => {
    const end = time.now + ms;
    for (let guard = 0; guard < 10_000 && player.dueAt <= end; guard++) {
      time.now = Math.max(time.now, player.dueAt);
      if (!player.onDue(time.now)) break;
    }
    time.now = end;
  };
  return { sink, player, scheduled, time, run, stalls };
}

function pcm(bytes: number, value: number): Buffer {
  const buffer = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 2) buffer.writeInt16LE(value, i);
  return buffer;
}

describe('OutboundAudioPlayer', () => {
  it('sends a 20 ms silence frame per slot when nothing is queued, in the session rate', () => {
    const { sink, player, run } = setup();
    run(99);
    player.setKind(AUDIOSOCKET_KIND.AUDIO_SLIN16);
    run(100);
    const frames = sink.frames();
    expect(frames).toHaveLength(10);
    expect(frames.slice(0, 5).every((f) => f.type === 'audio' && f.kind === 0x10 && f.pcm.length === 320)).toBe(true);
    expect(frames.slice(5).every((f) => f.type === 'audio' && f.kind === 0x12 && f.pcm.length === 640)).toBe(true);
    expect(frames.every((f) => f.type === 'audio' && f.pcm.every((byte) => byte === 0))).toBe(true);
    expect(player.snapshot()).toMatchObject({ frames: 10, silenceFrames: 10, audioFrames: 0 });
  });

  it('sends nothing when idle if silence is turned off', () => {
    const { sink, run } = setup({ sendSilenceWhenIdle: false });
    run(200);
    expect(sink.chunks).toHaveLength(0);
  });

  it('cuts a clip into 20 ms frames, pads only the last, then reports it played', async () => {
    const { sink, player, run } = setup();
    const result = player.enqueue(pcm(320 * 2 + 100, 1000));
    expect(result).toMatchObject({ status: 'queued', queuedMs: 46 });
    run(79);
    const frames = sink.frames();
    expect(frames.map((f) => (f.type === 'audio' ? f.pcm.length : 0))).toEqual([320, 320, 320, 320]);
    const third = frames[2];
    expect(third?.type === 'audio' && third.pcm.readInt16LE(98)).toBe(1000);
    expect(third?.type === 'audio' && third.pcm.readInt16LE(100)).toBe(0);
    expect(result.status === 'queued' && (await result.finished)).toBe('played');
    expect(player.snapshot()).toMatchObject({ audioFrames: 3, silenceFrames: 1, queuedMs: 0 });
  });

  it('plays back-to-back clips without a gap between them', () => {
    const { sink, player, run } = setup();
    player.enqueue(pcm(200, 1));
    player.enqueue(pcm(440, 2));
    run(39);
    const [first, second] = sink.frames();
    expect(first?.type === 'audio' && [first.pcm.readInt16LE(198), first.pcm.readInt16LE(200)]).toEqual([1, 2]);
    expect(second?.type === 'audio' && second.pcm.readInt16LE(318)).toBe(2);
  });

  it('plays a clip at its own rate when one is given', () => {
    const { sink, player, run } = setup();
    expect(player.enqueue(pcm(640, 5), 16000)).toMatchObject({ status: 'queued', queuedMs: 20 });
    run(19);
    expect(sink.frames()[0]).toMatchObject({ type: 'audio', kind: 0x12 });
    expect(player.enqueue(pcm(640, 5), 11025)).toEqual({ status: 'invalid_audio', reason: 'unsupported_rate' });
    expect(player.enqueue(Buffer.alloc(0))).toEqual({ status: 'invalid_audio', reason: 'empty' });
    expect(player.enqueue(Buffer.alloc(3))).toEqual({ status: 'invalid_audio', reason: 'odd_length' });
  });

  it('refuses a whole clip that would pass the queue bound, keeping what was queued', () => {
    const { player } = setup({ maxQueuedMs: 1000 });
    expect(player.enqueue(pcm(16 * 600, 1))).toMatchObject({ status: 'queued', queuedMs: 600 });
    expect(player.enqueue(pcm(16 * 500, 1))).toEqual({ status: 'queue_full', queuedMs: 600, maxQueuedMs: 1000 });
    expect(player.enqueue(pcm(16 * 400, 1))).toMatchObject({ status: 'queued', queuedMs: 1000 });
    expect(player.queuedMs).toBe(1000);
  });

  it('stops at once on stop(): queued clips report stopped and silence follows', async () => {
    const { sink, player, run } = setup();
    const result = player.enqueue(pcm(3200, 9));
    run(39);
    expect(player.stop()).toBe(160);
    run(40);
    const frames = sink.frames();
    expect(frames.map((f) => f.type === 'audio' && f.pcm.readInt16LE(0))).toEqual([9, 9, 0, 0]);
    expect(result.status === 'queued' && (await result.finished)).toBe('stopped');
  });

  it('stops writing when write() returns false and resumes on drain, holding the queue meanwhile', async () => {
    const { sink, player, scheduled, run, time } = setup({}, 1000);
    sink.isFlowing = false;
    player.enqueue(pcm(320 * 50, 3));
    run(200);
    // 323-byte frames against a 1000-byte high-water mark: the 4th write crosses it.
    expect(player.snapshot()).toMatchObject({ isWriteBlocked: true, backpressureEvents: 1, audioFrames: 4, frames: 4 });
    expect(sink.writableLength).toBeLessThanOrEqual(1000 + 323);
    expect(player.queuedMs).toBe(1000 - 80);
    scheduled.length = 0;
    sink.flow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(scheduled).toEqual([player]);
    expect(player.snapshot().isWriteBlocked).toBe(false);
    time.now += 1;
    run(100);
    expect(player.snapshot().skippedSlots).toBeGreaterThan(0);
    expect(sink.frames().every((f) => f.type === 'audio' && f.pcm.readInt16LE(0) === 3)).toBe(true);
  });

  it('reports a peer that stays blocked past the stall timeout', async () => {
    const { sink, player, run, stalls } = setup({ writeStallTimeoutMs: 30 }, 300);
    sink.isFlowing = false;
    run(20);
    expect(player.snapshot().isWriteBlocked).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(stalls).toHaveLength(1);
  });

  it('ends queued clips with session_ended on close and writes nothing after', async () => {
    const { sink, player, run } = setup();
    const result = player.enqueue(pcm(3200, 1));
    player.close();
    run(100);
    expect(sink.chunks).toHaveLength(0);
    expect(result.status === 'queued' && (await result.finished)).toBe('session_ended');
    expect(player.enqueue(pcm(320, 1))).toEqual({ status: 'not_found' });
  });

  it('starts a clip that reaches an idle player at once, not at the next slot of the silence grid', () => {
    const { sink, player, run, time, scheduled } = setup();
    run(25); // silence at 0 and 20; the next slot is 40
    time.now = 27;
    player.enqueue(pcm(320, 5));
    expect(scheduled.at(-1)).toBe(player);
    expect(player.dueAt).toBe(30); // never closer than 10 ms to the frame before
    run(5);
    expect(sink.frames().map((f) => f.type === 'audio' && f.pcm.readInt16LE(0))).toEqual([0, 0, 5]);
  });

  it('writes relayed audio the moment it arrives, in its own size, with no silence in between', () => {
    const { sink, player, run, time } = setup();
    run(35); // silence at 0 and 20
    expect(player.relay(pcm(320, 7))).toEqual({ status: 'sent' });
    time.now = 55;
    expect(player.relay(pcm(160, 8))).toEqual({ status: 'sent' });
    expect(sink.frames()).toHaveLength(4);
    run(190); // up to 245: inside the holdover after the last relayed frame, nothing is sent
    expect(sink.frames()).toHaveLength(4);
    run(40); // silence again from 55 + 200 = 255, on a 20 ms grid
    const frames = sink.frames();
    expect(frames.map((f) => f.type === 'audio' && [f.pcm.length, f.pcm.readInt16LE(0)])).toEqual([
      [320, 0],
      [320, 0],
      [320, 7],
      [160, 8],
      [320, 0],
      [320, 0],
    ]);
    expect(player.snapshot()).toMatchObject({ relayedFrames: 2, audioFrames: 2, silenceFrames: 4 });
  });

  it('holds relayed audio behind a playing clip, dropping the oldest past the latency bound', () => {
    const { sink, player, run } = setup({ maxRelayLatencyMs: 40 });
    player.enqueue(pcm(640, 1));
    expect(player.relay(pcm(320, 2))).toEqual({ status: 'queued', queuedMs: 60, droppedMs: 0 });
    expect(player.relay(pcm(320, 3))).toEqual({ status: 'queued', queuedMs: 80, droppedMs: 0 });
    expect(player.relay(pcm(320, 4))).toEqual({ status: 'queued', queuedMs: 80, droppedMs: 20 });
    run(99);
    const values = sink.frames().map((f) => f.type === 'audio' && f.pcm.readInt16LE(0));
    expect(values).toEqual([1, 1, 3, 4, 0]);
    expect(player.snapshot()).toMatchObject({ relayDroppedMs: 20, queuedMs: 0 });
  });

  it('writes every frame from one buffer when the sink copies what it takes at once', () => {
    const written: Buffer[] = [];
    const copies: Buffer[] = [];
    const sink = {
      writableLength: 0,
      write: (frame: Buffer) => {
        written.push(frame);
        copies.push(Buffer.from(frame));
        return true;
      },
      once: () => sink,
      removeListener: () => sink,
    };
    const { pacer } = handPacer();
    const player = new OutboundAudioPlayer(sink, pacer, {
      kind: AUDIOSOCKET_KIND.AUDIO_SLIN,
      maxQueuedMs: 1000,
      maxRelayLatencyMs: 100,
      sendSilenceWhenIdle: true,
      writeStallTimeoutMs: 60_000,
      onWriteStalled: () => undefined,
      reusesFrameBuffers: true,
    });
    player.start();
    for (let i = 1; i <= 3; i++) player.relay(pcm(320, i));
    expect(new Set(written).size).toBe(1);
    expect(copies.map((frame) => frame.readInt16LE(3))).toEqual([1, 2, 3]);
    // A sink that still holds the last frame gets a new buffer for the next one.
    sink.writableLength = 323;
    player.relay(pcm(320, 4));
    player.relay(pcm(320, 5));
    expect(new Set(written).size).toBe(2);
    expect(written.at(-1)).not.toBe(written.at(-2));
    expect([written.at(-2)!.readInt16LE(3), written.at(-1)!.readInt16LE(3)]).toEqual([4, 5]);
  });

  it('holds relayed audio while the socket is blocked, within the bound', () => {
    const { sink, player } = setup({ maxRelayLatencyMs: 60 }, 300);
    sink.isFlowing = false;
    expect(player.relay(pcm(320, 1))).toEqual({ status: 'sent' }); // crosses the 300-byte mark
    expect(player.snapshot().isWriteBlocked).toBe(true);
    for (let i = 0; i < 5; i++) player.relay(pcm(320, 2 + i));
    expect(player.snapshot()).toMatchObject({ queuedMs: 60, relayDroppedMs: 40 });
    expect(player.relay(Buffer.alloc(3))).toEqual({ status: 'invalid_audio', reason: 'odd_length' });
  });
});
