import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { connectSocket } from '../support/socket.js';
import {
  configureWhatsApp,
  deliverWebhook,
  inboundConversationFrom,
  startGraphStub,
  textMessagePayload,
  type GraphAnswer,
  type GraphStub,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

describe('sending through WhatsApp', () => {
  let api: TestServer;
  let graph: GraphStub;
  let admin: string;
  let channel: WhatsAppChannelSecrets;
  let waCounter = 0;

  /** A conversation started by a contact, so the agent replies inside WhatsApp's service window. */
  const inboundConversation = async () => {
    waCounter += 1;
    const waId = `55119876${String(waCounter).padStart(5, '0')}`;
    return { waId, conversationId: await inboundConversationFrom(api, admin, channel, waId) };
  };

  const send = (conversationId: string, text: string) =>
    api.request('POST', `/api/conversations/${conversationId}/messages`, { token: admin, body: { text } });

  const waitForDelivery = async (conversationId: string, messageId: string) => {
    for (let i = 0; i < 500; i += 1) {
      const page = await api.request('GET', `/api/conversations/${conversationId}/messages?limit=10`, {
        token: admin,
      });
      const message = page.body.items.find((m: { id: string }) => m.id === messageId);
      if (message && message.status !== 'queued') return message;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the message stayed queued');
  };

  beforeAll(async () => {
    graph = await startGraphStub();
    graph.templates.set('104996485721299', [
      {
        id: '806312974732590',
        name: 'ola',
        language: 'pt_BR',
        status: 'APPROVED',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'Olá! Podemos conversar por aqui?' }],
      },
    ]);
    api = await startTestServer({ WHATSAPP_GRAPH_URL: graph.url });
    admin = await api.adminToken();
    channel = await configureWhatsApp(api, admin, { businessAccountId: '104996485721299' });
  });
  beforeEach(() => {
    graph.requests.length = 0;
  });
  afterAll(async () => {
    await api.close();
    await graph.close();
  });

  it('stores the reply as queued, sends it through the Graph API and records the WhatsApp message id', async () => {
    const { waId, conversationId } = await inboundConversation();
    const socket = await connectSocket(api.baseUrl, { token: admin });
    const response = await send(conversationId, 'Olá, Maria! Em que posso ajudar?');
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      conversation_id: conversationId,
      direction: 'outbound',
      author_type: 'agent',
      type: 'text',
      text: 'Olá, Maria! Em que posso ajudar?',
      status: 'queued',
      channel_message_id: null,
    });
    const delivered = await waitForDelivery(conversationId, response.body.id);
    expect(delivered).toMatchObject({
      status: 'sent',
      failure_reason: null,
      channel_message_id: graph.sentWamids.at(-1),
    });
    expect(graph.requests).toEqual([
      {
        phoneNumberId: channel.phoneNumberId,
        authorization: `Bearer ${channel.accessToken}`,
        body: {
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: waId,
          type: 'text',
          text: { preview_url: true, body: 'Olá, Maria! Em que posso ajudar?' },
        },
      },
    ]);
    await socket.waitFor((e) => e.some((x) => x.event === 'message_status_changed'));
    const events = socket.received.filter((e) => /^message_/.test(e.event));
    expect(events.map((e) => [e.event, e.data.status])).toEqual([
      ['message_created', 'queued'],
      ['message_status_changed', 'sent'],
    ]);
    socket.socket.close();
  });

  it('retries a 500 and a 503 with backoff, then succeeds', async () => {
    const { conversationId } = await inboundConversation();
    graph.enqueue(
      { kind: 'error', status: 500, code: 1, message: 'An unknown error occurred', details: 'try again' },
      { kind: 'raw', status: 503, body: '{"error":{"message":"(#131016) Service unavailable","code":131016}}' },
    );
    const response = await send(conversationId, 'mensagem com retentativa');
    const delivered = await waitForDelivery(conversationId, response.body.id);
    expect(delivered.status).toBe('sent');
    expect(graph.requests).toHaveLength(3);
  });

  it('retries after a dropped connection', async () => {
    const { conversationId } = await inboundConversation();
    graph.enqueue({ kind: 'drop' });
    const response = await send(conversationId, 'depois de uma queda');
    expect((await waitForDelivery(conversationId, response.body.id)).status).toBe('sent');
    expect(graph.requests).toHaveLength(2);
  });

  it('records a permanent refusal on the message with its reason, without retrying', async () => {
    const { conversationId } = await inboundConversation();
    graph.enqueue({
      kind: 'error',
      status: 400,
      code: 131030,
      message: 'Recipient phone number not in allowed list',
      details:
        'Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again.',
    });
    const socket = await connectSocket(api.baseUrl, { token: admin });
    const response = await send(conversationId, 'não vai chegar');
    const failed = await waitForDelivery(conversationId, response.body.id);
    expect(failed.status).toBe('failed');
    expect(failed.failure_reason).toBe(
      'WhatsApp refused (HTTP 400): 131030 (#131030) Recipient phone number not in allowed list: ' +
        'Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again.',
    );
    expect(graph.requests).toHaveLength(1);
    await socket.waitFor((e) => e.some((x) => x.event === 'message_status_changed'));
    expect(socket.received.find((e) => e.event === 'message_status_changed')!.data).toMatchObject({
      id: response.body.id,
      status: 'failed',
    });
    socket.socket.close();
  });

  it('gives up after a bounded number of attempts and records why', async () => {
    const { conversationId } = await inboundConversation();
    const outage: GraphAnswer = {
      kind: 'error',
      status: 502,
      code: 2,
      message: 'Service temporarily unavailable',
      details: 'x',
    };
    graph.enqueue(...Array.from({ length: 6 }, () => outage));
    const response = await send(conversationId, 'durante a queda');
    const failed = await waitForDelivery(conversationId, response.body.id);
    expect(failed.status).toBe('failed');
    expect(failed.failure_reason).toMatch(/HTTP 502.*\(after 4 attempts\)$/);
    expect(graph.requests).toHaveLength(4);
    graph.enqueue(); // nothing left over for the next test
    graph.requests.length = 0;
    const next = await send(conversationId, 'depois da queda');
    await waitForDelivery(conversationId, next.body.id);
  });

  it('remembers the WhatsApp id the Graph API answers for a number that differs from it', async () => {
    const started = await api.request('POST', '/api/conversations', {
      token: admin,
      body: { channel: 'whatsapp', contact: { name: 'Carlos', phone: '+55 11 98765-4321' } },
    });
    expect(started.status).toBe(201);
    graph.enqueue({ kind: 'success', waId: '551187654321' });
    // Nobody wrote yet, so WhatsApp's window is closed: the first message is a template.
    const response = await api.request('POST', `/api/conversations/${started.body.id}/messages`, {
      token: admin,
      body: { template: { name: 'ola', language: 'pt_BR' } },
    });
    expect(response.status).toBe(201);
    expect((await waitForDelivery(started.body.id, response.body.id)).status).toBe('sent');
    expect(graph.requests[0]!.body.to).toBe('5511987654321');
    const conversation = await api.request('GET', `/api/conversations/${started.body.id}`, { token: admin });
    expect(conversation.body.contact.identities).toEqual([{ channel: 'whatsapp', external_id: '551187654321' }]);
    // The contact's next message, from that id, lands in the same conversation.
    await deliverWebhook(
      api,
      textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: '551187654321', text: 'oi!' }),
      channel.appSecret,
    );
    const messages = await api.request('GET', `/api/conversations/${started.body.id}/messages`, { token: admin });
    expect(messages.body.items[0]).toMatchObject({ direction: 'inbound', text: 'oi!' });
  });

  it('fails the message with a reason when the company has no WhatsApp number any more', async () => {
    const { conversationId } = await inboundConversation();
    await api.request('DELETE', '/api/channels/whatsapp', { token: admin });
    try {
      const response = await send(conversationId, 'sem canal');
      const failed = await waitForDelivery(conversationId, response.body.id);
      expect(failed).toMatchObject({
        status: 'failed',
        failure_reason: 'WhatsApp is not configured for this company.',
      });
      expect(graph.requests).toHaveLength(0);
    } finally {
      channel = await configureWhatsApp(api, admin, channel);
    }
  });
});
