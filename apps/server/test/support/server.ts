/**
 * Starts a real Switchboard on 127.0.0.1:0 over a fresh database, with one company and
 * its administrator, and gives tests an HTTP client that speaks to it over the socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash, verify } from '@node-rs/argon2';
import { loadConfig, type Config } from '../../src/config.js';
import { bootstrapFirstAdmin, createServer, type Server, type ServerOverrides } from '../../src/main.js';
import type { PasswordHasher } from '../../src/modules/auth/index.js';
import type { Clock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/logger.js';
import { createTestDatabase } from './database.js';
import { LOOPBACK_ALLOWED } from './outbound.js';

export const ADMIN_EMAIL = 'admin@acme.test';
export const ADMIN_PASSWORD = 'correct horse battery staple';

/** Real argon2id, at a cost that keeps the suite fast. */
export const fastHasher: PasswordHasher = {
  hash: (password) => hash(password, { algorithm: 2, memoryCost: 1024, timeCost: 1, parallelism: 1 }),
  verify: async (passwordHash, password) => verify(passwordHash, password).catch(() => false),
};

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string | undefined;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface TestServer {
  baseUrl: string;
  server: Server;
  config: Config;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<HttpResponse<T>>;
  login(email: string, password: string): Promise<{ accessToken: string; refreshToken: string; userId: string }>;
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

export async function startTestServer(
  env: Record<string, string> = {},
  overrides: { clock?: Clock; modules?: ServerOverrides['modules'] } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-data-'));
  const database = await createTestDatabase();
  const config = loadConfig({
    // Every response is checked against its schema (ADR 28).
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    LOG_LEVEL: 'silent',
    AUDIOSOCKET_HOST: '127.0.0.1',
    AUDIOSOCKET_PORT: '0',
    // The stubs (Graph API, webhook receivers, speech) listen on loopback, which the
    // outbound guard refuses unless allowed, as an operator would allow an internal host.
    OUTBOUND_ALLOWED_HOSTS: LOOPBACK_ALLOWED,
    SWITCHBOARD_ADMIN_EMAIL: ADMIN_EMAIL,
    SWITCHBOARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
    SWITCHBOARD_COMPANY_NAME: 'Acme',
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...env,
  });
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const server = await createServer(config, logger, {
    hasher: fastHasher,
    ...(database.pglite ? { pglite: database.pglite } : {}),
    ...overrides,
  });
  await bootstrapFirstAdmin(server, config);
  const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
  let cachedAdminToken: string | undefined;

  const request = async <T>(method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${address}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    if (/json/.test(response.headers.get('content-type') ?? '') && text) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  };

  const login = async (email: string, password: string) => {
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

  return {
    baseUrl: address,
    server,
    config,
    request,
    login,
    async adminToken() {
      cachedAdminToken ??= (await login(ADMIN_EMAIL, ADMIN_PASSWORD)).accessToken;
      return cachedAdminToken;
    },
    async close() {
      // A response whose file stream has not ended keeps its keep-alive connection busy, and
      // the server's close waits for it until the keep-alive timeout (72 s): seen on a busy
      // machine after GET /api/canned-responses/:id/attachment, whose client had every byte.
      // Nothing else is in flight when a file ends, so what is left after 2 s is cut.
      const cut = setTimeout(() => server.app.server.closeAllConnections(), 2_000);
      try {
        await server.close();
      } finally {
        clearTimeout(cut);
      }
      await database.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

/** Creates a user through the API as the given admin and signs them in. */
export async function createUserAndLogin(
  api: TestServer,
  adminToken: string,
  input: {
    role?: 'admin' | 'supervisor' | 'agent';
    name?: string;
    email?: string;
    device_template?: 'webrtc' | 'sip';
  } = {},
) {
  counter += 1;
  const email = input.email ?? `user${counter}-${Date.now()}@acme.test`;
  const password = `password-${counter}-long-enough`;
  const created = await api.request<{ id: string }>('POST', '/api/users', {
    token: adminToken,
    body: {
      email,
      name: input.name ?? `User ${counter}`,
      role: input.role ?? 'agent',
      password,
      ...(input.device_template ? { device_template: input.device_template } : {}),
    },
  });
  if (created.status !== 201) throw new Error(`create user failed: ${created.status} ${created.text}`);
  const session = await api.login(email, password);
  return { id: created.body.id, email, password, token: session.accessToken, refreshToken: session.refreshToken };
}

/** `request(method, path, token?, body?)` against a node at `baseUrl`: JSON in, JSON out. */
export function nodeRequester(baseUrl: string) {
  return async <T = any>(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

/** The configuration of one of several nodes over one test database (no AudioSocket port). */
export function clusterConfig(
  dataDir: string,
  database: { databaseUrl?: string },
  env: Record<string, string> = {},
): Config {
  return loadConfig({
    // Every response is checked against its schema (ADR 28).
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    LOG_LEVEL: 'silent',
    AUDIOSOCKET_ENABLED: 'false',
    LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
    OUTBOUND_ALLOWED_HOSTS: LOOPBACK_ALLOWED,
    SWITCHBOARD_ADMIN_EMAIL: ADMIN_EMAIL,
    SWITCHBOARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
    SWITCHBOARD_COMPANY_NAME: 'Acme',
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...env,
  });
}
