/**
 * Agent productivity in Chromium against a real Switchboard (issue 14): a canned response
 * inserted with `/` and its variables filled in, a private note whose `@mention` reaches a
 * second agent on another page (toast, chime, desktop notification) and is never a message,
 * and the inbox's label filter; the second agent works on a phone in Portuguese and the
 * page never scrolls sideways.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { alertsOf, observeAlerts, scrollsSideways, signInPtBr } from './desk-helpers';
import { openSession, type Session } from './support/browser';
import { signIn } from './support/console';
import { createUser, startServer, type RunningServer } from './support/server';

describe('canned responses, private notes and labels in the console', () => {
  let api: RunningServer;
  let ana: Awaited<ReturnType<typeof createUser>>;
  let bruno: Awaited<ReturnType<typeof createUser>>;
  let anaSession: Session;
  let brunoSession: Session;
  let anaPage: Page;
  let brunoPage: Page;
  let maria = '';
  let joao = '';
  let vipId = '';

  const admin = async (method: 'POST' | 'PUT' | 'GET', path: string, body?: unknown) =>
    api.request<Record<string, any>>(method, path, { token: await api.adminToken(), body });
  const conversationWith = async (name: string, phone: string) => {
    const created = await admin('POST', '/api/conversations', { channel: 'webchat', contact: { name, phone } });
    expect(created.status).toBe(201);
    // Created by the admin, it is theirs: back to the queue, where both agents see it.
    const id = created.body.id as string;
    if (created.body.assignee_id) expect((await admin('POST', `/api/conversations/${id}/unassign`)).status).toBe(200);
    return id;
  };

  beforeAll(async () => {
    api = await startServer();
    const vip = await admin('POST', '/api/labels', { name: 'VIP', colour: '#c2410c' });
    expect(vip.status).toBe(201);
    vipId = vip.body.id as string;
    const canned = await admin('POST', '/api/canned-responses', {
      scope: 'company',
      shortcut: 'ola',
      body: 'Olá {{contact.first_name}}, aqui é {{agent.name}}. Como posso ajudar?',
    });
    expect(canned.status).toBe(201);
    maria = await conversationWith('Maria Souza', '+5511955550001');
    joao = await conversationWith('João Lima', '+5511955550002');

    ana = await createUser(api, { role: 'agent', name: 'Ana Atendente' });
    bruno = await createUser(api, { role: 'agent', name: 'Bruno Atendente' });
    anaSession = await openSession({ baseUrl: api.baseUrl });
    anaPage = anaSession.page;
    await signIn(anaPage, ana.email, ana.password);

    brunoSession = await openSession({ baseUrl: api.baseUrl, viewport: { width: 390, height: 844 }, locale: 'pt-BR' });
    brunoPage = brunoSession.page;
    await brunoSession.context.grantPermissions(['notifications'], { origin: api.baseUrl });
    await observeAlerts(brunoPage);
    await signInPtBr(brunoPage, bruno.email, bruno.password);
  });

  afterAll(async () => {
    await anaSession?.close();
    await brunoSession?.close();
    await api?.close();
  });

  it('inserts a canned response with / and fills in the contact and agent', async () => {
    await anaPage.goto(`/#/inbox/${maria}`);
    await anaPage.getByTestId('conversation-contact').filter({ hasText: 'Maria Souza' }).waitFor();
    const composer = anaPage.getByTestId('composer');
    await composer.click();
    await composer.pressSequentially('/ol');
    const option = anaPage.getByTestId('canned-option').filter({ hasText: '/ola' });
    await option.waitFor({ timeout: 10_000 });
    await composer.press('Enter');
    await expect
      .poll(() => composer.inputValue(), { timeout: 5_000 })
      .toBe('Olá Maria, aqui é Ana Atendente. Como posso ajudar?');
    await expect.poll(() => anaPage.getByTestId('canned-picker').count()).toBe(0);
    await composer.press('Enter');
    await anaPage
      .getByTestId('message')
      .filter({ hasText: 'Olá Maria, aqui é Ana Atendente.' })
      .waitFor({ timeout: 10_000 });
  });

  it('adds a private note whose mention reaches the second agent on another page', async () => {
    await brunoPage.getByTestId('nav-calls').click();
    await brunoPage.locator('main h1').waitFor();

    await anaPage.getByTestId('composer-mode-note').click();
    const composer = anaPage.getByTestId('composer');
    await composer.fill('@Bruno Atendente pode confirmar o endereço da Maria?');
    await composer.press('Enter');
    const note = anaPage.locator('[data-testid=message][data-note=true]', { hasText: 'pode confirmar o endereço' });
    await note.waitFor({ timeout: 10_000 });
    expect(await note.textContent()).toContain('Private note');

    const toast = brunoPage.locator('[data-testid=work-toast]', { hasText: 'Ana Atendente' });
    await toast.waitFor({ timeout: 10_000 });
    expect(await toast.textContent()).toContain('mencionou você em uma nota privada');
    await expect.poll(async () => (await alertsOf(brunoPage)).plays, { timeout: 5_000 }).toContain('work-chime');
    await expect
      .poll(async () => (await alertsOf(brunoPage)).notifications.map((n) => n.title), { timeout: 5_000 })
      .toContain('Ana Atendente');
    expect(await scrollsSideways(brunoPage)).toSatisfy(({ scrollWidth, clientWidth }) => scrollWidth <= clientWidth);

    // Ana's reply made the conversation hers; back in the queue, Bruno may open it.
    expect((await admin('POST', `/api/conversations/${maria}/unassign`)).status).toBe(200);
    await toast.getByTestId('work-open').click();
    await brunoPage.getByTestId('conversation-contact').filter({ hasText: 'Maria Souza' }).waitFor();
    await brunoPage
      .locator('[data-testid=message][data-note=true]', { hasText: 'Nota privada' })
      .waitFor({ timeout: 10_000 });
    const messages = await api.request('GET', `/api/conversations/${maria}/messages`, { token: ana.token });
    expect(JSON.stringify(messages.body)).not.toContain('pode confirmar o endereço');
  });

  it('labels a conversation and filters the inbox by the label', async () => {
    await anaPage.goto(`/#/inbox/${maria}`);
    await anaPage.getByTestId('conversation-contact').filter({ hasText: 'Maria Souza' }).waitFor();
    await anaPage.getByTestId('labels-edit').click();
    // The box follows the server's answer (a controlled input), so a click, then the chip.
    await anaPage.getByTestId('label-option').first().click();
    await anaPage.getByTestId('label-chip').filter({ hasText: 'VIP' }).first().waitFor();
    const labelled = await api.request<{ items: { id: string }[] }>('GET', `/api/conversations/${maria}/labels`, {
      token: ana.token,
    });
    expect(labelled.body.items.map((l) => l.id)).toEqual([vipId]);

    await anaPage.goto('/#/inbox');
    const rows = anaPage.locator('[data-testid=conversation-row]');
    await rows.filter({ hasText: 'João Lima' }).waitFor({ timeout: 10_000 });
    await anaPage.getByTestId('inbox-label').selectOption({ label: 'VIP' });
    await rows.filter({ hasText: 'João Lima' }).waitFor({ state: 'detached', timeout: 10_000 });
    await rows.filter({ hasText: 'Maria Souza' }).waitFor();
    expect(await rows.count()).toBe(1);
    expect(joao).not.toBe(maria);

    // The same filter on a phone, in Portuguese, without sideways scrolling.
    await brunoPage.goto('/#/inbox');
    await brunoPage.getByTestId('inbox-label').selectOption({ label: 'VIP' });
    await brunoPage.locator('[data-testid=conversation-row]', { hasText: 'Maria Souza' }).waitFor({ timeout: 10_000 });
    expect(await scrollsSideways(brunoPage)).toSatisfy(({ scrollWidth, clientWidth }) => scrollWidth <= clientWidth);
  });
});
