/**
 * Files contacts send over WhatsApp: fetched from the Graph API (a local stub answering as
 * Meta does: `GET /{media-id}` then the file's URL, both with the channel's bearer token),
 * kept under MEDIA_DIR, announced as `message_updated`, and served to agents who can see
 * the conversation.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaDownloads, messages } from '../../src/db/schema/index.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import { connectSocket } from '../support/socket.js';
import {
  configureWhatsApp,
  deliverWebhook,
  mediaMessagePayload,
  startGraphStub,
  type GraphStub,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

const MAX_BYTES = 64 * 1024;

let mediaCounter = 0;
function nextMediaId(): string {
  mediaCounter += 1;
  return `10138596${String(Date.now()).slice(-6)}${String(mediaCounter).padStart(3, '0')}`;
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not in time (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('media contacts send over WhatsApp', () => {
  let graph: GraphStub;
  let api: TestServer;
  let admin: string;
  let channel: WhatsAppChannelSecrets;
  let from = 5511987660000;

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startTestServer({
      WHATSAPP_GRAPH_URL: graph.url,
      MEDIA_MAX_BYTES: String(MAX_BYTES),
      MEDIA_RETENTION_DAYS: '30',
      MEDIA_RETENTION_INTERVAL_MINUTES: '1440',
    });
    admin = await api.adminToken();
    channel = await configureWhatsApp(api, admin);
  });
  afterAll(async () => {
    await api.close();
    await graph.close();
  });

  /** A contact sends a file; returns the conversation and the message as the API lists it. */
  async function contactSends(input: {
    kind: 'image' | 'audio' | 'video' | 'document';
    mimeType: string;
    mediaId: string;
    filename?: string;
    caption?: string;
  }) {
    from += 1;
    const delivered = await deliverWebhook(
      api,
      mediaMessagePayload({ phoneNumberId: channel.phoneNumberId, from: String(from), ...input }),
      channel.appSecret,
    );
    expect(delivered.status).toBe(200);
    const list = await api.request('GET', `/api/conversations?q=${from}`, { token: admin });
    const conversation = list.body.items[0];
    const messages = await api.request('GET', `/api/conversations/${conversation.id}/messages`, { token: admin });
    return { conversationId: conversation.id as string, message: messages.body.items[0], waId: String(from) };
  }

  const messageOf = async (conversationId: string, messageId: string) => {
    const messages = await api.request('GET', `/api/conversations/${conversationId}/messages`, { token: admin });
    return messages.body.items.find((m: { id: string }) => m.id === messageId);
  };

  it('fetches a photo with the channel token, keeps it, announces it and serves it to agents', async () => {
    const mediaId = nextMediaId();
    const bytes = randomBytes(5000);
    graph.media.set(mediaId, { bytes, mimeType: 'image/jpeg' });
    const socket = await connectSocket(api.baseUrl, { token: admin });
    try {
      const { conversationId, message } = await contactSends({
        kind: 'image',
        mimeType: 'image/jpeg',
        mediaId,
        caption: 'Comprovante',
      });
      await socket.waitFor((events) =>
        events.some(
          (e) => e.event === 'message_updated' && e.data.id === message.id && e.data.media.status === 'stored',
        ),
      );
      const stored = await messageOf(conversationId, message.id);
      const url = `/api/conversations/${conversationId}/messages/${message.id}/media`;
      expect(stored.media).toMatchObject({
        kind: 'image',
        media_id: mediaId,
        status: 'stored',
        size_bytes: 5000,
        url,
        failure_reason: null,
      });

      // Both requests carried the company's access token; the lookup named the number.
      const requests = graph.mediaRequests.filter((r) => r.mediaId === mediaId);
      expect(requests.map((r) => r.kind)).toEqual(['lookup', 'file']);
      expect(requests.every((r) => r.authorization === `Bearer ${channel.accessToken}`)).toBe(true);
      expect(requests[0]?.phoneNumberId).toBe(channel.phoneNumberId);

      const served = await fetch(`${api.baseUrl}${url}`, { headers: { authorization: `Bearer ${admin}` } });
      expect(served.status).toBe(200);
      expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
      expect(served.headers.get('content-type')).toBe('image/jpeg');
      expect(served.headers.get('content-disposition')).toMatch(/^inline; filename="image"/);
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      expect(served.headers.get('content-security-policy')).toContain('sandbox');

      const part = await fetch(`${api.baseUrl}${url}`, {
        headers: { authorization: `Bearer ${admin}`, range: 'bytes=100-199' },
      });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe('bytes 100-199/5000');
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);

      const anonymous = await fetch(`${api.baseUrl}${url}`);
      expect(anonymous.status).toBe(401);
    } finally {
      socket.socket.disconnect();
    }
  });

  it('serves a document that is not a safe type as an attachment, with its own name', async () => {
    const mediaId = nextMediaId();
    const bytes = Buffer.from('<html><script>alert(1)</script></html>');
    graph.media.set(mediaId, { bytes, mimeType: 'text/html' });
    const { conversationId, message } = await contactSends({
      kind: 'document',
      mimeType: 'text/html',
      mediaId,
      filename: 'relatório "final".html',
    });
    await eventually(
      () => messageOf(conversationId, message.id),
      (m) => m.media.status === 'stored',
      'stored',
    );
    const served = await fetch(`${api.baseUrl}/api/conversations/${conversationId}/messages/${message.id}/media`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-disposition')).toBe(
      `attachment; filename="relat_rio _final_.html"; filename*=UTF-8''${encodeURIComponent('relatório _final_.html')}`,
    );
    expect(served.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('answers 409 while the file is pending, retries a transient failure, and fetches it when asked again', async () => {
    const mediaId = nextMediaId();
    const bytes = randomBytes(1200);
    graph.media.set(mediaId, { bytes, mimeType: 'audio/ogg' });
    graph.enqueueMediaLookup({
      kind: 'error',
      status: 500,
      code: 1,
      message: 'An unknown error occurred',
      details: '',
    });
    const { conversationId, message } = await contactSends({ kind: 'audio', mimeType: 'audio/ogg', mediaId });
    // The failed attempt is scheduled again, later: the file stays pending meanwhile.
    const [row] = await eventually(
      () => api.server.database.db.select().from(mediaDownloads).where(eq(mediaDownloads.messageId, message.id)),
      (rows) => rows[0]?.attempts === 1 && rows[0]?.claimedAt === null,
      'the first attempt',
    );
    expect(row?.lastError).toContain('HTTP 500');
    expect(row?.nextAttemptAt?.getTime()).toBeGreaterThan(Date.now() + 20_000);
    const url = `/api/conversations/${conversationId}/messages/${message.id}/media`;
    const pending = await api.request('GET', url, { token: admin });
    expect(pending.status).toBe(409);
    expect(pending.body.code).toBe('media.pending');

    const retried = await api.request('POST', `${url}/retry`, { token: admin });
    expect(retried.status).toBe(202);
    await eventually(
      () => messageOf(conversationId, message.id),
      (m) => m.media.status === 'stored',
      'stored',
    );
    const served = await api.request('GET', url, { token: admin });
    expect(served.status).toBe(200);
    const again = await api.request('POST', `${url}/retry`, { token: admin });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('media.stored');
  });

  it('gives up on media WhatsApp does not know, says why, and fetches it once it exists', async () => {
    const mediaId = nextMediaId();
    const { conversationId, message } = await contactSends({ kind: 'video', mimeType: 'video/mp4', mediaId });
    const failed = await eventually(
      () => messageOf(conversationId, message.id),
      (m) => m.media.status === 'failed',
      'failed',
    );
    expect(failed.media.failure_reason).toMatch(/refused the media lookup \(HTTP 400\)/);
    const url = `/api/conversations/${conversationId}/messages/${message.id}/media`;
    const unavailable = await api.request('GET', url, { token: admin });
    expect(unavailable.status).toBe(409);
    expect(unavailable.body).toMatchObject({ code: 'media.unavailable' });
    expect(unavailable.body.detail).toMatch(/HTTP 400/);

    graph.media.set(mediaId, { bytes: randomBytes(300), mimeType: 'video/mp4' });
    const retried = await api.request('POST', `${url}/retry`, { token: admin });
    expect(retried.status).toBe(202);
    expect(retried.body.media.status).toBe('pending');
    await eventually(
      () => messageOf(conversationId, message.id),
      (m) => m.media.status === 'stored',
      'stored',
    );
  });

  it('refuses a file over MEDIA_MAX_BYTES, whether WhatsApp says its size or not', async () => {
    const declared = nextMediaId();
    graph.media.set(declared, { bytes: randomBytes(MAX_BYTES + 1), mimeType: 'video/mp4' });
    const undeclared = nextMediaId();
    graph.media.set(undeclared, { bytes: randomBytes(MAX_BYTES + 10), mimeType: 'video/mp4', fileSize: '10' });
    for (const mediaId of [declared, undeclared]) {
      const { conversationId, message } = await contactSends({ kind: 'video', mimeType: 'video/mp4', mediaId });
      const failed = await eventually(
        () => messageOf(conversationId, message.id),
        (m) => m.media.status === 'failed',
        'failed',
      );
      expect(failed.media.failure_reason).toMatch(/over the 65536-byte limit/);
    }
    // The declared size was enough: the file itself was never asked for.
    expect(graph.mediaRequests.filter((r) => r.mediaId === declared).map((r) => r.kind)).toEqual(['lookup']);
  });

  it('does not keep a file whose SHA-256 does not match, and tries again later', async () => {
    const mediaId = nextMediaId();
    graph.media.set(mediaId, {
      bytes: randomBytes(500),
      mimeType: 'image/png',
      sha256: createHash('sha256').update('something else').digest('hex'),
    });
    const { conversationId, message } = await contactSends({ kind: 'image', mimeType: 'image/png', mediaId });
    const [row] = await eventually(
      () => api.server.database.db.select().from(mediaDownloads).where(eq(mediaDownloads.messageId, message.id)),
      (rows) => rows[0]?.attempts === 1 && rows[0]?.claimedAt === null,
      'the first attempt',
    );
    expect(row?.lastError).toContain('does not match the SHA-256');
    expect((await messageOf(conversationId, message.id)).media.status).toBe('pending');
  });

  it('fetches a file once when the same webhook comes twice', async () => {
    const mediaId = nextMediaId();
    graph.media.set(mediaId, { bytes: randomBytes(100), mimeType: 'image/webp' });
    from += 1;
    const payload = mediaMessagePayload({
      phoneNumberId: channel.phoneNumberId,
      from: String(from),
      kind: 'image',
      mimeType: 'image/webp',
      mediaId,
      wamid: `wamid.twice-${mediaId}`,
    });
    await deliverWebhook(api, payload, channel.appSecret);
    await deliverWebhook(api, payload, channel.appSecret);
    const list = await api.request('GET', `/api/conversations?q=${from}`, { token: admin });
    const messages = await api.request('GET', `/api/conversations/${list.body.items[0].id}/messages`, {
      token: admin,
    });
    expect(messages.body.items).toHaveLength(1);
    await eventually(
      () => messageOf(list.body.items[0].id, messages.body.items[0].id),
      (m) => m.media.status === 'stored',
      'stored',
    );
    expect(graph.mediaRequests.filter((r) => r.mediaId === mediaId && r.kind === 'lookup')).toHaveLength(1);
  });

  it('serves a file only to those who can see the conversation', async () => {
    const mediaId = nextMediaId();
    graph.media.set(mediaId, { bytes: randomBytes(64), mimeType: 'image/jpeg' });
    const { conversationId, message } = await contactSends({ kind: 'image', mimeType: 'image/jpeg', mediaId });
    await eventually(
      () => messageOf(conversationId, message.id),
      (m) => m.media.status === 'stored',
      'stored',
    );
    const url = `/api/conversations/${conversationId}/messages/${message.id}/media`;
    const owner = await createUserAndLogin(api, admin, { role: 'agent' });
    const other = await createUserAndLogin(api, admin, { role: 'agent' });
    // Unassigned: every agent of the company sees it.
    expect((await api.request('GET', url, { token: other.token })).status).toBe(200);
    const assigned = await api.request('POST', `/api/conversations/${conversationId}/assign`, {
      token: admin,
      body: { agent_id: owner.id },
    });
    expect(assigned.status).toBe(200);
    expect((await api.request('GET', url, { token: owner.token })).status).toBe(200);
    const hidden = await api.request('GET', url, { token: other.token });
    expect(hidden.status).toBe(404);
    expect((await api.request('POST', `${url}/retry`, { token: other.token })).status).toBe(404);
    // A message id of another conversation is not found through this one.
    const elsewhere = await contactSends({ kind: 'image', mimeType: 'image/jpeg', mediaId: nextMediaId() });
    const crossed = await api.request(
      'GET',
      `/api/conversations/${conversationId}/messages/${elsewhere.message.id}/media`,
      { token: admin },
    );
    expect(crossed.status).toBe(404);
    expect(crossed.body.code).toBe('media.not_found');
  });

  it('deletes files past MEDIA_RETENTION_DAYS and keeps the messages', async () => {
    const DAY_MS = 24 * 60 * 60 * 1000;
    const oldId = nextMediaId();
    graph.media.set(oldId, { bytes: randomBytes(200), mimeType: 'image/jpeg' });
    const old = await contactSends({ kind: 'image', mimeType: 'image/jpeg', mediaId: oldId, caption: 'Antiga' });
    const recentId = nextMediaId();
    graph.media.set(recentId, { bytes: randomBytes(200), mimeType: 'image/jpeg' });
    const recent = await contactSends({ kind: 'image', mimeType: 'image/jpeg', mediaId: recentId });
    // Never fetched (WhatsApp does not know it) and as old: its download is dropped too.
    const neverId = nextMediaId();
    graph.enqueueMediaLookup({ kind: 'error', status: 503, code: 2, message: 'Service unavailable', details: '' });
    const never = await contactSends({ kind: 'audio', mimeType: 'audio/ogg', mediaId: neverId });
    for (const { conversationId, message } of [old, recent]) {
      await eventually(
        () => messageOf(conversationId, message.id),
        (m) => m.media.status === 'stored',
        'stored',
      );
    }
    const db = api.server.database.db;
    for (const { message } of [old, never]) {
      await db
        .update(messages)
        .set({ createdAt: new Date(Date.now() - 31 * DAY_MS) })
        .where(eq(messages.id, message.id));
    }
    const [row] = await db
      .select({ companyId: messages.companyId })
      .from(messages)
      .where(eq(messages.id, old.message.id));
    const companyId = row!.companyId;
    const oldFile = join(api.config.media.dir, companyId, old.message.id);
    expect(existsSync(oldFile)).toBe(true);

    const retention = api.server.mediaRetention;
    expect(retention).toBeDefined();
    const sweep = await retention!.sweepOnce();
    expect(sweep).toMatchObject({ isLeader: true, deleted: 2, failed: 0 });

    expect(existsSync(oldFile)).toBe(false);
    expect(existsSync(join(api.config.media.dir, companyId, recent.message.id))).toBe(true);
    const kept = await messageOf(old.conversationId, old.message.id);
    expect(kept).toMatchObject({ text: 'Antiga', media: { status: 'deleted', url: null, failure_reason: null } });
    const url = `/api/conversations/${old.conversationId}/messages/${old.message.id}/media`;
    const gone = await api.request('GET', url, { token: admin });
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('media.deleted');
    expect((await api.request('POST', `${url}/retry`, { token: admin })).body.code).toBe('media.deleted');
    expect(await db.select().from(mediaDownloads).where(eq(mediaDownloads.messageId, never.message.id))).toEqual([]);
    expect((await messageOf(recent.conversationId, recent.message.id)).media.status).toBe('stored');
    // Nothing left to do: a second sweep deletes nothing.
    expect(await retention!.sweepOnce()).toMatchObject({ deleted: 0 });
  });
});
