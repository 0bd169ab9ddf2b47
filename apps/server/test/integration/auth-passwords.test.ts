/**
 * Guessable passwords are refused wherever a password is set — sign-up, user creation,
 * an admin's reset, the user's own change — with problem+json `password.weak` and the
 * reason as feedback keys the console translates. Nothing is written when refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';

const WEAK = ['            ', 'password1234', 'aaaaaaaaaaaa', 'senha1234567', 'qwertyuiop12'];
const STRONG = 'violet tram under the bridge';

function expectWeak(response: { status: number; body: any }, field: string): void {
  expect(response.status).toBe(400);
  expect(response.body).toMatchObject({ code: 'password.weak', status: 400 });
  expect(response.body.errors.length).toBeGreaterThan(0);
  for (const issue of response.body.errors) {
    expect(issue.field).toBe(field);
    expect(issue.message).toMatch(/^(warning|suggestion)\.[a-zA-Z0-9]+$/);
  }
}

describe('password strength', () => {
  let api: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    api = await startTestServer({ SIGNUP_ENABLED: 'true', LOGIN_MAX_ATTEMPTS_PER_IP: '100000' });
    adminToken = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
  });

  it('refuses weak passwords when an admin creates a user, and creates nobody', async () => {
    for (const [i, password] of WEAK.entries()) {
      const email = `weak${i}@acme.test`;
      const response = await api.request('POST', '/api/users', {
        token: adminToken,
        body: { email, name: 'Weak', role: 'agent', password },
      });
      expectWeak(response, 'body.password');
      const listed = await api.request('GET', `/api/users?q=${encodeURIComponent(email)}`, { token: adminToken });
      expect(JSON.stringify(listed.body)).not.toContain(email);
    }
    const created = await api.request('POST', '/api/users', {
      token: adminToken,
      body: { email: 'strong@acme.test', name: 'Strong', role: 'agent', password: STRONG },
    });
    expect(created.status).toBe(201);
  });

  it('says why, in keys: a common password is similar to a common one', async () => {
    const response = await api.request('POST', '/api/users', {
      token: adminToken,
      body: { email: 'common@acme.test', name: 'Common', role: 'agent', password: 'password1234' },
    });
    expect(response.body.errors.map((e: { message: string }) => e.message)).toContain('warning.similarToCommon');
    expect(response.body.detail).toMatch(/too easy to guess/);
  });

  it('refuses a password made of the user’s own name and email', async () => {
    const response = await api.request('POST', '/api/users', {
      token: adminToken,
      body: {
        email: 'mariana.quintanilha@acme.test',
        name: 'Mariana Quintanilha',
        role: 'agent',
        password: 'marianaquintanilha',
      },
    });
    expectWeak(response, 'body.password');
  });

  it('refuses a weak sign-up password and creates no company', async () => {
    const response = await api.request('POST', '/api/users/register', {
      body: { company_name: 'Weakling', name: 'Owner', email: 'owner@weakling.test', password: 'aaaaaaaaaaaa' },
    });
    expectWeak(response, 'body.password');
    const login = await api.request('POST', '/api/users/login', {
      body: { email: 'owner@weakling.test', password: 'aaaaaaaaaaaa' },
    });
    expect(login.status).toBe(401);
  });

  it('refuses a weak reset by an admin and a weak change by the user, keeping the old password', async () => {
    const user = await createUserAndLogin(api, adminToken);
    const reset = await api.request('PUT', `/api/users/${user.id}`, {
      token: adminToken,
      body: { password: 'password1234' },
    });
    expectWeak(reset, 'body.password');
    const change = await api.request('PUT', '/api/users/profile', {
      token: user.token,
      body: { current_password: user.password, new_password: '            ' },
    });
    expectWeak(change, 'body.new_password');
    // Nothing changed: the old password and the session still work.
    expect((await api.request('GET', '/api/users/profile', { token: user.token })).status).toBe(200);
    expect((await api.login(user.email, user.password)).accessToken).toEqual(expect.any(String));
  });
});
