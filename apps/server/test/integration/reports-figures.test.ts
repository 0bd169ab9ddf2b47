/**
 * Queue and agent reports over HTTP on seeded facts whose answers are worked out by hand
 * (docs/adr/0020-report-definitions.md): a day of one WhatsApp queue in São Paulo, with
 * an abandon at 23:30 local that UTC puts on the next day.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentStatusChanges,
  contacts,
  conversationLabels,
  conversations,
  messages,
  queueEntries,
  reportEntryFacts,
  routingOffers,
} from '../../src/db/schema/index.js';
import { createQueue } from '../support/routing.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';

const at = (iso: string) => new Date(iso);

describe('reports', () => {
  let api: TestServer;
  let admin: string;
  let companyId: string;
  let queue: { id: string; name: string };
  let x: { id: string; token: string };
  let y: { id: string; token: string };
  let supervisor: { token: string };
  const conversationIds: string[] = [];

  const range = 'from=2026-03-10T03:00:00Z&to=2026-03-12T03:00:00Z';

  beforeAll(async () => {
    api = await startTestServer({ SIGNUP_ENABLED: 'true' });
    admin = await api.adminToken();
    companyId = (await api.request('GET', '/api/users/profile', { token: admin })).body.company_id;
    queue = await createQueue(api, admin, { name: 'Vendas', service_level_seconds: 20 });
    x = await createUserAndLogin(api, admin, { name: 'Xavier' });
    y = await createUserAndLogin(api, admin, { name: 'Yara' });
    supervisor = await createUserAndLogin(api, admin, { name: 'Sueli', role: 'supervisor' });
    await seed();
  });
  afterAll(async () => {
    await api.close();
  });

  async function seed() {
    const db = api.server.database.db;
    const conversation = async (rating: number | null, assigneeId: string) => {
      const contactId = randomUUID();
      const id = randomUUID();
      const now = at('2026-03-10T12:00:00Z');
      await db.insert(contacts).values({ id: contactId, companyId, name: 'Cliente', createdAt: now, updatedAt: now });
      await db.insert(conversations).values({
        id,
        companyId,
        contactId,
        channel: 'whatsapp',
        status: 'resolved',
        assigneeId,
        rating,
        ratedBy: rating === null ? null : 'customer',
        lastActivityAt: now,
        createdAt: now,
        updatedAt: now,
      });
      conversationIds.push(id);
      return id;
    };
    const c1 = await conversation(5, x.id);
    const c2 = await conversation(3, y.id);
    const c7 = await conversation(null, x.id);
    const entry = async (input: {
      enqueued: string;
      state: 'completed' | 'abandoned';
      assignedTo?: string;
      assigned?: string;
      ended: string;
      wait: number;
      conversationId?: string;
      wrapUpUntil?: string;
    }) => {
      const id = randomUUID();
      await db.insert(queueEntries).values({
        id,
        companyId,
        queueId: queue.id,
        channel: 'whatsapp',
        conversationId: input.conversationId ?? null,
        enqueuedAt: at(input.enqueued),
        originalEnqueuedAt: at(input.enqueued),
        state: input.state,
        assignedTo: input.assignedTo ?? null,
        assignedAt: input.assigned ? at(input.assigned) : null,
        waitSeconds: input.wait,
        endedAt: at(input.ended),
        endReason: input.state === 'completed' ? 'closed' : 'customer_left',
        updatedAt: at(input.ended),
      });
      // What the module records on arrival: the threshold then (20 s).
      await db.insert(reportEntryFacts).values({
        entryId: id,
        companyId,
        queueId: queue.id,
        serviceLevelSeconds: 20,
        wrapUpUntil: input.wrapUpUntil ? at(input.wrapUpUntil) : null,
        recordedAt: at(input.enqueued),
      });
      return id;
    };
    // Answered in 10 s, handled 300 s, first agent reply 70 s after arrival, CSAT 5.
    await entry({
      enqueued: '2026-03-10T12:00:00Z',
      state: 'completed',
      assignedTo: x.id,
      assigned: '2026-03-10T12:00:10Z',
      ended: '2026-03-10T12:05:10Z',
      wait: 10,
      conversationId: c1,
    });
    await db.insert(messages).values({
      id: randomUUID(),
      companyId,
      conversationId: c1,
      direction: 'outbound',
      authorType: 'agent',
      authorId: x.id,
      type: 'text',
      body: 'Olá!',
      createdAt: at('2026-03-10T12:01:10Z'),
      updatedAt: at('2026-03-10T12:01:10Z'),
    });
    // Answered in 30 s (past the threshold), handled 600 s, 30 s of wrap-up, CSAT 3.
    const e2 = await entry({
      enqueued: '2026-03-10T13:00:00Z',
      state: 'completed',
      assignedTo: y.id,
      assigned: '2026-03-10T13:00:30Z',
      ended: '2026-03-10T13:10:30Z',
      wait: 30,
      conversationId: c2,
      wrapUpUntil: '2026-03-10T13:11:00Z',
    });
    // Xavier let an offer of it expire first.
    await db.insert(routingOffers).values({
      id: randomUUID(),
      companyId,
      entryId: e2,
      queueId: queue.id,
      agentId: x.id,
      channel: 'whatsapp',
      state: 'expired',
      offeredAt: at('2026-03-10T13:00:05Z'),
      expiresAt: at('2026-03-10T13:00:25Z'),
    });
    // A short abandon (3 s), one past the threshold (40 s), one within it (15 s).
    await entry({ enqueued: '2026-03-10T14:00:00Z', state: 'abandoned', ended: '2026-03-10T14:00:03Z', wait: 3 });
    await entry({ enqueued: '2026-03-10T14:10:00Z', state: 'abandoned', ended: '2026-03-10T14:10:40Z', wait: 40 });
    await entry({ enqueued: '2026-03-10T14:20:00Z', state: 'abandoned', ended: '2026-03-10T14:20:15Z', wait: 15 });
    // 23:30 in São Paulo on the 10th, already the 11th in UTC: 50 s, past the threshold.
    await entry({ enqueued: '2026-03-11T02:30:00Z', state: 'abandoned', ended: '2026-03-11T02:30:50Z', wait: 50 });
    // 00:30 in São Paulo on the 11th: answered in 5 s, handled 600 s.
    await entry({
      enqueued: '2026-03-11T03:30:00Z',
      state: 'completed',
      assignedTo: x.id,
      assigned: '2026-03-11T03:30:05Z',
      ended: '2026-03-11T03:40:05Z',
      wait: 5,
      conversationId: c7,
    });
    // Xavier: online 11:00–13:00 UTC, then paused, then offline.
    for (const [status, when] of [
      ['online', '2026-03-10T11:00:00Z'],
      ['away', '2026-03-10T13:00:00Z'],
      ['offline', '2026-03-10T15:00:00Z'],
    ] as const) {
      await db.insert(agentStatusChanges).values({ id: randomUUID(), companyId, userId: x.id, status, at: at(when) });
    }
  }

  const whatsapp = (rows: any[], bucket: string | null) =>
    rows.find((r) => r.bucket_start === bucket && r.channel === 'whatsapp');

  it('counts a São Paulo day by its local midnight, with hand-computed service level and handle times', async () => {
    const response = await api.request('GET', `/api/reports/queues?${range}&tz=America/Sao_Paulo&interval=day`, {
      token: supervisor.token,
    });
    expect(response.status).toBe(200);
    const day10 = whatsapp(response.body.rows, '2026-03-10T03:00:00.000Z');
    expect(day10).toMatchObject({
      queue_id: queue.id,
      queue_name: 'Vendas',
      offered: 6,
      answered: 2,
      answered_within_sl: 1,
      abandoned: 3,
      short_abandoned: 1,
      abandoned_after_sl: 2,
      // 1 answered within 20 s / (2 answered + 2 abandoned after 20 s)
      service_level: 0.25,
      asa_seconds: 20,
      handled: 2,
      aht_seconds: 450,
      total_handle_seconds: 900,
      wrap_up_seconds: 30,
      first_response_seconds: 70,
      // (310 + 630) / 2
      resolution_seconds: 470,
      csat_average: 4,
      csat_count: 2,
    });
    const day11 = whatsapp(response.body.rows, '2026-03-11T03:00:00.000Z');
    expect(day11).toMatchObject({ offered: 1, answered: 1, abandoned: 0, service_level: 1, aht_seconds: 600 });
    const total = whatsapp(response.body.totals, null);
    expect(total).toMatchObject({ offered: 7, answered: 3, abandoned: 3, handled: 3, total_handle_seconds: 1500 });
    const all = response.body.totals.find((r: any) => r.channel === 'all');
    expect(all.offered).toBe(7);
  });

  it('moves the 23:30 abandon to the next day when the report is read in UTC', async () => {
    const response = await api.request('GET', `/api/reports/queues?${range}&tz=UTC&interval=day`, {
      token: admin,
    });
    expect(response.status).toBe(200);
    const day10 = whatsapp(response.body.rows, '2026-03-10T00:00:00.000Z');
    const day11 = whatsapp(response.body.rows, '2026-03-11T00:00:00.000Z');
    expect(day10).toMatchObject({ offered: 5, abandoned: 2, abandoned_after_sl: 1, service_level: 0.3333 });
    expect(day11).toMatchObject({ offered: 2, abandoned: 1, answered: 1 });
  });

  it('buckets by the local hour', async () => {
    const response = await api.request(
      'GET',
      `/api/reports/queues?from=2026-03-10T12:00:00Z&to=2026-03-10T15:00:00Z&tz=America/Sao_Paulo&interval=hour`,
      { token: admin },
    );
    expect(response.status).toBe(200);
    const buckets = response.body.rows
      .filter((r: any) => r.channel === 'whatsapp')
      .map((r: any) => [r.bucket_start, r.offered]);
    expect(buckets).toEqual([
      ['2026-03-10T12:00:00.000Z', 1],
      ['2026-03-10T13:00:00.000Z', 1],
      ['2026-03-10T14:00:00.000Z', 3],
    ]);
  });

  it('reports agents: answered, expired offers, handle time and occupancy while staffed', async () => {
    const response = await api.request('GET', `/api/reports/agents?${range}&tz=America/Sao_Paulo&interval=day`, {
      token: supervisor.token,
    });
    expect(response.status).toBe(200);
    const xDay = response.body.rows.filter(
      (r: any) => r.agent_id === x.id && r.bucket_start === '2026-03-10T03:00:00.000Z',
    );
    expect(xDay.find((r: any) => r.channel === 'whatsapp')).toMatchObject({
      agent_name: 'Xavier',
      offered: 2,
      answered: 1,
      handled: 1,
      aht_seconds: 300,
      csat_average: 5,
    });
    // 300 s of work in 7,200 s online (the paused hours are not staffed).
    expect(xDay.find((r: any) => r.channel === 'all').occupancy).toBe(0.0417);
    const yTotal = response.body.totals.find((r: any) => r.agent_id === y.id && r.channel === 'whatsapp');
    expect(yTotal).toMatchObject({ answered: 1, aht_seconds: 600, wrap_up_seconds: 30 });
  });

  it('counts only conversations that carry the label asked for', async () => {
    const label = await api.request('POST', '/api/labels', { token: admin, body: { name: 'VIP', colour: '#aa3300' } });
    expect(label.status).toBe(201);
    await api.server.database.db.insert(conversationLabels).values({
      companyId,
      conversationId: conversationIds[0]!,
      labelId: label.body.id,
      createdAt: at('2026-03-10T12:06:00Z'),
    });
    const queues = await api.request(
      'GET',
      `/api/reports/queues?${range}&tz=America/Sao_Paulo&label_id=${label.body.id}`,
      {
        token: supervisor.token,
      },
    );
    expect(queues.status).toBe(200);
    // Only the first conversation: answered in 10 s, handled 300 s, CSAT 5; no abandons (they carry no label).
    expect(whatsapp(queues.body.totals, null)).toMatchObject({
      offered: 1,
      answered: 1,
      answered_within_sl: 1,
      abandoned: 0,
      short_abandoned: 0,
      handled: 1,
      total_handle_seconds: 300,
      csat_average: 5,
      csat_count: 1,
    });
    const agents = await api.request(
      'GET',
      `/api/reports/agents?${range}&tz=America/Sao_Paulo&label_id=${label.body.id}`,
      {
        token: supervisor.token,
      },
    );
    // Xavier's expired offer was of Yara's conversation, which carries no label.
    const xTotal = agents.body.totals.find((r: any) => r.agent_id === x.id && r.channel === 'whatsapp');
    expect(xTotal).toMatchObject({ offered: 1, answered: 1, handled: 1, aht_seconds: 300 });
    const yTotal = agents.body.totals.find((r: any) => r.agent_id === y.id && r.channel === 'whatsapp');
    expect(yTotal?.answered ?? 0).toBe(0);
    // A label of no company's, or of another: 400 with a stable code, nothing reported.
    const unknown = await api.request('GET', `/api/reports/queues?${range}&label_id=${randomUUID()}`, { token: admin });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('report.label_not_found');
    const malformed = await api.request('GET', `/api/reports/queues?${range}&label_id=vip`, { token: admin });
    expect(malformed.status).toBe(400);
  });

  it('keeps a past day as it was after the queue is renamed and its threshold changed', async () => {
    const before = await api.request('GET', `/api/reports/queues?${range}&tz=America/Sao_Paulo`, { token: admin });
    const patched = await api.request('PATCH', `/api/queues/${queue.id}`, {
      token: admin,
      body: { name: 'Vendas e Trocas', service_level_seconds: 60 },
    });
    expect(patched.status).toBe(200);
    await api.request('PUT', `/api/queues/${queue.id}/members`, { token: admin, body: [] });
    const after = await api.request('GET', `/api/reports/queues?${range}&tz=America/Sao_Paulo`, { token: admin });
    const strip = (rows: any[]) => rows.map(({ queue_name: _name, ...rest }) => rest);
    expect(strip(after.body.rows)).toEqual(strip(before.body.rows));
    expect(after.body.rows[0].queue_name).toBe('Vendas e Trocas');
  });

  it('answers CSV with the same figures when asked by Accept or format', async () => {
    const json = await api.request('GET', `/api/reports/queues?${range}&tz=America/Sao_Paulo`, { token: admin });
    for (const [path, headers] of [
      [`/api/reports/queues?${range}&tz=America/Sao_Paulo`, { accept: 'text/csv' }],
      [`/api/reports/queues?${range}&tz=America/Sao_Paulo&format=csv`, {}],
    ] as const) {
      const csv = await api.request('GET', path, { token: admin, headers });
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="switchboard-queues-/);
      const [header, ...lines] = csv.text.trim().split('\r\n');
      const columns = header!.split(',');
      expect(columns.slice(0, 5)).toEqual(['bucket_start', 'queue_id', 'queue_name', 'channel', 'offered']);
      const offered = lines
        .map((line) => line.split(','))
        .filter((cells) => cells[columns.indexOf('channel')] === 'whatsapp')
        .reduce((sum, cells) => sum + Number(cells[columns.indexOf('offered')]), 0);
      expect(offered).toBe(whatsapp(json.body.totals, null).offered);
    }
  });

  it('refuses agents, bad ranges and unknown time zones with stable codes', async () => {
    const agent = await api.request('GET', `/api/reports/queues?${range}`, { token: x.token });
    expect(agent.status).toBe(403);
    expect(agent.body.code).toBe('auth.forbidden');
    const backwards = await api.request(
      'GET',
      '/api/reports/queues?from=2026-03-12T00:00:00Z&to=2026-03-10T00:00:00Z',
      { token: admin },
    );
    expect(backwards.status).toBe(400);
    expect(backwards.body.code).toBe('report.invalid_range');
    const zone = await api.request('GET', `/api/reports/agents?${range}&tz=Mars/Olympus`, { token: admin });
    expect(zone.status).toBe(400);
    expect(zone.body.code).toBe('report.invalid_time_zone');
    const interval = await api.request('GET', `/api/reports/agents?${range}&interval=week`, { token: admin });
    expect(interval.status).toBe(400);
    expect(interval.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it("shows nothing of another company's facts", async () => {
    const registered = await api.request('POST', '/api/users/register', {
      body: { company_name: 'Globex', name: 'Hank', email: 'hank@globex.test', password: 'globex-admin-password' },
    });
    expect(registered.status).toBe(201);
    const other = await api.request('GET', `/api/reports/queues?${range}`, { token: registered.body.access_token });
    expect(other.status).toBe(200);
    expect(other.body.rows).toEqual([]);
    expect(other.body.totals).toEqual([]);
    const token = registered.body.access_token as string;
    const board = await api.request('GET', '/api/wallboard', { token });
    expect(board.status).toBe(200);
    expect(board.body.agents.map((a: any) => a.agent_id)).not.toContain(x.id);
    expect(board.body.queues).toEqual([]);
    const force = await api.request('POST', `/api/wallboard/agents/${x.id}/status`, {
      token,
      body: { status: 'offline', reason: 'not theirs' },
    });
    expect(force.status).toBe(404);
    const code = await api.request('POST', '/api/dispositions', { token, body: { code: 'venda', label: 'Venda' } });
    expect(code.status).toBe(201);
    const disposition = await api.request('PUT', `/api/conversations/${conversationIds[0]}/disposition`, {
      token,
      body: { disposition_id: code.body.id },
    });
    expect(disposition.status).toBe(404);
    expect(disposition.body.code).toBe('conversation.not_found');
  });
});
