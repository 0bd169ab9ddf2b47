/**
 * The supervisor's wallboard and reports in Chromium against a real Switchboard: the
 * board changes when a customer joins a queue (a signed WhatsApp webhook) and when an
 * agent pauses with a reason, from the socket event alone (the snapshot's re-read is held
 * back until the change shows) and with no polling (the wait ticks without a read); the
 * reports page downloads a CSV whose totals are the API's; both pages fit a phone in
 * Portuguese. How fast the board follows is not timed here (a busy machine is no clock):
 * the waits are generous, and what they prove is where the change came from.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Route } from 'playwright-core';
import { scrollsSideways, signInPtBr } from './desk-helpers';
import { openSession, type Session } from './support/browser';
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

/** A generous bound for the board to follow an event on a busy machine (not a timing claim). */
const WAIT_MS = 20_000;

/**
 * Holds back the page's reads of the wallboard snapshot until `release`: while held, what
 * the board shows can only have come from a socket event.
 */
async function holdSnapshotReads(page: Page) {
  const held: Route[] = [];
  const isSnapshot = (url: URL) => url.pathname === '/api/wallboard';
  const hold = (route: Route) => void held.push(route);
  await page.route(isSnapshot, hold);
  return {
    count: () => held.length,
    async release() {
      await page.unroute(isSnapshot, hold);
      // A read the page gave up on meanwhile (a newer one replaced it) cannot go on: fine.
      for (const route of held.splice(0)) await route.continue().catch(() => undefined);
    },
  };
}

