/**
 * Every screen at phone size (390×844) in Brazilian Portuguese: the page never scrolls
 * sideways (tables become cards, long words wrap), and an open conversation's thread keeps
 * most of the screen; the inbox's queue panel with customers waiting too. Screenshots go to /tmp for a human to look at.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { scrollsSideways, signInPtBr } from './desk-helpers';
import { openSession, type Session } from './support/browser';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createUser, startServer, type RunningServer } from './support/server';
import { configureWhatsApp, deliverWebhook, startGraphStub, textMessage, type GraphStub } from './support/whatsapp';

const PHONE = { width: 390, height: 844 };
const SHOTS = '/tmp/switchboard-mobile';

describe('the console on a phone, in Portuguese', () => {
  let api: RunningServer;
  let graph: GraphStub;
  let session: Session;
  let page: Page;
  let whatsapp: Awaited<ReturnType<typeof configureWhatsApp>>;
  let conversationId = '';

  const shoot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

  /** The page fits the phone's width: nothing to scroll sideways. */
  const expectNoSidewaysScroll = async (screen: string) => {
    const { scrollWidth, clientWidth } = await scrollsSideways(page);
    expect(scrollWidth, `${screen} is ${scrollWidth}px wide on a ${clientWidth}px screen`).toBeLessThanOrEqual(
      clientWidth,
    );
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    graph = await startGraphStub();
    api = await startServer({ WHATSAPP_GRAPH_URL: graph.url, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    whatsapp = await configureWhatsApp(api);
    // Long names and addresses are what push a phone layout sideways.
    await createUser(api, { role: 'agent', name: 'Maria Aparecida dos Santos Figueiredo', device_template: 'sip' });
    const status = await deliverWebhook(
      api,
      whatsapp,
      textMessage(whatsapp, {
        from: '5511987654321',
        name: 'Maria Aparecida dos Santos',
        text: 'Olá! Meu pedido número 123456789 ainda não chegou e já se passaram duas semanas.',
      }),
    );
    expect(status).toBe(200);
    const list = await api.request<{ items: { id: string }[] }>('GET', '/api/conversations?q=5511987654321', {
      token: await api.adminToken(),
    });
    conversationId = list.body.items[0]!.id;
    await api.request('POST', `/api/conversations/${conversationId}/messages`, {
      token: await api.adminToken(),
      body: { text: 'Bom dia, Maria! Vou verificar o seu pedido agora mesmo.' },
    });
    session = await openSession({ baseUrl: api.baseUrl, viewport: PHONE, locale: 'pt-BR' });
    page = session.page;
  });

  afterAll(async () => {
    await session?.close();
    await api?.close();
    await graph?.close();
  });

  it('fits the sign-in screen', async () => {
    await page.goto('/');
    await page.getByTestId('language').selectOption('pt-BR');
    await page.getByLabel('Senha').waitFor();
    await shoot('login');
    await expectNoSidewaysScroll('login');
  });

  it('fits the inbox, and a conversation keeps most of the screen for its thread', async () => {
    await signInPtBr(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.locator('[data-testid=conversation-row]').first().waitFor();
    await shoot('inbox');
    await expectNoSidewaysScroll('inbox');

    await page.goto(`/#/inbox/${conversationId}`);
    const thread = page.getByTestId('thread');
    await thread.locator('[data-testid=message]').nth(1).waitFor();
    await shoot('conversation');
    await expectNoSidewaysScroll('conversation');
    const height = await thread.evaluate((element) => element.getBoundingClientRect().height);
    expect(height, `the thread is ${Math.round(height)}px of ${PHONE.height}px`).toBeGreaterThanOrEqual(
      0.6 * PHONE.height,
    );
  });

  it('fits the queue panel with customers waiting, long names included', async () => {
    const token = await api.adminToken();
    const queue = await api.request<{ id: string }>('POST', '/api/queues', {
      token,
      body: { name: 'Atendimento Pós-venda e Reclamações Gerais', channels: ['whatsapp'] },
    });
    expect(queue.status).toBe(201);
    const routed = await api.request('PUT', '/api/channels/whatsapp/routing', {
      token,
      body: { default_queue_id: queue.body.id },
    });
    expect(routed.status).toBe(200);
    // Nobody serves the queue yet: both customers wait in it.
    for (const [from, name] of [
      ['5511912340001', 'Josefina Albuquerque de Vasconcelos Pereira'],
      ['5511912340002', 'Bento'],
    ] as const) {
      expect(
        await deliverWebhook(api, whatsapp, textMessage(whatsapp, { from, name, text: 'Oi, tem alguém aí?' })),
      ).toBe(200);
    }
    await page.goto('/#/inbox');
    await page.getByTestId('queue-panel').locator('summary').click();
    await expect.poll(() => page.getByTestId('queue-entry').count(), { timeout: 15_000 }).toBe(2);
    await shoot('queue-panel');
    await expectNoSidewaysScroll('queue-panel');
  });

  it.each([
    ['calls', '/#/calls', 'call-history-or-empty'],
    ['supervisor', '/#/supervisor', 'supervisor-board'],
    ['admin-users', '/#/admin/users', 'users-admin'],
    ['admin-devices', '/#/admin/devices', 'devices-admin'],
    ['admin-channels', '/#/admin/channels', 'channel-voice'],
    ['admin-intercom', '/#/admin/intercom', 'intercom-admin'],
    ['admin-integrations', '/#/admin/integrations', 'heading'],
    ['admin-labels', '/#/admin/labels', 'heading'],
    ['admin-canned', '/#/admin/canned', 'heading'],
    ['admin-dispositions', '/#/admin/dispositions', 'heading'],
    ['admin-customer-messages', '/#/admin/customer-messages', 'customer-messages-admin'],
    ['admin-audit', '/#/admin/audit', 'heading'],
    ['contacts', '/#/contacts', 'contacts-page'],
    ['profile', '/#/profile', 'profile'],
    ['wallboard', '/#/wallboard', 'heading'],
    ['reports', '/#/reports', 'heading'],
  ])('fits the %s screen', async (name, path, testId) => {
    await page.goto(path);
    if (testId === 'call-history-or-empty' || testId === 'heading') await page.locator('main h1').first().waitFor();
    else if (testId === 'profile') await page.locator('main form').first().waitFor();
    else await page.getByTestId(testId).waitFor();
    // Lists load after the frame: wait until nothing is loading.
    await expect.poll(() => page.locator('main .loading').count(), { timeout: 10_000 }).toBe(0);
    await shoot(name);
    await expectNoSidewaysScroll(name);
  });

  it('fits the contact panel as a sheet over the conversation', async () => {
    await page.goto(`/#/inbox/${conversationId}`);
    await page.getByTestId('contact-panel-toggle').click();
    const panel = page.getByTestId('contact-panel');
    await panel.getByTestId('contact-identities').waitFor();
    await shoot('contact-panel');
    await expectNoSidewaysScroll('contact panel');
    const box = (await panel.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    await panel.getByTestId('contact-panel-close').click();
    await panel.waitFor({ state: 'detached' });
  });

  it('fits the softphone drawer, its no-PBX state written out in full', async () => {
    await page.goto('/#/inbox');
    await page.locator('.softphone-toggle').click();
    const badge = page.locator('[data-testid=sip-status][data-state=not_configured]');
    await badge.waitFor();
    expect(await badge.textContent()).toBe('Telefonia não configurada');
    // Not cut off: the badge shows all of its text.
    expect(await badge.evaluate((element) => element.scrollWidth <= element.clientWidth)).toBe(true);
    await shoot('softphone');
    await expectNoSidewaysScroll('softphone');
  });
});
