/**
 * A phone's media side owned by the test: a UDP socket on loopback that a SIPp scenario
 * (`answer-media`) puts in its SDP. It sends a G.711 μ-law tone of its own frequency every
 * 20 ms to where Asterisk's RTP comes from (symmetric RTP), and keeps what it receives
 * with arrival times, so a test can say which tones a party heard and when: the
 * supervisor hears the agent and the customer; the customer never hears a whisper.
 */
import { createSocket, type Socket } from 'node:dgram';

const SAMPLE_RATE = 8_000;
const FRAME_SAMPLES = 160;

export interface ReceivedFrame {
  atMs: number;
  samples: Int16Array;
}

export class RtpPeer {
  readonly received: ReceivedFrame[] = [];
  private remote: { address: string; port: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sequence = Math.floor(Math.random() * 1000);
  private timestamp = 0;
  private phase = 0;
  private readonly ssrc = Math.floor(Math.random() * 0xffffffff);

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    readonly toneHz: number,
  ) {}

  static async start(port: number, toneHz: number): Promise<RtpPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => resolve());
    });
    const peer = new RtpPeer(socket, port, toneHz);
    socket.on('message', (packet, from) => peer.onPacket(packet, from));
    peer.timer = setInterval(() => peer.sendFrame(), 20);
    return peer;
  }

  /** Now, on the clock of `received[].atMs`. */
  now(): number {
    return performance.now();
  }

  /** The share of the energy received since `sinceMs` that is at `hz` (0..1); 0 when nothing came. */
  toneShare(hz: number, sinceMs: number, untilMs = Infinity): number {
    const frames = this.received.filter((frame) => frame.atMs >= sinceMs && frame.atMs < untilMs);
    let total = 0;
    let atTone = 0;
    for (const frame of frames) {
      total += energy(frame.samples);
      atTone += goertzelEnergy(frame.samples, hz);
    }
    return total === 0 ? 0 : atTone / total;
  }

  /** The RMS amplitude (0..32768) of what was received between `sinceMs` and `untilMs`; 0 when nothing came. */
  rms(sinceMs: number, untilMs = Infinity): number {
    let sum = 0;
    let count = 0;
    for (const frame of this.received) {
      if (frame.atMs < sinceMs || frame.atMs >= untilMs) continue;
      sum += energy(frame.samples);
      count += frame.samples.length;
    }
    return count === 0 ? 0 : Math.sqrt(sum / count);
  }

  /** Frames received since `sinceMs`. */
  framesSince(sinceMs: number): number {
    return this.received.filter((frame) => frame.atMs >= sinceMs).length;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private onPacket(packet: Buffer, from: { address: string; port: number }): void {
    if (packet.length <= 12 || (packet[0]! & 0xc0) !== 0x80) return;
    const payloadType = packet[1]! & 0x7f;
    if (payloadType !== 0) return;
    this.remote ??= { address: from.address, port: from.port };
    const payload = packet.subarray(12);
    const samples = new Int16Array(payload.length);
    for (let i = 0; i < payload.length; i += 1) samples[i] = ulawDecode(payload[i]!);
    this.received.push({ atMs: performance.now(), samples });
  }

  private sendFrame(): void {
    if (!this.remote) return;
    const packet = Buffer.alloc(12 + FRAME_SAMPLES);
    packet[0] = 0x80;
    packet[1] = 0;
    packet.writeUInt16BE(this.sequence & 0xffff, 2);
    packet.writeUInt32BE(this.timestamp >>> 0, 4);
    packet.writeUInt32BE(this.ssrc >>> 0, 8);
    for (let i = 0; i < FRAME_SAMPLES; i += 1) {
      const value = Math.round(Math.sin(this.phase) * 8_000);
      this.phase += (2 * Math.PI * this.toneHz) / SAMPLE_RATE;
      packet[12 + i] = ulawEncode(value);
    }
    this.phase %= 2 * Math.PI;
    this.sequence += 1;
    this.timestamp += FRAME_SAMPLES;
    this.socket.send(packet, this.remote.port, this.remote.address);
  }
}

function energy(samples: Int16Array): number {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return sum;
}

/** The energy at `hz` in one frame (Goertzel), on the same scale as `energy`. */
function goertzelEnergy(samples: Int16Array, hz: number): number {
  const n = samples.length;
  const coefficient = 2 * Math.cos((2 * Math.PI * hz) / SAMPLE_RATE);
  let previous = 0;
  let beforePrevious = 0;
  for (const sample of samples) {
    const current = sample + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  const power = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious;
  // A pure tone's Goertzel power is (A·N/2)²; its frame energy A²·N/2: scale to compare.
  return (2 * power) / n;
}

/** G.711 μ-law (ITU-T G.711), as Asterisk's codec_ulaw decodes it. */
function ulawDecode(byte: number): number {
  const value = ~byte & 0xff;
  const sign = value & 0x80;
  const exponent = (value >> 4) & 0x07;
  const mantissa = value & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return sign ? -magnitude : magnitude;
}

function ulawEncode(sample: number): number {
  const BIAS = 0x84;
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), 32_635) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent -= 1;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  magnitude = sign | (exponent << 4) | mantissa;
  return ~magnitude & 0xff;
}
