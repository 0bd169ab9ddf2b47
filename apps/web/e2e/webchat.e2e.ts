/**
 * The web-chat widget in Chromium (issue 14): a shop's page on another origin (its own
 * 127.0.0.1 port) embeds the snippet; a visitor chats with an agent working in the console
 * (two browser contexts), reloads and keeps the thread, sends a picture, and rates the
 * closed conversation with stars. A page of an origin the channel does not allow gets no
 * widget and its socket is refused.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrollsSideways, signInPtBr } from './desk-helpers';
import { openSession, type Session } from './support/browser';
import { signIn } from './support/console';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createUser, SERVER_DIR, startServer, type RunningServer } from './support/server';

// 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** A shop's page with the snippet, on a port of its own: another origin than Switchboard's. */
async function startShop(snippet: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html lang="pt-BR"><head><title>Loja</title></head>
      <body><h1>Loja da Rua</h1>${snippet}</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('web chat from a page on another origin', () => {
  let api: RunningServer;
  let shop: Awaited<ReturnType<typeof startShop>>;
  let stranger: Awaited<ReturnType<typeof startShop>>;
  let agent: Awaited<ReturnType<typeof createUser>>;
  let agentSession: Session;
  let visitorSession: Session;
  let agentPage: Page;
  let visitorPage: Page;
  let channelId = '';
  let conversationId = '';

  const admin = async (method: 'POST' | 'PUT' | 'GET', path: string, body?: unknown) =>
    api.request<Record<string, any>>(method, path, { token: await api.adminToken(), body });
  const widget = (page: Page) => page.locator('#switchboard-webchat');

  beforeAll(async () => {
    // The widget's bundle, as `npm run build` makes it.
    execFileSync(process.execPath, [fileURLToPath(new URL('widget/build.mjs', `file://${SERVER_DIR}/`))]);
    api = await startServer();
    const queue = await admin('POST', '/api/queues', { name: 'Site', channels: ['webchat'] });
    expect(queue.status).toBe(201);
    agent = await createUser(api, { role: 'agent', name: 'Ana Atendente' });
    expect((await admin('PUT', `/api/queues/${queue.body.id}/members`, [{ user_id: agent.id }])).status).toBe(200);
    expect((await admin('PUT', '/api/settings/customer-messages', { rating_enabled: true })).status).toBe(200);

    // The snippet names the channel, which must exist before the page's origin is known: created, then allowed.
    const channel = await admin('POST', '/api/channels/webchat', {
      name: 'Loja da Rua',
      greeting: 'Olá! Em que podemos ajudar?',
      prechat_fields: { name: 'required', email: 'optional', phone: 'off' },
      default_queue_id: queue.body.id,
      colors: { primary: '#0b7a3b', text: '#ffffff' },
    });
    expect(channel.status).toBe(201);
    channelId = channel.body.id as string;
    const snippet = channel.body.embed_snippet as string;
    expect(snippet).toBe(`<script src="${api.baseUrl}/widget.js" data-channel="${channelId}" async></script>`);
    shop = await startShop(snippet);
    stranger = await startShop(snippet);
    expect((await admin('PUT', `/api/channels/webchat/${channelId}`, { allowed_origins: [shop.url] })).status).toBe(
      200,
    );

    agentSession = await openSession({ baseUrl: api.baseUrl });
    agentPage = agentSession.page;
    await signIn(agentPage, agent.email, agent.password);
    const online = await api.request('POST', '/api/presence/status', {
      token: agent.token,
      body: { status: 'online' },
    });
    expect(online.status).toBe(200);
    visitorSession = await openSession({ baseUrl: shop.url, locale: 'pt-BR' });
    visitorPage = visitorSession.page;
  });

  afterAll(async () => {
    await agentSession?.close();
    await visitorSession?.close();
    await api?.close();
    await shop?.close();
    await stranger?.close();
  });

  it('a visitor writes from the shop and the agent answers from the inbox', async () => {
    await visitorPage.goto('/');
    await widget(visitorPage).locator('.launcher').click();
    await widget(visitorPage).getByText('Olá! Em que podemos ajudar?').waitFor();
    await widget(visitorPage).getByPlaceholder('Nome').fill('Carla Cliente');
    await widget(visitorPage).getByPlaceholder('Escreva sua mensagem…').fill('Oi, o pedido 123 atrasou');
    await widget(visitorPage).getByRole('button', { name: 'Iniciar conversa' }).click();
    await widget(visitorPage).locator('.message.mine', { hasText: 'Oi, o pedido 123 atrasou' }).waitFor();

    // Routed to the channel's queue and assigned to the agent, who is its only member.
    await expect
      .poll(
        async () => {
          const list = await admin('GET', '/api/conversations?channel=webchat');
          const items = list.body.items as { id: string; assignee_id: string | null }[];
          conversationId = items.find((c) => c.assignee_id === agent.id)?.id ?? '';
          return conversationId;
        },
        { timeout: 20_000 },
      )
      .not.toBe('');
    await widget(visitorPage).getByText('Ana Atendente está atendendo você.').waitFor({ timeout: 20_000 });

    await agentPage.goto('/#/inbox');
    const row = agentPage.locator('.tag.channel-webchat').first();
    await row.waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toBe('Web chat');
    await agentPage.goto(`/#/inbox/${conversationId}`);
    await agentPage.getByTestId('conversation-contact').filter({ hasText: 'Carla Cliente' }).waitFor();
    await agentPage.getByTestId('message').filter({ hasText: 'Oi, o pedido 123 atrasou' }).waitFor();
    await agentPage.getByTestId('composer').fill('Olá Carla, vou verificar o pedido.');
    await agentPage.getByTestId('composer').press('Enter');
    await widget(visitorPage)
      .locator('.message.theirs', { hasText: 'Olá Carla, vou verificar o pedido.' })
      .waitFor({ timeout: 20_000 });
    // The widget is open on the visitor's page: the agent's message turns read in the console.
    await agentPage
      .getByTestId('message')
      .filter({ hasText: 'Olá Carla, vou verificar o pedido.' })
      .locator('[data-testid=tick][data-status=read]')
      .waitFor({ timeout: 20_000 });
  });

  it('keeps the thread through a reload', async () => {
    await visitorPage.reload();
    await widget(visitorPage).locator('.launcher').click();
    await widget(visitorPage).locator('.message.theirs', { hasText: 'Olá Carla, vou verificar o pedido.' }).waitFor();
    const texts = await widget(visitorPage).locator('.message').allTextContents();
    expect(texts).toEqual(['Oi, o pedido 123 atrasou', 'Olá Carla, vou verificar o pedido.']);
  });

  it('sends a picture the agent sees in the thread', async () => {
    await widget(visitorPage)
      .locator('input[type=file]')
      .setInputFiles({ name: 'comprovante.png', mimeType: 'image/png', buffer: PNG });
    await widget(visitorPage).locator('.message.mine img').waitFor({ timeout: 20_000 });
    // Fetched from the visitor's upload and stored: the console shows it as a picture.
    await agentPage.locator('[data-testid=media][data-status=stored][data-kind=image]').waitFor({ timeout: 20_000 });
    const messages = await admin('GET', `/api/conversations/${conversationId}/messages`);
    const picture = (messages.body.items as { media: { filename: string; status: string } | null }[]).find(
      (m) => m.media,
    );
    expect(picture?.media).toMatchObject({ filename: 'comprovante.png', status: 'stored' });
  });

  it('asks for stars when the conversation closes and stores the customer’s rating', async () => {
    expect((await admin('POST', `/api/conversations/${conversationId}/close`, {})).status).toBe(200);
    const fifth = widget(visitorPage).locator('.stars button[data-score="5"]');
    await fifth.waitFor({ timeout: 20_000 });
    await fifth.click();
    await widget(visitorPage).locator('.rated', { hasText: '★★★★★' }).waitFor();
    // The company's thanks (customer messages, pt-BR by default) reaches the widget.
    await widget(visitorPage).locator('.message.theirs', { hasText: 'Obrigado pela avaliação' }).waitFor();
    await expect
      .poll(async () => (await admin('GET', `/api/conversations/${conversationId}`)).body, { timeout: 20_000 })
      .toMatchObject({ rating: 5, rated_by: 'customer' });
  });

  it('gives a page of another origin no widget, and refuses its socket', async () => {
    const page = await visitorSession.context.newPage();
    // The widget asks for its channel and is refused: it never shows. (Waiting for the
    // refusal itself, not for an idle network, which a busy machine may never reach.)
    const refused = page.waitForResponse((response) => response.url().includes('/webchat/v1/'), {
      timeout: 30_000,
    });
    await page.goto(stranger.url);
    await page.locator('h1').waitFor();
    await refused;
    expect(await widget(page).count()).toBe(0);
    // A valid token carried to the other page is still refused there, on the socket itself.
    const session = await api.request<{ token: string }>('POST', '/webchat/v1/sessions', {
      headers: { origin: shop.url },
      body: { channel_id: channelId, name: 'Eva' },
    });
    const reply = await page.evaluate(
      ({ base, token }) =>
        new Promise<string>((resolve) => {
          const socket = new WebSocket(`${base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
          socket.onmessage = (event) => {
            const data = String(event.data);
            if (data.startsWith('0')) socket.send(`40/webchat,${JSON.stringify({ token })}`);
            else if (data.startsWith('4')) resolve(data);
          };
          socket.onerror = () => resolve('error');
        }),
      { base: api.baseUrl, token: session.body.token },
    );
    expect(reply).toMatch(/^44\/webchat,.*webchat\.origin_not_allowed/);
    await page.close();
  });

  it('an admin adds a web-chat channel in the console and gets its snippet', async () => {
    const adminSession = await openSession({ baseUrl: api.baseUrl });
    try {
      const page = adminSession.page;
      await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto('/#/admin/channels');
      const form = page.getByTestId('webchat-form');
      await form.getByLabel('Name', { exact: true }).fill('Blog');
      await form.getByLabel('Allowed sites').fill('https://blog.example.com');
      await form.getByLabel('Ask the e-mail').selectOption('required');
      await form.getByLabel('Default queue').selectOption({ label: 'Site' });
      await form.getByRole('button', { name: 'Add' }).click();
      const row = page.getByTestId('webchat-table').locator('tr', { hasText: 'Blog' });
      await row.waitFor({ timeout: 10_000 });
      expect(await row.textContent()).toContain('https://blog.example.com');
      const snippet = await row.getByTestId('webchat-snippet').textContent();
      expect(snippet).toMatch(
        new RegExp(`^<script src="${api.baseUrl}/widget.js" data-channel="[0-9a-f-]{36}" async></script>$`),
      );
      const channels = await admin('GET', '/api/channels/webchat');
      expect(channels.body.items.find((c: { name: string }) => c.name === 'Blog')).toMatchObject({
        allowed_origins: ['https://blog.example.com'],
        prechat_fields: { name: 'optional', email: 'required', phone: 'off' },
      });
    } finally {
      await adminSession.close();
    }
  });

  it('shows the configured channels and their snippets on a 390-px phone in pt-BR, without sideways scroll', async () => {
    const phone = await openSession({ baseUrl: api.baseUrl, viewport: { width: 390, height: 844 }, locale: 'pt-BR' });
    try {
      const page = phone.page;
      await signInPtBr(page, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto('/#/admin/channels');
      const table = page.getByTestId('webchat-table');
      await table.getByText('Loja da Rua', { exact: true }).first().waitFor({ timeout: 10_000 });
      await page.getByText('Código para o site').first().waitFor();
      const snippet = page.getByTestId('webchat-snippet').first();
      expect(await snippet.textContent()).toContain(`data-channel="${channelId}"`);
      const box = await snippet.boundingBox();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
      const { scrollWidth, clientWidth } = await scrollsSideways(page);
      expect(scrollWidth, `Admin › Canais is ${scrollWidth}px wide on a ${clientWidth}px screen`).toBeLessThanOrEqual(
        clientWidth,
      );
    } finally {
      await phone.close();
    }
  });
});
