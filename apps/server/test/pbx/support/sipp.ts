/**
 * SIPp (Debian's sip-tester) as the phones and the carrier: one process per call leg,
 * running a scenario of ../sipp/ on its own loopback port, with its own RTP port and a
 * tone to send (tone.wav in its working directory). Every message it sends and receives
 * is kept, so tests can read what the far end saw (headers such as P-Asserted-Identity).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeUdpPort, stopProcess } from './processes.js';

const SCENARIOS = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'sipp');

export type Scenario =
  'register' | 'register-refused' | 'answer' | 'answer-hangup' | 'busy' | 'ring' | 'call' | 'call-wait';

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
