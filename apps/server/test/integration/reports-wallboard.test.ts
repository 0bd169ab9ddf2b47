/**
 * The wallboard, its supervisor actions, dispositions and per-queue metrics over real
 * sockets: customers write through signed WhatsApp webhooks, agents are online over
 * Socket.IO, the routing engine queues and assigns.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportEntryFacts } from '../../src/db/schema/index.js';
import {
  agentOnline,
  createQueue,
  customerWrites,
  eventually,
  newCustomer,
  routeWhatsAppTo,
  setMembers,
  type OnlineAgent,
} from '../support/routing.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import {
  configureWhatsApp,
  startGraphStub,
  type GraphStub,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

describe('wallboard, supervisor actions and queue metrics', () => {
  let graph: GraphStub;
  let api: TestServer;
  let admin: string;
  let secrets: WhatsAppChannelSecrets;
  let supervisor: { id: string; token: string };
  let queue: { id: string; name: string };
  let other: { id: string; name: string };
  let ana: OnlineAgent;
  let bruno: OnlineAgent;
  let pauseReasonId: string;

  const board = async () => {
    const response = await api.request('GET', '/api/wallboard', { token: supervisor.token });
    expect(response.status).toBe(200);
    return response.body;
  };
  const queueOf = (snapshot: any, id: string) => snapshot.queues.find((q: any) => q.queue_id === id);
  const agentOf = (snapshot: any, id: string) => snapshot.agents.find((a: any) => a.agent_id === id);
  const metrics = async () => {
    const response = await api.request('GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    return response.text;
  };
  const sample = (text: string, name: string, labels: Record<string, string>) => {
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startTestServer({ WHATSAPP_GRAPH_URL: graph.url, METRICS_TOKEN });
    admin = await api.adminToken();
    secrets = await configureWhatsApp(api, admin);
    supervisor = await createUserAndLogin(api, admin, { role: 'supervisor', name: 'Sueli' });
    queue = await createQueue(api, admin, { name: 'Suporte', service_level_seconds: 30 });
    other = await createQueue(api, admin, { name: 'Financeiro' });
    ana = await agentOnline(api, admin, { name: 'Ana', status: 'away' });
    bruno = await agentOnline(api, admin, { name: 'Bruno', status: 'away' });
    await setMembers(api, admin, queue.id, [{ user_id: ana.id }, { user_id: bruno.id }]);
    await routeWhatsAppTo(api, admin, { default_queue_id: queue.id });
    const reason = await api.request('POST', '/api/presence/pause-reasons', { token: admin, body: { name: 'almoço' } });
    expect(reason.status).toBe(201);
    pauseReasonId = reason.body.id;
  });
  afterAll(async () => {
    ana.disconnect();
    bruno.disconnect();
    await api.close();
    await graph.close();
  });

  it('shows a waiting customer, its longest wait and the paused agents, and counts the offer in /metrics', async () => {
    const customer = newCustomer();
    await customerWrites(api, secrets, customer, 'Oi, preciso de ajuda');
    const snapshot = await eventually(async () => {
      const s = await board();
      return queueOf(s, queue.id).waiting === 1 ? s : undefined;
    }, 'customer on the wallboard');
    const row = queueOf(snapshot, queue.id);
    expect(row.oldest_enqueued_at).not.toBeNull();
    expect(row.waiting_items).toHaveLength(1);
    expect(row.agents).toMatchObject({ paused: 2, available: 0 });
    expect(agentOf(snapshot, ana.id)).toMatchObject({ name: 'Ana', state: 'paused', queue_ids: [queue.id] });
    // Admins and supervisors who serve no queue are not agents.
    expect(agentOf(snapshot, supervisor.id)).toBeUndefined();

    const text = await eventually(async () => {
      const t = await metrics();
      return sample(t, 'switchboard_queue_offered_total', { queue_id: queue.id }) === 1 ? t : undefined;
    }, 'offered counter');
    expect(sample(text, 'switchboard_queue_waiting', { queue_id: queue.id, queue: 'Suporte' })).toBe(1);
    expect(sample(text, 'switchboard_queue_agents', { queue_id: queue.id, state: 'paused' })).toBe(2);
    expect(sample(text, 'switchboard_queue_longest_wait_seconds', { queue_id: queue.id })).toBeGreaterThanOrEqual(0);

    const facts = await api.server.database.db
      .select({ seconds: reportEntryFacts.serviceLevelSeconds })
      .from(reportEntryFacts)
      .where(eq(reportEntryFacts.queueId, queue.id));
    expect(facts).toEqual([{ seconds: 30 }]);
  });

  it('moves a waiting chat to a chosen agent, who gets it, and logs the move', async () => {
    const snapshot = await board();
    const [item] = queueOf(snapshot, queue.id).waiting_items;
    const moved = await api.request('POST', `/api/wallboard/entries/${item.entry_id}/move`, {
      token: supervisor.token,
      body: { agent_id: bruno.id, reason: 'cliente VIP' },
    });
    expect(moved.status).toBe(204);
    await bruno.waitFor((events) =>
      events.some(
        (e) => e.event === 'entry_assigned' && e.data.id === item.entry_id && e.data.assigned_to === bruno.id,
      ),
    );
    const after = await board();
    expect(queueOf(after, queue.id).waiting).toBe(0);
    expect(agentOf(after, bruno.id).current_items).toBe(1);
    const again = await api.request('POST', `/api/wallboard/entries/${item.entry_id}/move`, {
      token: supervisor.token,
      body: { agent_id: ana.id },
    });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('entry.not_found');
    const text = await metrics();
    expect(sample(text, 'switchboard_queue_answered_total', { queue_id: queue.id })).toBe(1);
  });

  it('moves a waiting chat to another queue, keeping it waiting there', async () => {
    const customer = newCustomer();
    await customerWrites(api, secrets, customer, 'Quero falar do boleto');
    const waiting = await eventually(async () => queueOf(await board(), queue.id).waiting_items[0], 'second customer');
    const moved = await api.request('POST', `/api/wallboard/entries/${waiting.entry_id}/move`, {
      token: supervisor.token,
      body: { queue_id: other.id },
    });
    expect(moved.status).toBe(204);
    const snapshot = await board();
    expect(queueOf(snapshot, queue.id).waiting).toBe(0);
    expect(queueOf(snapshot, other.id).waiting).toBe(1);
    // The wait runs from the first enqueue.
    expect(queueOf(snapshot, other.id).oldest_enqueued_at).toBe(waiting.enqueued_at);
    const both = await api.request('POST', `/api/wallboard/entries/${waiting.entry_id}/move`, {
      token: supervisor.token,
      body: { queue_id: other.id, agent_id: ana.id },
    });
    expect(both.status).toBe(400);
  });

  it("forces an agent's status with a pause reason, tells the agent, and logs who and why", async () => {
    const forced = await api.request('POST', `/api/wallboard/agents/${ana.id}/status`, {
      token: supervisor.token,
      body: { status: 'online', reason: 'fila cheia' },
    });
    expect(forced.status).toBe(204);
    await ana.waitFor((events) =>
      events.some(
        (e) => e.event === 'agent_presence_changed' && e.data.agent_id === ana.id && e.data.status === 'online',
      ),
    );
    const paused = await api.request('POST', `/api/wallboard/agents/${ana.id}/status`, {
      token: supervisor.token,
      body: { status: 'away', pause_reason_id: pauseReasonId, reason: 'almoço combinado' },
    });
    expect(paused.status).toBe(204);
    const snapshot = await board();
    expect(agentOf(snapshot, ana.id)).toMatchObject({ state: 'paused', pause_reason: 'almoço' });
    expect(queueOf(snapshot, queue.id).paused_by_reason).toMatchObject({ almoço: 1 });
    const actions = await api.request('GET', '/api/wallboard/actions', { token: supervisor.token });
    expect(actions.body.items.slice(0, 2)).toMatchObject([
      { action: 'force_status', target_user_id: ana.id, reason: 'almoço combinado', actor_id: supervisor.id },
      { action: 'force_status', target_user_id: ana.id, reason: 'fila cheia' },
    ]);
  });

  it('signs an agent out: their sessions end and they go offline', async () => {
    const agent = await createUserAndLogin(api, admin, { name: 'Carla' });
    expect((await api.request('GET', '/api/users/profile', { token: agent.token })).status).toBe(200);
    const out = await api.request('POST', `/api/wallboard/agents/${agent.id}/sign-out`, {
      token: supervisor.token,
      body: { reason: 'fim do turno' },
    });
    expect(out.status).toBe(204);
    const profile = await api.request('GET', '/api/users/profile', { token: agent.token });
    expect(profile.status).toBe(401);
    const refresh = await api.request('POST', '/api/users/refresh', { body: { refresh_token: agent.refreshToken } });
    expect(refresh.status).toBe(401);
    expect(agentOf(await board(), agent.id)).toMatchObject({ status: 'offline', state: 'offline' });
  });

  it('keeps the wallboard and its actions to supervisors and admins', async () => {
    const agentBoard = await api.request('GET', '/api/wallboard', { token: ana.token });
    expect(agentBoard.status).toBe(403);
    const agentAction = await api.request('POST', `/api/wallboard/agents/${bruno.id}/status`, {
      token: ana.token,
      body: { status: 'away', reason: 'x' },
    });
    expect(agentAction.status).toBe(403);
    const notAnAgent = await api.request('POST', `/api/wallboard/agents/${supervisor.id}/sign-out`, {
      token: admin,
      body: { reason: 'x' },
    });
    expect(notAnAgent.status).toBe(404);
    const noReason = await api.request('POST', `/api/wallboard/agents/${bruno.id}/status`, {
      token: supervisor.token,
      body: { status: 'away' },
    });
    expect(noReason.status).toBe(400);
  });

  it('lets admins define dispositions and the agent who had a conversation give one, reported per queue', async () => {
    const created = await api.request('POST', '/api/dispositions', {
      token: admin,
      body: { code: 'venda', label: 'Venda realizada' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code: 'venda', label: 'Venda realizada', active: true });
    const duplicate = await api.request('POST', '/api/dispositions', {
      token: admin,
      body: { code: 'venda', label: 'Outra' },
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe('disposition.code_taken');
    const bySupervisor = await api.request('POST', '/api/dispositions', {
      token: supervisor.token,
      body: { code: 'x', label: 'x' },
    });
    expect(bySupervisor.status).toBe(403);
    const badCode = await api.request('POST', '/api/dispositions', { token: admin, body: { code: 'a b', label: 'x' } });
    expect(badCode.status).toBe(400);
    const old = await api.request('POST', '/api/dispositions', {
      token: admin,
      body: { code: 'antigo', label: 'Antigo', active: false },
    });
    const listed = await api.request('GET', '/api/dispositions?active=true', { token: ana.token });
    expect(listed.body.items.map((d: any) => d.code)).toEqual(['venda']);

    const mine = await api.request('GET', '/api/conversations?limit=50', { token: bruno.token });
    const conversationId = mine.body.items.find((c: any) => c.assignee_id === bruno.id).id as string;
    const inactive = await api.request('PUT', `/api/conversations/${conversationId}/disposition`, {
      token: bruno.token,
      body: { disposition_id: old.body.id },
    });
    expect(inactive.status).toBe(409);
    expect(inactive.body.code).toBe('disposition.inactive');
    const notHers = await api.request('PUT', `/api/conversations/${conversationId}/disposition`, {
      token: ana.token,
      body: { disposition_id: created.body.id },
    });
    expect(notHers.status).toBe(404);
    const given = await api.request('PUT', `/api/conversations/${conversationId}/disposition`, {
      token: bruno.token,
      body: { disposition_id: created.body.id, note: 'plano anual' },
    });
    expect(given.status).toBe(200);
    expect(given.body).toMatchObject({ code: 'venda', agent_id: bruno.id, queue_id: queue.id, note: 'plano anual' });

    // Renamed later: the item keeps the label it was given.
    const renamed = await api.request('PATCH', `/api/dispositions/${created.body.id}`, {
      token: admin,
      body: { label: 'Venda' },
    });
    expect(renamed.status).toBe(200);
    const read = await api.request('GET', `/api/conversations/${conversationId}/disposition`, {
      token: supervisor.token,
    });
    expect(read.body.label).toBe('Venda realizada');

    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const report = await api.request('GET', `/api/reports/queues?from=${from}&to=${to}&tz=UTC`, { token: admin });
    const total = report.body.totals.find((r: any) => r.queue_id === queue.id && r.channel === 'all');
    expect(total.dispositions).toEqual({ venda: 1 });
    expect(total).toMatchObject({ offered: 2, answered: 1 });

    const deleted = await api.request('DELETE', `/api/dispositions/${created.body.id}`, { token: admin });
    expect(deleted.status).toBe(204);
    const gone = await api.request('PATCH', `/api/dispositions/${created.body.id}`, {
      token: admin,
      body: { label: 'y' },
    });
    expect(gone.status).toBe(404);
    const still = await api.request('GET', `/api/reports/queues?from=${from}&to=${to}&tz=UTC`, { token: admin });
    expect(still.body.totals.find((r: any) => r.queue_id === queue.id && r.channel === 'all').dispositions).toEqual({
      venda: 1,
    });
  });
});
