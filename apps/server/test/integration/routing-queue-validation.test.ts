/**
 * What the API refuses of a queue that the console already prevents (issue 11): the
 * `ring_all` strategy rings every eligible agent's phone, so a queue without `voice`
 * cannot have it, neither when created nor after a change of its strategy or its
 * channels. Refused with 422 problem+json naming the field; nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

describe('queue validation: ring_all needs voice', () => {
  let api: TestServer;
  let admin: string;

  beforeAll(async () => {
    api = await startTestServer();
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
  });

  const expectRefused = (
    response: { status: number; headers: Headers; body: any },
    field: 'body.strategy' | 'body.channels',
  ) => {
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 422, code: 'queue.ring_all_needs_voice' });
    expect(response.body.errors).toEqual([{ field, message: expect.any(String) }]);
  };
  const queueNamed = async (name: string) =>
    ((await api.request('GET', '/api/queues', { token: admin })).body.items as any[]).filter((q) => q.name === name);

  it('refuses to create a ring_all queue without voice, and creates one with it', async () => {
    const refused = await api.request('POST', '/api/queues', {
      token: admin,
      body: { name: 'Chat para todos', channels: ['whatsapp', 'webchat'], strategy: 'ring_all' },
    });
    expectRefused(refused, 'body.strategy');
    expect(await queueNamed('Chat para todos')).toEqual([]);

    const created = await api.request('POST', '/api/queues', {
      token: admin,
      body: { name: 'Todos atendem', channels: ['voice', 'whatsapp'], strategy: 'ring_all' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ strategy: 'ring_all', channels: ['voice', 'whatsapp'] });
  });

  it('refuses a change to ring_all on a queue without voice, unless the same change adds voice', async () => {
    const created = await api.request('POST', '/api/queues', {
      token: admin,
      body: { name: 'Só WhatsApp', channels: ['whatsapp'] },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    expectRefused(
      await api.request('PATCH', `/api/queues/${id}`, { token: admin, body: { strategy: 'ring_all' } }),
      'body.strategy',
    );
    expectRefused(
      await api.request('PATCH', `/api/queues/${id}`, {
        token: admin,
        body: { strategy: 'ring_all', channels: ['webchat'], name: 'Renomeada' },
      }),
      'body.strategy',
    );
    // Nothing of a refused change was written.
    const unchanged = await api.request('GET', `/api/queues/${id}`, { token: admin });
    expect(unchanged.body).toMatchObject({ name: 'Só WhatsApp', strategy: 'longest_idle', channels: ['whatsapp'] });

    const withVoice = await api.request('PATCH', `/api/queues/${id}`, {
      token: admin,
      body: { strategy: 'ring_all', channels: ['whatsapp', 'voice'] },
    });
    expect(withVoice.status).toBe(200);
    expect(withVoice.body).toMatchObject({ strategy: 'ring_all', channels: ['whatsapp', 'voice'] });
  });

  it('refuses to take voice away from a ring_all queue, and allows it with another strategy', async () => {
    const created = await api.request('POST', '/api/queues', {
      token: admin,
      body: { name: 'Telefone geral', channels: ['voice', 'whatsapp'], strategy: 'ring_all' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    expectRefused(
      await api.request('PATCH', `/api/queues/${id}`, { token: admin, body: { channels: ['whatsapp'] } }),
      'body.channels',
    );
    const unchanged = await api.request('GET', `/api/queues/${id}`, { token: admin });
    expect(unchanged.body).toMatchObject({ strategy: 'ring_all', channels: ['voice', 'whatsapp'] });

    // A change that keeps voice, or leaves ring_all at the same time, is fine.
    const keeps = await api.request('PATCH', `/api/queues/${id}`, { token: admin, body: { channels: ['voice'] } });
    expect(keeps.status).toBe(200);
    const leaves = await api.request('PATCH', `/api/queues/${id}`, {
      token: admin,
      body: { channels: ['whatsapp'], strategy: 'round_robin' },
    });
    expect(leaves.status).toBe(200);
    expect(leaves.body).toMatchObject({ strategy: 'round_robin', channels: ['whatsapp'] });
  });
});
