import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  createUserAndLogin,
  startTestServer,
  type TestServer,
} from '../support/server.js';

describe('auth over HTTP', () => {
  let api: TestServer;

  beforeAll(async () => {
    api = await startTestServer({ LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '3' });
  });
  afterAll(async () => {
    await api.close();
  });

  it('signs in the first admin and returns a 15-minute access token and a refresh token', async () => {
    const response = await api.request('POST', '/api/users/login', {
      body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      refresh_expires_in: 30 * 24 * 3600,
      user: { email: ADMIN_EMAIL, role: 'admin' },
    });
    expect(response.body.refresh_token).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    const profile = await api.request('GET', '/api/users/profile', { token: response.body.access_token });
    expect(profile.status).toBe(200);
    expect(profile.body.last_login_at).not.toBeNull();
  });

  it('accepts the email in any case', async () => {
    const response = await api.request('POST', '/api/users/login', {
      body: { email: ADMIN_EMAIL.toUpperCase(), password: ADMIN_PASSWORD },
    });
    expect(response.status).toBe(200);
  });

  it('answers an unknown email and a wrong password the same way', async () => {
    const unknown = await api.request('POST', '/api/users/login', {
      body: { email: 'nobody@acme.test', password: 'whatever-password' },
    });
    const wrong = await api.request('POST', '/api/users/login', {
      body: { email: ADMIN_EMAIL, password: 'wrong-password-123' },
    });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    const strip = (body: Record<string, unknown>) => ({ ...body, request_id: undefined });
    expect(strip(unknown.body)).toEqual(strip(wrong.body));
    expect(unknown.body.code).toBe('auth.invalid_credentials');
  });

  it('locks an account after repeated failures, with Retry-After, and a right password does not bypass it', async () => {
    const admin = await api.adminToken();
    const user = await createUserAndLogin(api, admin);
    for (let i = 0; i < 3; i += 1) {
      const failed = await api.request('POST', '/api/users/login', {
        body: { email: user.email, password: 'nope-nope-nope' },
      });
      expect(failed.status).toBe(401);
    }
    const locked = await api.request('POST', '/api/users/login', {
      body: { email: user.email, password: user.password },
    });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('auth.too_many_attempts');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Unknown emails are throttled the same, so the lock reveals nothing.
    for (let i = 0; i < 3; i += 1) {
      await api.request('POST', '/api/users/login', { body: { email: 'ghost@acme.test', password: 'nope-nope-nope' } });
    }
    const ghost = await api.request('POST', '/api/users/login', { body: { email: 'ghost@acme.test', password: 'x' } });
    expect(ghost.status).toBe(429);
  });

  it('rotates refresh tokens: the new one works, the old one is refused', async () => {
    const session = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const first = await api.request('POST', '/api/users/refresh', { body: { refresh_token: session.refreshToken } });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(session.refreshToken);
    const second = await api.request('POST', '/api/users/refresh', {
      body: { refresh_token: first.body.refresh_token },
    });
    expect(second.status).toBe(200);
    const profile = await api.request('GET', '/api/users/profile', { token: second.body.access_token });
    expect(profile.status).toBe(200);
  });

  it('revokes the whole family when a rotated refresh token is reused', async () => {
    const session = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const rotated = await api.request('POST', '/api/users/refresh', { body: { refresh_token: session.refreshToken } });
    expect(rotated.status).toBe(200);
    const replay = await api.request('POST', '/api/users/refresh', { body: { refresh_token: session.refreshToken } });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('auth.refresh_token_reused');
    // The legitimate holder's newer token died with the family.
    const newer = await api.request('POST', '/api/users/refresh', {
      body: { refresh_token: rotated.body.refresh_token },
    });
    expect(newer.status).toBe(401);
    expect(newer.body.code).toBe('auth.invalid_refresh_token');
  });

  it('refuses malformed, tampered and unknown refresh tokens', async () => {
    const session = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const [id, secret] = session.refreshToken.split('.');
    for (const token of ['garbage', `${id}.${secret}x`, `00000000-0000-4000-8000-000000000000.${secret}`]) {
      const response = await api.request('POST', '/api/users/refresh', { body: { refresh_token: token } });
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('auth.invalid_refresh_token');
    }
  });

  it('logout ends the session of that refresh token', async () => {
    const session = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const logout = await api.request('POST', '/api/users/logout', { body: { refresh_token: session.refreshToken } });
    expect(logout.status).toBe(204);
    const refresh = await api.request('POST', '/api/users/refresh', { body: { refresh_token: session.refreshToken } });
    expect(refresh.status).toBe(401);
  });

  it('logout-all refuses every earlier access and refresh token of the user', async () => {
    const admin = await api.adminToken();
    const user = await createUserAndLogin(api, admin);
    const other = await api.login(user.email, user.password);
    const response = await api.request('POST', '/api/users/logout-all', { token: user.token });
    expect(response.status).toBe(204);
    const withOldAccess = await api.request('GET', '/api/users/profile', { token: other.accessToken });
    expect(withOldAccess.status).toBe(401);
    expect(withOldAccess.body.code).toBe('auth.session_revoked');
    const withOldRefresh = await api.request('POST', '/api/users/refresh', {
      body: { refresh_token: other.refreshToken },
    });
    expect(withOldRefresh.status).toBe(401);
    const fresh = await api.login(user.email, user.password);
    expect((await api.request('GET', '/api/users/profile', { token: fresh.accessToken })).status).toBe(200);
  });

  it('rejects missing, malformed, tampered and foreign-signed access tokens', async () => {
    const token = await api.adminToken();
    const none = await api.request('GET', '/api/users/profile');
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('auth.required');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString('base64url');
    for (const bad of [`${header}.${forged}.${signature}`, `${token}x`, 'not-a-jwt']) {
      const response = await api.request('GET', '/api/users/profile', { token: bad });
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('auth.invalid_token');
    }
    const basic = await api.request('GET', '/api/users/profile', { headers: { authorization: 'Basic abc' } });
    expect(basic.status).toBe(401);
  });

  it('refuses sign-up while SIGNUP_ENABLED is false', async () => {
    const response = await api.request('POST', '/api/users/register', {
      body: { company_name: 'Other', name: 'Eve', email: 'eve@other.test', password: 'long-enough-password' },
    });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('auth.signup_disabled');
    expect(
      (
        await api.request('POST', '/api/users/login', {
          body: { email: 'eve@other.test', password: 'long-enough-password' },
        })
      ).status,
    ).toBe(401);
  });
});

