import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/shared/clock.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import { connectSocket, type Envelope } from '../support/socket.js';

const typingEvents = (received: Envelope[]) => received.filter((e) => e.event.startsWith('typing_'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('typing indicators', () => {
  let api: TestServer;
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
  let admin: string;
  let agent: Awaited<ReturnType<typeof createUserAndLogin>>;
  let colleague: Awaited<ReturnType<typeof createUserAndLogin>>;
  let phone = 0;

  const conversationOfAgent = async () => {
    phone += 1;
    const response = await api.request('POST', '/api/conversations', {
      token: agent.token,
      body: { channel: 'webchat', contact: { phone: `+55319${String(phone).padStart(8, '0')}` } },
    });
    return response.body.id as string;
  };

  beforeAll(async () => {
    api = await startTestServer({ LOGIN_MAX_ATTEMPTS_PER_IP: '100000', TYPING_TIMEOUT_SECONDS: '30' }, { clock });
    admin = await api.adminToken();
    agent = await createUserAndLogin(api, admin, { name: 'Alice Typist' });
    colleague = await createUserAndLogin(api, admin);
  });
  afterAll(async () => {
    await api.close();
  });

  it('announces typing_start and typing_stop in the seed’s shape; renewing announces nothing', async () => {
    const conversationId = await conversationOfAgent();
    const manager = await connectSocket(api.baseUrl, { token: admin });
    const outsider = await connectSocket(api.baseUrl, { token: colleague.token });
    const started = await api.request('POST', '/api/typing', {
      token: agent.token,
      body: { conversation_id: conversationId },
    });
    expect(started.status).toBe(200);
    expect(started.body).toEqual({ conversation_id: conversationId, is_typing: true, expires_at: expect.any(String) });
    expect(new Date(started.body.expires_at).getTime() - clock.now().getTime()).toBeGreaterThan(29_000);
    const renewed = await api.request('POST', '/api/typing', {
      token: agent.token,
      body: { conversation_id: conversationId },
    });
    expect(renewed.status).toBe(200);
    const stopped = await api.request('DELETE', `/api/typing?conversation_id=${conversationId}`, {
      token: agent.token,
    });
    expect(stopped.status).toBe(204);
    const stoppedAgain = await api.request('DELETE', `/api/typing?conversation_id=${conversationId}`, {
      token: agent.token,
    });
    expect(stoppedAgain.status).toBe(204);

    await manager.waitFor((e) => typingEvents(e).length >= 2);
    await sleep(200);
    const events = typingEvents(manager.received);
    expect(events.map((e) => e.event)).toEqual(['typing_start', 'typing_stop']);
    expect(events[0]).toMatchObject({
      version: 'v1',
      seq: expect.any(Number),
      data: {
        conversation_id: conversationId,
        chat_id: conversationId,
        agent_id: agent.id,
        from: 'Alice Typist',
        timestamp: expect.any(String),
        expires_at: started.body.expires_at,
      },
    });
    expect(events[1]!.data).toMatchObject({ conversation_id: conversationId, agent_id: agent.id, reason: 'stopped' });
    // A colleague who cannot see the agent's conversation hears nothing of it.
    expect(typingEvents(outsider.received)).toEqual([]);
    manager.socket.close();
    outsider.socket.close();
  });

  it('answers 404 for a conversation the agent cannot see and 400 for a bad body', async () => {
    const conversationId = await conversationOfAgent();
    const notVisible = await api.request('POST', '/api/typing', {
      token: colleague.token,
      body: { conversation_id: conversationId },
    });
    expect(notVisible.status).toBe(404);
    expect(notVisible.body.code).toBe('conversation.not_found');
    const stopNotVisible = await api.request('DELETE', `/api/typing?conversation_id=${conversationId}`, {
      token: colleague.token,
    });
    expect(stopNotVisible.status).toBe(404);
    for (const body of [{ conversationId }, { conversation_id: 'nope' }, {}]) {
      const response = await api.request('POST', '/api/typing', { token: agent.token, body });
      expect(response.status).toBe(400);
    }
    const missing = await api.request('DELETE', '/api/typing', { token: agent.token });
    expect(missing.status).toBe(400);
  });

  it('starts and stops through the `typing` socket event, acknowledging each', async () => {
    const conversationId = await conversationOfAgent();
    const client = await connectSocket(api.baseUrl, { token: agent.token });
    const start = await client.socket.emitWithAck('typing', { conversation_id: conversationId, is_typing: true });
    expect(start).toEqual({
      ok: true,
      data: { conversation_id: conversationId, is_typing: true, expires_at: expect.any(String) },
    });
    const stop = await client.socket.emitWithAck('typing', { conversation_id: conversationId, is_typing: false });
    expect(stop).toEqual({ ok: true, data: { conversation_id: conversationId, is_typing: false, expires_at: null } });
    const bad = await client.socket.emitWithAck('typing', { conversation_id: conversationId });
    expect(bad).toEqual({ ok: false, error: { code: 'request.invalid', message: expect.any(String) } });
    const hidden = await client.socket.emitWithAck('typing', {
      conversation_id: '00000000-0000-4000-8000-000000000000',
      is_typing: true,
    });
    expect(hidden.error.code).toBe('conversation.not_found');
    await client.waitFor((e) => typingEvents(e).length >= 2);
    expect(typingEvents(client.received).map((e) => e.event)).toEqual(['typing_start', 'typing_stop']);
    client.socket.close();
  });

  it('stops by itself when not renewed within the timeout (injected clock)', async () => {
    const conversationId = await conversationOfAgent();
    const watcher = await connectSocket(api.baseUrl, { token: admin });
    await api.request('POST', '/api/typing', { token: agent.token, body: { conversation_id: conversationId } });
    offsetMs += 20_000;
    await sleep(1500);
    // Renewed at +20 s: it now runs until +50 s.
    await api.request('POST', '/api/typing', { token: agent.token, body: { conversation_id: conversationId } });
    offsetMs += 25_000;
    await sleep(1500);
    expect(typingEvents(watcher.received).map((e) => e.event)).toEqual(['typing_start']);
    offsetMs += 6_000;
    await watcher.waitFor((e) => typingEvents(e).length === 2, 5000);
    expect(typingEvents(watcher.received)[1]!.data).toMatchObject({
      conversation_id: conversationId,
      reason: 'timeout',
    });
    watcher.socket.close();
  });

  it('stops when the agent sends a message', async () => {
    const conversationId = await conversationOfAgent();
    const watcher = await connectSocket(api.baseUrl, { token: admin });
    await api.request('POST', '/api/typing', { token: agent.token, body: { conversation_id: conversationId } });
    await api.request('POST', `/api/conversations/${conversationId}/messages`, {
      token: agent.token,
      body: { text: 'pronto' },
    });
    await watcher.waitFor((e) => typingEvents(e).length === 2);
    expect(typingEvents(watcher.received)[1]!.data.reason).toBe('message_sent');
    watcher.socket.close();
  });

  it('stops when the agent’s last socket disconnects, not before', async () => {
    const conversationId = await conversationOfAgent();
    const watcher = await connectSocket(api.baseUrl, { token: admin });
    const tabs = await Promise.all([1, 2].map(() => connectSocket(api.baseUrl, { token: agent.token })));
    await tabs[0]!.socket.emitWithAck('typing', { conversation_id: conversationId, is_typing: true });
    tabs[0]!.socket.close();
    await sleep(400);
    expect(typingEvents(watcher.received).map((e) => e.event)).toEqual(['typing_start']);
    tabs[1]!.socket.close();
    await watcher.waitFor((e) => typingEvents(e).length === 2);
    expect(typingEvents(watcher.received)[1]!.data).toMatchObject({
      conversation_id: conversationId,
      agent_id: agent.id,
      reason: 'disconnected',
    });
    watcher.socket.close();
  });
});
