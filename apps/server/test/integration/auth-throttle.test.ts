/**
 * Login throttling counts failures only: a whole office behind one address signs in all
 * day, while a guesser is stopped. With REDIS_URL the counts are shared: failures through
 * one node count on the other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapFirstAdmin, createServer, type Server } from '../../src/main.js';
import { createLogger } from '../../src/shared/logger.js';
import { createTestDatabase, sharedPglite, type TestDatabase } from '../support/database.js';
import { startRedis, skipWithoutRedis, type TestRedis } from '../support/redis.js';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  clusterConfig,
  createUserAndLogin,
  fastHasher,
  nodeRequester,
  startTestServer,
  type TestServer,
} from '../support/server.js';

const MAX_FAILURES_PER_IP = 4;

describe('login throttling on one node', () => {
  let api: TestServer;

  beforeAll(async () => {
    api = await startTestServer({ LOGIN_MAX_ATTEMPTS_PER_IP: String(MAX_FAILURES_PER_IP) });
  });
  afterAll(async () => {
    await api.close();
  });

  it('lets many successful sign-ins from one address through, then stops its failures', async () => {
    const adminToken = await api.adminToken();
    const agents = [];
    for (let i = 0; i < 3; i += 1) agents.push(await createUserAndLogin(api, adminToken));
    // Ten times the limit, from 127.0.0.1 like everything in this test.
    for (let round = 0; round < 3 * MAX_FAILURES_PER_IP; round += 1) {
      const agent = agents[round % agents.length]!;
      const login = await api.request('POST', '/api/users/login', {
        body: { email: agent.email, password: agent.password },
      });
      expect(login.status).toBe(200);
    }

    for (let i = 0; i < MAX_FAILURES_PER_IP; i += 1) {
      const wrong = await api.request('POST', '/api/users/login', {
        body: { email: `nobody${i}@acme.test`, password: 'not the password at all' },
      });
      expect(wrong.status).toBe(401);
    }
    const stopped = await api.request('POST', '/api/users/login', {
      body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    });
    expect(stopped.status).toBe(429);
    expect(stopped.body.code).toBe('auth.too_many_attempts');
    expect(Number(stopped.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe.skipIf(skipWithoutRedis)('login throttling shared by two nodes over Redis', () => {
  let redis: TestRedis;
  let database: TestDatabase;
  let dataDir: string;
  const servers: Server[] = [];
  let requestA: ReturnType<typeof nodeRequester>;
  let requestB: ReturnType<typeof nodeRequester>;

  beforeAll(async () => {
    redis = await startRedis();
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-throttle-'));
    const config = clusterConfig(dataDir, database, {
      REDIS_URL: redis.url,
      REDIS_CHANNEL: 'switchboard-test:throttle',
      LOGIN_MAX_ATTEMPTS_PER_IP: String(MAX_FAILURES_PER_IP),
      LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '3',
    });
    const baseUrls: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const pglite = database.pglite && (i === 0 ? database.pglite : sharedPglite(database.pglite));
      const server = await createServer(config, createLogger({ level: 'silent' }), {
        hasher: fastHasher,
        ...(pglite ? { pglite } : {}),
      });
      servers.push(server);
      baseUrls.push(await server.app.listen({ port: 0, host: '127.0.0.1' }));
    }
    await bootstrapFirstAdmin(servers[0]!, config);
    requestA = nodeRequester(baseUrls[0]!);
    requestB = nodeRequester(baseUrls[1]!);
  });

  afterAll(async () => {
    for (const server of [...servers].reverse()) await server.close();
    await database?.dispose();
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const attempt = (request: ReturnType<typeof nodeRequester>, email: string, password: string) =>
    request<{ code?: string }>('POST', '/api/users/login', undefined, { email, password });

  it('locks an account after failures spread over both nodes', async () => {
    expect((await attempt(requestA, ADMIN_EMAIL, 'wrong guess number one')).status).toBe(401);
    expect((await attempt(requestB, ADMIN_EMAIL, 'wrong guess number two')).status).toBe(401);
    expect((await attempt(requestA, ADMIN_EMAIL, 'wrong guess number three')).status).toBe(401);
    const locked = await attempt(requestB, ADMIN_EMAIL, ADMIN_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('auth.too_many_attempts');
  });

  it('stops an address whose failures went half to each node', async () => {
    for (let i = 0; i < MAX_FAILURES_PER_IP; i += 1) {
      const request = i % 2 === 0 ? requestA : requestB;
      const wrong = await attempt(request, `guess${i}@nowhere.test`, 'not the password at all');
      // The first test's failures count against this address too: at most this many get through.
      expect([401, 429]).toContain(wrong.status);
    }
    expect((await attempt(requestA, 'anyone@nowhere.test', 'whatever it is')).status).toBe(429);
    expect((await attempt(requestB, 'anyone@nowhere.test', 'whatever it is')).status).toBe(429);
  });
});
