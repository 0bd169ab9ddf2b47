import type { Device, DeviceCredentials, User } from '@switchboard/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  createUserAndLogin,
  startTestServer,
  type TestServer,
} from '../support/server.js';

const ENV = { LOGIN_MAX_ATTEMPTS_PER_IP: '100000' };

type Session = Awaited<ReturnType<typeof createUserAndLogin>>;

describe('tenant isolation between two companies', () => {
  let api: TestServer;
  let adminA: string;
  let adminAId: string;
  let agentA: Session;
  let adminB: string;
  let agentB: Session;
  let companyA: string;
  let companyB: string;

  beforeAll(async () => {
    api = await startTestServer({ ...ENV, SIGNUP_ENABLED: 'true' });
    const sessionA = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    adminA = sessionA.accessToken;
    adminAId = sessionA.userId;
    agentA = await createUserAndLogin(api, adminA, { name: 'Agent of A' });
    const registered = await api.request('POST', '/api/users/register', {
      body: { company_name: 'Globex', name: 'Hank', email: 'hank@globex.test', password: 'globex-admin-password' },
    });
    expect(registered.status).toBe(201);
    adminB = registered.body.access_token;
    companyB = registered.body.user.company_id;
    agentB = await createUserAndLogin(api, adminB, { name: 'Agent of B' });
    companyA = (await api.request<User>('GET', '/api/users/profile', { token: adminA })).body.company_id;
    expect(companyA).not.toBe(companyB);
  });
  afterAll(async () => {
    await api.close();
  });

  async function snapshotOfA() {
    const users = await api.request<{ items: User[] }>('GET', '/api/users?limit=200', { token: adminA });
    const devices = await api.request<{ items: Device[] }>('GET', '/api/devices?limit=200', { token: adminA });
    const credentials = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agentA.token });
    return { users: users.body.items, devices: devices.body.items, credentials: credentials.body };
  }

  it("answers 404 to an admin of B reading A's users", async () => {
    for (const id of [adminAId, agentA.id]) {
      const response = await api.request('GET', `/api/users/${id}`, { token: adminB });
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('user.not_found');
      expect(response.text).not.toContain(agentA.email);
    }
  });

  it("answers 404 to an admin of B updating A's users, and A's users are unchanged", async () => {
    const before = await snapshotOfA();
    for (const body of [
      { name: 'Hijacked' },
      { role: 'admin' },
      { is_active: false },
      { password: 'hijacked-password' },
    ]) {
      const response = await api.request('PUT', `/api/users/${agentA.id}`, { token: adminB, body });
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('user.not_found');
    }
    expect(await snapshotOfA()).toEqual(before);
    await expect(api.login(agentA.email, agentA.password)).resolves.toMatchObject({ userId: agentA.id });
  });

  it("answers 404 to an admin of B deleting A's users, and they stay active", async () => {
    const before = await snapshotOfA();
    for (const id of [adminAId, agentA.id]) {
      const response = await api.request('DELETE', `/api/users/${id}`, { token: adminB });
      expect(response.status).toBe(404);
    }
    expect(await snapshotOfA()).toEqual(before);
    expect((await api.request('GET', '/api/users/profile', { token: agentA.token })).status).toBe(200);
  });

  it("answers 404 to an admin of B rotating or reading the SIP device of A's users", async () => {
    const before = await snapshotOfA();
    const rotate = await api.request('POST', `/api/users/${agentA.id}/device/rotate-password`, { token: adminB });
    expect(rotate.status).toBe(404);
    expect(rotate.text).not.toContain(before.credentials.sip_username);
    const device = await api.request('GET', `/api/users/${agentA.id}/device`, { token: adminB });
    expect(device.status).toBe(404);
    expect(device.text).not.toContain(before.credentials.sip_username);
    expect(await snapshotOfA()).toEqual(before);
  });

  it("never lists the other company's users or devices", async () => {
    const usersA = await api.request<{ items: User[] }>('GET', '/api/users?limit=200', { token: adminA });
    const usersB = await api.request<{ items: User[] }>('GET', '/api/users?limit=200', { token: adminB });
    expect(usersA.body.items.every((u) => u.company_id === companyA)).toBe(true);
    expect(usersB.body.items.every((u) => u.company_id === companyB)).toBe(true);
    expect(usersA.body.items.map((u) => u.id)).not.toContain(agentB.id);
    expect(usersB.body.items.map((u) => u.id).sort()).toEqual([registeredAdminId(usersB.body.items), agentB.id].sort());
    const devicesA = await api.request<{ items: Device[] }>('GET', '/api/devices?limit=200', { token: adminA });
    const devicesB = await api.request<{ items: Device[] }>('GET', '/api/devices?limit=200', { token: adminB });
    const idsA = new Set(usersA.body.items.map((u) => u.id));
    const idsB = new Set(usersB.body.items.map((u) => u.id));
    expect(devicesA.body.items.every((d) => idsA.has(d.user_id))).toBe(true);
    expect(devicesB.body.items.every((d) => idsB.has(d.user_id))).toBe(true);
    expect(devicesB.body.items).toHaveLength(2);
  });

  it("finds nothing of A when B searches for A's names and emails", async () => {
    for (const q of [agentA.email, 'Agent of A', ADMIN_EMAIL]) {
      const response = await api.request<{ items: User[] }>('GET', `/api/users?q=${encodeURIComponent(q)}`, {
        token: adminB,
      });
      expect(response.status).toBe(200);
      expect(response.body.items).toEqual([]);
    }
    // A domain both companies use: B sees only its own.
    const shared = await api.request<{ items: User[] }>('GET', '/api/users?q=acme.test', { token: adminB });
    expect(shared.body.items.map((u) => u.id)).toEqual([agentB.id]);
  });

  it("lets each company's admin manage their own users as before", async () => {
    const renamed = await api.request<User>('PUT', `/api/users/${agentB.id}`, {
      token: adminB,
      body: { name: 'Agent of B, renamed' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.company_id).toBe(companyB);
    const fromA = await api.request('PUT', `/api/users/${agentB.id}`, { token: adminA, body: { name: 'Nope' } });
    expect(fromA.status).toBe(404);
    const read = await api.request<User>('GET', `/api/users/${agentB.id}`, { token: adminB });
    expect(read.body.name).toBe('Agent of B, renamed');
  });
});