describe('the wallboard and reports', () => {
  let api: RunningServer;
  let graph: GraphStub;
  let whatsapp: WhatsAppChannel;
  let supervisor: Session;
  let agentSession: Session;
  let page: Page;
  let queueId = '';
  let pauseReasonId = '';
  let agentUser: Awaited<ReturnType<typeof createUser>>;
  let supervisorUser: Awaited<ReturnType<typeof createUser>>;
  const requests: string[] = [];

  const card = () => page.getByTestId(`wb-queue-${queueId}`);

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startServer({ WHATSAPP_GRAPH_URL: graph.url, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    whatsapp = await configureWhatsApp(api);
    const admin = await api.adminToken();
    const queue = await api.request<{ id: string }>('POST', '/api/queues', {
      token: admin,
      body: { name: 'Suporte', channels: ['whatsapp'], service_level_seconds: 20 },
    });
    expect(queue.status).toBe(201);
    queueId = queue.body.id;
    agentUser = await createUser(api, { role: 'agent', name: 'Bia Agente' });
    supervisorUser = await createUser(api, { role: 'supervisor', name: 'Sueli Supervisora' });
    expect(
      (await api.request('PUT', `/api/queues/${queueId}/members`, { token: admin, body: [{ user_id: agentUser.id }] }))
        .status,
    ).toBe(200);
    expect(
      (
        await api.request('PUT', '/api/channels/whatsapp/routing', {
          token: admin,
          body: { default_queue_id: queueId },
        })
      ).status,
    ).toBe(200);
    const reason = await api.request<{ id: string }>('POST', '/api/presence/pause-reasons', {
      token: admin,
      body: { name: 'almoço' },
    });
    pauseReasonId = reason.body.id;

    // The agent is signed in (connected) but paused, so a customer waits.
    agentSession = await openSession({ baseUrl: api.baseUrl });
    await signIn(agentSession.page, agentUser.email, agentUser.password);
    await setAgentStatus({ status: 'away' });

    supervisor = await openSession({ baseUrl: api.baseUrl });
    page = supervisor.page;
    page.on('request', (request) => requests.push(request.url()));
    await signIn(page, supervisorUser.email, supervisorUser.password);
  });

  afterAll(async () => {
    await supervisor?.close();
    await agentSession?.close();
    await api?.close();
    await graph?.close();
  });

  const setAgentStatus = async (body: { status: string; pause_reason_id?: string }) => {
    const response = await api.request('POST', '/api/presence/status', { token: agentUser.token, body });
    expect(response.status).toBe(200);
  };

  it('shows a customer joining the queue from the event alone, with the wait ticking and no polling', async () => {
    await page.getByTestId('nav-wallboard').click();
    await card().waitFor({ timeout: WAIT_MS });
    expect(await card().getByTestId('wb-waiting').textContent()).toBe('0');
    const held = await holdSnapshotReads(page);
    const reread = page.waitForResponse((response) => response.url().endsWith('/api/wallboard'), {
      timeout: WAIT_MS,
    });

    const status = await deliverWebhook(
      api,
      whatsapp,
      textMessage(whatsapp, { from: '5511955556666', name: 'Carla Dias', text: 'Oi, preciso de ajuda' }),
    );
    expect(status).toBe(200);
    // The snapshot cannot answer yet: the customer on the board came with the event.
    await card().getByTestId('wb-waiting').filter({ hasText: /^1$/ }).waitFor({ timeout: WAIT_MS });
    await card().getByText('Carla Dias').waitFor({ timeout: WAIT_MS });
    // The event also asked for the snapshot once more (the day's figures): it is answered now.
    await expect.poll(held.count, { timeout: WAIT_MS }).toBeGreaterThan(0);
    await held.release();
    await reread;

    // Then the longest wait ticks on the page without another read: no polling.
    await card().getByTestId('wb-waiting').filter({ hasText: /^1$/ }).waitFor({ timeout: WAIT_MS });
    const first = await card().getByTestId('wb-longest').textContent();
    const reads = requests.filter((url) => url.endsWith('/api/wallboard')).length;
    await page.waitForFunction(
      ({ id, before }) =>
        document.querySelector(`[data-testid="wb-queue-${id}"] [data-testid="wb-longest"]`)?.textContent !== before,
      { id: queueId, before: first },
      { timeout: WAIT_MS },
    );
    expect(requests.filter((url) => url.endsWith('/api/wallboard')).length).toBe(reads);
  });

  it('shows the agent going to pause with a reason from the event alone', async () => {
    await setAgentStatus({ status: 'online' });
    const agentCard = page.getByTestId(`wb-agent-${agentUser.id}`);
    // Online, the agent takes the waiting customer; the board follows.
    await card().getByTestId('wb-waiting').filter({ hasText: /^0$/ }).waitFor({ timeout: WAIT_MS });
    await agentCard.locator('[data-state=busy], [data-state=available]').first().waitFor({ timeout: WAIT_MS });

    const held = await holdSnapshotReads(page);
    await setAgentStatus({ status: 'away', pause_reason_id: pauseReasonId });
    await agentCard.locator('[data-testid=wb-agent-state][data-state=paused]').waitFor({ timeout: WAIT_MS });
    expect(await agentCard.getByTestId('wb-agent-state').textContent()).toContain('almoço');
    // The count of pauses by reason is the snapshot's.
    await held.release();
    await card().getByTestId('wb-paused-reasons').filter({ hasText: 'almoço 1' }).waitFor({ timeout: WAIT_MS });
  });

  it('lets the supervisor put the agent back online with a logged reason', async () => {
    await page.getByTestId(`wb-agent-${agentUser.id}`).getByTestId('wb-force-status').click();
    const dialog = page.getByTestId('wallboard-action');
    await dialog.locator('select').first().selectOption('online');
    await dialog.getByTestId('wb-reason').fill('fila cheia');
    await dialog.getByTestId('wb-confirm').click();
    await page
      .getByTestId(`wb-agent-${agentUser.id}`)
      .locator('[data-testid=wb-agent-state]:not([data-state=paused])')
      .waitFor({ timeout: WAIT_MS });
    const actions = await api.request<{ items: { action: string; reason: string }[] }>(
      'GET',
      '/api/wallboard/actions',
      {
        token: supervisorUser.token,
      },
    );
    expect(actions.body.items[0]).toMatchObject({ action: 'force_status', reason: 'fila cheia' });
  });

  it('downloads a CSV from the reports page whose totals match the API', async () => {
    await page.getByTestId('nav-reports').click();
    await page.getByTestId('reports-totals').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('reports-csv').click()]);
    const path = await download.path();
    const csv = readFileSync(path, 'utf8');
    const [header, ...lines] = csv.trim().split('\r\n');
    const columns = header!.split(',');
    const cell = (line: string[], name: string) => line[columns.indexOf(name)] ?? '';
    const parsed = lines.map((line) => line.split(','));

    const from = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const report = await api.request<{ totals: { channel: string; offered: number; answered: number }[] }>(
      'GET',
      `/api/reports/queues?from=${from}&to=${to}`,
      { token: supervisorUser.token },
    );
    const total = report.body.totals.find((row) => row.channel === 'all')!;
    const sum = (name: string) =>
      parsed.filter((line) => cell(line, 'channel') === 'all').reduce((acc, line) => acc + Number(cell(line, name)), 0);
    expect(total.offered).toBe(1);
    expect(sum('offered')).toBe(total.offered);
    expect(sum('answered')).toBe(total.answered);
    const shown = await page.getByTestId(`reports-total-${queueId}`).locator('[data-figure=offered] dd').textContent();
    expect(Number(shown)).toBe(total.offered);
  });

  it('filters the reports by a conversation label chosen in the label select', async () => {
    const admin = await api.adminToken();
    const labelOf = async (name: string, colour: string) => {
      const created = await api.request<{ id: string }>('POST', '/api/labels', {
        token: admin,
        body: { name, colour },
      });
      expect(created.status).toBe(201);
      return created.body.id;
    };
    const vipId = await labelOf('VIP', '#c2410c');
    const wholesaleId = await labelOf('Atacado', '#1d4ed8');
    const conversations = await api.request<{ items: { id: string }[] }>('GET', '/api/conversations', {
      token: admin,
    });
    // The period's one customer (offered 1 above) gets VIP, and nothing gets Atacado.
    expect(conversations.body.items).toHaveLength(1);
    const labelled = await api.request('PUT', `/api/conversations/${conversations.body.items[0]!.id}/labels`, {
      token: admin,
      body: { label_ids: [vipId] },
    });
    expect(labelled.status).toBe(200);

    // The labels are read when the page opens.
    await page.reload();
    await page.getByTestId('reports-totals').waitFor({ timeout: 15_000 });
    const offered = async () => {
      const card = page.getByTestId(`reports-total-${queueId}`);
      return (await card.count()) === 0 ? 'none' : await card.locator('[data-figure=offered] dd').textContent();
    };
    const show = async (label: string) => {
      await page.getByTestId('reports-label').selectOption({ label });
      await page.getByRole('button', { name: 'Show', exact: true }).click();
    };

    await show('Atacado');
    await expect
      .poll(() => requests.some((url) => url.includes(`label_id=${wholesaleId}`)), { timeout: 10_000 })
      .toBe(true);
    await expect.poll(offered, { timeout: 10_000 }).toMatch(/^(0|none)$/);
    await show('VIP');
    await expect.poll(() => requests.some((url) => url.includes(`label_id=${vipId}`)), { timeout: 10_000 }).toBe(true);
    await expect.poll(offered, { timeout: 10_000 }).toBe('1');
    await show('Any label');
    await expect.poll(offered, { timeout: 10_000 }).toBe('1');
  });

  it('fits a phone in Portuguese without sideways scrolling', async () => {
    const phone = await openSession({ baseUrl: api.baseUrl, viewport: { width: 390, height: 844 }, locale: 'pt-BR' });
    try {
      await signInPtBr(phone.page, supervisorUser.email, supervisorUser.password);
      for (const [route, testId] of [
        ['#/wallboard', 'wallboard'],
        ['#/reports', 'reports-totals'],
      ] as const) {
        await phone.page.evaluate((hash) => (window.location.hash = hash), route);
        await phone.page.getByTestId(testId).waitFor();
        const { scrollWidth, clientWidth } = await scrollsSideways(phone.page);
        expect(scrollWidth, `${route} is ${scrollWidth}px wide`).toBeLessThanOrEqual(clientWidth);
      }
      expect(await phone.page.locator('h1').first().textContent()).toBe('Relatórios');
    } finally {
      await phone.close();
    }
  });
});
