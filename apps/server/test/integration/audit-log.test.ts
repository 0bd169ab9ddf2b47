/**
 * The audit log over HTTP: sign-ins and failures, a role change, a forced status, the
 * WhatsApp secrets and a recording download are recorded with who, what, when and the
 * client address; only administrators read it, only their company's, and nothing edits it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callRecordings } from '../../src/db/schema/index.js';
import { ChannelsRepository, ChannelsService } from '../../src/modules/channels/index.js';
import { systemClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/logger.js';
import { answeredOutboundCall, requestsTo, startServerWithPbx, type PbxTest } from '../support/pbx.js';
import { ADMIN_EMAIL, createUserAndLogin, type TestServer } from '../support/server.js';
import { configureWhatsApp } from '../support/whatsapp-graph-stub.js';

interface Entry {
  id: string;
  actor_type: string;
  actor_user_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
  created_at: string;
}

describe('audit log', () => {
  let pbx: PbxTest;
  let api: TestServer;
  let admin: string;
  let adminId: string;

  const audit = async (query: string, token = admin) => {
    const response = await api.request<{ items: Entry[]; next_cursor: string | null }>(
      'GET',
      `/api/audit-log${query}`,
      { token },
    );
    expect(response.status).toBe(200);
    return response.body;
  };

  beforeAll(async () => {
    pbx = await startServerWithPbx({ SIGNUP_ENABLED: 'true' });
    api = pbx.api;
    admin = await api.adminToken();
    adminId = (await api.request('GET', '/api/users/profile', { token: admin })).body.id;
  });
  afterAll(async () => {
    await pbx.close();
  });

  it('records sign-ins and failed attempts of known accounts with the client address', async () => {
    const failed = await api.request('POST', '/api/users/login', {
      body: { email: ADMIN_EMAIL, password: 'not the password at all' },
    });
    expect(failed.status).toBe(401);
    const unknown = await api.request('POST', '/api/users/login', {
      body: { email: 'nobody@nowhere.test', password: 'whatever whatever' },
    });
    expect(unknown.status).toBe(401);

    const page = await audit(`?actor_user_id=${adminId}`);
    const actions = page.items.map((e) => e.action);
    expect(actions).toContain('auth.signed_in');
    expect(actions).toContain('auth.sign_in_failed');
    const failure = page.items.find((e) => e.action === 'auth.sign_in_failed')!;
    expect(failure).toMatchObject({
      actor_type: 'user',
      target_type: 'user',
      target_id: adminId,
      ip: '127.0.0.1',
      details: { reason: 'bad_password' },
    });
    // An unknown address names no company: nobody's log holds it.
    expect(JSON.stringify((await audit('?limit=200')).items)).not.toContain('nobody@nowhere.test');
  });

  it('records a role change in the transaction of the change, with from and to', async () => {
    const user = await createUserAndLogin(api, admin, { role: 'agent' });
    const changed = await api.request('PUT', `/api/users/${user.id}`, { token: admin, body: { role: 'supervisor' } });
    expect(changed.status).toBe(200);
    const renamed = await api.request('PUT', `/api/users/${user.id}`, { token: admin, body: { name: 'Só nome' } });
    expect(renamed.status).toBe(200);
    const page = await audit(`?action=user.role_changed&target_id=${user.id}`);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      actor_type: 'user',
      actor_user_id: adminId,
      target_type: 'user',
      target_id: user.id,
      ip: '127.0.0.1',
      details: { from: 'agent', to: 'supervisor' },
    });
  });

  it("records a supervisor forcing an agent's status", async () => {
    const supervisor = await createUserAndLogin(api, admin, { role: 'supervisor' });
    const agent = await createUserAndLogin(api, admin, { role: 'agent' });
    const forced = await api.request('POST', `/api/wallboard/agents/${agent.id}/status`, {
      token: supervisor.token,
      body: { status: 'away', reason: 'reunião' },
    });
    expect(forced.status).toBe(204);
    const page = await audit(`?action=presence.status_forced&target_id=${agent.id}`);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ actor_user_id: supervisor.id, details: { status: 'away' } });
  });

  it("records a change of the WhatsApp channel's secrets, and never the secrets", async () => {
    const secrets = await configureWhatsApp(api, admin);
    const page = await audit('?action=channel.secrets_changed');
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ actor_user_id: adminId, target_type: 'channel', target_id: 'whatsapp' });
    expect(JSON.stringify(page.items)).not.toContain(secrets.appSecret);
    expect(JSON.stringify(page.items)).not.toContain(secrets.accessToken);
  });

  it('writes the secrets’ entry in the change’s transaction: with it, never without it', async () => {
    const before = (await audit('?action=channel.secrets_changed')).items.length;
    // Written with the change: there as soon as the answer is (no hook after the response).
    await configureWhatsApp(api, admin);
    expect((await audit('?action=channel.secrets_changed')).items).toHaveLength(before + 1);
    const removed = await api.request('DELETE', '/api/channels/whatsapp', { token: admin });
    expect(removed.status, removed.text).toBe(204);
    const after = await audit('?action=channel.secrets_changed');
    expect(after.items).toHaveLength(before + 2);
    expect(after.items[0]).toMatchObject({
      actor_user_id: adminId,
      target_id: 'whatsapp',
      details: { method: 'DELETE' },
    });
    // A change refused (nothing to remove) records nothing.
    const again = await api.request('DELETE', '/api/channels/whatsapp', { token: admin });
    expect(again.status).toBe(404);
    expect((await audit('?action=channel.secrets_changed')).items).toHaveLength(before + 2);

    // An audit write that fails takes the change with it: the number is not configured.
    const companyId = (await api.request('GET', '/api/users/profile', { token: admin })).body.company_id as string;
    const failing = new ChannelsService({
      repository: new ChannelsRepository(api.server.database.db),
      adapters: [],
      audit: {
        record: async () => {
          throw new Error('audit store unavailable');
        },
      },
      clock: systemClock,
      logger: createLogger({ level: 'silent' }),
    } as unknown as ConstructorParameters<typeof ChannelsService>[0]);
    await expect(
      failing.configureWhatsApp(
        { companyId, userId: adminId, role: 'admin' },
        {
          phoneNumberId: '106540352249999',
          accessToken: 'EAAG-rolled-back',
          appSecret: 'a'.repeat(32),
          verifyToken: 'v',
        },
      ),
    ).rejects.toThrow('audit store unavailable');
    const channels = await api.request('GET', '/api/channels', { token: admin });
    expect(channels.status, channels.text).toBe(200);
    expect(channels.text).not.toContain('106540352249999');
  });

  it('records a recording download once per listen, not per Range request', async () => {
    const { agent, callId } = await answeredOutboundCall(pbx, '+55 11 3333-0000');
    const name = requestsTo(pbx.ari, 'POST', `/bridges/${callId}/record`)[0]!.query.name as string;
    const dir = api.config.asterisk.recordingsDir;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.wav`), Buffer.alloc(800));
    await api.server.database.db
      .update(callRecordings)
      .set({ status: 'done', endedAt: new Date() })
      .where(eq(callRecordings.callId, callId));

    const full = await api.request('GET', `/api/calls/${callId}/recording`, { token: agent.token });
    expect(full.status).toBe(200);
    const rest = await fetch(`${api.baseUrl}/api/calls/${callId}/recording`, {
      headers: { authorization: `Bearer ${agent.token}`, range: 'bytes=400-' },
    });
    expect(rest.status).toBe(206);
    await rest.arrayBuffer();
    const page = await audit(`?action=recording.downloaded&target_id=${callId}`);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ actor_user_id: agent.id, target_type: 'call', ip: '127.0.0.1' });
  });

  it('pages newest first with a cursor and filters by time', async () => {
    const first = await audit('?limit=2');
    expect(first.items).toHaveLength(2);
    expect(first.next_cursor).not.toBeNull();
    const second = await audit(`?limit=2&cursor=${first.next_cursor!}`);
    expect(second.items.map((e) => e.id)).not.toContain(first.items[0]!.id);
    const all = [...first.items, ...second.items].map((e) => Date.parse(e.created_at));
    expect([...all].sort((a, b) => b - a)).toEqual(all);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await audit(`?from=${encodeURIComponent(future)}`)).items).toEqual([]);
    const badRange = await api.request(
      'GET',
      `/api/audit-log?from=${encodeURIComponent(future)}&to=2020-01-01T00:00:00Z`,
      {
        token: admin,
      },
    );
    expect(badRange.status).toBe(400);
    const badCursor = await api.request('GET', '/api/audit-log?cursor=nonsense', { token: admin });
    expect(badCursor.status).toBe(400);
    expect(badCursor.headers.get('content-type')).toContain('application/problem+json');
  });

  it('is read by administrators only, each their own company, and never edited through the API', async () => {
    const supervisor = await createUserAndLogin(api, admin, { role: 'supervisor' });
    const agent = await createUserAndLogin(api, admin, { role: 'agent' });
    for (const token of [supervisor.token, agent.token]) {
      expect((await api.request('GET', '/api/audit-log', { token })).status).toBe(403);
    }
    expect((await api.request('GET', '/api/audit-log')).status).toBe(401);

    const registered = await api.request('POST', '/api/users/register', {
      body: {
        company_name: 'Outra',
        name: 'Outro Admin',
        email: 'outro@outra.test',
        password: 'uma senha bem longa e boa',
      },
    });
    expect(registered.status).toBe(201);
    const other = await audit('?limit=200', registered.body.access_token);
    expect(other.items.every((e) => e.actor_user_id === registered.body.user.id || e.actor_user_id === null)).toBe(
      true,
    );
    expect(other.items.some((e) => e.actor_user_id === adminId)).toBe(false);

    const some = (await audit('?limit=1')).items[0]!;
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const path = method === 'POST' ? '/api/audit-log' : `/api/audit-log/${some.id}`;
      const response = await api.request(method, path, { token: admin, body: { action: 'x.y' } });
      expect([404, 405]).toContain(response.status);
    }
    expect((await audit(`?limit=200`)).items.find((e) => e.id === some.id)).toEqual(some);
  });
});
