/**
 * Deliveries survive their node: a server closed while its deliveries are in flight (as if
 * killed: the requests are abandoned) loses none, another server on the same database sends
 * them once their lease ends; two nodes reading one event log enqueue each event once
 * (one delivery per event and webhook) and deliver every one.
 * On PostgreSQL when DATABASE_URL is set (CI), otherwise on one PGlite both share.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_MODULES } from '../../src/feature-modules.js';
import { bootstrapFirstAdmin, createServer, type Server } from '../../src/main.js';
import { installIntegrations, integrationsInstaller } from '../../src/modules/integrations/index.js';
import { createLogger } from '../../src/shared/logger.js';
import { createTestDatabase, sharedPglite, type TestDatabase } from '../support/database.js';
import { eventually, startEventReceiver, type EventReceiver } from '../support/event-receiver.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, clusterConfig, fastHasher, nodeRequester } from '../support/server.js';

const modules = [
  ...FEATURE_MODULES.filter((m) => m !== installIntegrations),
  integrationsInstaller({
    outbox: { retry: { baseDelayMs: 100, maxDelayMs: 400 }, pollIntervalMs: 100, leaseMs: 6000, timeoutMs: 3000 },
  }),
];

interface Node {
  server: Server;
  request: ReturnType<typeof nodeRequester>;
}

describe('durable delivery across restarts and nodes', () => {
  let database: TestDatabase;
  let dataDir: string;
  let receiver: EventReceiver;
  const open: Node[] = [];

  async function startNode(): Promise<Node> {
    const pglite = database.pglite && sharedPglite(database.pglite);
    const server = await createServer(clusterConfig(dataDir, database), createLogger({ level: 'silent' }), {
      hasher: fastHasher,
      modules,
      ...(pglite ? { pglite } : {}),
    });
    const baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
    const node = { server, request: nodeRequester(baseUrl) };
    open.push(node);
    return node;
  }

  async function closeNode(node: Node): Promise<void> {
    open.splice(open.indexOf(node), 1);
    await node.server.close();
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-webhooks-'));
    receiver = await startEventReceiver();
  });
  // A test that fails leaves no node running and no receiver holding its answers for the next.
  afterEach(async () => {
    for (const node of [...open]) await closeNode(node);
    receiver.fallback = { status: 200, body: '{"ok":true}' };
    receiver.script.length = 0;
  });
  afterAll(async () => {
    for (const node of [...open]) await closeNode(node);
    await receiver.close();
    await database.pglite?.close();
    await database.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a server closed with deliveries in flight loses none: the next one sends them', async () => {
    const first = await startNode();
    await bootstrapFirstAdmin(first.server, clusterConfig(dataDir, database));
    const token = (
      await first.request('POST', '/api/users/login', undefined, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })
    ).body.access_token as string;
    const webhook = await first.request('POST', '/api/webhooks', token, {
      url: receiver.url,
      allow_http: true,
      event_types: ['agent.status_changed'],
    });
    expect(webhook.status).toBe(201);
    const webhookId = webhook.body.id as string;

    // The receiver takes the requests and never answers: they are in flight when the node goes.
    receiver.fallback = { status: 200, hang: true };
    const pings = 4;
    for (let i = 0; i < pings; i += 1) {
      expect((await first.request('POST', `/api/webhooks/${webhookId}/test`, token)).status).toBe(202);
    }
    await eventually(() => receiver.received.length >= pings, 'every ping in flight');
    await first.request('POST', '/api/presence/status', token, { status: 'away' });
    await eventually(() => receiver.received.length >= pings + 1, 'the status change in flight');
    await closeNode(first);

    receiver.fallback = { status: 200, body: '{"ok":true}' };
    const second = await startNode();
    const again = (
      await second.request('POST', '/api/users/login', undefined, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })
    ).body.access_token as string;
    const delivered = await eventually(async () => {
      const page = await second.request('GET', `/api/webhooks/${webhookId}/deliveries?limit=50`, again);
      const items = page.body.items as { status: string; event_id: string; attempts: unknown[] }[];
      return items.length === pings + 1 && items.every((d) => d.status === 'delivered') && items;
    }, 'every delivery delivered by the second server');
    // Each was sent by the first node (abandoned) and again by the second: at least once.
    for (const delivery of delivered) {
      const copies = receiver.received.filter((r) => JSON.parse(r.rawBody).id === delivery.event_id);
      expect(copies.length).toBeGreaterThanOrEqual(2);
      expect((delivery.attempts as { response_status: number | null }[]).at(-1)).toMatchObject({
        response_status: 200,
      });
    }
    await closeNode(second);
  });

  it('two nodes reading one event log enqueue and deliver each event once', async () => {
    const [a, b] = [await startNode(), await startNode()];
    await bootstrapFirstAdmin(a.server, clusterConfig(dataDir, database));
    const token = (
      await a.request('POST', '/api/users/login', undefined, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })
    ).body.access_token as string;
    const created = await b.request('POST', '/api/webhooks', token, {
      url: `${receiver.url}/two-nodes`,
      allow_http: true,
      event_types: ['agent.status_changed'],
    });
    expect(created.status).toBe(201);
    const profile = await a.request('GET', '/api/users/profile', token);
    receiver.received.length = 0;
    const events = 30;
    await Promise.all(
      Array.from({ length: events }, (_, i) =>
        (i % 2 === 0 ? a : b).server.bus.publish({
          name: 'agent.presence_changed',
          companyId: profile.body.company_id as string,
          audience: { managers: true },
          data: { agent_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, status: 'away' },
        }),
      ),
    );
    const mine = () => receiver.received.filter((r) => r.url.endsWith('/two-nodes'));
    await eventually(
      () => new Set(mine().map((r) => JSON.parse(r.rawBody).id)).size >= events,
      'every event delivered',
    );
    // Let both nodes' polls run a few more times: no second delivery is ever enqueued.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const page = await a.request('GET', `/api/webhooks/${created.body.id}/deliveries?limit=200`, token);
    const eventIds = (page.body.items as { event_id: string }[]).map((d) => d.event_id);
    expect(eventIds).toHaveLength(events);
    expect(new Set(eventIds).size).toBe(events);
    // Sent at least once each (a request the busy machine answered after the deadline is sent again).
    expect(new Set(mine().map((r) => JSON.parse(r.rawBody).id as string))).toEqual(new Set(eventIds));
  });
});
