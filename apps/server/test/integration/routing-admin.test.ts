/**
 * Queues, members, skills, channel routing and settings over HTTP: validation, roles and
 * tenancy; the supervisor's live figures over Socket.IO.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueue, customerWrites, newCustomer, routeWhatsAppTo } from '../support/routing.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import { connectSocket } from '../support/socket.js';
import {
  configureWhatsApp,
  startGraphStub,
  type GraphStub,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

describe('routing administration', () => {
  let graph: GraphStub;
  let api: TestServer;
  let admin: string;
  let secrets: WhatsAppChannelSecrets;

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startTestServer({ WHATSAPP_GRAPH_URL: graph.url, SIGNUP_ENABLED: 'true' });
    admin = await api.adminToken();
    secrets = await configureWhatsApp(api, admin);
  });
  afterAll(async () => {
    await api.close();
    await graph.close();
  });

  it('creates a queue with the documented defaults, changes and deletes it', async () => {
    const created = await api.request('POST', '/api/queues', {
      token: admin,
      body: { name: 'Geral', channels: ['whatsapp', 'webchat'] },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/queues/${created.body.id}`);
    expect(created.body).toMatchObject({
      name: 'Geral',
      channels: ['whatsapp', 'webchat'],
      strategy: 'longest_idle',
      offer_mode: 'auto',
      offer_timeout_seconds: 20,
      required_skills: [],
      service_level_seconds: 20,
      service_level_target: 0.8,
      max_wait_seconds: null,
      overflow: null,
      wrap_up_seconds: 0,
      announce_position: false,
      business_hours: null,
      members: [],
    });
    const patched = await api.request('PATCH', `/api/queues/${created.body.id}`, {
      token: admin,
      body: { strategy: 'round_robin', required_skills: [{ name: 'Inglês', min_level: 3 }] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      strategy: 'round_robin',
      required_skills: [{ name: 'inglês', min_level: 3 }],
    });
    expect((await api.request('DELETE', `/api/queues/${created.body.id}`, { token: admin })).status).toBe(204);
    expect((await api.request('GET', `/api/queues/${created.body.id}`, { token: admin })).status).toBe(404);
  });

  it('refuses bad input with problem+json and stable codes', async () => {
    const invalid = await api.request('POST', '/api/queues', {
      token: admin,
      body: { name: '', channels: [], strategy: 'fastest' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toContain('application/problem+json');
    expect(invalid.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['body.name', 'body.channels', 'body.strategy']),
    );
    const queue = await createQueue(api, admin, { name: 'Única' });
    const taken = await api.request('POST', '/api/queues', {
      token: admin,
      body: { name: 'Única', channels: ['voice'] },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('queue.name_taken');
    const missing = await api.request('POST', '/api/queues', {
      token: admin,
      body: {
        name: 'Transborda',
        channels: ['voice'],
        overflow: { action: 'queue', queue_id: '00000000-0000-4000-8000-000000000001' },
      },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('queue.not_found');
    const self = await api.request('PATCH', `/api/queues/${queue.id}`, {
      token: admin,
      body: { overflow: { action: 'queue', queue_id: queue.id } },
    });
    expect(self.status).toBe(400);
    expect(self.body.code).toBe('queue.overflow_to_self');
    const members = await api.request('PUT', `/api/queues/${queue.id}/members`, {
      token: admin,
      body: [{ user_id: '00000000-0000-4000-8000-000000000002' }],
    });
    expect(members.status).toBe(404);
    expect(members.body.code).toBe('user.not_found');
    const zone = await api.request('PUT', '/api/routing/settings', {
      token: admin,
      body: { time_zone: 'Mars/Olympus', language: 'pt-BR' },
    });
    expect(zone.status).toBe(400);
    const settings = await api.request('PUT', '/api/routing/settings', {
      token: admin,
      body: { time_zone: 'America/Manaus', language: 'en' },
    });
    expect(settings.body).toEqual({ time_zone: 'America/Manaus', language: 'en' });
    await api.request('PUT', '/api/routing/settings', {
      token: admin,
      body: { time_zone: 'America/Sao_Paulo', language: 'pt-BR' },
    });
  });

  it('lets admins manage, supervisors read, and agents see only the queues they serve', async () => {
    const supervisor = await createUserAndLogin(api, admin, { role: 'supervisor' });
    const agent = await createUserAndLogin(api, admin, { role: 'agent' });
    const served = await createQueue(api, admin, { name: 'Do agente' });
    const other = await createQueue(api, admin, { name: 'De outros' });
    await api.request('PUT', `/api/queues/${served.id}/members`, {
      token: admin,
      body: [{ user_id: agent.id, priority: 1 }],
    });

    expect(
      (await api.request('POST', '/api/queues', { token: supervisor.token, body: { name: 'x', channels: ['voice'] } }))
        .status,
    ).toBe(403);
    expect((await api.request('GET', `/api/queues/${other.id}/entries`, { token: supervisor.token })).status).toBe(200);
    const listed = await api.request('GET', '/api/queues', { token: agent.token });
    expect(listed.body.items.map((q: { id: string }) => q.id)).toEqual([served.id]);
    expect(listed.body.items[0].members).toEqual([expect.objectContaining({ user_id: agent.id, priority: 1 })]);
    expect((await api.request('GET', `/api/queues/${other.id}`, { token: agent.token })).status).toBe(404);
    expect(
      (await api.request('PATCH', `/api/queues/${served.id}`, { token: agent.token, body: { priority: 5 } })).status,
    ).toBe(403);
    expect((await api.request('PUT', `/api/users/${agent.id}/skills`, { token: agent.token, body: [] })).status).toBe(
      403,
    );
    expect((await api.request('GET', '/api/channels/whatsapp/routing', { token: agent.token })).status).toBe(403);

    const skills = await api.request('PUT', `/api/users/${agent.id}/skills`, {
      token: admin,
      body: [{ name: 'Vendas', level: 7 }],
    });
    expect(skills.body).toEqual({
      user_id: agent.id,
      capacity: { whatsapp: 3, webchat: 3, voice: 1 },
      skills: [{ name: 'vendas', level: 7 }],
    });
    const own = await api.request('GET', `/api/users/${agent.id}/routing`, { token: agent.token });
    expect(own.body.skills).toEqual([{ name: 'vendas', level: 7 }]);
    const tooMany = await api.request('PATCH', `/api/users/${agent.id}`, {
      token: admin,
      body: { capacity: { whatsapp: 99 } },
    });
    expect(tooMany.status).toBe(400);
  });

  it('answers 404 for another company’s queues, users and reasons', async () => {
    const mine = await createQueue(api, admin, { name: 'Minha' });
    const rival = await api.request('POST', '/api/users/register', {
      body: {
        company_name: 'Rival',
        name: 'Rita',
        email: `rita-${Date.now()}@rival.test`,
        password: 'long-enough-password',
      },
    });
    const rivalToken = rival.body.access_token as string;
    const rivalUser = rival.body.user.id as string;
    for (const [method, path, body] of [
      ['GET', `/api/queues/${mine.id}`, undefined],
      ['PATCH', `/api/queues/${mine.id}`, { priority: 1 }],
      ['DELETE', `/api/queues/${mine.id}`, undefined],
      ['GET', `/api/queues/${mine.id}/entries`, undefined],
      ['PUT', `/api/queues/${mine.id}/members`, []],
    ] as const) {
      const response = await api.request(method, path, { token: rivalToken, ...(body ? { body } : {}) });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.code).toBe('queue.not_found');
    }
    expect((await api.request('GET', '/api/queues', { token: rivalToken })).body.items).toEqual([]);
    const foreignMember = await api.request('PUT', `/api/queues/${mine.id}/members`, {
      token: admin,
      body: [{ user_id: rivalUser }],
    });
    expect(foreignMember.status).toBe(404);
    expect((await api.request('PUT', `/api/users/${rivalUser}/skills`, { token: admin, body: [] })).status).toBe(404);
    const reason = await api.request('POST', '/api/presence/pause-reasons', {
      token: admin,
      body: { name: 'Treinamento' },
    });
    expect(
      (await api.request('DELETE', `/api/presence/pause-reasons/${reason.body.id}`, { token: rivalToken })).status,
    ).toBe(404);
    const rivalRouting = await api.request('PUT', '/api/channels/whatsapp/routing', {
      token: rivalToken,
      body: { default_queue_id: mine.id },
    });
    expect(rivalRouting.status).toBe(404);
  });

  it('counts the service level of the last 30 minutes in queue_stats: answers within the threshold over answers and abandons, short abandons apart', async () => {
    const queue = await createQueue(api, admin, { name: 'Nível', service_level_seconds: 20 });
    const supervisor = await createUserAndLogin(api, admin, { role: 'supervisor' });
    const board = await connectSocket(api.baseUrl, { token: supervisor.token });
    const db = api.server.database.db;
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    // [state, wait, answered, ended]: counted when answered, or when it ended unanswered.
    const items: [string, number | null, string | null, string | null][] = [
      ['assigned', 10, minutesAgo(5), null], // within 20 s
      ['completed', 40, minutesAgo(10), minutesAgo(2)], // answered late
      ['abandoned', 30, null, minutesAgo(3)], // a real abandon
      ['abandoned', 3, null, minutesAgo(3)], // under 5 s: apart
      ['completed', 5, minutesAgo(45), minutesAgo(20)], // answered before the window: not counted
      ['waiting', null, null, null], // keeps the queue's figures going out
    ];
    for (const [state, wait, answered, ended] of items) {
      await db.execute(sql`
        insert into queue_entries (id, company_id, queue_id, channel, enqueued_at, original_enqueued_at, state,
                                   assigned_at, wait_seconds, ended_at, updated_at)
        select ${randomUUID()}, company_id, id, 'whatsapp', now() - interval '1 hour', now() - interval '90 seconds',
               ${state}, ${answered}::timestamptz, ${wait}::int, ${ended}::timestamptz, now()
          from queues where id = ${queue.id}`);
    }
    const isComplete = (e: { event: string; data: Record<string, unknown> }) =>
      e.event === 'queue_stats' && e.data.queue_id === queue.id && e.data.waiting === 1;
    await board.waitFor((r) => r.some(isComplete));
    const stats = board.received.find(isComplete)!;
    expect(stats.data.service_level_30m).toBeCloseTo(1 / 3);
    expect(stats.data.longest_wait_seconds).toBeGreaterThanOrEqual(90);
    board.socket.disconnect();
    await db.execute(sql`delete from queue_entries where queue_id = ${queue.id}`);
  });

  it('keeps a queue with waiting items, and sends managers queue_stats and service_level_breached', async () => {
    const queue = await createQueue(api, admin, { name: 'Painel', service_level_seconds: 1 });
    await routeWhatsAppTo(api, admin, { default_queue_id: queue.id });
    const supervisor = await createUserAndLogin(api, admin, { role: 'supervisor' });
    const board = await connectSocket(api.baseUrl, { token: supervisor.token });
    const phone = newCustomer();
    await customerWrites(api, secrets, phone, 'Olá');
    await board.waitFor((r) => r.some((e) => e.event === 'queue_entry_created' && e.data.queue_id === queue.id));
    await board.waitFor((r) =>
      r.some((e) => e.event === 'queue_stats' && e.data.queue_id === queue.id && e.data.waiting === 1),
    );
    const stats = board.received.find((e) => e.event === 'queue_stats' && e.data.queue_id === queue.id)!;
    expect(stats.data).toMatchObject({
      waiting: 1,
      agents: { available: 0, busy: 0, wrap_up: 0, paused: 0, offline: 0 },
      service_level_30m: null,
    });
    await board.waitFor((r) => r.some((e) => e.event === 'service_level_breached' && e.data.queue_id === queue.id));
    const statTimes = board.received
      .filter((e) => e.event === 'queue_stats' && e.data.queue_id === queue.id)
      .map((e) => new Date(e.data.at as string).getTime());
    for (let i = 1; i < statTimes.length; i += 1)
      expect(statTimes[i]! - statTimes[i - 1]!).toBeGreaterThanOrEqual(1000);

    const blocked = await api.request('DELETE', `/api/queues/${queue.id}`, { token: admin });
    expect(blocked.status).toBe(409);
    expect(blocked.body.code).toBe('queue.not_empty');
    board.socket.disconnect();
  });
});
