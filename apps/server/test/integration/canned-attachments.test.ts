/**
 * A canned response's file over HTTP (issue 14): attached, replaced and removed with the
 * text's permissions, checked by the rules of agents' outbound files (422 before anything
 * is stored), deleted from MEDIA_DIR when replaced or when the reply is deleted, invisible
 * to other agents (personal) and other companies; and the composer's way of using it — the
 * file read back and sent with the reply's text as its caption — reaching the Graph API stub
 * as a WhatsApp media message, and a web-chat conversation as an attachment.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import {
  configureWhatsApp,
  deliverWebhook,
  startGraphStub,
  textMessagePayload,
  type GraphStub,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

const png = () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2500)]);
const pdf = () => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(1500)]);
const EXE = Buffer.concat([Buffer.from([0x4d, 0x5a]), randomBytes(500)]);

describe('canned responses with a file', () => {
  let api: TestServer;
  let graph: GraphStub;
  let admin: string;
  let agent: Awaited<ReturnType<typeof createUserAndLogin>>;
  let colleague: Awaited<ReturnType<typeof createUserAndLogin>>;
  let rival: string;
  let channel: WhatsAppChannelSecrets;

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startTestServer({
      WHATSAPP_GRAPH_URL: graph.url,
      LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
      SIGNUP_ENABLED: 'true',
    });
    admin = await api.adminToken();
    agent = await createUserAndLogin(api, admin, { name: 'Ana Canned' });
    colleague = await createUserAndLogin(api, admin, { name: 'Bruno Canned' });
    channel = await configureWhatsApp(api, admin);
    const other = await api.request('POST', '/api/users/register', {
      body: { company_name: 'Rival', name: 'Rita', email: 'rita@rival-canned.test', password: 'long-enough-password' },
    });
    rival = other.body.access_token;
  });
  afterAll(async () => {
    await api.close();
    await graph.close();
  });

  const putFile = async (token: string, cannedId: string, file: [Buffer, string, string] | undefined) => {
    const form = new FormData();
    if (file) form.set('file', new Blob([file[0]], { type: file[1] }), file[2]);
    else form.set('note', 'no file');
    const response = await fetch(`${api.baseUrl}/api/canned-responses/${cannedId}/attachment`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const getFile = async (token: string, cannedId: string) => {
    const response = await fetch(`${api.baseUrl}/api/canned-responses/${cannedId}/attachment`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { response, bytes: Buffer.from(await response.arrayBuffer()) };
  };
  /** How many files under MEDIA_DIR hold exactly these bytes. */
  const storedCopies = async (bytes: Buffer): Promise<number> => {
    const dir = api.config.media.dir;
    const companies = await readdir(dir).catch(() => [] as string[]);
    let count = 0;
    for (const company of companies) {
      for (const name of await readdir(join(dir, company)).catch(() => [] as string[])) {
        if ((await readFile(join(dir, company, name))).equals(bytes)) count += 1;
      }
    }
    return count;
  };
  const createCanned = async (token: string, body: Record<string, unknown>) => {
    const created = await api.request('POST', '/api/canned-responses', { token, body });
    expect(created.status).toBe(201);
    expect(created.body.attachment).toBeNull();
    return created.body.id as string;
  };

  it('attaches, serves, replaces and removes a company reply’s file, deleting what it replaced', async () => {
    const cannedId = await createCanned(admin, { scope: 'company', shortcut: 'catalogo', body: 'Nosso catálogo.' });
    const picture = png();
    const put = await putFile(admin, cannedId, [picture, 'image/png', 'catalogo.png']);
    expect(put.status).toBe(200);
    expect(put.body.attachment).toEqual({
      kind: 'image',
      mime_type: 'image/png',
      filename: 'catalogo.png',
      size_bytes: picture.length,
    });
    expect(await storedCopies(picture)).toBe(1);

    // Everyone uses the company's replies: the agent lists it with its file and reads the bytes.
    const listed = await api.request('GET', '/api/canned-responses?q=catalogo', { token: agent.token });
    expect(listed.body.items.map((c: any) => [c.shortcut, c.attachment?.filename])).toEqual([
      ['catalogo', 'catalogo.png'],
    ]);
    const served = await getFile(agent.token, cannedId);
    expect(served.response.status).toBe(200);
    expect(served.response.headers.get('content-type')).toBe('image/png');
    expect(served.response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.bytes.equals(picture)).toBe(true);

    // Only managers change the company's file; another company does not see it at all.
    const forbidden = await putFile(agent.token, cannedId, [png(), 'image/png', 'x.png']);
    expect(forbidden.status).toBe(403);
    expect(
      (await api.request('DELETE', `/api/canned-responses/${cannedId}/attachment`, { token: agent.token })).status,
    ).toBe(403);
    expect((await getFile(rival, cannedId)).response.status).toBe(404);
    expect((await putFile(rival, cannedId, [png(), 'image/png', 'x.png'])).status).toBe(404);

    const document = pdf();
    const replaced = await putFile(admin, cannedId, [document, 'application/pdf', 'catalogo.pdf']);
    expect(replaced.status).toBe(200);
    expect(replaced.body.attachment).toMatchObject({ kind: 'document', mime_type: 'application/pdf' });
    expect(await storedCopies(picture)).toBe(0);
    expect(await storedCopies(document)).toBe(1);

    const removed = await api.request('DELETE', `/api/canned-responses/${cannedId}/attachment`, { token: admin });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ shortcut: 'catalogo', body: 'Nosso catálogo.', attachment: null });
    expect(await storedCopies(document)).toBe(0);
    const none = await getFile(agent.token, cannedId);
    expect(none.response.status).toBe(404);
    expect(JSON.parse(none.bytes.toString()).code).toBe('canned_response.no_attachment');
  });

  it('refuses a file outbound media would refuse, with a 422 naming why, and keeps the reply as it was', async () => {
    const cannedId = await createCanned(agent.token, { shortcut: 'fatura', body: 'Segue a fatura.' });
    const kept = png();
    expect((await putFile(agent.token, cannedId, [kept, 'image/png', 'fatura.png'])).status).toBe(200);

    const executable = await putFile(agent.token, cannedId, [EXE, 'application/pdf', 'fatura.pdf']);
    expect(executable.status).toBe(422);
    expect(executable.body.code).toBe('attachment.type_not_supported');
    const gif = await putFile(agent.token, cannedId, [Buffer.from('GIF89a-and-more'), 'image/gif', 'a.gif']);
    expect(gif.status).toBe(422);
    expect(gif.body.code).toBe('attachment.type_not_supported');
    const big = Buffer.concat([png(), Buffer.alloc(5 * 1024 * 1024)]);
    const tooLarge = await putFile(agent.token, cannedId, [big, 'image/png', 'grande.png']);
    expect(tooLarge.status).toBe(422);
    expect(tooLarge.body.code).toBe('attachment.too_large');
    expect(tooLarge.body.detail).toContain('5 MB');
    const missing = await putFile(agent.token, cannedId, undefined);
    expect(missing.status).toBe(400);

    const after = await api.request('GET', '/api/canned-responses?q=fatura', { token: agent.token });
    expect(after.body.items[0].attachment).toMatchObject({ filename: 'fatura.png', size_bytes: kept.length });
    expect((await getFile(agent.token, cannedId)).bytes.equals(kept)).toBe(true);
    expect(await storedCopies(big)).toBe(0);
  });

  it('finishes the answer once the file’s bytes are written, without waiting for a read past its end', async () => {
    const cannedId = await createCanned(agent.token, { shortcut: 'pronto', body: 'Segue.' });
    const document = pdf();
    expect((await putFile(agent.token, cannedId, [document, 'application/pdf', 'pronto.pdf'])).status).toBe(200);
    // On a busy machine a file read waits for a free libuv thread. Here every read that
    // would find the end of a file is held: an answer that only ends after such a read
    // stays unfinished (its connection busy, a server close waiting for it) although the
    // client already has every byte the content-length announced.
    const read = fs.read;
    const held: (() => void)[] = [];
    const spy = vi.spyOn(fs, 'read').mockImplementation((...args: unknown[]) => {
      const callback = args.pop() as (error: Error | null, bytesRead: number, buffer: Buffer) => void;
      return Reflect.apply(read, fs, [
        ...args,
        (error: Error | null, bytesRead: number, buffer: Buffer) => {
          if (!error && bytesRead === 0) held.push(() => callback(error, bytesRead, buffer));
          else callback(error, bytesRead, buffer);
        },
      ]);
    });
    const finished: Promise<void>[] = [];
    const onRequest = (request: { url?: string }, response: ServerResponse) => {
      if (request.url?.endsWith(`/${cannedId}/attachment`)) {
        finished.push(new Promise((resolve) => response.once('finish', () => resolve())));
      }
    };
    const http = api.server.app.server;
    http.on('request', onRequest);
    try {
      const served = await getFile(agent.token, cannedId);
      expect(served.response.status).toBe(200);
      expect(served.bytes.equals(document)).toBe(true);
      expect(finished).toHaveLength(1);
      const outcome = await Promise.race([
        finished[0]!.then(() => 'finished'),
        new Promise((resolve) => setTimeout(resolve, 10_000, 'still open')),
      ]);
      expect(outcome).toBe('finished');
    } finally {
      http.off('request', onRequest);
      spy.mockRestore();
      for (const release of held) release();
    }
  });

  it('keeps a personal reply’s file to its owner and deletes it with the reply', async () => {
    const cannedId = await createCanned(agent.token, { shortcut: 'meu-pdf', body: 'Meu PDF.' });
    const document = pdf();
    expect((await putFile(agent.token, cannedId, [document, 'application/pdf', 'meu.pdf'])).status).toBe(200);
    expect((await getFile(colleague.token, cannedId)).response.status).toBe(404);
    expect((await getFile(admin, cannedId)).response.status).toBe(404);
    expect((await putFile(colleague.token, cannedId, [pdf(), 'application/pdf', 'x.pdf'])).status).toBe(404);
    expect(await storedCopies(document)).toBe(1);

    expect((await api.request('DELETE', `/api/canned-responses/${cannedId}`, { token: agent.token })).status).toBe(204);
    expect(await storedCopies(document)).toBe(0);
  });

  it('sends the reply’s picture with its text as the caption: a WhatsApp media message and a web-chat attachment', async () => {
    const cannedId = await createCanned(admin, {
      scope: 'company',
      shortcut: 'promo',
      body: 'Olá {{contact.first_name}}, veja a promoção!',
    });
    const picture = png();
    expect((await putFile(admin, cannedId, [picture, 'image/png', 'promo.png'])).status).toBe(200);

    await deliverWebhook(
      api,
      textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: '5511988770001', text: 'tem promoção?' }),
      channel.appSecret,
    );
    const list = await api.request('GET', '/api/conversations?q=5511988770001', { token: admin });
    const whatsappId = list.body.items[0].id as string;
    const webchat = await api.request('POST', '/api/conversations', {
      token: admin,
      body: { channel: 'webchat', contact: { name: 'Carla Web', phone: '+5511988770002' } },
    });
    expect(webchat.status).toBe(201);

    // What the composer does: the file read with the agent's token, sent with the filled-in text.
    const { bytes, response } = await getFile(agent.token, cannedId);
    const sendWith = async (conversationId: string, caption: string) => {
      const form = new FormData();
      form.set('file', new Blob([bytes], { type: response.headers.get('content-type') ?? '' }), 'promo.png');
      form.set('caption', caption);
      const sent = await fetch(`${api.baseUrl}/api/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}` },
        body: form,
      });
      return { status: sent.status, body: (await sent.json()) as any };
    };

    const onWhatsApp = await sendWith(whatsappId, 'Olá Cliente, veja a promoção!');
    expect(onWhatsApp.status).toBe(201);
    expect(onWhatsApp.body).toMatchObject({ type: 'media', text: 'Olá Cliente, veja a promoção!' });
    await expect
      .poll(() => graph.requests.find((r) => r.body.type === 'image' && r.body.to === '5511988770001'), {
        timeout: 20_000,
        interval: 50,
      })
      .toBeTruthy();
    const upload = graph.uploads.find((u) => u.bytes.equals(picture));
    expect(upload).toBeDefined();
    const message = graph.requests.find((r) => r.body.to === '5511988770001' && r.body.type === 'image');
    expect(message?.body.image).toEqual({ id: upload!.mediaId, caption: 'Olá Cliente, veja a promoção!' });

    const onWebchat = await sendWith(webchat.body.id as string, 'Olá Carla, veja a promoção!');
    expect(onWebchat.status).toBe(201);
    expect(onWebchat.body).toMatchObject({
      type: 'media',
      text: 'Olá Carla, veja a promoção!',
      media: { kind: 'image', mime_type: 'image/png', size_bytes: picture.length },
    });
    // The reply keeps its own file: sending copied it.
    expect((await getFile(agent.token, cannedId)).bytes.equals(picture)).toBe(true);
  });
});
