/**
 * Several Switchboard processes on one PostgreSQL database and one Redis, for the tests
 * that SIGKILL a node (routing-kill, routing-kill-voice, calls-failover): `useCluster`
 * registers the file's hooks — a Redis of its own, a database from the run's template,
 * the nodes started (the first alone: it creates the company and its administrator; the
 * others together), optionally the ARI emulator every node is configured with — and tears
 * it all down after the file. When a test (or the start) fails, every node's state, its
 * standard error and its last log lines are printed, so a CI log says what the nodes did.
 *
 * PostgreSQL only: PGlite is one process's embedded database and cannot be shared. On
 * PGlite, `skipClusterSuite` records the one-line reason and the file is skipped.
 *
 * `useRedisNodes` is the in-process kind: two servers in the test's own process over one
 * test database (on PGlite, one database both share) and a real redis-server, for the
 * tests of what crosses Redis between nodes; its files skip with `skipWithoutRedis`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import type { Config } from '../../src/config.js';
import { bootstrapFirstAdmin, createServer, type Server, type ServerOverrides } from '../../src/main.js';
import { createLogger, type Logger } from '../../src/shared/logger.js';
import { AriEmulator } from './ari-emulator.js';
import { createTestDatabase, sharedPglite, type TestDatabase } from './database.js';
import { waitFor } from './pbx.js';
import { recordSkip } from './programs.js';
import { skipWithoutRedis, startRedis, type TestRedis } from './redis.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, clusterConfig, fastHasher, nodeRequester } from './server.js';
import { clusterEnv, startServerProcess, type ServerProcess } from './server-process.js';
import { connectSocket } from './socket.js';

export const isPostgres = Boolean(process.env.DATABASE_URL);

/** Whether a cluster suite skips here (no PostgreSQL, or no redis-server outside CI), recording why. */
export function skipClusterSuite(suite: string): boolean {
  if (!isPostgres) {
    recordSkip({ suite, reason: 'needs PostgreSQL (DATABASE_URL): PGlite cannot be shared across processes' });
  }
  return !isPostgres || skipWithoutRedis;
}

export const ARI_APP = 'switchboard';
const AGENT_PASSWORD = 'agent-password-long-enough';

export interface ClusterAgent {
  id: string;
  email: string;
  token: string;
  /** The agent's SIP device (its PJSIP endpoint is `PJSIP/<sipUsername>`). */
  sipUsername: string;
}

export interface ClusterOptions {
  /** A word for the data directory's name. */
  name: string;
  /** Node names; default a, b and c. */
  nodes?: string[];
  /** Start the ARI emulator and point every node at it. */
  withPbx?: boolean;
  /** More environment for every node, read once the emulator (if any) is up. */
  env?: () => Record<string, string>;
  /** Runs after the nodes are up and the administrator is signed in (queues, agents…). */
  setUp?: (cluster: Cluster) => Promise<void>;
}

export interface Cluster {
  nodes: ServerProcess[];
  alive: () => ServerProcess[];
  /** The ARI emulator (`withPbx`). */
  ari: AriEmulator;
  databaseUrl: string;
  adminToken: string;
  /** Rows of a query on the cluster's database. */
  rows: <T>(text: string, values?: unknown[]) => Promise<T[]>;
  /** Agents created and signed in through the first live node, each with a SIP device. */
  createAgents: (count: number, namePrefix: string) => Promise<ClusterAgent[]>;
  /**
   * A socket for each agent on every live node (two browser tabs behind a balancer), set
   * online once, and waited for until the database says every one is online and connected.
   */
  connectEverywhere: (agents: ClusterAgent[]) => Promise<void>;
  /** The PBX state a node reports on /ready (`up`, `standby`…), undefined if it does not answer. */
  pbxState: (node: ServerProcess) => Promise<string | undefined>;
  /** The one live node whose PBX link is up while every other live node is on standby. */
  waitForPbxOwner: (timeoutMs?: number) => Promise<ServerProcess>;
}

