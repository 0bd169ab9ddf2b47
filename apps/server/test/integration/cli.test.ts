/**
 * The server as an operator runs it: a child process started the way `npm start` does
 * (`node dist/src/cli.js`, compiled; from the sources through tsx where dist is not up to
 * date, see cli-entry.ts). `migrate` runs once, on an empty data directory, before the
 * tests; the first start runs on an empty data directory of its own (initdb, migrations,
 * the first administrator); the other starts that need a database copy what `migrate`
 * made instead of running initdb again (tens of seconds each at load 20).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliEntry, SERVER_DIR } from '../support/cli-entry.js';

const CLI = cliEntry().args;
const children: ChildProcessWithoutNullStreams[] = [];
const dirs: string[] = [];
const holders: TcpServer[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const holder of holders.splice(0)) await new Promise((resolve) => holder.close(resolve));
});

/** A port of 127.0.0.1 some other process holds, as a first Switchboard would. */
async function takenPort(): Promise<number> {
  const holder = createTcpServer();
  holders.push(holder);
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  return (holder.address() as { port: number }).port;
}

/** Runs the CLI on a data directory of its own: empty, or a copy of `from`. */
function run(args: string[], env: Record<string, string>, { from }: { from?: string } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
  dirs.push(dataDir);
  if (from) cpSync(from, dataDir, { recursive: true });
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: SERVER_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      AUDIOSOCKET_HOST: '127.0.0.1',
      AUDIOSOCKET_PORT: '0',
      ...env,
    },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Generous: a first start (initdb) at load 20 took over a minute.
  const waitFor = async (pattern: RegExp, timeoutMs = 150_000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = pattern.exec(stdout);
      if (match) return match;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${pattern} in output:\n${stdout}\n${stderr}`);
  };
  return { child, exited, waitFor, dataDir, output: () => ({ stdout, stderr }) };
}

/** What `switchboard migrate` did on an empty data directory, which the starts below copy. */
let migrated: { code: number | null; stdout: string; stderr: string };
let migratedDir = '';

beforeAll(async () => {
  const migrate = run(['migrate'], {});
  // Kept past the afterEach that removes the tests' directories.
  dirs.splice(dirs.indexOf(migrate.dataDir), 1);
  migratedDir = migrate.dataDir;
  migrated = { code: await migrate.exited, ...migrate.output() };
}, 180_000);

afterAll(() => {
  if (migratedDir) rmSync(migratedDir, { recursive: true, force: true });
});

/** The database `migrate` made, for a start that needs one but not initdb. */
function migratedDatabase(): { from: string } {
  expect(migrated.code, `migrate failed:\n${migrated.stdout}\n${migrated.stderr}`).toBe(0);
  return { from: migratedDir };
}

// Only the first start runs initdb for an empty embedded database: seconds, more on a loaded machine.
describe('switchboard serve', { timeout: 180_000 }, () => {
  it('prints the generated admin password once, answers /health and a login with it, and drains on SIGTERM', async () => {
    const server = run(['serve'], { LOG_LEVEL: 'info' });
    const [, password] = await server.waitFor(/password: (\S+)/);
    const [, address] = await server.waitFor(/"address":"(http:\/\/[^"]+)"/);
    expect((await fetch(`${address}/health`)).status).toBe(200);
    const login = await fetch(`${address}/api/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@switchboard.local', password }),
    });
    expect(login.status).toBe(200);
    // The password is never written to the structured log.
    const logLines = server
      .output()
      .stdout.split('\n')
      .filter((line) => line.startsWith('{'));
    expect(logLines.join('\n')).not.toContain(password);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output().stdout).toContain('shutdown complete');
  });

  it('uses SWITCHBOARD_ADMIN_EMAIL and SWITCHBOARD_ADMIN_PASSWORD when given', async () => {
    const server = run(
      ['serve'],
      {
        LOG_LEVEL: 'info',
        SWITCHBOARD_ADMIN_EMAIL: 'ops@example.com',
        SWITCHBOARD_ADMIN_PASSWORD: 'a-configured-password',
      },
      migratedDatabase(),
    );
    const [, address] = await server.waitFor(/"address":"(http:\/\/[^"]+)"/);
    expect(server.output().stdout).not.toContain('a-configured-password');
    const login = await fetch(`${address}/api/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ops@example.com', password: 'a-configured-password' }),
    });
    expect(login.status).toBe(200);
  });

  it('refuses to create the first admin with a weak SWITCHBOARD_ADMIN_PASSWORD, saying why without the password', async () => {
    const server = run(['serve'], { SWITCHBOARD_ADMIN_PASSWORD: 'password1234' }, migratedDatabase());
    expect(await server.exited).toBe(1);
    const { stderr, stdout } = server.output();
    expect(stderr).toContain('SWITCHBOARD_ADMIN_PASSWORD: too easy to guess');
    expect(stderr).not.toContain('password1234');
    expect(stdout).not.toContain('password1234');
    expect(stderr).not.toContain('    at ');
  });

  it('exits non-zero listing every bad variable', async () => {
    const server = run(['serve'], { PORT: 'x', SIGNUP_ENABLED: 'perhaps' });
    expect(await server.exited).toBe(1);
    const { stderr } = server.output();
    expect(stderr).toContain('PORT');
    expect(stderr).toContain('SIGNUP_ENABLED');
  });

  it('exits non-zero naming PORT when the HTTP port is taken', async () => {
    const port = await takenPort();
    const server = run(['serve'], { PORT: String(port) });
    expect(await server.exited).toBe(1);
    const { stderr } = server.output();
    expect(stderr).toContain(`PORT ${port} on 127.0.0.1 is already in use`);
    expect(stderr).toContain('set PORT to a free port');
    expect(stderr).not.toContain('    at ');
  });

  it('exits non-zero naming AUDIOSOCKET_PORT when the AudioSocket port is taken', async () => {
    const port = await takenPort();
    const server = run(['serve'], { AUDIOSOCKET_PORT: String(port) });
    expect(await server.exited).toBe(1);
    const { stderr } = server.output();
    expect(stderr).toContain(`AUDIOSOCKET_PORT ${port} on 127.0.0.1 is already in use`);
    expect(stderr).toContain('set AUDIOSOCKET_PORT to a free port');
    expect(stderr).not.toContain('    at ');
  });

  it('migrate applies the migrations to an empty data directory and exits', () => {
    // It ran before the tests; the starts above served from a copy of what it made.
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain('migrations applied (pglite)');
  });
});
