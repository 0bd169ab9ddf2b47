/**
 * Routing offers in Chromium against a real Switchboard: in a queue with `offer_mode:
 * accept`, an agent on another page gets a chat offer as a toast with a countdown, accepts
 * it and replies; a second agent (on a phone, in Portuguese) rejects one and it moves on
 * to the first; the status menu takes a pause reason; a closed chat of a queue with
 * wrap-up asks for a disposition, keeps asking after a reload, and stores it on the
 * conversation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { alertsOf, observeAlerts, scrollsSideways, signInPtBr } from './desk-helpers';
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

const CARLA = { name: 'Carla Dias', waId: '5511911112222' };
const DIEGO = { name: 'Diego Ramos', waId: '5511933334444' };
/** Long enough that no offer lapses while the test acts on it. */
const OFFER_TIMEOUT_SECONDS = 120;

describe('routing offers in the console', () => {
  let api: RunningServer;
  let graph: GraphStub;
  let whatsapp: WhatsAppChannel;
  let queueId = '';
  let ana: Awaited<ReturnType<typeof createUser>>;
  let bruno: Awaited<ReturnType<typeof createUser>>;
  let anaSession: Session;
  let brunoSession: Session;
  let anaPage: Page;
  let brunoPage: Page;

  const admin = async (method: 'POST' | 'PUT' | 'PATCH' | 'GET', path: string, body?: unknown) =>
    api.request<Record<string, unknown>>(method, path, { token: await api.adminToken(), body });
  const setMembers = async (members: { user_id: string; priority: number }[]) =>
    expect((await admin('PUT', `/api/queues/${queueId}/members`, members)).status).toBe(200);
  const conversationOf = async (waId: string) => {
    const list = await api.request<{ items: { id: string }[] }>('GET', `/api/conversations?q=${waId}`, {
      token: await api.adminToken(),
    });
    return list.body.items[0]?.id;
  };
  const offersOf = async (token: string) =>
    (await api.request<{ items: { id: string; conversation_id: string }[] }>('GET', '/api/routing/offers', { token }))
      .body.items;
  const toastOf = (page: Page, text: string) => page.locator('[data-testid=work-toast]', { hasText: text });

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startServer({ WHATSAPP_GRAPH_URL: graph.url, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    whatsapp = await configureWhatsApp(api);
    const queue = await admin('POST', '/api/queues', {
      name: 'Vendas',
      channels: ['whatsapp'],
      offer_mode: 'accept',
      offer_timeout_seconds: OFFER_TIMEOUT_SECONDS,
    });
    expect(queue.status).toBe(201);
    queueId = queue.body.id as string;
    expect((await admin('PUT', '/api/channels/whatsapp/routing', { default_queue_id: queueId })).status).toBe(200);
    expect((await admin('POST', '/api/presence/pause-reasons', { name: 'Almoço' })).status).toBe(201);

    ana = await createUser(api, { role: 'agent', name: 'Ana Atendente' });
    bruno = await createUser(api, { role: 'agent', name: 'Bruno Atendente' });
    // Ana is tried first (priority 0), Bruno next.
    await setMembers([
      { user_id: ana.id, priority: 0 },
      { user_id: bruno.id, priority: 1 },
    ]);

    anaSession = await openSession({ baseUrl: api.baseUrl });
    anaPage = anaSession.page;
    await anaSession.context.grantPermissions(['notifications'], { origin: api.baseUrl });
    await observeAlerts(anaPage);
    await signIn(anaPage, ana.email, ana.password);

    brunoSession = await openSession({ baseUrl: api.baseUrl, viewport: { width: 390, height: 844 }, locale: 'pt-BR' });
    brunoPage = brunoSession.page;
    await signInPtBr(brunoPage, bruno.email, bruno.password);

    for (const user of [ana, bruno]) {
      const online = await api.request('POST', '/api/presence/status', {
        token: user.token,
        body: { status: 'online' },
      });
      expect(online.status).toBe(200);
    }
    // Two browsers signing in on a busy two-core machine take longer than the default hook time.
  }, 240_000);

  afterAll(async () => {
    await anaSession?.close();
    await brunoSession?.close();
    await api?.close();
    await graph?.close();
  });

  it('offers a chat to an agent on another page with a countdown; accepting opens it and she replies', async () => {
    await anaPage.getByTestId('nav-calls').click();
    await anaPage.locator('main h1').waitFor();

    expect(
      await deliverWebhook(api, whatsapp, textMessage(whatsapp, { from: CARLA.waId, name: CARLA.name, text: 'Oi' })),
    ).toBe(200);
    // A "waiting" toast may come first (the conversation event); the offer turns it into one offer toast.
    const toast = toastOf(anaPage, CARLA.name).filter({ hasText: 'Offered to you' });
    await toast.waitFor({ timeout: 10_000 });
    expect(await toast.textContent()).toMatch(/WhatsApp.*Offered to you · Vendas/);
    // The countdown, in whole seconds, under the offer timeout.
    const countdown = await toast.locator('.countdown').textContent();
    const seconds = Number(/(\d+) s left/.exec(countdown ?? '')?.[1]);
    expect(seconds).toBeGreaterThan(0);
    // The console counts to the server's `expires_at` on the browser's clock, rounding up: one second of slack.
    expect(seconds).toBeLessThanOrEqual(OFFER_TIMEOUT_SECONDS + 1);
    await expect.poll(async () => (await alertsOf(anaPage)).plays, { timeout: 5_000 }).toContain('work-chime');
    await expect.poll(() => anaPage.title(), { timeout: 5_000 }).toBe('(1) Switchboard');
    // Bruno is not offered what Ana has (he may see it waiting, as every agent does).
    expect(await toastOf(brunoPage, CARLA.name).filter({ hasText: 'Oferecida a você' }).count()).toBe(0);

    await toast.getByTestId('offer-accept').click();
    await anaPage.getByTestId('conversation-contact').filter({ hasText: CARLA.name }).waitFor({ timeout: 10_000 });
    const carla = (await conversationOf(CARLA.waId))!;
    expect(anaPage.url()).toContain(`#/inbox/${carla}`);
    const conversation = await admin('GET', `/api/conversations/${carla}`);
    expect(conversation.body.assignee_id).toBe(ana.id);
    expect(await offersOf(ana.token)).toEqual([]);
    await expect.poll(() => anaPage.title(), { timeout: 5_000 }).toBe('Switchboard');

    await anaPage.getByTestId('composer').fill('Olá, Carla! Como posso ajudar?');
    await anaPage.getByTestId('composer').press('Enter');
    await expect
      .poll(() => graph.sent.filter((m) => m.text === 'Olá, Carla! Como posso ajudar?').length, { timeout: 10_000 })
      .toBe(1);
  });

  it('moves an offer the second agent rejects on to another agent; his phone screen fits', async () => {
    // Bruno is tried first now.
    await setMembers([
      { user_id: bruno.id, priority: 0 },
      { user_id: ana.id, priority: 1 },
    ]);
    expect(
      await deliverWebhook(
        api,
        whatsapp,
        textMessage(whatsapp, { from: DIEGO.waId, name: DIEGO.name, text: 'Bom dia' }),
      ),
    ).toBe(200);
    const toast = toastOf(brunoPage, DIEGO.name).filter({ hasText: 'Oferecida a você' });
    await toast.waitFor({ timeout: 10_000 });
    expect(await toast.textContent()).toMatch(/Oferecida a você · Vendas.*restam \d+ s/);
    const width = await scrollsSideways(brunoPage);
    expect(width.scrollWidth).toBeLessThanOrEqual(width.clientWidth);

    await toast.getByRole('button', { name: 'Recusar' }).click();
    await toast.waitFor({ state: 'detached', timeout: 10_000 });
    await toastOf(anaPage, DIEGO.name).filter({ hasText: 'Offered to you' }).waitFor({ timeout: 10_000 });
    const diego = (await conversationOf(DIEGO.waId))!;
    expect((await offersOf(ana.token)).map((offer) => offer.conversation_id)).toEqual([diego]);
    expect(await offersOf(bruno.token)).toEqual([]);
  });

  it('lets an agent go away with a pause reason, shown in his menu, on a phone in Portuguese', async () => {
    await brunoPage.getByTestId('presence-status').selectOption('away');
    const reason = brunoPage.getByTestId('presence-pause-reason');
    await reason.waitFor();
    await reason.selectOption({ label: 'Almoço' });
    await expect
      .poll(
        async () =>
          (
            await api.request<{ status: string; pause_reason: string | null }>('GET', '/api/presence/me', {
              token: bruno.token,
            })
          ).body,
        { timeout: 5_000 },
      )
      .toMatchObject({ status: 'away', pause_reason: 'Almoço' });
    await expect
      .poll(() => reason.evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.text))
      .toBe('Almoço');
    const width = await scrollsSideways(brunoPage);
    expect(width.scrollWidth).toBeLessThanOrEqual(width.clientWidth);
  });

  it('asks for a disposition after a chat of a queue with wrap-up closes, and stores it', async () => {
    expect((await admin('PATCH', `/api/queues/${queueId}`, { wrap_up_seconds: 300 })).status).toBe(200);
    const disposition = await admin('POST', '/api/dispositions', { code: 'venda', label: 'Venda feita' });
    expect(disposition.status).toBe(201);
    const carla = (await conversationOf(CARLA.waId))!;

    // On a phone, where the toasts (Diego's offer is still up) stack at the bottom.
    await anaPage.setViewportSize({ width: 390, height: 844 });
    const closed = await api.request('POST', `/api/conversations/${carla}/close`, { token: ana.token, body: {} });
    expect(closed.status).toBe(200);
    const banner = anaPage.getByTestId('wrap-up');
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.getByTestId('wrap-up-countdown').textContent()).toMatch(/^\d+ s before new work$/);

    // A reload keeps it: the console asks the server for the wrap-up and its end time.
    const secondsLeft = async () =>
      Number(/^(\d+) s/.exec((await banner.getByTestId('wrap-up-countdown').textContent()) ?? '')?.[1] ?? NaN);
    const before = await secondsLeft();
    await anaPage.reload();
    await banner.waitFor({ timeout: 15_000 });
    await expect.poll(secondsLeft, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await secondsLeft()).toBeLessThanOrEqual(before);
    await banner.getByTestId('wrap-up-disposition').selectOption({ label: 'Venda feita' });
    const width = await scrollsSideways(anaPage);
    expect(width.scrollWidth).toBeLessThanOrEqual(width.clientWidth);
    await anaPage.screenshot({ path: screenshotPath('offers-wrap-up-phone') });
    await banner.getByTestId('wrap-up-save').click({ timeout: 5_000 });
    await banner.waitFor({ state: 'detached', timeout: 10_000 });

    const stored = await api.request<{ code: string; agent_id: string }>(
      'GET',
      `/api/conversations/${carla}/disposition`,
      { token: ana.token },
    );
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ code: 'venda', agent_id: ana.id });
  });
});
