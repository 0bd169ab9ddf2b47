/**
 * A canned response with a picture in Chromium against a real Switchboard (issue 14): an
 * admin attaches the picture in Admin › Canned responses (name and size shown), an agent
 * types `/promo` in a WhatsApp conversation, the text (variables filled in) and the
 * picture go into the composer, Enter sends both, and the Graph API stub receives the
 * upload and the image message with the text as its caption. The admin screen with the
 * file, and the composer with a reply's file attached (a long file name), fit a phone in
 * Portuguese.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { scrollsSideways, signInPtBr } from './desk-helpers';
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

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const CLARA = { name: 'Clara Dias', waId: '5511933334444' };
const PHONE = { width: 390, height: 844 };
const LONG_NAME = 'tabela-de-precos-atualizada-para-clientes-atacado-e-varejo-dezembro-2026.png';

describe('a canned response with a picture', () => {
  let api: RunningServer;
  let graph: GraphStub;
  let whatsapp: WhatsAppChannel;
  let adminSession: Session;
  let agentSession: Session;
  let adminPage: Page;
  let agentPage: Page;
  let agent: Awaited<ReturnType<typeof createUser>>;

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startServer({ WHATSAPP_GRAPH_URL: graph.url, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    whatsapp = await configureWhatsApp(api);
    agent = await createUser(api, { role: 'agent', name: 'Ana Atendente' });
    adminSession = await openSession({ baseUrl: api.baseUrl });
    adminPage = adminSession.page;
    await signIn(adminPage, ADMIN_EMAIL, ADMIN_PASSWORD);
    agentSession = await openSession({ baseUrl: api.baseUrl });
    agentPage = agentSession.page;
    await signIn(agentPage, agent.email, agent.password);
  });

  afterAll(async () => {
    await adminSession?.close();
    await agentSession?.close();
    await api?.close();
    await graph?.close();
  });

  it('lets the admin attach a picture to a company reply and shows its name and size', async () => {
    await adminPage.goto('/#/admin/canned');
    const add = adminPage.getByTestId('canned-add');
    await add.getByLabel('Shortcut', { exact: true }).fill('promo');
    await add.getByLabel('Text', { exact: true }).fill('Olá {{contact.first_name}}, veja nossa promoção!');
    await adminPage.getByTestId('canned-file').setInputFiles({ name: 'promo.png', mimeType: 'image/png', buffer: PNG });
    await add.getByRole('button', { name: 'Add' }).click();
    const row = adminPage.getByTestId('canned-table').locator('tr', { hasText: '/promo' });
    await row.getByTestId('canned-file-cell').filter({ hasText: 'promo.png' }).waitFor({ timeout: 10_000 });
    expect(await row.getByTestId('canned-file-cell').textContent()).toContain(`${PNG.length} B`);
    const listed = await api.request<{ items: { shortcut: string; attachment: unknown }[] }>(
      'GET',
      '/api/canned-responses',
      { token: agent.token },
    );
    expect(listed.body.items.find((c) => c.shortcut === 'promo')?.attachment).toEqual({
      kind: 'image',
      mime_type: 'image/png',
      filename: 'promo.png',
      size_bytes: PNG.length,
    });
  });

  it('inserts the reply and its picture with /promo and sends both to the customer on WhatsApp', async () => {
    expect(
      await deliverWebhook(api, whatsapp, textMessage(whatsapp, { from: CLARA.waId, name: CLARA.name, text: 'Oi!' })),
    ).toBe(200);
    await agentPage.goto('/#/inbox');
    await agentPage.locator('[data-testid=conversation-row]', { hasText: CLARA.name }).click({ timeout: 15_000 });
    await agentPage.getByTestId('conversation-contact').filter({ hasText: CLARA.name }).waitFor();
    const composer = agentPage.getByTestId('composer');
    await expect.poll(() => composer.isDisabled(), { timeout: 10_000 }).toBe(false);
    await composer.click();
    await composer.pressSequentially('/pro');
    await agentPage.getByTestId('canned-option').filter({ hasText: '/promo' }).waitFor({ timeout: 10_000 });
    await composer.press('Enter');
    await expect.poll(() => composer.inputValue(), { timeout: 5_000 }).toBe('Olá Clara, veja nossa promoção!');
    const attached = agentPage.getByTestId('composer-attachment');
    await attached.filter({ hasText: `${PNG.length} B` }).waitFor({ timeout: 10_000 });
    expect(await attached.textContent()).toContain('promo.png');

    await composer.press('Enter');
    await expect
      .poll(() => graph.sent.some((s) => s.to === CLARA.waId && s.body.type === 'image'), { timeout: 20_000 })
      .toBe(true);
    const upload = graph.uploads.find((u) => u.bytes.equals(PNG));
    expect(upload).toMatchObject({ type: 'image/png', filename: 'promo.png' });
    expect(graph.sent.find((s) => s.to === CLARA.waId && s.body.type === 'image')?.body.image).toEqual({
      id: upload!.mediaId,
      caption: 'Olá Clara, veja nossa promoção!',
    });
    const sent = agentPage.locator('[data-testid=message][data-direction=outbound]', {
      hasText: 'veja nossa promoção',
    });
    await sent.locator('img').waitFor({ timeout: 10_000 });
    await expect.poll(() => attached.count()).toBe(0);
    expect(await composer.inputValue()).toBe('');
  });

  it('fits Admin › Canned responses with a file on a phone in Portuguese', async () => {
    const phone = await openSession({ baseUrl: api.baseUrl, viewport: PHONE, locale: 'pt-BR' });
    try {
      await signInPtBr(phone.page, ADMIN_EMAIL, ADMIN_PASSWORD);
      await phone.page.evaluate(() => (window.location.hash = '#/admin/canned'));
      await phone.page.getByTestId('canned-file-cell').filter({ hasText: 'promo.png' }).waitFor({ timeout: 10_000 });
      await phone.page.getByTestId('canned-file-cell').getByText('Trocar arquivo').waitFor();
      const { scrollWidth, clientWidth } = await scrollsSideways(phone.page);
      expect(scrollWidth, `the page is ${scrollWidth}px wide`).toBeLessThanOrEqual(clientWidth);
    } finally {
      await phone.close();
    }
  });

  it('fits the composer with a reply’s file attached on a phone in Portuguese', async () => {
    // A company reply whose file has a long name, attached as the admin screen does.
    const admin = await api.adminToken();
    const created = await api.request<{ id: string }>('POST', '/api/canned-responses', {
      token: admin,
      body: { scope: 'company', shortcut: 'tabela', body: 'Segue a tabela de preços, {{contact.first_name}}.' },
    });
    expect(created.status).toBe(201);
    const form = new FormData();
    form.set('file', new Blob([PNG], { type: 'image/png' }), LONG_NAME);
    const attached = await fetch(`${api.baseUrl}/api/canned-responses/${created.body.id}/attachment`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}` },
      body: form,
    });
    expect(attached.status).toBe(200);

    const phone = await openSession({ baseUrl: api.baseUrl, viewport: PHONE, locale: 'pt-BR' });
    try {
      const { page } = phone;
      await signInPtBr(page, agent.email, agent.password);
      await page.evaluate(() => (window.location.hash = '#/inbox'));
      await page.locator('[data-testid=conversation-row]', { hasText: CLARA.name }).click({ timeout: 15_000 });
      const composer = page.getByTestId('composer');
      await expect.poll(() => composer.isDisabled(), { timeout: 15_000 }).toBe(false);
      await composer.click();
      await composer.pressSequentially('/tab');
      await page.getByTestId('canned-option').filter({ hasText: '/tabela' }).waitFor({ timeout: 15_000 });
      await composer.press('Enter');
      await expect.poll(() => composer.inputValue(), { timeout: 15_000 }).toBe('Segue a tabela de preços, Clara.');
      const chip = page.getByTestId('composer-attachment');
      await chip.filter({ hasText: LONG_NAME }).waitFor({ timeout: 15_000 });

      const { scrollWidth, clientWidth } = await scrollsSideways(page);
      expect(scrollWidth, `the page is ${scrollWidth}px wide`).toBeLessThanOrEqual(clientWidth);
      // The chip, its remove button, the composer and its send button each stay inside the screen.
      for (const [what, locator] of [
        ['the file chip', chip],
        ['its remove button', page.getByTestId('composer-attachment-remove')],
        ['the composer', composer],
        ['the send button', page.getByTestId('send')],
      ] as const) {
        const box = await locator.boundingBox();
        expect(box, `${what} is on the page`).not.toBeNull();
        expect(box!.x, `${what} starts at ${box!.x}px`).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width, `${what} ends at ${box!.x + box!.width}px`).toBeLessThanOrEqual(PHONE.width);
      }
    } finally {
      await phone.close();
    }
  });
});
