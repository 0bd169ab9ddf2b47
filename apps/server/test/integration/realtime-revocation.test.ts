/**
 * Ending a session closes its sockets: logout (that session's sockets only), reuse
 * detection (the family's), logout everywhere, deactivation, a role change and a password
 * change (every socket of the user). Each socket is told why (`sessions_revoked`) before
 * the server disconnects it; nothing else of that user's stream arrives afterwards.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import { connectSocket, type Envelope } from '../support/socket.js';

interface Watched {
  socket: Socket;
  received: Envelope[];
  /** Resolves with Socket.IO's disconnect reason. */
  disconnected: Promise<string>;
}

async function watch(baseUrl: string, token: string): Promise<Watched> {
  const { socket, received } = await connectSocket(baseUrl, { token });
  const disconnected = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
  return { socket, received, disconnected };
}

/** A round trip on the socket: the server still answers it. */
function answers(socket: Socket): Promise<boolean> {
  return socket
    .timeout(5_000)
    .emitWithAck('join_call', { call_id: 'not-a-uuid' })
    .then(() => true)
    .catch(() => false);
}

async function expectRevoked(watched: Watched, reason: string): Promise<void> {
  expect(await watched.disconnected).toBe('io server disconnect');
  const notice = watched.received.find((e) => e.event === 'sessions_revoked');
  expect(notice?.data).toMatchObject({ reason });
}

describe('sockets of ended sessions', () => {
  let api: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    api = await startTestServer();
    adminToken = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
  });

  it('logout closes that session’s sockets and leaves the user’s other session connected', async () => {
    const user = await createUserAndLogin(api, adminToken);
    const other = await api.login(user.email, user.password);
    const ended = await watch(api.baseUrl, user.token);
    const kept = await watch(api.baseUrl, other.accessToken);

    await api.request('POST', '/api/users/logout', { body: { refresh_token: user.refreshToken } });

    await expectRevoked(ended, 'logout');
    expect(ended.received.find((e) => e.event === 'sessions_revoked')?.data.session_id).toEqual(expect.any(String));
    expect(await answers(kept.socket)).toBe(true);
    expect(kept.received.some((e) => e.event === 'sessions_revoked')).toBe(false);
    kept.socket.close();
  });

  it('logout everywhere closes every socket of the user and of no one else', async () => {
    const user = await createUserAndLogin(api, adminToken);
    const colleague = await createUserAndLogin(api, adminToken);
    const second = await api.login(user.email, user.password);
    const first = await watch(api.baseUrl, user.token);
    const secondSocket = await watch(api.baseUrl, second.accessToken);
    const bystander = await watch(api.baseUrl, colleague.token);

    expect((await api.request('POST', '/api/users/logout-all', { token: user.token })).status).toBe(204);

    await expectRevoked(first, 'logout_all');
    await expectRevoked(secondSocket, 'logout_all');
    expect(await answers(bystander.socket)).toBe(true);
    bystander.socket.close();
  });

  it('refresh-token reuse closes the sockets of the revoked family', async () => {
    const user = await createUserAndLogin(api, adminToken);
    const watched = await watch(api.baseUrl, user.token);
    const rotated = await api.request('POST', '/api/users/refresh', { body: { refresh_token: user.refreshToken } });
    expect(rotated.status).toBe(200);
    expect(await answers(watched.socket)).toBe(true);

    await api.request('POST', '/api/users/refresh', { body: { refresh_token: user.refreshToken } });

    await expectRevoked(watched, 'refresh_token_reused');
  });

  it('deactivation, a role change and a password change close the user’s sockets', async () => {
    const deactivated = await createUserAndLogin(api, adminToken);
    const promoted = await createUserAndLogin(api, adminToken);
    const newPassword = await createUserAndLogin(api, adminToken);
    const sockets = {
      deactivated: await watch(api.baseUrl, deactivated.token),
      promoted: await watch(api.baseUrl, promoted.token),
      newPassword: await watch(api.baseUrl, newPassword.token),
    };

    await api.request('DELETE', `/api/users/${deactivated.id}`, { token: adminToken });
    await api.request('PUT', `/api/users/${promoted.id}`, { token: adminToken, body: { role: 'supervisor' } });
    await api.request('PUT', '/api/users/profile', {
      token: newPassword.token,
      body: { current_password: newPassword.password, new_password: 'an entirely different passphrase' },
    });

    await expectRevoked(sockets.deactivated, 'deactivated');
    await expectRevoked(sockets.promoted, 'role_changed');
    await expectRevoked(sockets.newPassword, 'password_changed');
    // The promoted user's token is still good: reconnecting puts them in the managers' rooms.
    const reconnected = await watch(api.baseUrl, promoted.token);
    expect(await answers(reconnected.socket)).toBe(true);
    reconnected.socket.close();
  });

  it('leaves sockets open when an update changes nothing that matters to them', async () => {
    const user = await createUserAndLogin(api, adminToken);
    const watched = await watch(api.baseUrl, user.token);
    await api.request('PUT', `/api/users/${user.id}`, { token: adminToken, body: { name: 'Renamed' } });
    expect(await answers(watched.socket)).toBe(true);
    expect(watched.socket.connected).toBe(true);
    watched.socket.close();
  });
});