describe('auth with expiring tokens', () => {
  it('refuses an expired access token with auth.token_expired', async () => {
    let now = new Date();
    const api = await startTestServer({}, { clock: { now: () => now } });
    try {
      const token = await api.adminToken();
      expect((await api.request('GET', '/api/users/profile', { token })).status).toBe(200);
      now = new Date(now.getTime() + 16 * 60 * 1000);
      const expired = await api.request('GET', '/api/users/profile', { token });
      expect(expired.status).toBe(401);
      expect(expired.body.code).toBe('auth.token_expired');
    } finally {
      await api.close();
    }
  });
});

describe('sign-up', () => {
  it('creates a new company with its first admin when SIGNUP_ENABLED=true', async () => {
    const api = await startTestServer({ SIGNUP_ENABLED: 'true' });
    try {
      const response = await api.request('POST', '/api/users/register', {
        body: { company_name: 'Globex', name: 'Hank', email: 'Hank@Globex.test', password: 'long-enough-password' },
      });
      expect(response.status).toBe(201);
      expect(response.body.user).toMatchObject({ email: 'hank@globex.test', role: 'admin' });
      const adminCompany = (await api.request('GET', '/api/users/profile', { token: await api.adminToken() })).body
        .company_id;
      expect(response.body.user.company_id).not.toBe(adminCompany);
      const again = await api.request('POST', '/api/users/register', {
        body: { company_name: 'Globex 2', name: 'Hank', email: 'hank@globex.test', password: 'long-enough-password' },
      });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('user.email_taken');
    } finally {
      await api.close();
    }
  });
});
