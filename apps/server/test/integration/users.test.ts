// Every users endpoint in one file, as the foundation issue lists them; past ~400 lines
// because each describe block below starts its own server over its own database.
import type { User } from '@switchboard/contracts';
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema/index.js';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  createUserAndLogin,
  startTestServer,
  type TestServer,
} from '../support/server.js';

// Every login counts against the per-IP limit; these suites sign in far more than 30 times.
const ENV = { LOGIN_MAX_ATTEMPTS_PER_IP: '100000' };
const PASSWORD = 'a-long-enough-password';

async function countUsers(api: TestServer): Promise<number> {
  const [row] = await api.server.database.db.select({ n: count() }).from(users);
  return row?.n ?? 0;
}

async function createUser(api: TestServer, token: string, body: Record<string, unknown>) {
  return api.request('POST', '/api/users', { token, body: { password: PASSWORD, ...body } });
}

async function listAll(api: TestServer, token: string, query: string, limit: number) {
  const pages: User[][] = [];
  let cursor: string | null = null;
  do {
    const suffix: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const response = await api.request<{ items: User[]; next_cursor: string | null }>(
      'GET',
      `/api/users?limit=${limit}${query}${suffix}`,
      { token },
    );
    expect(response.status).toBe(200);
    pages.push(response.body.items);
    cursor = response.body.next_cursor;
  } while (cursor !== null && pages.length < 100);
  return pages;
}

