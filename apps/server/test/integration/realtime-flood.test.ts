/**
 * A socket that floods the server with client events is disconnected once its token
 * bucket is empty, after a bounded number of them reached the database; the rest of the
 * server — /health, another user's requests and sockets — keeps answering meanwhile.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallsRepository } from '../../src/modules/calls/index.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import { connectSocket } from '../support/socket.js';

const FLOOD = 5_000;
const BURST = 30;

function disconnection(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
}

describe('a socket that floods', () => {
  let api: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    api = await startTestServer({ SOCKET_EVENTS_PER_SECOND: '10', SOCKET_EVENTS_BURST: String(BURST) });
    adminToken = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
  });

  it('is disconnected after its burst of join_call, while /health and a colleague are answered', async () => {
    const flooder = await createUserAndLogin(api, adminToken);
    const colleague = await createUserAndLogin(api, adminToken);
    const { socket } = await connectSocket(api.baseUrl, { token: flooder.token });
    const bystander = await connectSocket(api.baseUrl, { token: colleague.token });
    const disconnected = disconnection(socket);
    let answered = 0;

    for (let i = 0; i < FLOOD; i += 1) socket.emit('join_call', { call_id: randomUUID() }, () => (answered += 1));
    const [health, profile, bystanderAck] = await Promise.all([
      api.request('GET', '/health'),
      api.request('GET', '/api/users/profile', { token: colleague.token }),
      bystander.socket.timeout(10_000).emitWithAck('join_call', { call_id: randomUUID() }),
    ]);

    expect(await disconnected).toBe('io server disconnect');
    expect(health.status).toBe(200);
    expect(profile.status).toBe(200);
    expect(bystanderAck).toMatchObject({ ok: false, error: { code: 'call.not_found' } });
    // Only the burst reached the database; the rest was dropped unread.
    expect(answered).toBeLessThanOrEqual(BURST);
    expect(bystander.socket.connected).toBe(true);
    bystander.socket.close();

    // The flooder's token is still good: a well-behaved reconnect works.
    const again = await connectSocket(api.baseUrl, { token: flooder.token });
    const ack = await again.socket.timeout(10_000).emitWithAck('join_call', { call_id: randomUUID() });
    expect(ack).toMatchObject({ ok: false, error: { code: 'call.not_found' } });
    again.socket.close();
  });

  it('counts module commands, malformed payloads and unknown events too', async () => {
    const flooder = await createUserAndLogin(api, adminToken);
    const { socket } = await connectSocket(api.baseUrl, { token: flooder.token });
    const disconnected = disconnection(socket);
    const refusals: unknown[] = [];
    for (let i = 0; i < FLOOD / 2; i += 1) {
      socket.emit('join_call', { call_id: 'x'.repeat(100) }, (response: unknown) => refusals.push(response));
      socket.emit('no_such_event', { i });
      socket.emit('heartbeat', {});
    }
    expect(await disconnected).toBe('io server disconnect');
    expect(refusals.length).toBeLessThanOrEqual(BURST);
    for (const refusal of refusals) expect(refusal).toMatchObject({ ok: false, error: { code: 'request.invalid' } });
  });

  it('lets a console that sends a few events a second go on', async () => {
    const user = await createUserAndLogin(api, adminToken);
    const { socket } = await connectSocket(api.baseUrl, { token: user.token });
    for (let i = 0; i < BURST - 5; i += 1) {
      const ack = await socket.timeout(10_000).emitWithAck('join_call', { call_id: randomUUID() });
      expect(ack).toMatchObject({ ok: false, error: { code: 'call.not_found' } });
    }
    expect(socket.connected).toBe(true);
    socket.close();
  });

  it('lets a socket follow at most 20 calls at once', async () => {
    const [, payload] = adminToken.split('.');
    const { cid: companyId } = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { cid: string };
    const calls = new CallsRepository(api.server.database.db);
    const callIds = Array.from({ length: 21 }, () => randomUUID());
    const at = new Date();
    for (const id of callIds) {
      await calls.insertCall(
        { id, companyId, direction: 'inbound', status: 'ringing', fromNumber: '1000', toNumber: '2000' },
        { fromStatus: null, toStatus: 'ringing', source: 'test', occurredAt: at },
      );
    }
    const { socket } = await connectSocket(api.baseUrl, { token: adminToken });
    for (const id of callIds.slice(0, 20)) {
      expect(await socket.timeout(10_000).emitWithAck('join_call', { call_id: id })).toEqual({ ok: true });
    }
    const refused = await socket.timeout(10_000).emitWithAck('join_call', { call_id: callIds[20] });
    expect(refused).toMatchObject({ ok: false, error: { code: 'realtime.too_many_calls' } });
    // Joining one it already follows is no new work; leaving one makes room.
    expect(await socket.timeout(10_000).emitWithAck('join_call', { call_id: callIds[0] })).toEqual({ ok: true });
    await socket.timeout(10_000).emitWithAck('leave_call', { call_id: callIds[0] });
    expect(await socket.timeout(10_000).emitWithAck('join_call', { call_id: callIds[20] })).toEqual({ ok: true });
    socket.close();
  });
});
