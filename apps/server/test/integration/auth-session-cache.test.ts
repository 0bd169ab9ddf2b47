/**
 * The access-token cache (ADR 16, amended) does not delay revocation: with a cache TTL of
 * ten minutes, far beyond the test, a session ended, a user deactivated or demoted through
 * node A is refused on node B as soon as B hears `sessions.revoked` over Redis (the event
 * log poll is also set beyond the test), and on the node that ended it at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapFirstAdmin, createServer, type Server } from '../../src/main.js';
import { createLogger } from '../../src/shared/logger.js';
import { createTestDatabase, sharedPglite, type TestDatabase } from '../support/database.js';
import { startRedis, skipWithoutRedis, type TestRedis } from '../support/redis.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, clusterConfig, fastHasher, nodeRequester } from '../support/server.js';

const TEN_MINUTES = 10 * 60_000;

interface Node {
  server: Server;
  request: ReturnType<typeof nodeRequester>;
}

/** Asks until the status is `expected` (the event crosses Redis meanwhile); the last status. */
async function statusBecomes(ask: () => Promise<number>, expected: number, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let status = await ask();
  while (status !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    status = await ask();
  }
  return status;
}

describe.skipIf(skipWithoutRedis)('cached access tokens across two API nodes', () => {
  let redis: TestRedis;
  let database: TestDatabase;
  let dataDir: string;
  const nodes: Node[] = [];
  let a: Node;
  let b: Node;
  let adminToken: string;

  const login = async (node: Node, email: string, password: string) => {
    const response = await node.request<{ access_token: string; refresh_token: string }>(
      'POST',
      '/api/users/login',
      undefined,
      { email, password },
    );
    expect(response.status).toBe(200);
    return { accessToken: response.body.access_token, refreshToken: response.body.refresh_token };
  };

  const createUser = async (role: 'agent' | 'supervisor') => {
    const email = `${role}-${Math.random().toString(36).slice(2)}@acme.test`;
    const password = 'quiet lantern over the harbour';
    const created = await a.request<{ id: string }>('POST', '/api/users', adminToken, {
      email,
      name: 'Someone',
      role,
      password,
    });
    expect(created.status).toBe(201);
    return { id: created.body.id, email, password };
  };

  beforeAll(async () => {
    redis = await startRedis();
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-session-cache-'));
    const config = clusterConfig(dataDir, database, {
      REDIS_URL: redis.url,
      REDIS_CHANNEL: 'switchboard-test:session-cache',
    });
    for (let i = 0; i < 2; i += 1) {
      const pglite = database.pglite && (i === 0 ? database.pglite : sharedPglite(database.pglite));
      const server = await createServer(config, createLogger({ level: 'silent' }), {
        hasher: fastHasher,
        ...(pglite ? { pglite } : {}),
        eventDelivery: { gapWaitMs: 100, pollIntervalMs: TEN_MINUTES },
        sessionCacheTtlMs: TEN_MINUTES,
      });
      const baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
      nodes.push({ server, request: nodeRequester(baseUrl) });
    }
    [a, b] = nodes as [Node, Node];
    await bootstrapFirstAdmin(a.server, config);
    adminToken = (await login(a, ADMIN_EMAIL, ADMIN_PASSWORD)).accessToken;
  });

  afterAll(async () => {
    for (const node of [...nodes].reverse()) await node.server.close();
    await database?.dispose();
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('a logout through node A is refused on A at once and on B when the event arrives; the other session goes on', async () => {
    const agent = await createUser('agent');
    const ended = await login(a, agent.email, agent.password);
    const kept = await login(a, agent.email, agent.password);
    // Both nodes have the tokens cached.
    for (const node of [a, b]) {
      expect((await node.request('GET', '/api/users/profile', ended.accessToken)).status).toBe(200);
      expect((await node.request('GET', '/api/users/profile', kept.accessToken)).status).toBe(200);
    }

    expect(
      (await a.request('POST', '/api/users/logout', undefined, { refresh_token: ended.refreshToken })).status,
    ).toBe(204);

    expect((await a.request('GET', '/api/users/profile', ended.accessToken)).status).toBe(401);
    expect(
      await statusBecomes(async () => (await b.request('GET', '/api/users/profile', ended.accessToken)).status, 401),
    ).toBe(401);
    expect((await b.request('GET', '/api/users/profile', kept.accessToken)).status).toBe(200);
    expect((await a.request('GET', '/api/users/profile', kept.accessToken)).status).toBe(200);
  });

  it('a deactivation through node A is refused on both nodes', async () => {
    const agent = await createUser('agent');
    const session = await login(b, agent.email, agent.password);
    expect((await b.request('GET', '/api/users/profile', session.accessToken)).status).toBe(200);
    expect((await a.request('GET', '/api/users/profile', session.accessToken)).status).toBe(200);

    expect((await a.request('DELETE', `/api/users/${agent.id}`, adminToken)).status).toBe(204);

    expect((await a.request('GET', '/api/users/profile', session.accessToken)).status).toBe(401);
    expect(
      await statusBecomes(async () => (await b.request('GET', '/api/users/profile', session.accessToken)).status, 401),
    ).toBe(401);
  });

  it('a supervisor demoted through node A loses the supervisor’s list on node B', async () => {
    const supervisor = await createUser('supervisor');
    const session = await login(b, supervisor.email, supervisor.password);
    expect((await b.request('GET', '/api/users?limit=20', session.accessToken)).status).toBe(200);

    expect((await a.request('PUT', `/api/users/${supervisor.id}`, adminToken, { role: 'agent' })).status).toBe(200);

    // The token stays valid, with the new role: B reads it again once the event arrives.
    const status = await statusBecomes(
      async () => (await b.request('GET', '/api/users?limit=20', session.accessToken)).status,
      403,
    );
    expect(status).toBe(403);
  });
});
