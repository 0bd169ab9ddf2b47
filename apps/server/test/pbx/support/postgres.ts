/**
 * A PostgreSQL server for the PBX suite. Asterisk reads agents' endpoints through
 * res_config_pgsql, which needs a server (it cannot read the embedded PGlite): the suite
 * uses DATABASE_URL when given, and otherwise runs a throwaway cluster from Debian's
 * binaries on a free loopback port, in a temporary directory, stopped by its PID.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freeTcpPort, stopProcess, waitUntil } from './processes.js';

export interface PostgresServer {
  /** A superuser (or at least CREATEDB) connection string to the `postgres` database. */
  url: string;
  stop(): Promise<void>;
}

/** `/usr/lib/postgresql/<newest>/bin`, or undefined when PostgreSQL is not installed. */
export function findPostgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')) && existsSync(join(root, name, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(root, versions[0], 'bin');
}

/** PostgreSQL refuses to run as root: run its programs as the `postgres` user then. */
function asServiceUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export async function startThrowawayPostgres(binDir: string): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-pbx-pg-'));
  const dataDir = join(dir, 'data');
  const isRoot = process.getuid?.() === 0;
  // runuser drops to `postgres`, which must own the directory it writes in.
  if (isRoot) {
    chmodSync(dir, 0o755);
    spawnSync('chown', ['postgres:postgres', dir]);
  }
  const [initCommand, initArgs] = asServiceUser(join(binDir, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  const init = spawnSync(initCommand, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  writeFileSync(join(dir, 'postgres.log'), '');
  if (isRoot) spawnSync('chown', ['postgres:postgres', join(dir, 'postgres.log')]);

  const port = await freeTcpPort();
  const [command, args] = asServiceUser(join(binDir, 'postgres'), [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'max_connections=200',
  ]);
  const server: ChildProcess = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitUntil(
    async () => {
      if (server.exitCode !== null) throw new Error(`postgres exited: ${output}`);
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        return true;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    30_000,
    'PostgreSQL accepting connections',
  );
  return {
    url,
    async stop() {
      await stopProcess(server, 'SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
