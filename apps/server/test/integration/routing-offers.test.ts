/**
 * Offers (offer_mode accept), pause reasons and agents who drop, over real sockets. The
 * server's clock can be moved forward so the presence timeout passes without waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentOnline,
  conversationOf,
  createQueue,
  customerWrites,
  eventually,
  newCustomer,
  routeWhatsAppTo,
  setMembers,
  type OnlineAgent,
} from '../support/routing.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { type Envelope } from '../support/socket.js';
import {
  configureWhatsApp,
  startGraphStub,
  type GraphStub,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

describe('routing offers, pauses and dropped agents', () => {
  let graph: GraphStub;
  let api: TestServer;
  let admin: string;
  let secrets: WhatsAppChannelSecrets;
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startTestServer({ WHATSAPP_GRAPH_URL: graph.url }, { clock });
    admin = await api.adminToken();
    secrets = await configureWhatsApp(api, admin);
  });
  afterAll(async () => {
    await api.close();
    await graph.close();
  });

  const offersTo = (agent: OnlineAgent, event: string, conversationId: string) =>
    agent.received.filter((e: Envelope) => e.event === event && e.data.conversation_id === conversationId);

  const assigneeOf = async (conversationId: string) =>
    (await api.request('GET', `/api/conversations/${conversationId}`, { token: admin })).body.assignee_id as
      string | null;

  it('offers to one agent, who sees it over HTTP and accepts it once', async () => {
    const queue = await createQueue(api, admin, { name: 'Aceite', offer_mode: 'accept', offer_timeout_seconds: 30 });
    const agent = await agentOnline(api, admin);
    await setMembers(api, admin, queue.id, [{ user_id: agent.id }]);
    await routeWhatsAppTo(api, admin, { default_queue_id: queue.id });
    const phone = newCustomer();
    await customerWrites(api, secrets, phone, 'Olá', 'João Lima');
    const conversation = await conversationOf(api, admin, phone);
    await agent.waitFor(() => offersTo(agent, 'offer_created', conversation.id).length === 1);
    const [created] = offersTo(agent, 'offer_created', conversation.id);
    expect(created!.data).toMatchObject({
      agent_id: agent.id,
      channel: 'whatsapp',
      queue_id: queue.id,
      queue_name: 'Aceite',
      label: 'João Lima',
      state: 'offered',
    });
    expect(await assigneeOf(conversation.id)).toBeNull();

    const mine = await api.request('GET', '/api/routing/offers', { token: agent.token });
    expect(mine.body.items).toEqual([
      expect.objectContaining({ id: created!.data.id, conversation_id: conversation.id }),
    ]);
    const outsider = await agentOnline(api, admin);
    const stolen = await api.request('POST', `/api/routing/offers/${created!.data.id}/accept`, {
      token: outsider.token,
    });
    expect(stolen.status).toBe(404);
    expect(stolen.body.code).toBe('offer.not_found');

    const accepted = await api.request('POST', `/api/routing/offers/${created!.data.id}/accept`, {
      token: agent.token,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ id: created!.data.id, state: 'accepted' });
    expect(await assigneeOf(conversation.id)).toBe(agent.id);
    await agent.waitFor((r) =>
      r.some((e) => e.event === 'entry_assigned' && e.data.conversation_id === conversation.id),
    );
    const again = await api.request('POST', `/api/routing/offers/${created!.data.id}/accept`, { token: agent.token });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('offer.accepted');
    agent.disconnect();
    outsider.disconnect();
  });

  it('moves a rejected offer to the next agent', async () => {
    const queue = await createQueue(api, admin, { name: 'Recusa', offer_mode: 'accept', offer_timeout_seconds: 30 });
    const a = await agentOnline(api, admin);
    const b = await agentOnline(api, admin);
    await setMembers(api, admin, queue.id, [{ user_id: a.id }, { user_id: b.id }]);
    await routeWhatsAppTo(api, admin, { default_queue_id: queue.id });
    const phone = newCustomer();
    await customerWrites(api, secrets, phone, 'Olá');
    const conversation = await conversationOf(api, admin, phone);
    const first = await eventually(
      () => [a, b].find((agent) => offersTo(agent, 'offer_created', conversation.id).length === 1),
      'first offer',
    );
    const second = first === a ? b : a;
    const offerId = offersTo(first, 'offer_created', conversation.id)[0]!.data.id as string;
    const rejected = await api.request('POST', `/api/routing/offers/${offerId}/reject`, { token: first.token });
    expect(rejected.body).toEqual({ id: offerId, state: 'rejected' });
    await first.waitFor(() => offersTo(first, 'offer_rejected', conversation.id).length === 1);
    await second.waitFor(() => offersTo(second, 'offer_created', conversation.id).length === 1);
    const next = offersTo(second, 'offer_created', conversation.id)[0]!.data.id as string;
    expect((await api.request('POST', `/api/routing/offers/${next}/accept`, { token: second.token })).status).toBe(200);
    expect(await assigneeOf(conversation.id)).toBe(second.id);
    a.disconnect();
    b.disconnect();
  });

  it('expires unanswered offers and sets an agent who misses three in a row away, telling them why', async () => {
    const queue = await createQueue(api, admin, { name: 'Expira', offer_mode: 'accept', offer_timeout_seconds: 1 });
    const agent = await agentOnline(api, admin);
    await setMembers(api, admin, queue.id, [{ user_id: agent.id }]);
    await routeWhatsAppTo(api, admin, { default_queue_id: queue.id });
    const phone = newCustomer();
    await customerWrites(api, secrets, phone, 'Olá');
    const conversation = await conversationOf(api, admin, phone);
    await agent.waitFor(() => offersTo(agent, 'offer_expired', conversation.id).length === 3, 20_000);
    const expired = offersTo(agent, 'offer_expired', conversation.id);
    expect(expired.map((e) => e.data.missed_in_a_row)).toEqual([1, 2, 3]);
    expect(expired.map((e) => e.data.agent_set_away)).toEqual([false, false, true]);
    await agent.waitFor((r) =>
      r.some(
        (e) =>
          e.event === 'agent_presence_changed' &&
          e.data.agent_id === agent.id &&
          e.data.status === 'away' &&
          e.data.pause_reason === 'missed_offers',
      ),
    );
    const me = await api.request('GET', '/api/presence/me', { token: agent.token });
    expect(me.body).toMatchObject({ status: 'away', pause_reason: 'missed_offers' });
    const waiting = await eventually(async () => {
      const list = await api.request('GET', `/api/queues/${queue.id}/entries?state=waiting`, { token: admin });
      return list.body.items.length === 1 ? list.body.items : undefined;
    }, 'waiting again');
    expect(waiting[0]).toMatchObject({ conversation_id: conversation.id, attempts: 3, position: 1 });
    agent.disconnect();
  });

  it('stores the pause reason chosen with away and routes nothing to a paused agent', async () => {
    const created = await api.request('POST', '/api/presence/pause-reasons', {
      token: admin,
      body: { name: 'Almoço' },
    });
    expect(created.status).toBe(201);
    const duplicate = await api.request('POST', '/api/presence/pause-reasons', {
      token: admin,
      body: { name: 'Almoço' },
    });
    expect(duplicate.status).toBe(409);
    const queue = await createQueue(api, admin, { name: 'Pausas' });
    const agent = await agentOnline(api, admin);
    await setMembers(api, admin, queue.id, [{ user_id: agent.id }]);
    await routeWhatsAppTo(api, admin, { default_queue_id: queue.id });
    expect(
      (await api.request('POST', '/api/presence/pause-reasons', { token: agent.token, body: { name: 'x' } })).status,
    ).toBe(403);
    const listed = await api.request('GET', '/api/presence/pause-reasons', { token: agent.token });
    expect(listed.body.items).toEqual([expect.objectContaining({ id: created.body.id, name: 'Almoço' })]);

    const bad = await agent.emit('update_status', { status: 'online', pause_reason_id: created.body.id });
    expect(bad).toMatchObject({ ok: false, error: { code: 'presence.pause_reason_needs_away' } });
    const paused = await agent.emit('update_status', { status: 'away', pause_reason_id: created.body.id });
    expect(paused).toMatchObject({ ok: true, data: { status: 'away', pause_reason: 'Almoço' } });
    const unknown = await api.request('POST', '/api/presence/status', {
      token: agent.token,
      body: { status: 'away', pause_reason_id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('pause_reason.not_found');

    const phone = newCustomer();
    await customerWrites(api, secrets, phone, 'Olá');
    const conversation = await conversationOf(api, admin, phone);
    await eventually(async () => {
      const list = await api.request('GET', `/api/queues/${queue.id}/entries?state=waiting`, { token: admin });
      return list.body.items.some((e: any) => e.conversation_id === conversation.id);
    }, 'waiting while paused');
    expect(await assigneeOf(conversation.id)).toBeNull();

    await agent.emit('update_status', { status: 'online' });
    await eventually(async () => (await assigneeOf(conversation.id)) === agent.id, 'routed after the pause');
    expect(
      (await api.request('DELETE', `/api/presence/pause-reasons/${created.body.id}`, { token: admin })).status,
    ).toBe(204);
    expect(
      (await api.request('DELETE', `/api/presence/pause-reasons/${created.body.id}`, { token: admin })).status,
    ).toBe(404);
    agent.disconnect();
  });

  it('returns an unanswered conversation to the front of the queue when its agent drops past the presence timeout', async () => {
    const queue = await createQueue(api, admin, { name: 'Queda' });
    const leaving = await agentOnline(api, admin);
    await setMembers(api, admin, queue.id, [{ user_id: leaving.id }]);
    await routeWhatsAppTo(api, admin, { default_queue_id: queue.id });
    const phone = newCustomer();
    await customerWrites(api, secrets, phone, 'Olá');
    const conversation = await conversationOf(api, admin, phone);
    await eventually(async () => (await assigneeOf(conversation.id)) === leaving.id, 'assigned');

    leaving.disconnect();
    const staying = await agentOnline(api, admin);
    await setMembers(api, admin, queue.id, [{ user_id: leaving.id }, { user_id: staying.id }]);
    expect(await assigneeOf(conversation.id)).toBe(leaving.id);
    offsetMs += (api.config.presence.offlineAfterSeconds + 5) * 1000;
    await eventually(async () => (await assigneeOf(conversation.id)) === staying.id, 'routed again', 15_000);
    await staying.waitFor((r) =>
      r.some((e) => e.event === 'entry_assigned' && e.data.conversation_id === conversation.id),
    );
    const requeued = await api.request('GET', `/api/queues/${queue.id}/entries?state=assigned`, { token: admin });
    expect(requeued.body.items).toEqual([
      expect.objectContaining({ conversation_id: conversation.id, assigned_to: staying.id, attempts: 0 }),
    ]);
    staying.disconnect();
  });
});
