import { createHmac } from 'node:crypto';
import type { Device, DeviceCredentials, User } from '@switchboard/contracts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { psAors, psAuths, psContacts, psEndpoints, sipDevices } from '../../src/db/schema/index.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';

const ENV = { LOGIN_MAX_ATTEMPTS_PER_IP: '100000' };
const PASSWORD = 'a-long-enough-password';

let emailCounter = 0;

async function createUser(api: TestServer, token: string, body: Record<string, unknown> = {}): Promise<User> {
  emailCounter += 1;
  const response = await api.request<User>('POST', '/api/users', {
    token,
    body: {
      email: `device-user-${emailCounter}@acme.test`,
      name: `Device User ${emailCounter}`,
      password: PASSWORD,
      ...body,
    },
  });
  expect(response.status).toBe(201);
  return response.body;
}

async function deactivate(api: TestServer, token: string, userId: string): Promise<void> {
  expect((await api.request('DELETE', `/api/users/${userId}`, { token })).status).toBe(204);
}

async function pjsipRows(api: TestServer, endpointId: string) {
  const { db } = api.server.database;
  const [endpoint] = await db.select().from(psEndpoints).where(eq(psEndpoints.id, endpointId));
  const [auth] = await db.select().from(psAuths).where(eq(psAuths.id, endpointId));
  const [aor] = await db.select().from(psAors).where(eq(psAors.id, endpointId));
  const contacts = await db.select().from(psContacts).where(eq(psContacts.endpoint, endpointId));
  return { endpoint, auth, aor, contacts };
}

/** What Asterisk writes when a phone registers. */
async function insertContact(api: TestServer, endpointId: string): Promise<void> {
  await api.server.database.db.insert(psContacts).values({
    id: `${endpointId};@${emailCounter}abc`,
    uri: `sip:${endpointId}@192.0.2.10:5060`,
    endpoint: endpointId,
    expirationTime: Math.floor(Date.now() / 1000) + 3600,
    regServer: 'asterisk',
  });
}

async function activeExtensions(api: TestServer, token: string): Promise<number[]> {
  const response = await api.request<{ items: Device[] }>('GET', '/api/devices?is_active=true&limit=200', { token });
  return response.body.items.map((d) => d.extension).sort((a, b) => a - b);
}

