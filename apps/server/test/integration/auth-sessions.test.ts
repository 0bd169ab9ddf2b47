/**
 * Access tokens belong to a session (the refresh-token family, claim `sid`): once the
 * session ends — logout, reuse detection, logout everywhere — its access tokens are refused
 * at once, over HTTP and on a socket handshake, while the user's other sessions go on.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  createUserAndLogin,
  startTestServer,
  type TestServer,
} from '../support/server.js';
import { connectSocket } from '../support/socket.js';

const PROFILE = '/api/users/profile';

describe('access tokens tied to their session', () => {
  let api: TestServer;

  beforeAll(async () => {
    api = await startTestServer();
  });
  afterAll(async () => {
    await api.close();
  });

  it('refuses the access token of a session that logged out, and keeps the other sessions', async () => {
    const user = await createUserAndLogin(api, await api.adminToken());
    const other = await api.login(user.email, user.password);
    expect((await api.request('GET', PROFILE, { token: user.token })).status).toBe(200);

    const logout = await api.request('POST', '/api/users/logout', { body: { refresh_token: user.refreshToken } });
    expect(logout.status).toBe(204);

    const refused = await api.request('GET', PROFILE, { token: user.token });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('auth.session_revoked');
    expect((await api.request('GET', PROFILE, { token: other.accessToken })).status).toBe(200);
  });

  it('keeps a session alive through refresh: the earlier access token of the family still works', async () => {
    const user = await createUserAndLogin(api, await api.adminToken());
    const rotated = await api.request('POST', '/api/users/refresh', { body: { refresh_token: user.refreshToken } });
    expect(rotated.status).toBe(200);
    expect((await api.request('GET', PROFILE, { token: user.token })).status).toBe(200);
    expect((await api.request('GET', PROFILE, { token: rotated.body.access_token })).status).toBe(200);
  });

  it('refuses every access token of a family revoked by refresh-token reuse', async () => {
    const user = await createUserAndLogin(api, await api.adminToken());
    const other = await api.login(user.email, user.password);
    const rotated = await api.request('POST', '/api/users/refresh', { body: { refresh_token: user.refreshToken } });
    expect(rotated.status).toBe(200);

    const replay = await api.request('POST', '/api/users/refresh', { body: { refresh_token: user.refreshToken } });
    expect(replay.body.code).toBe('auth.refresh_token_reused');

    for (const token of [user.token, rotated.body.access_token as string]) {
      const refused = await api.request('GET', PROFILE, { token });
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('auth.session_revoked');
    }
    expect((await api.request('GET', PROFILE, { token: other.accessToken })).status).toBe(200);
  });

  it('refuses a socket handshake with the access token of an ended session', async () => {
    const user = await createUserAndLogin(api, await api.adminToken());
    await api.request('POST', '/api/users/logout', { body: { refresh_token: user.refreshToken } });
    await expect(connectSocket(api.baseUrl, { token: user.token })).rejects.toMatchObject({
      message: 'auth.session_revoked',
    });
  });

  it('refuses a well-signed token without exp, and one without sid', async () => {
    const admin = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const [, payloadPart] = admin.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payloadPart!, 'base64url').toString()) as Record<string, unknown>;
    const key = new TextEncoder().encode(api.config.jwtSecret);
    const sign = (payload: Record<string, unknown>) =>
      new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);

    const { exp: _exp, ...withoutExp } = claims;
    const { sid: _sid, ...withoutSid } = claims;
    expect((await api.request('GET', PROFILE, { token: await sign(claims) })).status).toBe(200);
    for (const payload of [withoutExp, withoutSid]) {
      const refused = await api.request('GET', PROFILE, { token: await sign(payload) });
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('auth.invalid_token');
    }
    await expect(connectSocket(api.baseUrl, { token: await sign(withoutExp) })).rejects.toMatchObject({
      message: 'auth.invalid_token',
    });
  });
});
