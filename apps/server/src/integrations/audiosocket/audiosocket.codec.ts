/**
 * AudioSocket framing as Asterisk 22.10.1 speaks it (include/asterisk/res_audiosocket.h,
 * res/res_audiosocket.c; see asterisk-traces/audiosocket/PROTOCOL-FROM-SOURCE.md):
 *
 *   kind (1 byte) | payload length (2 bytes, big-endian) | payload
 *
 * Audio payloads are signed 16-bit little-endian mono PCM at the rate the kind names.
 */
import { AppError } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';

/** Frame kinds of `enum ast_audiosocket_msg_kind`. There is no 0x02 in this Asterisk. */
export const AUDIOSOCKET_KIND = {
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
} as const;
export type AudiosocketKind = (typeof AUDIOSOCKET_KIND)[keyof typeof AUDIOSOCKET_KIND];

/** Sample rate of each audio kind (res_audiosocket.c:338-365). */
export const AUDIO_KIND_SAMPLE_RATE_HZ = {
  [AUDIOSOCKET_KIND.AUDIO_SLIN]: 8000,
  [AUDIOSOCKET_KIND.AUDIO_SLIN12]: 12000,
  [AUDIOSOCKET_KIND.AUDIO_SLIN16]: 16000,
  [AUDIOSOCKET_KIND.AUDIO_SLIN24]: 24000,
  [AUDIOSOCKET_KIND.AUDIO_SLIN32]: 32000,
  [AUDIOSOCKET_KIND.AUDIO_SLIN44]: 44100,
  [AUDIOSOCKET_KIND.AUDIO_SLIN48]: 48000,
  [AUDIOSOCKET_KIND.AUDIO_SLIN96]: 96000,
  [AUDIOSOCKET_KIND.AUDIO_SLIN192]: 192000,
} as const;
export type AudioKind = keyof typeof AUDIO_KIND_SAMPLE_RATE_HZ;
export type SampleRateHz = (typeof AUDIO_KIND_SAMPLE_RATE_HZ)[AudioKind];

export const HEADER_BYTES = 3;
const UUID_BYTES = 16;
/** The length field is 16 bits wide. */
export const MAX_WIRE_PAYLOAD_BYTES = 0xffff;
/**
 * Default cap on a payload: 40 ms at 192 kHz (15 360 bytes) fits; anything larger is not
 * a frame Asterisk produces and would only make us buffer a peer's garbage.
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024;
export const FRAME_DURATION_MS = 20;

export function isAudioKind(kind: number): kind is AudioKind {
  return kind >= AUDIOSOCKET_KIND.AUDIO_SLIN && kind <= AUDIOSOCKET_KIND.AUDIO_SLIN192;
}

export function audioKindForSampleRate(sampleRateHz: number): AudioKind | undefined {
  for (const [kind, rate] of Object.entries(AUDIO_KIND_SAMPLE_RATE_HZ)) {
    if (rate === sampleRateHz) return Number(kind) as AudioKind;
  }
  return undefined;
}

/** Bytes of one 20 ms frame: 320 at 8 kHz, 640 at 16 kHz, 1764 at 44.1 kHz. */
export function frameBytesFor(kind: AudioKind): number {
  return (AUDIO_KIND_SAMPLE_RATE_HZ[kind] / 1000) * FRAME_DURATION_MS * 2;
}

export type AudiosocketFrame =
  | { type: 'hangup' }
  | { type: 'uuid'; audiosocketUuid: string }
  | { type: 'dtmf'; digit: string }
  | { type: 'audio'; kind: AudioKind; sampleRateHz: SampleRateHz; pcm: Buffer }
  | { type: 'error'; payload: Buffer };

export const PROTOCOL_ERROR_REASONS = [
  'unknown_kind',
  'empty_audio',
  'payload_too_large',
  'bad_uuid_length',
  'bad_dtmf_length',
  'bad_hangup_length',
] as const;
export type ProtocolErrorReason = (typeof PROTOCOL_ERROR_REASONS)[number];

export class AudiosocketProtocolError extends AppError {
  readonly reason: ProtocolErrorReason;
  /** Byte offset of the offending header in the stream. */
  readonly offset: number;
  readonly kind: number;
  readonly length: number;

