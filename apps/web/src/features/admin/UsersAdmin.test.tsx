import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { agentUser } from '../../test-support/admin-fixtures';
import { ME, renderSignedIn } from '../../test-support/render-signed-in';
import { UsersAdmin } from './UsersAdmin';

afterEach(() => cleanup());

const BRUNO = '22222222-2222-4222-8222-222222222222';
describe('UsersAdmin', () => {
  it('checks a new user against the contract before sending, then creates it', async () => {
    const items = [agentUser(ME, 'Ana', 'ana@acme.test')];
    const services = await renderSignedIn(<UsersAdmin />, (method, path, body) => {
      if (method === 'GET' && path === '/api/users') return { status: 200, body: { items, next_cursor: null } };
      if (method === 'POST' && path === '/api/users') {
        const created = agentUser(BRUNO, (body as { name: string }).name, (body as { email: string }).email);
        items.push(created);
        return { status: 201, body: created };
      }
      return undefined;
    });
    await screen.findByText('ana@acme.test');
    fireEvent.click(screen.getByTestId('user-create'));
    const dialog = await screen.findByTestId('user-dialog');
    fireEvent.change(within(dialog).getByTestId('user-name'), { target: { value: 'Bruno' } });
    fireEvent.change(within(dialog).getByTestId('user-email'), { target: { value: 'not an email' } });
    fireEvent.click(within(dialog).getByTestId('user-save'));
    const email = within(dialog).getByTestId('user-email');
    await waitFor(() => expect(email.getAttribute('aria-invalid')).toBe('true'));
    expect(services.requests.filter((r) => r.method === 'POST')).toEqual([]);

    fireEvent.change(email, { target: { value: 'bruno@acme.test' } });
    fireEvent.change(within(dialog).getByTestId('user-password'), {
      target: { value: 'violet anchor drifts slowly' },
    });
    fireEvent.change(within(dialog).getByLabelText('Device type'), { target: { value: 'sip' } });
    fireEvent.click(within(dialog).getByTestId('user-save'));
    await screen.findByText('bruno@acme.test');
    expect(services.requests.find((r) => r.method === 'POST')?.body).toEqual({
      email: 'bruno@acme.test',
      name: 'Bruno',
      role: 'agent',
      password: 'violet anchor drifts slowly',
      device_template: 'sip',
    });
    expect(screen.queryByTestId('user-save')).toBeNull();
  });

  it('deactivates a user only after the confirmation', async () => {
    const items = [agentUser(ME, 'Ana', 'ana@acme.test'), agentUser(BRUNO, 'Bruno', 'bruno@acme.test')];
    const services = await renderSignedIn(<UsersAdmin />, (method, path) => {
      if (method === 'GET' && path === '/api/users') return { status: 200, body: { items, next_cursor: null } };
      if (method === 'DELETE' && path === `/api/users/${BRUNO}`) {
        items.pop();
        return { status: 204 };
      }
      return undefined;
    });
    await screen.findByText('bruno@acme.test');
    // Nobody deactivates themselves: one button, Bruno's.
    fireEvent.click(screen.getByTestId('user-deactivate'));
    const dialog = await screen.findByTestId('confirm-dialog');
    expect(dialog.textContent).toContain('Bruno');
    fireEvent.click(within(dialog).getByTestId('confirm-accept'));
    await waitFor(() => expect(screen.queryByText('bruno@acme.test')).toBeNull());
    expect(services.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
      'GET /api/users',
      `DELETE /api/users/${BRUNO}`,
      'GET /api/users',
    ]);
  });
});
