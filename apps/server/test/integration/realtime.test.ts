import { lte } from 'drizzle-orm';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventLog } from '../../src/db/schema/index.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import { connectSocket } from '../support/socket.js';

describe('Socket.IO events', () => {
  let api: TestServer;
  let companyId: string;
  let agent: Awaited<ReturnType<typeof createUserAndLogin>>;
  let otherAgent: Awaited<ReturnType<typeof createUserAndLogin>>;

  beforeAll(async () => {
    api = await startTestServer({ SIGNUP_ENABLED: 'true', LOGIN_MAX_ATTEMPTS_PER_IP: '100000' });
    const admin = await api.adminToken();
    companyId = (await api.request('GET', '/api/users/profile', { token: admin })).body.company_id;
    agent = await createUserAndLogin(api, admin);
    otherAgent = await createUserAndLogin(api, admin);
  });
  afterAll(async () => {
    await api.close();
  });

  const publishToAgent = (userId: string, n: number) =>
    api.server.bus.publish({
      name: 'call.ringing',
      companyId,
      audience: { userIds: [userId], managers: true },
      data: { n },
    });

  it('refuses a handshake without a valid token', async () => {
    for (const auth of [{}, { token: 'nonsense' }]) {
      const socket = io(api.baseUrl, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
      const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
      expect(error.message).toMatch(/^auth\./);
      socket.close();
    }
  });

  it('delivers events in the envelope of DESIGN.md to their audience only', async () => {
    const mine = await connectSocket(api.baseUrl, { token: agent.token });
    const theirs = await connectSocket(api.baseUrl, { token: otherAgent.token });
    const manager = await connectSocket(api.baseUrl, { token: await api.adminToken() });
    const published = await publishToAgent(agent.id, 1);
    await mine.waitFor((e) => e.length === 1);
    await manager.waitFor((e) => e.some((x) => x.seq === published.seq));
    expect(mine.received[0]).toEqual({
      event: 'call_ringing',
      data: { n: 1 },
      version: 'v1',
      seq: published.seq,
      ts: published.at.toISOString(),
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(theirs.received).toHaveLength(0);
    for (const c of [mine, theirs, manager]) c.socket.close();
  });

  it('never delivers another company’s events', async () => {
    const other = await api.request('POST', '/api/users/register', {
      body: { company_name: 'Rival', name: 'Rita', email: 'rita@rival.test', password: 'long-enough-password' },
    });
    const rival = await connectSocket(api.baseUrl, { token: other.body.access_token, last_seq: 0 });
    await api.server.bus.publish({
      name: 'call.ended',
      companyId,
      audience: { managers: true, company: true },
      data: {},
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(rival.received).toHaveLength(0);
    rival.socket.close();
  });

  it('replays what a reconnecting client missed, in order, exactly once, with live events interleaved', async () => {
    const first = await connectSocket(api.baseUrl, { token: agent.token });
    const a = await publishToAgent(agent.id, 10);
    await first.waitFor((e) => e.some((x) => x.seq === a.seq));
    first.socket.close();

    // While it is away: events for it, and for someone else.
    const missed = [];
    for (let n = 11; n <= 15; n += 1) {
      missed.push(await publishToAgent(agent.id, n));
      await publishToAgent(otherAgent.id, n);
    }
    // Reconnect with the last seq it saw; publish more while the replay runs.
    const second = await connectSocket(api.baseUrl, { token: agent.token, last_seq: a.seq });
    const live = [];
    for (let n = 16; n <= 20; n += 1) live.push(await publishToAgent(agent.id, n));
    await second.waitFor((e) => e.length >= 10);
    await new Promise((r) => setTimeout(r, 200));
    const seqs = second.received.map((e) => e.seq);
    expect(seqs).toEqual([...missed, ...live].map((e) => e.seq));
    expect(second.received.map((e) => e.data.n)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    second.socket.close();
  });

  it('tells a fresh client the latest seq, so it can resume later', async () => {
    const published = await publishToAgent(otherAgent.id, 7);
    const socket = io(api.baseUrl, { auth: { token: agent.token }, transports: ['websocket'], forceNew: true });
    const ready = await new Promise<{ last_seq: number }>((resolve) => socket.once('replay_complete', resolve));
    expect(ready.last_seq).toBeGreaterThanOrEqual(published.seq);
    socket.close();
  });

  it('answers join_call with a clear error for a malformed or unknown call', async () => {
    const client = await connectSocket(api.baseUrl, { token: agent.token });
    const malformed = await client.socket.emitWithAck('join_call', { call: 'x' });
    expect(malformed).toEqual({ ok: false, error: { code: 'request.invalid', message: expect.any(String) } });
    const unknown = await client.socket.emitWithAck('join_call', { call_id: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.error.code).toBe('call.not_found');
    // The socket keeps working after bad input.
    const event = await publishToAgent(agent.id, 99);
    await client.waitFor((e) => e.some((x) => x.seq === event.seq));
    client.socket.close();
  });

  it('asks a client to resync when what it missed was pruned, instead of skipping it silently', async () => {
    const seen = await publishToAgent(agent.id, 30);
    const pruned = await publishToAgent(agent.id, 31);
    const kept = await publishToAgent(agent.id, 32);
    // What EVENT_LOG_RETENTION_DAYS does to old events (event-log-retention.ts).
    await api.server.database.db.delete(eventLog).where(lte(eventLog.seq, pruned.seq));

    const socket = io(api.baseUrl, {
      auth: { token: agent.token, last_seq: seen.seq },
      transports: ['websocket'],
      forceNew: true,
    });
    const replayed: number[] = [];
    socket.on('call_ringing', (envelope: { seq: number }) => replayed.push(envelope.seq));
    const resync = new Promise<{ latest_seq: number }>((resolve) => socket.once('resync_required', resolve));
    const ready = await new Promise<{ last_seq: number }>((resolve) => socket.once('replay_complete', resolve));
    expect((await resync).latest_seq).toBeGreaterThanOrEqual(kept.seq);
    expect(ready.last_seq).toBeGreaterThanOrEqual(kept.seq);
    expect(replayed).toEqual([]);
    socket.close();
  });
});
