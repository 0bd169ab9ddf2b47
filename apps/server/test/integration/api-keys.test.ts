/**
 * API keys over HTTP: created by admins and shown once, stored hashed, accepted as
 * `Authorization: Bearer` on the routes their scopes open (403 elsewhere), refused once
 * revoked or expired (401), recorded in the audit log; VOICEBOT_API_KEY keeps working.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';

const VOICEBOT_KEY = 'voicebot-bootstrap-key-0123456789abcdef0123';

describe('API keys', () => {
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
  let api: TestServer;
  let admin: string;

  beforeAll(async () => {
    api = await startTestServer({ VOICEBOT_API_KEY: VOICEBOT_KEY }, { clock });
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
  });
  // A test that fails with the clock moved leaves it where the next test expects it.
  afterEach(() => {
    clock.offsetMs = 0;
  });

  async function createKey(body: Record<string, unknown>) {
    const created = await api.request('POST', '/api/api-keys', { token: admin, body });
    expect(created.status, created.text).toBe(201);
    return created.body as { id: string; key: string; prefix: string };
  }

  it('is shown once and kept as a prefix and a hash', async () => {
    const created = await createKey({ name: 'CRM sync', scopes: ['calls:read'] });
    expect(created.key).toMatch(/^sbk_[A-Za-z0-9_-]{40}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    const listed = await api.request('GET', '/api/api-keys', { token: admin });
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(created.key);
    expect(listed.body.items.find((k: { id: string }) => k.id === created.id)).toMatchObject({
      name: 'CRM sync',
      scopes: ['calls:read'],
      prefix: created.prefix,
      last_used_at: null,
      revoked_at: null,
    });
    const agent = await createUserAndLogin(api, admin, { role: 'agent' });
    expect((await api.request('GET', '/api/api-keys', { token: agent.token })).status).toBe(403);
    expect(
      (await api.request('POST', '/api/api-keys', { token: agent.token, body: { name: 'x', scopes: ['calls:read'] } }))
        .status,
    ).toBe(403);
    const badScope = await api.request('POST', '/api/api-keys', {
      token: admin,
      body: { name: 'x', scopes: ['admin'] },
    });
    expect(badScope.status).toBe(400);
  });

  it('opens the routes of its scopes only, as its company, and records its last use', async () => {
    const { key, id } = await createKey({ name: 'reader', scopes: ['calls:read', 'conversations:read'] });
    const conversation = await api.request('POST', '/api/conversations', {
      token: admin,
      body: { channel: 'webchat', contact: { name: 'Ana', phone: '+5511990003333' } },
    });
    expect(conversation.status).toBe(201);

    expect((await api.request('GET', '/api/calls/history', { token: key })).status).toBe(200);
    const listed = await api.request('GET', '/api/conversations', { token: key });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((c: { id: string }) => c.id)).toContain(conversation.body.id);
    expect((await api.request('GET', `/api/conversations/${conversation.body.id}`, { token: key })).status).toBe(200);

    for (const [method, path] of [
      ['POST', `/api/conversations/${conversation.body.id}/close`],
      ['GET', '/api/users'],
      ['GET', '/api/api-keys'],
      ['GET', '/api/webhooks'],
      ['GET', '/api/wallboard'],
    ] as const) {
      const answer = await api.request(method, path, { token: key, ...(method === 'POST' ? { body: {} } : {}) });
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.body.code).toBe('auth.scope_missing');
    }
    const read = await api.request('GET', '/api/api-keys', { token: admin });
    expect(read.body.items.find((k: { id: string }) => k.id === id).last_used_at).toEqual(expect.any(String));

    const writer = await createKey({ name: 'writer', scopes: ['conversations:write'] });
    const patched = await api.request('PATCH', `/api/conversations/${conversation.body.id}`, {
      token: writer.key,
      body: { priority: 'high' },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.priority).toBe('high');
    // A key that writes acts as itself: the close has no user as its author, and the audit
    // log names the key.
    const sendAsKey = await api.request('POST', `/api/conversations/${conversation.body.id}/messages`, {
      token: writer.key,
      body: { text: 'a message needs a user as its author' },
    });
    expect(sendAsKey.status).toBe(403);
    expect(sendAsKey.body.code).toBe('auth.scope_missing');
    const agent = await createUserAndLogin(api, admin, { role: 'agent' });
    const assigned = await api.request('POST', `/api/conversations/${conversation.body.id}/assign`, {
      token: writer.key,
      body: { agent_id: agent.id },
    });
    expect(assigned.status, assigned.text).toBe(200);
    expect(assigned.body.assignee_id).toBe(agent.id);
    const close = await api.request('POST', `/api/conversations/${conversation.body.id}/close`, {
      token: writer.key,
      body: { rating: 4 },
    });
    expect(close.status, close.text).toBe(200);
    expect(close.body).toMatchObject({ status: 'resolved', rating: 4 });
    const trail = await api.request(
      'GET',
      `/api/audit-log?action=api_key.used&target_type=conversation&target_id=${conversation.body.id}`,
      { token: admin },
    );
    expect(trail.status, trail.text).toBe(200);
    const entries = trail.body.items as Record<string, any>[];
    expect(entries.map((e) => e.details.route).sort()).toEqual(
      ['/api/conversations/:id', '/api/conversations/:id/assign', '/api/conversations/:id/close'].sort(),
    );
    for (const entry of entries) {
      expect(entry).toMatchObject({ actor_type: 'api_key', actor_api_key_id: writer.id, actor_user_id: null });
    }
  });

  it('answers 401 once revoked or expired, and the audit log names the key', async () => {
    const revoked = await createKey({ name: 'to revoke', scopes: ['calls:read'] });
    expect((await api.request('GET', '/api/calls/history', { token: revoked.key })).status).toBe(200);
    expect((await api.request('DELETE', `/api/api-keys/${revoked.id}`, { token: admin })).status).toBe(204);
    const refused = await api.request('GET', '/api/calls/history', { token: revoked.key });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('auth.invalid_api_key');
    expect((await api.request('GET', '/api/calls/history', { token: 'sbk_not-a-key-at-all' })).status).toBe(401);

    const expiring = await createKey({
      name: 'an hour',
      scopes: ['calls:read'],
      expires_at: new Date(clock.now().getTime() + 3600_000).toISOString(),
    });
    expect((await api.request('GET', '/api/calls/history', { token: expiring.key })).status).toBe(200);
    clock.offsetMs = 2 * 3600_000;
    expect((await api.request('GET', '/api/calls/history', { token: expiring.key })).status).toBe(401);
    clock.offsetMs = 0;

    const audit = await api.request('GET', '/api/audit-log?limit=100', { token: admin });
    expect(audit.status, audit.text).toBe(200);
    const actions = (audit.body.items as { action: string; target_id: string }[]).filter(
      (e) => e.target_id === revoked.id,
    );
    expect(actions.map((e) => e.action).sort()).toEqual(['api_key.created', 'api_key.revoked']);
  });

  it('with the voicebot scope reaches the voice bot’s endpoints, as VOICEBOT_API_KEY still does', async () => {
    const bot = await createKey({ name: 'bot', scopes: ['voicebot'] });
    expect((await api.request('GET', '/api/status', { token: bot.key })).status).toBe(200);
    expect((await api.request('GET', '/api/status', { headers: { 'x-api-key': VOICEBOT_KEY } })).status).toBe(200);
    const reader = await createKey({ name: 'no bot', scopes: ['calls:read'] });
    const refused = await api.request('GET', '/api/status', { token: reader.key });
    expect(refused.status).toBe(403);
  });
});
