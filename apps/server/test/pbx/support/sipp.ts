/**
 * SIPp (Debian's sip-tester) as the phones and the carrier: one process per call leg,
 * running a scenario of ../sipp/ on its own loopback port, with its own RTP port and a
 * tone to send (tone.wav in its working directory, beside silence.wav). Every message it sends and receives
 * is kept, so tests can read what the far end saw (headers such as P-Asserted-Identity).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeUdpPort, stopProcess } from './processes.js';

const SCENARIOS = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'sipp');

export type Scenario =
  | 'register'
  | 'register-refused'
  | 'answer'
  | 'answer-hangup'
  | 'answer-late'
  | 'answer-dtmf'
  | 'answer-echo'
  | 'busy'
  | 'ring'
  | 'call'
  | 'call-wait'
  | 'call-dtmf'
  | 'call-keys'
  | 'call-media';

export interface SippOptions {
  scenario: Scenario;
  /** Local SIP port; a free one when absent. */
  port?: number;
  /** Asterisk's SIP address, for scenarios that start by sending. */
  remote?: string;
  /** `[service]`: the user part of the request URI (the device's id, or the DID). */
  service?: string;
  auth?: { username: string; password: string };
  /** `-d`: how long the scenario's `<pause/>` lasts. */
  pauseMs?: number;
  /** Scenario keywords (`-key name value`). */
  keys?: Record<string, string>;
  /** Frequency of the tone sent over RTP; 0 sends silence. */
  toneHz?: number;
  /**
   * Keys to type as RFC 2833 events: written to dtmf.pcap in the working directory, which
   * scenarios play with `play_pcap_audio` (each key 200 ms, one every `dtmfGapMs`; a space
   * is a pause of the same length).
   */
  dtmf?: string;
  dtmfGapMs?: number;
  /** `-rtp_echo`: RTP received on the media port is sent back to its sender (`answer-echo`). */
  rtpEcho?: boolean;
  timeoutSeconds?: number;
}

export interface SippResult {
  code: number | null;
  output: string;
  /** The SIP messages sent and received, as SIPp logged them. */
  messages: string;
  errors: string;
}

export class Sipp {
  readonly done: Promise<SippResult>;

  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dir: string,
    done: Promise<SippResult>,
  ) {
    this.done = done;
  }

  static async start(options: SippOptions): Promise<Sipp> {
    const port = options.port ?? (await freeUdpPort());
    const mediaPort = await freeUdpPort(4);
    const dir = mkdtempSync(join(tmpdir(), `switchboard-sipp-${options.scenario}-`));
    const tone = spawnSync(
      'sox',
      [
        '-n',
        '-r',
        '8000',
        '-c',
        '1',
        '-e',
        'u-law',
        join(dir, 'tone.wav'),
        ...['synth', '5', 'sine', String(options.toneHz || 440), 'vol', options.toneHz === 0 ? '0' : '0.5'],
      ],
      { encoding: 'utf8' },
    );
    if (tone.status !== 0) throw new Error(`sox could not make a tone: ${tone.stderr}`);
    // Silence, for scenarios that stay quiet before they talk (Asterisk's strict RTP
    // learns a phone's address from its first packets, DTMF included).
    spawnSync('sox', ['-n', '-r', '8000', '-c', '1', '-e', 'u-law', join(dir, 'silence.wav'), 'trim', '0', '5']);
    if (options.dtmf) writeFileSync(join(dir, 'dtmf.pcap'), dtmfPcap(options.dtmf, options.dtmfGapMs ?? 600));
    const args = [
      ...(options.remote ? [options.remote] : []),
      '-sf',
      join(SCENARIOS, `${options.scenario}.xml`),
      '-i',
      '127.0.0.1',
      '-mi',
      '127.0.0.1',
      '-p',
      String(port),
      '-mp',
      String(mediaPort),
      '-m',
      '1',
      '-nostdin',
      '-aa',
      ...(options.rtpEcho ? ['-rtp_echo'] : []),
      '-timeout',
      `${options.timeoutSeconds ?? 60}s`,
      '-timeout_error',
      '-trace_msg',
      '-message_file',
      join(dir, 'messages.log'),
      '-trace_err',
      '-error_file',
      join(dir, 'errors.log'),
      ...(options.service ? ['-s', options.service] : []),
      ...(options.auth ? ['-au', options.auth.username, '-ap', options.auth.password] : []),
      ...(options.pauseMs !== undefined ? ['-d', String(options.pauseMs)] : []),
      ...Object.entries(options.keys ?? {}).flatMap(([name, value]) => ['-key', name, value]),
    ];
    const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    const read = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '');
    const done = new Promise<SippResult>((resolveDone) => {
      child.once('exit', (code) =>
        resolveDone({ code, output, messages: read('messages.log'), errors: read('errors.log') }),
      );
    });
    const sipp = new Sipp(port, child, dir, done);
    // Give it the moment it needs to bind its port before anyone sends to it.
    await new Promise((r) => setTimeout(r, 300));
    if (child.exitCode !== null && child.exitCode !== 0) {
      const result = await done;
      throw new Error(`sipp ${options.scenario} exited at once (${result.code}): ${result.output}`);
    }
    return sipp;
  }

  /** Runs the scenario to its end and fails unless its one call succeeded. */
  static async run(options: SippOptions): Promise<SippResult> {
    const sipp = await Sipp.start(options);
    return sipp.succeeded();
  }

  /** Waits for the end; throws with SIPp's own account when the call failed. */
  async succeeded(): Promise<SippResult> {
    const result = await this.done;
    this.dispose();
    if (result.code !== 0) {
      throw new Error(
        `sipp exited with ${result.code}\n${result.errors}\n${result.output.slice(-3_000)}\n${result.messages.slice(-6_000)}`,
      );
    }
    return result;
  }

  async stop(): Promise<void> {
    await stopProcess(this.child, 'SIGTERM', 3_000);
    this.dispose();
  }

  private dispose(): void {
    if (!process.env.PBX_KEEP_TMP) rmSync(this.dir, { recursive: true, force: true });
  }
}