function registeredAdminId(items: User[]): string {
  const admin = items.find((u) => u.email === 'hank@globex.test');
  if (!admin) throw new Error("company B's admin is missing from its own list");
  return admin.id;
}

describe('what each role may do', () => {
  let api: TestServer;
  let admin: string;
  let agent: Session;
  let colleague: Session;
  let supervisor: Session;

  beforeAll(async () => {
    api = await startTestServer(ENV);
    admin = await api.adminToken();
    agent = await createUserAndLogin(api, admin, { name: 'Agent' });
    colleague = await createUserAndLogin(api, admin, { name: 'Colleague' });
    supervisor = await createUserAndLogin(api, admin, { role: 'supervisor', name: 'Supervisor' });
  });
  afterAll(async () => {
    await api.close();
  });

  async function adminView(id: string) {
    return (await api.request<User>('GET', `/api/users/${id}`, { token: admin })).body;
  }

  function writeRequests(target: string): Array<[string, string, unknown]> {
    return [
      ['POST', '/api/users', { email: `new-${Date.now()}@acme.test`, name: 'New', password: 'long-enough-pass' }],
      ['PUT', `/api/users/${target}`, { name: 'Changed', role: 'admin' }],
      ['DELETE', `/api/users/${target}`, undefined],
    ];
  }

  it('refuses an agent creating, updating or deleting users with 403, and nothing changes', async () => {
    const usersBefore = await api.request('GET', '/api/users?limit=200', { token: admin });
    for (const target of [colleague.id, agent.id]) {
      const before = await adminView(target);
      for (const [method, path, body] of writeRequests(target)) {
        const response = await api.request(method, path, { token: agent.token, body });
        expect(response.status, `${method} ${path}`).toBe(403);
        expect(response.body.code).toBe('auth.forbidden');
      }
      expect(await adminView(target)).toEqual(before);
    }
    const usersAfter = await api.request('GET', '/api/users?limit=200', { token: admin });
    expect(usersAfter.body.items).toEqual(usersBefore.body.items);
  });

  it('refuses an agent listing users or devices with 403', async () => {
    for (const path of ['/api/users', '/api/devices']) {
      const response = await api.request('GET', path, { token: agent.token });
      expect(response.status, path).toBe(403);
      expect(response.body.code).toBe('auth.forbidden');
    }
  });

  it('lets an agent read themselves but answers 404 for a colleague', async () => {
    const self = await api.request<User>('GET', `/api/users/${agent.id}`, { token: agent.token });
    expect(self.status).toBe(200);
    expect(self.body.id).toBe(agent.id);
    const other = await api.request('GET', `/api/users/${colleague.id}`, { token: agent.token });
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('user.not_found');
    expect(other.text).not.toContain(colleague.email);
  });

  it('lets a supervisor list and read users', async () => {
    const list = await api.request<{ items: User[] }>('GET', '/api/users?limit=200', { token: supervisor.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((u) => u.id)).toEqual(expect.arrayContaining([agent.id, colleague.id, supervisor.id]));
    const read = await api.request<User>('GET', `/api/users/${agent.id}`, { token: supervisor.token });
    expect(read.status).toBe(200);
    expect(read.body.name).toBe('Agent');
  });

  it('refuses a supervisor creating, updating or deleting users, and listing devices, with 403', async () => {
    const before = await adminView(agent.id);
    for (const [method, path, body] of writeRequests(agent.id)) {
      const response = await api.request(method, path, { token: supervisor.token, body });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.body.code).toBe('auth.forbidden');
    }
    expect(await adminView(agent.id)).toEqual(before);
    const devices = await api.request('GET', '/api/devices', { token: supervisor.token });
    expect(devices.status).toBe(403);
  });

  it('applies a role change to tokens already issued', async () => {
    const demoted = await createUserAndLogin(api, admin, { role: 'supervisor' });
    expect((await api.request('GET', '/api/users', { token: demoted.token })).status).toBe(200);
    const change = await api.request('PUT', `/api/users/${demoted.id}`, { token: admin, body: { role: 'agent' } });
    expect(change.status).toBe(200);
    expect((await api.request('GET', '/api/users', { token: demoted.token })).status).toBe(403);
  });

  it('lets every role read its own profile and SIP device', async () => {
    for (const token of [admin, supervisor.token, agent.token]) {
      expect((await api.request('GET', '/api/users/profile', { token })).status).toBe(200);
      const device = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token });
      expect(device.status).toBe(200);
      expect(device.body.sip_password.length).toBeGreaterThanOrEqual(24);
    }
  });
});