  constructor(reason: ProtocolErrorReason, header: { offset: number; kind: number; length: number }) {
    super('audiosocket.protocol_error', `AudioSocket protocol error: ${reason}`, { reason, ...header });
    this.reason = reason;
    this.offset = header.offset;
    this.kind = header.kind;
    this.length = header.length;
  }
}

function validateHeader(kind: number, length: number, maxPayloadBytes: number): ProtocolErrorReason | undefined {
  if (isAudioKind(kind)) {
    // Asterisk itself rejects `10 00 00` with "Invalid message length" (as06).
    if (length === 0) return 'empty_audio';
    return length > maxPayloadBytes ? 'payload_too_large' : undefined;
  }
  switch (kind) {
    case AUDIOSOCKET_KIND.HANGUP:
      return length === 0 ? undefined : 'bad_hangup_length';
    case AUDIOSOCKET_KIND.UUID:
      return length === UUID_BYTES ? undefined : 'bad_uuid_length';
    case AUDIOSOCKET_KIND.DTMF:
      return length === 1 ? undefined : 'bad_dtmf_length';
    case AUDIOSOCKET_KIND.ERROR:
      return length > maxPayloadBytes ? 'payload_too_large' : undefined;
    default:
      return 'unknown_kind';
  }
}

function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function toFrame(kind: number, payload: Buffer): AudiosocketFrame {
  if (isAudioKind(kind)) {
    return { type: 'audio', kind, sampleRateHz: AUDIO_KIND_SAMPLE_RATE_HZ[kind], pcm: payload };
  }
  switch (kind) {
    case AUDIOSOCKET_KIND.HANGUP:
      return { type: 'hangup' };
    case AUDIOSOCKET_KIND.UUID:
      return { type: 'uuid', audiosocketUuid: formatUuid(payload) };
    case AUDIOSOCKET_KIND.DTMF:
      // Asterisk sends the digit's ASCII code once, at DTMF_END (res_audiosocket.c:258-262).
      return { type: 'dtmf', digit: String.fromCharCode(payload[0] ?? 0) };
    default:
      return { type: 'error', payload };
  }
}

/**
 * Streaming parser: TCP delivers bytes, not frames (the reason `@fonoster/streams` was
 * ruled out). A frame that lies inside one read is handed out as a view of the read
 * buffer, without a copy, and that view is good only during the `onFrame` call: the
 * server reads every socket into one reused buffer (audiosocket.reads.ts). What the
 * parser keeps between reads (the start of a split frame) it copies. A header is checked
 * as soon as its 3 bytes are in, so a bad kind never makes us wait for (or buffer) a
 * payload. After an error the parser stays failed: the stream is out of step and cannot be
 * resumed.
 */
export class AudiosocketParser {
  private readonly maxPayloadBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingFrameBytes: number | undefined;
  private streamOffset = 0;
  private failure: AudiosocketProtocolError | undefined;

  constructor(options: { maxPayloadBytes?: number } = {}) {
    this.maxPayloadBytes = Math.min(options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES, MAX_WIRE_PAYLOAD_BYTES);
  }

