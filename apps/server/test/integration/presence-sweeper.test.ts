/**
 * The sweeper and connections across server nodes: several `createServer` instances over
 * one database (one PostgreSQL database with DATABASE_URL; otherwise one in-process
 * PGlite shared by every node), one injected clock, ticks driven by hand.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentPresenceDto } from '@switchboard/contracts';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAsLeader } from '../../src/db/leader-lock.js';
import { agentPresences, eventLog, users } from '../../src/db/schema/index.js';
import { bootstrapFirstAdmin, createServer, type Server } from '../../src/main.js';
import { createPresenceModule, type PresenceModule } from '../../src/modules/presence/index.js';
import { PresenceRepository } from '../../src/modules/presence/presence.repository.js';
import type { Clock } from '../../src/shared/clock.js';
import type { PublishedEvent } from '../../src/shared/events.js';
import { createLogger } from '../../src/shared/logger.js';
import { createTestDatabase, sharedPglite } from '../support/database.js';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  clusterConfig,
  createUserAndLogin,
  fastHasher,
  nodeRequester,
  startTestServer,
} from '../support/server.js';
import { connectSocket } from '../support/socket.js';

const OFFLINE_AFTER = 120;
const SWEEP_INTERVAL = 15;
/** A node that has not refreshed its rows for this long is taken for dead. */
const STALE_AFTER = OFFLINE_AFTER + SWEEP_INTERVAL;

class ManualClock implements Clock {
  private current = Date.now();
  now(): Date {
    return new Date(this.current);
  }
  advance(seconds: number): void {
    this.current += seconds * 1000;
  }
}

interface Node {
  server: Server;
  presence: PresenceModule;
  baseUrl: string;
  events: PublishedEvent[];
  request<T = any>(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: T }>;
}

