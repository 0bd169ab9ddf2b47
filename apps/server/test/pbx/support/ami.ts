/**
 * The Asterisk Manager Interface, for tests only. Switchboard never uses AMI and the kit
 * turns it off; the emulator-fidelity replay needs it because two captures (s06, s07) were
 * driven by AMI actions, standing for what happens outside Switchboard's control (another
 * system redirecting a channel, a phone's own blind transfer). `testManagerConf` turns it
 * on for one test Asterisk only: loopback, a free port, one user with a generated secret
 * that may do call actions and read nothing.
 */
import { connect, type Socket } from 'node:net';

export const AMI_USER = 'replay';

export function testManagerConf(port: number, secret: string): string {
  return [
    '; Test-only (emulator-fidelity replay): the kit itself turns AMI off.',
    '[general]',
    'enabled=yes',
    'webenabled=no',
    'bindaddr=127.0.0.1',
    `port=${port}`,
    '',
    `[${AMI_USER}]`,
    `secret=${secret}`,
    'deny=0.0.0.0/0.0.0.0',
    'permit=127.0.0.1/255.255.255.255',
    'read=',
    'write=call',
    '',
  ].join('\n');
}

/** One AMI message: its fields in order (keys may repeat). */
export type AmiMessage = [key: string, value: string][];

export function field(message: AmiMessage, key: string): string | undefined {
  return message.find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
}

/** A logged-in AMI session that sends actions one at a time and waits for each response. */
export class AmiSession {
  #buffer = '';
  #messages: AmiMessage[] = [];
  #waiters: (() => void)[] = [];
  #nextId = 1;
  #closed = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      // The banner is one line; every other message ends with an empty line.
      if (!this.#buffer.includes('\r\n\r\n') && /^Asterisk Call Manager\/[^\r]*\r\n/.test(this.#buffer)) {
        const end = this.#buffer.indexOf('\r\n');
        this.#push([['Banner', this.#buffer.slice(0, end)]]);
        this.#buffer = this.#buffer.slice(end + 2);
      }
      let end = this.#buffer.indexOf('\r\n\r\n');
      while (end >= 0) {
        const lines = this.#buffer.slice(0, end).split('\r\n');
        this.#buffer = this.#buffer.slice(end + 4);
        if (lines[0]?.startsWith('Asterisk Call Manager/')) {
          this.#push([['Banner', lines.shift()!]]);
        }
        if (lines.length > 0) {
          this.#push(
            lines.map((line): [string, string] => {
              const colon = line.indexOf(':');
              return colon < 0 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1).trim()];
            }),
          );
        }
        end = this.#buffer.indexOf('\r\n\r\n');
      }
    });
    socket.on('close', () => {
      this.#closed = true;
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  #push(message: AmiMessage): void {
    this.#messages.push(message);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  async #next(predicate: (message: AmiMessage) => boolean, timeoutMs: number, what: string): Promise<AmiMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.#messages.findIndex(predicate);
      if (index >= 0) return this.#messages.splice(index, 1)[0]!;
      if (this.#closed) throw new Error(`AMI closed the connection while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for AMI ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  static async open(port: number, secret: string, timeoutMs = 10_000): Promise<AmiSession> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const session = new AmiSession(socket);
    await session.#next((message) => field(message, 'Banner') !== undefined, timeoutMs, 'banner');
    const login = await session.send({ Action: 'Login', Username: AMI_USER, Secret: secret, Events: 'off' }, timeoutMs);
    if (field(login, 'Response') !== 'Success') {
      socket.destroy();
      throw new Error(`AMI login refused: ${JSON.stringify(login)}`);
    }
    return session;
  }

  /** Sends an action and returns its response (matched by ActionID). */
  async send(action: Record<string, string>, timeoutMs = 10_000): Promise<AmiMessage> {
    const id = `act-${this.#nextId++}`;
    const text = Object.entries({ ...action, ActionID: id })
      .map(([key, value]) => `${key}: ${value}\r\n`)
      .join('');
    this.socket.write(`${text}\r\n`);
    return this.#next(
      (message) => field(message, 'ActionID') === id && field(message, 'Response') !== undefined,
      timeoutMs,
      `response to ${action.Action}`,
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.send({ Action: 'Logoff' }, 2_000).catch(() => undefined);
    this.socket.destroy();
  }
}
