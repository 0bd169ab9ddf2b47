import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AUDIOSOCKET_KIND,
  AudiosocketParser,
  AudiosocketProtocolError,
  encodeAudio,
  encodeDtmf,
  encodeError,
  encodeHangup,
  encodeUuid,
  frameBytesFor,
  type AudiosocketFrame,
} from './audiosocket.codec.js';

const FIXTURES = new URL('../../../test/fixtures/audiosocket/', import.meta.url);

const CAPTURES = [
  'ari-externalMedia-slin16',
  'as01-app-echo-then-server-hangup-frame',
  'as02-app-dtmf-frames',
  'as03-app-server-closes-socket',
  'as04-app-server-sends-dtmf-frame',
  'as05-app-server-sends-unknown-kind',
  'as06-app-server-sends-zero-length-audio',
  'as07-app-idle-channel-silent-server',
  'as08-app-silent-server-asterisk-side-hangup',
  'as09-app-server-sends-tone',
  'as10-chan-dial-audiosocket-default-codec',
  'as11-chan-dial-audiosocket-slin16',
  'as12-chan-dial-audiosocket-dtmf',
] as const;

interface Summary {
  bytes_received: number;
  frames_received: number;
  received_stats_by_kind: Record<string, { count: number; lengths_seen: number[]; digits?: string }>;
  first_frames_received_full: { kind: number; uuid?: string }[];
}

function readFixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

function readSummary(name: string): Summary {
  return JSON.parse(readFileSync(new URL(`${name}.summary.json`, FIXTURES), 'utf8')) as Summary;
}

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Decoded {
  frames: AudiosocketFrame[];
  wireBytes: number;
  error: AudiosocketProtocolError | undefined;
}

/**
 * Feeds `bytes` in chunks of the sizes `nextSize` returns, the way the server reads: each
 * chunk lands in one reused read buffer, which is scribbled over after every push, so a
 * parser that kept a view of it past the push would hand out garbage.
 */
function decode(bytes: Buffer, nextSize: () => number = () => bytes.length, maxPayloadBytes?: number): Decoded {
  const parser = new AudiosocketParser(maxPayloadBytes === undefined ? {} : { maxPayloadBytes });
  const decoded: Decoded = { frames: [], wireBytes: 0, error: undefined };
  const readBuffer = Buffer.alloc(Math.max(bytes.length, 1));
  for (let at = 0; at < bytes.length;) {
    const size = Math.max(1, Math.min(bytes.length - at, nextSize()));
    bytes.copy(readBuffer, 0, at, at + size);
    try {
      parser.push(
        readBuffer,
        (frame, wireBytes) => {
          // Copy: a payload is a view of the read buffer, valid during this call only.
          if (frame.type === 'audio') decoded.frames.push({ ...frame, pcm: Buffer.from(frame.pcm) });
          else if (frame.type === 'error') decoded.frames.push({ ...frame, payload: Buffer.from(frame.payload) });
          else decoded.frames.push(frame);
          decoded.wireBytes += wireBytes;
        },
        size,
      );
    } catch (err) {
      if (!(err instanceof AudiosocketProtocolError)) throw err;
      decoded.error = err;
      break;
    }
    readBuffer.fill(0xee);
    at += size;
  }
  return decoded;
}

function statsByKind(frames: AudiosocketFrame[]): Record<string, { count: number; lengths: Set<number> }> {
  const stats: Record<string, { count: number; lengths: Set<number> }> = {};
  for (const frame of frames) {
    const kind =
      frame.type === 'audio' ? frame.kind : frame.type === 'uuid' ? 1 : frame.type === 'dtmf' ? 3 : frame.type;
    const key = typeof kind === 'number' ? `0x${kind.toString(16).padStart(2, '0')}` : kind;
    const entry = (stats[key] ??= { count: 0, lengths: new Set() });
    entry.count += 1;
    entry.lengths.add(frame.type === 'audio' ? frame.pcm.length : frame.type === 'uuid' ? 16 : 1);
  }
  return stats;
}

describe('AudioSocket frame kinds', () => {
  it('uses the values of ast_audiosocket_msg_kind in Asterisk 22.10.1, with no 0x02', () => {
    expect(AUDIOSOCKET_KIND).toEqual({
      HANGUP: 0x00,
      UUID: 0x01,
      DTMF: 0x03,
      AUDIO_SLIN: 0x10,
      AUDIO_SLIN12: 0x11,
      AUDIO_SLIN16: 0x12,
      AUDIO_SLIN24: 0x13,
      AUDIO_SLIN32: 0x14,
      AUDIO_SLIN44: 0x15,
      AUDIO_SLIN48: 0x16,
      AUDIO_SLIN96: 0x17,
      AUDIO_SLIN192: 0x18,
      ERROR: 0xff,
    });
    expect(Object.values(AUDIOSOCKET_KIND)).not.toContain(0x02);
  });

  it('sizes a 20 ms frame from the kind: 320 bytes at 8 kHz, 640 at 16 kHz, 1764 at 44.1 kHz', () => {
    expect(frameBytesFor(AUDIOSOCKET_KIND.AUDIO_SLIN)).toBe(320);
    expect(frameBytesFor(AUDIOSOCKET_KIND.AUDIO_SLIN16)).toBe(640);
    expect(frameBytesFor(AUDIOSOCKET_KIND.AUDIO_SLIN44)).toBe(1764);
    expect(frameBytesFor(AUDIOSOCKET_KIND.AUDIO_SLIN192)).toBe(7680);
  });
});