  /** Bytes held while waiting for the rest of a frame; never more than one frame. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Calls `onFrame` for every complete frame in the first `length` bytes of `chunk`, in
   * order, then throws `AudiosocketProtocolError` if the stream holds an invalid header.
   * `chunk` may be overwritten once this returns.
   */
  push(
    chunk: Buffer,
    onFrame: (frame: AudiosocketFrame, wireBytes: number) => void,
    length: number = chunk.length,
  ): void {
    if (this.failure) throw this.failure;
    let at = 0;
    if (this.pendingBytes > 0) {
      // Finish the frame split across reads with only the bytes it still needs; the rest
      // of this read is parsed in place below.
      at = this.takePending(chunk, 0, length, HEADER_BYTES);
      if (this.pendingBytes < HEADER_BYTES) return;
      if (this.pendingFrameBytes === undefined) {
        const header = Buffer.concat(this.pending, HEADER_BYTES);
        const payloadBytes = header.readUInt16BE(1);
        this.check(header[0] as number, payloadBytes);
        this.pendingFrameBytes = HEADER_BYTES + payloadBytes;
      }
      at = this.takePending(chunk, at, length, this.pendingFrameBytes);
      if (this.pendingBytes < this.pendingFrameBytes) return;
      const frame = Buffer.concat(this.pending, this.pendingBytes);
      this.resetPending();
      onFrame(toFrame(frame[0] as number, frame.subarray(HEADER_BYTES)), frame.length);
      this.streamOffset += frame.length;
    }
    let tailFrameBytes: number | undefined;
    while (length - at >= HEADER_BYTES) {
      const kind = chunk[at] as number;
      const payloadBytes = chunk.readUInt16BE(at + 1);
      this.check(kind, payloadBytes);
      const end = at + HEADER_BYTES + payloadBytes;
      if (end > length) {
        tailFrameBytes = HEADER_BYTES + payloadBytes;
        break;
      }
      onFrame(toFrame(kind, chunk.subarray(at + HEADER_BYTES, end)), HEADER_BYTES + payloadBytes);
      this.streamOffset += HEADER_BYTES + payloadBytes;
      at = end;
    }
    if (at < length) {
      this.pending.push(Buffer.from(chunk.subarray(at, length)));
      this.pendingBytes = length - at;
      this.pendingFrameBytes = tailFrameBytes;
    }
  }

  /** Copies from `chunk[at..end)` into the pending frame until it holds `upTo` bytes; returns the new `at`. */
  private takePending(chunk: Buffer, at: number, end: number, upTo: number): number {
    const take = Math.min(upTo - this.pendingBytes, end - at);
    if (take <= 0) return at;
    this.pending.push(Buffer.from(chunk.subarray(at, at + take)));
    this.pendingBytes += take;
    return at + take;
  }

  private resetPending(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingFrameBytes = undefined;
  }

  private check(kind: number, length: number): void {
    const reason = validateHeader(kind, length, this.maxPayloadBytes);
    if (reason) {
      this.failure = new AudiosocketProtocolError(reason, { offset: this.streamOffset, kind, length });
      this.resetPending();
      throw this.failure;
    }
  }
}

function encodeFrame(kind: AudiosocketKind, payload: Buffer): Buffer {
  if (payload.length > MAX_WIRE_PAYLOAD_BYTES) {
    throw new RangeError(`AudioSocket payload of ${payload.length} bytes exceeds the 16-bit length field`);
  }
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame[0] = kind;
  frame.writeUInt16BE(payload.length, 1);
  payload.copy(frame, HEADER_BYTES);
  return frame;
}

/** `00 00 00`: the seed's `struct.pack('>B H', 0x00, 0)`. */
export function encodeHangup(): Buffer {
  return Buffer.from([AUDIOSOCKET_KIND.HANGUP, 0x00, 0x00]);
}

export function encodeUuid(audiosocketUuid: string): Buffer {
  if (!isUuid(audiosocketUuid)) throw new RangeError(`not a UUID: ${audiosocketUuid}`);
  return encodeFrame(AUDIOSOCKET_KIND.UUID, Buffer.from(audiosocketUuid.replaceAll('-', ''), 'hex'));
}

/** Asterisk -> server only: Asterisk rejects a DTMF frame from the server (as04). */
export function encodeDtmf(digit: string): Buffer {
  if (!/^[0-9A-D*#]$/i.test(digit)) throw new RangeError(`not a DTMF digit: ${digit}`);
  return encodeFrame(AUDIOSOCKET_KIND.DTMF, Buffer.from(digit, 'ascii'));
}

export function encodeAudio(kind: AudioKind, pcm: Buffer): Buffer {
  if (pcm.length === 0) throw new RangeError('an audio frame needs at least one sample');
  if (pcm.length % 2 !== 0) throw new RangeError('16-bit PCM needs an even number of bytes');
  return encodeFrame(kind, pcm);
}

/** Declared by Asterisk but never sent by 22.10.1; kept for emulators. */
export function encodeError(payload: Buffer = Buffer.alloc(0)): Buffer {
  return encodeFrame(AUDIOSOCKET_KIND.ERROR, payload);
}