describe('extension allocation', () => {
  let api: TestServer;
  let admin: string;

  beforeAll(async () => {
    api = await startTestServer(ENV);
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
  });

  it('gives the first admin 1000 and each new user the next extension', async () => {
    const a = await createUser(api, admin);
    const b = await createUser(api, admin);
    const c = await createUser(api, admin);
    expect([a, b, c].map((u) => u.device?.extension)).toEqual([1001, 1002, 1003]);
    expect(await activeExtensions(api, admin)).toEqual([1000, 1001, 1002, 1003]);
  });

  it("frees a deactivated user's extension and hands it out again, lowest free first", async () => {
    const users = await api.request<{ items: User[] }>('GET', '/api/users?limit=200', { token: admin });
    const holder = users.body.items.find((u) => u.device?.extension === 1002)!;
    await deactivate(api, admin, holder.id);
    expect(await activeExtensions(api, admin)).toEqual([1000, 1001, 1003]);
    const reuser = await createUser(api, admin);
    expect(reuser.device?.extension).toBe(1002);
    const next = await createUser(api, admin);
    expect(next.device?.extension).toBe(1004);
  });

  it('never hands out an extension still in use, even when its old holder comes back', async () => {
    const leaver = await createUser(api, admin);
    const extension = leaver.device!.extension;
    await deactivate(api, admin, leaver.id);
    const taker = await createUser(api, admin);
    expect(taker.device?.extension).toBe(extension);
    const back = await api.request<User>('PUT', `/api/users/${leaver.id}`, { token: admin, body: { is_active: true } });
    expect(back.status).toBe(200);
    expect(back.body.device?.extension).not.toBe(extension);
    const extensions = await activeExtensions(api, admin);
    expect(new Set(extensions).size).toBe(extensions.length);
    expect(extensions).toContain(back.body.device!.extension);
  });

  it('gives users created at the same time distinct extensions', async () => {
    const created = await Promise.all(Array.from({ length: 6 }, () => createUser(api, admin)));
    const extensions = created.map((u) => u.device!.extension);
    expect(new Set(extensions).size).toBe(6);
    const all = await activeExtensions(api, admin);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('SIP credentials and password rotation', () => {
  let api: TestServer;
  let admin: string;

  beforeAll(async () => {
    api = await startTestServer({ ...ENV, SIP_DOMAIN: 'pbx.acme.test', SIP_WSS_URL: 'wss://pbx.acme.test:8089/ws' });
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
  });

  it('returns what a WebRTC softphone needs on GET /api/users/me/device', async () => {
    const agent = await createUserAndLogin(api, admin);
    const user = (await api.request<User>('GET', `/api/users/${agent.id}`, { token: admin })).body;
    const response = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agent.token });
    expect(response.status).toBe(200);
    const username = user.device!.sip_username;
    expect(response.body).toMatchObject({
      extension: user.device!.extension,
      template: 'webrtc',
      sip_uri: `sip:${username}@pbx.acme.test`,
      sip_username: username,
      sip_domain: 'pbx.acme.test',
      wss_url: 'wss://pbx.acme.test:8089/ws',
    });
    expect(response.body.sip_password.length).toBeGreaterThanOrEqual(24);
  });

  it('gives a sip-template device no WSS URL', async () => {
    const agent = await createUserAndLogin(api, admin, { device_template: 'sip' });
    const response = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agent.token });
    expect(response.status).toBe(200);
    expect(response.body.template).toBe('sip');
    expect(response.body.wss_url).toBeNull();
  });

  it('gives every device its own random password of at least 24 characters', async () => {
    const passwords = new Set<string>();
    for (let i = 0; i < 3; i += 1) {
      const agent = await createUserAndLogin(api, admin);
      const device = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agent.token });
      expect(device.body.sip_password.length).toBeGreaterThanOrEqual(24);
      passwords.add(device.body.sip_password);
    }
    expect(passwords.size).toBe(3);
  });

  it('lets an agent rotate their own password: the new one differs and is what Asterisk reads', async () => {
    const agent = await createUserAndLogin(api, admin);
    const before = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agent.token });
    const rotated = await api.request<DeviceCredentials>('POST', `/api/users/${agent.id}/device/rotate-password`, {
      token: agent.token,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.sip_username).toBe(before.body.sip_username);
    expect(rotated.body.sip_password).not.toBe(before.body.sip_password);
    expect(rotated.body.sip_password.length).toBeGreaterThanOrEqual(24);
    const after = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agent.token });
    expect(after.body.sip_password).toBe(rotated.body.sip_password);
    const { auth } = await pjsipRows(api, before.body.sip_username);
    expect(auth?.password).toBe(rotated.body.sip_password);
  });

  it('ends the registrations made with the old password when rotating', async () => {
    const agent = await createUserAndLogin(api, admin);
    const device = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agent.token });
    await insertContact(api, device.body.sip_username);
    expect((await pjsipRows(api, device.body.sip_username)).contacts).toHaveLength(1);
    const rotated = await api.request('POST', `/api/users/${agent.id}/device/rotate-password`, { token: agent.token });
    expect(rotated.status).toBe(200);
    expect((await pjsipRows(api, device.body.sip_username)).contacts).toHaveLength(0);
  });

  it("refuses an agent rotating another user's password with 404 and leaves it unchanged", async () => {
    const agent = await createUserAndLogin(api, admin);
    const victim = await createUserAndLogin(api, admin);
    const before = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: victim.token });
    const response = await api.request('POST', `/api/users/${victim.id}/device/rotate-password`, {
      token: agent.token,
    });
    expect(response.status).toBe(404);
    expect(response.body.sip_password).toBeUndefined();
    const after = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: victim.token });
    expect(after.body.sip_password).toBe(before.body.sip_password);
  });

  it("lets an admin rotate anyone's password", async () => {
    const agent = await createUserAndLogin(api, admin);
    const before = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agent.token });
    const rotated = await api.request<DeviceCredentials>('POST', `/api/users/${agent.id}/device/rotate-password`, {
      token: admin,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.sip_password).not.toBe(before.body.sip_password);
    const after = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agent.token });
    expect(after.body.sip_password).toBe(rotated.body.sip_password);
  });

  it('shows a device without its password to an admin and to its owner, and hides it from other agents', async () => {
    const agent = await createUserAndLogin(api, admin, { name: 'Owner' });
    const other = await createUserAndLogin(api, admin);
    const asAdmin = await api.request<Device>('GET', `/api/users/${agent.id}/device`, { token: admin });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body).toMatchObject({ user_id: agent.id, user_name: 'Owner', template: 'webrtc', is_active: true });
    const secret = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agent.token });
    expect(asAdmin.text).not.toContain(secret.body.sip_password);
    expect(asAdmin.body).not.toHaveProperty('sip_password');
    const asOwner = await api.request<Device>('GET', `/api/users/${agent.id}/device`, { token: agent.token });
    expect(asOwner.status).toBe(200);
    expect(asOwner.body).toEqual(asAdmin.body);
    const asOther = await api.request('GET', `/api/users/${agent.id}/device`, { token: other.token });
    expect(asOther.status).toBe(404);
  });

  it('lists devices for admins only, page by page', async () => {
    const supervisor = await createUserAndLogin(api, admin, { role: 'supervisor' });
    const agent = await createUserAndLogin(api, admin);
    for (const token of [supervisor.token, agent.token]) {
      const refused = await api.request('GET', '/api/devices', { token });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('auth.forbidden');
    }
    const all = await api.request<{ items: Device[]; next_cursor: string | null }>('GET', '/api/devices?limit=200', {
      token: admin,
    });
    expect(all.status).toBe(200);
    expect(all.body.next_cursor).toBeNull();
    const walked: Device[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await api.request<{ items: Device[]; next_cursor: string | null }>(
        'GET',
        `/api/devices?limit=4${query}`,
        { token: admin },
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(4);
      walked.push(...page.body.items);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(walked.map((d) => d.sip_username)).toEqual(all.body.items.map((d) => d.sip_username));
    expect(new Set(walked.map((d) => d.sip_username)).size).toBe(walked.length);
    const sipOnly = await api.request<{ items: Device[] }>('GET', '/api/devices?template=sip&limit=200', {
      token: admin,
    });
    expect(sipOnly.body.items.length).toBeGreaterThan(0);
    expect(sipOnly.body.items.every((d) => d.template === 'sip')).toBe(true);
  });
});

