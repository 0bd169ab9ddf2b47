/**
 * A Switchboard in a process of its own (`switchboard serve`: compiled when apps/server/dist
 * is up to date, else from the sources through tsx; see cli-entry.ts), as an operator runs
 * one node of several: killed with SIGKILL it dies for real, sockets and all, with no chance
 * to release anything. Its log lines (JSON) and standard error are kept for the test to read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { cliEntry, SERVER_DIR } from './cli-entry.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, nodeRequester } from './server.js';

export interface ServerProcess {
  name: string;
  baseUrl: string;
  child: ChildProcess;
  /** Parsed JSON log lines, in order. */
  logs: Record<string, unknown>[];
  /** What the process wrote to standard error so far. */
  stderr(): string;
  request<T = any>(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** SIGKILL: no shutdown, no lease released, sockets reset by the kernel. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  isAlive(): boolean;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Env every node of one cluster shares (database, Redis, JWT secret, the first admin). */
export function clusterEnv(input: { databaseUrl: string; redisUrl: string; dataDir: string }): Record<string, string> {
  return {
    DATABASE_URL: input.databaseUrl,
    REDIS_URL: input.redisUrl,
    REDIS_CHANNEL: 'switchboard-test:events',
    DATA_DIR: input.dataDir,
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    AUDIOSOCKET_HOST: '127.0.0.1',
    SWITCHBOARD_ADMIN_EMAIL: ADMIN_EMAIL,
    SWITCHBOARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
    SWITCHBOARD_COMPANY_NAME: 'Acme',
    LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
  };
}

export async function startServerProcess(
  name: string,
  env: Record<string, string>,
  timeoutMs = 180_000,
): Promise<ServerProcess> {
  const port = await freePort();
  const audiosocketPort = await freePort();
  // One process (tsx, when used, as a loader, not its CLI, which would run the server in a
  // child that a SIGKILL of the parent leaves alive).
  const child = spawn(process.execPath, [...cliEntry().args, 'serve'], {
    cwd: SERVER_DIR,
    env: { ...process.env, ...env, PORT: String(port), AUDIOSOCKET_PORT: String(audiosocketPort), NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const baseUrl = `http://127.0.0.1:${port}`;
  const isAlive = () => child.exitCode === null && child.signalCode === null;
  const request = nodeRequester(baseUrl);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isAlive()) throw new Error(`server ${name} exited at start: ${stderr.slice(-2000)}`);
    const ready = await request('GET', '/health').catch(() => undefined);
    if (ready?.status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server ${name} did not start in ${timeoutMs} ms: ${stderr.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const exit = async (signal: NodeJS.Signals) => {
    if (!isAlive()) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  };
  return {
    name,
    baseUrl,
    child,
    logs,
    stderr: () => stderr,
    request,
    isAlive,
    kill: () => exit('SIGKILL'),
    stop: () => exit('SIGTERM'),
  };
}
