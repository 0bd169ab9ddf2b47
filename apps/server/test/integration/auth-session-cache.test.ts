/**
 * The access-token cache (ADR 16, amended) does not delay revocation: with a cache TTL of
 * ten minutes, far beyond the test, a session ended, a user deactivated or demoted through
 * node A is refused on node B as soon as B hears `sessions.revoked` over Redis (the event
 * log poll is also set beyond the test), and on the node that ended it at once.
 */
import { describe, expect, it } from 'vitest';
import { useRedisNodes } from '../support/cluster.js';
import { skipWithoutRedis } from '../support/redis.js';

const TEN_MINUTES = 10 * 60_000;

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
  const cluster = useRedisNodes({
    name: 'session-cache',
    overrides: { eventDelivery: { gapWaitMs: 100, pollIntervalMs: TEN_MINUTES }, sessionCacheTtlMs: TEN_MINUTES },
  });
  const { login, createUser } = cluster;

  it('a logout through node A is refused on A at once and on B when the event arrives; the other session goes on', async () => {
    const { a, b } = cluster;
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
    const { a, b, adminToken } = cluster;
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
    const { a, b, adminToken } = cluster;
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
