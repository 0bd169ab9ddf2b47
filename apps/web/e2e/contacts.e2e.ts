/**
 * One customer, one timeline, in Chromium against a real Switchboard whose PBX is the ARI
 * emulator and whose WhatsApp is a local Graph stub. A WhatsApp customer writes, then calls
 * the DID: the agent's console (softphone panel open) pops who is calling before answer;
 * answering opens the customer's conversation with the contact panel beside it (card,
 * attributes edited, the call with its outcome once it ends). Then the Contacts page: search,
 * edit, merge a duplicate, and the timeline shows the call (its recording playing in an
 * audio player) and the message. On a phone the panel is a sheet.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { encodeWav } from '../../server/src/integrations/audio/wav';
import { AriEmulator } from '../../server/test/support/ari-emulator';
import { callerDials, finishRecording } from '../../server/test/support/ari-emulator.queue';
import { openSession, screenshotPath, type Session } from './support/browser';
import { signIn } from './support/console';
import { createUser, startServer, type RunningServer } from './support/server';
import {
  configureWhatsApp,
  deliverWebhook,
  startGraphStub,
  textMessage,
  type GraphStub,
  type WhatsAppChannel,
} from './support/whatsapp';

const APP = 'switchboard';
const CUSTOMER = { waId: '5511987001234', name: 'Marta Quintino' };
const FIRST_TEXT = 'Olá, meu pedido 7781 ainda não chegou';

describe('contacts: screen pop, the panel beside a conversation, the Contacts page', () => {
  let ari: AriEmulator;
  let graph: GraphStub;
  let api: RunningServer;
  let whatsapp: WhatsAppChannel;
  let agent: Awaited<ReturnType<typeof createUser>>;
  let page: Page;
  let callId = '';
  const sessions: Session[] = [];
  // Where "Asterisk" leaves recordings: the test writes the call's file there.
  const recordingsDir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-recordings-'));
  const did = `551130${String(Date.now() % 1_000_000).padStart(6, '0')}`;

  const waitFor = async (predicate: () => boolean | Promise<boolean>, what: string, ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const admin = async <T = any>(method: string, path: string, body?: unknown) =>
    api.request<T>(method, path, { token: await api.adminToken(), body });
  /** The agent's phone legs Switchboard originated for a call (`queue-…,<call id>,…`). */
  const agentLegs = (id: string) =>
    ari.requests
      .filter((r) => r.method === 'POST' && r.path === '/ari/channels')
      .map((r) => ({ channelId: r.query.channelId ?? '', appArgs: (r.query.appArgs ?? '').split(',') }))
      .filter((o) => o.appArgs[1] === id && o.appArgs[0]?.startsWith('queue-'));

  beforeAll(async () => {
    ari = await AriEmulator.start({ username: 'switchboard', password: 'ari-secret' });
    graph = await startGraphStub();
    api = await startServer({
      ASTERISK_ARI_URL: ari.url,
      ASTERISK_ARI_USERNAME: 'switchboard',
      ASTERISK_ARI_PASSWORD: 'ari-secret',
      WHATSAPP_GRAPH_URL: graph.url,
      OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
      ASTERISK_RECORDINGS_DIR: recordingsDir,
    });
    await ari.waitForWebSockets(1, 20_000);
    whatsapp = await configureWhatsApp(api);
    agent = await createUser(api, { role: 'agent', name: 'Ana Agente', device_template: 'sip' });
    const queue = await admin<{ id: string }>('POST', '/api/queues', {
      name: 'Atendimento',
      channels: ['voice'],
      offer_mode: 'accept',
    });
    expect(queue.status).toBe(201);
    expect(
      (await admin('PUT', `/api/queues/${queue.body.id}/members`, [{ user_id: agent.id, priority: 0 }])).status,
    ).toBe(200);
    expect((await admin('PUT', `/api/voice/entry-points/${did}`, { default_queue_id: queue.body.id })).status).toBe(
      200,
    );
  });

  afterAll(async () => {
    for (const session of sessions) await session.close();
    await api?.close();
    await ari?.close();
    await graph?.close();
    rmSync(recordingsDir, { recursive: true, force: true });
  });

  it('pops the caller on the softphone before answer, then opens their conversation with the contact panel', async () => {
    expect(
      await deliverWebhook(
        api,
        whatsapp,
        textMessage(whatsapp, { from: CUSTOMER.waId, name: CUSTOMER.name, text: FIRST_TEXT }),
      ),
    ).toBe(200);
    const session = await openSession({ baseUrl: api.baseUrl });
    sessions.push(session);
    page = session.page;
    await signIn(page, agent.email, agent.password);
    const online = await api.request('POST', '/api/presence/status', {
      token: agent.token,
      body: { status: 'online' },
    });
    expect(online.status).toBe(200);
    await page.locator('.softphone-toggle').click();

    const caller = callerDials(ari, { channelId: `caller-${did}`, did, callerNumber: `+${CUSTOMER.waId}` });
    await waitFor(async () => {
      const active = await admin<{ items: { id: string; asterisk_unique_id: string }[] }>('GET', '/api/calls/active');
      callId = active.body.items.find((c) => c.asterisk_unique_id === caller.id)?.id ?? '';
      return callId !== '' && agentLegs(callId).length === 1;
    }, 'the agent’s phone to ring');

    // Ringing, not answered: the softphone panel says who is calling and what they wrote.
    const pop = page.getByTestId('screen-pop');
    await pop.waitFor();
    expect(await page.getByTestId('screen-pop-name').textContent()).toBe(CUSTOMER.name);
    expect(await pop.textContent()).toContain(FIRST_TEXT);
    await page.screenshot({ path: screenshotPath('contacts-screen-pop') });

    // The desk phone answers: the console opens the customer's WhatsApp conversation.
    const [leg] = agentLegs(callId);
    ari.enterStasis(leg!.channelId, leg!.appArgs, { app: APP });
    await page.getByTestId('conversation').waitFor();
    await page.waitForURL(/#\/inbox\/[0-9a-f-]{36}$/);
    expect(await page.getByTestId('conversation-contact').textContent()).toBe(CUSTOMER.name);
    await pop.waitFor({ state: 'detached' });

    // The contact panel beside it (a column on this wide window): card and attributes.
    const panel = page.getByTestId('contact-panel');
    await panel.waitFor();
    expect(await panel.getByTestId('contact-identities').textContent()).toContain(`+${CUSTOMER.waId}`);
    await panel.getByTestId('attribute-add').click();
    await panel.getByTestId('attribute-key').last().fill('pedido');
    await panel.getByTestId('attribute-value').last().fill('7781');
    await panel.getByTestId('contact-save').click();
    await panel.getByRole('status').waitFor();

    // The customer hangs up after talking; the bridge's recording is stored: the call shows
    // with its outcome in the panel.
    const record = ari.requests.filter((r) => r.method === 'POST' && /\/bridges\/.*\/record$/.test(r.path)).at(-1)!;
    expect(record).toBeDefined();
    mkdirSync(recordingsDir, { recursive: true });
    writeFileSync(join(recordingsDir, `${record.query.name}.wav`), encodeWav(Buffer.alloc(16000, 7), 8000));
    finishRecording(ari, record.query.name!, 1);
    ari.hangupChannel(caller.id);
    await waitFor(
      async () => (await admin<{ status: string }>('GET', `/api/calls/${callId}`)).body.status === 'completed',
      'the call to end',
    );
    const callItem = panel.getByTestId('contact-panel-call');
    await callItem.filter({ hasText: 'answered by Ana Agente' }).waitFor();
    await page.screenshot({ path: screenshotPath('contacts-panel') });

    const contacts = await admin<{ items: { id: string; custom_attributes: Record<string, unknown> }[] }>(
      'GET',
      `/api/contacts?q=${CUSTOMER.waId.slice(-8)}`,
    );
    expect(contacts.body.items).toHaveLength(1);
    expect(contacts.body.items[0]!.custom_attributes).toEqual({ pedido: '7781' });
  });

  it('on a phone the panel is a sheet over the conversation, opened from the header', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByTestId('conversation').waitFor();
    // Closed by default where it would cover the thread.
    expect(await page.getByTestId('contact-panel').count()).toBe(0);
    await page.getByTestId('contact-panel-toggle').click();
    const panel = page.getByTestId('contact-panel');
    await panel.getByTestId('contact-panel-call').waitFor();
    const box = await panel.boundingBox();
    expect(box!.width).toBeLessThanOrEqual(390);
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: screenshotPath('contacts-panel-phone') });
    await panel.getByTestId('contact-panel-close').click();
    await panel.waitFor({ state: 'detached' });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('the Contacts page searches, edits, merges a duplicate, and shows the call and the message in the timeline', async () => {
    const duplicate = await admin<{ id: string }>('POST', '/api/contacts', {
      name: 'Marta Q.',
      identities: [{ kind: 'email', value: 'marta@quintino.test' }],
    });
    expect(duplicate.status).toBe(201);
    // An agent may search, edit and merge contacts: the page is every role's.
    await page.goto('/#/contacts');
    await page.getByTestId('contacts-search').fill('Quintino');
    await page.getByTestId('contacts-search').press('Enter');
    const link = page.getByTestId('contact-link').filter({ hasText: CUSTOMER.name });
    await link.click();
    const card = page.getByTestId('contact-card');
    await card.waitFor();

    await card.getByTestId('contact-name').fill('Marta Quintino Souza');
    await card.getByTestId('contact-save').click();
    await card.getByRole('heading', { name: 'Marta Quintino Souza' }).waitFor();

    await card.locator('.contact-merge summary').click();
    await card.getByTestId('merge-search').fill('marta@quintino');
    await card.getByTestId('merge-search').press('Enter');
    await card.getByTestId('merge-into').click();
    await card.getByTestId('contact-identities').filter({ hasText: 'marta@quintino.test' }).waitFor();
    const gone = await admin('GET', `/api/contacts/${duplicate.body.id}`);
    expect(gone.status).toBe(404);

    const call = card.getByTestId('timeline-call');
    await call.waitFor();
    expect(await call.textContent()).toContain('Ana Agente');
    // The call's recording plays in the page (fetched with the agent's token: it was her call).
    await call.getByTestId('timeline-audio-load').click();
    const audio = call.getByTestId('timeline-audio');
    await audio.waitFor();
    expect(await audio.getAttribute('src')).toMatch(/^blob:/);
    await expect
      .poll(() => audio.evaluate((element: HTMLAudioElement) => element.duration), { timeout: 10_000 })
      .toBeGreaterThan(0.5);
    const message = card.getByTestId('timeline-message').filter({ hasText: FIRST_TEXT });
    await message.waitFor();
    await page.screenshot({ path: screenshotPath('contacts-page') });
  });
});
