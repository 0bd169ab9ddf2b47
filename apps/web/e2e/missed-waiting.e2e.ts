/**
 * An agent who picks chats up by hand (in no chat queue), on a phone (390×844) in
 * Portuguese, loses the network: chats that begin waiting meanwhile are told in one toast
 * once the console is back (ADR 31), within the screen; a later reconnection tells nothing
 * again. The browser reaches the server through a proxy the test cuts.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { alertsOf, observeAlerts, scrollsSideways, signInPtBr } from './desk-helpers';
import { openSession, type Session } from './support/browser';
import { createUser, startServer, type RunningServer } from './support/server';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';
import {
  configureWhatsApp,
  deliverWebhook,
  startGraphStub,
  textMessage,
  type GraphStub,
  type WhatsAppChannel,
} from './support/whatsapp';

const PHONE = { width: 390, height: 844 };
const SHOTS = '/tmp/switchboard-mobile';
const ANA = { name: 'Ana Lima', waId: '5511900001111' };
// Long names are what push a phone layout sideways.
const WHILE_AWAY = [
  { name: 'Bruno Henrique de Albuquerque Cavalcanti', waId: '5511900002222' },
  { name: 'Carla Nunes', waId: '5511900003333' },
  { name: 'Diego Reis', waId: '5511900004444' },
];

describe('chats that began waiting while the agent’s console was away', () => {
  let api: RunningServer;
  let graph: GraphStub;
  let whatsapp: WhatsAppChannel;
  let proxy: TcpProxy;
  let session: Session;
  let page: Page;

  const deliver = async (contact: { name: string; waId: string }) =>
    expect(
      await deliverWebhook(
        api,
        whatsapp,
        textMessage(whatsapp, { from: contact.waId, name: contact.name, text: 'Olá' }),
      ),
    ).toBe(200);
  const toasts = () => page.getByTestId('work-toast');
  const chimes = async () => (await alertsOf(page)).plays.filter((id) => id === 'work-chime').length;
  const statusOf = (status: string) =>
    page.locator(`[data-testid=connection-status][data-status=${status}]`).waitFor({ timeout: 30_000 });
  /** Cuts the agent's network, lets `meanwhile` happen on the server, and brings it back. */
  const away = async (meanwhile: () => Promise<void>) => {
    proxy.cut();
    await statusOf('reconnecting');
    await meanwhile();
    proxy.restore();
    await statusOf('connected');
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    graph = await startGraphStub();
    api = await startServer({ WHATSAPP_GRAPH_URL: graph.url, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    whatsapp = await configureWhatsApp(api);
    const { hostname, port } = new URL(api.baseUrl);
    proxy = await startTcpProxy({ host: hostname, port: Number(port) });
    const agent = await createUser(api, { role: 'agent', name: 'Bia Agente', device_template: 'sip' });
    await deliver(ANA);
    session = await openSession({ baseUrl: proxy.url, viewport: PHONE, locale: 'pt-BR' });
    page = session.page;
    await session.context.grantPermissions(['notifications'], { origin: proxy.url });
    await observeAlerts(page);
    // The work centre's first read of the waiting list: it learns Ana waits, and says nothing.
    const firstRead = page.waitForResponse((response) => response.url().includes('filter=awaiting_human'));
    await signInPtBr(page, agent.email, agent.password);
    await firstRead;
    await page.evaluate(() => (window.location.hash = '#/calls'));
  });

  afterAll(async () => {
    await session?.close();
    await proxy?.close();
    await api?.close();
    await graph?.close();
  });

  it('are told in one toast that fits the phone, with one chime and one desktop notification', async () => {
    expect(await toasts().count()).toBe(0);
    await away(async () => {
      for (const contact of WHILE_AWAY) await deliver(contact);
    });

    const summary = page.getByTestId('work-summary');
    await summary.waitFor({ timeout: 30_000 });
    expect(await summary.textContent()).toBe('3 conversas aguardando');
    expect(await toasts().count()).toBe(1);
    expect(await page.getByTestId('work-customers').textContent()).toBe(
      `${WHILE_AWAY.map(({ name }) => name).join(', ')}`,
    );
    expect(await chimes()).toBe(1);
    const { notifications } = await alertsOf(page);
    expect(notifications.map(({ title }) => title)).toEqual(['3 conversas aguardando']);

    const box = await toasts().first().boundingBox();
    expect(box, 'the toast is on screen').not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    expect(box!.y + box!.height).toBeLessThanOrEqual(PHONE.height);
    const { scrollWidth, clientWidth } = await scrollsSideways(page);
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    await page.screenshot({ path: `${SHOTS}/missed-waiting.png` });
  });

  it('tells nothing again after another reconnection, and drops a chat a colleague took meanwhile', async () => {
    const carla = await api.request<{ items: { id: string }[] }>('GET', `/api/conversations?q=${WHILE_AWAY[1]!.waId}`, {
      token: await api.adminToken(),
    });
    const carlaId = carla.body.items[0]!.id;
    await away(async () => {
      const taken = await api.request('POST', `/api/conversations/${carlaId}/take`, {
        token: await api.adminToken(),
      });
      expect(taken.status).toBe(200);
    });

    await page.getByTestId('work-summary').filter({ hasText: '2 conversas aguardando' }).waitFor({ timeout: 30_000 });
    expect(await toasts().count()).toBe(1);
    expect(await chimes()).toBe(1);
    expect((await alertsOf(page)).notifications).toHaveLength(1);

    // "Abrir a mais antiga" opens the chat that has waited longest.
    const bruno = await api.request<{ items: { id: string }[] }>('GET', `/api/conversations?q=${WHILE_AWAY[0]!.waId}`, {
      token: await api.adminToken(),
    });
    await page.getByTestId('work-open').click();
    await page.waitForURL(`**/#/inbox/${bruno.body.items[0]!.id}`);
  });
});