describe('AudioSocket writers', () => {
  it('writes KIND_HANGUP as exactly 00 00 00, the bytes that ended the as01 capture', () => {
    expect([...encodeHangup()]).toEqual([0x00, 0x00, 0x00]);
    const sent = readFixture('as01-app-echo-then-server-hangup-frame.tx.bin');
    expect(sent.subarray(sent.length - 3).equals(encodeHangup())).toBe(true);
  });

  it('writes the UUID frame Asterisk sends first, byte for byte', () => {
    const captured = readFixture('as01-app-echo-then-server-hangup-frame.rx.bin').subarray(0, 19);
    expect(encodeUuid('40325ec2-5efd-4bd3-805f-53576e581d13').equals(captured)).toBe(true);
    expect(() => encodeUuid('not-a-uuid')).toThrow(RangeError);
  });

  it('writes DTMF as 03 00 01 and the ASCII digit', () => {
    expect([...encodeDtmf('1')]).toEqual([0x03, 0x00, 0x01, 0x31]);
    expect([...encodeDtmf('#')]).toEqual([0x03, 0x00, 0x01, 0x23]);
    expect(() => encodeDtmf('12')).toThrow(RangeError);
  });

  it('writes audio with a big-endian length and refuses frames Asterisk would reject', () => {
    const frame = encodeAudio(AUDIOSOCKET_KIND.AUDIO_SLIN16, Buffer.alloc(640, 1));
    expect([...frame.subarray(0, 3)]).toEqual([0x12, 0x02, 0x80]);
    expect(frame.length).toBe(643);
    expect(() => encodeAudio(AUDIOSOCKET_KIND.AUDIO_SLIN, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => encodeAudio(AUDIOSOCKET_KIND.AUDIO_SLIN, Buffer.alloc(3))).toThrow(RangeError);
    expect(() => encodeAudio(AUDIOSOCKET_KIND.AUDIO_SLIN, Buffer.alloc(0x10000))).toThrow(RangeError);
  });

  it('writes an error frame, which it can read back', () => {
    const { frames } = decode(encodeError(Buffer.from([0x04])));
    expect(frames).toEqual([{ type: 'error', payload: Buffer.from([0x04]) }]);
  });
});

describe('AudiosocketParser on the real captures', () => {
  const chunkings: [string, (bytes: Buffer) => () => number][] = [
    ['in one read', (bytes) => () => bytes.length],
    ['byte by byte', () => () => 1],
    [
      'in random chunks (seed 1)',
      () =>
        (
          (random) => () =>
            1 + Math.floor(random() * 700)
        )(seededRandom(1)),
    ],
    [
      'in random chunks (seed 2)',
      () =>
        (
          (random) => () =>
            1 + Math.floor(random() * 3000)
        )(seededRandom(2)),
    ],
    [
      'in random small chunks (seed 3)',
      () =>
        (
          (random) => () =>
            1 + Math.floor(random() * 7)
        )(seededRandom(3)),
    ],
  ];

  for (const capture of CAPTURES) {
    describe(capture, () => {
      const bytes = readFixture(`${capture}.rx.bin`);
      const summary = readSummary(capture);
      const reference = decode(bytes);

      it('decodes every frame the summary counts, of the kinds and lengths it lists', () => {
        expect(reference.error).toBeUndefined();
        expect(reference.frames).toHaveLength(summary.frames_received);
        expect(reference.wireBytes).toBe(summary.bytes_received);
        const stats = statsByKind(reference.frames);
        for (const [kind, expected] of Object.entries(summary.received_stats_by_kind)) {
          expect(stats[kind]?.count, kind).toBe(expected.count);
          expect(
            [...(stats[kind]?.lengths ?? [])].sort((a, b) => a - b),
            kind,
          ).toEqual(expected.lengths_seen);
        }
        expect(reference.frames[0]).toEqual({
          type: 'uuid',
          audiosocketUuid: summary.first_frames_received_full[0]?.uuid,
        });
        const digits = reference.frames.flatMap((frame) => (frame.type === 'dtmf' ? [frame.digit] : [])).join('');
        expect(digits).toBe(summary.received_stats_by_kind['0x03']?.digits ?? '');
      });

      for (const [name, chunking] of chunkings.slice(1)) {
        it(`decodes the same frames when the bytes arrive ${name}`, () => {
          const decoded = decode(bytes, chunking(bytes));
          expect(decoded.error).toBeUndefined();
          expect(decoded.frames).toEqual(reference.frames);
        });
      }
    });
  }

  it('decodes many captures back to back in one read', () => {
    const bytes = Buffer.concat(CAPTURES.map((capture) => readFixture(`${capture}.rx.bin`)));
    const expected = CAPTURES.reduce((sum, capture) => sum + readSummary(capture).frames_received, 0);
    expect(decode(bytes).frames).toHaveLength(expected);
  });

  it("reads the test server's own sent bytes: echo, then the hangup frame (as01)", () => {
    const { frames, error } = decode(readFixture('as01-app-echo-then-server-hangup-frame.tx.bin'));
    expect(error).toBeUndefined();
    expect(frames.filter((frame) => frame.type === 'audio')).toHaveLength(201);
    expect(frames.at(-1)).toEqual({ type: 'hangup' });
  });

  it('stops at the 0x42 frame the as05 server sent, at its offset', () => {
    const bytes = readFixture('as05-app-server-sends-unknown-kind.tx.bin');
    const { frames, error } = decode(bytes, () => 1);
    expect(frames).toHaveLength(149);
    expect(error).toMatchObject({ reason: 'unknown_kind', kind: 0x42, offset: bytes.length - 3 });
  });

  it('stops at the 10 00 00 frame the as06 server sent', () => {
    const bytes = readFixture('as06-app-server-sends-zero-length-audio.tx.bin');
    const { error } = decode(bytes);
    expect(error).toMatchObject({ reason: 'empty_audio', kind: 0x10, length: 0, offset: bytes.length - 3 });
  });
});

describe('AudiosocketParser strictness', () => {
  const audio = encodeAudio(AUDIOSOCKET_KIND.AUDIO_SLIN, Buffer.alloc(320, 7));

  it.each([
    ['an unknown kind', [0x42, 0x00, 0x00], 'unknown_kind'],
    ['the 0x02 "silence" kind of older write-ups', [0x02, 0x00, 0x00], 'unknown_kind'],
    ['audio of length 0', [0x10, 0x00, 0x00], 'empty_audio'],
    ['16 kHz audio of length 0', [0x12, 0x00, 0x00], 'empty_audio'],
    ['a UUID of 15 bytes', [0x01, 0x00, 0x0f], 'bad_uuid_length'],
    ['a DTMF frame of 2 bytes', [0x03, 0x00, 0x02], 'bad_dtmf_length'],
    ['a hangup frame with a payload', [0x00, 0x00, 0x01], 'bad_hangup_length'],
  ])('rejects %s from its header alone, after the frames before it', (_name, header, reason) => {
    const { frames, error } = decode(Buffer.concat([audio, Buffer.from(header)]));
    expect(frames).toHaveLength(1);
    expect(error).toBeInstanceOf(AudiosocketProtocolError);
    expect(error).toMatchObject({ reason, offset: audio.length, code: 'audiosocket.protocol_error' });
  });

  it('rejects a length over the configured maximum before its payload arrives', () => {
    const { error } = decode(Buffer.from([0x10, 0x02, 0x80]), undefined, 320);
    expect(error).toMatchObject({ reason: 'payload_too_large', length: 640 });
    expect(decode(Buffer.from([0x10, 0x02, 0x80])).error).toBeUndefined();
  });

  it('rejects a bad header split across reads', () => {
    const parser = new AudiosocketParser();
    parser.push(Buffer.from([0x42]), () => undefined);
    expect(() => parser.push(Buffer.from([0x00, 0x00]), () => undefined)).toThrow(AudiosocketProtocolError);
  });

  it('stays failed after an error: the stream cannot be resynchronised', () => {
    const parser = new AudiosocketParser();
    expect(() => parser.push(Buffer.from([0x42, 0, 0]), () => undefined)).toThrow(AudiosocketProtocolError);
    const frames: AudiosocketFrame[] = [];
    expect(() => parser.push(audio, (frame) => frames.push(frame))).toThrow(AudiosocketProtocolError);
    expect(frames).toHaveLength(0);
  });

  it('holds no more than the one incomplete frame between reads', () => {
    const parser = new AudiosocketParser();
    const seen: AudiosocketFrame[] = [];
    parser.push(Buffer.concat([audio, audio.subarray(0, 100)]), (frame) => seen.push(frame));
    expect(seen).toHaveLength(1);
    expect(parser.bufferedBytes).toBe(100);
    parser.push(audio.subarray(100), (frame) => seen.push(frame));
    expect(seen).toHaveLength(2);
    expect(parser.bufferedBytes).toBe(0);
  });

  it('reads audio frames of any valid length, like the 44-byte tail of a played file', () => {
    const { frames } = decode(encodeAudio(AUDIOSOCKET_KIND.AUDIO_SLIN, Buffer.alloc(44)));
    expect(frames).toEqual([{ type: 'audio', kind: 0x10, sampleRateHz: 8000, pcm: Buffer.alloc(44) }]);
  });
});