async function startCluster(size: number, clock: Clock) {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-presence-'));
  const config = clusterConfig(dataDir, database, {
    PRESENCE_OFFLINE_AFTER_SECONDS: String(OFFLINE_AFTER),
    PRESENCE_SWEEP_INTERVAL_SECONDS: String(SWEEP_INTERVAL),
  });
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const nodes: Node[] = [];
  for (let i = 0; i < size; i += 1) {
    let presence: PresenceModule | undefined;
    const pglite = database.pglite && (i === 0 ? database.pglite : sharedPglite(database.pglite));
    const server = await createServer(config, logger, {
      hasher: fastHasher,
      clock,
      ...(pglite ? { pglite } : {}),
      modules: [(context) => (presence = createPresenceModule(context, { isSchedulerEnabled: false }))],
    });
    if (!presence) throw new Error('presence module not installed');
    const baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
    const events: PublishedEvent[] = [];
    server.bus.subscribe((event) => events.push(event));
    nodes.push({
      server,
      presence,
      baseUrl,
      events,
      request: nodeRequester(baseUrl),
    });
  }
  const first = nodes[0]!;
  await bootstrapFirstAdmin(first.server, config);
  return {
    nodes,
    config,
    /** Closes one node: its presence module releases its connections on the way out. */
    async stop(node: Node) {
      await node.server.close();
    },
    async close() {
      // The first node owns the database: it closes last.
      for (const node of [...nodes].reverse()) await node.server.close();
      await database.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function eventually(check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('presence sweeper and connections across two server nodes on one database', () => {
  const clock = new ManualClock();
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let a: Node;
  let b: Node;
  let admin: string;

  /** createUserAndLogin speaks to one node through the test server's shape. */
  const asTestServer = (node: Node) =>
    ({
      request: async (method: string, path: string, options: { token?: string; body?: unknown } = {}) => {
        const response = await node.request(method, path, options.token, options.body);
        return { ...response, text: JSON.stringify(response.body) };
      },
      login: async (email: string, password: string) => {
        const response = await node.request('POST', '/api/users/login', undefined, { email, password });
        return { accessToken: response.body.access_token, refreshToken: response.body.refresh_token, userId: '' };
      },
    }) as unknown as Parameters<typeof createUserAndLogin>[0];

  const newAgent = (node: Node) => createUserAndLogin(asTestServer(node), admin);
  const presenceOf = async (node: Node, token: string) =>
    (await node.request<AgentPresenceDto>('GET', '/api/presence/me', token)).body;

  /** agent.presence_changed rows of the shared event log, per agent id. */
  async function storedEventsOf(agentIds: string[]) {
    const rows = await a.server.database.db
      .select()
      .from(eventLog)
      .where(eq(eventLog.name, 'agent.presence_changed'))
      .orderBy(asc(eventLog.seq));
    const data = rows.map((row) => row.data as Record<string, unknown>);
    return Object.fromEntries(agentIds.map((id) => [id, data.filter((d) => d.agent_id === id)]));
  }

  beforeAll(async () => {
    cluster = await startCluster(3, clock);
    [a, b] = cluster.nodes as [Node, Node];
    const session = await a.request('POST', '/api/users/login', undefined, {
      email: ADMIN_EMAIL,
      password: ADMIN_PASSWORD,
    });
    admin = session.body.access_token;
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('marks an agent offline only once the timeout passes without a heartbeat', async () => {
    const silent = await newAgent(a);
    const beating = await newAgent(b);
    await a.request('POST', '/api/presence/status', silent.token, { status: 'busy', message: 'Em reunião' });
    await b.request('POST', '/api/presence/status', beating.token, { status: 'online' });

    clock.advance(OFFLINE_AFTER - 20);
    await b.request('POST', '/api/presence/heartbeat', beating.token);
    clock.advance(19);
    expect((await a.presence.sweepOnce()).changed).toBe(0);
    expect(await presenceOf(a, silent.token)).toMatchObject({ status: 'busy', is_inactive: false });

    clock.advance(2);
    const result = await a.presence.sweepOnce();
    expect(result).toMatchObject({ isLeader: true, changed: 1 });
    expect(await presenceOf(b, silent.token)).toMatchObject({
      status: 'offline',
      message: null,
      is_inactive: true,
      status_changed_at: clock.now().toISOString(),
    });
    expect((await presenceOf(a, beating.token)).status).toBe('online');
    const stored = await storedEventsOf([silent.id]);
    expect(stored[silent.id]!.at(-1)).toMatchObject({
      status: 'offline',
      previous_status: 'busy',
      reason: 'timeout',
      timestamp: clock.now().toISOString(),
    });
  });

  it('stores a heartbeat still waiting for its batch before the sweep looks for silent agents', async () => {
    const agent = await newAgent(a);
    await a.request('POST', '/api/presence/status', agent.token, { status: 'away', message: 'Almoço' });
    const [user] = await a.server.database.db.select().from(users).where(eq(users.id, agent.id));
    const actor = { userId: agent.id, companyId: user!.companyId, role: 'agent' as const };

    clock.advance(OFFLINE_AFTER - 1);
    // Received now; its batch is written within a second, the sweep below comes first.
    const answered = a.presence.service.heartbeat(actor);
    const receivedAt = clock.now().toISOString();
    clock.advance(2);
    await a.presence.sweepOnce();
    expect(await presenceOf(b, agent.token)).toMatchObject({ status: 'away', last_heartbeat: receivedAt });
    expect((await answered).lastHeartbeatAt?.toISOString()).toBe(receivedAt);
  });

  it('stores a batch of heartbeats in one statement, never back in time, leaving out unknown and other companies’ agents', async () => {
    const [beaten, fresh] = [await newAgent(a), await newAgent(a)];
    await a.request('POST', '/api/presence/status', beaten.token, { status: 'online' });
    const statusAt = clock.now();
    const [user] = await a.server.database.db.select().from(users).where(eq(users.id, beaten.id));
    const companyId = user!.companyId;
    const otherCompany = randomUUID();
    const repository = new PresenceRepository(a.server.database.db);
    const stored = await repository.recordHeartbeats(
      [
        // Received before the status change that was stored first: must not move it back.
        { companyId, agentId: beaten.id, at: new Date(statusAt.getTime() - 5000) },
        { companyId, agentId: fresh.id, at: new Date(statusAt.getTime() + 1000) },
        { companyId, agentId: randomUUID(), at: statusAt },
        { companyId: otherCompany, agentId: fresh.id, at: statusAt },
      ],
      clock.now(),
    );
    expect(
      stored
        .map((p) => [p.agentId, p.companyId, p.lastHeartbeatAt?.toISOString()])
        .sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    ).toEqual(
      [
        [beaten.id, companyId, statusAt.toISOString()],
        [fresh.id, companyId, new Date(statusAt.getTime() + 1000).toISOString()],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    expect(await presenceOf(a, beaten.token)).toMatchObject({
      status: 'online',
      last_heartbeat: statusAt.toISOString(),
    });
    // A never-seen agent gets its row, offline until a status is set.
    expect(await presenceOf(b, fresh.token)).toMatchObject({
      status: 'offline',
      last_heartbeat: new Date(statusAt.getTime() + 1000).toISOString(),
    });
    const foreign = await a.server.database.db
      .select()
      .from(agentPresences)
      .where(eq(agentPresences.companyId, otherCompany));
    expect(foreign).toEqual([]);
  });

  it('never times out an agent whose socket is open, heartbeat or not', async () => {
    const agent = await newAgent(a);
    const socket = await connectSocket(b.baseUrl, { token: agent.token });
    await a.request('POST', '/api/presence/status', agent.token, { status: 'online' });
    await eventually(async () => (await presenceOf(a, agent.token)).is_available);

    clock.advance(OFFLINE_AFTER + 1);
    // Before node b refreshes: its row is still fresh enough, so the agent stays online.
    await a.presence.sweepOnce();
    expect(await presenceOf(a, agent.token)).toMatchObject({ status: 'online', is_inactive: true });
    // b's tick refreshes its row and counts the open socket as a heartbeat.
    await b.presence.tick();
    expect(await presenceOf(a, agent.token)).toMatchObject({ status: 'online', is_inactive: false });
    socket.socket.close();
    await eventually(async () => !(await presenceOf(a, agent.token)).websocket_connected);
  });

  it('keeps an agent connected while a socket on either node is open', async () => {
    const agent = await newAgent(a);
    await a.request('POST', '/api/presence/status', agent.token, { status: 'online' });
    const onA = await connectSocket(a.baseUrl, { token: agent.token });
    const onB = await connectSocket(b.baseUrl, { token: agent.token });
    await eventually(async () => (await presenceOf(a, agent.token)).is_available);

    onA.socket.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await presenceOf(a, agent.token)).toMatchObject({ websocket_connected: true, is_available: true });
    onB.socket.close();
    await eventually(async () => !(await presenceOf(a, agent.token)).websocket_connected);
    expect((await presenceOf(b, agent.token)).is_available).toBe(false);
  });

  it('runs one sweep per tick across both nodes: each stale agent goes offline once, with one event', async () => {
    const agents = [await newAgent(a), await newAgent(b), await newAgent(a)];
    // Agents left online by earlier tests time out first, so this tick holds only these.
    clock.advance(OFFLINE_AFTER + 1);
    await a.presence.sweepOnce();
    for (const [i, agent] of agents.entries()) {
      const node = i % 2 === 0 ? a : b;
      await node.request('POST', '/api/presence/status', agent.token, { status: i === 1 ? 'away' : 'online' });
    }
    const ids = agents.map((agent) => agent.id);
    const published = () =>
      [...a.events, ...b.events].filter(
        (e) => e.name === 'agent.presence_changed' && ids.includes(String(e.data.agent_id)),
      );
    const before = published().length;

    clock.advance(OFFLINE_AFTER + 1);
    const results = await Promise.all([a.presence.tick(), b.presence.tick()]);
    expect(results.some((r) => r.isLeader)).toBe(true);
    expect(results.reduce((sum, r) => sum + r.changed, 0)).toBe(agents.length);
    for (const agent of agents) expect((await presenceOf(a, agent.token)).status).toBe('offline');

    const timeouts = published().filter((e) => e.data.reason === 'timeout');
    expect(timeouts.map((e) => e.data.agent_id).sort()).toEqual([...ids].sort());
    const stored = await storedEventsOf(ids);
    for (const id of ids) expect(stored[id]!.filter((d) => d.reason === 'timeout')).toHaveLength(1);

    // The next tick finds nothing left to do on either node.
    const again = await Promise.all([a.presence.tick(), b.presence.tick()]);
    expect(again.map((r) => r.changed)).toEqual([0, 0]);
    expect(published().length).toBe(before + agents.length);
  });

  it.runIf(process.env.DATABASE_URL)('skips the sweep on a node while another holds the lock', async () => {
    // PostgreSQL only: PGlite has one connection, so the second node would wait, not skip.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let acquired!: () => void;
    const isHeld = new Promise<void>((resolve) => (acquired = resolve));
    const holder = runAsLeader(a.server.database.db, 'presence.sweeper', async () => {
      acquired();
      await held;
    });
    await isHeld;
    expect(await b.presence.sweepOnce()).toEqual({ isLeader: false, changed: 0, staleConnections: 0 });
    release();
    expect((await holder).isLeader).toBe(true);
    expect((await b.presence.sweepOnce()).isLeader).toBe(true);
  });

  it('drops the connections of a node that stopped refreshing, and the node restores them when it comes back', async () => {
    const agent = await newAgent(a);
    await a.request('POST', '/api/presence/status', agent.token, { status: 'online' });
    const onB = await connectSocket(b.baseUrl, { token: agent.token });
    await eventually(async () => (await presenceOf(a, agent.token)).is_available);

    // b stalls (no tick) for longer than a node may; a's sweep takes it for dead.
    clock.advance(STALE_AFTER + 1);
    const swept = await a.presence.tick();
    expect(swept.staleConnections).toBeGreaterThanOrEqual(1);
    expect(await presenceOf(a, agent.token)).toMatchObject({ status: 'offline', websocket_connected: false });

    // b comes back: its socket is still open, so it writes the agent's connection again.
    await b.presence.tick();
    await eventually(async () => (await presenceOf(a, agent.token)).websocket_connected);
    // Each node publishes on its own bus here (no REDIS_URL): the shared event log has them all.
    // Reconnecting while offline changes nothing colleagues see: no event.
    const stored = (await storedEventsOf([agent.id]))[agent.id]!;
    expect(stored.map((d) => [d.reason, d.status, d.websocket_connected])).toEqual([
      ['status_updated', 'online', false],
      ['connected', 'online', true],
      ['timeout', 'offline', false],
    ]);
    onB.socket.close();
    await eventually(async () => !(await presenceOf(a, agent.token)).websocket_connected);
  });

  it('disconnects a node’s agents at once when the node shuts down', async () => {
    const c = cluster.nodes[2]!;
    const agent = await newAgent(a);
    await a.request('POST', '/api/presence/status', agent.token, { status: 'online' });
    await connectSocket(c.baseUrl, { token: agent.token });
    await eventually(async () => (await presenceOf(a, agent.token)).is_available);
    await cluster.stop(c);
    expect(await presenceOf(a, agent.token)).toMatchObject({ status: 'online', websocket_connected: false });
  });
});

describe('presence sweeper timer', () => {
  it('ticks on its own every PRESENCE_SWEEP_INTERVAL_SECONDS, deciding with the injected clock', async () => {
    const clock = new ManualClock();
    const api = await startTestServer(
      { PRESENCE_SWEEP_INTERVAL_SECONDS: '1', LOGIN_MAX_ATTEMPTS_PER_IP: '100000' },
      { clock },
    );
    try {
      const agent = await createUserAndLogin(api, await api.adminToken());
      const colleague = await connectSocket(api.baseUrl, { token: await api.adminToken() });
      await api.request('POST', '/api/presence/status', { token: agent.token, body: { status: 'online' } });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await api.request('GET', '/api/presence/me', { token: agent.token })).body.status).toBe('online');

      clock.advance(121);
      await colleague.waitFor((e) =>
        e.some(
          (x) => x.event === 'agent_presence_changed' && x.data.agent_id === agent.id && x.data.reason === 'timeout',
        ),
      );
      expect((await api.request('GET', '/api/presence/me', { token: agent.token })).body.status).toBe('offline');
      colleague.socket.close();
    } finally {
      await api.close();
    }
  });
});
