import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeServices, loginAnswer, type Route } from '../test-support/services';
import { App } from './App';

const USER = {
  id: '00000000-0000-4000-8000-0000000000a1',
  company_id: '00000000-0000-4000-8000-0000000000c1',
  email: 'ana@acme.test',
  name: 'Ana Lima',
  role: 'supervisor' as const,
};

const presence = {
  agent_id: USER.id,
  agent_name: USER.name,
  role: 'supervisor',
  status: 'offline',
  message: null,
  last_heartbeat: null,
  websocket_connected: false,
  status_changed_at: null,
  is_available: false,
  is_inactive: true,
  time_in_status_seconds: null,
  pause_reason: null,
};

const api: Route = (method, path, body) => {
  if (path === '/api/users/login') {
    const { password } = body as { password: string };
    if (password !== 'correct horse battery') {
      return {
        status: 401,
        body: {
          type: 'x',
          title: 'Unauthorized',
          status: 401,
          code: 'auth.invalid_credentials',
          detail: 'Invalid email or password.',
        },
      };
    }
    return loginAnswer(USER);
  }
  if (path === '/api/users/logout') return { status: 204 };
  if (path === '/api/conversations') return { status: 200, body: { items: [], next_cursor: null } };
  if (path === '/api/presence/me') return { status: 200, body: presence };
  return undefined;
};

describe('App', () => {
  beforeEach(() => {
    window.localStorage.clear();
    window.location.hash = '';
  });
  afterEach(() => cleanup());

  it('signs in and shows the console with the softphone and the presence bar', async () => {
    const services = fakeServices(api);
    render(<App services={services} />);

    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'ana@acme.test' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'correct horse battery' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByTestId('presence-bar')).toBeTruthy();
    expect(screen.getByTestId('softphone')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Supervisor' })).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Admin' })).toBeNull();
    await waitFor(() => expect(screen.getByTestId('sip-status').getAttribute('data-state')).toBe('no_device'));
  });

  it('explains a wrong password in the chosen language', async () => {
    const services = fakeServices(api);
    render(<App services={services} />);
    fireEvent.change(screen.getByTestId('language'), { target: { value: 'pt-BR' } });
    expect(document.documentElement.lang).toBe('pt-BR');

    fireEvent.change(screen.getByLabelText('E-mail'), { target: { value: 'ana@acme.test' } });
    fireEvent.change(screen.getByLabelText('Senha'), { target: { value: 'wrong' } });
    fireEvent.click(screen.getByRole('button', { name: 'Entrar' }));

    expect((await screen.findByRole('alert')).textContent).toBe('E-mail ou senha incorretos.');
  });

  it('signs out back to the sign-in form', async () => {
    const services = fakeServices(api);
    await act(() => services.api.login('ana@acme.test', 'correct horse battery').then(() => undefined));
    render(<App services={services} />);
    fireEvent.click(await screen.findByTestId('user-menu'));
    fireEvent.click(screen.getByTestId('sign-out'));
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(
      services.requests.some(
        (r) => r.path === '/api/users/logout' && (r.body as { refresh_token: string }).refresh_token === 'r1',
      ),
    ).toBe(true);
  });
});
