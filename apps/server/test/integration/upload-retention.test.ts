/**
 * Uploads agents and web-chat visitors make are removed UPLOAD_RETENTION_HOURS later, file
 * and row, by the media retention job (one node at a time): those never sent, and those
 * sent, whose message keeps its own copy. The server's clock is moved, not the rows.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageUploads, webchatUploads } from '../../src/db/schema/index.js';
import { eventually } from '../support/routing.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PAGE = 'http://shop.test:8080';
const HOUR_MS = 60 * 60 * 1000;
// 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('upload retention', () => {
  let api: TestServer;
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };

  beforeAll(async () => {
    api = await startTestServer({ UPLOAD_RETENTION_HOURS: '24' }, { clock });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('removes uploads a day old, sent or not, and keeps the sent message’s file', async () => {
    const admin = await api.adminToken();
    const channel = await api.request('POST', '/api/channels/webchat', {
      token: admin,
      body: { name: 'Loja', allowed_origins: [PAGE] },
    });
    expect(channel.status).toBe(201);
    const session = await api.request('POST', '/webchat/v1/sessions', {
      headers: { origin: PAGE },
      body: { channel_id: channel.body.id },
    });
    const token = session.body.token as string;
    const visitorUpload = async () => {
      const response = await fetch(`${api.baseUrl}/webchat/v1/uploads`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          origin: PAGE,
          'content-type': 'application/octet-stream',
          'x-filename': 'foto.png',
        },
        body: PNG,
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { upload_id: string }).upload_id;
    };
    const socket = io(`${api.baseUrl}/webchat`, {
      auth: { token },
      transports: ['websocket'],
      extraHeaders: { origin: PAGE },
      reconnection: false,
      forceNew: true,
    });
    const emit = (event: string, payload: unknown) =>
      new Promise<any>((resolve) => socket.emit(event, payload, resolve));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });

    // A visitor's picture sent (its message keeps a copy) and one never sent.
    const sentUploadId = await visitorUpload();
    const sent = await emit('message', { client_message_id: 'keep-0001-abc', text: null, upload_id: sentUploadId });
    expect(sent.ok).toBe(true);
    const conversationId = sent.data.conversation_id as string;
    const unsentVisitorUploadId = await visitorUpload();
    const messageOf = async () => {
      const page = await api.request('GET', `/api/conversations/${conversationId}/messages`, { token: admin });
      return page.body.items.find((m: any) => m.media) as { id: string; media: { status: string } } | undefined;
    };
    const stored = await eventually(
      async () => {
        const message = await messageOf();
        return message?.media.status === 'stored' && message;
      },
      'the picture stored',
      20_000,
    );

    // An agent's file uploaded in the console and never sent.
    const form = new FormData();
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'rascunho.png');
    const agentUpload = await fetch(`${api.baseUrl}/api/conversations/${conversationId}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
      body: form,
    });
    expect(agentUpload.status).toBe(201);
    const agentUploadId = ((await agentUpload.json()) as { upload_id: string }).upload_id;

    const db = api.server.database.db;
    const [row] = await db.select().from(messageUploads).where(eq(messageUploads.id, agentUploadId));
    const fileOf = (id: string) => join(api.config.media.dir, row!.companyId, id);
    const uploads = [sentUploadId, unsentVisitorUploadId, agentUploadId];
    for (const id of uploads) expect(existsSync(fileOf(id))).toBe(true);

    const retention = api.server.mediaRetention;
    expect(retention).toBeDefined();
    offsetMs = 23 * HOUR_MS;
    expect(await retention!.sweepOnce()).toMatchObject({ isLeader: true, deleted: 0, uploadsDeleted: 0 });
    for (const id of uploads) expect(existsSync(fileOf(id))).toBe(true);

    offsetMs = 25 * HOUR_MS;
    expect(await retention!.sweepOnce()).toMatchObject({ isLeader: true, deleted: 3, failed: 0, uploadsDeleted: 3 });
    for (const id of uploads) expect(existsSync(fileOf(id))).toBe(false);
    expect(await db.select().from(messageUploads).where(eq(messageUploads.id, agentUploadId))).toEqual([]);
    expect(await db.select().from(webchatUploads).where(eq(webchatUploads.companyId, row!.companyId))).toEqual([]);
    // The message's own copy stays: it goes with MEDIA_RETENTION_DAYS, not with the upload.
    expect(existsSync(fileOf(stored.id))).toBe(true);
    expect(await retention!.sweepOnce()).toMatchObject({ deleted: 0 });
    socket.disconnect();
  });
});