describe('the profile of the signed-in user', () => {
  let api: TestServer;
  let admin: string;

  beforeAll(async () => {
    api = await startTestServer(ENV);
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
  });

  it('returns the signed-in user with their SIP device', async () => {
    const response = await api.request<User>('GET', '/api/users/profile', { token: admin });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ email: ADMIN_EMAIL, role: 'admin', is_active: true });
    expect(response.body.device).toMatchObject({ extension: 1000, template: 'webrtc', is_active: true });
  });

  it('updates name and phone, and clears the phone with null', async () => {
    const user = await createUserAndLogin(api, admin);
    const updated = await api.request<User>('PUT', '/api/users/profile', {
      token: user.token,
      body: { name: '  Ada Lovelace ', phone: '+44 20 7946 0958' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: user.id, name: 'Ada Lovelace', phone: '+44 20 7946 0958' });
    const read = await api.request<User>('GET', '/api/users/profile', { token: user.token });
    expect(read.body).toMatchObject({ name: 'Ada Lovelace', phone: '+44 20 7946 0958' });
    const cleared = await api.request<User>('PUT', '/api/users/profile', { token: user.token, body: { phone: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ name: 'Ada Lovelace', phone: null });
  });

  it('refuses a phone that is not a phone number and keeps the old one', async () => {
    const user = await createUserAndLogin(api, admin);
    await api.request('PUT', '/api/users/profile', { token: user.token, body: { phone: '+1 555 0100' } });
    const response = await api.request('PUT', '/api/users/profile', { token: user.token, body: { phone: 'call me' } });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('request.invalid');
    expect(response.body.errors).toContainEqual(expect.objectContaining({ field: 'body.phone' }));
    const read = await api.request<User>('GET', '/api/users/profile', { token: user.token });
    expect(read.body.phone).toBe('+1 555 0100');
  });

  it('refuses a new password without the current password', async () => {
    const user = await createUserAndLogin(api, admin);
    const response = await api.request('PUT', '/api/users/profile', {
      token: user.token,
      body: { new_password: 'a-brand-new-password' },
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('request.invalid');
    expect(response.body.errors).toContainEqual(expect.objectContaining({ field: 'body.current_password' }));
    await expect(api.login(user.email, user.password)).resolves.toMatchObject({ userId: user.id });
  });

  it('refuses a new password when the current password is wrong, and keeps the old one', async () => {
    const user = await createUserAndLogin(api, admin);
    const response = await api.request('PUT', '/api/users/profile', {
      token: user.token,
      body: { current_password: 'not-my-password', new_password: 'a-brand-new-password' },
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('user.wrong_password');
    expect(response.body.errors).toContainEqual(expect.objectContaining({ field: 'body.current_password' }));
    await expect(api.login(user.email, user.password)).resolves.toMatchObject({ userId: user.id });
    await expect(api.login(user.email, 'a-brand-new-password')).rejects.toThrow(/401/);
  });

  it('changes the password with the current one and ends the other sessions', async () => {
    const user = await createUserAndLogin(api, admin);
    const otherSession = await api.login(user.email, user.password);
    const response = await api.request<User>('PUT', '/api/users/profile', {
      token: user.token,
      body: { current_password: user.password, new_password: 'a-brand-new-password' },
    });
    expect(response.status).toBe(200);
    const withOtherAccess = await api.request('GET', '/api/users/profile', { token: otherSession.accessToken });
    expect(withOtherAccess.status).toBe(401);
    expect(withOtherAccess.body.code).toBe('auth.session_revoked');
    const withOtherRefresh = await api.request('POST', '/api/users/refresh', {
      body: { refresh_token: otherSession.refreshToken },
    });
    expect(withOtherRefresh.status).toBe(401);
    await expect(api.login(user.email, user.password)).rejects.toThrow(/401/);
    await expect(api.login(user.email, 'a-brand-new-password')).resolves.toMatchObject({ userId: user.id });
  });

  it('refuses fields the profile does not own, so an agent cannot make themselves admin', async () => {
    const user = await createUserAndLogin(api, admin);
    const response = await api.request('PUT', '/api/users/profile', {
      token: user.token,
      body: { role: 'admin', is_active: true },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'body.role', message: 'unknown field' },
        { field: 'body.is_active', message: 'unknown field' },
      ]),
    );
    const read = await api.request<User>('GET', '/api/users/profile', { token: user.token });
    expect(read.body.role).toBe('agent');
  });
});

describe('listing users', () => {
  let api: TestServer;
  let admin: string;
  const created: User[] = [];

  beforeAll(async () => {
    api = await startTestServer(ENV);
    admin = await api.adminToken();
    const specs = [
      { name: 'Zebra Keeper', email: 'zk@zoo.test', role: 'agent' },
      { name: 'Alice Agent', email: 'alice@acme.test', role: 'agent' },
      { name: 'Bob Boss', email: 'bob@acme.test', role: 'supervisor' },
      { name: 'Carol Chief', email: 'carol@acme.test', role: 'supervisor' },
      { name: 'Dan Desk', email: 'dan@acme.test', role: 'agent' },
      { name: 'Erin Ear', email: 'erin@acme.test', role: 'agent' },
      { name: 'Frank Phone', email: 'frank@acme.test', role: 'admin' },
    ];
    for (const spec of specs) {
      const response = await createUser(api, admin, spec);
      expect(response.status).toBe(201);
      created.push(response.body);
    }
    const dan = created.find((u) => u.name === 'Dan Desk')!;
    expect((await api.request('DELETE', `/api/users/${dan.id}`, { token: admin })).status).toBe(204);
  });
  afterAll(async () => {
    await api.close();
  });

  it('walks every page with next_cursor, with no duplicates and no gaps', async () => {
    const all = await api.request<{ items: User[]; next_cursor: string | null }>('GET', '/api/users?limit=200', {
      token: admin,
    });
    expect(all.body.items).toHaveLength(created.length + 1);
    expect(all.body.next_cursor).toBeNull();
    const pages = await listAll(api, admin, '', 3);
    expect(pages.map((page) => page.length)).toEqual([3, 3, 2]);
    const walked = pages.flat().map((u) => u.id);
    expect(new Set(walked).size).toBe(walked.length);
    expect(walked).toEqual(all.body.items.map((u) => u.id));
  });

  it('returns a null next_cursor when the page holds exactly the remaining rows', async () => {
    const pages = await listAll(api, admin, '', 4);
    expect(pages.map((page) => page.length)).toEqual([4, 4]);
  });

  it('filters by role', async () => {
    const pages = await listAll(api, admin, '&role=supervisor', 1);
    const names = pages.flat().map((u) => u.name);
    expect(names.sort()).toEqual(['Bob Boss', 'Carol Chief']);
    const admins = (await listAll(api, admin, '&role=admin', 50)).flat();
    expect(admins.map((u) => u.email).sort()).toEqual([ADMIN_EMAIL, 'frank@acme.test']);
  });

  it('filters by is_active', async () => {
    const inactive = (await listAll(api, admin, '&is_active=false', 50)).flat();
    expect(inactive.map((u) => u.name)).toEqual(['Dan Desk']);
    expect(inactive[0]).toMatchObject({ is_active: false, device: null });
    const active = (await listAll(api, admin, '&is_active=true', 2)).flat();
    expect(active).toHaveLength(created.length);
    expect(active.every((u) => u.is_active)).toBe(true);
  });

  it('matches q against name or email, ignoring case', async () => {
    const byName = (await listAll(api, admin, '&q=zEBRA', 50)).flat();
    expect(byName.map((u) => u.email)).toEqual(['zk@zoo.test']);
    const byEmail = (await listAll(api, admin, '&q=ZOO.TEST', 50)).flat();
    expect(byEmail.map((u) => u.name)).toEqual(['Zebra Keeper']);
    const combined = (await listAll(api, admin, '&q=acme.test&role=agent&is_active=true', 1)).flat();
    expect(combined.map((u) => u.name).sort()).toEqual(['Alice Agent', 'Erin Ear']);
  });

  it('treats % and _ in q literally', async () => {
    expect((await listAll(api, admin, `&q=${encodeURIComponent('%')}`, 50)).flat()).toEqual([]);
    expect((await listAll(api, admin, '&q=_', 50)).flat()).toEqual([]);
  });

  it('refuses a limit outside 1..200', async () => {
    for (const limit of ['0', '201', 'ten']) {
      const response = await api.request('GET', `/api/users?limit=${limit}`, { token: admin });
      expect(response.status).toBe(400);
      expect(response.body.errors).toContainEqual(expect.objectContaining({ field: 'querystring.limit' }));
    }
  });

  it('refuses a cursor it did not issue', async () => {
    const response = await api.request('GET', '/api/users?cursor=not-a-cursor', { token: admin });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('request.invalid_cursor');
  });

  it('refuses a forged cursor whose id is not a UUID with 400, not a server error', async () => {
    const forged = Buffer.from(JSON.stringify(['2020-01-01T00:00:00.000Z', 'not-a-uuid'])).toString('base64url');
    const response = await api.request('GET', `/api/users?cursor=${forged}`, { token: admin });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('request.invalid_cursor');
  });
});

describe('creating users', () => {
  let api: TestServer;
  let admin: string;

  beforeAll(async () => {
    api = await startTestServer(ENV);
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
  });

  it('answers 201 with a Location, the user and their allocated device', async () => {
    const response = await createUser(api, admin, { email: 'New.Agent@Acme.TEST', name: '  New Agent ' });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`/api/users/${response.body.id}`);
    expect(response.body).toMatchObject({
      email: 'new.agent@acme.test',
      name: 'New Agent',
      role: 'agent',
      phone: null,
      is_active: true,
      last_login_at: null,
    });
    expect(response.body.device).toMatchObject({ extension: 1001, template: 'webrtc', is_active: true });
    const read = await api.request<User>('GET', response.headers.get('location')!, { token: admin });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(response.body);
  });

  it('creates a user who can sign in with the given password', async () => {
    const response = await createUser(api, admin, {
      email: 'signs.in@acme.test',
      name: 'Signs In',
      role: 'supervisor',
    });
    expect(response.status).toBe(201);
    const session = await api.login('signs.in@acme.test', PASSWORD);
    expect(session.userId).toBe(response.body.id);
  });

  it('refuses an email already in use, in any case, with 409 user.email_taken and writes nothing', async () => {
    expect((await createUser(api, admin, { email: 'taken@acme.test', name: 'First' })).status).toBe(201);
    const before = await countUsers(api);
    const devicesBefore = await api.request('GET', '/api/devices?limit=200', { token: admin });
    const response = await createUser(api, admin, { email: 'TAKEN@acme.test', name: 'Second' });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('user.email_taken');
    expect(await countUsers(api)).toBe(before);
    const devicesAfter = await api.request('GET', '/api/devices?limit=200', { token: admin });
    expect(devicesAfter.body.items).toHaveLength(devicesBefore.body.items.length);
  });

  it('refuses a password shorter than 12 characters and writes nothing', async () => {
    const before = await countUsers(api);
    const response = await createUser(api, admin, { email: 'short@acme.test', name: 'Short', password: 'short' });
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual(expect.objectContaining({ field: 'body.password' }));
    expect(await countUsers(api)).toBe(before);
  });
});

describe('reading, updating and deleting one user', () => {
  let api: TestServer;
  let admin: string;
  let adminId: string;

  beforeAll(async () => {
    api = await startTestServer(ENV);
    const session = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    admin = session.accessToken;
    adminId = session.userId;
  });
  afterAll(async () => {
    await api.close();
  });

  it('reads a user by id, and answers 404 user.not_found for an unknown id', async () => {
    const user = await createUserAndLogin(api, admin, { name: 'Readable' });
    const found = await api.request<User>('GET', `/api/users/${user.id}`, { token: admin });
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ id: user.id, name: 'Readable', email: user.email });
    const missing = await api.request('GET', '/api/users/00000000-0000-4000-8000-000000000000', { token: admin });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('user.not_found');
  });

  it('updates email, name, role and phone', async () => {
    const user = await createUserAndLogin(api, admin);
    const response = await api.request<User>('PUT', `/api/users/${user.id}`, {
      token: admin,
      body: { email: 'Renamed@Acme.test', name: 'Renamed', role: 'supervisor', phone: '+1 555 0199' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      email: 'renamed@acme.test',
      name: 'Renamed',
      role: 'supervisor',
      phone: '+1 555 0199',
    });
    const read = await api.request<User>('GET', `/api/users/${user.id}`, { token: admin });
    expect(read.body).toMatchObject({ email: 'renamed@acme.test', role: 'supervisor' });
    await expect(api.login('renamed@acme.test', user.password)).resolves.toMatchObject({ userId: user.id });
  });

  it('refuses to give a user an email another user has, with 409 user.email_taken', async () => {
    const user = await createUserAndLogin(api, admin);
    const response = await api.request('PUT', `/api/users/${user.id}`, {
      token: admin,
      body: { email: ADMIN_EMAIL.toUpperCase() },
    });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('user.email_taken');
    const read = await api.request<User>('GET', `/api/users/${user.id}`, { token: admin });
    expect(read.body.email).toBe(user.email);
  });

  it('sets a new password and ends the sessions the user had', async () => {
    const user = await createUserAndLogin(api, admin);
    const response = await api.request('PUT', `/api/users/${user.id}`, {
      token: admin,
      body: { password: 'set-by-the-admin-123' },
    });
    expect(response.status).toBe(200);
    expect((await api.request('GET', '/api/users/profile', { token: user.token })).status).toBe(401);
    await expect(api.login(user.email, user.password)).rejects.toThrow(/401/);
    await expect(api.login(user.email, 'set-by-the-admin-123')).resolves.toMatchObject({ userId: user.id });
  });

  it('answers 404 when updating or deleting an unknown user', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const put = await api.request('PUT', `/api/users/${unknown}`, { token: admin, body: { name: 'Ghost' } });
    expect(put.status).toBe(404);
    expect(put.body.code).toBe('user.not_found');
    const del = await api.request('DELETE', `/api/users/${unknown}`, { token: admin });
    expect(del.status).toBe(404);
    expect(del.body.code).toBe('user.not_found');
  });

  it('deactivates on DELETE: no sign-in, the live token is refused, the device goes inactive, the user stays listed', async () => {
    const user = await createUserAndLogin(api, admin);
    const before = await api.request<User>('GET', `/api/users/${user.id}`, { token: admin });
    const extension = before.body.device!.extension;
    const response = await api.request('DELETE', `/api/users/${user.id}`, { token: admin });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');

    const withToken = await api.request('GET', '/api/users/profile', { token: user.token });
    expect(withToken.status).toBe(401);
    expect(withToken.body.code).toBe('auth.session_revoked');
    const refresh = await api.request('POST', '/api/users/refresh', { body: { refresh_token: user.refreshToken } });
    expect(refresh.status).toBe(401);
    await expect(api.login(user.email, user.password)).rejects.toThrow(/401/);

    const read = await api.request<User>('GET', `/api/users/${user.id}`, { token: admin });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ is_active: false, device: null });
    const inactive = await api.request('GET', '/api/users?is_active=false&limit=200', { token: admin });
    expect(inactive.body.items.map((u: User) => u.id)).toContain(user.id);
    const devices = await api.request('GET', '/api/devices?is_active=false&limit=200', { token: admin });
    expect(devices.body.items).toContainEqual(
      expect.objectContaining({ user_id: user.id, extension, is_active: false }),
    );
    const device = await api.request('GET', `/api/users/${user.id}/device`, { token: admin });
    expect(device.status).toBe(404);
  });

  it('reactivates with PUT is_active=true: sign-in works again and the user has a device again', async () => {
    const user = await createUserAndLogin(api, admin);
    expect((await api.request('DELETE', `/api/users/${user.id}`, { token: admin })).status).toBe(204);
    const response = await api.request<User>('PUT', `/api/users/${user.id}`, {
      token: admin,
      body: { is_active: true },
    });
    expect(response.status).toBe(200);
    expect(response.body.is_active).toBe(true);
    expect(response.body.device).toMatchObject({ is_active: true, template: 'webrtc' });
    const session = await api.login(user.email, user.password);
    const device = await api.request('GET', '/api/users/me/device', { token: session.accessToken });
    expect(device.status).toBe(200);
    expect(device.body.extension).toBe(response.body.device!.extension);
  });

  it('refuses an administrator deleting themselves with 409 and keeps them active', async () => {
    const response = await api.request('DELETE', `/api/users/${adminId}`, { token: admin });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('user.cannot_delete_self');
    const profile = await api.request<User>('GET', '/api/users/profile', { token: admin });
    expect(profile.status).toBe(200);
    expect(profile.body.is_active).toBe(true);
  });
});

