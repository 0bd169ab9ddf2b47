/**
 * Exactly-once with two server nodes on one database (a PostgreSQL server with
 * DATABASE_URL, as CI runs it; otherwise one in-process PGlite both share). Customers
 * write to both nodes at once, agents sit on both, both nodes' sweeps run: no item is
 * offered to two agents at once or assigned twice, no agent goes past their capacity,
 * nothing is lost; a node closed between an offer and its answer leaves nothing behind.
 *
 * The race runs on PostgreSQL only: on the shared PGlite, one embedded session runs the
 * two nodes' transactions one after the other (PGlite's transaction lock), so the
 * concurrent transactions the test is about never happen there. The node closed mid-offer
 * runs on both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapFirstAdmin, createServer, type Server } from '../../src/main.js';
import { createTestDatabase, sharedPglite, type TestDatabase } from '../support/database.js';
import { recordSkip } from '../support/programs.js';
import { eventually, newCustomer } from '../support/routing.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, clusterConfig, fastHasher, nodeRequester } from '../support/server.js';
import { connectSocket } from '../support/socket.js';
import {
  newWamid,
  signed,
  startGraphStub,
  textMessagePayload,
  type GraphStub,
} from '../support/whatsapp-graph-stub.js';

interface Node {
  server: Server;
  baseUrl: string;
  request: ReturnType<typeof nodeRequester>;
}

const isPostgres = Boolean(process.env.DATABASE_URL);
if (!isPostgres) {
  recordSkip({
    suite: 'routing across two nodes: the race between their transactions',
    reason: 'needs PostgreSQL (DATABASE_URL): the shared PGlite runs one transaction at a time',
  });
}

const AGENTS = 8;
const CAPACITY = 2;
const CUSTOMERS = 40;

describe('routing across two nodes', () => {
  let graph: GraphStub;
  let database: TestDatabase;
  let dataDir: string;
  const nodes: Node[] = [];
  let token: string;
  const appSecret = 'cluster-app-secret-0123456789';
  const phoneNumberId = '5511900001111';
  const sockets: { disconnect(): void }[] = [];
  /** Each agent's token and the node they sit on. */
  const seats = new Map<string, { token: string; node: Node }>();

  beforeAll(async () => {
    graph = await startGraphStub();
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-routing-cluster-'));
    const config = clusterConfig(dataDir, database, { WHATSAPP_GRAPH_URL: graph.url });
    for (let i = 0; i < 2; i += 1) {
      const pglite = database.pglite && (i === 0 ? database.pglite : sharedPglite(database.pglite));
      const server = await createServer(
        config,
        (await import('../../src/shared/logger.js')).createLogger({ level: 'silent' }),
        {
          hasher: fastHasher,
          ...(pglite ? { pglite } : {}),
        },
      );
      const baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
      nodes.push({ server, baseUrl, request: nodeRequester(baseUrl) });
    }
    await bootstrapFirstAdmin(nodes[0]!.server, config);
    const login = await nodes[0]!.request('POST', '/api/users/login', undefined, {
      email: ADMIN_EMAIL,
      password: ADMIN_PASSWORD,
    });
    token = login.body.access_token;
    const configured = await nodes[1]!.request('PUT', '/api/channels/whatsapp', token, {
      phone_number_id: phoneNumberId,
      access_token: 'EAAG-cluster-access-token-0123456789',
      app_secret: appSecret,
      verify_token: 'cluster-verify-token',
    });
    expect(configured.status).toBe(200);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    for (const node of [...nodes].reverse()) await node.server.close().catch(() => undefined);
    await database?.dispose();
    await graph?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function agentsOnBothNodes(count: number, queueId: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const node = nodes[i % 2]!;
      const email = `agent${i}-${Date.now()}@acme.test`;
      const created = await node.request('POST', '/api/users', token, {
        email,
        name: `Agente ${i}`,
        role: 'agent',
        password: 'agent-password-long-enough',
      });
      const session = await node.request('POST', '/api/users/login', undefined, {
        email,
        password: 'agent-password-long-enough',
      });
      await node.request('PATCH', `/api/users/${created.body.id}`, token, { capacity: { whatsapp: CAPACITY } });
      const connection = await connectSocket(node.baseUrl, { token: session.body.access_token });
      sockets.push(connection.socket);
      await new Promise((resolve) => connection.socket.emit('update_status', { status: 'online' }, resolve));
      ids.push(created.body.id);
      seats.set(created.body.id, { token: session.body.access_token, node });
    }
    const members = await nodes[0]!.request(
      'PUT',
      `/api/queues/${queueId}/members`,
      token,
      ids.map((id) => ({ user_id: id })),
    );
    expect(members.status).toBe(200);
    return ids;
  }

  async function write(node: Node, phone: string, text: string) {
    const { rawBody, headers } = signed(
      textMessagePayload({ phoneNumberId, from: phone, text, wamid: newWamid() }),
      appSecret,
    );
    const response = await fetch(`${node.baseUrl}/webhooks/whatsapp`, { method: 'POST', headers, body: rawBody });
    expect(response.status).toBe(200);
  }

  const db = () => nodes[0]!.server.database.db;
  async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
    const result: unknown = await db().execute(query);
    return (result as { rows: T[] }).rows;
  }

  it.skipIf(!isPostgres)(
    'never offers an item to two agents at once, never assigns it twice, never overfills an agent',
    { timeout: 120_000 },
    async () => {
      const queue = await nodes[0]!.request('POST', '/api/queues', token, {
        name: 'Cluster',
        channels: ['whatsapp'],
        offer_mode: 'accept',
        offer_timeout_seconds: 1,
      });
      await nodes[1]!.request('PUT', '/api/channels/whatsapp/routing', token, { default_queue_id: queue.body.id });
      await agentsOnBothNodes(AGENTS, queue.body.id);

      // Agents accept on the node they sit on, racing the offers' expiry on both nodes'
      // sweeps; one who misses three in a row is set away and comes back, as people do.
      const accepted = new Set<string>();
      let isAccepting = true;
      const acceptor = (async () => {
        while (isAccepting) {
          const live = await rows<{ id: string; agent_id: string }>(
            sql`select id, agent_id from routing_offers where queue_id = ${queue.body.id} and state = 'offered'`,
          );
          await Promise.all(
            live
              .filter((offer) => !accepted.has(offer.id))
              .map(async (offer) => {
                accepted.add(offer.id);
                const seat = seats.get(offer.agent_id)!;
                await seat.node.request('POST', `/api/routing/offers/${offer.id}/accept`, seat.token);
              }),
          );
          const away = await rows<{ user_id: string }>(
            sql`select user_id from agent_presences where status = 'away' and pause_reason = 'missed_offers'`,
          );
          for (const { user_id: agentId } of away) {
            const seat = seats.get(agentId);
            if (seat) await seat.node.request('POST', '/api/presence/status', seat.token, { status: 'online' });
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      // Customers write to both nodes at once.
      const phones = Array.from({ length: CUSTOMERS }, () => newCustomer());
      await Promise.all(phones.map((phone, i) => write(nodes[i % 2]!, phone, 'Olá')));
      try {
        await eventually(
          async () => {
            const [assigned] = await rows<{ n: string }>(
              sql`select count(*) as n from queue_entries where queue_id = ${queue.body.id} and state = 'assigned'`,
            );
            return Number(assigned?.n) === AGENTS * CAPACITY;
          },
          'every agent full',
          90_000,
        );
      } finally {
        isAccepting = false;
        await acceptor;
      }

      const overlapping = await rows<{ entry_id: string }>(sql`
      select a.entry_id from routing_offers a join routing_offers b
        on a.entry_id = b.entry_id and a.id < b.id
       where a.queue_id = ${queue.body.id}
         and a.offered_at < coalesce(b.responded_at, 'infinity') and b.offered_at < coalesce(a.responded_at, 'infinity')`);
      expect(overlapping).toEqual([]);
      const doubleAccepted = await rows<{ entry_id: string }>(sql`
      select entry_id from routing_offers where queue_id = ${queue.body.id} and state = 'accepted'
       group by entry_id having count(*) > 1`);
      expect(doubleAccepted).toEqual([]);
      const perAgent = await rows<{ assignee_id: string; n: string }>(sql`
      select assignee_id, count(*) as n from conversations where assignee_id is not null group by assignee_id`);
      expect(perAgent).toHaveLength(AGENTS);
      for (const row of perAgent) expect(Number(row.n)).toBe(CAPACITY);
      const mismatched = await rows<{ id: string }>(sql`
      select e.id from queue_entries e join conversations c on c.id = e.conversation_id
       where e.state = 'assigned' and c.assignee_id is distinct from e.assigned_to`);
      expect(mismatched).toEqual([]);
      // Nothing lost: every customer's conversation has exactly one live entry.
      const live = await rows<{ n: string }>(sql`
      select count(*) as n from queue_entries where queue_id = ${queue.body.id} and state in ('waiting', 'offered', 'assigned')`);
      expect(Number(live[0]?.n)).toBe(CUSTOMERS);
    },
  );

  it(
    'routes an offer again when the node holding its agent closes before the answer',
    { timeout: 60_000 },
    async () => {
      const queue = await nodes[0]!.request('POST', '/api/queues', token, {
        name: 'Nó que cai',
        channels: ['whatsapp'],
        offer_mode: 'accept',
        offer_timeout_seconds: 2,
      });
      await nodes[0]!.request('PUT', '/api/channels/whatsapp/routing', token, { default_queue_id: queue.body.id });
      const [onA, onB] = await agentsOnBothNodes(2, queue.body.id);
      // Only B's agent is a member at first, so the offer goes to them.
      await nodes[0]!.request('PUT', `/api/queues/${queue.body.id}/members`, token, [{ user_id: onB }]);
      const phone = newCustomer();
      await write(nodes[1]!, phone, 'Olá');
      const offered = await eventually(async () => {
        const [offer] = await rows<{ id: string; entry_id: string }>(
          sql`select id, entry_id from routing_offers where queue_id = ${queue.body.id} and state = 'offered'`,
        );
        return offer;
      }, 'the offer to the agent on node B');
      await nodes[0]!.request('PUT', `/api/queues/${queue.body.id}/members`, token, [
        { user_id: onB },
        { user_id: onA },
      ]);

      await nodes[1]!.server.close();
      nodes.splice(1, 1);

      const reassigned = await eventually(
        async () => {
          const [next] = await rows<{ agent_id: string }>(sql`
          select agent_id from routing_offers where entry_id = ${offered.entry_id} and state = 'offered'`);
          return next?.agent_id === onA ? next : undefined;
        },
        'offered again to the agent on node A',
        20_000,
      );
      expect(reassigned.agent_id).toBe(onA);
      const [first] = await rows<{ state: string }>(sql`select state from routing_offers where id = ${offered.id}`);
      expect(['expired', 'cancelled']).toContain(first?.state);
    },
  );
});
