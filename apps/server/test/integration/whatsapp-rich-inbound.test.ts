import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  configureWhatsApp,
  deliverWebhook,
  messagePayload,
  newWamid,
  startGraphStub,
  textMessagePayload,
  type GraphStub,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

describe('what WhatsApp contacts send besides text', () => {
  let api: TestServer;
  let graph: GraphStub;
  let admin: string;
  let channel: WhatsAppChannelSecrets;
  const waId = '5511988880001';

  const deliver = async (message: Record<string, unknown>, extra: { context?: { from: string; id: string } } = {}) => {
    const wamid = newWamid();
    const response = await deliverWebhook(
      api,
      messagePayload({ phoneNumberId: channel.phoneNumberId, from: waId, message, wamid, ...extra }),
      channel.appSecret,
    );
    expect(response.status).toBe(200);
    return wamid;
  };

  const conversation = async () =>
    (await api.request('GET', `/api/conversations?q=${waId}`, { token: admin })).body.items[0];

  const messageByWamid = async (conversationId: string, wamid: string) => {
    const page = await api.request('GET', `/api/conversations/${conversationId}/messages?limit=100`, { token: admin });
    return page.body.items.find((m: { channel_message_id: string }) => m.channel_message_id === wamid);
  };

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startTestServer({ WHATSAPP_GRAPH_URL: graph.url });
    admin = await api.adminToken();
    channel = await configureWhatsApp(api, admin);
    await deliverWebhook(
      api,
      textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: waId, text: 'oi' }),
      channel.appSecret,
    );
  });
  afterAll(async () => {
    await api.close();
    await graph.close();
  });

  it('quotes the message a contact replies to (context), ours when we have it', async () => {
    const { id } = await conversation();
    const reply = await api.request('POST', `/api/conversations/${id}/messages`, {
      token: admin,
      body: { text: 'Qual o número do pedido?' },
    });
    for (let i = 0; i < 500 && graph.sentWamids.length === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    const ours = graph.sentWamids.at(-1)!;
    const wamid = await deliver(
      { type: 'text', text: { body: '12345' } },
      { context: { from: '15550783881', id: ours } },
    );
    const stored = await messageByWamid(id, wamid);
    expect(stored).toMatchObject({
      text: '12345',
      reply_to: { message_id: reply.body.id, channel_message_id: ours },
    });
    const unknownQuote = await deliver(
      { type: 'text', text: { body: 'e esse?' } },
      { context: { from: '15550783881', id: 'wamid.not-ours' } },
    );
    expect((await messageByWamid(id, unknownQuote)).reply_to).toEqual({
      message_id: null,
      channel_message_id: 'wamid.not-ours',
    });
  });

  it('stores locations, shared contacts, list and button replies, and unsupported types as such', async () => {
    const { id } = await conversation();
    const location = await deliver({
      type: 'location',
      location: { latitude: -23.561414, longitude: -46.655881, name: 'Loja Paulista', address: 'Av. Paulista, 1000' },
    });
    expect(await messageByWamid(id, location)).toMatchObject({
      type: 'text',
      content: {
        kind: 'location',
        latitude: -23.561414,
        longitude: -46.655881,
        name: 'Loja Paulista',
        address: 'Av. Paulista, 1000',
      },
    });
    const contacts = await deliver({
      type: 'contacts',
      contacts: [
        { name: { formatted_name: 'João Lima' }, phones: [{ phone: '+55 11 91234-5678', wa_id: '5511912345678' }] },
      ],
    });
    expect((await messageByWamid(id, contacts)).content).toEqual({
      kind: 'contacts',
      contacts: [
        { name: 'João Lima', phones: [{ phone: '+55 11 91234-5678', wa_id: '5511912345678', type: null }], emails: [] },
      ],
    });
    const list = await deliver({
      type: 'interactive',
      interactive: { type: 'list_reply', list_reply: { id: 'menu:2', title: 'Financeiro', description: 'Boletos' } },
    });
    expect(await messageByWamid(id, list)).toMatchObject({
      text: 'Financeiro',
      content: { kind: 'interactive_reply', reply_type: 'list', reply_id: 'menu:2', title: 'Financeiro' },
    });
    const button = await deliver({
      type: 'interactive',
      interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Sim' } },
    });
    expect((await messageByWamid(id, button)).content).toMatchObject({ reply_type: 'button', reply_id: 'yes' });
    const unsupported = await deliver({
      type: 'unsupported',
      errors: [{ code: 131051, title: 'Message type unknown' }],
    });
    expect(await messageByWamid(id, unsupported)).toMatchObject({
      text: null,
      content: { kind: 'unsupported', whatsapp_type: 'unsupported' },
    });
  });

  it('stores a reaction to our message without reopening a resolved conversation', async () => {
    const { id } = await conversation();
    const target = graph.sentWamids.at(-1)!;
    const closed = await api.request('POST', `/api/conversations/${id}/close`, { token: admin, body: {} });
    expect(closed.body.status).toBe('resolved');
    const wamid = await deliver({ type: 'reaction', reaction: { message_id: target, emoji: '❤️' } });
    expect(await messageByWamid(id, wamid)).toMatchObject({
      text: '❤️',
      content: { kind: 'reaction', emoji: '❤️', target_channel_message_id: target },
    });
    expect((await conversation()).status).toBe('resolved');
    await deliver({ type: 'text', text: { body: 'voltei' } });
    expect((await conversation()).status).toBe('open');
  });

  it('marks the contact’s latest message read at Meta when an agent opens the conversation, once', async () => {
    const { id } = await conversation();
    const wamid = await deliver({ type: 'text', text: { body: 'alguém aí?' } });
    const read = await api.request('POST', `/api/conversations/${id}/read`, { token: admin });
    expect(read.status).toBe(200);
    for (let i = 0; i < 500 && !graph.readReceipts.some((r) => r.messageId === wamid); i += 1) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(graph.readReceipts.filter((r) => r.messageId === wamid)).toEqual([
      { phoneNumberId: channel.phoneNumberId, messageId: wamid },
    ]);
    for (let i = 0; i < 500 && !(await messageByWamid(id, wamid)).metadata?.read_receipt_at; i += 1) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await api.request('POST', `/api/conversations/${id}/read`, { token: admin });
    await new Promise((r) => setTimeout(r, 300));
    expect(graph.readReceipts.filter((r) => r.messageId === wamid)).toHaveLength(1);
  });
});
