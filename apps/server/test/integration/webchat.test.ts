/**
 * Web chat over real sockets: visitors of an allowed page open a session, write over the
 * `/webchat` namespace, and an agent online in the console answers from the inbox.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentOnline, createQueue, eventually, setMembers, type OnlineAgent } from '../support/routing.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PAGE = 'http://shop.test:8080';
const OTHER_PAGE = 'http://evil.test';
// 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

interface Visitor {
  token: string;
  socket: Socket;
  events: { name: string; data: any }[];
  emit<T = any>(event: string, payload: unknown): Promise<T>;
  waitFor(predicate: (events: { name: string; data: any }[]) => boolean, what: string): Promise<void>;
}

describe('web chat', () => {
  let api: TestServer;
  let admin: string;
  let agent: OnlineAgent;
  let channelId: string;

  const connectVisitor = (token: string | undefined, origin = PAGE): Socket =>
    io(`${api.baseUrl}/webchat`, {
      auth: token ? { token } : {},
      transports: ['websocket'],
      extraHeaders: { origin },
      reconnection: false,
      forceNew: true,
    });

  const refusal = (socket: Socket) =>
    new Promise<string>((resolve, reject) => {
      socket.once('connect', () => reject(new Error('connected')));
      socket.once('connect_error', (error: Error & { data?: { code?: string } }) => resolve(error.data?.code ?? ''));
    });

  const startVisitor = async (answers: Record<string, string> = {}): Promise<Visitor> => {
    const session = await api.request('POST', '/webchat/v1/sessions', {
      headers: { origin: PAGE },
      body: { channel_id: channelId, ...answers },
    });
    expect(session.status).toBe(201);
    expect(session.headers.get('access-control-allow-origin')).toBe(PAGE);
    const token = session.body.token as string;
    const socket = connectVisitor(token);
    const events: { name: string; data: any }[] = [];
    socket.onAny((name: string, data: unknown) => events.push({ name, data }));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return {
      token,
      socket,
      events,
      emit: (event, payload) => new Promise((resolve) => socket.emit(event, payload, resolve)),
      waitFor: (predicate, what) => eventually(() => predicate(events), what, 20_000).then(() => undefined),
    };
  };

  beforeAll(async () => {
    // The widget's bundle, as `npm run build` makes it (esbuild, well under a second).
    execFileSync(process.execPath, [fileURLToPath(new URL('../../widget/build.mjs', import.meta.url))]);
    api = await startTestServer();
    admin = await api.adminToken();
    const queue = await createQueue(api, admin, { name: 'Site', channels: ['webchat'] });
    agent = await agentOnline(api, admin, { name: 'Ana Atendente' });
    await setMembers(api, admin, queue.id, [{ user_id: agent.id }]);
    const created = await api.request('POST', '/api/channels/webchat', {
      token: admin,
      body: {
        name: 'Loja',
        allowed_origins: [`${PAGE}/`],
        greeting: 'Olá! Como podemos ajudar?',
        prechat_fields: { name: 'required', email: 'optional', phone: 'off' },
        default_queue_id: queue.id,
      },
    });
    expect(created.status).toBe(201);
    channelId = created.body.id;
    expect(created.body.allowed_origins).toEqual([PAGE]);
    expect(created.body.embed_snippet).toContain(`data-channel="${channelId}"`);
  });
  afterAll(async () => {
    agent?.disconnect();
    await api?.close();
  });

  it('lets admins only configure channels, and checks origins and queues', async () => {
    const listed = await api.request('GET', '/api/channels/webchat', { token: admin });
    expect(listed.body.items.map((c: any) => c.id)).toEqual([channelId]);
    const byAgent = await api.request('GET', '/api/channels/webchat', { token: agent.token });
    expect(byAgent.status).toBe(403);
    const badOrigin = await api.request('PUT', `/api/channels/webchat/${channelId}`, {
      token: admin,
      body: { allowed_origins: ['javascript:alert(1)'] },
    });
    expect(badOrigin.status).toBe(400);
    expect(badOrigin.body.code).toBe('webchat.origin_invalid');
    const badQueue = await api.request('PUT', `/api/channels/webchat/${channelId}`, {
      token: admin,
      body: { default_queue_id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(badQueue.status).toBe(400);
    const renamed = await api.request('PUT', `/api/channels/webchat/${channelId}`, {
      token: admin,
      body: { greeting: 'Oi! Fale com a gente.' },
    });
    expect(renamed.body).toMatchObject({ name: 'Loja', greeting: 'Oi! Fale com a gente.' });
  });

  it('refuses pages of other origins, over HTTP and on the socket', async () => {
    const config = await api.request('GET', `/webchat/v1/channels/${channelId}`, { headers: { origin: OTHER_PAGE } });
    expect(config.status).toBe(403);
    expect(config.body.code).toBe('webchat.origin_not_allowed');
    const session = await api.request('POST', '/webchat/v1/sessions', {
      headers: { origin: OTHER_PAGE },
      body: { channel_id: channelId, name: 'Eva' },
    });
    expect(session.status).toBe(403);
    const visitor = await startVisitor({ name: 'Rita' });
    visitor.socket.disconnect();
    expect(await refusal(connectVisitor(visitor.token, OTHER_PAGE))).toBe('webchat.origin_not_allowed');
    const shown = await api.request('GET', `/webchat/v1/channels/${channelId}`, { headers: { origin: PAGE } });
    expect(shown.body).toMatchObject({ name: 'Loja', is_open: true, prechat_fields: { name: 'required' } });
  });

  it('asks the pre-chat fields the channel requires', async () => {
    const missing = await api.request('POST', '/webchat/v1/sessions', {
      headers: { origin: PAGE },
      body: { channel_id: channelId, email: 'not-an-email' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((i: any) => i.field).sort()).toEqual(['body.email', 'body.name']);
  });

  it('keeps visitor and agent tokens apart', async () => {
    const visitor = await startVisitor({ name: 'Bia' });
    visitor.socket.disconnect();
    const agentApi = await api.request('GET', '/api/conversations', { token: visitor.token });
    expect(agentApi.status).toBe(401);
    expect(
      await refusal(
        io(api.baseUrl, {
          auth: { token: visitor.token },
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
        }),
      ),
    ).toBe('auth.invalid_token');
    expect(await refusal(connectVisitor(agent.token))).toBe('webchat.invalid_token');
    const asVisitor = await api.request('PUT', '/webchat/v1/visitor', {
      token: agent.token,
      headers: { origin: PAGE },
      body: { name: 'Hacker' },
    });
    expect(asVisitor.status).toBe(401);
    expect(await refusal(connectVisitor(undefined))).toBe('webchat.invalid_token');
  });

  it('routes the first message to an agent, whose reply, typing and read mark reach the visitor', async () => {
    const visitor = await startVisitor({ name: 'Carla Cliente', email: 'carla@example.com' });
    const empty = await visitor.emit('thread', {});
    expect(empty).toMatchObject({ ok: true, data: { conversation_id: null, messages: [] } });
    const sent = await visitor.emit('message', { client_message_id: 'msg-0001-abc', text: 'Oi, quero ajuda' });
    expect(sent.ok).toBe(true);
    const conversationId = sent.data.conversation_id as string;
    const again = await visitor.emit('message', { client_message_id: 'msg-0001-abc', text: 'Oi, quero ajuda' });
    expect(again.data).toEqual({ conversation_id: conversationId, is_duplicate: true });

    await agent.waitFor(
      (r) => r.some((e) => e.event === 'conversation_assigned' && e.data.id === conversationId),
      20_000,
    );
    const conversation = await api.request('GET', `/api/conversations/${conversationId}`, { token: agent.token });
    expect(conversation.body).toMatchObject({
      channel: 'webchat',
      assignee_id: agent.id,
      contact: { name: 'Carla Cliente', email: 'carla@example.com' },
    });
    await visitor.waitFor(
      (e) => e.some((x) => x.name === 'conversation' && x.data.agent_name === 'Ana Atendente'),
      'the agent’s name',
    );

    await visitor.emit('typing', { is_typing: true });
    await agent.waitFor((r) =>
      r.some(
        (e) =>
          e.event === 'typing_start' && e.data.conversation_id === conversationId && e.data.from === 'Carla Cliente',
      ),
    );
    await agent.emit('typing', { conversation_id: conversationId, is_typing: true });
    await visitor.waitFor((e) => e.some((x) => x.name === 'typing' && x.data.is_typing), 'agent typing');

    const reply = await api.request('POST', `/api/conversations/${conversationId}/messages`, {
      token: agent.token,
      body: { text: 'Olá Carla, sou a Ana.' },
    });
    expect(reply.status).toBe(201);
    await visitor.waitFor(
      (e) =>
        e.some(
          (x) => x.name === 'message' && x.data.text === 'Olá Carla, sou a Ana.' && x.data.direction === 'outbound',
        ),
      'the reply',
    );
    const read = await api.request('POST', `/api/conversations/${conversationId}/read`, {
      token: agent.token,
      body: {},
    });
    expect(read.status).toBeLessThan(300);
    await visitor.waitFor((e) => e.some((x) => x.name === 'read'), 'the read mark');

    // The widget reports the reply shown, then seen: the agent's ticks follow, never back.
    const replyId = reply.body.id as string;
    await visitor.waitFor(
      (e) => e.some((x) => x.name === 'message' && x.data.id === replyId && x.data.status === 'sent'),
      'the reply sent',
    );
    const stranger = await startVisitor({ name: 'Outra Pessoa' });
    expect(await stranger.emit('seen', { message_ids: [replyId], status: 'read' })).toEqual({
      ok: true,
      data: { applied: 0 },
    });
    stranger.socket.disconnect();
    expect(await visitor.emit('seen', { message_ids: [replyId], status: 'delivered' })).toEqual({
      ok: true,
      data: { applied: 1 },
    });
    await agent.waitFor((r) =>
      r.some((e) => e.event === 'message_status_changed' && e.data.id === replyId && e.data.status === 'delivered'),
    );
    expect(await visitor.emit('seen', { message_ids: [replyId], status: 'read' })).toEqual({
      ok: true,
      data: { applied: 1 },
    });
    await agent.waitFor((r) =>
      r.some((e) => e.event === 'message_status_changed' && e.data.id === replyId && e.data.status === 'read'),
    );
    expect(await visitor.emit('seen', { message_ids: [replyId], status: 'delivered' })).toEqual({
      ok: true,
      data: { applied: 0 },
    });
    const inConsole = await api.request('GET', `/api/conversations/${conversationId}/messages`, { token: agent.token });
    expect(inConsole.body.items.find((m: any) => m.id === replyId)?.status).toBe('read');
    expect((await visitor.emit('seen', { message_ids: ['nope'], status: 'read' })).ok).toBe(false);

    // A new tab (a new socket with the same token) gets the whole thread, oldest first.
    const tab = connectVisitor(visitor.token);
    await new Promise<void>((resolve, reject) => {
      tab.once('connect', () => resolve());
      tab.once('connect_error', reject);
    });
    const thread = await new Promise<any>((resolve) => tab.emit('thread', {}, resolve));
    expect(thread.data.conversation_id).toBe(conversationId);
    expect(thread.data.agent_name).toBe('Ana Atendente');
    expect(thread.data.messages.map((m: any) => m.text)).toEqual(['Oi, quero ajuda', 'Olá Carla, sou a Ana.']);
    tab.disconnect();
    visitor.socket.disconnect();
  });

  it('takes pictures within the limits and refuses other files by their bytes', async () => {
    const visitor = await startVisitor({ name: 'Duda' });
    const upload = (body: Buffer, type: string) =>
      fetch(`${api.baseUrl}/webchat/v1/uploads`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${visitor.token}`,
          origin: PAGE,
          'content-type': type,
          'x-filename': 'foto.png',
        },
        body,
      });
    const exe = await upload(Buffer.from('MZ\x90\x00 not a picture'), 'image/png');
    expect(exe.status).toBe(422);
    expect(((await exe.json()) as any).code).toBe('attachment.type_not_supported');
    const big = Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]);
    const tooBig = await upload(big, 'image/png');
    expect(tooBig.status).toBe(422);
    expect(((await tooBig.json()) as any).code).toBe('attachment.too_large');
    const huge = await upload(Buffer.concat([PNG, Buffer.alloc(11 * 1024 * 1024)]), 'image/png');
    expect(huge.status).toBe(413);

    const ok = await upload(PNG, 'application/octet-stream');
    expect(ok.status).toBe(201);
    const stored = (await ok.json()) as any;
    expect(stored).toMatchObject({
      kind: 'image',
      mime_type: 'image/png',
      filename: 'foto.png',
      size_bytes: PNG.length,
    });
    const sent = await visitor.emit('message', {
      client_message_id: 'pic-0001-xyz',
      upload_id: stored.upload_id,
      text: 'olha',
    });
    expect(sent.ok).toBe(true);
    const conversationId = sent.data.conversation_id;
    const media = await eventually(
      async () => {
        const page = await api.request('GET', `/api/conversations/${conversationId}/messages`, { token: admin });
        const message = page.body.items.find((m: any) => m.media);
        return message?.media.status === 'stored' ? message : undefined;
      },
      'the picture stored',
      20_000,
    );
    expect(media.media).toMatchObject({ kind: 'image', caption: 'olha', size_bytes: PNG.length });
    const asAgent = await fetch(`${api.baseUrl}${media.media.url}`, { headers: { authorization: `Bearer ${admin}` } });
    expect(Buffer.from(await asAgent.arrayBuffer()).equals(PNG)).toBe(true);
    const asVisitor = await fetch(`${api.baseUrl}/webchat/v1/messages/${media.id}/media`, {
      headers: { authorization: `Bearer ${visitor.token}`, origin: PAGE },
    });
    expect(asVisitor.status).toBe(200);
    expect(Buffer.from(await asVisitor.arrayBuffer()).equals(PNG)).toBe(true);
    const stranger = await startVisitor({ name: 'Outra' });
    const notTheirs = await fetch(`${api.baseUrl}/webchat/v1/messages/${media.id}/media`, {
      headers: { authorization: `Bearer ${stranger.token}`, origin: PAGE },
    });
    expect(notTheirs.status).toBe(404);
    const otherUpload = await stranger.emit('message', {
      client_message_id: 'pic-0002-xyz',
      upload_id: stored.upload_id,
    });
    expect(otherUpload).toMatchObject({ ok: false, error: { code: 'upload.not_found' } });
    visitor.socket.disconnect();
    stranger.socket.disconnect();
  });

  it('asks for stars at the close and stores them as the customer’s rating', async () => {
    await api.request('PUT', '/api/settings/customer-messages', { token: admin, body: { rating_enabled: true } });
    const visitor = await startVisitor({ name: 'Eli' });
    const sent = await visitor.emit('message', { client_message_id: 'rate-0001-abc', text: 'Tudo certo' });
    const conversationId = sent.data.conversation_id;
    const closed = await api.request('POST', `/api/conversations/${conversationId}/close`, { token: admin, body: {} });
    expect(closed.status).toBe(200);
    await visitor.waitFor(
      (e) => e.some((x) => x.name === 'message' && x.data.is_rating_question),
      'the rating question',
    );
    const rated = await visitor.emit('rating', { client_message_id: 'rate-0002-abc', score: 5 });
    expect(rated.ok).toBe(true);
    const conversation = await eventually(async () => {
      const c = await api.request('GET', `/api/conversations/${conversationId}`, { token: admin });
      return c.body.rating === 5 ? c.body : undefined;
    }, 'the rating');
    expect(conversation).toMatchObject({ status: 'resolved', rating: 5, rated_by: 'customer' });
    visitor.socket.disconnect();
  });

  it('serves the widget to pages of any origin, cached, without touching the console’s CSP', async () => {
    const widget = await fetch(`${api.baseUrl}/widget.js`, { headers: { origin: OTHER_PAGE } });
    expect(widget.status).toBe(200);
    expect(widget.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(widget.headers.get('access-control-allow-origin')).toBe('*');
    expect(widget.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(widget.headers.get('cache-control')).toContain('max-age=86400');
    expect((await widget.text()).length).toBeGreaterThan(1000);
    const again = await fetch(`${api.baseUrl}/widget.js`, {
      headers: { 'if-none-match': widget.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    // The console's pages keep helmet's CSP (JSON answers carry the REST set, ADR 14).
    const consolePage = await fetch(`${api.baseUrl}/`);
    expect(consolePage.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('disconnects a visitor who floods the socket', async () => {
    const visitor = await startVisitor({ name: 'Flood' });
    const disconnected = new Promise<void>((resolve) => visitor.socket.once('disconnect', () => resolve()));
    for (let i = 0; i < 200; i += 1) visitor.socket.emit('typing', { is_typing: true });
    await disconnected;
    expect(visitor.events.some((e) => e.name === 'rate_limited')).toBe(true);
    const oversized = await startVisitor({ name: 'Big' });
    const gone = new Promise<void>((resolve) => oversized.socket.once('disconnect', () => resolve()));
    oversized.socket.emit('message', { client_message_id: 'big-0001-abc', text: 'x'.repeat(200_000) });
    await gone;
  });
});