const RFC2833_EVENTS = '0123456789*#';

/**
 * RFC 2833 telephone-events (payload type 101, as the scenarios' SDP offers) for `keys`,
 * as a pcap file SIPp replays with its own addresses. Written here rather than taken from
 * SIPp's bundled dtmf_2833_<key>.pcap: those all share one SSRC and reuse sequence numbers
 * and timestamps, so Asterisk drops a key pressed twice as a duplicate.
 */
export function dtmfPcap(keys: string, gapMs: number): Buffer {
  const records: Buffer[] = [];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65_535, 16);
  header.writeUInt32LE(1, 20); // Ethernet
  records.push(header);
  let seq = 1_000;
  const ssrc = 0x5b0a_2833;
  const packet = (atMs: number, marker: boolean, timestamp: number, event: number, end: boolean, duration: number) => {
    const rtp = Buffer.alloc(16);
    rtp[0] = 0x80;
    rtp[1] = (marker ? 0x80 : 0) | 101;
    rtp.writeUInt16BE(seq & 0xffff, 2);
    rtp.writeUInt32BE(timestamp, 4);
    rtp.writeUInt32BE(ssrc, 8);
    rtp[12] = event;
    rtp[13] = (end ? 0x80 : 0) | 10; // volume -10 dBm0
    rtp.writeUInt16BE(duration, 14);
    const udp = Buffer.alloc(8);
    udp.writeUInt16BE(5_000, 0);
    udp.writeUInt16BE(6_000, 2);
    udp.writeUInt16BE(8 + rtp.length, 4);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + udp.length + rtp.length, 2);
    ip[8] = 64;
    ip[9] = 17;
    ip.set([127, 0, 0, 1], 12);
    ip.set([127, 0, 0, 1], 16);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    ip.writeUInt16BE(~sum & 0xffff, 10);
    const ethernet = Buffer.alloc(14);
    ethernet.writeUInt16BE(0x0800, 12);
    const frame = Buffer.concat([ethernet, ip, udp, rtp]);
    const record = Buffer.alloc(16);
    record.writeUInt32LE(Math.floor(atMs / 1000), 0);
    record.writeUInt32LE((atMs % 1000) * 1000, 4);
    record.writeUInt32LE(frame.length, 8);
    record.writeUInt32LE(frame.length, 12);
    records.push(record, frame);
  };
  [...keys].forEach((key, index) => {
    if (key === ' ') return; // a pause as long as a key and its gap
    const event = RFC2833_EVENTS.indexOf(key);
    if (event < 0) throw new Error(`not a DTMF key: ${key}`);
    const startMs = index * gapMs;
    const timestamp = 8_000 + startMs * 8;
    for (let step = 0; step < 10; step += 1) {
      packet(startMs + step * 20, step === 0, timestamp, event, false, (step + 1) * 160);
      seq += 1;
    }
    // The end packet, sent three times with the same sequence number (RFC 4733, 2.5.1.4).
    for (let copy = 0; copy < 3; copy += 1) packet(startMs + 200 + copy * 2, false, timestamp, event, true, 1_600);
    seq += 1;
  });
  return Buffer.concat(records);
}
