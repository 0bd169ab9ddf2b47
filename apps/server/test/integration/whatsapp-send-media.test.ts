import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  configureWhatsApp,
  deliverWebhook,
  inboundConversationFrom,
  startGraphStub,
  textMessagePayload,
  type GraphStub,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(3000)]);
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(2000)]);
const OGG = Buffer.concat([Buffer.from('OggS'), randomBytes(2000)]);
const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), randomBytes(2000)]);

describe('agents send files over WhatsApp', () => {
  let api: TestServer;
  let graph: GraphStub;
  let admin: string;
  let channel: WhatsAppChannelSecrets;
  let counter = 0;

  const inboundConversation = async () => {
    counter += 1;
    const waId = `55119866${String(counter).padStart(5, '0')}`;
    return { waId, conversationId: await inboundConversationFrom(api, admin, channel, waId, 'manda o arquivo') };
  };

  const postForm = async (path: string, parts: { file?: [Buffer, string, string]; caption?: string }) => {
    const form = new FormData();
    if (parts.file) form.set('file', new Blob([parts.file[0]], { type: parts.file[1] }), parts.file[2]);
    if (parts.caption) form.set('caption', parts.caption);
    const response = await fetch(`${api.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
      body: form,
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  const waitForStatus = async (conversationId: string, messageId: string) => {
    for (let i = 0; i < 500; i += 1) {
      const page = await api.request('GET', `/api/conversations/${conversationId}/messages`, { token: admin });
      const message = page.body.items.find((m: { id: string }) => m.id === messageId);
      if (message && message.status !== 'queued') return message;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the message stayed queued');
  };

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startTestServer({ WHATSAPP_GRAPH_URL: graph.url });
    admin = await api.adminToken();
    channel = await configureWhatsApp(api, admin);
  });
  beforeEach(() => {
    graph.requests.length = 0;
    graph.uploads.length = 0;
  });
  afterAll(async () => {
    await api.close();
    await graph.close();
  });

  const cases = [
    { kind: 'image', bytes: PNG, type: 'image/png', name: 'foto.png', caption: 'Segue a foto' },
    { kind: 'document', bytes: PDF, type: 'application/pdf', name: 'boleto.pdf', caption: 'Seu boleto' },
    { kind: 'audio', bytes: OGG, type: 'audio/ogg', name: 'audio.ogg', caption: undefined },
    { kind: 'video', bytes: MP4, type: 'video/mp4', name: 'video.mp4', caption: 'Tutorial' },
  ] as const;

  for (const c of cases) {
    it(`uploads a ${c.kind} to the Graph media endpoint, sends it by id, and serves it like inbound media`, async () => {
      const { waId, conversationId } = await inboundConversation();
      const sent = await postForm(`/api/conversations/${conversationId}/messages`, {
        file: [c.bytes, c.type, c.name],
        ...(c.caption ? { caption: c.caption } : {}),
      });
      expect(sent.status).toBe(201);
      expect(sent.body).toMatchObject({
        direction: 'outbound',
        author_type: 'agent',
        type: 'media',
        text: c.caption ?? null,
        status: 'queued',
        media: { kind: c.kind, mime_type: c.type, status: 'stored', size_bytes: c.bytes.length },
      });
      const delivered = await waitForStatus(conversationId, sent.body.id);
      expect(delivered.status).toBe('sent');
      expect(graph.uploads).toHaveLength(1);
      const upload = graph.uploads[0]!;
      expect(upload).toMatchObject({
        phoneNumberId: channel.phoneNumberId,
        authorization: `Bearer ${channel.accessToken}`,
        messagingProduct: 'whatsapp',
        type: c.type,
        fileType: c.type,
      });
      expect(upload.bytes.equals(c.bytes)).toBe(true);
      const part: Record<string, unknown> = { id: upload.mediaId };
      if (c.caption) part.caption = c.caption;
      if (c.kind === 'document') part.filename = c.name;
      expect(graph.requests.at(-1)?.body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: waId,
        type: c.kind,
        [c.kind]: part,
      });
      expect(delivered.media.media_id).toBe(upload.mediaId);
      const served = await fetch(`${api.baseUrl}${delivered.media.url}`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(served.status).toBe(200);
      expect(Buffer.from(await served.arrayBuffer()).equals(c.bytes)).toBe(true);
    });
  }

  it('sends a file uploaded before, by reference, with a caption', async () => {
    const { conversationId } = await inboundConversation();
    const uploaded = await postForm(`/api/conversations/${conversationId}/attachments`, {
      file: [PNG, 'image/png', 'nota.png'],
    });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({ kind: 'image', mime_type: 'image/png', filename: 'nota.png' });
    const sent = await api.request('POST', `/api/conversations/${conversationId}/messages`, {
      token: admin,
      body: { attachment: { upload_id: uploaded.body.upload_id }, caption: 'A nota' },
    });
    expect(sent.status).toBe(201);
    expect((await waitForStatus(conversationId, sent.body.id)).status).toBe('sent');
    expect(graph.requests.at(-1)?.body.image).toEqual({ id: graph.uploads[0]!.mediaId, caption: 'A nota' });

    const unknown = await api.request('POST', `/api/conversations/${conversationId}/messages`, {
      token: admin,
      body: { attachment: { upload_id: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('upload.not_found');
  });

  it('refuses a file over WhatsApp’s limit or of a type it does not take with 422, before sending anything', async () => {
    const { conversationId } = await inboundConversation();
    const big = Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]);
    const tooLarge = await postForm(`/api/conversations/${conversationId}/messages`, {
      file: [big, 'image/png', 'grande.png'],
    });
    expect(tooLarge.status).toBe(422);
    expect(tooLarge.body.code).toBe('attachment.too_large');
    const gif = await postForm(`/api/conversations/${conversationId}/messages`, {
      file: [Buffer.from('GIF89a-not-taken'), 'image/gif', 'x.gif'],
    });
    expect(gif.status).toBe(422);
    expect(gif.body.code).toBe('attachment.type_not_supported');
    const disguised = await postForm(`/api/conversations/${conversationId}/attachments`, {
      file: [Buffer.from('MZ\u0090\u0000executable'), 'application/pdf', 'boleto.pdf'],
    });
    expect(disguised.status).toBe(422);
    const noFile = await postForm(`/api/conversations/${conversationId}/messages`, { caption: 'sem arquivo' });
    expect(noFile.status).toBe(400);
    await new Promise((r) => setTimeout(r, 200));
    expect(graph.uploads).toHaveLength(0);
    expect(graph.requests).toHaveLength(0);
  });

  it('refuses a file after the window closed (409) and records why a failed upload failed', async () => {
    counter += 1;
    const waId = `55119866${String(counter).padStart(5, '0')}`;
    await deliverWebhook(
      api,
      textMessagePayload({
        phoneNumberId: channel.phoneNumberId,
        from: waId,
        text: 'oi',
        timestamp: Math.floor(Date.now() / 1000) - 26 * 3600,
      }),
      channel.appSecret,
    );
    const list = await api.request('GET', `/api/conversations?q=${waId}`, { token: admin });
    const closed = await postForm(`/api/conversations/${list.body.items[0].id}/messages`, {
      file: [PNG, 'image/png', 'x.png'],
    });
    expect(closed.status).toBe(409);
    expect(closed.body.code).toBe('conversation.window_closed');

    const { conversationId } = await inboundConversation();
    graph.enqueueUpload({
      kind: 'error',
      status: 400,
      code: 131053,
      message: 'Media upload error',
      details: 'bad file',
    });
    const sent = await postForm(`/api/conversations/${conversationId}/messages`, { file: [PNG, 'image/png', 'x.png'] });
    const failed = await waitForStatus(conversationId, sent.body.id);
    expect(failed.status).toBe('failed');
    expect(failed.failure_reason).toContain('131053');
    expect(graph.requests).toHaveLength(0);
  });
});
