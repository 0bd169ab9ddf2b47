/**
 * Routing WhatsApp conversations over real sockets: customers write through signed
 * webhooks, agents are online over Socket.IO, the engine assigns or offers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentOnline,
  conversationOf,
  createQueue,
  customerWrites,
  eventually,
  newCustomer,
  routeWhatsAppTo,
  setMembers,
} from '../support/routing.js';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  configureWhatsApp,
  startGraphStub,
  type GraphStub,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

describe('routing WhatsApp conversations', () => {
  let graph: GraphStub;
  let api: TestServer;
  let admin: string;
  let secrets: WhatsAppChannelSecrets;

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startTestServer({ WHATSAPP_GRAPH_URL: graph.url });
    admin = await api.adminToken();
    secrets = await configureWhatsApp(api, admin);
  });
  afterAll(async () => {
    await api.close();
    await graph.close();
  });

  it('assigns a new conversation at once to the longest idle member and tells them', async () => {
    const queue = await createQueue(api, admin, { name: 'Suporte auto' });
    const first = await agentOnline(api, admin);
    const second = await agentOnline(api, admin);
    await setMembers(api, admin, queue.id, [{ user_id: first.id }, { user_id: second.id }]);
    await routeWhatsAppTo(api, admin, { default_queue_id: queue.id });

    const customers = [newCustomer(), newCustomer()];
    await customerWrites(api, secrets, customers[0]!, 'Olá, preciso de ajuda');
    const one = await conversationOf(api, admin, customers[0]!);
    const assignee = await eventually(async () => {
      const c = await api.request('GET', `/api/conversations/${one.id}`, { token: admin });
      return c.body.assignee_id as string | null;
    }, 'first assignment');
    expect([first.id, second.id]).toContain(assignee);
    const chosen = assignee === first.id ? first : second;
    await chosen.waitFor((r) => r.some((e) => e.event === 'entry_assigned' && e.data.conversation_id === one.id));
    await chosen.waitFor((r) =>
      r.some((e) => e.event === 'conversation_assigned' && e.data.id === one.id && e.data.assignee_id === chosen.id),
    );

    // Neither has ended an item: the one with fewer items is next.
    await customerWrites(api, secrets, customers[1]!, 'Oi');
    const two = await conversationOf(api, admin, customers[1]!);
    const other = await eventually(async () => {
      const c = await api.request('GET', `/api/conversations/${two.id}`, { token: admin });
      return c.body.assignee_id as string | null;
    }, 'second assignment');
    expect(other).not.toBe(assignee);

    const assigned = await api.request('GET', `/api/queues/${queue.id}/entries?state=assigned`, { token: admin });
    expect(assigned.status).toBe(200);
    expect(assigned.body.items).toHaveLength(2);
    expect(assigned.body.items[0]).toMatchObject({ state: 'assigned', channel: 'whatsapp', position: null });
    first.disconnect();
    second.disconnect();
  });
});