describe('the last active administrator', () => {
  let api: TestServer;
  let admin: string;
  let adminId: string;

  beforeAll(async () => {
    api = await startTestServer(ENV);
    const session = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    admin = session.accessToken;
    adminId = session.userId;
  });
  afterAll(async () => {
    await api.close();
  });

  async function roleOf(id: string) {
    return (await api.request<User>('GET', `/api/users/${id}`, { token: admin })).body;
  }

  it('cannot be demoted, with 409 user.last_admin', async () => {
    const response = await api.request('PUT', `/api/users/${adminId}`, { token: admin, body: { role: 'agent' } });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('user.last_admin');
    expect((await roleOf(adminId)).role).toBe('admin');
  });

  it('cannot be deactivated, with 409 user.last_admin', async () => {
    const response = await api.request('PUT', `/api/users/${adminId}`, { token: admin, body: { is_active: false } });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('user.last_admin');
    expect((await roleOf(adminId)).is_active).toBe(true);
  });

  it('is counted among active admins only: an inactive admin does not save the last one', async () => {
    const other = await createUserAndLogin(api, admin, { role: 'admin' });
    expect((await api.request('DELETE', `/api/users/${other.id}`, { token: admin })).status).toBe(204);
    const response = await api.request('PUT', `/api/users/${adminId}`, { token: admin, body: { role: 'agent' } });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('user.last_admin');
  });

  it('lets one of two admins be demoted, then protects the remaining one', async () => {
    const other = await createUserAndLogin(api, admin, { role: 'admin' });
    const demoted = await api.request<User>('PUT', `/api/users/${other.id}`, { token: admin, body: { role: 'agent' } });
    expect(demoted.status).toBe(200);
    expect(demoted.body.role).toBe('agent');
    const response = await api.request('PUT', `/api/users/${adminId}`, {
      token: admin,
      body: { role: 'supervisor' },
    });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('user.last_admin');
  });

  it('keeps one admin when two admins demote each other at the same time', async () => {
    const first = await createUserAndLogin(api, admin, { role: 'admin' });
    const second = await createUserAndLogin(api, admin, { role: 'admin' });
    // Leave exactly these two as active admins.
    expect(
      (await api.request('PUT', `/api/users/${adminId}`, { token: first.token, body: { role: 'supervisor' } })).status,
    ).toBe(200);
    const [a, b] = await Promise.all([
      api.request('PUT', `/api/users/${second.id}`, { token: first.token, body: { role: 'agent' } }),
      api.request('PUT', `/api/users/${first.id}`, { token: second.token, body: { role: 'agent' } }),
    ]);
    // The loser is refused either by the role check (its demotion landed before it was
    // authenticated: 403) or by the last-admin rule (it was authenticated first: 409).
    const statuses = [a.status, b.status].sort();
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const [admins] = await api.server.database.db
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.role, 'admin'), eq(users.isActive, true)));
    expect(admins?.n).toBe(1);
  });
});
