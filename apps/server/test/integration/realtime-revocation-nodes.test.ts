/**
 * Two API nodes over one database and a real redis-server (ADR 13): a session ended
 * through one node closes its sockets on the other, and its access token is refused there.
 * The event log poll is set far beyond the test's length, so what arrives came over Redis.
 */
import type { Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { useRedisNodes } from '../support/cluster.js';
import { skipWithoutRedis } from '../support/redis.js';
import { connectSocket, type Envelope } from '../support/socket.js';

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
  const cluster = useRedisNodes({
    name: 'revocation',
    overrides: { eventDelivery: { gapWaitMs: 100, pollIntervalMs: 10 * 60_000 } },
  });
  const { login } = cluster;
  const createAgent = () => cluster.createUser('agent');

  it('logout on node A closes that session’s socket on node B and refuses its token there', async () => {
    const { a, b } = cluster;
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
    const { a, b, adminToken } = cluster;
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
