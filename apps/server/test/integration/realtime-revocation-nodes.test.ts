/**
 * Two API nodes over one database and a real redis-server (ADR 13): a session ended
 * through one node closes its sockets on the other, and its access token is refused there.
 * The event log poll is set far beyond the test's length, so what arrives came over Redis.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapFirstAdmin, createServer, type Server } from '../../src/main.js';
import { createLogger } from '../../src/shared/logger.js';
import { createTestDatabase, sharedPglite, type TestDatabase } from '../support/database.js';
import { startRedis, skipWithoutRedis, type TestRedis } from '../support/redis.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, clusterConfig, fastHasher, nodeRequester } from '../support/server.js';
import { connectSocket, type Envelope } from '../support/socket.js';

interface Node {
  server: Server;
  baseUrl: string;
  request: ReturnType<typeof nodeRequester>;
}

interface Session {
  accessToken: string;
  refreshToken: string;
}

async function connectWatching(baseUrl: string, token: string) {
  const { socket, received } = await connectSocket(baseUrl, { token });
  const disconnected = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
  return { socket, received, disconnected };
}

function answers(socket: Socket): Promise<boolean> {
  return socket
    .timeout(5_000)
    .emitWithAck('join_call', { call_id: 'not-a-uuid' })
    .then(() => true)
    .catch(() => false);
}

const revokedNotice = (received: Envelope[]) => received.find((e) => e.event === 'sessions_revoked');

describe.skipIf(skipWithoutRedis)('ended sessions across two API nodes', () => {
  let redis: TestRedis;
  let database: TestDatabase;
  let dataDir: string;
  const nodes: Node[] = [];
  let a: Node;
  let b: Node;
  let adminToken: string;

  const login = async (node: Node, email: string, password: string): Promise<Session> => {
    const response = await node.request<{ access_token: string; refresh_token: string }>(
      'POST',
      '/api/users/login',
      undefined,
      { email, password },
    );
    expect(response.status).toBe(200);
    return { accessToken: response.body.access_token, refreshToken: response.body.refresh_token };
  };

  const createAgent = async (): Promise<{ id: string; email: string; password: string }> => {
    const email = `agent-${Math.random().toString(36).slice(2)}@acme.test`;
    const password = 'quiet lantern over the harbour';
    const created = await a.request<{ id: string }>('POST', '/api/users', adminToken, {
      email,
      name: 'Agent',
      role: 'agent',
      password,
    });
    expect(created.status).toBe(201);
    return { id: created.body.id, email, password };
  };

  beforeAll(async () => {
    redis = await startRedis();
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-revocation-'));
    const config = clusterConfig(dataDir, database, {
      REDIS_URL: redis.url,
      REDIS_CHANNEL: 'switchboard-test:revocation',
    });
    for (let i = 0; i < 2; i += 1) {
      const pglite = database.pglite && (i === 0 ? database.pglite : sharedPglite(database.pglite));
      const server = await createServer(config, createLogger({ level: 'silent' }), {
        hasher: fastHasher,
        ...(pglite ? { pglite } : {}),
        eventDelivery: { gapWaitMs: 100, pollIntervalMs: 10 * 60_000 },
      });
      const baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
      nodes.push({ server, baseUrl, request: nodeRequester(baseUrl) });
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

  it('logout on node A closes that session’s socket on node B and refuses its token there', async () => {
    const agent = await createAgent();
    const ended = await login(a, agent.email, agent.password);
    const kept = await login(b, agent.email, agent.password);
    const endedSocket = await connectWatching(b.baseUrl, ended.accessToken);
    const keptSocket = await connectWatching(b.baseUrl, kept.accessToken);

    expect(
      (await a.request('POST', '/api/users/logout', undefined, { refresh_token: ended.refreshToken })).status,
    ).toBe(204);

    expect(await endedSocket.disconnected).toBe('io server disconnect');
    expect(revokedNotice(endedSocket.received)?.data).toMatchObject({ user_id: agent.id, reason: 'logout' });
    expect((await b.request('GET', '/api/users/profile', ended.accessToken)).status).toBe(401);
    expect(await answers(keptSocket.socket)).toBe(true);
    keptSocket.socket.close();
  });

  it('logout everywhere and deactivation through node A close the user’s sockets on both nodes', async () => {
    const leaving = await createAgent();
    const deactivated = await createAgent();
    const leavingSession = await login(a, leaving.email, leaving.password);
    const deactivatedSession = await login(b, deactivated.email, deactivated.password);
    const sockets = [
      await connectWatching(a.baseUrl, leavingSession.accessToken),
      await connectWatching(b.baseUrl, leavingSession.accessToken),
      await connectWatching(b.baseUrl, deactivatedSession.accessToken),
    ] as const;

    expect((await a.request('POST', '/api/users/logout-all', leavingSession.accessToken)).status).toBe(204);
    expect((await a.request('DELETE', `/api/users/${deactivated.id}`, adminToken)).status).toBe(204);

    const reasons = await Promise.all(sockets.map((s) => s.disconnected));
    expect(reasons).toEqual(['io server disconnect', 'io server disconnect', 'io server disconnect']);
    expect(sockets.map((s) => revokedNotice(s.received)?.data.reason)).toEqual([
      'logout_all',
      'logout_all',
      'deactivated',
    ]);
  });
});
