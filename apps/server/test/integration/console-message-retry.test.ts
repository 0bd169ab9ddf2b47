/** POST /api/conversations/:id/messages/:messageId/retry: a failed reply goes out again, as the same message. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import { connectSocket } from '../support/socket.js';
import {
  configureWhatsApp,
  inboundConversationFrom,
  startGraphStub,
  type GraphStub,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

const REGISTER_BODY = {
  company_name: 'Globex',
  name: 'Hank',
  email: 'hank@globex.test',
  password: 'globex-admin-password',
};

describe('sending a failed message again', () => {
  let api: TestServer;
  let graph: GraphStub;
  let admin: string;
  let channel: WhatsAppChannelSecrets;
  let waCounter = 0;

  const inboundConversation = async () => {
    waCounter += 1;
    return inboundConversationFrom(api, admin, channel, `55219876${String(waCounter).padStart(5, '0')}`);
  };

  const send = (conversationId: string, text: string) =>
    api.request('POST', `/api/conversations/${conversationId}/messages`, { token: admin, body: { text } });

  const retry = (conversationId: string, messageId: string, token = admin) =>
    api.request('POST', `/api/conversations/${conversationId}/messages/${messageId}/retry`, { token });

  /** Bounded: 500 looks 20 ms apart. */
  const waitForStatus = async (conversationId: string, messageId: string, status: string) => {
    for (let i = 0; i < 500; i += 1) {
      const page = await api.request('GET', `/api/conversations/${conversationId}/messages?limit=10`, {
        token: admin,
      });
      const message = page.body.items.find((m: { id: string }) => m.id === messageId);
      if (message?.status === status) return message;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`the message never became ${status}`);
  };

  const refuseOnce = () =>
    graph.enqueue({
      kind: 'error',
      status: 400,
      code: 131026,
      message: 'Message undeliverable',
      details: 'Message undeliverable',
    });

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startTestServer({ WHATSAPP_GRAPH_URL: graph.url, SIGNUP_ENABLED: 'true' });
    admin = await api.adminToken();
    channel = await configureWhatsApp(api, admin);
  });
  beforeEach(() => {
    graph.requests.length = 0;
  });
  afterAll(async () => {
    await api.close();
    await graph.close();
  });

  it('queues the failed message again, announces it and delivers it through the channel', async () => {
    const conversationId = await inboundConversation();
    refuseOnce();
    const sent = await send(conversationId, 'segunda tentativa');
    await waitForStatus(conversationId, sent.body.id, 'failed');

    const socket = await connectSocket(api.baseUrl, { token: admin });
    const response = await retry(conversationId, sent.body.id);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ id: sent.body.id, status: 'queued', failure_reason: null });

    const delivered = await waitForStatus(conversationId, sent.body.id, 'sent');
    expect(delivered.channel_message_id).toMatch(/^wamid\./);
    expect(graph.requests.map((r) => r.body.text?.body)).toEqual(['segunda tentativa', 'segunda tentativa']);
    await socket.waitFor((events) =>
      events.some((e) => e.event === 'message_status_changed' && (e.data as { status: string }).status === 'queued'),
    );
    const page = await api.request('GET', `/api/conversations/${conversationId}/messages?limit=10`, { token: admin });
    expect(page.body.items.filter((m: { text: string }) => m.text === 'segunda tentativa')).toHaveLength(1);
    socket.socket.close();
  });

  it('refuses a message that did not fail (409 message.not_failed)', async () => {
    const conversationId = await inboundConversation();
    const sent = await send(conversationId, 'chegou');
    await waitForStatus(conversationId, sent.body.id, 'sent');
    const response = await retry(conversationId, sent.body.id);
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('message.not_failed');
    expect(graph.requests).toHaveLength(1);
  });

  it('answers 404 for an inbound message, an unknown message, or another company’s conversation', async () => {
    const conversationId = await inboundConversation();
    const messages = await api.request('GET', `/api/conversations/${conversationId}/messages?limit=10`, {
      token: admin,
    });
    const inbound = messages.body.items.find((m: { direction: string }) => m.direction === 'inbound');
    expect((await retry(conversationId, inbound.id)).status).toBe(404);
    expect((await retry(conversationId, randomUUID())).status).toBe(404);

    refuseOnce();
    const sent = await send(conversationId, 'de outra empresa');
    await waitForStatus(conversationId, sent.body.id, 'failed');
    const register = await api.request('POST', '/api/users/register', {
      body: REGISTER_BODY,
    });
    expect(register.status).toBe(201);
    expect((await retry(conversationId, sent.body.id, register.body.access_token)).status).toBe(404);
    // The admin's reply took the conversation: another agent does not see it.
    const agent = await createUserAndLogin(api, admin, { role: 'agent' });
    expect((await retry(conversationId, sent.body.id, agent.token)).status).toBe(404);
  });

  it('refuses a resolved conversation (409 conversation.resolved)', async () => {
    const conversationId = await inboundConversation();
    refuseOnce();
    const sent = await send(conversationId, 'antes de fechar');
    await waitForStatus(conversationId, sent.body.id, 'failed');
    expect(
      (await api.request('POST', `/api/conversations/${conversationId}/close`, { token: admin, body: {} })).status,
    ).toBe(200);
    const response = await retry(conversationId, sent.body.id);
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('conversation.resolved');
  });
});
