/**
 * A real Asterisk 22.10.1 per test file, configured with the project's own kit (asterisk/):
 * the kit's files are copied into a temporary directory with only what a deployment
 * changes anyway (the CHANGE_ME values, addresses and ports: all on 127.0.0.1, all free),
 * plus an asterisk.conf whose directories point there and a logger.conf. Asterisk runs in
 * the foreground and is stopped by its PID.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { stopProcess, waitUntil } from './processes.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');
export const KIT_DIR = join(REPO_ROOT, 'asterisk');
/** The shared build script lives beside the repository, never inside it. */
export const BUILD_SCRIPT = resolve(REPO_ROOT, '..', 'shared', 'asterisk', 'build.sh');

export interface AsteriskPorts {
  http: number;
  https: number;
  sip: number;
  rtpStart: number;
  rtpEnd: number;
}

export interface KitSettings {
  prefix: string;
  ports: AsteriskPorts;
  ariPassword: string;
  database: { host: string; port: number; name: string; user: string; password: string };
  audiosocket: { host: string; port: number };
  /** Where the carrier answers our calls (the trunk's contact). */
  carrierUasPort: number;
  /** Where the carrier's calls come from (matched by the trunk's identify). */
  carrierUacPort: number;
  outboundCallerId: string;
}

/** One edit of a kit file: the line must be there exactly once, or the kit changed under us. */
function replaceOnce(text: string, file: string, line: string, replacement: string): string {
  const pattern = new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'gm');
  const count = text.match(pattern)?.length ?? 0;
  if (count !== 1) throw new Error(`asterisk/${file}: expected the line "${line}" once, found it ${count} times`);
  return text.replace(pattern, replacement);
}

type Edits = [line: string, replacement: string][];

function kitEdits(settings: KitSettings, dir: string): Record<string, Edits> {
  const { ports, database } = settings;
  return {
    'http.conf': [
      ['bindport=8088', `bindport=${ports.http}`],
      ['tlsbindaddr=0.0.0.0:8089', `tlsbindaddr=127.0.0.1:${ports.https}`],
      ['tlscertfile=/etc/asterisk/keys/fullchain.pem', `tlscertfile=${join(dir, 'keys', 'cert.pem')}`],
      ['tlsprivatekey=/etc/asterisk/keys/privkey.pem', `tlsprivatekey=${join(dir, 'keys', 'key.pem')}`],
    ],
    'ari.conf': [['password=CHANGE_ME_ARI_PASSWORD', `password=${settings.ariPassword}`]],
    'pjsip.conf': [
      ['bind=0.0.0.0', 'bind=127.0.0.1'],
      ['bind=0.0.0.0:5060', `bind=127.0.0.1:${ports.sip}`],
      ['from_user=CHANGE_ME_TRUNK_USERNAME', 'from_user=switchboard'],
      ['from_domain=sip.provider.example', 'from_domain=127.0.0.1'],
      ['username=CHANGE_ME_TRUNK_USERNAME', 'username=switchboard'],
      ['password=CHANGE_ME_TRUNK_PASSWORD', 'password=trunk-secret'],
      ['contact=sip:sip.provider.example:5060', `contact=sip:127.0.0.1:${settings.carrierUasPort}`],
      // The carrier here is a SIPp that runs only during its scenario: OPTIONS it would
      // get between calls would be unexpected messages to it.
      ['qualify_frequency=60', 'qualify_frequency=0'],
      [
        'match=sip.provider.example',
        `match=127.0.0.1:${settings.carrierUasPort}\nmatch=127.0.0.1:${settings.carrierUacPort}`,
      ],
    ],
    'res_pgsql.conf': [
      ['dbhost=127.0.0.1', `dbhost=${database.host}`],
      ['dbport=5432', `dbport=${database.port}`],
      ['dbname=switchboard', `dbname=${database.name}`],
      ['dbuser=asterisk', `dbuser=${database.user}`],
      ['dbpass=CHANGE_ME_ASTERISK_DB_PASSWORD', `dbpass=${database.password}`],
    ],
    'extensions.conf': [
      [
        'SWITCHBOARD_AUDIOSOCKET=127.0.0.1:9092',
        `SWITCHBOARD_AUDIOSOCKET=${settings.audiosocket.host}:${settings.audiosocket.port}`,
      ],
      ['DEFAULT_OUTBOUND_CALLERID=', `DEFAULT_OUTBOUND_CALLERID=${settings.outboundCallerId}`],
    ],
    'rtp.conf': [
      ['rtpstart=10000', `rtpstart=${ports.rtpStart}`],
      ['rtpend=20000', `rtpend=${ports.rtpEnd}`],
    ],
  };
}

function asteriskConf(prefix: string, dir: string): string {
  const lib = join(prefix, 'var', 'lib', 'asterisk');
  return [
    '[directories]',
    `astetcdir => ${join(dir, 'etc')}`,
    `astmoddir => ${join(prefix, 'lib', 'asterisk', 'modules')}`,
    `astvarlibdir => ${lib}`,
    `astdbdir => ${join(dir, 'db')}`,
    // res_crypto reads <astkeydir>/keys.
    `astkeydir => ${dir}`,
    `astdatadir => ${lib}`,
    `astagidir => ${join(lib, 'agi-bin')}`,
    `astspooldir => ${join(dir, 'spool')}`,
    `astrundir => ${join(dir, 'run')}`,
    `astlogdir => ${join(dir, 'log')}`,
    `astsbindir => ${join(prefix, 'sbin')}`,
    '[options]',
    'verbose=3',
    '',
  ].join('\n');
}

