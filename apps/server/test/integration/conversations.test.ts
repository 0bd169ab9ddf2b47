import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/shared/clock.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import { connectSocket, type Envelope } from '../support/socket.js';

type User = Awaited<ReturnType<typeof createUserAndLogin>>;

let phoneCounter = 0;
const nextPhone = () => {
  phoneCounter += 1;
  return `+55219${String(phoneCounter).padStart(8, '0')}`;
};

const conversationEvents = (received: Envelope[]) =>
  received.filter((e) => /^(conversation|message)_/.test(e.event)).map((e) => e.event);

async function startConversation(
  api: TestServer,
  token: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string; [key: string]: any }> {
  const response = await api.request('POST', '/api/conversations', {
    token,
    body: { channel: 'webchat', contact: { name: 'Ana', phone: nextPhone() }, ...body },
  });
  if (response.status !== 201) throw new Error(`create failed: ${response.status} ${response.text}`);
  return response.body;
}

describe('conversations', () => {
  let api: TestServer;
  let admin: string;
  let supervisor: User;
  let agentA: User;
  let agentB: User;

  /** A conversation in the waiting queue: nobody has it, it waits for a human. */
  const queued = async (name = 'Fila') => {
    const conversation = await startConversation(api, admin, { contact: { name, phone: nextPhone() } });
    const handed = await api.request('POST', `/api/conversations/${conversation.id}/handoff`, { token: admin });
    expect(handed.body).toMatchObject({ assignee_id: null, awaiting_human: true });
    return handed.body as { id: string };
  };

  /**
   * Agent B's socket heard nothing of `conversationId`: a conversation the supervisor then
   * assigns to agent B reaches that socket after anything published before it (events reach
   * a socket in seq order), so what has not come by then never will.
   */
  const expectNothingBefore = async (socket: Awaited<ReturnType<typeof connectSocket>>, conversationId: string) => {
    const sentinel = await startConversation(api, supervisor.token, {
      contact: { name: 'Sentinela', phone: nextPhone() },
    });
    const assigned = await api.request('POST', `/api/conversations/${sentinel.id}/assign`, {
      token: supervisor.token,
      body: { agent_id: agentB.id },
    });
    expect(assigned.status).toBe(200);
    await socket.waitFor((e) => e.some((x) => x.event === 'conversation_assigned' && x.data.id === sentinel.id));
    expect(
      socket.received.filter((x) => x.data.id === conversationId || x.data.conversation_id === conversationId),
    ).toEqual([]);
  };

  beforeAll(async () => {
    api = await startTestServer({ LOGIN_MAX_ATTEMPTS_PER_IP: '100000' });
    admin = await api.adminToken();
    supervisor = await createUserAndLogin(api, admin, { role: 'supervisor' });
    agentA = await createUserAndLogin(api, admin, { name: 'Alice' });
    agentB = await createUserAndLogin(api, admin, { name: 'Bruno' });
  });
  afterAll(async () => {
    await api.close();
  });

  describe('starting and reading', () => {
    it('starts a conversation with a new contact, assigned to its starter, and announces it', async () => {
      const socket = await connectSocket(api.baseUrl, { token: agentA.token });
      const response = await api.request('POST', '/api/conversations', {
        token: agentA.token,
        body: {
          channel: 'webchat',
          contact: { name: 'Beatriz', phone: '+55 (21) 99876-0001', email: 'Bia@Example.com' },
          priority: 'high',
        },
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('location')).toBe(`/api/conversations/${response.body.id}`);
      expect(response.body).toMatchObject({
        conversation_id: response.body.id,
        channel: 'webchat',
        status: 'open',
        awaiting_human: false,
        assignee_id: agentA.id,
        priority: 'high',
        rating: null,
        favorite: false,
        last_read_at: null,
        contact: { name: 'Beatriz', phone: '+5521998760001', email: 'bia@example.com', identities: [] },
      });
      await socket.waitFor((e) => e.some((x) => x.event === 'conversation_created'));
      expect(socket.received.find((e) => e.event === 'conversation_created')!.data).toMatchObject({
        id: response.body.id,
        assignee_id: agentA.id,
      });
      expect(socket.received.find((e) => e.event === 'conversation_created')!.data).not.toHaveProperty('favorite');
      expect(socket.received.find((e) => e.event === 'conversation_created')!.data).not.toHaveProperty('last_read_at');
      socket.socket.close();
    });

    it('gives back the contact’s unresolved conversation on that channel instead of a second one', async () => {
      const phone = nextPhone();
      const first = await startConversation(api, admin, { contact: { phone } });
      const again = await api.request('POST', '/api/conversations', {
        token: admin,
        body: { channel: 'webchat', contact: { phone } },
      });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.id);
      const other = await api.request('POST', '/api/conversations', {
        token: admin,
        body: { channel: 'voice', contact: { phone } },
      });
      expect(other.status).toBe(201);
      expect(other.body.contact.id).toBe(first.contact.id);
    });

    it('refuses bad contacts with the field named', async () => {
      const cases = [
        [{ channel: 'webchat', contact: { name: 'Sem contato' } }, 'body.contact.phone'],
        [{ channel: 'webchat', contact: { phone: '12345' } }, 'body.contact.phone'],
        [{ channel: 'sms', contact: { phone: '+5521999990000' } }, 'body.channel'],
      ] as const;
      for (const [body, field] of cases) {
        const response = await api.request('POST', '/api/conversations', { token: admin, body });
        expect(response.status).toBe(400);
        expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
      const whatsappWithoutPhone = await api.request('POST', '/api/conversations', {
        token: admin,
        body: { channel: 'whatsapp', contact: { email: 'x@example.com' } },
      });
      expect(whatsappWithoutPhone.status).toBe(409);
      expect(whatsappWithoutPhone.body.code).toBe('contact.no_phone');
    });

    it('reads one conversation with its contact, and 404 for an unknown id', async () => {
      const conversation = await startConversation(api, admin);
      const read = await api.request('GET', `/api/conversations/${conversation.id}`, { token: admin });
      expect(read.status).toBe(200);
      expect(read.body.contact.name).toBe('Ana');
      const unknown = await api.request('GET', '/api/conversations/00000000-0000-4000-8000-000000000000', {
        token: admin,
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('conversation.not_found');
    });

    it('changes the priority and announces it', async () => {
      const conversation = await startConversation(api, agentA.token);
      const socket = await connectSocket(api.baseUrl, { token: agentA.token });
      const response = await api.request('PATCH', `/api/conversations/${conversation.id}`, {
        token: agentA.token,
        body: { priority: 'urgent' },
      });
      expect(response.body.priority).toBe('urgent');
      await socket.waitFor((e) => e.some((x) => x.event === 'conversation_updated'));
      socket.socket.close();
    });
  });

  describe('listing', () => {
    let mineA: { id: string };
    let mineB: { id: string };
    let queue: { id: string };

    beforeAll(async () => {
      mineA = await startConversation(api, agentA.token, { contact: { name: 'Zélia Lista', phone: nextPhone() } });
      mineB = await startConversation(api, agentB.token, { contact: { name: 'Zuleica Lista', phone: nextPhone() } });
      queue = await queued('Zoraide Lista');
    });

    const ids = (body: { items: { id: string }[] }) => body.items.map((c) => c.id);

    it('shows agents their conversations and the queue, never a colleague’s', async () => {
      const list = await api.request('GET', '/api/conversations?q=Lista', { token: agentA.token });
      expect(ids(list.body)).toEqual([queue.id, mineA.id]);
      const colleague = await api.request('GET', `/api/conversations/${mineB.id}`, { token: agentA.token });
      expect(colleague.status).toBe(404);
      const managers = await api.request('GET', '/api/conversations?q=Lista', { token: supervisor.token });
      expect(ids(managers.body)).toEqual([queue.id, mineB.id, mineA.id]);
    });

    it('filters by mine, unassigned, awaiting_human, assignee, status and channel', async () => {
      const get = async (query: string, token = admin) =>
        ids((await api.request('GET', `/api/conversations?q=Lista&${query}`, { token })).body);
      expect(await get('filter=mine', agentA.token)).toEqual([mineA.id]);
      expect(await get('filter=unassigned')).toEqual([queue.id]);
      expect(await get('filter=awaiting_human')).toEqual([queue.id]);
      expect(await get(`assignee=${agentB.id}`)).toEqual([mineB.id]);
      expect(await get('status=open')).toHaveLength(3);
      expect(await get('status=resolved')).toEqual([]);
      expect(await get('channel=whatsapp')).toEqual([]);
      expect(await get('channel=webchat')).toHaveLength(3);
    });

    it('lists each contact with its channel identities, the viewer’s star and read mark, as reading each one does', async () => {
      const phone = nextPhone();
      const web = await startConversation(api, agentA.token, { contact: { name: 'Yara Identidades', phone } });
      const whats = await startConversation(api, agentA.token, {
        channel: 'whatsapp',
        contact: { name: 'Yara Identidades', phone },
      });
      expect(whats.contact.id).toBe(web.contact.id);
      const contactId = web.contact.id as string;
      const companyId = (await api.request('GET', '/api/users/profile', { token: agentA.token })).body.company_id;
      // Inserted out of order: the list gives them oldest first; phone and e-mail are not channels.
      const identity = (channel: string, externalId: string, at: string) =>
        api.server.database.db
          .execute(sql`insert into contact_identities (id, company_id, contact_id, channel, external_id, created_at)
          values (${randomUUID()}, ${companyId}, ${contactId}, ${channel}, ${externalId}, ${at}::timestamptz)`);
      await identity('whatsapp', phone.slice(1), '2026-01-02T00:00:00Z');
      await identity('email', `yara.${phone}@ident.test`, '2026-01-01T00:00:00Z');
      await identity('webchat', `visitante-${phone}`, '2026-01-01T12:00:00Z');
      await identity('phone', phone, '2026-01-03T00:00:00Z');
      expect(
        (await api.request('POST', `/api/conversations/${whats.id}/favorite`, { token: supervisor.token })).status,
      ).toBe(200);
      expect((await api.request('POST', `/api/conversations/${web.id}/read`, { token: supervisor.token })).status).toBe(
        200,
      );

      // The star and the read mark are the supervisor's: no other test lists the supervisor's.
      const list = await api.request('GET', '/api/conversations?q=Identidades', { token: supervisor.token });
      // Both started within a millisecond or two: their order is the id's then, not asserted.
      expect(list.body.items.map((c: { id: string }) => c.id).sort()).toEqual([whats.id, web.id].sort());
      for (const item of list.body.items) {
        expect(item.contact.identities).toEqual([
          { channel: 'webchat', external_id: `visitante-${phone}` },
          { channel: 'whatsapp', external_id: phone.slice(1) },
        ]);
        const one = await api.request('GET', `/api/conversations/${item.id}`, { token: supervisor.token });
        expect(item).toEqual(one.body);
      }
      const listed = (items: { id: string }[], id: string) => items.find((c) => c.id === id);
      expect(listed(list.body.items, whats.id)).toMatchObject({ favorite: true, last_read_at: null });
      expect(listed(list.body.items, web.id)).toMatchObject({ favorite: false, last_read_at: expect.any(String) });
      // Another viewer has neither the star nor the read mark.
      const owners = await api.request('GET', '/api/conversations?q=Identidades', { token: agentA.token });
      for (const item of owners.body.items) expect(item).toMatchObject({ favorite: false, last_read_at: null });
      expect(owners.body.items).toHaveLength(2);
    });

    it('searches the contact’s name, phone and email', async () => {
      const phone = nextPhone();
      const found = await startConversation(api, admin, {
        contact: { name: 'Josefina Pesquisa', phone, email: 'josefina@pesquisa.test' },
      });
      for (const q of ['josefina', phone.slice(4, 12), 'pesquisa.test']) {
        const list = await api.request('GET', `/api/conversations?q=${encodeURIComponent(q)}`, { token: admin });
        expect(ids(list.body)).toContain(found.id);
      }
      const none = await api.request('GET', '/api/conversations?q=%25', { token: admin });
      expect(none.body.items).toEqual([]);
    });

    it('pages with a cursor, most recent activity first, without repeats', async () => {
      const first = await api.request('GET', '/api/conversations?q=Lista&limit=2', { token: admin });
      expect(first.body.items).toHaveLength(2);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await api.request(
        'GET',
        `/api/conversations?q=Lista&limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`,
        { token: admin },
      );
      expect([...ids(first.body), ...ids(second.body)]).toEqual([queue.id, mineB.id, mineA.id]);
      expect(second.body.next_cursor).toBeNull();
      const bad = await api.request('GET', '/api/conversations?cursor=garbage', { token: admin });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('request.invalid_cursor');
    });

    it('refuses unknown filters and fields', async () => {
      for (const query of ['filter=everything', 'status=closed', 'assignee=nobody', 'page=2']) {
        const response = await api.request('GET', `/api/conversations?${query}`, { token: admin });
        expect(response.status).toBe(400);
      }
    });
  });

  describe('messages', () => {
    it('stores a reply, announces it, and delivers it on web chat at once', async () => {
      const conversation = await startConversation(api, agentA.token);
      const socket = await connectSocket(api.baseUrl, { token: agentA.token });
      const sent = await api.request('POST', `/api/conversations/${conversation.id}/messages`, {
        token: agentA.token,
        body: { text: '  Bom dia!  ' },
      });
      expect(sent.status).toBe(201);
      expect(sent.body).toMatchObject({
        message_id: sent.body.id,
        conversation_id: conversation.id,
        direction: 'outbound',
        author_type: 'agent',
        author_id: agentA.id,
        type: 'text',
        text: 'Bom dia!',
        status: 'queued',
      });
      await socket.waitFor((e) => e.some((x) => x.event === 'message_status_changed'));
      expect(conversationEvents(socket.received)).toEqual(['message_created', 'message_status_changed']);
      expect(socket.received.find((e) => e.event === 'message_status_changed')!.data.status).toBe('sent');
      const read = await api.request('GET', `/api/conversations/${conversation.id}`, { token: agentA.token });
      expect(read.body.last_message_preview).toBe('Bom dia!');
      socket.socket.close();
    });

    it('lists messages newest first with a `before` cursor', async () => {
      const conversation = await startConversation(api, admin);
      for (let n = 1; n <= 5; n += 1) {
        await api.request('POST', `/api/conversations/${conversation.id}/messages`, {
          token: admin,
          body: { text: `m${n}` },
        });
      }
      const texts: string[] = [];
      let before: string | null = null;
      do {
        const query: string = `limit=2${before ? `&before=${encodeURIComponent(before)}` : ''}`;
        const page = await api.request('GET', `/api/conversations/${conversation.id}/messages?${query}`, {
          token: admin,
        });
        expect(page.status).toBe(200);
        texts.push(...page.body.items.map((m: { text: string }) => m.text));
        before = page.body.next_cursor;
      } while (before);
      expect(texts).toEqual(['m5', 'm4', 'm3', 'm2', 'm1']);
      const limited = await api.request('GET', `/api/conversations/${conversation.id}/messages?limit=500`, {
        token: admin,
      });
      expect(limited.status).toBe(400);
    });

    it('takes an unassigned conversation for the agent who replies', async () => {
      const queue = await queued();
      const socket = await connectSocket(api.baseUrl, { token: agentB.token });
      const sent = await api.request('POST', `/api/conversations/${queue.id}/messages`, {
        token: agentB.token,
        body: { text: 'Estou aqui' },
      });
      expect(sent.status).toBe(201);
      const read = await api.request('GET', `/api/conversations/${queue.id}`, { token: agentB.token });
      expect(read.body).toMatchObject({ assignee_id: agentB.id, awaiting_human: false });
      await socket.waitFor((e) => e.some((x) => x.event === 'message_created'));
      expect(conversationEvents(socket.received).slice(0, 2)).toEqual(['conversation_assigned', 'message_created']);
      socket.socket.close();
    });

    it('refuses a message to a resolved conversation (reopen it first) and to a voice conversation', async () => {
      const conversation = await startConversation(api, admin);
      await api.request('POST', `/api/conversations/${conversation.id}/close`, { token: admin });
      const refused = await api.request('POST', `/api/conversations/${conversation.id}/messages`, {
        token: admin,
        body: { text: 'olá?' },
      });
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('conversation.resolved');
      const voice = await startConversation(api, admin, { channel: 'voice' });
      const onVoice = await api.request('POST', `/api/conversations/${voice.id}/messages`, {
        token: admin,
        body: { text: 'olá?' },
      });
      expect(onVoice.status).toBe(409);
      expect(onVoice.body.code).toBe('conversation.channel_cannot_message');
    });

    it('refuses an empty or oversized message', async () => {
      const conversation = await startConversation(api, admin);
      for (const text of ['', '   ', 'x'.repeat(4097)]) {
        const response = await api.request('POST', `/api/conversations/${conversation.id}/messages`, {
          token: admin,
          body: { text },
        });
        expect(response.status).toBe(400);
        expect(response.body.errors[0].field).toBe('body.text');
      }
    });
  });

  describe('handoff and assignment', () => {
    it('hands a conversation to the queue: its agent, the managers and the consoles watching the unassigned hear of it, no other agent (ADR 31)', async () => {
      const conversation = await startConversation(api, agentA.token);
      const [socketA, watcher, bystander, manager] = await Promise.all(
        [agentA, agentB, agentB, supervisor].map((u) => connectSocket(api.baseUrl, { token: u.token })),
      );
      expect(await watcher!.socket.emitWithAck('watch', { topic: 'unassigned' })).toEqual({ ok: true });
      const response = await api.request('POST', `/api/conversations/${conversation.id}/handoff`, {
        token: agentA.token,
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ awaiting_human: true, assignee_id: null, status: 'open' });
      for (const socket of [socketA!, watcher!, manager!]) {
        await socket.waitFor((e) => e.some((x) => x.event === 'conversation_updated'));
        expect(socket.received.find((e) => e.event === 'conversation_updated')!.data).toMatchObject({
          id: conversation.id,
          awaiting_human: true,
          previous_assignee_id: agentA.id,
        });
      }
      await expectNothingBefore(bystander!, conversation.id);
      for (const socket of [socketA!, watcher!, bystander!, manager!]) socket.socket.close();
    });

    it('lets an agent take from the queue; a second agent gets 404 (a colleague’s), a manager 409', async () => {
      const queue = await queued();
      const watcher = await connectSocket(api.baseUrl, { token: agentB.token });
      expect(await watcher.socket.emitWithAck('watch', { topic: 'unassigned' })).toEqual({ ok: true });
      const taken = await api.request('POST', `/api/conversations/${queue.id}/take`, { token: agentA.token });
      expect(taken.status).toBe(200);
      expect(taken.body).toMatchObject({ assignee_id: agentA.id, awaiting_human: false });
      // Agent B's list of unassigned work drops it: the assignment reaches the watchers.
      await watcher.waitFor((e) => e.some((x) => x.event === 'conversation_assigned' && x.data.id === queue.id));
      watcher.socket.close();
      const second = await api.request('POST', `/api/conversations/${queue.id}/take`, { token: agentB.token });
      expect(second.status).toBe(404);
      expect(second.body.code).toBe('conversation.not_found');
      const byManager = await api.request('POST', `/api/conversations/${queue.id}/take`, { token: supervisor.token });
      expect(byManager.status).toBe(409);
      expect(byManager.body.code).toBe('conversation.already_assigned');
      const again = await api.request('POST', `/api/conversations/${queue.id}/take`, { token: agentA.token });
      expect(again.status).toBe(200);
    });

    it('stops telling a console of unassigned work once it unwatches, and refuses an unknown topic', async () => {
      const watcher = await connectSocket(api.baseUrl, { token: agentB.token });
      expect(await watcher.socket.emitWithAck('watch', { topic: 'unassigned' })).toEqual({ ok: true });
      const first = await queued('Primeira');
      await watcher.waitFor((e) => e.some((x) => x.event === 'conversation_updated' && x.data.id === first.id));
      expect(await watcher.socket.emitWithAck('unwatch', { topic: 'unassigned' })).toEqual({ ok: true });
      const second = await queued('Segunda');
      await expectNothingBefore(watcher, second.id);
      expect(await watcher.socket.emitWithAck('watch', { topic: 'queue' })).toMatchObject({
        ok: false,
        error: { code: 'request.invalid' },
      });
      watcher.socket.close();
    });

    it('lets managers assign anyone of the company, and tells the old and the new agent', async () => {
      const conversation = await startConversation(api, agentA.token);
      const [socketA, socketB] = await Promise.all(
        [agentA, agentB].map((u) => connectSocket(api.baseUrl, { token: u.token })),
      );
      const response = await api.request('POST', `/api/conversations/${conversation.id}/assign`, {
        token: supervisor.token,
        body: { agent_id: agentB.id },
      });
      expect(response.status).toBe(200);
      expect(response.body.assignee_id).toBe(agentB.id);
      for (const socket of [socketA!, socketB!]) {
        await socket.waitFor((e) => e.some((x) => x.event === 'conversation_assigned'));
        expect(socket.received.find((e) => e.event === 'conversation_assigned')!.data).toMatchObject({
          assignee_id: agentB.id,
          previous_assignee_id: agentA.id,
        });
        socket.socket.close();
      }
      const unknown = await api.request('POST', `/api/conversations/${conversation.id}/assign`, {
        token: supervisor.token,
        body: { agent_id: '00000000-0000-4000-8000-000000000000' },
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('user.not_found');
      const camel = await api.request('POST', `/api/conversations/${conversation.id}/assign`, {
        token: supervisor.token,
        body: { agentId: agentA.id },
      });
      expect(camel.status).toBe(400);
    });

    it('lets an agent pass on their own conversation but not assign others', async () => {
      const mine = await startConversation(api, agentA.token);
      const passed = await api.request('POST', `/api/conversations/${mine.id}/assign`, {
        token: agentA.token,
        body: { agent_id: agentB.id },
      });
      expect(passed.status).toBe(200);
      expect(passed.body.assignee_id).toBe(agentB.id);
      expect((await api.request('GET', `/api/conversations/${mine.id}`, { token: agentA.token })).status).toBe(404);
      const queue = await queued();
      const refused = await api.request('POST', `/api/conversations/${queue.id}/assign`, {
        token: agentA.token,
        body: { agent_id: agentB.id },
      });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('conversation.assign_forbidden');
      const colleagues = await api.request('POST', `/api/conversations/${mine.id}/assign`, {
        token: agentA.token,
        body: { agent_id: agentA.id },
      });
      expect(colleagues.status).toBe(404);
    });

    it('unassigns back to the queue: agents their own, managers any', async () => {
      const mine = await startConversation(api, agentA.token);
      const response = await api.request('POST', `/api/conversations/${mine.id}/unassign`, { token: agentA.token });
      expect(response.body).toMatchObject({ assignee_id: null, awaiting_human: true });
      const theirs = await startConversation(api, agentB.token);
      expect(
        (await api.request('POST', `/api/conversations/${theirs.id}/unassign`, { token: agentA.token })).status,
      ).toBe(404);
      const byManager = await api.request('POST', `/api/conversations/${theirs.id}/unassign`, {
        token: supervisor.token,
      });
      expect(byManager.body.assignee_id).toBeNull();
    });
  });

  describe('closing, reopening, snoozing', () => {
    it('closes with a rating and feedback, announced as conversation_closed', async () => {
      const conversation = await startConversation(api, agentA.token);
      const socket = await connectSocket(api.baseUrl, { token: supervisor.token });
      const response = await api.request('POST', `/api/conversations/${conversation.id}/close`, {
        token: agentA.token,
        body: { rating: 5, feedback: 'Atendimento excelente' },
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        status: 'resolved',
        rating: 5,
        feedback: 'Atendimento excelente',
        awaiting_human: false,
        resolved_at: expect.any(String),
      });
      await socket.waitFor((e) => e.some((x) => x.event === 'conversation_closed'));
      expect(socket.received.find((e) => e.event === 'conversation_closed')!.data).toMatchObject({
        id: conversation.id,
        rating: 5,
      });
      socket.socket.close();
      const again = await api.request('POST', `/api/conversations/${conversation.id}/close`, { token: agentA.token });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('conversation.already_resolved');
    });

    it('closes without a body and without a rating', async () => {
      const conversation = await startConversation(api, admin);
      const response = await api.request('POST', `/api/conversations/${conversation.id}/close`, { token: admin });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'resolved', rating: null, feedback: null });
    });

    it('refuses a rating outside 1–5 and changes nothing', async () => {
      const conversation = await startConversation(api, admin);
      for (const rating of [0, 6, 3.5, '5', -1]) {
        const response = await api.request('POST', `/api/conversations/${conversation.id}/close`, {
          token: admin,
          body: { rating },
        });
        expect(response.status).toBe(400);
        expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual(['body.rating']);
      }
      const tooLong = await api.request('POST', `/api/conversations/${conversation.id}/close`, {
        token: admin,
        body: { rating: 3, feedback: 'x'.repeat(2001) },
      });
      expect(tooLong.status).toBe(400);
      const read = await api.request('GET', `/api/conversations/${conversation.id}`, { token: admin });
      expect(read.body).toMatchObject({ status: 'open', rating: null });
    });

    it('reopens a resolved conversation; an open one cannot be reopened', async () => {
      const conversation = await startConversation(api, admin);
      await api.request('POST', `/api/conversations/${conversation.id}/close`, { token: admin, body: { rating: 2 } });
      const reopened = await api.request('POST', `/api/conversations/${conversation.id}/reopen`, { token: admin });
      expect(reopened.body).toMatchObject({ status: 'open', resolved_at: null });
      const again = await api.request('POST', `/api/conversations/${conversation.id}/reopen`, { token: admin });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('conversation.not_closed');
    });

    it('snoozes until a future time, refuses a past one, and reopens on demand', async () => {
      const conversation = await startConversation(api, admin);
      for (const until of [new Date(Date.now() - 60_000).toISOString(), 'tomorrow', '2999-01-01T00:00:00Z']) {
        const refused = await api.request('POST', `/api/conversations/${conversation.id}/snooze`, {
          token: admin,
          body: { until },
        });
        expect(refused.status).toBe(400);
        expect(refused.body.errors[0].field).toBe('body.until');
      }
      const until = new Date(Date.now() + 86_400_000).toISOString();
      const snoozed = await api.request('POST', `/api/conversations/${conversation.id}/snooze`, {
        token: admin,
        body: { until },
      });
      expect(snoozed.body).toMatchObject({ status: 'snoozed', snoozed_until: until });
      const listed = await api.request('GET', '/api/conversations?status=snoozed', { token: admin });
      expect(listed.body.items.map((c: { id: string }) => c.id)).toContain(conversation.id);
      const reopened = await api.request('POST', `/api/conversations/${conversation.id}/reopen`, { token: admin });
      expect(reopened.body).toMatchObject({ status: 'open', snoozed_until: null });
    });
  });

  describe('read marks', () => {
    it('keeps each agent’s own read mark, moving only forward, and out of events', async () => {
      const queue = await queued('Lida');
      const before = await api.request('GET', `/api/conversations/${queue.id}`, { token: agentA.token });
      expect(before.body.last_read_at).toBeNull();

      const read = await api.request('POST', `/api/conversations/${queue.id}/read`, { token: agentA.token });
      expect(read.status).toBe(200);
      expect(read.body.conversation_id).toBe(queue.id);
      const markedAt = Date.parse(read.body.last_read_at);
      expect(Math.abs(markedAt - Date.now())).toBeLessThan(60_000);

      const seenByA = await api.request('GET', `/api/conversations/${queue.id}`, { token: agentA.token });
      const seenByB = await api.request('GET', `/api/conversations/${queue.id}`, { token: agentB.token });
      expect(seenByA.body.last_read_at).toBe(read.body.last_read_at);
      expect(seenByB.body.last_read_at).toBeNull();
      const listOfA = await api.request('GET', '/api/conversations?limit=200', { token: agentA.token });
      expect(listOfA.body.items.find((c: { id: string }) => c.id === queue.id).last_read_at).toBe(
        read.body.last_read_at,
      );

      const again = await api.request('POST', `/api/conversations/${queue.id}/read`, { token: agentA.token });
      expect(Date.parse(again.body.last_read_at)).toBeGreaterThanOrEqual(markedAt);
    });

    it('answers 404 for a conversation the agent cannot see, and writes nothing', async () => {
      const theirs = await startConversation(api, agentB.token);
      const response = await api.request('POST', `/api/conversations/${theirs.id}/read`, { token: agentA.token });
      expect(response.status).toBe(404);
      const seenByB = await api.request('GET', `/api/conversations/${theirs.id}`, { token: agentB.token });
      expect(seenByB.body.last_read_at).toBeNull();
    });
  });

  describe('favourites', () => {
    it('stars a conversation for the calling agent only', async () => {
      const queue = await queued('Favorita');
      const starred = await api.request('POST', `/api/conversations/${queue.id}/favorite`, { token: agentA.token });
      expect(starred.body).toEqual({ conversation_id: queue.id, favorite: true });
      const again = await api.request('POST', `/api/conversations/${queue.id}/favorite`, { token: agentA.token });
      expect(again.body.favorite).toBe(true);

      const seenByA = await api.request('GET', `/api/conversations/${queue.id}`, { token: agentA.token });
      const seenByB = await api.request('GET', `/api/conversations/${queue.id}`, { token: agentB.token });
      expect(seenByA.body.favorite).toBe(true);
      expect(seenByB.body.favorite).toBe(false);
      const favoritesOfA = await api.request('GET', '/api/conversations?filter=favorites', { token: agentA.token });
      const favoritesOfB = await api.request('GET', '/api/conversations?filter=favorites', { token: agentB.token });
      expect(favoritesOfA.body.items.map((c: { id: string }) => c.id)).toEqual([queue.id]);
      expect(favoritesOfB.body.items).toEqual([]);

      // B's list is the same with or without A's star.
      const listOfB = await api.request('GET', '/api/conversations?limit=200', { token: agentB.token });
      expect(listOfB.body.items.find((c: { id: string }) => c.id === queue.id).favorite).toBe(false);

      const unstarred = await api.request('DELETE', `/api/conversations/${queue.id}/favorite`, { token: agentA.token });
      expect(unstarred.body).toEqual({ conversation_id: queue.id, favorite: false });
      const after = await api.request('GET', '/api/conversations?filter=favorites', { token: agentA.token });
      expect(after.body.items).toEqual([]);
    });

    it('answers 404 for a conversation the agent cannot see', async () => {
      const theirs = await startConversation(api, agentB.token);
      for (const method of ['POST', 'DELETE']) {
        const response = await api.request(method, `/api/conversations/${theirs.id}/favorite`, {
          token: agentA.token,
        });
        expect(response.status).toBe(404);
      }
    });
  });

  it('asks for a token on every conversation route', async () => {
    for (const [method, path] of [
      ['GET', '/api/conversations'],
      ['POST', '/api/conversations/00000000-0000-4000-8000-000000000000/take'],
      ['DELETE', '/api/typing?conversation_id=00000000-0000-4000-8000-000000000000'],
      ['GET', '/api/channels'],
    ] as const) {
      expect((await api.request(method, path)).status).toBe(401);
    }
  });
});

describe('snoozed conversations wake up by themselves', () => {
  let api: TestServer;
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };

  beforeAll(async () => {
    api = await startTestServer({}, { clock });
  });
  afterAll(async () => {
    await api.close();
  });

  it('reopens a snoozed conversation when its time comes, and announces it', async () => {
    const admin = await api.adminToken();
    const conversation = await startConversation(api, admin);
    const until = new Date(clock.now().getTime() + 10 * 60_000);
    await api.request('POST', `/api/conversations/${conversation.id}/snooze`, {
      token: admin,
      body: { until: until.toISOString() },
    });
    const socket = await connectSocket(api.baseUrl, { token: admin });
    await new Promise((r) => setTimeout(r, 2500));
    expect((await api.request('GET', `/api/conversations/${conversation.id}`, { token: admin })).body.status).toBe(
      'snoozed',
    );
    offsetMs = 10 * 60_000 + 1000;
    await socket.waitFor((e) => e.some((x) => x.event === 'conversation_updated'), 8000);
    expect(socket.received.find((e) => e.event === 'conversation_updated')!.data).toMatchObject({
      id: conversation.id,
      status: 'open',
      snoozed_until: null,
    });
    socket.socket.close();
  });
});
