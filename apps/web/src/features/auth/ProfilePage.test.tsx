import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ServicesProvider } from '../../app/services';
import { I18nProvider, type Locale } from '../../shared/i18n/i18n';
import { fakeServices, withLogin } from '../../test-support/services';
import { ProfilePage } from './ProfilePage';

const USER = {
  id: '00000000-0000-4000-8000-000000000001',
  company_id: '00000000-0000-4000-8000-000000000002',
  email: 'ana@acme.test',
  name: 'Ana',
  role: 'agent',
  phone: null,
  is_active: true,
  last_login_at: null,
  created_at: '2026-12-01T00:00:00.000Z',
  updated_at: '2026-12-01T00:00:00.000Z',
  device: null,
};

const WEAK = {
  type: 'https://switchboard.dev/problems/password/weak',
  title: 'Bad Request',
  status: 400,
  code: 'password.weak',
  detail: 'The password is too easy to guess (strength 1 of 4, at least 3 needed).',
  errors: [
    { field: 'body.new_password', message: 'warning.similarToCommon' },
    { field: 'body.new_password', message: 'suggestion.anotherWord' },
  ],
};

async function renderProfile(locale: Locale) {
  const { id, company_id, email, name, role } = USER;
  const services = fakeServices(
    withLogin({ id, company_id, email, name, role }, (method, path) => {
      if (path === '/api/users/profile' && method === 'GET') return { status: 200, body: USER };
      if (path === '/api/users/profile' && method === 'PUT') return { status: 400, body: WEAK };
      return undefined;
    }),
  );
  await services.api.login(USER.email, 'the current one, long');
  render(
    <I18nProvider locale={locale}>
      <ServicesProvider services={services}>
        <ProfilePage />
      </ServicesProvider>
    </I18nProvider>,
  );
}

async function changePassword(current: string, next: string, labels: { current: RegExp; next: RegExp; save: RegExp }) {
  fireEvent.change(await screen.findByLabelText(labels.current), { target: { value: current } });
  fireEvent.change(screen.getByLabelText(labels.next), { target: { value: next } });
  fireEvent.click(screen.getByRole('button', { name: labels.save }));
}

describe('ProfilePage password change', () => {
  afterEach(cleanup);

  it('shows why the server refused a new password, in Portuguese', async () => {
    await renderProfile('pt-BR');
    await changePassword('the current one, long', 'password1234', {
      current: /Senha atual/,
      next: /Nova senha/,
      save: /Salvar/,
    });
    expect(
      await screen.findByText('Esta senha é parecida com uma senha comum. Acrescente mais palavras pouco comuns.'),
    ).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toBe('Esta senha é fácil de adivinhar.');
  });

  it('and in English', async () => {
    await renderProfile('en');
    await changePassword('the current one, long', 'password1234', {
      current: /Current password/,
      next: /New password/,
      save: /Save/,
    });
    expect(
      await screen.findByText('This is similar to a commonly used password. Add more words that are less common.'),
    ).toBeTruthy();
  });
});