const LOGGER_CONF = [
  '[general]',
  'dateformat=%F %T.%3q',
  '[logfiles]',
  'messages.log => notice,warning,error',
  // What the dialplan executed, for tests that follow a call through it.
  'full.log => notice,warning,error,verbose',
  '',
].join('\n');

export class Asterisk {
  #process: ChildProcess | undefined;
  #dialplan: string;
  readonly #dids: string[] = [];

  private constructor(
    readonly dir: string,
    readonly settings: KitSettings,
    dialplan: string,
  ) {
    this.#dialplan = dialplan;
  }

  /** Renders the kit into a new temporary directory; does not start Asterisk. */
  static render(settings: KitSettings): Asterisk {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-asterisk-'));
    for (const sub of ['etc', 'db', 'keys', 'spool/recording', 'run', 'log'])
      mkdirSync(join(dir, sub), { recursive: true });
    const edits = kitEdits(settings, dir);
    let dialplan = '';
    for (const file of readdirSync(KIT_DIR).filter((name) => name.endsWith('.conf'))) {
      let text = readFileSync(join(KIT_DIR, file), 'utf8');
      for (const [line, replacement] of edits[file] ?? []) text = replaceOnce(text, file, line, replacement);
      if (file === 'extensions.conf') dialplan = text;
      writeFileSync(join(dir, 'etc', file), text);
    }
    writeFileSync(join(dir, 'etc', 'asterisk.conf'), asteriskConf(settings.prefix, dir));
    writeFileSync(join(dir, 'etc', 'logger.conf'), LOGGER_CONF);
    const cert = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'keys', 'key.pem'),
        '-out',
        join(dir, 'keys', 'cert.pem'),
      ],
      { encoding: 'utf8' },
    );
    if (cert.status !== 0) throw new Error(`openssl could not make a certificate: ${cert.stderr}`);
    return new Asterisk(dir, settings, dialplan);
  }

  get configFile(): string {
    return join(this.dir, 'etc', 'asterisk.conf');
  }

  get recordingsDir(): string {
    return join(this.dir, 'spool', 'recording');
  }

  get ariUrl(): string {
    return `http://127.0.0.1:${this.settings.ports.http}`;
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /** Starts Asterisk in the foreground and waits until ARI answers. */
  async start(): Promise<void> {
    const binary = join(this.settings.prefix, 'sbin', 'asterisk');
    const output = createWriteStream(join(this.dir, 'log', 'console.log'), { flags: 'a' });
    const child = spawn(binary, ['-C', this.configFile, '-f', '-n', '-vvv'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(output);
    child.stderr?.pipe(output);
    this.#process = child;
    await waitUntil(
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`asterisk exited with ${child.exitCode}: ${this.tail('console.log')}`);
        }
        return (await this.ari('GET', '/ari/asterisk/ping').catch(() => undefined))?.status === 200;
      },
      30_000,
      'ARI of the new Asterisk',
      100,
    );
  }

  /** SIGKILL: the PBX dies as in a crash, without hanging anything up. */
  async kill(): Promise<void> {
    if (this.#process) await stopProcess(this.#process, 'SIGKILL');
    this.#process = undefined;
  }

  async stop(): Promise<void> {
    if (this.#process) await stopProcess(this.#process, 'SIGTERM', 15_000);
    this.#process = undefined;
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (!process.env.PBX_KEEP_TMP) rmSync(this.dir, { recursive: true, force: true });
  }

  /** `asterisk -rx`: a CLI command on this instance. */
  cli(command: string): string {
    const binary = join(this.settings.prefix, 'sbin', 'asterisk');
    const result = spawnSync(binary, ['-C', this.configFile, '-rx', command], { encoding: 'utf8', timeout: 15_000 });
    return `${result.stdout}${result.stderr}`;
  }

  /** ARI over HTTP with the kit's user. */
  async ari(method: string, path: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.ariUrl}${path}`, {
      method,
      headers: { authorization: `Basic ${Buffer.from(`switchboard:${this.settings.ariPassword}`).toString('base64')}` },
      signal: AbortSignal.timeout(5_000),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /**
   * Maps a DID in [switchboard-dids] as docs/asterisk.md tells operators to, and applies it
   * with `dialplan reload`.
   */
  mapDid(did: string, target: string): void {
    this.#dids.push(`exten => ${did},1,Gosub(${target})`, ' same => n,Hangup()');
    const text = replaceOnce(
      this.#dialplan,
      'extensions.conf',
      '[switchboard-dids]',
      ['[switchboard-dids]', ...this.#dids].join('\n'),
    );
    writeFileSync(join(this.dir, 'etc', 'extensions.conf'), text);
    const output = this.cli('dialplan reload');
    if (!/Dialplan reloaded/i.test(output)) throw new Error(`dialplan reload failed: ${output}`);
  }

  /** Appends extra dialplan (test-only contexts) and reloads it. */
  addDialplan(text: string): void {
    this.#dialplan = `${this.#dialplan}\n${text}\n`;
    writeFileSync(join(this.dir, 'etc', 'extensions.conf'), this.#dialplan);
    const output = this.cli('dialplan reload');
    if (!/Dialplan reloaded/i.test(output)) throw new Error(`dialplan reload failed: ${output}`);
  }

  /** Writes a configuration file the kit does not have (test-only) and runs `reload`. */
  addConfig(file: string, text: string, reload: string): void {
    writeFileSync(join(this.dir, 'etc', file), text);
    this.cli(reload);
  }

  /** Lines of messages.log (notice, warning, error). */
  logLines(): string[] {
    const path = join(this.dir, 'log', 'messages.log');
    return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
  }

  tail(file: string, lines = 40): string {
    const path = join(this.dir, 'log', file);
    return existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n') : '';
  }
}
