/**
 * Routing set up from the console in Chromium against a real Switchboard (issue 11): an
 * admin creates a queue that requires a skill, adds an agent as its member, gives the agent
 * the skill and a WhatsApp capacity, sends the WhatsApp channel to the queue and adds a
 * pause reason, all in Admin; then a customer's signed WhatsApp message is routed to that
 * agent, whose desk says so. The server's refusal shows on its field. An agent beyond the
 * first page of a large company is found by name or e-mail in the members dialog. The new
 * screens and their dialogs, on a phone in Portuguese, never scroll sideways.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { scrollsSideways, signInPtBr } from './desk-helpers';
import { openSession, screenshotPath, type Session } from './support/browser';
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

const CUSTOMER = { name: 'Lucía Fernández', waId: '5511977776666' };
const QUEUE = 'Suporte em espanhol';

describe('routing configured in Admin', () => {
  let api: RunningServer;
  let graph: GraphStub;
  let whatsapp: WhatsAppChannel;
  let ana: Awaited<ReturnType<typeof createUser>>;
  let adminSession: Session;
  let anaSession: Session;
  let adminPage: Page;
  let anaPage: Page;

  const admin = async <T = Record<string, any>>(method: 'GET', path: string) =>
    api.request<T>(method, path, { token: await api.adminToken() });
  const queueNamed = async (name: string) =>
    (await admin<{ items: Record<string, any>[] }>('GET', '/api/queues')).body.items.find((q) => q.name === name);
  /** Neither the page nor an open dialog is wider than the screen. */
  const fitsWidth = async (page: Page, dialog?: Locator) => {
    const width = await scrollsSideways(page);
    expect(width.scrollWidth).toBeLessThanOrEqual(width.clientWidth);
    if (dialog) {
      const inner = await dialog.evaluate((element) => ({ scroll: element.scrollWidth, client: element.clientWidth }));
      expect(inner.scroll).toBeLessThanOrEqual(inner.client);
    }
  };

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startServer({ WHATSAPP_GRAPH_URL: graph.url, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    whatsapp = await configureWhatsApp(api);
    ana = await createUser(api, { role: 'agent', name: 'Ana Atendente' });

    adminSession = await openSession({ baseUrl: api.baseUrl, viewport: { width: 1440, height: 900 } });
    adminPage = adminSession.page;
    await signIn(adminPage, ADMIN_EMAIL, ADMIN_PASSWORD);
    anaSession = await openSession({ baseUrl: api.baseUrl });
    anaPage = anaSession.page;
    await signIn(anaPage, ana.email, ana.password);
    const online = await api.request('POST', '/api/presence/status', { token: ana.token, body: { status: 'online' } });
    expect(online.status).toBe(200);
  }, 240_000);

  afterAll(async () => {
    await adminSession?.close();
    await anaSession?.close();
    await api?.close();
    await graph?.close();
  });

  it('sets up a queue with a required skill, its member, the agent’s skill and capacity, and the WhatsApp entry', async () => {
    const page = adminPage;
    await page.goto('/#/admin/queues');
    await page.getByTestId('queues-admin').waitFor();

    // The queue: WhatsApp, a required skill at level 5.
    await page.getByTestId('queue-create').click();
    const dialog = page.getByTestId('queue-dialog');
    await dialog.getByTestId('queue-name').fill(QUEUE);
    const skills = dialog.getByTestId('queue-skills');
    await skills.getByTestId('skill-add').click();
    await skills.getByTestId('skill-name').fill('Espanhol');
    await skills.getByTestId('skill-level').fill('5');
    await dialog.getByTestId('queue-save').click();
    await page.locator(`[data-testid=queue-row][data-name="${QUEUE}"]`).waitFor({ timeout: 10_000 });

    // The same name again: the server's 409 shows on the name field.
    await page.getByTestId('queue-create').click();
    await dialog.getByTestId('queue-name').fill(QUEUE);
    await dialog.getByTestId('queue-save').click();
    const name = dialog.getByTestId('queue-name');
    await expect.poll(() => name.getAttribute('aria-invalid'), { timeout: 10_000 }).toBe('true');
    const describedBy = (await name.getAttribute('aria-describedby'))!;
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe('Another queue has this name.');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // Ana as its member.
    const row = page.locator(`[data-testid=queue-row][data-name="${QUEUE}"]`);
    await row.getByTestId('queue-members').click();
    const members = page.getByTestId('members-dialog');
    await members.getByLabel('Add an agent').selectOption({ label: 'Ana Atendente (Agent)' });
    await members.getByTestId('member-add').click();
    await members.locator('[data-testid=member-row][data-name="Ana Atendente"]').waitFor();
    await members.getByTestId('members-save').click();
    await members.waitFor({ state: 'hidden', timeout: 10_000 });
    await expect.poll(() => row.getByTestId('queue-members-count').textContent(), { timeout: 10_000 }).toBe('1');

    // WhatsApp's new conversations go to it.
    const entry = page.getByTestId('entry-whatsapp');
    await entry.getByLabel('Default queue').selectOption({ label: QUEUE });
    await entry.getByTestId('entry-whatsapp-save').click();
    await entry.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: 10_000 });

    // Ana's skill (level 7 ≥ 5) and two WhatsApp chats at once, from Users.
    await page.goto('/#/admin/users');
    await page.locator(`[data-testid=user-row][data-email="${ana.email}"]`).getByTestId('user-routing').click();
    const routing = page.getByTestId('agent-routing-dialog');
    await routing.getByTestId('capacity-whatsapp').waitFor();
    await expect.poll(() => routing.getByTestId('capacity-whatsapp').inputValue(), { timeout: 10_000 }).toBe('3');
    await routing.getByTestId('skill-add').click();
    await routing.getByTestId('skill-name').fill('espanhol');
    await routing.getByTestId('skill-level').fill('7');
    await routing.getByTestId('capacity-whatsapp').fill('2');
    await routing.getByTestId('agent-routing-save').click();
    await routing.waitFor({ state: 'hidden', timeout: 10_000 });

    // A pause reason, in its own tab.
    await page.goto('/#/admin/pause-reasons');
    const add = page.getByTestId('pause-reason-add');
    await add.getByLabel('Reason').fill('Treinamento');
    await add.getByTestId('pause-reason-save').click();
    await page.locator('[data-testid=pause-reason-row][data-name="Treinamento"]').waitFor({ timeout: 10_000 });

    // What the API now holds is what was set in the console.
    const queue = (await queueNamed(QUEUE))!;
    expect(queue).toMatchObject({
      channels: ['whatsapp'],
      strategy: 'longest_idle',
      offer_mode: 'auto',
      required_skills: [{ name: 'espanhol', min_level: 5 }],
      members: [{ user_id: ana.id, priority: 0 }],
    });
    expect((await admin('GET', '/api/channels/whatsapp/routing')).body).toMatchObject({
      default_queue_id: queue.id,
      menu: null,
    });
    expect((await admin('GET', `/api/users/${ana.id}/routing`)).body).toMatchObject({
      capacity: { whatsapp: 2, voice: 1 },
      skills: [{ name: 'espanhol', level: 7 }],
    });
    const reasons = (await admin<{ items: { name: string }[] }>('GET', '/api/presence/pause-reasons')).body.items;
    expect(reasons.map((reason) => reason.name)).toEqual(['Treinamento']);
  });

  it('finds an agent beyond the first page by name or e-mail and makes them a member', async () => {
    // A company larger than one page of the picker: fifty agents first, Zuleica after them.
    const token = await api.adminToken();
    const stamp = Date.now();
    for (let i = 0; i < 50; i += 1) {
      const created = await api.request('POST', '/api/users', {
        token,
        body: {
          email: `lote${i}-${stamp}@acme.test`,
          name: `Agente Lote ${i}`,
          role: 'agent',
          password: 'password-long-enough',
        },
      });
      expect(created.status).toBe(201);
    }
    const zuleica = await api.request<{ id: string }>('POST', '/api/users', {
      token,
      body: {
        email: `zuleica.prado-${stamp}@acme.test`,
        name: 'Zuleica Prado',
        role: 'agent',
        password: 'password-long-enough',
      },
    });
    expect(zuleica.status).toBe(201);

    const page = adminPage;
    await page.goto('/#/admin/queues');
    const row = page.locator(`[data-testid=queue-row][data-name="${QUEUE}"]`);
    await row.getByTestId('queue-members').click();
    const members = page.getByTestId('members-dialog');
    const picker = members.getByLabel('Add an agent');
    const options = () => picker.locator('option').allTextContents();
    await expect.poll(options, { timeout: 10_000 }).toContain('Agente Lote 0 (Agent)');
    expect(await options()).not.toContain('Zuleica Prado (Agent)');
    await members.getByText('Showing the first 50: type a name or e-mail to find the others.').waitFor();

    // By name, then by e-mail: the server finds her.
    const search = members.getByLabel('Search by name or e-mail');
    await search.fill('prado');
    await expect.poll(options, { timeout: 10_000 }).toEqual(['Choose an agent', 'Zuleica Prado (Agent)']);
    await search.fill(`zuleica.prado-${stamp}`);
    await expect.poll(options, { timeout: 10_000 }).toEqual(['Choose an agent', 'Zuleica Prado (Agent)']);
    await picker.selectOption({ label: 'Zuleica Prado (Agent)' });
    await members.getByTestId('member-add').click();
    await members.locator('[data-testid=member-row][data-name="Zuleica Prado"]').waitFor();
    await members.getByTestId('members-save').click();
    await members.waitFor({ state: 'hidden', timeout: 10_000 });
    await expect.poll(() => row.getByTestId('queue-members-count').textContent(), { timeout: 10_000 }).toBe('2');
    const queue = (await queueNamed(QUEUE))!;
    expect((queue.members as { user_id: string }[]).map((m) => m.user_id).sort()).toEqual(
      [ana.id, zuleica.body.id].sort(),
    );
  });

  it('routes a customer’s WhatsApp message to the agent it was set up for, whose desk shows it', async () => {
    expect(
      await deliverWebhook(
        api,
        whatsapp,
        textMessage(whatsapp, { from: CUSTOMER.waId, name: CUSTOMER.name, text: 'Hola, necesito ayuda' }),
      ),
    ).toBe(200);
    const toast = anaPage.locator('[data-testid=work-toast]', { hasText: CUSTOMER.name }).filter({
      hasText: 'Assigned to you',
    });
    await toast.waitFor({ timeout: 15_000 });

    const list = await api.request<{ items: { id: string; assignee_id: string | null }[] }>(
      'GET',
      `/api/conversations?q=${CUSTOMER.waId}`,
      { token: await api.adminToken() },
    );
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]!.assignee_id).toBe(ana.id);
    const queue = (await queueNamed(QUEUE))!;
    const entries = await admin<{ items: { conversation_id: string; assigned_to: string }[] }>(
      'GET',
      `/api/queues/${queue.id}/entries?state=assigned`,
    );
    expect(entries.body.items).toEqual([
      expect.objectContaining({ conversation_id: list.body.items[0]!.id, assigned_to: ana.id }),
    ]);

    // Her inbox's "Mine" lists it.
    await anaPage.goto('/#/inbox');
    await anaPage.getByTestId('inbox-tab-mine').click();
    await anaPage.getByTestId('conversation-row').filter({ hasText: CUSTOMER.name }).waitFor({ timeout: 10_000 });
  });

  it('fits the new tabs and their dialogs on a phone in Portuguese', async () => {
    await adminSession.close();
    adminSession = await openSession({ baseUrl: api.baseUrl, viewport: { width: 390, height: 844 }, locale: 'pt-BR' });
    const page = adminSession.page;
    await signInPtBr(page, ADMIN_EMAIL, ADMIN_PASSWORD);

    await page.goto('/#/admin/queues');
    await page.locator(`[data-testid=queue-row][data-name="${QUEUE}"]`).waitFor({ timeout: 10_000 });
    await page.getByTestId('entry-whatsapp').waitFor();
    await fitsWidth(page);

    // The queue's dialog with every part open: offers, overflow to a queue, business hours, a menu.
    await page.getByTestId('queue-create').click();
    const dialog = page.getByTestId('queue-dialog');
    await dialog.getByLabel('Nome').fill('Vendas');
    await dialog.getByTestId('queue-channel-voice').check();
    await dialog.getByTestId('queue-offer-mode').selectOption('accept');
    await dialog.getByTestId('queue-overflow').selectOption('queue');
    await dialog.getByTestId('queue-overflow-queue').selectOption({ label: QUEUE });
    await dialog.getByTestId('queue-skills').getByTestId('skill-add').click();
    await dialog.getByTestId('queue-hours-on').check();
    await dialog.getByTestId('queue-range').first().waitFor();
    expect(await dialog.getByTestId('queue-range').count()).toBe(5);
    await fitsWidth(page, dialog);
    await page.screenshot({ path: screenshotPath('routing-admin-queue-phone'), fullPage: true });
    // A range that ends before it starts is refused on its field, before anything is sent.
    await dialog.getByTestId('queue-range').first().getByLabel('Até').fill('07:00');
    await dialog.getByTestId('queue-skills').getByTestId('skill-name').fill('vendas');
    await dialog.getByTestId('queue-save').click();
    await dialog.getByText('Deve ser depois do início.').waitFor();
    await dialog.getByTestId('queue-range').first().getByLabel('Até').fill('18:00');
    await dialog.getByTestId('queue-save').click();
    await page.locator('[data-testid=queue-row][data-name="Vendas"]').waitFor({ timeout: 10_000 });
    const vendas = (await queueNamed('Vendas'))!;
    expect(vendas).toMatchObject({
      channels: ['voice', 'whatsapp'],
      offer_mode: 'accept',
      overflow: { action: 'queue' },
      business_hours: { closed_action: { action: 'message', text: null } },
    });
    expect(vendas.business_hours.ranges).toHaveLength(5);
    await fitsWidth(page);

    await page.locator(`[data-testid=queue-row][data-name="${QUEUE}"]`).getByTestId('queue-members').click();
    const members = page.getByTestId('members-dialog');
    await members.locator('[data-testid=member-row]').first().waitFor();
    await fitsWidth(page, members);
    await members.getByRole('button', { name: 'Cancelar' }).click();

    // A phone number with a spoken menu.
    await page.getByTestId('did-create').click();
    const did = page.getByTestId('did-dialog');
    await did.getByTestId('did-number').fill('551130000000');
    await did.getByTestId('menu-on').check();
    await did.getByTestId('menu-label').fill('Vendas');
    await did.getByTestId('menu-queue').selectOption({ label: 'Vendas' });
    await fitsWidth(page, did);
    await did.getByTestId('did-save').click();
    await page.locator('[data-testid=did-row][data-did="551130000000"]').waitFor({ timeout: 10_000 });
    const points = await admin<{ items: Record<string, any>[] }>('GET', '/api/voice/entry-points');
    expect(points.body.items).toEqual([
      expect.objectContaining({
        did: '551130000000',
        menu: { prompt: null, options: [{ key: '1', label: 'Vendas', queue_id: vendas.id }] },
      }),
    ]);
    await fitsWidth(page);

    await page.goto('/#/admin/pause-reasons');
    await page.locator('[data-testid=pause-reason-row][data-name="Treinamento"]').waitFor({ timeout: 10_000 });
    await fitsWidth(page);

    await page.goto('/#/admin/users');
    await page.locator(`[data-testid=user-row][data-email="${ana.email}"]`).getByTestId('user-routing').click();
    const routing = page.getByTestId('agent-routing-dialog');
    await routing.getByTestId('skill-row').first().waitFor({ timeout: 10_000 });
    await fitsWidth(page, routing);
  });
});
