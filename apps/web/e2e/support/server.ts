/**
 * A real Switchboard for the e2e run: the server's CLI (`switchboard serve`, compiled by
 * the run's global setup, or from its sources with tsx when it does not compile) in a
 * child process on 127.0.0.1:0, on its own copy of a migrated embedded database in a
 * temporary DATA_DIR, serving the built console (WEB_ROOT). The test talks to it only
 * over HTTP, as the browser does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const WEB_ROOT = fileURLToPath(new URL('../../dist', import.meta.url));
export const SERVER_DIR = fileURLToPath(new URL('../../../server', import.meta.url));

/** How servers start: what the run's global setup prepared (e2e/support/global-setup.ts). */
export interface ServerLaunch {
  /** A DATA_DIR with a migrated embedded database to copy; '' runs initdb and migrations. */
  dataTemplate: string;
  /** Start apps/server/dist (true) or the sources through tsx (false). */
  isBuilt: boolean;
  /** Fetch the console's files once before handing the server to the test. */
  isWarmedUp: boolean;
}

async function preparedLaunch(): Promise<ServerLaunch> {
  try {
    // Loaded here, not at the top: the global setup and measurement scripts import this file
    // outside a test worker, where vitest's runtime cannot load.
    const { inject } = await import('vitest');
    return { dataTemplate: inject('e2eDataTemplate'), isBuilt: inject('e2eServerBuilt'), isWarmedUp: true };
  } catch {
    // Outside a vitest run (a measurement script): the slow, always-correct way.
    return { dataTemplate: '', isBuilt: false, isWarmedUp: false };
  }
}

export const ADMIN_EMAIL = 'admin@acme.test';
export const ADMIN_PASSWORD = 'correct horse battery staple';

export interface HttpResponse<T = unknown> {
  status: number;
  body: T;
  text: string;
}

export interface RunningServer {
  baseUrl: string;
  /** The server's log lines (pino JSON), for failure reports. */
  logs: string[];
  request<T = unknown>(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<HttpResponse<T>>;
  login(email: string, password: string): Promise<{ accessToken: string; refreshToken: string; userId: string }>;
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

export async function startServer(
  env: Record<string, string> = {},
  launchOptions?: ServerLaunch,
): Promise<RunningServer> {
  const launch = launchOptions ?? (await preparedLaunch());
  if (!existsSync(join(WEB_ROOT, 'index.html'))) {
    throw new Error('Build the console first: npm run build --workspace apps/web');
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));
  if (launch.dataTemplate) cpSync(launch.dataTemplate, dataDir, { recursive: true });
  const inherited = { ...process.env };
  // Never reach a shared database or Redis from the test environment.
  delete inherited.DATABASE_URL;
  delete inherited.REDIS_URL;
  const cli = launch.isBuilt ? ['dist/src/cli.js'] : ['--import', 'tsx', 'src/cli.ts'];
  const child = spawn(process.execPath, [...cli, 'serve'], {
    cwd: SERVER_DIR,
    env: {
      ...inherited,
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      AUDIOSOCKET_HOST: '127.0.0.1',
      AUDIOSOCKET_PORT: '0',
      LOG_LEVEL: 'info',
      JWT_SECRET: 'e2e-secret-e2e-secret-e2e-secret-0123456789',
      SWITCHBOARD_ADMIN_EMAIL: ADMIN_EMAIL,
      SWITCHBOARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
      SWITCHBOARD_COMPANY_NAME: 'Acme',
      WEB_ROOT,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not start:\n${logs.slice(-20).join('\n')}`)),
      // Measured at ~55 s with both cores saturated (busy loops beside other work); the
      // e2e hooks allow 120 s.
      110_000,
    );
    const onLine = (line: string) => {
      logs.push(line);
      if (!line.startsWith('{')) return;
      try {
        const entry = JSON.parse(line) as { msg?: string; address?: string };
        if (entry.msg === 'switchboard listening' && entry.address) {
          clearTimeout(timer);
          resolve(entry.address);
        }
      } catch {
        // Not a log line.
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', (line) => logs.push(line));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}):\n${logs.slice(-20).join('\n')}`));
    });
  });

  const request: RunningServer['request'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (body === undefined && options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    const isJson = /json/.test(response.headers.get('content-type') ?? '') && text !== '';
    return { status: response.status, body: (isJson ? JSON.parse(text) : text) as never, text };
  };

  if (launch.isWarmedUp) await warmUp(baseUrl);

  const login: RunningServer['login'] = async (email, password) => {
    const response = await request<{ access_token: string; refresh_token: string; user: { id: string } }>(
      'POST',
      '/api/users/login',
      { body: { email, password } },
    );
    if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
    return {
      accessToken: response.body.access_token,
      refreshToken: response.body.refresh_token,
      userId: response.body.user.id,
    };
  };

  let adminToken: string | undefined;
  return {
    baseUrl,
    logs,
    request,
    login,
    async adminToken() {
      adminToken ??= (await login(ADMIN_EMAIL, ADMIN_PASSWORD)).accessToken;
      return adminToken;
    },
    async close() {
      await stop(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The console's page and bundles once, before any browser asks: the first request of
 * each file reads it from disk, and on a busy machine that first page load is what made
 * the first sign-in wait.
 */
async function warmUp(baseUrl: string): Promise<void> {
  const html = readFileSync(join(WEB_ROOT, 'index.html'), 'utf8');
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1] as string);
  await Promise.all(
    ['/', ...assets].map(async (path) => {
      const response = await fetch(`${baseUrl}${path}`);
      await response.arrayBuffer();
    }),
  );
}

/** SIGTERM (the server drains and closes its database), SIGKILL if it hangs. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

let counter = 0;

/** Creates a user as the admin and signs them in. */
export async function createUser(
  server: RunningServer,
  input: { role: 'admin' | 'supervisor' | 'agent'; name: string; device_template?: 'webrtc' | 'sip' },
): Promise<{ id: string; email: string; password: string; token: string; refreshToken: string }> {
  counter += 1;
  const email = `user${counter}-${Date.now()}@acme.test`;
  const password = `password-${counter}-long-enough`;
  const created = await server.request<{ id: string }>('POST', '/api/users', {
    token: await server.adminToken(),
    body: { email, password, ...input },
  });
  if (created.status !== 201) throw new Error(`create user failed: ${created.status} ${created.text}`);
  const session = await server.login(email, password);
  return { id: created.body.id, email, password, token: session.accessToken, refreshToken: session.refreshToken };
}
