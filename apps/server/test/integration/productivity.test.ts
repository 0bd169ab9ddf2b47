/**
 * Labels, canned responses and private notes over HTTP and Socket.IO (issue 14): who may
 * write what, a label set on a conversation and a contact, a note that mentions a colleague
 * reaching them as `agent_mentioned` and never becoming a message, and another company
 * seeing none of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import { connectSocket } from '../support/socket.js';

let phones = 0;
const nextPhone = () => `+55 11 97777-${String(1000 + (phones += 1)).slice(-4)}`;

describe('agent productivity', () => {
  let api: TestServer;
  let admin: string;
  let agent: Awaited<ReturnType<typeof createUserAndLogin>>;
  let colleague: Awaited<ReturnType<typeof createUserAndLogin>>;
  let rival: string;
  const sockets: { disconnect(): void }[] = [];

  beforeAll(async () => {
    api = await startTestServer({ LOGIN_MAX_ATTEMPTS_PER_IP: '100000', SIGNUP_ENABLED: 'true' });
    admin = await api.adminToken();
    agent = await createUserAndLogin(api, admin, { name: 'Ana Souza' });
    colleague = await createUserAndLogin(api, admin, { name: 'Bruno Prado' });
    const other = await api.request('POST', '/api/users/register', {
      body: {
        company_name: 'Rival',
        name: 'Rita',
        email: 'rita@rival-productivity.test',
        password: 'long-enough-password',
      },
    });
    rival = other.body.access_token;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await api.close();
  });

  const conversationOf = async (token: string) => {
    const created = await api.request('POST', '/api/conversations', {
      token,
      body: { channel: 'webchat', contact: { name: 'Cliente Teste', phone: nextPhone() } },
    });
    expect(created.status).toBe(201);
    return created.body as { id: string; contact: { id: string } };
  };

  it('lets managers keep labels, anyone label a conversation and a contact, and deleting one takes it off', async () => {
    const byAgent = await api.request('POST', '/api/labels', {
      token: agent.token,
      body: { name: 'VIP', colour: '#ff0000' },
    });
    expect(byAgent.status).toBe(403);
    const vip = await api.request('POST', '/api/labels', { token: admin, body: { name: 'VIP', colour: '#FF0000' } });
    expect(vip.status).toBe(201);
    expect(vip.body).toMatchObject({ name: 'VIP', colour: '#ff0000' });
    const again = await api.request('POST', '/api/labels', { token: admin, body: { name: 'vip', colour: '#00ff00' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('label.name_taken');
    const bad = await api.request('POST', '/api/labels', { token: admin, body: { name: 'Cor', colour: 'red' } });
    expect(bad.status).toBe(400);
    const late = await api.request('POST', '/api/labels', {
      token: admin,
      body: { name: 'Atraso', colour: '#123456' },
    });
    const renamed = await api.request('PATCH', `/api/labels/${late.body.id}`, {
      token: admin,
      body: { name: 'Atrasado' },
    });
    expect(renamed.body).toMatchObject({ name: 'Atrasado', colour: '#123456' });
    expect(
      (await api.request('GET', '/api/labels', { token: agent.token })).body.items.map((l: any) => l.name),
    ).toEqual(['Atrasado', 'VIP']);

    const conversation = await conversationOf(agent.token);
    const watcher = await connectSocket(api.baseUrl, { token: admin });
    sockets.push(watcher.socket);
    const set = await api.request('PUT', `/api/conversations/${conversation.id}/labels`, {
      token: agent.token,
      body: { label_ids: [vip.body.id, late.body.id, vip.body.id] },
    });
    expect(set.status).toBe(200);
    expect(set.body.items.map((l: any) => l.name)).toEqual(['Atrasado', 'VIP']);
    await watcher.waitFor((events) =>
      events.some((e) => e.event === 'conversation_labels_changed' && e.data.conversation_id === conversation.id),
    );
    const other = await conversationOf(agent.token);
    const filtered = await api.request('GET', `/api/conversations?label=${vip.body.id}`, { token: agent.token });
    expect(filtered.status).toBe(200);
    expect(filtered.body.items.map((c: any) => c.id)).toEqual([conversation.id]);
    expect(filtered.body.items.map((c: any) => c.id)).not.toContain(other.id);
    const listed = await api.request('GET', `/api/labels/conversations?ids=${conversation.id}`, { token: agent.token });
    expect(listed.body.items[0].label_ids.sort()).toEqual([vip.body.id, late.body.id].sort());

    // A label of another company is refused, and nothing changes.
    const foreign = await api.request('POST', '/api/labels', {
      token: rival,
      body: { name: 'Deles', colour: '#000000' },
    });
    const refused = await api.request('PUT', `/api/conversations/${conversation.id}/labels`, {
      token: agent.token,
      body: { label_ids: [foreign.body.id] },
    });
    expect(refused.status).toBe(400);
    expect(
      (await api.request('GET', `/api/conversations/${conversation.id}/labels`, { token: agent.token })).body.items,
    ).toHaveLength(2);
    expect((await api.request('GET', `/api/conversations/${conversation.id}/labels`, { token: rival })).status).toBe(
      404,
    );

    const contactId = conversation.contact.id;
    const onContact = await api.request('PUT', `/api/contacts/${contactId}/labels`, {
      token: agent.token,
      body: { label_ids: [vip.body.id] },
    });
    expect(onContact.status).toBe(200);
    expect((await api.request('GET', `/api/contacts/${contactId}/labels`, { token: rival })).status).toBe(404);

    expect((await api.request('DELETE', `/api/labels/${vip.body.id}`, { token: admin })).status).toBe(204);
    expect(
      (await api.request('GET', `/api/conversations/${conversation.id}/labels`, { token: agent.token })).body.items.map(
        (l: any) => l.name,
      ),
    ).toEqual(['Atrasado']);
    expect((await api.request('GET', `/api/contacts/${contactId}/labels`, { token: agent.token })).body.items).toEqual(
      [],
    );
  });

  it('keeps company replies for managers to write and personal ones to their owner, searchable by shortcut', async () => {
    const company = await api.request('POST', '/api/canned-responses', {
      token: admin,
      body: { scope: 'company', shortcut: 'ola', body: 'Olá {{contact.first_name}}, aqui é {{agent.name}}.' },
    });
    expect(company.status).toBe(201);
    expect(company.body).toMatchObject({ scope: 'company', owner_id: null });
    const forbidden = await api.request('POST', '/api/canned-responses', {
      token: agent.token,
      body: { scope: 'company', shortcut: 'x', body: 'x' },
    });
    expect(forbidden.status).toBe(403);
    const mine = await api.request('POST', '/api/canned-responses', {
      token: agent.token,
      body: { shortcut: 'prazo', body: 'O prazo de entrega é de 5 dias úteis.' },
    });
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({ scope: 'personal', owner_id: agent.id });
    const taken = await api.request('POST', '/api/canned-responses', {
      token: agent.token,
      body: { shortcut: 'prazo', body: 'outro' },
    });
    expect(taken.status).toBe(409);
    const spaced = await api.request('POST', '/api/canned-responses', {
      token: agent.token,
      body: { shortcut: 'com espaço', body: 'x' },
    });
    expect(spaced.status).toBe(400);

    const seen = await api.request('GET', '/api/canned-responses?q=pra', { token: agent.token });
    expect(seen.body.items.map((c: any) => c.shortcut)).toEqual(['prazo']);
    const colleagueSees = await api.request('GET', '/api/canned-responses', { token: colleague.token });
    expect(colleagueSees.body.items.map((c: any) => c.shortcut)).toEqual(['ola']);
    expect(
      (
        await api.request('PATCH', `/api/canned-responses/${mine.body.id}`, {
          token: colleague.token,
          body: { body: 'x' },
        })
      ).status,
    ).toBe(404);
    expect(
      (await api.request('DELETE', `/api/canned-responses/${company.body.id}`, { token: agent.token })).status,
    ).toBe(403);
    const edited = await api.request('PATCH', `/api/canned-responses/${mine.body.id}`, {
      token: agent.token,
      body: { body: 'O prazo é de 3 dias úteis.' },
    });
    expect(edited.body).toMatchObject({ shortcut: 'prazo', body: 'O prazo é de 3 dias úteis.' });
    expect((await api.request('GET', '/api/canned-responses', { token: rival })).body.items).toEqual([]);
    expect((await api.request('DELETE', `/api/canned-responses/${mine.body.id}`, { token: agent.token })).status).toBe(
      204,
    );
  });

  it('stores a private note apart from messages and tells the mentioned colleague', async () => {
    const conversation = await conversationOf(agent.token);
    const mentioned = await connectSocket(api.baseUrl, { token: colleague.token });
    sockets.push(mentioned.socket);
    const note = await api.request('POST', `/api/conversations/${conversation.id}/notes`, {
      token: agent.token,
      body: { body: '@Bruno Prado pode confirmar o endereço? (não para o cliente) ana@acme.test' },
    });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({
      author_id: agent.id,
      author_name: 'Ana Souza',
      mentions: [{ user_id: colleague.id, name: 'Bruno Prado' }],
    });
    await mentioned.waitFor((events) =>
      events.some(
        (e) =>
          e.event === 'agent_mentioned' &&
          e.data.conversation_id === conversation.id &&
          e.data.author_name === 'Ana Souza' &&
          String(e.data.excerpt).startsWith('@Bruno Prado pode confirmar'),
      ),
    );
    const notes = await api.request('GET', `/api/conversations/${conversation.id}/notes`, { token: agent.token });
    expect(notes.body.items).toHaveLength(1);
    const messages = await api.request('GET', `/api/conversations/${conversation.id}/messages`, { token: agent.token });
    expect(JSON.stringify(messages.body)).not.toContain('pode confirmar');

    expect((await api.request('GET', `/api/conversations/${conversation.id}/notes`, { token: rival })).status).toBe(
      404,
    );
    const empty = await api.request('POST', `/api/conversations/${conversation.id}/notes`, {
      token: agent.token,
      body: { body: '   ' },
    });
    expect(empty.status).toBe(400);
  });
});
