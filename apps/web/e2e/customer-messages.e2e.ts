/**
 * Admin › Customer messages in Chromium against a real Switchboard: an admin rewrites the
 * menu's greeting with a variable inserted from its list, sees the preview, saves (the API
 * then sends the company's text), turns the rating question on, and resets the text to
 * its pt-BR default; a text naming a variable the message does not offer is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession, type Session } from './support/browser';
import { signIn } from './support/console';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startServer, type RunningServer } from './support/server';

interface CustomerMessages {
  rating_enabled: boolean;
  messages: { key: string; text: string; is_custom: boolean }[];
}

describe('Admin › Customer messages', () => {
  let api: RunningServer;
  let session: Session;

  beforeAll(async () => {
    api = await startServer();
    session = await openSession({ baseUrl: api.baseUrl });
  });

  afterAll(async () => {
    await session?.close();
    await api?.close();
  });

  const current = async () =>
    (
      await api.request<CustomerMessages>('GET', '/api/settings/customer-messages', {
        token: await api.adminToken(),
      })
    ).body;

  it('edits a text with a variable, previews it, saves it, and resets it to the default', async () => {
    const { page } = session;
    await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.goto('/#/admin/customer-messages');
    const menu = page.locator('[data-testid=customer-message][data-key=menu]');
    const text = menu.getByTestId('customer-message-text');
    await text.waitFor();
    expect(await menu.getByTestId('customer-message-default').textContent()).toBe(
      'Olá {{contact.name}}! Responda com o número da opção desejada:',
    );

    await text.fill('Bem-vindo, ! Digite a opção:');
    await text.evaluate((element: HTMLTextAreaElement) => element.setSelectionRange(11, 11));
    await menu.getByRole('button', { name: 'Insert {{contact.name}}' }).click();
    expect(await text.inputValue()).toBe('Bem-vindo, {{contact.name}}! Digite a opção:');
    expect(await menu.getByTestId('customer-message-preview').textContent()).toBe(
      'Bem-vindo, Maria Souza! Digite a opção:',
    );
    await menu.getByTestId('customer-message-save').click();
    await menu.getByText('customized').waitFor();
    const saved = (await current()).messages.find((m) => m.key === 'menu');
    expect(saved).toMatchObject({ text: 'Bem-vindo, {{contact.name}}! Digite a opção:', is_custom: true });

    const settings = page.getByTestId('customer-messages-settings');
    await settings.getByTestId('customer-rating-enabled').check();
    await settings.getByRole('button', { name: 'Save' }).click();
    await settings.getByRole('status').waitFor();
    expect((await current()).rating_enabled).toBe(true);

    await menu.getByTestId('customer-message-reset').click();
    await expect
      .poll(() => text.inputValue(), { timeout: 15_000 })
      .toBe('Olá {{contact.name}}! Responda com o número da opção desejada:');
    expect((await current()).messages.find((m) => m.key === 'menu')?.is_custom).toBe(false);
  });

  it('shows the refusal of a variable the message does not offer, and keeps the stored text', async () => {
    const { page } = session;
    const rating = page.locator('[data-testid=customer-message][data-key=rating_question]');
    const text = rating.getByTestId('customer-message-text');
    await text.fill('Avalie {{agent.nome}}');
    await rating.getByTestId('customer-message-save').click();
    await expect
      .poll(() => rating.getByRole('alert').allTextContents(), { timeout: 15_000 })
      .toContainEqual(expect.stringContaining('unknown variable'));
    expect((await current()).messages.find((m) => m.key === 'rating_question')?.is_custom).toBe(false);
    expect(session.errors.filter((e) => !e.includes('400'))).toEqual([]);
  });
});
