import type { AgentPresenceDto } from '@switchboard/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/shared/clock.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import { connectSocket, type Envelope } from '../support/socket.js';

// The timer stays out of the way here (presence-sweeper.test.ts drives it); ticks are by hand.
const ENV = { LOGIN_MAX_ATTEMPTS_PER_IP: '100000', SIGNUP_ENABLED: 'true', PRESENCE_SWEEP_INTERVAL_SECONDS: '3600' };

type Session = Awaited<ReturnType<typeof createUserAndLogin>>;

class ManualClock implements Clock {
  private current = Date.now();
  now(): Date {
    return new Date(this.current);
  }
  advance(seconds: number): void {
    this.current += seconds * 1000;
  }
}

async function eventually(check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const presenceEvents = (received: Envelope[], agentId: string) =>
  received.filter((e) => e.event === 'agent_presence_changed' && e.data.agent_id === agentId);

describe('presence over HTTP and Socket.IO', () => {
  const clock = new ManualClock();
  let api: TestServer;
  let admin: string;
  let agent: Session;
  let colleague: Session;
  let rivalToken: string;
  let rivalId: string;

  beforeAll(async () => {
    api = await startTestServer(ENV, { clock });
    admin = await api.adminToken();
    agent = await createUserAndLogin(api, admin, { name: 'Ana Agent' });
    colleague = await createUserAndLogin(api, admin, { name: 'Caio Colleague' });
    const rival = await api.request('POST', '/api/users/register', {
      body: {
        company_name: 'Rival',
        name: 'Rita',
        email: 'rita@rival-presence.test',
        password: 'long-enough-password',
      },
    });
    expect(rival.status).toBe(201);
    rivalToken = rival.body.access_token;
    rivalId = rival.body.user.id;
  });
  afterAll(async () => {
    await api.close();
  });

  const me = async (token: string) => {
    const response = await api.request<AgentPresenceDto>('GET', '/api/presence/me', { token });
    expect(response.status).toBe(200);
    return response.body;
  };
  const setStatus = (token: string, body: unknown) =>
    api.request<AgentPresenceDto>('POST', '/api/presence/status', { token, body });

  it('answers a never-seen agent as offline, disconnected and inactive, and 401 without a token', async () => {
    const fresh = await createUserAndLogin(api, admin, { name: 'Fresh' });
    expect(await me(fresh.token)).toEqual({
      agent_id: fresh.id,
      agent_name: 'Fresh',
      role: 'agent',
      status: 'offline',
      message: null,
      last_heartbeat: null,
      websocket_connected: false,
      status_changed_at: null,
      is_available: false,
      is_inactive: true,
      time_in_status_seconds: null,
      pause_reason: null,
    });
    expect((await api.request('GET', '/api/presence/me')).status).toBe(401);
    expect((await api.request('POST', '/api/presence/heartbeat')).status).toBe(401);
  });

  it('sets a status with a message; the message belongs to the status and the clock of the status keeps running', async () => {
    const user = await createUserAndLogin(api, admin);
    const setAt = clock.now().toISOString();
    const busy = await setStatus(user.token, { status: 'busy', message: '  Em reunião até 15h  ' });
    expect(busy.status).toBe(200);
    expect(busy.body).toMatchObject({
      status: 'busy',
      message: 'Em reunião até 15h',
      status_changed_at: setAt,
      last_heartbeat: setAt,
      is_available: false,
      is_inactive: false,
      time_in_status_seconds: 0,
    });

    clock.advance(90);
    // Same status, new message: the time in status does not restart.
    const retitled = await setStatus(user.token, { status: 'busy', message: 'Almoço' });
    expect(retitled.body).toMatchObject({ message: 'Almoço', status_changed_at: setAt, time_in_status_seconds: 90 });
    // A new status without a message clears the old one.
    const online = await setStatus(user.token, { status: 'online' });
    expect(online.body).toMatchObject({ status: 'online', message: null, time_in_status_seconds: 0 });
    expect(online.body.status_changed_at).toBe(clock.now().toISOString());
    // Online without a socket is not available: no real-time channel reaches the agent.
    expect(online.body.is_available).toBe(false);
    expect((await setStatus(user.token, { status: 'away', message: '   ' })).body.message).toBeNull();
  });

  it('refuses a bad status, a long message and unknown fields with 400 naming the field, changing nothing', async () => {
    const user = await createUserAndLogin(api, admin);
    await setStatus(user.token, { status: 'online', message: 'Disponível' });
    const cases: [unknown, string][] = [
      [{ status: 'sleeping' }, 'body.status'],
      [{ message: 'no status' }, 'body.status'],
      [{ status: 'busy', message: 'x'.repeat(201) }, 'body.message'],
      [{ status: 'busy', message: 42 }, 'body.message'],
      [{ status: 'busy', mood: 'happy' }, 'body.mood'],
    ];
    for (const [body, field] of cases) {
      const response = await api.request('POST', '/api/presence/status', { token: user.token, body });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await setStatus(user.token, { status: 'busy', message: 'x'.repeat(200) })).status).toBe(200);
    expect((await setStatus(user.token, { status: 'online', message: 'Disponível' })).body.message).toBe('Disponível');
  });

  it('records heartbeats over HTTP; a silent agent becomes inactive after the timeout', async () => {
    const user = await createUserAndLogin(api, admin);
    await setStatus(user.token, { status: 'online' });
    clock.advance(30);
    const beat = await api.request<AgentPresenceDto>('POST', '/api/presence/heartbeat', { token: user.token });
    expect(beat.status).toBe(200);
    expect(beat.body).toMatchObject({
      status: 'online',
      last_heartbeat: clock.now().toISOString(),
      is_inactive: false,
    });
    clock.advance(121);
    expect(await me(user.token)).toMatchObject({ status: 'online', is_inactive: true });
    await api.request('POST', '/api/presence/heartbeat', { token: user.token });
    expect((await me(user.token)).is_inactive).toBe(false);
  });

  it('lists the company’s users by name, never another company’s, with status, availability and role filters', async () => {
    const board = await connectSocket(api.baseUrl, { token: colleague.token });
    await setStatus(colleague.token, { status: 'online' });
    await eventually(async () => (await me(colleague.token)).is_available);

    const all = await api.request<{ items: AgentPresenceDto[] }>('GET', '/api/presence', { token: agent.token });
    expect(all.status).toBe(200);
    const names = all.body.items.map((p) => p.agent_name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    expect(names).toContain('Administrator');
    expect(names).not.toContain('Rita');
    const ids = all.body.items.map((p) => p.agent_id);
    expect(ids).toContain(agent.id);

    const query = async (q: string) =>
      (await api.request<{ items: AgentPresenceDto[] }>('GET', `/api/presence?${q}`, { token: agent.token })).body
        .items;
    expect((await query('available=true')).map((p) => p.agent_id)).toEqual([colleague.id]);
    expect((await query('available=false')).map((p) => p.agent_id)).not.toContain(colleague.id);
    expect((await query('status=online')).every((p) => p.status === 'online')).toBe(true);
    const offline = await query('status=offline');
    expect(offline.map((p) => p.agent_id)).toContain(agent.id);
    expect(offline.every((p) => p.status === 'offline')).toBe(true);
    expect((await query('role=admin')).map((p) => p.agent_name)).toEqual(['Administrator']);
    const bad = await api.request('GET', '/api/presence?status=asleep', { token: agent.token });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('querystring.status');

    const rival = await api.request<{ items: AgentPresenceDto[] }>('GET', '/api/presence', { token: rivalToken });
    expect(rival.body.items.map((p) => p.agent_name)).toEqual(['Rita']);
    board.socket.close();
    await eventually(async () => !(await me(colleague.token)).websocket_connected);
  });

  it('keeps an agent with two sockets connected until both close, then makes them unavailable', async () => {
    const user = await createUserAndLogin(api, admin);
    const watcher = await connectSocket(api.baseUrl, { token: colleague.token });
    expect(await watcher.socket.emitWithAck('watch', { topic: 'presence' })).toEqual({ ok: true });
    await setStatus(user.token, { status: 'online', message: 'Disponível' });
    clock.advance(5);
    const first = await connectSocket(api.baseUrl, { token: user.token });
    await eventually(async () => (await me(user.token)).websocket_connected);
    const connected = await me(user.token);
    // The connection counted as a heartbeat.
    expect(connected).toMatchObject({ is_available: true, last_heartbeat: clock.now().toISOString() });

    const second = await connectSocket(api.baseUrl, { token: user.token });
    first.socket.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await me(user.token)).toMatchObject({ websocket_connected: true, is_available: true });

    second.socket.close();
    await eventually(async () => !(await me(user.token)).websocket_connected);
    expect(await me(user.token)).toMatchObject({ status: 'online', is_available: false, message: 'Disponível' });

    await watcher.waitFor((e) => presenceEvents(e, user.id).some((x) => x.data.reason === 'disconnected'));
    const reasons = presenceEvents(watcher.received, user.id).map((e) => [e.data.reason, e.data.is_available]);
    // One event when they became available, one when they stopped: none for the second tab.
    expect(reasons).toEqual([
      ['status_updated', false],
      ['connected', true],
      ['disconnected', false],
    ]);
    watcher.socket.close();
  });

  it('tracks the socket of an agent who is not online without telling the company', async () => {
    const user = await createUserAndLogin(api, admin);
    const watcher = await connectSocket(api.baseUrl, { token: colleague.token });
    expect(await watcher.socket.emitWithAck('watch', { topic: 'presence' })).toEqual({ ok: true });
    await setStatus(user.token, { status: 'busy' });
    const tab = await connectSocket(api.baseUrl, { token: user.token });
    await eventually(async () => (await me(user.token)).websocket_connected);
    tab.socket.close();
    await eventually(async () => !(await me(user.token)).websocket_connected);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(presenceEvents(watcher.received, user.id).map((e) => e.data.reason)).toEqual(['status_updated']);
    watcher.socket.close();
  });

  it('runs a socket’s events only after the connection’s observers (presence marks it connected)', async () => {
    const user = await createUserAndLogin(api, admin);
    let isObserved = false;
    api.server.realtime.addConnectionObserver({
      onConnected: async (actor) => {
        if (actor.userId !== user.id) return;
        await new Promise((resolve) => setTimeout(resolve, 300));
        isObserved = true;
      },
    });
    const client = await connectSocket(api.baseUrl, { token: user.token });
    const [watched, updated] = await Promise.all([
      client.socket.emitWithAck('watch', { topic: 'presence' }).then((ack) => ({ ack, isObserved })),
      client.socket.emitWithAck('update_status', { status: 'busy' }),
    ]);
    expect(watched).toEqual({ ack: { ok: true }, isObserved: true });
    expect(updated.data).toMatchObject({ status: 'busy', websocket_connected: true });
    client.socket.close();
  });

  it('handles update_status and heartbeat over the socket, answering a bad payload with an error ack', async () => {
    const user = await createUserAndLogin(api, admin);
    const client = await connectSocket(api.baseUrl, { token: user.token });

    for (const payload of [{ status: 'asleep' }, { status: 'busy', message: 'x'.repeat(201) }, 'online', undefined]) {
      const refused = await client.socket.emitWithAck('update_status', payload);
      expect(refused).toEqual({ ok: false, error: { code: 'request.invalid', message: expect.any(String) } });
    }
    const updated = await client.socket.emitWithAck('update_status', { status: 'busy', message: 'Em ligação' });
    expect(updated).toEqual({ ok: true, data: expect.objectContaining({ agent_id: user.id, status: 'busy' }) });
    expect(updated.data).toMatchObject({ message: 'Em ligação', websocket_connected: true, is_available: false });

    clock.advance(10);
    const beat = await client.socket.emitWithAck('heartbeat', {});
    expect(beat).toMatchObject({ ok: true, data: { last_heartbeat: clock.now().toISOString() } });
    expect((await client.socket.emitWithAck('heartbeat', { extra: 1 })).ok).toBe(false);

    const online = await client.socket.emitWithAck('update_status', { status: 'online' });
    expect(online.data).toMatchObject({ status: 'online', is_available: true });
    expect(await me(user.token)).toMatchObject({ status: 'online', is_available: true });
    client.socket.close();
  });

  it('sends agent_presence_changed to the managers and colleagues watching presence, not another company, and only for visible changes', async () => {
    const user = await createUserAndLogin(api, admin);
    const peer = await connectSocket(api.baseUrl, { token: colleague.token });
    // A colleague whose console shows no presence board (ADR 30): hears nothing of others.
    const unwatching = await connectSocket(api.baseUrl, { token: colleague.token });
    const manager = await connectSocket(api.baseUrl, { token: admin });
    const rival = await connectSocket(api.baseUrl, { token: rivalToken });
    expect(await peer.socket.emitWithAck('watch', { topic: 'presence' })).toEqual({ ok: true });
    expect(await rival.socket.emitWithAck('watch', { topic: 'presence' })).toEqual({ ok: true });
    expect(await peer.socket.emitWithAck('watch', { topic: 'calls' })).toMatchObject({
      ok: false,
      error: { code: 'request.invalid' },
    });

    const before = clock.now().toISOString();
    await setStatus(user.token, { status: 'busy', message: 'Em reunião' });
    await peer.waitFor((e) => presenceEvents(e, user.id).length === 1);
    await manager.waitFor((e) => presenceEvents(e, user.id).length === 1);
    const [event] = presenceEvents(peer.received, user.id);
    expect(event).toEqual({
      event: 'agent_presence_changed',
      version: 'v1',
      seq: expect.any(Number),
      ts: expect.any(String),
      data: {
        agent_id: user.id,
        status: 'busy',
        previous_status: 'offline',
        message: 'Em reunião',
        websocket_connected: false,
        is_available: false,
        status_changed_at: before,
        reason: 'status_updated',
        pause_reason: null,
        timestamp: before,
      },
    });

    // Nothing a colleague would see: the same status and message again, heartbeats.
    await setStatus(user.token, { status: 'busy', message: 'Em reunião' });
    await api.request('POST', '/api/presence/heartbeat', { token: user.token });
    // A new message is visible.
    await setStatus(user.token, { status: 'busy', message: 'Em ligação' });
    await peer.waitFor((e) => presenceEvents(e, user.id).length === 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(presenceEvents(peer.received, user.id).map((e) => e.data.message)).toEqual(['Em reunião', 'Em ligação']);
    expect(rival.received.filter((e) => e.event === 'agent_presence_changed')).toEqual([]);
    // The rival's own change reaches the rival, and nobody here.
    await api.request('POST', '/api/presence/status', { token: rivalToken, body: { status: 'online' } });
    await rival.waitFor((e) => presenceEvents(e, rivalId).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(peer.received.filter((e) => e.data.agent_id === rivalId)).toEqual([]);
    expect(presenceEvents(manager.received, user.id)).toHaveLength(2);
    expect(presenceEvents(unwatching.received, user.id)).toEqual([]);

    // Unwatched: the next change reaches the managers, no longer the colleague.
    expect(await peer.socket.emitWithAck('unwatch', { topic: 'presence' })).toEqual({ ok: true });
    await setStatus(user.token, { status: 'away', message: 'Almoço' });
    await manager.waitFor((e) => presenceEvents(e, user.id).length === 3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(presenceEvents(peer.received, user.id)).toHaveLength(2);
    expect(presenceEvents(unwatching.received, user.id)).toEqual([]);
    for (const client of [peer, unwatching, manager, rival]) client.socket.close();
  });
});
