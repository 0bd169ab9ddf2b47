/**
 * The console in a real browser against a real Switchboard (embedded database): an admin
 * creates an agent; an agent and a supervisor work side by side; a WhatsApp message
 * arrives through the signed webhook and the conversation is worked to the end; the
 * agent's network drops and comes back without losing an event.
 *
 * Each test asks for what it uses (support/fixtures.ts): the users, the signed-in
 * browsers and Maria's conversation are set up by the first test that needs them, not by
 * an earlier test's steps, so a failure shows once, where it happened.
 */
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Page } from 'playwright-core';
import { openSession, screenshotPath, type Session } from './support/browser';
import { signIn } from './support/console';
import { fixture } from './support/fixtures';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createUser, startServer, type RunningServer } from './support/server';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';
import {
  configureWhatsApp,
  deliverWebhook,
  deliveryStatus,
  imageMessage,
  startGraphStub,
  textMessage,
  type GraphStub,
  type WhatsAppChannel,
} from './support/whatsapp';

const AGENT = { name: 'Bia Agente', email: 'bia@acme.test', password: 'bia-password-0123' };
/** The user the admin creates through the console (the other users come from the API). */
const NEW_AGENT = { name: 'Caio Novato', email: 'caio@acme.test', password: 'caio-password-0123' };
const MARIA = { name: 'Maria Souza', waId: '5511987654321' };
const JOAO = { name: 'João Pereira', waId: '5521999990000' };
const ANA = { name: 'Ana Lima', waId: '5531988887777' };

