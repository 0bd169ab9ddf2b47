import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { connectSocket } from '../support/socket.js';
import {
  configureWhatsApp,
  deliverWebhook,
  startGraphStub,
  textMessagePayload,
  type GraphStub,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

describe('conversation tenancy between two companies', () => {
  let api: TestServer;
  let graph: GraphStub;
  let adminA: string;
  let adminB: string;
  let userOfB: string;
  let channelA: WhatsAppChannelSecrets;
  let channelB: WhatsAppChannelSecrets;
  let conversationOfA: string;
  const sharedWaId = '5511944440001';

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startTestServer({ SIGNUP_ENABLED: 'true', WHATSAPP_GRAPH_URL: graph.url });
    adminA = await api.adminToken();
    const registered = await api.request('POST', '/api/users/register', {
      body: { company_name: 'Beta', name: 'Bea', email: 'bea@beta.test', password: 'long-enough-password' },
    });
    adminB = registered.body.access_token;
    userOfB = registered.body.user.id;
    channelA = await configureWhatsApp(api, adminA);
    channelB = await configureWhatsApp(api, adminB);
    await deliverWebhook(
      api,
      textMessagePayload({
        phoneNumberId: channelA.phoneNumberId,
        from: sharedWaId,
        name: 'Cliente A',
        text: 'para A',
      }),
      channelA.appSecret,
    );
    conversationOfA = (await api.request('GET', '/api/conversations', { token: adminA })).body.items[0].id;
  });
  afterAll(async () => {
    await api.close();
    await graph.close();
  });

  it('never lists, reads or searches the other company’s conversations', async () => {
    const list = await api.request('GET', '/api/conversations', { token: adminB });
    expect(list.body.items).toEqual([]);
    const search = await api.request('GET', `/api/conversations?q=${sharedWaId}`, { token: adminB });
    expect(search.body.items).toEqual([]);
    for (const path of [`/api/conversations/${conversationOfA}`, `/api/conversations/${conversationOfA}/messages`]) {
      const response = await api.request('GET', path, { token: adminB });
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('conversation.not_found');
    }
  });

  it('answers 404 to every change of the other company’s conversation, and nothing changes', async () => {
    const attempts: [string, string, unknown?][] = [
      ['POST', 'messages', { text: 'intrusion' }],
      ['PATCH', '', { priority: 'urgent' }],
      ['POST', 'handoff'],
      ['POST', 'take'],
      ['POST', 'assign', { agent_id: userOfB }],
      ['POST', 'unassign'],
      ['POST', 'close', { rating: 1 }],
      ['POST', 'reopen'],
      ['POST', 'snooze', { until: new Date(Date.now() + 3600_000).toISOString() }],
      ['POST', 'favorite'],
      ['DELETE', 'favorite'],
      ['POST', 'video'],
      ['POST', 'call'],
    ];
    for (const [method, action, body] of attempts) {
      const path = `/api/conversations/${conversationOfA}${action ? `/${action}` : ''}`;
      const response = await api.request(method, path, { token: adminB, ...(body ? { body } : {}) });
      expect([method, action, response.status]).toEqual([method, action, 404]);
    }
    const typing = await api.request('POST', '/api/typing', {
      token: adminB,
      body: { conversation_id: conversationOfA },
    });
    expect(typing.status).toBe(404);
    const after = await api.request('GET', `/api/conversations/${conversationOfA}`, { token: adminA });
    expect(after.body).toMatchObject({
      status: 'open',
      assignee_id: null,
      priority: 'normal',
      rating: null,
      favorite: false,
    });
    const messages = await api.request('GET', `/api/conversations/${conversationOfA}/messages`, { token: adminA });
    expect(messages.body.items.map((m: { text: string }) => m.text)).toEqual(['para A']);
  });

  it('refuses to assign a conversation to a user of another company', async () => {
    const response = await api.request('POST', `/api/conversations/${conversationOfA}/assign`, {
      token: adminA,
      body: { agent_id: userOfB },
    });
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('user.not_found');
  });

  it('keeps each company’s contact apart even for the same WhatsApp number, and delivers events to its own only', async () => {
    const socketA = await connectSocket(api.baseUrl, { token: adminA });
    const socketB = await connectSocket(api.baseUrl, { token: adminB });
    await deliverWebhook(
      api,
      textMessagePayload({
        phoneNumberId: channelB.phoneNumberId,
        from: sharedWaId,
        name: 'Cliente B',
        text: 'para B',
      }),
      channelB.appSecret,
    );
    await socketB.waitFor((e) => e.some((x) => x.event === 'message_created'));
    await new Promise((r) => setTimeout(r, 200));
    expect(socketA.received.filter((e) => /^(conversation|message)_/.test(e.event))).toEqual([]);
    const listB = await api.request('GET', '/api/conversations', { token: adminB });
    expect(listB.body.items).toHaveLength(1);
    expect(listB.body.items[0].contact.name).toBe('Cliente B');
    expect(listB.body.items[0].id).not.toBe(conversationOfA);
    const listA = await api.request('GET', '/api/conversations', { token: adminA });
    expect(listA.body.items.map((c: { id: string }) => c.id)).toEqual([conversationOfA]);
    socketA.socket.close();
    socketB.socket.close();
  });

  it('refuses a delivery for one company’s number signed with another company’s secret', async () => {
    const response = await deliverWebhook(
      api,
      textMessagePayload({ phoneNumberId: channelA.phoneNumberId, from: '5511944440002', text: 'forjada' }),
      channelB.appSecret,
    );
    expect(response.status).toBe(401);
    const search = await api.request('GET', '/api/conversations?q=5511944440002', { token: adminA });
    expect(search.body.items).toEqual([]);
  });

  it('shows each company only its own WhatsApp number', async () => {
    const channelsOfB = await api.request('GET', '/api/channels', { token: adminB });
    expect(channelsOfB.body.items[0].phone_number_id).toBe(channelB.phoneNumberId);
  });
});