/** Registers the hooks that run a cluster for the enclosing `describe`; the handle fills in at its start. */
export function useCluster(options: ClusterOptions): Cluster {
  let redis: TestRedis | undefined;
  let database: TestDatabase | undefined;
  let ari: AriEmulator | undefined;
  let client: pg.Client | undefined;
  let dataDir = '';
  const sockets: { disconnect(): void }[] = [];
  const nodes: ServerProcess[] = [];

  const printNodes = (why: string) => {
    for (const node of nodes) {
      const state = node.isAlive() ? 'alive' : `exited (${node.child.exitCode ?? node.child.signalCode})`;
      const lines = node.logs.slice(-40).map((line) => JSON.stringify(line));
      console.error(
        `--- ${why}: node ${node.name} at ${node.baseUrl}, ${state}\n` +
          `stderr (last 3000 characters):\n${node.stderr().slice(-3000)}\n` +
          `last ${lines.length} of ${node.logs.length} log lines:\n${lines.join('\n')}`,
      );
    }
  };

  const cluster: Cluster = {
    nodes,
    alive: () => nodes.filter((node) => node.isAlive()),
    get ari() {
      if (!ari) throw new Error('this cluster has no PBX (useCluster({ withPbx: true }))');
      return ari;
    },
    get databaseUrl() {
      return database!.databaseUrl!;
    },
    adminToken: '',
    rows: async <T>(text: string, values: unknown[] = []) => (await client!.query(text, values)).rows as T[],

    createAgents: async (count, namePrefix) => {
      const [node] = cluster.alive();
      const agents: ClusterAgent[] = [];
      for (let i = 0; i < count; i += 1) {
        const email = `${namePrefix.toLowerCase().replace(/\W+/g, '-')}${i}-${Date.now()}@acme.test`;
        const created = await node!.request('POST', '/api/users', cluster.adminToken, {
          email,
          name: `${namePrefix} ${i}`,
          role: 'agent',
          password: AGENT_PASSWORD,
        });
        expect(created.status).toBe(201);
        const session = await node!.request('POST', '/api/users/login', undefined, { email, password: AGENT_PASSWORD });
        expect(session.status).toBe(200);
        const token = session.body.access_token as string;
        const device = await node!.request('GET', '/api/users/me/device', token);
        expect(device.status).toBe(200);
        agents.push({ id: created.body.id, email, token, sipUsername: device.body.sip_username });
      }
      return agents;
    },

    connectEverywhere: async (agents) => {
      const live = cluster.alive();
      for (const agent of agents) {
        for (const node of live) {
          const connection = await connectSocket(node.baseUrl, { token: agent.token });
          sockets.push(connection.socket);
          if (node === live[0]) {
            await new Promise((resolve) => connection.socket.emit('update_status', { status: 'online' }, resolve));
          }
        }
      }
      await waitFor(
        async () =>
          (
            await cluster.rows(
              `select 1 from agent_presences where user_id = any($1::uuid[]) and status = 'online' and websocket_connected`,
              [agents.map((agent) => agent.id)],
            )
          ).length === agents.length,
        'every agent online and connected',
        20_000,
      );
    },

    pbxState: async (node) => (await node.request('GET', '/ready').catch(() => undefined))?.body?.checks?.pbx,

    waitForPbxOwner: async (timeoutMs = 40_000) => {
      let owner: ServerProcess | undefined;
      await waitFor(
        async () => {
          const states = await Promise.all(
            cluster.alive().map(async (node) => [node, await cluster.pbxState(node)] as const),
          );
          const up = states.filter(([, state]) => state === 'up');
          if (up.length !== 1 || states.some(([, state]) => state !== 'up' && state !== 'standby')) return false;
          owner = up[0]![0];
          return true;
        },
        'one node owning the PBX',
        timeoutMs,
      );
      return owner!;
    },
  };

  beforeAll(async () => {
    try {
      redis = await startRedis();
      database = await createTestDatabase();
      client = new pg.Client({ connectionString: database.databaseUrl! });
      await client.connect();
      if (options.withPbx) ari = await AriEmulator.start({ username: 'switchboard', password: 'ari-secret' });
      dataDir = mkdtempSync(join(tmpdir(), `switchboard-${options.name}-`));
      const env = {
        ...clusterEnv({ databaseUrl: database.databaseUrl!, redisUrl: redis.url, dataDir }),
        ...(ari
          ? {
              ASTERISK_ARI_URL: ari.url,
              ASTERISK_ARI_USERNAME: 'switchboard',
              ASTERISK_ARI_PASSWORD: 'ari-secret',
              ASTERISK_ARI_APP: ARI_APP,
            }
          : {}),
        ...options.env?.(),
      };
      const [first, ...others] = options.nodes ?? ['a', 'b', 'c'];
      nodes.push(await startServerProcess(first!, env));
      nodes.push(...(await Promise.all(others.map((name) => startServerProcess(name, env)))));
      const login = await nodes[0]!.request('POST', '/api/users/login', undefined, {
        email: ADMIN_EMAIL,
        password: ADMIN_PASSWORD,
      });
      expect(login.status).toBe(200);
      cluster.adminToken = login.body.access_token;
      await options.setUp?.(cluster);
    } catch (error) {
      printNodes('the cluster did not start');
      throw error;
    }
  }, 480_000);

  beforeEach(({ onTestFailed }) => {
    onTestFailed(({ task }) => printNodes(`failed: ${task.name}`));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await Promise.all(nodes.map((node) => node.stop()));
    await client?.end();
    await ari?.close();
    await database?.dispose();
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  return cluster;
}

/** SIGKILLs a node (no shutdown, no lease released) and checks that it is gone. */
export async function killNode(node: ServerProcess): Promise<void> {
  await node.kill();
  expect(node.isAlive()).toBe(false);
}

/** One in-process node of `useRedisNodes`. */
export interface RedisNode {
  server: Server;
  baseUrl: string;
  request: ReturnType<typeof nodeRequester>;
}

export interface RedisNodesOptions {
  /** A word for the data directory's and the Redis channel's names. */
  name: string;
  /** More environment for both nodes (REDIS_URL and REDIS_CHANNEL are set). */
  env?: Record<string, string>;
  /** More of createServer's overrides for both nodes (the hasher and the database are set). */
  overrides?: Omit<ServerOverrides, 'pglite' | 'hasher'>;
  /** Each node's logger; silent by default. */
  logger?: (name: 'a' | 'b') => Logger;
}

export interface RedisNodes {
  a: RedisNode;
  b: RedisNode;
  config: Config;
  /** The administrator's access token, signed in on node A. */
  adminToken: string;
  login: (node: RedisNode, email: string, password: string) => Promise<{ accessToken: string; refreshToken: string }>;
  /** A user created through node A by the administrator (not signed in). */
  createUser: (role: 'agent' | 'supervisor') => Promise<{ id: string; email: string; password: string }>;
}

/**
 * Registers the hooks that run two in-process nodes for the enclosing `describe`: a Redis
 * of its own, one test database, both servers listening on 127.0.0.1, the company and its
 * administrator created through node A; all torn down after the file. The handle fills in
 * at its start.
 */
export function useRedisNodes(options: RedisNodesOptions): RedisNodes {
  let redis: TestRedis | undefined;
  let database: TestDatabase | undefined;
  let dataDir = '';
  const servers: Server[] = [];

  const handle: RedisNodes = {
    a: undefined as unknown as RedisNode,
    b: undefined as unknown as RedisNode,
    config: undefined as unknown as Config,
    adminToken: '',
    login: async (node, email, password) => {
      const response = await node.request<{ access_token: string; refresh_token: string }>(
        'POST',
        '/api/users/login',
        undefined,
        { email, password },
      );
      expect(response.status).toBe(200);
      return { accessToken: response.body.access_token, refreshToken: response.body.refresh_token };
    },
    createUser: async (role) => {
      const email = `${role}-${Math.random().toString(36).slice(2)}@acme.test`;
      const password = 'quiet lantern over the harbour';
      const created = await handle.a.request<{ id: string }>('POST', '/api/users', handle.adminToken, {
        email,
        name: role === 'agent' ? 'Agent' : 'Supervisor',
        role,
        password,
      });
      expect(created.status).toBe(201);
      return { id: created.body.id, email, password };
    },
  };

  beforeAll(async () => {
    redis = await startRedis();
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), `switchboard-${options.name}-`));
    handle.config = clusterConfig(dataDir, database, {
      REDIS_URL: redis.url,
      REDIS_CHANNEL: `switchboard-test:${options.name}`,
      ...options.env,
    });
    const nodes: RedisNode[] = [];
    for (const name of ['a', 'b'] as const) {
      const pglite = database.pglite && (name === 'a' ? database.pglite : sharedPglite(database.pglite));
      const server = await createServer(handle.config, options.logger?.(name) ?? createLogger({ level: 'silent' }), {
        ...options.overrides,
        hasher: fastHasher,
        ...(pglite ? { pglite } : {}),
      });
      servers.push(server);
      const baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
      nodes.push({ server, baseUrl, request: nodeRequester(baseUrl) });
    }
    [handle.a, handle.b] = nodes as [RedisNode, RedisNode];
    await bootstrapFirstAdmin(handle.a.server, handle.config);
    handle.adminToken = (await handle.login(handle.a, ADMIN_EMAIL, ADMIN_PASSWORD)).accessToken;
  });

  afterAll(async () => {
    for (const server of [...servers].reverse()) await server.close();
    await database?.dispose();
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  return handle;
}