describe('the PJSIP realtime rows Asterisk reads', () => {
  let api: TestServer;
  let admin: string;

  beforeAll(async () => {
    api = await startTestServer(ENV);
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
  });

  it('writes a WebRTC endpoint: WSS transport, webrtc=yes, opus and ulaw, DTLS, one contact replacing the last', async () => {
    const agent = await createUserAndLogin(api, admin, { name: 'Web Agent' });
    const credentials = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agent.token });
    const id = credentials.body.sip_username;
    const { endpoint, auth, aor } = await pjsipRows(api, id);
    expect(endpoint).toMatchObject({
      id,
      transport: api.config.sip.webrtcTransport,
      aors: id,
      auth: id,
      webrtc: 'yes',
      mediaEncryption: 'dtls',
      disallow: 'all',
      context: api.config.sip.context,
      callerid: `"Web Agent" <${credentials.body.extension}>`,
    });
    expect(endpoint?.allow?.split(',')).toEqual(expect.arrayContaining(['opus', 'ulaw']));
    expect(aor).toMatchObject({ id, maxContacts: 1, removeExisting: 'yes' });
    expect(auth).toMatchObject({
      id,
      authType: 'userpass',
      username: id,
      password: credentials.body.sip_password,
    });
  });

  it('writes a sip endpoint with ulaw,alaw on the UDP transport and no WebRTC', async () => {
    const agent = await createUserAndLogin(api, admin, { device_template: 'sip' });
    const credentials = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agent.token });
    const { endpoint, auth, aor } = await pjsipRows(api, credentials.body.sip_username);
    expect(endpoint).toMatchObject({ transport: api.config.sip.udpTransport, allow: 'ulaw,alaw' });
    expect(endpoint?.webrtc ?? 'no').toBe('no');
    expect(endpoint?.mediaEncryption ?? 'no').toBe('no');
    expect(aor).toMatchObject({ maxContacts: 1, removeExisting: 'yes' });
    expect(auth).toMatchObject({ authType: 'userpass', password: credentials.body.sip_password });
  });

  it("updates the caller id Asterisk reads when the user's name changes", async () => {
    const agent = await createUserAndLogin(api, admin, { name: 'Old Name' });
    const credentials = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agent.token });
    await api.request('PUT', `/api/users/${agent.id}`, { token: admin, body: { name: 'New Name' } });
    const { endpoint } = await pjsipRows(api, credentials.body.sip_username);
    expect(endpoint?.callerid).toBe(`"New Name" <${credentials.body.extension}>`);
  });

  it('deletes the endpoint, auth, aor and contacts on deactivation and keeps the device record', async () => {
    const agent = await createUserAndLogin(api, admin);
    const credentials = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agent.token });
    const id = credentials.body.sip_username;
    await insertContact(api, id);
    const before = await pjsipRows(api, id);
    expect([before.endpoint, before.auth, before.aor].every(Boolean)).toBe(true);
    expect(before.contacts).toHaveLength(1);
    await deactivate(api, admin, agent.id);
    const after = await pjsipRows(api, id);
    expect(after).toEqual({ endpoint: undefined, auth: undefined, aor: undefined, contacts: [] });
    const kept = await api.server.database.db.select().from(sipDevices).where(eq(sipDevices.userId, agent.id));
    expect(kept).toEqual([expect.objectContaining({ endpointId: id, isActive: false })]);
  });

  it('writes fresh rows on reactivation, with the template the user had', async () => {
    const agent = await createUserAndLogin(api, admin, { device_template: 'sip' });
    await deactivate(api, admin, agent.id);
    const back = await api.request<User>('PUT', `/api/users/${agent.id}`, { token: admin, body: { is_active: true } });
    expect(back.status).toBe(200);
    const { endpoint, auth, aor } = await pjsipRows(api, back.body.device!.sip_username);
    expect([endpoint, auth, aor].every(Boolean)).toBe(true);
    expect(back.body.device?.template).toBe('sip');
    expect(endpoint?.transport).toBe(api.config.sip.udpTransport);
  });

  it('gives a reactivated user renamed in the same request the new caller id', async () => {
    const agent = await createUserAndLogin(api, admin, { name: 'Before Leaving' });
    await deactivate(api, admin, agent.id);
    const back = await api.request<User>('PUT', `/api/users/${agent.id}`, {
      token: admin,
      body: { is_active: true, name: 'After Return' },
    });
    expect(back.status).toBe(200);
    const { endpoint } = await pjsipRows(api, back.body.device!.sip_username);
    expect(endpoint?.callerid).toBe(`"After Return" <${back.body.device!.extension}>`);
  });
});

