/**
 * The agent's desk in Chromium against a real Switchboard without a PBX: work finds the
 * agent on any page (toast, chime, desktop notification, title and menu count), the
 * softphone owns up to having no PBX, search looks across statuses, favourites stay,
 * the waiting list serves the longest wait first, and a failed reply is explained in the
 * agent's language and sent again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { alertsOf, failedDelivery, observeAlerts, signInPtBr } from './desk-helpers';
import { openSession, type Session } from './support/browser';
import { signIn } from './support/console';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createUser, startServer, type RunningServer } from './support/server';
import {
  configureWhatsApp,
  deliverWebhook,
  startGraphStub,
  textMessage,
  type GraphStub,
  type WhatsAppChannel,
} from './support/whatsapp';

const CARLA = { name: 'Carla Dias', waId: '5511911112222' };
const DIEGO = { name: 'Diego Ramos', waId: '5511933334444' };

describe('the agent’s desk', () => {
  let api: RunningServer;
  let graph: GraphStub;
  let whatsapp: WhatsAppChannel;
  let agentUser: Awaited<ReturnType<typeof createUser>>;
  let agent: Session;
  let page: Page;
  const sockets: string[] = [];

  const deliver = async (payload: unknown) => expect(await deliverWebhook(api, whatsapp, payload)).toBe(200);
  const rowOf = (text: string) => page.locator('[data-testid=conversation-row]', { hasText: text });
  const toastOf = (text: string) => page.locator('[data-testid=work-toast]', { hasText: text });
  const conversationOf = async (waId: string) => {
    const list = await api.request<{ items: { id: string }[] }>('GET', `/api/conversations?q=${waId}`, {
      token: await api.adminToken(),
    });
    return list.body.items[0]?.id;
  };
  const adminPost = async (path: string, body: unknown = {}) =>
    api.request('POST', path, { token: await api.adminToken(), body });
  /** A contact writes in and a supervisor gives the conversation to the agent. */
  const assignedToAgent = async (name: string, waId: string) => {
    await deliver(textMessage(whatsapp, { from: waId, name, text: 'Olá' }));
    const id = (await conversationOf(waId))!;
    expect((await adminPost(`/api/conversations/${id}/assign`, { agent_id: agentUser.id })).status).toBe(200);
    return id;
  };

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startServer({ WHATSAPP_GRAPH_URL: graph.url, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    whatsapp = await configureWhatsApp(api);
    agentUser = await createUser(api, { role: 'agent', name: 'Bia Agente', device_template: 'webrtc' });
    agent = await openSession({ baseUrl: api.baseUrl });
    page = agent.page;
    await agent.context.grantPermissions(['notifications'], { origin: api.baseUrl });
    await observeAlerts(page);
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await signIn(page, agentUser.email, agentUser.password);
  });

  afterAll(async () => {
    await agent?.close();
    await api?.close();
    await graph?.close();
  });

  it('tells an agent on another page of a new chat: toast, chime, desktop notification, title and menu count', async () => {
    await page.getByTestId('nav-calls').click();
    await page.locator('main h1').waitFor();
    // Granted: no banner asks for it.
    expect(await page.getByTestId('notifications-ask').count()).toBe(0);
    expect(await page.title()).toBe('Switchboard');

    await deliver(textMessage(whatsapp, { from: CARLA.waId, name: CARLA.name, text: 'Oi, preciso de ajuda' }));
    const toast = toastOf(CARLA.name);
    await toast.waitFor();
    expect(await toast.textContent()).toMatch(/WhatsApp.*Waiting for an agent.*just now/);
    await expect.poll(async () => (await alertsOf(page)).plays, { timeout: 5_000 }).toContain('work-chime');
    expect((await alertsOf(page)).notifications).toEqual([
      { title: CARLA.name, body: expect.stringMatching(/^Waiting for an agent · WhatsApp · just now$/) },
    ]);
    await expect.poll(() => page.title(), { timeout: 5_000 }).toBe('(1) Switchboard');
    expect(await page.getByTestId('work-count').textContent()).toBe('1');

    await toast.getByTestId('work-open').click();
    await page.getByTestId('conversation-contact').filter({ hasText: CARLA.name }).waitFor();
    expect(page.url()).toContain(`#/inbox/${await conversationOf(CARLA.waId)}`);
    await expect.poll(() => page.title(), { timeout: 5_000 }).toBe('Switchboard');
    expect(await page.getByTestId('work-count').count()).toBe(0);
    expect(await page.getByTestId('work-toast').count()).toBe(0);
  });

  it('tells the agent again when a waiting chat they dismissed is assigned to them', async () => {
    await page.getByTestId('nav-calls').click();
    await deliver(textMessage(whatsapp, { from: DIEGO.waId, name: DIEGO.name, text: 'Bom dia' }));
    await toastOf(DIEGO.name).waitFor();
    await toastOf(DIEGO.name).getByRole('button', { name: 'Dismiss' }).click();
    await toastOf(DIEGO.name).waitFor({ state: 'detached' });
    // Dismissed, not handled: it still counts.
    expect(await page.title()).toBe('(1) Switchboard');
    const chimesBefore = (await alertsOf(page)).plays.length;

    const diego = (await conversationOf(DIEGO.waId))!;
    expect((await adminPost(`/api/conversations/${diego}/assign`, { agent_id: agentUser.id })).status).toBe(200);
    const toast = toastOf(DIEGO.name);
    await toast.filter({ hasText: 'Assigned to you' }).waitFor();
    await expect.poll(async () => (await alertsOf(page)).plays.length, { timeout: 5_000 }).toBe(chimesBefore + 1);
    expect(await page.title()).toBe('(1) Switchboard');
    await page.goto(`/#/inbox/${diego}`);
    await expect.poll(() => page.title(), { timeout: 5_000 }).toBe('Switchboard');
  });

  it('has no phone without a PBX: says so, registers nothing, and turns calls off with the reason', async () => {
    const badge = page.locator('[data-testid=sip-status][data-state=not_configured]');
    await badge.waitFor();
    expect(await badge.textContent()).toBe('Telephony not configured');
    expect(await page.getByTestId('pbx-not-configured').textContent()).toMatch(/No phone system \(PBX\)/);
    expect(await page.getByTestId('dial-call').isDisabled()).toBe(true);
    expect(await page.getByTestId('call-disabled-reason').textContent()).toBe(
      'Calls are off: telephony not configured.',
    );
    // Only the console's own Socket.IO connection: no SIP WebSocket was ever tried.
    expect(sockets.filter((url) => !url.includes('/socket.io/'))).toEqual([]);

    await page.goto(`/#/inbox/${(await conversationOf(CARLA.waId))!}`);
    const voice = page.getByTestId('voice-call');
    await voice.waitFor();
    expect(await voice.isDisabled()).toBe(true);
    expect(await voice.getAttribute('title')).toBe('Calls are off: telephony not configured.');
  });

  it('explains a failed reply in the agent’s language and sends it again from the thread', async () => {
    await page.goto(`/#/inbox/${(await conversationOf(CARLA.waId))!}`);
    const thread = page.getByTestId('thread');
    await thread.locator('[data-testid=message]').first().waitFor();
    await page.getByTestId('composer').fill('Olá, Carla! Já vejo isso.');
    await page.getByTestId('composer').press('Enter');
    await expect.poll(() => graph.sent.filter((m) => m.text === 'Olá, Carla! Já vejo isso.').length).toBe(1);
    const wamid = graph.sent.find((m) => m.text === 'Olá, Carla! Já vejo isso.')!.wamid;

    // One day, a separator; the customer's and the agent's messages under their names.
    expect(await thread.getByTestId('day-separator').allTextContents()).toEqual(['Today']);
    expect(await thread.getByTestId('message-author').allTextContents()).toEqual([CARLA.name, 'You']);

    await deliver(
      failedDelivery(whatsapp, {
        wamid,
        recipient: CARLA.waId,
        code: 131047,
        title: 'Re-engagement message',
        details: 'Message failed to send because more than 24 hours have passed since the customer last replied.',
      }),
    );
    const failure = thread.getByTestId('failure-reason');
    await failure.waitFor();
    expect(await failure.textContent()).toBe(
      'Not sent: More than 24 hours since the customer last wrote: WhatsApp only accepts a template now.',
    );
    expect(await thread.textContent()).not.toContain('Re-engagement');

    await thread.getByTestId('retry-message').click();
    await expect.poll(() => graph.sent.filter((m) => m.text === 'Olá, Carla! Já vejo isso.').length).toBe(2);
    await thread.locator('[data-testid=tick][data-status=sent]').waitFor();
    expect(await thread.getByTestId('failure-reason').count()).toBe(0);
    expect(await thread.locator('[data-testid=message][data-direction=outbound]').count()).toBe(1);
  });

  it('lists the waiting chats longest wait first, with how long they have waited', async () => {
    for (const [name, waId] of [
      ['Eva Moura', '5511955550001'],
      ['Fábio Lima', '5511955550002'],
      ['Gil Souto', '5511955550003'],
    ] as const) {
      await deliver(textMessage(whatsapp, { from: waId, name, text: 'Alguém aí?' }));
      // Each enters the queue after the one before.
      await expect.poll(async () => (await conversationOf(waId)) !== undefined, { timeout: 5_000 }).toBe(true);
    }
    await page.goto('/#/inbox');
    await page.getByTestId('inbox-tab-awaiting_human').click();
    await rowOf('Gil Souto').waitFor();
    const names = await page.locator('[data-testid=conversation-row] .contact-name').allTextContents();
    expect(names.filter((name) => /Eva|Fábio|Gil/.test(name))).toEqual(['Eva Moura', 'Fábio Lima', 'Gil Souto']);
    expect(await rowOf('Eva Moura').getByTestId('waiting-time').textContent()).toMatch(/^(just now|\d+ min ago)$/);
  });

  it('searches every status, and brings the chosen status back when the search is cleared', async () => {
    const resolved = await assignedToAgent('Maria Resolvida', '5511966660001');
    expect((await adminPost(`/api/conversations/${resolved}/close`, { rating: 5 })).status).toBe(200);

    await page.goto('/#/inbox');
    await page.getByTestId('inbox-tab-all').click();
    expect(await page.getByTestId('inbox-status').inputValue()).toBe('open');
    await page.getByLabel('Search name, phone or email').fill('Maria');
    await rowOf('Maria Resolvida').waitFor();
    expect(await page.getByTestId('search-all-statuses').textContent()).toMatch(/Searching every status/);
    expect(await page.getByTestId('inbox-status').inputValue()).toBe('');

    await page.getByLabel('Search name, phone or email').fill('');
    await rowOf('Maria Resolvida').waitFor({ state: 'detached' });
    expect(await page.getByTestId('inbox-status').inputValue()).toBe('open');
  });

  it('keeps a starred conversation under Favourites once it is resolved', async () => {
    const helena = await assignedToAgent('Helena Prado', '5511966660002');
    await page.goto(`/#/inbox/${helena}`);
    await page.getByTestId('favorite').click();
    await page.locator('[data-testid=favorite][aria-pressed=true]').waitFor();
    expect((await adminPost(`/api/conversations/${helena}/close`, {})).status).toBe(200);
    await page.getByTestId('conversation-status').filter({ hasText: 'Resolved' }).waitFor();

    await page.goto('/#/inbox');
    await page.getByTestId('inbox-tab-favorites').click();
    const row = rowOf('Helena Prado');
    await row.waitFor();
    expect(await row.textContent()).toContain('Resolved');
  });

  it('asks for desktop notifications once, from a click, and says how work arrives when refused', async () => {
    const admin = await openSession({ baseUrl: api.baseUrl, locale: 'pt-BR' });
    try {
      await signInPtBr(admin.page, ADMIN_EMAIL, ADMIN_PASSWORD);
      const ask = admin.page.getByTestId('notifications-ask');
      // Headless Chromium answers a request without a prompt; whatever it is, not granted.
      if (await ask.count()) await admin.page.getByTestId('notifications-enable').click();
      const denied = admin.page.getByTestId('notifications-denied');
      await denied.waitFor();
      expect(await denied.textContent()).toMatch(/As notificações estão bloqueadas neste navegador/);

      // The Channels page tells the truth about voice.
      await admin.page.goto('/#/admin/channels');
      const voice = admin.page.getByTestId('channel-voice');
      await voice.waitFor();
      await voice.filter({ hasText: 'não configurado' }).waitFor();
    } finally {
      await admin.close();
    }
  });
});
