import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { AT, renderSignedIn } from '../../test-support/render-signed-in';
import { CustomerMessagesAdmin } from './CustomerMessagesAdmin';

afterEach(() => cleanup());

interface Body {
  language?: string;
  rating_enabled?: boolean;
  texts?: Record<string, string | null>;
}

/** The server's answers for two messages, kept in memory like the real settings row. */
function settingsServer() {
  const defaults: Record<string, string> = {
    menu: 'Olá {{contact.name}}! Responda com o número da opção desejada:',
    rating_question: 'Como você avalia o atendimento de {{agent.name}}? Escolha uma nota de 1 a 5.',
  };
  const variables: Record<string, string[]> = {
    menu: ['{{contact.name}}'],
    rating_question: ['{{agent.name}}', '{{contact.name}}'],
  };
  const state = {
    language: 'pt-BR',
    rating_enabled: false,
    texts: {} as Record<string, string>,
    updated_at: null as string | null,
  };
  const view = () => ({
    language: state.language,
    rating_enabled: state.rating_enabled,
    messages: Object.keys(defaults).map((key) => ({
      key,
      text: state.texts[key] ?? defaults[key],
      default_text: defaults[key],
      is_custom: key in state.texts,
      variables: variables[key],
    })),
    updated_at: state.updated_at,
  });
  let saves = 0;
  const route = (method: string, path: string, body: unknown) => {
    if (path !== '/api/settings/customer-messages') return undefined;
    if (method === 'GET') return { status: 200, body: view() };
    if (method !== 'PUT') return undefined;
    const input = body as Body;
    for (const [key, text] of Object.entries(input.texts ?? {})) {
      if (text?.includes('{{agent.nome}}')) {
        return {
          status: 400,
          body: {
            type: 'x',
            title: 'A text uses an unknown variable.',
            status: 400,
            code: 'request.invalid',
            errors: [{ field: `body.texts.${key}`, message: 'unknown variable {{agent.nome}}' }],
          },
        };
      }
      if (text === null) delete state.texts[key];
      else state.texts[key] = text;
    }
    if (input.language) state.language = input.language;
    if (input.rating_enabled !== undefined) state.rating_enabled = input.rating_enabled;
    saves += 1;
    state.updated_at = new Date(Date.parse(AT) + saves * 1000).toISOString();
    return { status: 200, body: view() };
  };
  return { route, state };
}

const editorOf = (key: string) => screen.getAllByTestId('customer-message').find((el) => el.dataset.key === key)!;

describe('CustomerMessagesAdmin', () => {
  it('shows each text with its default, inserts a variable, previews with sample values, saves and resets', async () => {
    const server = settingsServer();
    const services = await renderSignedIn(<CustomerMessagesAdmin />, server.route, { locale: 'pt-BR' });
    await screen.findAllByTestId('customer-message');
    const menu = editorOf('menu');
    expect(within(menu).getByTestId('customer-message-default').textContent).toBe(
      'Olá {{contact.name}}! Responda com o número da opção desejada:',
    );
    expect(within(menu).getByTestId('customer-message-preview').textContent).toBe(
      'Olá Maria Souza! Responda com o número da opção desejada:',
    );

    const text = within(menu).getByTestId<HTMLTextAreaElement>('customer-message-text');
    fireEvent.change(text, { target: { value: 'Oi ! Escolha:' } });
    text.setSelectionRange(3, 3);
    fireEvent.click(within(menu).getByRole('button', { name: 'Inserir {{contact.name}}' }));
    expect(text.value).toBe('Oi {{contact.name}}! Escolha:');
    expect(within(menu).getByTestId('customer-message-preview').textContent).toBe('Oi Maria Souza! Escolha:');

    fireEvent.click(within(menu).getByTestId('customer-message-save'));
    await waitFor(() => expect(server.state.texts.menu).toBe('Oi {{contact.name}}! Escolha:'));
    await within(editorOf('menu')).findByText('personalizado');

    fireEvent.click(within(editorOf('menu')).getByTestId('customer-message-reset'));
    await waitFor(() => expect(server.state.texts.menu).toBeUndefined());
    await waitFor(() =>
      expect(within(editorOf('menu')).getByTestId<HTMLTextAreaElement>('customer-message-text').value).toBe(
        'Olá {{contact.name}}! Responda com o número da opção desejada:',
      ),
    );
    expect(services.requests.filter((r) => r.method === 'PUT').map((r) => r.body)).toEqual([
      { texts: { menu: 'Oi {{contact.name}}! Escolha:' } },
      { texts: { menu: null } },
    ]);
  });

  it("flags a variable the message does not offer, and shows the server's refusal on the text", async () => {
    const server = settingsServer();
    await renderSignedIn(<CustomerMessagesAdmin />, server.route, { locale: 'en' });
    await screen.findAllByTestId('customer-message');
    const rating = editorOf('rating_question');
    const text = within(rating).getByTestId('customer-message-text');
    fireEvent.change(text, { target: { value: 'Rate {{agent.nome}}' } });
    expect(within(rating).getByRole('alert').textContent).toContain('{{agent.nome}}');
    fireEvent.click(within(rating).getByTestId('customer-message-save'));
    await waitFor(() =>
      expect(
        within(rating)
          .getAllByRole('alert')
          .map((a) => a.textContent)
          .join(' '),
      ).toContain('unknown variable'),
    );
    expect(server.state.texts).toEqual({});
  });

  it('changes the language customers read and turns the rating question on', async () => {
    const server = settingsServer();
    await renderSignedIn(<CustomerMessagesAdmin />, server.route, { locale: 'en' });
    const settings = await screen.findByTestId('customer-messages-settings');
    fireEvent.change(within(settings).getByTestId('customer-language'), { target: { value: 'es' } });
    fireEvent.click(within(settings).getByTestId('customer-rating-enabled'));
    fireEvent.submit(settings);
    await waitFor(() => expect(server.state).toMatchObject({ language: 'es', rating_enabled: true }));
    expect((await within(settings).findByRole('status')).textContent).toBe('Saved.');
  });
});
