/** Units, residents, intercom settings and the call record over HTTP: roles, validation, tenancy. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';

describe('intercom company data', () => {
  let api: TestServer;
  let admin: string;
  let supervisor: string;
  let agent: string;

  beforeAll(async () => {
    api = await startTestServer({ LOGIN_MAX_ATTEMPTS_PER_IP: '100000', SIGNUP_ENABLED: 'true' });
    admin = await api.adminToken();
    supervisor = (await createUserAndLogin(api, admin, { role: 'supervisor' })).token;
    agent = (await createUserAndLogin(api, admin, { role: 'agent' })).token;
  });
  afterAll(() => api.close());

  it('lets admins manage units and residents and supervisors read them', async () => {
    const unit = await api.request('POST', '/api/voicebot/units', {
      token: admin,
      body: { number: ' 12b ', label: 'Bloco B' },
    });
    expect(unit.status).toBe(201);
    expect(unit.body).toMatchObject({ number: '12B', label: 'Bloco B', resident_count: 0 });
    const resident = await api.request('POST', '/api/voicebot/residents', {
      token: admin,
      body: { unit_id: unit.body.id, name: 'Clara Nunes', phone: '+55 11 90000-0000', priority: 1 },
    });
    expect(resident.status).toBe(201);
    expect(resident.body).toMatchObject({
      unit_number: '12B',
      name: 'Clara Nunes',
      sip_extension: null,
      is_active: true,
    });

    const listed = await api.request('GET', `/api/voicebot/residents?unit_id=${unit.body.id}`, { token: supervisor });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((r: { name: string }) => r.name)).toEqual(['Clara Nunes']);
    expect(
      (await api.request('GET', `/api/voicebot/units/${unit.body.id}`, { token: supervisor })).body.resident_count,
    ).toBe(1);

    const patched = await api.request('PATCH', `/api/voicebot/residents/${resident.body.id}`, {
      token: admin,
      body: { sip_extension: '1050', phone: null },
    });
    expect(patched.body).toMatchObject({ sip_extension: '1050', phone: null });
    const unreachable = await api.request('PATCH', `/api/voicebot/residents/${resident.body.id}`, {
      token: admin,
      body: { sip_extension: null },
    });
    expect(unreachable.status).toBe(400);
    expect(unreachable.body.code).toBe('voicebot_resident.unreachable');

    const busy = await api.request('DELETE', `/api/voicebot/units/${unit.body.id}`, { token: admin });
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('voicebot_unit.has_residents');
    expect((await api.request('DELETE', `/api/voicebot/residents/${resident.body.id}`, { token: admin })).status).toBe(
      204,
    );
    expect((await api.request('DELETE', `/api/voicebot/units/${unit.body.id}`, { token: admin })).status).toBe(204);
  });

  it('refuses writes by supervisors and everything by agents', async () => {
    const asSupervisor = await api.request('POST', '/api/voicebot/units', { token: supervisor, body: { number: '1' } });
    expect(asSupervisor.status).toBe(403);
    expect((await api.request('GET', '/api/voicebot/units', { token: agent })).status).toBe(403);
    expect((await api.request('GET', '/api/voicebot/calls', { token: agent })).status).toBe(403);
    expect((await api.request('GET', '/api/voicebot/units')).status).toBe(401);
  });

  it('validates bodies and keeps unit numbers unique per company', async () => {
    expect((await api.request('POST', '/api/voicebot/units', { token: admin, body: { number: '' } })).status).toBe(400);
    expect(
      (await api.request('POST', '/api/voicebot/units', { token: admin, body: { number: '7', x: 1 } })).status,
    ).toBe(400);
    const first = await api.request('POST', '/api/voicebot/units', { token: admin, body: { number: '707' } });
    expect(first.status).toBe(201);
    const again = await api.request('POST', '/api/voicebot/units', { token: admin, body: { number: '707' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('voicebot_unit.number_taken');
    const noContact = await api.request('POST', '/api/voicebot/residents', {
      token: admin,
      body: { unit_id: first.body.id, name: 'Sem Contato' },
    });
    expect(noContact.status).toBe(400);
    const unknownUnit = await api.request('POST', '/api/voicebot/residents', {
      token: admin,
      body: { unit_id: '00000000-0000-4000-8000-000000000000', name: 'X', sip_extension: '1' },
    });
    expect(unknownUnit.status).toBe(404);
  });

  it('never returns the gate secret and requires one with a webhook URL', async () => {
    const initial = await api.request('GET', '/api/voicebot/settings', { token: supervisor });
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({ gate_webhook_url: null, has_gate_webhook_secret: false });
    expect(initial.body.intercom_uuid).toMatch(/^[0-9a-f-]{36}$/);
    const withoutSecret = await api.request('PUT', '/api/voicebot/settings', {
      token: admin,
      body: { gate_webhook_url: 'https://gate.example.test/open' },
    });
    expect(withoutSecret.status).toBe(400);
    const secret = 'super-secret-signing-key-123';
    const saved = await api.request('PUT', '/api/voicebot/settings', {
      token: admin,
      body: { gate_webhook_url: 'https://gate.example.test/open', gate_webhook_secret: secret },
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      gate_webhook_url: 'https://gate.example.test/open',
      has_gate_webhook_secret: true,
    });
    expect(saved.text).not.toContain(secret);
    expect(saved.body.intercom_uuid).toBe(initial.body.intercom_uuid);
    expect((await api.request('PUT', '/api/voicebot/settings', { token: supervisor, body: {} })).status).toBe(403);
    const badUrl = await api.request('PUT', '/api/voicebot/settings', {
      token: admin,
      body: { gate_webhook_url: 'ftp://x' },
    });
    expect(badUrl.status).toBe(400);
  });

  it('hides one company’s intercom data from another (404, not 403)', async () => {
    const unit = await api.request('POST', '/api/voicebot/units', { token: admin, body: { number: '808' } });
    const signup = await api.request('POST', '/api/users/register', {
      body: {
        company_name: 'Other',
        name: 'Other Admin',
        email: `other-${Date.now()}@other.test`,
        password: 'another long password',
      },
    });
    expect(signup.status).toBe(201);
    const other = { accessToken: signup.body.access_token as string };
    expect((await api.request('GET', `/api/voicebot/units/${unit.body.id}`, { token: other.accessToken })).status).toBe(
      404,
    );
    expect((await api.request('GET', '/api/voicebot/units', { token: other.accessToken })).body.items).toEqual([]);
    const patch = await api.request('PATCH', `/api/voicebot/units/${unit.body.id}`, {
      token: other.accessToken,
      body: { label: 'stolen' },
    });
    expect(patch.status).toBe(404);
    const otherSettings = await api.request('GET', '/api/voicebot/settings', { token: other.accessToken });
    const mine = await api.request('GET', '/api/voicebot/settings', { token: admin });
    expect(otherSettings.body.intercom_uuid).not.toBe(mine.body.intercom_uuid);
    expect(
      (await api.request('GET', '/api/voicebot/calls/00000000-0000-4000-8000-000000000000', { token: admin })).status,
    ).toBe(404);
  });
});
