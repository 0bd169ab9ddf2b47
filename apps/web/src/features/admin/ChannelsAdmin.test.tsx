import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { renderSignedIn } from '../../test-support/render-signed-in';
import { ChannelsAdmin } from './ChannelsAdmin';

afterEach(() => cleanup());

const channel = (name: 'whatsapp' | 'voice', isConfigured: boolean) => ({
  channel: name,
  is_configured: isConfigured,
  provider: name === 'voice' ? 'builtin' : 'whatsapp_cloud_api',
  phone_number_id: isConfigured && name === 'whatsapp' ? '123456' : null,
  business_account_id: null,
  webhook_path: name === 'whatsapp' ? '/webhooks/whatsapp/x' : null,
  updated_at: null,
});

describe('ChannelsAdmin', () => {
  it('refuses a malformed phone number id on its field, saves good credentials, and removes after confirming', async () => {
    let whatsapp = channel('whatsapp', false);
    const services = await renderSignedIn(<ChannelsAdmin />, (method, path) => {
      if (method === 'GET' && path === '/api/channels')
        return { status: 200, body: { items: [whatsapp, channel('voice', false)] } };
      if (method === 'GET' && path === '/ready') return { status: 200, body: { checks: { pbx: 'not_configured' } } };
      if (method === 'PUT' && path === '/api/channels/whatsapp') {
        whatsapp = channel('whatsapp', true);
        return { status: 200, body: whatsapp };
      }
      if (method === 'DELETE' && path === '/api/channels/whatsapp') {
        whatsapp = channel('whatsapp', false);
        return { status: 204 };
      }
      return undefined;
    });
    await screen.findByTestId('channel-whatsapp');
    fireEvent.change(screen.getByLabelText('Phone number ID'), { target: { value: 'abc' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByLabelText('Phone number ID').getAttribute('aria-invalid')).toBe('true'));
    expect(services.requests.some((r) => r.method === 'PUT')).toBe(false);

    fireEvent.change(screen.getByLabelText('Phone number ID'), { target: { value: '123456' } });
    fireEvent.change(screen.getByLabelText('Access token'), { target: { value: 'EAAB-a-long-access-token' } });
    fireEvent.change(screen.getByLabelText('App secret'), { target: { value: 'an-app-secret-of-32-chars-000000' } });
    fireEvent.change(screen.getByLabelText('Verify token'), { target: { value: 'verify-me-please' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('status')).textContent).toBe('Saved.');
    await waitFor(() => expect(screen.getByTestId('channel-whatsapp').textContent).toContain('123456'));
    expect(screen.getByLabelText<HTMLInputElement>('Access token').value).toBe('');

    fireEvent.click(screen.getByRole('button', { name: 'Remove WhatsApp' }));
    fireEvent.click(within(await screen.findByTestId('confirm-dialog')).getByTestId('confirm-accept'));
    await waitFor(() => expect(screen.getByTestId('channel-whatsapp').textContent).not.toContain('123456'));
    expect(services.requests.filter((r) => r.method !== 'GET').map((r) => r.method)).toEqual(['PUT', 'DELETE']);
  });
});
