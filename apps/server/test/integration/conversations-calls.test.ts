import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { originates, startServerWithPbx, type PbxTest } from '../support/pbx.js';
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

const ROOM_NAME = /^switchboard-[a-km-z2-9]{24}$/;

async function whatsappConversation(api: TestServer, admin: string, channel: WhatsAppChannelSecrets, waId: string) {
  await deliverWebhook(
    api,
    textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: waId, name: 'Paula', text: 'oi' }),
    channel.appSecret,
  );
  const list = await api.request('GET', `/api/conversations?q=${waId}`, { token: admin });
  return list.body.items[0].id as string;
}

async function waitForStatus(api: TestServer, token: string, conversationId: string, messageId: string) {
  for (let i = 0; i < 300; i += 1) {
    const page = await api.request('GET', `/api/conversations/${conversationId}/messages`, { token });
    const message = page.body.items.find((m: { id: string }) => m.id === messageId);
    if (message?.status !== 'queued') return message;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('still queued');
}

describe('video calls from a conversation (public Jitsi)', () => {
  let api: TestServer;
  let graph: GraphStub;
  let admin: string;
  let channel: WhatsAppChannelSecrets;

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

  it('creates an unguessable room, sends the link through WhatsApp and records it as a system message', async () => {
    const conversationId = await whatsappConversation(api, admin, channel, '5511955550001');
    const socket = await connectSocket(api.baseUrl, { token: admin });
    const before = Date.now();
    const response = await api.request('POST', `/api/conversations/${conversationId}/video`, { token: admin });
    expect(response.status).toBe(201);
    const { video_url: videoUrl, room_name: roomName, expires_at: expiresAt, message } = response.body;
    expect(roomName).toMatch(ROOM_NAME);
    expect(videoUrl).toBe(`https://meet.jit.si/${roomName}`);
    const ttl = new Date(expiresAt).getTime() - before;
    expect(ttl).toBeGreaterThan(119 * 60_000);
    expect(ttl).toBeLessThan(121 * 60_000);
    expect(message).toMatchObject({
      conversation_id: conversationId,
      direction: 'outbound',
      author_type: 'system',
      type: 'system',
      text: `Entre na chamada de vídeo: ${videoUrl}`,
      status: 'queued',
      metadata: { event: 'video_call', room_name: roomName, expires_at: expiresAt },
    });
    const sent = await waitForStatus(api, admin, conversationId, message.id);
    expect(sent.status).toBe('sent');
    expect(graph.requests.at(-1)!.body).toMatchObject({ to: '5511955550001', text: { body: message.text } });
    await socket.waitFor((e) => e.some((x) => x.event === 'message_created' && x.data.id === message.id));
    socket.socket.close();

    const another = await api.request('POST', `/api/conversations/${conversationId}/video`, { token: admin });
    expect(another.body.room_name).toMatch(ROOM_NAME);
    expect(another.body.room_name).not.toBe(roomName);
    // Its link goes out in the background too: sent before the next test counts Graph's requests.
    expect((await waitForStatus(api, admin, conversationId, another.body.message.id)).status).toBe('sent');
  });

  it('only records the link on a voice conversation, which cannot carry it to the contact', async () => {
    const started = await api.request('POST', '/api/conversations', {
      token: admin,
      body: { channel: 'voice', contact: { phone: '+5511955550002' } },
    });
    const requestsBefore = graph.requests.length;
    const response = await api.request('POST', `/api/conversations/${started.body.id}/video`, { token: admin });
    expect(response.status).toBe(201);
    expect(response.body.message).toMatchObject({ direction: 'internal', status: null });
    await new Promise((r) => setTimeout(r, 200));
    expect(graph.requests.length).toBe(requestsBefore);
  });

  it('refuses a resolved conversation and one the caller cannot see', async () => {
    const conversationId = await whatsappConversation(api, admin, channel, '5511955550003');
    await api.request('POST', `/api/conversations/${conversationId}/close`, { token: admin });
    const resolved = await api.request('POST', `/api/conversations/${conversationId}/video`, { token: admin });
    expect(resolved.status).toBe(409);
    const unknown = await api.request('POST', '/api/conversations/00000000-0000-4000-8000-000000000000/video', {
      token: admin,
    });
    expect(unknown.status).toBe(404);
  });
});

describe('video calls from a conversation (self-hosted Jitsi with JWT)', () => {
  const secret = 'a-jitsi-app-secret-of-32-characters';
  let api: TestServer;

  beforeAll(async () => {
    api = await startTestServer({
      JITSI_DOMAIN: 'meet.example.com',
      JITSI_APP_ID: 'switchboard',
      JITSI_APP_SECRET: secret,
      JITSI_ROOM_TTL_MINUTES: '30',
    });
  });
  afterAll(async () => {
    await api.close();
  });

  it('signs a moderator token for the agent and a guest token for the contact, both expiring with the room', async () => {
    const admin = await api.adminToken();
    const started = await api.request('POST', '/api/conversations', {
      token: admin,
      body: { channel: 'webchat', contact: { name: 'Rafael', phone: '+5511955550010' } },
    });
    const response = await api.request('POST', `/api/conversations/${started.body.id}/video`, { token: admin });
    expect(response.status).toBe(201);
    const { video_url: videoUrl, room_name: roomName, expires_at: expiresAt, message } = response.body;
    const agentUrl = new URL(videoUrl);
    expect(`${agentUrl.origin}${agentUrl.pathname}`).toBe(`https://meet.example.com/${roomName}`);
    const key = new TextEncoder().encode(secret);
    const verify = (token: string) =>
      jwtVerify(token, key, { issuer: 'switchboard', audience: 'jitsi', subject: 'meet.example.com' });
    const agentToken = await verify(agentUrl.searchParams.get('jwt')!);
    expect(agentToken.protectedHeader).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    expect(agentToken.payload).toMatchObject({
      room: roomName,
      moderator: true,
      context: { user: { name: 'Administrator', moderator: true } },
      exp: Math.floor(new Date(expiresAt).getTime() / 1000),
    });
    expect(new Date(expiresAt).getTime() - Date.now()).toBeLessThan(31 * 60_000);

    const contactLink = /https:\/\/\S+/.exec(message.text)![0];
    const contactToken = await verify(new URL(contactLink).searchParams.get('jwt')!);
    expect(contactToken.payload).toMatchObject({
      room: roomName,
      moderator: false,
      context: { user: { name: 'Rafael', moderator: false } },
    });
    // The agent's moderator token is never stored nor sent to the contact.
    expect(JSON.stringify(message)).not.toContain(agentUrl.searchParams.get('jwt')!);
  });
});

describe('voice calls from a conversation', () => {
  it('answers 503 without a PBX and stores nothing', async () => {
    const api = await startTestServer();
    try {
      const admin = await api.adminToken();
      const started = await api.request('POST', '/api/conversations', {
        token: admin,
        body: { channel: 'webchat', contact: { phone: '+5511955550020' } },
      });
      const response = await api.request('POST', `/api/conversations/${started.body.id}/call`, { token: admin });
      expect(response.status).toBe(503);
      expect(response.body.code).toBe('pbx.unavailable');
      const messages = await api.request('GET', `/api/conversations/${started.body.id}/messages`, { token: admin });
      expect(messages.body.items).toEqual([]);
    } finally {
      await api.close();
    }
  });

  describe('with a PBX (the ARI emulator)', () => {
    let pbx: PbxTest;
    let api: TestServer;

    beforeAll(async () => {
      pbx = await startServerWithPbx();
      api = pbx.api;
    });
    afterAll(async () => {
      await pbx.close();
    });

    it('rings the agent’s device to call the contact and puts the call in the timeline', async () => {
      const admin = await api.adminToken();
      const started = await api.request('POST', '/api/conversations', {
        token: admin,
        body: { channel: 'whatsapp', contact: { name: 'Otávio', phone: '+5511955550021' } },
      });
      const socket = await connectSocket(api.baseUrl, { token: admin });
      const response = await api.request('POST', `/api/conversations/${started.body.id}/call`, { token: admin });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        call_id: expect.any(String),
        call_status: 'initiated',
        message: {
          direction: 'internal',
          author_type: 'system',
          type: 'system',
          status: null,
          metadata: { event: 'voice_call', call_id: response.body.call_id, to: '+5511955550021' },
        },
      });
      expect(originates(pbx.ari)).toHaveLength(1);
      expect(originates(pbx.ari)[0]!.appArgs).toEqual(['outbound', response.body.call_id]);
      const call = await api.request('GET', `/api/calls/${response.body.call_id}`, { token: admin });
      expect(call.body).toMatchObject({ direction: 'outbound', to_number: '+5511955550021' });
      const timeline = await api.request('GET', `/api/conversations/${started.body.id}/messages`, { token: admin });
      expect(timeline.body.items[0].metadata.call_id).toBe(response.body.call_id);
      await socket.waitFor((e) => e.some((x) => x.event === 'message_created'));
      socket.socket.close();
    });

    it('refuses a contact without a phone number with 409', async () => {
      const admin = await api.adminToken();
      const started = await api.request('POST', '/api/conversations', {
        token: admin,
        body: { channel: 'webchat', contact: { email: 'no-phone@example.com' } },
      });
      const response = await api.request('POST', `/api/conversations/${started.body.id}/call`, { token: admin });
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('contact.no_phone');
    });
  });
});
