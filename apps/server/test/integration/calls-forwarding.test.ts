/**
 * Call commands on a node that does not own the PBX (ADR 23), with two `createServer`
 * nodes in this process over one database (PGlite shared, or PostgreSQL) and a real
 * redis-server, both configured with the ARI emulator: the owner runs them and its answer,
 * errors included, is the other node's answer; a clean stop hands the lease over at once;
 * with no reachable owner the answer is 503 `pbx.no_owner`. (calls-failover.test.ts kills
 * real processes.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapFirstAdmin, createServer, type Server } from '../../src/main.js';
import { AriEmulator } from '../support/ari-emulator.js';
import { randomUUID } from 'node:crypto';
import { AudiosocketPeer, createCapturingLogger, waitUntil, type LogLine } from '../support/audiosocket-peer.js';
import { createTestDatabase, sharedPglite, type TestDatabase } from '../support/database.js';
import { waitFor } from '../support/pbx.js';
import { skipWithoutRedis, startRedis, type TestRedis } from '../support/redis.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, clusterConfig, fastHasher, nodeRequester } from '../support/server.js';

const API_KEY = 'k'.repeat(40);

interface Node {
  name: string;
  server: Server;
  baseUrl: string;
  request: ReturnType<typeof nodeRequester>;
  isClosed: boolean;
}

describe.skipIf(skipWithoutRedis)('call commands sent to a node that does not own the PBX', () => {
  let redis: TestRedis;
  let database: TestDatabase;
  let ari: AriEmulator;
  let dataDir: string;
  let logs: LogLine[];
  const nodes: Node[] = [];
  let a: Node;
  let b: Node;
  let agentToken: string;

  const pbxOf = async (node: Node) => (await node.request('GET', '/ready')).body?.checks?.pbx as string;

  beforeAll(async () => {
    redis = await startRedis();
    database = await createTestDatabase();
    ari = await AriEmulator.start({ username: 'switchboard', password: 'ari-secret' });
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-forwarding-'));
    const config = clusterConfig(dataDir, database, {
      REDIS_URL: redis.url,
      REDIS_CHANNEL: 'switchboard-test:events',
      ASTERISK_ARI_URL: ari.url,
      ASTERISK_ARI_USERNAME: 'switchboard',
      ASTERISK_ARI_PASSWORD: 'ari-secret',
      AUDIOSOCKET_ENABLED: 'true',
      AUDIOSOCKET_HOST: '127.0.0.1',
      AUDIOSOCKET_PORT: '0',
      VOICEBOT_API_KEY: API_KEY,
    });
    const captured = createCapturingLogger('info');
    logs = captured.lines;
    for (const name of ['a', 'b']) {
      // Both through the proxy: either node may be stopped first; the database is closed last.
      const pglite = database.pglite && sharedPglite(database.pglite);
      const server = await createServer(config, captured.logger.child({ node: name }), {
        hasher: fastHasher,
        ...(pglite ? { pglite } : {}),
      });
      const baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
      nodes.push({ name, server, baseUrl, request: nodeRequester(baseUrl), isClosed: false });
    }
    [a, b] = nodes as [Node, Node];
    await bootstrapFirstAdmin(a.server, config);
    const admin = await a.request('POST', '/api/users/login', undefined, {
      email: ADMIN_EMAIL,
      password: ADMIN_PASSWORD,
    });
    const email = `agent-${Date.now()}@acme.test`;
    const password = 'agent-password-long-enough';
    const created = await a.request('POST', '/api/users', admin.body.access_token, {
      email,
      name: 'Agent',
      role: 'agent',
      password,
    });
    expect(created.status).toBe(201);
    agentToken = (await a.request('POST', '/api/users/login', undefined, { email, password })).body.access_token;
  });

  afterAll(async () => {
    for (const node of [...nodes].reverse()) if (!node.isClosed) await node.server.close();
    await ari?.close();
    await database?.pglite?.close();
    await database?.dispose();
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('lets the first node own the PBX and keeps the second on standby, with one events WebSocket', async () => {
    await waitFor(async () => (await pbxOf(a)) === 'up', 'A owns the PBX');
    expect(await pbxOf(b)).toBe('standby');
    expect(ari.openWebSocketCount).toBe(1);
  });

  it('runs a click-to-call sent to the standby node on the owner, and answers the owner’s errors as its own', async () => {
    const made = await b.request('POST', '/api/calls/make', agentToken, { to: '+55 11 3333-4444' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ status: 'initiated', to_number: '+551133334444' });
    // Dates survived the trip: the answer is the usual call, not a half-serialized one.
    expect(Date.parse(made.body.started_at)).not.toBeNaN();
    expect(
      logs.some(
        (line) =>
          line.node === 'a' &&
          line.msg === 'executing a call command forwarded by another node' &&
          line.command === 'calls.makeCall',
      ),
    ).toBe(true);
    const originate = ari.requests.find((r) => r.method === 'POST' && r.path === '/ari/channels');
    expect(originate?.query.appArgs).toBe(`outbound,${made.body.id}`);

    const unknown = await b.request('POST', '/api/calls/00000000-0000-4000-8000-000000000000/hangup', agentToken);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'call.not_found', status: 404 });
    const notAnswered = await b.request('POST', `/api/calls/${made.body.id}/hold`, agentToken);
    expect(notAnswered.status).toBe(409);
    // Voice routing's transfer to a queue travels too: on B itself it would be 503 pbx.unavailable.
    const toQueue = await b.request('POST', `/api/calls/${made.body.id}/queue`, agentToken, {
      queue_id: '00000000-0000-4000-8000-000000000001',
    });
    expect(toQueue.status).toBe(409);
    expect(toQueue.body).toMatchObject({ code: 'call.not_answered' });
    const canceled = await b.request('POST', `/api/calls/${made.body.id}/hangup`, agentToken);
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ status: 'canceled', ended_by: 'agent' });
  });

  it('answers 503 pbx.no_owner when the node holding the lease cannot be reached', async () => {
    // A holder that is no node at all, whose lease will not run out by itself.
    await a.server.database.db.execute(
      sql`update pbx_leases set holder_node_id = 'ghost-node', expires_at = now() + interval '1 hour' where name = 'ari'`,
    );
    try {
      await waitFor(async () => (await pbxOf(a)) === 'standby', 'A steps down');
      const refused = await b.request('POST', '/api/calls/make', agentToken, { to: '+55 11 3333-4444' });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: 'pbx.no_owner', status: 503 });
    } finally {
      await a.server.database.db.execute(sql`update pbx_leases set expires_at = now() where name = 'ari'`);
    }
    await waitFor(
      async () => [await pbxOf(a), await pbxOf(b)].sort().join() === 'standby,up',
      'a node owns the PBX again',
    );
  });

  it('lists every node’s AudioSocket sessions on any node, and hangs one up from the node it is not on', async () => {
    const callId = randomUUID();
    // Behind a TCP load balancer, this connection landed on B.
    const peer = await AudiosocketPeer.connect({ port: b.server.audiosocket!.address().port });
    try {
      peer.sendUuid(callId);
      await waitUntil(() => b.server.audiosocket!.listSessions().some((s) => s.callId === callId), 5000, 'session');
      const headers = { 'x-api-key': API_KEY };
      const status = (await fetch(`${a.baseUrl}/api/status`, { headers }).then((r) => r.json())) as {
        sessions: { call_id: string }[];
      };
      expect(status.sessions.map((s) => s.call_id)).toContain(callId);
      const hangup = await fetch(`${a.baseUrl}/api/hangup`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ call_id: callId, role: 'visitor' }),
      });
      expect(hangup.status).toBe(200);
      await peer.closed;
      expect(peer.sawHangupFrame).toBe(true);
      const unknown = await fetch(`${a.baseUrl}/api/hangup`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ call_id: callId, role: 'visitor' }),
      });
      expect(unknown.status).toBe(404);
    } finally {
      peer.socket.destroy();
    }
  });

  it('hands the lease over at once when the owner stops cleanly', async () => {
    const owner = (await pbxOf(a)) === 'up' ? a : b;
    const other = owner === a ? b : a;
    await owner.server.close();
    owner.isClosed = true;
    await waitFor(async () => (await pbxOf(other)) === 'up', 'the other node owns the PBX', 10_000);
    const made = await other.request('POST', '/api/calls/make', agentToken, { to: '+55 11 3333-5555' });
    expect(made.status).toBe(201);
  });
});