describe('endpoint ids across companies', () => {
  it('keeps endpoint ids unique when two companies both have extension 1000', async () => {
    const api = await startTestServer({ ...ENV, SIGNUP_ENABLED: 'true' });
    try {
      const adminA = await api.adminToken();
      const registered = await api.request('POST', '/api/users/register', {
        body: { company_name: 'Globex', name: 'Hank', email: 'hank@globex.test', password: PASSWORD },
      });
      expect(registered.status).toBe(201);
      const adminB: string = registered.body.access_token;
      const deviceA = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: adminA });
      const deviceB = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: adminB });
      expect(deviceA.body.extension).toBe(1000);
      expect(deviceB.body.extension).toBe(1000);
      expect(deviceA.body.sip_username).not.toBe(deviceB.body.sip_username);
      const agentA = await createUser(api, adminA);
      const agentB = await createUser(api, adminB);
      expect(agentA.device?.extension).toBe(1001);
      expect(agentB.device?.extension).toBe(1001);
      expect(agentA.device?.sip_username).not.toBe(agentB.device?.sip_username);
      const ids = (await api.server.database.db.select({ id: psEndpoints.id }).from(psEndpoints)).map((r) => r.id);
      expect(ids).toHaveLength(4);
      expect(new Set(ids).size).toBe(4);
      for (const id of [deviceA.body.sip_username, deviceB.body.sip_username]) {
        expect((await pjsipRows(api, id)).auth?.username).toBe(id);
      }
    } finally {
      await api.close();
    }
  });
});