describe('the console against a real Switchboard', () => {
  let api: RunningServer;
  let graph: GraphStub;
  let whatsapp: WhatsAppChannel;
  let proxy: TcpProxy;
  let admin: Session | undefined;

  const rowOf = (page: Page, text: string) => page.locator('[data-testid=conversation-row]', { hasText: text });
  const boardRowOf = (page: Page, name: string) => page.locator(`[data-testid=agent-row][data-agent-name="${name}"]`);
  const deliver = async (payload: unknown) => expect(await deliverWebhook(api, whatsapp, payload)).toBe(200);

  const supervisorUser = fixture('the supervisor’s account', () =>
    createUser(api, { role: 'supervisor', name: 'Sofia Supervisora', device_template: 'sip' }),
  );
  const agentUser = fixture('the agent’s account', async () => {
    const created = await api.request('POST', '/api/users', {
      token: await api.adminToken(),
      body: { ...AGENT, role: 'agent', device_template: 'sip' },
    });
    if (created.status !== 201) throw new Error(`create agent failed: ${created.status} ${created.text}`);
    return AGENT;
  });
  /** The supervisor signed in, on the supervision board. */
  const supervisorSession = fixture('the supervisor’s browser', async () => {
    const { email, password } = supervisorUser.value!;
    const session = await openSession({ baseUrl: api.baseUrl });
    await signIn(session.page, email, password);
    await session.page.getByTestId('nav-supervisor').click();
    return session;
  });
  /** The agent signed in; the browser reaches the server through a proxy the test can cut. */
  const agentSession = fixture('the agent’s browser', async () => {
    const session = await openSession({ baseUrl: proxy.url });
    await signIn(session.page, AGENT.email, AGENT.password);
    return session;
  });
  /** The agent and the supervisor, each signed in in their own browser. */
  const bothSignedIn = async (context: TestContext) => {
    await agentUser(context);
    await supervisorUser(context);
    return { supervisor: await supervisorSession(context), agent: await agentSession(context) };
  };
  /** Maria's first message, delivered through the webhook; her conversation's id. */
  const mariaConversation = fixture('Maria’s conversation', async () => {
    await deliver(textMessage(whatsapp, { from: MARIA.waId, name: MARIA.name, text: 'Olá, meu pedido não chegou' }));
    const token = (await api.login(AGENT.email, AGENT.password)).accessToken;
    const found = await api.request<{ items?: { id: string }[] }>('GET', `/api/conversations?q=${MARIA.waId}`, {
      token,
    });
    const id = found.body.items?.[0]?.id;
    if (!id) throw new Error(`Maria’s conversation was not stored: ${found.status} ${found.text}`);
    return id;
  });

  beforeAll(async () => {
    graph = await startGraphStub();
    // The Graph stub listens on loopback, which the outbound guard refuses unless allowed.
    api = await startServer({ WHATSAPP_GRAPH_URL: graph.url, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    whatsapp = await configureWhatsApp(api);
    const { hostname, port } = new URL(api.baseUrl);
    proxy = await startTcpProxy({ host: hostname, port: Number(port) });
  });

  afterAll(async () => {
    for (const session of [admin, agentSession.value, supervisorSession.value]) await session?.close();
    await proxy?.close();
    await api?.close();
    await graph?.close();
  });

  it('lets an admin create an agent, and an intercom unit with its resident', async () => {
    admin = await openSession({ baseUrl: api.baseUrl });
    const { page } = admin;
    await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('user-create').click();
    const dialog = page.getByTestId('user-dialog');
    await dialog.getByTestId('user-name').fill(NEW_AGENT.name);
    await dialog.getByTestId('user-email').fill(NEW_AGENT.email);
    await dialog.getByTestId('user-role').selectOption('agent');
    await dialog.getByTestId('user-password').fill(NEW_AGENT.password);
    await dialog.getByLabel('Device type').selectOption('sip');
    await dialog.getByTestId('user-save').click();
    const agentRow = page.locator(`[data-testid=user-row][data-email="${NEW_AGENT.email}"]`);
    await agentRow.waitFor();
    await page.screenshot({ path: screenshotPath('admin-users') });

    // The agent's SIP device: a new password is shown once.
    await agentRow.getByTestId('user-device').click();
    await page.getByTestId('device-rotate').click();
    await page.getByTestId('confirm-dialog').getByTestId('confirm-accept').click();
    expect(await page.getByTestId('device-password').textContent()).toMatch(/^\S{16,}$/);
    await page.getByTestId('device-dialog').getByRole('button', { name: 'Close' }).click();

    await page.getByRole('link', { name: 'Intercom' }).click();
    const intercom = page.getByTestId('intercom-admin');
    await intercom.getByLabel('Unit number').fill('101b');
    await intercom.getByRole('button', { name: 'Add unit' }).click();
    await intercom.getByRole('heading', { name: 'Residents of 101B' }).waitFor();
    await intercom.getByLabel('Name').fill('Dona Cida');
    await intercom.getByLabel('Phone').fill('+55 11 91234-5678');
    await intercom.getByRole('button', { name: 'Add resident' }).click();
    await intercom.getByRole('cell', { name: 'Dona Cida' }).waitFor();
    await intercom.getByText('residents: 1').waitFor();
    await page.screenshot({ path: screenshotPath('admin-intercom'), fullPage: true });
    await admin.close();
    admin = undefined;
  });

  it('shows the supervisor the agent going online', async (context) => {
    await agentUser(context);
    await supervisorUser(context);
    const supervisor = await supervisorSession(context);
    await boardRowOf(supervisor.page, AGENT.name).waitFor();
    expect(await boardRowOf(supervisor.page, AGENT.name).getAttribute('data-status')).toBe('offline');

    const agent = await agentSession(context);
    await agent.page.getByTestId('presence-message').fill('Plantão da manhã');
    await agent.page.getByTestId('presence-status').selectOption('online');

    const row = supervisor.page.locator(`[data-testid=agent-row][data-agent-name="${AGENT.name}"][data-status=online]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('Plantão da manhã');
  });

  it('puts a WhatsApp message in the agent’s inbox live, and in the supervisor’s queue', async (context) => {
    const { agent, supervisor } = await bothSignedIn(context);
    // The pages are open: the message arrives while they watch.
    const conversationId = await mariaConversation(context);

    const row = rowOf(agent.page, MARIA.name);
    await row.waitFor();
    expect(await row.textContent()).toContain('Olá, meu pedido não chegou');
    await row.getByTestId('unread').waitFor();
    expect(await row.getAttribute('data-conversation-id')).toBe(conversationId);

    await supervisor.page.locator('[data-testid=waiting-count]', { hasText: '1' }).waitFor();
    await supervisor.page.screenshot({ path: screenshotPath('supervisor-board') });
  });

  it('lets the agent take, reply with delivery ticks, star, and close with a rating', async (context) => {
    const { agent, supervisor } = await bothSignedIn(context);
    const conversationId = await mariaConversation(context);
    const { page } = agent;
    await rowOf(page, MARIA.name).click();
    const conversation = page.getByTestId('conversation');
    await conversation.getByTestId('take').click();
    await conversation.getByTestId('unassign').waitFor();

    // The supervisor watching the conversation sees the agent typing, until the reply goes.
    await supervisor.page.goto(`/#/inbox/${conversationId}`);
    await supervisor.page.getByTestId('conversation').waitFor();
    await conversation.getByTestId('composer').fill('Olá Maria! Vou verificar agora mesmo.');
    await supervisor.page
      .getByTestId('typing-indicator')
      .filter({ hasText: `${AGENT.name} typing` })
      .waitFor();
    await conversation.getByTestId('composer').press('Enter');
    await supervisor.page.getByTestId('thread').getByText('Vou verificar agora mesmo').waitFor();
    expect(await supervisor.page.getByTestId('typing-indicator').textContent()).toBe('');
    await supervisor.page.goto('/#/supervisor');
    const reply = conversation.locator('[data-testid=message][data-direction=outbound]', { hasText: 'Vou verificar' });
    await reply.locator('[data-testid=tick][data-status=sent]').waitFor();
    expect(graph.sent.at(-1)).toMatchObject({ to: MARIA.waId, text: 'Olá Maria! Vou verificar agora mesmo.' });

    // WhatsApp reports the message read: the tick follows.
    await deliver(deliveryStatus(whatsapp, { wamid: graph.sent.at(-1)!.wamid, recipient: MARIA.waId, status: 'read' }));
    await reply.locator('[data-testid=tick][data-status=read]').waitFor();
    // Her conversation left the supervisor's queue when the agent took it.
    await supervisor.page.locator('[data-testid=waiting-count]', { hasText: '0' }).waitFor();

    // Video call: the room opens for the agent and its link goes to the contact. (Jitsi is
    // answered locally: the test browser resolves no outside host.)
    await page
      .context()
      .route('https://meet.jit.si/**', (route) =>
        route.fulfill({ contentType: 'text/html', body: '<title>Jitsi Meet</title>' }),
      );
    const [room] = await Promise.all([
      page.context().waitForEvent('page'),
      conversation.getByTestId('video-call').click(),
    ]);
    await room.waitForURL(/^https:\/\/meet\.jit\.si\/./);
    await room.close();
    await page.bringToFront();
    // The link goes out after the room opens: wait for its message, then for its send.
    await conversation.locator('[data-testid=message]', { hasText: 'meet.jit.si' }).waitFor();
    await expect.poll(() => graph.sent.at(-1)?.text ?? '', { timeout: 15_000 }).toContain('https://meet.jit.si/');

    await conversation.getByTestId('favorite').click();
    await conversation.locator('[data-testid=favorite][aria-pressed=true]').waitFor();
    await page.getByTestId('inbox-tab-favorites').click();
    await rowOf(page, MARIA.name).waitFor();
    await page.getByTestId('inbox-tab-all').click();
    await page.screenshot({ path: screenshotPath('agent-conversation') });

    await conversation.getByTestId('close-conversation').click();
    const dialog = page.getByTestId('close-dialog');
    await dialog.getByTestId('rating-5').check();
    await dialog.getByTestId('close-feedback').fill('Cliente satisfeita');
    await dialog.getByTestId('close-submit').click();
    await conversation.locator('[data-testid=conversation-status]', { hasText: 'Resolved' }).waitFor();

    const stored = await api.request('GET', `/api/conversations/${conversationId}`, {
      token: (await api.login(AGENT.email, AGENT.password)).accessToken,
    });
    expect(stored.body).toMatchObject({
      status: 'resolved',
      rating: 5,
      feedback: 'Cliente satisfeita',
      favorite: true,
    });
  });

  it('loses nothing while the agent’s network is down', async (context) => {
    const { agent, supervisor } = await bothSignedIn(context);
    await mariaConversation(context);
    const { page } = agent;
    await page.goto('/#/inbox');
    await page.locator('[data-testid=connection-status][data-status=connected]').waitFor();

    proxy.cut();
    await page.locator('[data-testid=connection-status][data-status=reconnecting]').waitFor();
    // The server saw the agent's socket close: the board says so.
    await boardRowOf(supervisor.page, AGENT.name).filter({ hasText: 'disconnected' }).waitFor();

    await deliver(textMessage(whatsapp, { from: JOAO.waId, name: JOAO.name, text: 'Bom dia, quero um orçamento' }));
    await deliver(
      textMessage(whatsapp, { from: MARIA.waId, name: MARIA.name, text: 'Voltei: chegou o pedido errado' }),
    );
    await page.waitForTimeout(500);
    expect(await rowOf(page, JOAO.name).count()).toBe(0);

    proxy.restore();
    await page.locator('[data-testid=connection-status][data-status=connected]').waitFor({ timeout: 30_000 });
    await rowOf(page, JOAO.name).waitFor();
    await rowOf(page, 'Voltei: chegou o pedido errado').waitFor();
    expect(await rowOf(page, JOAO.name).count()).toBe(1);
    expect(await rowOf(page, MARIA.name).count()).toBe(1);
    await boardRowOf(supervisor.page, AGENT.name).filter({ hasNotText: 'disconnected' }).waitFor();

    await rowOf(page, MARIA.name).click();
    const thread = page.getByTestId('thread');
    await thread.locator('[data-testid=message]', { hasText: 'Voltei: chegou o pedido errado' }).waitFor();
    for (const text of ['meu pedido não chegou', 'Voltei: chegou o pedido errado']) {
      expect(await thread.locator('[data-testid=message]', { hasText: text }).count()).toBe(1);
    }
  });

  it('shows a photo a contact sends, fetched from WhatsApp', async (context) => {
    await agentUser(context);
    const { page } = await agentSession(context);
    // A 1×1 PNG: the browser must decode it, not only receive it.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
      'base64',
    );
    graph.media.set('7766554433221100', { bytes: png, mimeType: 'image/png' });
    await deliver(
      imageMessage(whatsapp, { from: ANA.waId, name: ANA.name, mediaId: '7766554433221100', caption: 'Foto da nota' }),
    );
    await page.goto('/#/inbox');
    await rowOf(page, ANA.name).click();
    const image = page.getByTestId('thread').getByTestId('media-image');
    await image.waitFor();
    expect(await image.getAttribute('alt')).toBe('Foto da nota');
    await page.waitForFunction(
      () => document.querySelector<HTMLImageElement>('[data-testid=media-image]')?.naturalWidth === 1,
    );
    expect(await image.getAttribute('src')).toMatch(/^blob:/);
  });

  it('works at phone width and in Portuguese', async (context) => {
    const { agent, supervisor } = await bothSignedIn(context);
    await mariaConversation(context);
    const { page } = agent;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/#/inbox');
    await rowOf(page, MARIA.name).waitFor();
    await page.screenshot({ path: screenshotPath('phone-inbox'), fullPage: true });
    await rowOf(page, MARIA.name).click();
    await page.getByTestId('conversation').waitFor();
    expect(await page.getByTestId('conversation-list').count()).toBe(0);
    await page.screenshot({ path: screenshotPath('phone-conversation') });

    await supervisor.page.getByTestId('user-menu').click();
    await supervisor.page.locator('#user-menu').getByTestId('language').selectOption('pt-BR');
    await supervisor.page.getByRole('heading', { name: 'Supervisão' }).waitFor();
    expect(await supervisor.page.evaluate(() => document.documentElement.lang)).toBe('pt-BR');
    await supervisor.page.screenshot({ path: screenshotPath('supervisor-board-pt-br'), fullPage: true });
  });

  it('is reachable from the keyboard', async (context) => {
    await supervisorUser(context);
    const { page } = await supervisorSession(context);
    await page.goto('/#/calls');
    await page.reload();
    await page.getByTestId('call-history').or(page.locator('.calls .empty')).first().waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip-link');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    // Tab order then walks through the screen's controls.
    const seen = new Set<string>();
    for (let i = 0; i < 12; i += 1) {
      await page.keyboard.press('Tab');
      seen.add(await page.evaluate(() => document.activeElement?.tagName ?? ''));
    }
    expect([...seen]).toEqual(expect.arrayContaining(['INPUT', 'SELECT', 'BUTTON']));
    await page.screenshot({ path: screenshotPath('calls') });
  });

  it('signs the user out everywhere', async (context) => {
    const { refreshToken } = await supervisorUser(context);
    const { page } = await supervisorSession(context);
    await page.goto('/#/profile');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('sign-out-everywhere').click();
    await page.getByLabel('E-mail').waitFor();
    const refused = await api.request('POST', '/api/users/refresh', {
      body: { refresh_token: refreshToken },
    });
    expect(refused.status).toBe(401);
  });

  it('raised no errors in the pages', (context) => {
    const sessions = [agentSession.value, supervisorSession.value].filter((session) => session !== undefined);
    context.skip(sessions.length === 0, 'no page was opened: their setup failed in an earlier test');
    const relevant = (errors: string[]) =>
      errors.filter((error) => !/ERR_CONNECTION_(RESET|REFUSED)|net::ERR_|WebSocket connection/.test(error));
    for (const session of sessions) expect(relevant(session.errors)).toEqual([]);
  });
});
