/**
 * Routing WhatsApp conversations over real sockets: customers write through signed
 * webhooks, agents are online over Socket.IO, the engine assigns or offers.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineRepository } from '../../src/modules/routing/routing.engine-repository.js';
import {
  agentOnline,
  conversationOf,
  createQueue,
  customerWrites,
  eventually,
  newCustomer,
  routeWhatsAppTo,
  setMembers,
} from '../support/routing.js';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  configureWhatsApp,
  deliverWebhook,
  messagePayload,
  startGraphStub,
  type GraphStub,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

describe('routing WhatsApp conversations', () => {
  let graph: GraphStub;
  let api: TestServer;
  let admin: string;
  let secrets: WhatsAppChannelSecrets;

  beforeAll(async () => {
    graph = await startGraphStub();
    api = await startTestServer({ WHATSAPP_GRAPH_URL: graph.url });
    admin = await api.adminToken();
    secrets = await configureWhatsApp(api, admin);
  });
  afterAll(async () => {
    await api.close();
    await graph.close();
  });

  it('assigns a new conversation at once to the longest idle member and tells them', async () => {
    const queue = await createQueue(api, admin, { name: 'Suporte auto' });
    const first = await agentOnline(api, admin);
    const second = await agentOnline(api, admin);
    await setMembers(api, admin, queue.id, [{ user_id: first.id }, { user_id: second.id }]);
    await routeWhatsAppTo(api, admin, { default_queue_id: queue.id });

    const customers = [newCustomer(), newCustomer()];
    await customerWrites(api, secrets, customers[0]!, 'Olá, preciso de ajuda');
    const one = await conversationOf(api, admin, customers[0]!);
    const assignee = await eventually(async () => {
      const c = await api.request('GET', `/api/conversations/${one.id}`, { token: admin });
      return (c.body.assignee_id as string | null) ?? undefined;
    }, 'first assignment');
    expect([first.id, second.id]).toContain(assignee);
    const chosen = assignee === first.id ? first : second;
    await chosen.waitFor((r) => r.some((e) => e.event === 'entry_assigned' && e.data.conversation_id === one.id));
    await chosen.waitFor((r) =>
      r.some((e) => e.event === 'conversation_assigned' && e.data.id === one.id && e.data.assignee_id === chosen.id),
    );

    // Neither has ended an item: the one with fewer items is next.
    await customerWrites(api, secrets, customers[1]!, 'Oi');
    const two = await conversationOf(api, admin, customers[1]!);
    const other = await eventually(async () => {
      const c = await api.request('GET', `/api/conversations/${two.id}`, { token: admin });
      return (c.body.assignee_id as string | null) ?? undefined;
    }, 'second assignment');
    expect(other).not.toBe(assignee);

    const assigned = await api.request('GET', `/api/queues/${queue.id}/entries?state=assigned`, { token: admin });
    expect(assigned.status).toBe(200);
    expect(assigned.body.items).toHaveLength(2);
    expect(assigned.body.items[0]).toMatchObject({ state: 'assigned', channel: 'whatsapp', position: null });
    first.disconnect();
    second.disconnect();
  });

  const assigneeOf = (conversationId: string) =>
    eventually(async () => {
      const c = await api.request('GET', `/api/conversations/${conversationId}`, { token: admin });
      return (c.body.assignee_id as string | null) ?? undefined;
    }, `assignment of ${conversationId}`);

  const botTextsTo = (phone: string) =>
    graph.requests
      .filter((r) => r.body.to === phone)
      .map((r) => r.body.text?.body ?? r.body.interactive?.body?.text ?? '');

  it('round_robin gives each member one in turn', async () => {
    const queue = await createQueue(api, admin, { name: 'Rodízio', strategy: 'round_robin' });
    const agents = [await agentOnline(api, admin), await agentOnline(api, admin), await agentOnline(api, admin)];
    await setMembers(
      api,
      admin,
      queue.id,
      agents.map((a) => ({ user_id: a.id })),
    );
    await routeWhatsAppTo(api, admin, { default_queue_id: queue.id });
    const got: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const phone = newCustomer();
      await customerWrites(api, secrets, phone, `olá ${i}`);
      got.push(await assigneeOf((await conversationOf(api, admin, phone)).id));
    }
    expect(new Set(got).size).toBe(3);
    const order = [...agents.map((a) => a.id)].sort();
    // Each next one is the member after the previous, in the queue's stable order.
    for (let i = 1; i < got.length; i += 1) {
      expect(order.indexOf(got[i]!)).toBe((order.indexOf(got[i - 1]!) + 1) % order.length);
    }
    for (const a of agents) a.disconnect();
  });

  it('least_busy prefers the agent with the lower share of capacity in use, and skills decide who may', async () => {
    const queue = await createQueue(api, admin, {
      name: 'Espanhol',
      strategy: 'least_busy',
      required_skills: [{ name: 'Espanhol', min_level: 5 }],
    });
    const novice = await agentOnline(api, admin);
    const busy = await agentOnline(api, admin);
    const free = await agentOnline(api, admin);
    await setMembers(
      api,
      admin,
      queue.id,
      [novice, busy, free].map((a) => ({ user_id: a.id })),
    );
    for (const [agent, level] of [
      [novice, 3],
      [busy, 8],
      [free, 6],
    ] as const) {
      const put = await api.request('PUT', `/api/users/${agent.id}/skills`, {
        token: admin,
        body: [{ name: 'espanhol', level }],
      });
      expect(put.status).toBe(200);
    }
    await routeWhatsAppTo(api, admin, { default_queue_id: queue.id });
    const phones = [newCustomer(), newCustomer(), newCustomer()];
    const got: string[] = [];
    for (const phone of phones) {
      await customerWrites(api, secrets, phone, 'hola');
      got.push(await assigneeOf((await conversationOf(api, admin, phone)).id));
    }
    expect(got).not.toContain(novice.id);
    // One each first (both at 0 of 3), then whoever is less busy: alternating.
    expect(got.filter((id) => id === busy.id).length + got.filter((id) => id === free.id).length).toBe(3);
    expect(Math.abs(got.filter((id) => id === busy.id).length - got.filter((id) => id === free.id).length)).toBe(1);
    for (const a of [novice, busy, free]) a.disconnect();
  });

  it('keeps items waiting beyond an agent’s capacity, in order with positions, and routes them when capacity grows', async () => {
    const queue = await createQueue(api, admin, { name: 'Capacidade' });
    const agent = await agentOnline(api, admin);
    const capped = await api.request('PATCH', `/api/users/${agent.id}`, {
      token: admin,
      body: { capacity: { whatsapp: 1 } },
    });
    expect(capped.status).toBe(200);
    expect(capped.body.capacity).toEqual({ whatsapp: 1, webchat: 3, voice: 1 });
    await setMembers(api, admin, queue.id, [{ user_id: agent.id }]);
    await routeWhatsAppTo(api, admin, { default_queue_id: queue.id });
    const phones = [newCustomer(), newCustomer(), newCustomer()];
    for (const phone of phones) await customerWrites(api, secrets, phone, 'oi');
    const first = await conversationOf(api, admin, phones[0]!);
    expect(await assigneeOf(first.id)).toBe(agent.id);
    const waiting = await eventually(async () => {
      const list = await api.request('GET', `/api/queues/${queue.id}/entries?state=waiting`, { token: admin });
      return list.body.items.length === 2 ? list.body.items : undefined;
    }, 'two waiting');
    expect(waiting.map((e: any) => e.position)).toEqual([1, 2]);
    expect(waiting[0].waiting_seconds).toBeGreaterThanOrEqual(0);
    const second = await conversationOf(api, admin, phones[1]!);
    expect(waiting[0].conversation_id).toBe(second.id);

    await api.request('PATCH', `/api/users/${agent.id}`, { token: admin, body: { capacity: { whatsapp: 3 } } });
    expect(await assigneeOf(second.id)).toBe(agent.id);
    expect(await assigneeOf((await conversationOf(api, admin, phones[2]!)).id)).toBe(agent.id);
    agent.disconnect();
  });

  it('starts wrap-up when a conversation closes and routes to the agent only after it', async () => {
    const queue = await createQueue(api, admin, { name: 'Pós-atendimento', wrap_up_seconds: 2 });
    const agent = await agentOnline(api, admin);
    await api.request('PATCH', `/api/users/${agent.id}`, { token: admin, body: { capacity: { whatsapp: 1 } } });
    await setMembers(api, admin, queue.id, [{ user_id: agent.id }]);
    await routeWhatsAppTo(api, admin, { default_queue_id: queue.id });
    const [a, b] = [newCustomer(), newCustomer()];
    await customerWrites(api, secrets, a, 'primeiro');
    const first = await conversationOf(api, admin, a);
    expect(await assigneeOf(first.id)).toBe(agent.id);
    await customerWrites(api, secrets, b, 'segundo');
    const second = await conversationOf(api, admin, b);

    const closed = await api.request('POST', `/api/conversations/${first.id}/close`, { token: agent.token, body: {} });
    expect(closed.status).toBe(200);
    await agent.waitFor((r) => r.some((e) => e.event === 'entry_completed' && e.data.conversation_id === first.id));
    const completed = agent.received.find((e) => e.event === 'entry_completed' && e.data.conversation_id === first.id)!;
    const wrapUpUntil = new Date(completed.data.wrap_up_until as string);
    expect(wrapUpUntil.getTime()).toBeGreaterThan(new Date(completed.ts).getTime());

    await agent.waitFor((r) => r.some((e) => e.event === 'entry_assigned' && e.data.conversation_id === second.id));
    const assigned = agent.received.find((e) => e.event === 'entry_assigned' && e.data.conversation_id === second.id)!;
    expect(new Date(assigned.ts).getTime()).toBeGreaterThanOrEqual(wrapUpUntil.getTime());
    agent.disconnect();
  });

  it('tells the agent’s console the wrap-up under way, with the server’s end time, until a disposition', async () => {
    const queue = await createQueue(api, admin, { name: 'Pós-atendimento longo', wrap_up_seconds: 600 });
    const agent = await agentOnline(api, admin);
    const colleague = await agentOnline(api, admin);
    await setMembers(api, admin, queue.id, [{ user_id: agent.id }]);
    await routeWhatsAppTo(api, admin, { default_queue_id: queue.id });
    const wrapUpOf = async (token: string) => {
      const response = await api.request('GET', '/api/routing/wrap-up', { token });
      expect(response.status).toBe(200);
      return response.body.wrap_up as Record<string, unknown> | null;
    };
    expect(await wrapUpOf(agent.token)).toBeNull();

    const customer = newCustomer();
    await customerWrites(api, secrets, customer, 'quero fechar o pedido');
    const conversation = await conversationOf(api, admin, customer);
    expect(await assigneeOf(conversation.id)).toBe(agent.id);
    const closed = await api.request('POST', `/api/conversations/${conversation.id}/close`, {
      token: agent.token,
      body: {},
    });
    expect(closed.status).toBe(200);
    await agent.waitFor((r) =>
      r.some((e) => e.event === 'entry_completed' && e.data.conversation_id === conversation.id),
    );
    const completed = agent.received.find(
      (e) => e.event === 'entry_completed' && e.data.conversation_id === conversation.id,
    )!;

    // What a reloaded console asks: the same entry and end time the event carried.
    expect(await wrapUpOf(agent.token)).toEqual({
      entry_id: completed.data.id,
      queue_id: queue.id,
      queue_name: 'Pós-atendimento longo',
      channel: 'whatsapp',
      conversation_id: conversation.id,
      call_id: null,
      ended_at: completed.data.ended_at,
      until: completed.data.wrap_up_until,
      disposition_code: null,
    });
    expect(await wrapUpOf(colleague.token)).toBeNull();

    const code = await api.request('POST', '/api/dispositions', {
      token: admin,
      body: { code: 'pedido-fechado', label: 'Pedido fechado' },
    });
    expect(code.status).toBe(201);
    const given = await api.request('PUT', `/api/conversations/${conversation.id}/disposition`, {
      token: agent.token,
      body: { disposition_id: code.body.id },
    });
    expect(given.status).toBe(200);
    expect(await wrapUpOf(agent.token)).toMatchObject({
      entry_id: completed.data.id,
      disposition_code: 'pedido-fechado',
    });
    agent.disconnect();
    colleague.disconnect();
  });

  it('answers a customer outside business hours with the closed message and does not route them', async () => {
    const queue = await createQueue(api, admin, {
      name: 'Fechado',
      business_hours: { ranges: [], closed_action: { action: 'message' } },
    });
    const agent = await agentOnline(api, admin);
    await setMembers(api, admin, queue.id, [{ user_id: agent.id }]);
    await routeWhatsAppTo(api, admin, { default_queue_id: queue.id });
    const phone = newCustomer();
    await customerWrites(api, secrets, phone, 'alguém aí?');
    const conversation = await conversationOf(api, admin, phone);
    await eventually(
      () => botTextsTo(phone).includes('Nosso atendimento está fechado agora. Responderemos assim que abrirmos.'),
      'closed message',
    );
    const overflowed = await api.request('GET', `/api/queues/${queue.id}/entries?state=overflowed`, { token: admin });
    expect(overflowed.body.items).toEqual([
      expect.objectContaining({ conversation_id: conversation.id, end_reason: 'closed', state: 'overflowed' }),
    ]);
    const now = await api.request('GET', `/api/conversations/${conversation.id}`, { token: admin });
    expect(now.body.assignee_id).toBeNull();
    agent.disconnect();
  });

  it('asks the menu first (the conversation is the bot’s, pending), then routes to the chosen queue', async () => {
    const sales = await createQueue(api, admin, { name: 'Vendas' });
    const support = await createQueue(api, admin, { name: 'Suporte (menu)' });
    const seller = await agentOnline(api, admin);
    const helper = await agentOnline(api, admin);
    await setMembers(api, admin, sales.id, [{ user_id: seller.id }]);
    await setMembers(api, admin, support.id, [{ user_id: helper.id }]);
    await routeWhatsAppTo(api, admin, {
      default_queue_id: sales.id,
      menu: {
        options: [
          { key: '1', label: 'Vendas', queue_id: sales.id },
          { key: '2', label: 'Suporte', queue_id: support.id },
        ],
      },
    });
    const phone = newCustomer();
    await customerWrites(api, secrets, phone, 'oi');
    const conversation = await conversationOf(api, admin, phone);
    // On WhatsApp the menu is reply buttons (two short options); the stored message lists them as text.
    await eventually(() => botTextsTo(phone).includes('Olá! Responda com o número da opção desejada:'), 'menu');
    const menu = graph.requests.find((r) => r.body.to === phone && r.body.type === 'interactive');
    expect(menu?.body.interactive).toEqual({
      type: 'button',
      body: { text: 'Olá! Responda com o número da opção desejada:' },
      action: {
        buttons: [
          { type: 'reply', reply: { id: 'menu:1', title: 'Vendas' } },
          { type: 'reply', reply: { id: 'menu:2', title: 'Suporte' } },
        ],
      },
    });
    const thread = await api.request('GET', `/api/conversations/${conversation.id}/messages`, { token: admin });
    expect(thread.body.items.map((m: { text: string }) => m.text)).toContain(
      'Olá! Responda com o número da opção desejada:\n1 - Vendas\n2 - Suporte',
    );
    const held = await api.request('GET', `/api/conversations/${conversation.id}`, { token: admin });
    expect(held.body).toMatchObject({ status: 'pending', awaiting_human: false, assignee_id: null });

    await customerWrites(api, secrets, phone, 'quero falar com alguém');
    await eventually(() => botTextsTo(phone).some((t) => t.startsWith('Desculpe, não entendi.')), 'menu again');
    // A tap on the "Suporte" button answers the menu.
    const tap = await deliverWebhook(
      api,
      messagePayload({
        phoneNumberId: secrets.phoneNumberId,
        from: phone,
        message: {
          type: 'interactive',
          interactive: { type: 'button_reply', button_reply: { id: 'menu:2', title: 'Suporte' } },
        },
      }),
      secrets.appSecret,
    );
    expect(tap.status).toBe(200);
    expect(await assigneeOf(conversation.id)).toBe(helper.id);
    const after = await api.request('GET', `/api/conversations/${conversation.id}`, { token: admin });
    expect(after.body.status).toBe('open');
    seller.disconnect();
    helper.disconnect();
    await routeWhatsAppTo(api, admin, { default_queue_id: null, menu: null });
  });

  it('tells waiting customers their position and estimated wait in Portuguese', async () => {
    const queue = await createQueue(api, admin, { name: 'Com posição', announce_position: true });
    await routeWhatsAppTo(api, admin, { default_queue_id: queue.id });
    const [a, b] = [newCustomer(), newCustomer()];
    await customerWrites(api, secrets, a, 'oi');
    await eventually(() => botTextsTo(a).some((t) => t.startsWith('Você é o próximo da fila.')), 'first position');
    await customerWrites(api, secrets, b, 'oi');
    await eventually(() => botTextsTo(b).some((t) => t.startsWith('Você é o 2º da fila.')), 'second position');
    expect(botTextsTo(b)[0]).toMatch(/^Você é o 2º da fila\. Tempo estimado de espera: cerca de \d+ min\.$/);
    // Within a minute nothing is repeated.
    expect(botTextsTo(a).filter((t) => t.startsWith('Você é'))).toHaveLength(1);
  });

  it('overflows an item past max_wait_seconds to another queue, keeping its first enqueue time', async () => {
    const target = await createQueue(api, admin, { name: 'Transbordo' });
    const source = await createQueue(api, admin, {
      name: 'Sem agentes',
      max_wait_seconds: 1,
      overflow: { action: 'queue', queue_id: target.id },
    });
    const agent = await agentOnline(api, admin);
    await setMembers(api, admin, target.id, [{ user_id: agent.id }]);
    await routeWhatsAppTo(api, admin, { default_queue_id: source.id });
    const phone = newCustomer();
    await customerWrites(api, secrets, phone, 'oi');
    const conversation = await conversationOf(api, admin, phone);
    expect(await assigneeOf(conversation.id)).toBe(agent.id);
    const moved = await api.request('GET', `/api/queues/${source.id}/entries?state=overflowed`, { token: admin });
    const there = await api.request('GET', `/api/queues/${target.id}/entries?state=assigned`, { token: admin });
    expect(moved.body.items[0]).toMatchObject({ conversation_id: conversation.id, end_reason: 'max_wait' });
    expect(there.body.items[0]).toMatchObject({ conversation_id: conversation.id, assigned_to: agent.id });
    expect(there.body.items[0].original_enqueued_at).toBe(moved.body.items[0].original_enqueued_at);
    agent.disconnect();
  });

  it('lets the agent transfer a conversation to another queue, keeping its first enqueue time', async () => {
    const first = await createQueue(api, admin, { name: 'Primeiro nível' });
    const second = await createQueue(api, admin, { name: 'Segundo nível' });
    const a = await agentOnline(api, admin);
    const b = await agentOnline(api, admin);
    await setMembers(api, admin, first.id, [{ user_id: a.id }]);
    await setMembers(api, admin, second.id, [{ user_id: b.id }]);
    await routeWhatsAppTo(api, admin, { default_queue_id: first.id });
    const phone = newCustomer();
    await customerWrites(api, secrets, phone, 'oi');
    const conversation = await conversationOf(api, admin, phone);
    expect(await assigneeOf(conversation.id)).toBe(a.id);
    const before = await api.request('GET', `/api/queues/${first.id}/entries?state=assigned`, { token: admin });

    const outsider = await agentOnline(api, admin);
    const refused = await api.request('POST', `/api/conversations/${conversation.id}/queue`, {
      token: outsider.token,
      body: { queue_id: second.id },
    });
    expect(refused.status).toBe(404);
    const moved = await api.request('POST', `/api/conversations/${conversation.id}/queue`, {
      token: a.token,
      body: { queue_id: second.id },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.original_enqueued_at).toBe(before.body.items[0].original_enqueued_at);
    expect(await eventually(async () => ((await assigneeOf(conversation.id)) === b.id ? b.id : undefined), 'b')).toBe(
      b.id,
    );
    const ended = await api.request('GET', `/api/queues/${first.id}/entries?state=completed`, { token: admin });
    expect(ended.body.items[0]).toMatchObject({ conversation_id: conversation.id, end_reason: 'transferred' });
    // The first agent is told it is no longer theirs: it is b's, and was a's.
    await a.waitFor((r) =>
      r.some(
        (e) =>
          e.event === 'conversation_assigned' &&
          e.data.id === conversation.id &&
          e.data.assignee_id === b.id &&
          e.data.previous_assignee_id === a.id,
      ),
    );
    // Released in the new entry's transaction: it never waited with no entry, so the
    // channel's default queue (the first) never took it back.
    const found: unknown = await api.server.database.db.execute(
      sql`select queue_id from queue_entries where conversation_id = ${conversation.id} order by enqueued_at`,
    );
    const queues = (found as { rows: { queue_id: string }[] }).rows.map((row) => row.queue_id);
    expect(queues).toEqual([first.id, second.id]);
    for (const agent of [a, b, outsider]) agent.disconnect();
  });

  it('tells a customer outside business hours once when the arrival and the sweep enqueue them together', async () => {
    // Both paths reach a conversation with no live entry; a closed entry is not live, so the
    // conversation's row lock (not the live-entry index) must make the second one a no-op.
    const queue = await createQueue(api, admin, {
      name: 'Fechado (corrida)',
      business_hours: { ranges: [], closed_action: { action: 'message' } },
    });
    await routeWhatsAppTo(api, admin, { default_queue_id: null });
    const phone = newCustomer();
    await customerWrites(api, secrets, phone, 'tem alguém?');
    const conversation = await conversationOf(api, admin, phone);
    const { db } = api.server.database;
    const found: unknown = await db.execute(sql`select company_id from conversations where id = ${conversation.id}`);
    const companyId = (found as { rows: { company_id: string }[] }).rows[0]!.company_id;
    const now = new Date();
    const closedRow = () => ({
      id: randomUUID(),
      companyId,
      queueId: queue.id,
      channel: 'whatsapp' as const,
      conversationId: conversation.id as string,
      priority: 0,
      enqueuedAt: now,
      originalEnqueuedAt: now,
      state: 'overflowed' as const,
      endedAt: now,
      endReason: 'closed',
      waitSeconds: 0,
      overflowAction: { action: 'message' },
      updatedAt: now,
    });
    const repository = new EngineRepository(db);
    const written = await Promise.all([
      repository.insertClosedConversationEntry(closedRow()),
      repository.insertClosedConversationEntry(closedRow()),
    ]);
    expect(written.filter((entry) => entry !== undefined)).toHaveLength(1);
    const overflowed = await api.request('GET', `/api/queues/${queue.id}/entries?state=overflowed`, { token: admin });
    expect(overflowed.body.items).toEqual([
      expect.objectContaining({ conversation_id: conversation.id, end_reason: 'closed' }),
    ]);
    // Told already since the customer last wrote: a later pass writes nothing.
    expect(await repository.insertClosedConversationEntry(closedRow())).toBeUndefined();
  });
});