describe('STUN and TURN for browser softphones', () => {
  const TURN_SECRET = 'coturn-static-auth-secret-0123';
  let api: TestServer;
  let admin: string;

  beforeAll(async () => {
    api = await startTestServer({
      ...ENV,
      WEBRTC_STUN_URLS: 'stun:stun.acme.test:3478',
      WEBRTC_TURN_URLS: 'turn:turn.acme.test:3478?transport=udp, turns:turn.acme.test:5349?transport=tcp',
      WEBRTC_TURN_SECRET: TURN_SECRET,
      WEBRTC_TURN_TTL_SECONDS: '3600',
    });
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
  });

  it('mints a per-user TURN credential that expires, in the TURN REST API form coturn checks', async () => {
    const agent = await createUserAndLogin(api, admin);
    const startedAt = Date.now();
    const response = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agent.token });
    expect(response.status).toBe(200);
    const [stun, turn] = response.body.ice_servers;
    expect(stun).toEqual({ urls: ['stun:stun.acme.test:3478'] });
    expect(turn!.urls).toEqual(['turn:turn.acme.test:3478?transport=udp', 'turns:turn.acme.test:5349?transport=tcp']);
    const [expiry, userId] = turn!.username!.split(':');
    expect(userId).toBe(agent.id);
    expect(Number(expiry) * 1000).toBeGreaterThanOrEqual(startedAt + 3600_000 - 2000);
    expect(Number(expiry) * 1000).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);
    expect(turn!.credential).toBe(createHmac('sha1', TURN_SECRET).update(turn!.username!).digest('base64'));
    expect(Date.parse(response.body.ice_expires_at!)).toBe(Number(expiry) * 1000);
    // The secret itself never leaves the server.
    expect(JSON.stringify(response.body)).not.toContain(TURN_SECRET);

    const rotated = await api.request<DeviceCredentials>('POST', `/api/users/${agent.id}/device/rotate-password`, {
      token: agent.token,
    });
    expect(rotated.body.ice_servers).toHaveLength(2);
  });

  it('gives a desk phone (sip template) no ICE servers', async () => {
    const agent = await createUserAndLogin(api, admin, { device_template: 'sip' });
    const response = await api.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agent.token });
    expect(response.body).toMatchObject({ ice_servers: [], ice_expires_at: null });
  });

  it('answers no ICE servers where none are configured', async () => {
    const plain = await startTestServer(ENV);
    try {
      const agent = await createUserAndLogin(plain, await plain.adminToken());
      const response = await plain.request<DeviceCredentials>('GET', '/api/users/me/device', { token: agent.token });
      expect(response.body).toMatchObject({ ice_servers: [], ice_expires_at: null });
    } finally {
      await plain.close();
    }
  });
});
