import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { AT, renderSignedIn } from '../../test-support/render-signed-in';
import { WebchatAdmin } from './WebchatAdmin';

afterEach(() => cleanup());

const QUEUE = '22222222-2222-4222-8222-222222222222';
const CHANNEL = '33333333-3333-4333-8333-333333333333';

/** The web-chat channels' endpoints, kept in memory like the real rows. */
function webchatServer() {
  const channels: Record<string, unknown>[] = [];
  const route = (method: string, path: string, body: unknown) => {
    if (path === '/api/queues') {
      return {
        status: 200,
        body: {
          items: [
            { id: QUEUE, name: 'Site', channels: ['webchat'] },
            { id: '44444444-4444-4444-8444-444444444444', name: 'Telefone', channels: ['voice'] },
          ],
        },
      };
    }
    if (path === '/api/channels/webchat' && method === 'GET') return { status: 200, body: { items: channels } };
    if (path === '/api/channels/webchat' && method === 'POST') {
      const input = body as Record<string, unknown>;
      const channel = {
        id: CHANNEL,
        ...input,
        embed_snippet: `<script src="https://sb.example.com/widget.js" data-channel="${CHANNEL}" async></script>`,
        created_at: AT,
        updated_at: AT,
      };
      channels.push(channel);
      return { status: 201, body: channel };
    }
    if (path === `/api/channels/webchat/${CHANNEL}` && method === 'PUT') {
      Object.assign(channels[0]!, body as object);
      return { status: 200, body: channels[0] };
    }
    return undefined;
  };
  return { channels, route };
}

describe('Admin › Channels › Web chat', () => {
  it('adds a channel with its sites, pre-chat fields and web-chat queue, and shows its snippet', async () => {
    const server = webchatServer();
    const services = await renderSignedIn(<WebchatAdmin />, server.route);
    await screen.findByText('No web-chat channel yet.');
    const form = screen.getByTestId('webchat-form');
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'Loja' } });
    fireEvent.change(within(form).getByLabelText(/Allowed sites/), {
      target: { value: 'https://shop.example.com\nhttps://www.example.com' },
    });
    fireEvent.change(within(form).getByLabelText('Greeting'), { target: { value: 'Olá! Como podemos ajudar?' } });
    fireEvent.change(within(form).getByLabelText('Ask the e-mail'), { target: { value: 'required' } });
    // Only queues that take web chat are offered.
    const queue = within(form).getByLabelText('Default queue');
    expect(within(queue).queryByText('Telefone')).toBeNull();
    fireEvent.change(queue, { target: { value: QUEUE } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add' }));

    await waitFor(() =>
      expect(screen.getByTestId('webchat-snippet').textContent).toContain(`data-channel="${CHANNEL}"`),
    );
    const posted = services.requests.find((r) => r.method === 'POST' && r.path === '/api/channels/webchat');
    expect(posted?.body).toEqual({
      name: 'Loja',
      allowed_origins: ['https://shop.example.com', 'https://www.example.com'],
      greeting: 'Olá! Como podemos ajudar?',
      prechat_fields: { name: 'optional', email: 'required', phone: 'off' },
      default_queue_id: QUEUE,
      offline_message: null,
      colors: { primary: '#1f6feb', text: '#ffffff' },
    });
    const row = within(screen.getByTestId('webchat-table')).getByText('Loja').closest('tr')!;
    expect(within(row).getByText('Site')).toBeTruthy();
    expect(within(row).getByText('https://shop.example.com, https://www.example.com')).toBeTruthy();
  });

  it('edits a channel in pt-BR with its values in the form', async () => {
    const server = webchatServer();
    server.channels.push({
      id: CHANNEL,
      name: 'Loja',
      allowed_origins: ['https://shop.example.com'],
      greeting: null,
      prechat_fields: { name: 'required', email: 'off', phone: 'optional' },
      default_queue_id: QUEUE,
      offline_message: 'Voltamos às 9h.',
      colors: { primary: '#aa3300', text: '#ffffff' },
      embed_snippet: `<script src="https://sb.example.com/widget.js" data-channel="${CHANNEL}" async></script>`,
      created_at: AT,
      updated_at: AT,
    });
    const services = await renderSignedIn(<WebchatAdmin />, server.route, { locale: 'pt-BR' });
    fireEvent.click(await screen.findByRole('button', { name: 'Editar' }));
    const form = screen.getByTestId('webchat-form');
    expect(within(form).getByLabelText<HTMLInputElement>('Nome').value).toBe('Loja');
    fireEvent.change(within(form).getByLabelText('Nome'), { target: { value: 'Loja Centro' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Salvar' }));
    await waitFor(() =>
      expect(services.requests.find((r) => r.method === 'PUT')?.body).toMatchObject({
        name: 'Loja Centro',
        prechat_fields: { name: 'required', email: 'off', phone: 'optional' },
        offline_message: 'Voltamos às 9h.',
        colors: { primary: '#aa3300', text: '#ffffff' },
      }),
    );
  });
});
