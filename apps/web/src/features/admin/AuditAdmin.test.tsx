import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ServicesProvider } from '../../app/services';
import { I18nProvider } from '../../shared/i18n/i18n';
import { fakeServices, withLogin } from '../../test-support/services';
import { AuditAdmin, dayStart } from './AuditAdmin';

const ADMIN = '11111111-1111-4111-8111-111111111111';
const ANA = '22222222-2222-4222-8222-222222222222';
const KEY = '33333333-3333-4333-8333-333333333333';
const CONTACT = '44444444-4444-4444-8444-444444444444';

const user = (id: string, name: string, role: string) => ({
  id,
  company_id: ADMIN,
  email: `${name.toLowerCase()}@acme.test`,
  name,
  role,
  phone: null,
  is_active: true,
  last_login_at: null,
  device: null,
  created_at: '2026-12-01T10:00:00.000Z',
  updated_at: '2026-12-01T10:00:00.000Z',
});

const entry = (n: number, patch: Record<string, unknown>) => ({
  id: `5555555${n}-5555-4555-8555-555555555555`,
  actor_type: 'user',
  actor_user_id: ADMIN,
  actor_api_key_id: null,
  action: 'auth.signed_in',
  target_type: null,
  target_id: null,
  ip: '203.0.113.7',
  details: {},
  created_at: '2026-12-03T10:00:00.000Z',
  ...patch,
});

afterEach(() => cleanup());

describe('AuditAdmin', () => {
  it('lists entries with who, what and where, pages on, and filters by actor, action and days', async () => {
    const services = fakeServices(
      withLogin(user(ADMIN, 'Admin', 'admin'), (method, path) => {
        if (method === 'GET' && path === '/api/users') {
          return {
            status: 200,
            body: { items: [user(ADMIN, 'Admin', 'admin'), user(ANA, 'Ana', 'agent')], next_cursor: null },
          };
        }
        if (method === 'GET' && path === '/api/audit-log') {
          const last = services.requests[services.requests.length - 1]!.path;
          if (last.includes('cursor=c2')) {
            const byKey = entry(3, {
              action: 'api_key.used',
              actor_type: 'api_key',
              actor_user_id: null,
              actor_api_key_id: KEY,
            });
            return { status: 200, body: { items: [byKey], next_cursor: null } };
          }
          return {
            status: 200,
            body: {
              items: [
                entry(1, { action: 'contact.erased', target_type: 'contact', target_id: CONTACT }),
                entry(2, { action: 'auth.sign_in_failed', actor_user_id: ANA, ip: null }),
              ],
              next_cursor: last.includes('action=') ? null : 'c2',
            },
          };
        }
        return undefined;
      }),
    );
    await services.api.login('admin@acme.test', 'a long enough password');
    render(
      <ServicesProvider services={services}>
        <I18nProvider locale="pt-BR">
          <AuditAdmin />
        </I18nProvider>
      </ServicesProvider>,
    );
    const table = await screen.findByTestId('audit-table');
    await waitFor(() => expect(table.textContent).toContain('Contato apagado'));
    expect(table.textContent).toContain('contact 44444444');
    expect(table.textContent).toContain('203.0.113.7');
    await waitFor(() => expect(table.textContent).toContain('Ana'));
    expect(table.textContent).toContain('Falha ao entrar');

    fireEvent.click(screen.getByTestId('load-more'));
    await waitFor(() => expect(screen.getByTestId('audit-table').textContent).toContain('Chave de API 33333333'));
    expect(screen.getByTestId('audit-table').textContent).toContain('Chave de API usada');

    fireEvent.change(screen.getByTestId('audit-actor'), { target: { value: ANA } });
    fireEvent.change(screen.getByTestId('audit-action'), { target: { value: 'auth.sign_in_failed' } });
    fireEvent.change(screen.getByTestId('audit-from'), { target: { value: '2026-12-01' } });
    fireEvent.change(screen.getByTestId('audit-to'), { target: { value: '2026-12-03' } });
    fireEvent.click(screen.getByTestId('audit-apply'));
    await waitFor(() => {
      const asked = services.requests.filter((r) => r.path.startsWith('/api/audit-log')).pop()!.path;
      const query = new URL(asked, 'http://x').searchParams;
      expect(query.get('actor_user_id')).toBe(ANA);
      expect(query.get('action')).toBe('auth.sign_in_failed');
      expect(query.get('from')).toBe(dayStart('2026-12-01'));
      expect(query.get('to')).toBe(dayStart('2026-12-04'));
    });
  });

  it('turns a day into the browser’s midnight, the end day included', () => {
    expect(dayStart('2026-12-03')).toBe(new Date(2026, 11, 3).toISOString());
    expect(dayStart('2026-12-31', 1)).toBe(new Date(2027, 0, 1).toISOString());
    expect(dayStart('')).toBeUndefined();
  });
});
