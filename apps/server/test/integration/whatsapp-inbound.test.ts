import { count } from 'drizzle-orm';
import { contacts, conversations, messages } from '../../src/db/schema/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import { connectSocket } from '../support/socket.js';
import {
  configureWhatsApp,
  deliverWebhook,
  imageMessagePayload,
  newWamid,
  signed,
  startGraphStub,
  statusPayload,
  textMessagePayload,
  type GraphStub,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

describe('WhatsApp channel configuration', () => {
  let api: TestServer;
  let admin: string;

  beforeAll(async () => {
    api = await startTestServer({ SIGNUP_ENABLED: 'true' });
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
  });

  it('lists the channels, WhatsApp unconfigured until an admin sets it up', async () => {
    const response = await api.request('GET', '/api/channels', { token: admin });
    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([
      {
        channel: 'whatsapp',
        is_configured: false,
        provider: 'whatsapp_cloud_api',
        phone_number_id: null,
        business_account_id: null,
        webhook_path: '/webhooks/whatsapp',
        updated_at: null,
      },
      expect.objectContaining({ channel: 'webchat', is_configured: true, provider: 'builtin' }),
      expect.objectContaining({ channel: 'voice', is_configured: true, provider: 'builtin' }),
    ]);
  });

  it('stores the configuration and never returns a secret', async () => {
    const secrets = await configureWhatsApp(api, admin);
    const listed = await api.request('GET', '/api/channels', { token: admin });
    expect(listed.body.items[0]).toMatchObject({ is_configured: true, phone_number_id: secrets.phoneNumberId });
    for (const secret of [secrets.accessToken, secrets.appSecret, secrets.verifyToken]) {
      expect(listed.text).not.toContain(secret);
    }
    const replaced = await api.request('PUT', '/api/channels/whatsapp', {
      token: admin,
      body: {
        phone_number_id: secrets.phoneNumberId,
        access_token: 'EAAG-a-new-access-token-0123456789',
        app_secret: 'a-new-app-secret-0123456789',
        verify_token: 'a-new-verify-token',
      },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.text).not.toContain('a-new-app-secret');
    expect(replaced.text).not.toContain('EAAG-a-new-access-token');
  });

  it('refuses agents and supervisors with 403', async () => {
    for (const role of ['agent', 'supervisor'] as const) {
      const user = await createUserAndLogin(api, admin, { role });
      const response = await api.request('PUT', '/api/channels/whatsapp', {
        token: user.token,
        body: {
          phone_number_id: '999000111',
          access_token: 'EAAG-0123456789abcdef',
          app_secret: '0123456789abcdef0123',
          verify_token: 'verify-token-123',
        },
      });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('auth.forbidden');
    }
  });

  it('validates the body in snake_case and names each bad field', async () => {
    const response = await api.request('PUT', '/api/channels/whatsapp', {
      token: admin,
      body: { phoneNumberId: '123', access_token: 'short' },
    });
    expect(response.status).toBe(400);
    const fields = response.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining(['body.phoneNumberId', 'body.access_token', 'body.phone_number_id', 'body.app_secret']),
    );
  });

  it('refuses a phone number id another company has, with 409', async () => {
    const mine = await configureWhatsApp(api, admin);
    const rival = await api.request('POST', '/api/users/register', {
      body: { company_name: 'Rival', name: 'Rita', email: 'rita@rival-cfg.test', password: 'long-enough-password' },
    });
    const response = await api.request('PUT', '/api/channels/whatsapp', {
      token: rival.body.access_token,
      body: {
        phone_number_id: mine.phoneNumberId,
        access_token: 'EAAG-0123456789abcdef',
        app_secret: '0123456789abcdef0123',
        verify_token: 'verify-token-123',
      },
    });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('channel.phone_number_taken');
  });

  it('removes the configuration', async () => {
    await configureWhatsApp(api, admin);
    expect((await api.request('DELETE', '/api/channels/whatsapp', { token: admin })).status).toBe(204);
    const listed = await api.request('GET', '/api/channels', { token: admin });
    expect(listed.body.items[0].is_configured).toBe(false);
    expect((await api.request('DELETE', '/api/channels/whatsapp', { token: admin })).status).toBe(404);
  });
});

describe('WhatsApp webhook', () => {
  let api: TestServer;
  let graph: GraphStub;
  let admin: string;
  let channel: WhatsAppChannelSecrets;

  const countRows = async (table: 'messages' | 'contacts' | 'conversations') => {
    const tables = { messages, contacts, conversations };
    const [row] = await api.server.database.db.select({ n: count() }).from(tables[table]);
    return row!.n;
  };

  const findConversationOf = async (waId: string) => {
    const list = await api.request('GET', `/api/conversations?q=${encodeURIComponent(waId)}`, { token: admin });
    return list.body.items[0];
  };

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startTestServer({ WHATSAPP_GRAPH_URL: graph.url });
    admin = await api.adminToken();
    channel = await configureWhatsApp(api, admin);
  });
  afterAll(async () => {
    await api.close();
    await graph.close();
  });

  describe('verification handshake', () => {
    it('echoes hub.challenge as text when the verify token is known', async () => {
      const response = await api.request(
        'GET',
        `/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${channel.verifyToken}&hub.challenge=1158201444`,
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(response.text).toBe('1158201444');
    });

    it('answers 403 to an unknown token or another mode', async () => {
      for (const query of [
        'hub.mode=subscribe&hub.verify_token=wrong-token&hub.challenge=1',
        `hub.mode=unsubscribe&hub.verify_token=${channel.verifyToken}&hub.challenge=1`,
        `hub.mode=subscribe&hub.verify_token=${channel.verifyToken}`,
      ]) {
        const response = await api.request('GET', `/webhooks/whatsapp?${query}`);
        expect(response.status).toBe(403);
        expect(response.body.code).toBe('webhook.verification_failed');
      }
    });
  });

  describe('signature', () => {
    it('answers 401 and stores nothing when the signature is missing, wrong or made with another secret', async () => {
      const before = await countRows('messages');
      const payload = textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: '5511900000001', text: 'hi' });
      const { rawBody } = signed(payload, channel.appSecret);
      const attempts: Record<string, string>[] = [
        { 'content-type': 'application/json' },
        { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) },
        { 'content-type': 'application/json', 'x-hub-signature-256': 'not-a-signature' },
        signed(payload, 'another-app-secret').headers,
      ];
      for (const headers of attempts) {
        const response = await api.request('POST', '/webhooks/whatsapp', { rawBody, headers });
        expect(response.status).toBe(401);
        expect(response.body.code).toMatch(/^webhook\.(signature_missing|invalid_signature)$/);
      }
      // The signature covers the exact bytes: the same JSON re-serialised does not pass.
      const tampered = rawBody.replace('"hi"', '"hi!"');
      const response = await api.request('POST', '/webhooks/whatsapp', {
        rawBody: tampered,
        headers: signed(payload, channel.appSecret).headers,
      });
      expect(response.status).toBe(401);
      expect(await countRows('messages')).toBe(before);
    });

    it('accepts a body signed with the app secret of the number’s company', async () => {
      const response = await deliverWebhook(
        api,
        textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: '5511900000002', text: 'Olá' }),
        channel.appSecret,
      );
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        status: 'ok',
        messages_stored: 1,
        duplicates: 0,
        statuses_applied: 0,
        templates_updated: 0,
      });
    });
  });

  it('answers 404 for an unknown phone number id and stores nothing', async () => {
    const before = await Promise.all([countRows('messages'), countRows('contacts'), countRows('conversations')]);
    const response = await deliverWebhook(
      api,
      textMessagePayload({ phoneNumberId: '999999999999', from: '5511900000003', text: 'hello?' }),
      channel.appSecret,
    );
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('whatsapp.unknown_phone_number');
    expect(await Promise.all([countRows('messages'), countRows('contacts'), countRows('conversations')])).toEqual(
      before,
    );
  });

  it('answers 400 to a body that is not a WhatsApp delivery', async () => {
    for (const rawBody of ['{not json', JSON.stringify({ object: 'page', entry: [] })]) {
      const response = await api.request('POST', '/webhooks/whatsapp', {
        rawBody,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=' + 'a'.repeat(64) },
      });
      expect(response.status).toBe(400);
    }
  });

  it('creates the contact and a conversation waiting for a human, and announces both', async () => {
    const watcher = await connectSocket(api.baseUrl, { token: admin });
    const wamid = newWamid();
    const response = await deliverWebhook(
      api,
      textMessagePayload({
        phoneNumberId: channel.phoneNumberId,
        from: '5511987650001',
        name: 'João Silva',
        text: 'Preciso de ajuda',
        wamid,
        timestamp: 1750857384,
      }),
      channel.appSecret,
    );
    expect(response.body.messages_stored).toBe(1);
    const conversation = await findConversationOf('5511987650001');
    expect(conversation).toMatchObject({
      channel: 'whatsapp',
      status: 'open',
      awaiting_human: true,
      assignee_id: null,
      last_message_preview: 'Preciso de ajuda',
      contact: {
        name: 'João Silva',
        phone: '+5511987650001',
        identities: [{ channel: 'whatsapp', external_id: '5511987650001' }],
      },
    });
    const messages = await api.request('GET', `/api/conversations/${conversation.id}/messages`, { token: admin });
    expect(messages.body.items).toEqual([
      expect.objectContaining({
        direction: 'inbound',
        author_type: 'contact',
        type: 'text',
        text: 'Preciso de ajuda',
        channel_message_id: wamid,
        status: null,
      }),
    ]);
    await watcher.waitFor((e) => e.some((x) => x.event === 'message_created'));
    const names = watcher.received.map((e) => e.event);
    expect(names.indexOf('conversation_created')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('conversation_created')).toBeLessThan(names.indexOf('message_created'));
    expect(watcher.received.find((e) => e.event === 'message_created')!.data).toMatchObject({
      conversation_id: conversation.id,
      text: 'Preciso de ajuda',
    });
    watcher.socket.close();
  });

  it('stores a replayed delivery only once, and the second answer says so', async () => {
    const payload = textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: '5511987650002', text: 'once' });
    const first = await deliverWebhook(api, payload, channel.appSecret);
    const before = await Promise.all([countRows('messages'), countRows('contacts'), countRows('conversations')]);
    const again = await deliverWebhook(api, payload, channel.appSecret);
    const concurrent = await Promise.all([1, 2, 3].map(() => deliverWebhook(api, payload, channel.appSecret)));
    expect(first.body).toMatchObject({ messages_stored: 1, duplicates: 0 });
    expect(again.body).toMatchObject({ messages_stored: 0, duplicates: 1 });
    for (const response of concurrent) expect(response.body).toMatchObject({ messages_stored: 0, duplicates: 1 });
    expect(await Promise.all([countRows('messages'), countRows('contacts'), countRows('conversations')])).toEqual(
      before,
    );
  });

  it('stores a new message from a new contact only once when replays race each other', async () => {
    const payload = textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: '5511987650009', text: 'race' });
    const before = await Promise.all([countRows('messages'), countRows('contacts'), countRows('conversations')]);
    const responses = await Promise.all([1, 2, 3, 4].map(() => deliverWebhook(api, payload, channel.appSecret)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(responses.reduce((n, r) => n + r.body.messages_stored, 0)).toBe(1);
    const after = await Promise.all([countRows('messages'), countRows('contacts'), countRows('conversations')]);
    expect(after).toEqual(before.map((n) => n + 1));
  });

  it('stores media with its id, mime type and caption', async () => {
    await deliverWebhook(
      api,
      imageMessagePayload({
        phoneNumberId: channel.phoneNumberId,
        from: '5511987650003',
        mediaId: '1013859600285441',
        caption: 'Comprovante',
      }),
      channel.appSecret,
    );
    const conversation = await findConversationOf('5511987650003');
    expect(conversation.last_message_preview).toBe('Comprovante');
    const messages = await api.request('GET', `/api/conversations/${conversation.id}/messages`, { token: admin });
    expect(messages.body.items[0]).toMatchObject({
      type: 'media',
      text: 'Comprovante',
      media: {
        kind: 'image',
        media_id: '1013859600285441',
        mime_type: 'image/jpeg',
        caption: 'Comprovante',
        filename: null,
        sha256: 'Kt0ZSbnGrUm6r0VXT5PfD2FVQR0Tvsb2o6fE1M8w2f8=',
      },
    });
  });

  it('keeps one conversation per contact: later messages land in it', async () => {
    for (const text of ['primeira', 'segunda']) {
      await deliverWebhook(
        api,
        textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: '5511987650004', text }),
        channel.appSecret,
      );
    }
    const list = await api.request('GET', '/api/conversations?q=5511987650004', { token: admin });
    expect(list.body.items).toHaveLength(1);
    const messages = await api.request('GET', `/api/conversations/${list.body.items[0].id}/messages`, {
      token: admin,
    });
    expect(messages.body.items.map((m: { text: string }) => m.text)).toEqual(['segunda', 'primeira']);
  });

  it('reopens a resolved conversation when the contact writes again, keeping its agent', async () => {
    const agent = await createUserAndLogin(api, admin);
    await deliverWebhook(
      api,
      textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: '5511987650005', text: 'oi' }),
      channel.appSecret,
    );
    const conversation = await findConversationOf('5511987650005');
    await api.request('POST', `/api/conversations/${conversation.id}/take`, { token: agent.token });
    const closed = await api.request('POST', `/api/conversations/${conversation.id}/close`, {
      token: agent.token,
      body: { rating: 4 },
    });
    expect(closed.body.status).toBe('resolved');
    const socket = await connectSocket(api.baseUrl, { token: agent.token });
    await deliverWebhook(
      api,
      textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: '5511987650005', text: 'voltei' }),
      channel.appSecret,
    );
    const reopened = await api.request('GET', `/api/conversations/${conversation.id}`, { token: agent.token });
    expect(reopened.body).toMatchObject({
      status: 'open',
      assignee_id: agent.id,
      resolved_at: null,
      awaiting_human: false,
    });
    await socket.waitFor((e) => e.some((x) => x.event === 'message_created'));
    const mine = socket.received.map((e) => e.event).filter((name) => /^(conversation|message)_/.test(name));
    expect(mine).toEqual(['conversation_updated', 'message_created']);
    socket.socket.close();
    const list = await api.request('GET', '/api/conversations?q=5511987650005', { token: admin });
    expect(list.body.items).toHaveLength(1);
  });

  it('wakes a snoozed conversation when the contact writes', async () => {
    await deliverWebhook(
      api,
      textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: '5511987650006', text: 'oi' }),
      channel.appSecret,
    );
    const conversation = await findConversationOf('5511987650006');
    const until = new Date(Date.now() + 3600_000).toISOString();
    const snoozed = await api.request('POST', `/api/conversations/${conversation.id}/snooze`, {
      token: admin,
      body: { until },
    });
    expect(snoozed.body).toMatchObject({ status: 'snoozed', snoozed_until: until });
    await deliverWebhook(
      api,
      textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: '5511987650006', text: 'ainda aí?' }),
      channel.appSecret,
    );
    const woken = await api.request('GET', `/api/conversations/${conversation.id}`, { token: admin });
    expect(woken.body).toMatchObject({ status: 'open', snoozed_until: null, awaiting_human: true });
  });

  describe('status updates', () => {
    let conversationId: string;
    const waId = '5511987650007';

    const sendAndWaitSent = async (text: string) => {
      const sent = await api.request('POST', `/api/conversations/${conversationId}/messages`, {
        token: admin,
        body: { text },
      });
      expect(sent.status).toBe(201);
      for (let i = 0; i < 200; i += 1) {
        const messages = await api.request('GET', `/api/conversations/${conversationId}/messages?limit=5`, {
          token: admin,
        });
        const message = messages.body.items.find((m: { id: string }) => m.id === sent.body.id);
        if (message.status === 'sent') return message as { id: string; channel_message_id: string };
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('message never sent');
    };
    const messageStatus = async (id: string) => {
      const messages = await api.request('GET', `/api/conversations/${conversationId}/messages?limit=20`, {
        token: admin,
      });
      return messages.body.items.find((m: { id: string }) => m.id === id);
    };

    beforeAll(async () => {
      await deliverWebhook(
        api,
        textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: waId, text: 'oi' }),
        channel.appSecret,
      );
      conversationId = (await findConversationOf(waId)).id;
    });

    it('moves a message through delivered and read, announcing each change, ignoring repeats and late reports', async () => {
      const message = await sendAndWaitSent('Olá! Como posso ajudar?');
      const socket = await connectSocket(api.baseUrl, { token: admin });
      const report = (status: 'sent' | 'delivered' | 'read') =>
        deliverWebhook(
          api,
          statusPayload({
            phoneNumberId: channel.phoneNumberId,
            wamid: message.channel_message_id,
            recipient: waId,
            status,
          }),
          channel.appSecret,
        );
      expect((await report('delivered')).body.statuses_applied).toBe(1);
      expect((await report('delivered')).body.statuses_applied).toBe(0);
      expect((await report('read')).body.statuses_applied).toBe(1);
      expect((await report('sent')).body.statuses_applied).toBe(0);
      expect((await report('delivered')).body.statuses_applied).toBe(0);
      expect((await messageStatus(message.id)).status).toBe('read');
      await socket.waitFor((e) => e.filter((x) => x.event === 'message_status_changed').length === 2);
      expect(
        socket.received.filter((e) => e.event === 'message_status_changed').map((e) => [e.data.id, e.data.status]),
      ).toEqual([
        [message.id, 'delivered'],
        [message.id, 'read'],
      ]);
      socket.socket.close();
    });

    it('records a failure reported by WhatsApp with its reason', async () => {
      const message = await sendAndWaitSent('Seu pedido saiu para entrega');
      const response = await deliverWebhook(
        api,
        statusPayload({
          phoneNumberId: channel.phoneNumberId,
          wamid: message.channel_message_id,
          recipient: waId,
          status: 'failed',
          error: {
            code: 131047,
            title: 'Re-engagement message',
            details: 'Message failed to send because more than 24 hours have passed since the customer last replied.',
          },
        }),
        channel.appSecret,
      );
      expect(response.body.statuses_applied).toBe(1);
      expect(await messageStatus(message.id)).toMatchObject({
        status: 'failed',
        failure_reason:
          '131047 Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied.',
      });
    });

    it('ignores reports for messages it never sent', async () => {
      const response = await deliverWebhook(
        api,
        statusPayload({ phoneNumberId: channel.phoneNumberId, wamid: newWamid(), recipient: waId, status: 'read' }),
        channel.appSecret,
      );
      expect(response.status).toBe(200);
      expect(response.body.statuses_applied).toBe(0);
    });
  });
});
