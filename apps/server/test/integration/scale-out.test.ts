/**
 * Several API nodes (REDIS_URL, ADR 13): two `createServer` instances over one database
 * (one PostgreSQL database with DATABASE_URL; otherwise one in-process PGlite shared by
 * both) and a real redis-server. Events published on one node reach the sockets of the
 * other, in seq order and once each, and keep arriving while Redis is down.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { bootstrapFirstAdmin, createServer, type Server } from '../../src/main.js';
import type { PublishedEvent } from '../../src/shared/events.js';
import { createCapturingLogger, type LogLine } from '../support/audiosocket-peer.js';
import { createTestDatabase, sharedPglite, type TestDatabase } from '../support/database.js';
import { startRedis, skipWithoutRedis, type TestRedis } from '../support/redis.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, clusterConfig, fastHasher, nodeRequester } from '../support/server.js';
import { connectSocket, type Envelope } from '../support/socket.js';

const POLL_INTERVAL_MS = 300;

interface Node {
  server: Server;
  baseUrl: string;
  /** What the node's bus handed its subscribers (the Socket.IO fan-out), in order. */
  delivered: PublishedEvent[];
  request<T = any>(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: T }>;
}

async function eventually(check: () => Promise<boolean> | boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not in time`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function configFor(dataDir: string, database: TestDatabase, redisUrl: string): Config {
  return clusterConfig(dataDir, database, { REDIS_URL: redisUrl, REDIS_CHANNEL: 'switchboard-test:events' });
}

describe.skipIf(skipWithoutRedis)('two API nodes sharing PostgreSQL and Redis', () => {
  let redis: TestRedis;
  let database: TestDatabase;
  let dataDir: string;
  let config: Config;
  let logs: LogLine[] = [];
  const nodes: Node[] = [];
  let a: Node;
  let b: Node;
  let token: string;
  let companyId: string;

  beforeAll(async () => {
    redis = await startRedis();
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-scale-'));
    config = configFor(dataDir, database, redis.url);
    const captured = createCapturingLogger('info');
    logs = captured.lines;
    for (let i = 0; i < 2; i += 1) {
      const pglite = database.pglite && (i === 0 ? database.pglite : sharedPglite(database.pglite));
      const server = await createServer(config, captured.logger.child({ node: i === 0 ? 'a' : 'b' }), {
        hasher: fastHasher,
        ...(pglite ? { pglite } : {}),
        eventDelivery: { gapWaitMs: 100, pollIntervalMs: POLL_INTERVAL_MS },
      });
      const baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
      const delivered: PublishedEvent[] = [];
      server.bus.subscribe((event) => delivered.push(event));
      nodes.push({
        server,
        baseUrl,
        delivered,
        request: nodeRequester(baseUrl),
      });
    }
    [a, b] = nodes as [Node, Node];
    await bootstrapFirstAdmin(a.server, config);
    // Signed in on node A, the token works on node B: both share the JWT secret.
    const login = await a.request<{ access_token: string; user: { company_id: string } }>(
      'POST',
      '/api/users/login',
      undefined,
      { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    );
    expect(login.status).toBe(200);
    token = login.body.access_token;
    companyId = login.body.user.company_id;
  });

  afterAll(async () => {
    for (const node of [...nodes].reverse()) await node.server.close();
    await database?.dispose();
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const statusChanges = (received: Envelope[], message: string) =>
    received.filter((e) => e.event === 'agent_presence_changed' && e.data.message === message);

  it('delivers an event published on one node to the sockets of both, with one seq, once each', async () => {
    const onA = await connectSocket(a.baseUrl, { token });
    const onB = await connectSocket(b.baseUrl, { token });
    try {
      const changed = await a.request('POST', '/api/presence/status', token, {
        status: 'away',
        message: 'lunch (set on node A)',
      });
      expect(changed.status).toBe(200);
      await onB.waitFor((r) => statusChanges(r, 'lunch (set on node A)').length === 1);
      await onA.waitFor((r) => statusChanges(r, 'lunch (set on node A)').length === 1);
      // Later events pass it by, and it still came once.
      const back = await b.request('POST', '/api/presence/status', token, {
        status: 'online',
        message: 'back (node B)',
      });
      expect(back.status).toBe(200);
      await onA.waitFor((r) => statusChanges(r, 'back (node B)').length === 1);
      await onB.waitFor((r) => statusChanges(r, 'back (node B)').length === 1);
      const [fromA] = statusChanges(onA.received, 'lunch (set on node A)');
      const [fromB] = statusChanges(onB.received, 'lunch (set on node A)');
      expect(fromB?.seq).toBe(fromA?.seq);
      expect(statusChanges(onB.received, 'lunch (set on node A)')).toHaveLength(1);
      expect(await b.request('GET', '/ready')).toMatchObject({ status: 200, body: { checks: { redis: 'up' } } });
    } finally {
      onA.socket.disconnect();
      onB.socket.disconnect();
    }
  });

  it('hands each node every event of both, in seq order, when both publish at once', async () => {
    const from = Math.max(a.delivered.length, b.delivered.length);
    const publish = (node: Node, i: number) =>
      node.server.bus.publish({
        name: 'test.burst',
        companyId,
        audience: { company: true },
        data: { i, node: node === a ? 'a' : 'b' },
      });
    const published = await Promise.all(Array.from({ length: 20 }, (_, i) => [publish(a, i), publish(b, i)]).flat());
    const seqs = published.map((event) => event.seq).sort((x, y) => x - y);
    for (const node of nodes) {
      await eventually(
        () => node.delivered.filter((e) => e.name === 'test.burst').length === 40,
        'all 40 burst events',
      );
      const burst = node.delivered.slice(from).filter((e) => e.name === 'test.burst');
      expect(burst.map((e) => e.seq)).toEqual(seqs);
      const all = node.delivered.map((e) => e.seq);
      expect(all).toEqual([...new Set(all)].sort((x, y) => x - y));
    }
  });

  it('keeps delivering through the event log while Redis is down, and over Redis again when it is back', async () => {
    const onB = await connectSocket(b.baseUrl, { token });
    try {
      await redis.stop();
      await eventually(async () => (await b.request('GET', '/ready')).body?.checks?.redis === 'degraded', 'degraded');
      // Degraded is not down: the node stays in the load balancer.
      expect((await b.request('GET', '/ready')).status).toBe(200);

      const changed = await a.request('POST', '/api/presence/status', token, {
        status: 'busy',
        message: 'while redis is down',
      });
      expect(changed.status).toBe(200);
      await onB.waitFor((r) => statusChanges(r, 'while redis is down').length === 1);

      await redis.start();
      await eventually(async () => (await b.request('GET', '/ready')).body?.checks?.redis === 'up', 'up again', 20_000);
      await eventually(async () => (await a.request('GET', '/ready')).body?.checks?.redis === 'up', 'A up', 20_000);
      const back = await a.request('POST', '/api/presence/status', token, {
        status: 'online',
        message: 'redis is back',
      });
      expect(back.status).toBe(200);
      await onB.waitFor((r) => statusChanges(r, 'redis is back').length === 1);
      expect(statusChanges(onB.received, 'while redis is down')).toHaveLength(1);
      expect(logs.some((line) => line.msg === 'event not sent to the other nodes')).toBe(true);
      expect(logs.some((line) => line.msg === 'redis subscription restored')).toBe(true);
    } finally {
      onB.socket.disconnect();
    }
  });

  it("sends a watched topic's event to the sockets watching it on the other node, over Redis and through the log (ADR 31)", async () => {
    const password = 'watcher-password-long-enough-1';
    const email = `watcher-${Date.now()}@acme.test`;
    const created = await a.request('POST', '/api/users', token, { email, name: 'Vigia', role: 'agent', password });
    expect(created.status).toBe(201);
    const login = await b.request<{ access_token: string }>('POST', '/api/users/login', undefined, { email, password });
    const agentToken = login.body.access_token;
    const watcher = await connectSocket(b.baseUrl, { token: agentToken });
    const bystander = await connectSocket(b.baseUrl, { token: agentToken });
    const unassigned = (received: Envelope[]) => received.filter((e) => e.event === 'test_unassigned');
    let isRedisStopped = false;
    try {
      expect(await watcher.socket.emitWithAck('watch', { topic: 'unassigned' })).toEqual({ ok: true });
      const publish = (step: string) =>
        a.server.bus.publish({
          name: 'test.unassigned',
          companyId,
          audience: { managers: true, topic: 'unassigned' },
          data: { step },
        });
      await publish('over redis');
      await watcher.waitFor((r) => unassigned(r).length === 1);
      // The node's other delivery path: an event Redis never carried is read from the log.
      await redis.stop();
      isRedisStopped = true;
      await eventually(async () => (await b.request('GET', '/ready')).body?.checks?.redis === 'degraded', 'degraded');
      await publish('from the log');
      await watcher.waitFor((r) => unassigned(r).length === 2);
      expect(unassigned(watcher.received).map((e) => e.data.step)).toEqual(['over redis', 'from the log']);
      // The same user's socket that does not watch: an event to the user comes, the topic's never did.
      await a.server.bus.publish({
        name: 'test.sentinel',
        companyId,
        audience: { userIds: [created.body.id] },
        data: {},
      });
      await bystander.waitFor((r) => r.some((e) => e.event === 'test_sentinel'));
      expect(unassigned(bystander.received)).toEqual([]);
    } finally {
      watcher.socket.disconnect();
      bystander.socket.disconnect();
      if (isRedisStopped) await redis.start();
      await eventually(async () => (await b.request('GET', '/ready')).body?.checks?.redis === 'up', 'up again', 20_000);
      await eventually(async () => (await a.request('GET', '/ready')).body?.checks?.redis === 'up', 'A up', 20_000);
    }
  });

  it('drops a message on the channel that is not an event, says so, and goes on', async () => {
    const intruder = new Redis(redis.url);
    try {
      await intruder.publish('switchboard-test:events', '{"seq": "not a number"}');
      await intruder.publish('switchboard-test:events', 'plain text');
      const event = await a.server.bus.publish({
        name: 'test.after_garbage',
        companyId,
        audience: { company: true },
        data: {},
      });
      await eventually(() => b.delivered.some((e) => e.seq === event.seq), 'the next event on B');
      expect(logs.filter((line) => line.msg === 'event channel message is not an event; dropped').length).toBe(4);
    } finally {
      intruder.disconnect();
    }
  });
});

describe.skipIf(skipWithoutRedis)('a node whose Redis cannot be reached', () => {
  it('refuses to start with a clear error that does not carry the password', async () => {
    const database = await createTestDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-scale-'));
    const { logger, lines } = createCapturingLogger('debug');
    try {
      // Nothing listens on port 1.
      const config = configFor(dataDir, database, 'redis://:s3cret-pass@127.0.0.1:1/0');
      const started = createServer(config, logger, {
        hasher: fastHasher,
        ...(database.pglite ? { pglite: database.pglite } : {}),
      });
      await expect(started).rejects.toThrow(/Redis at 127\.0\.0\.1:1\/0 \(REDIS_URL\) is not reachable/);
      await started.catch((error: Error) => expect(error.message).not.toContain('s3cret'));
      expect(JSON.stringify(lines)).not.toContain('s3cret');
    } finally {
      await database.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('rejects a REDIS_URL that is not a redis:// URL', () => {
    expect(() => loadConfig({ JWT_SECRET: 'x'.repeat(32), REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(
      /REDIS_URL.*redis:\/\//,
    );
  });
});
