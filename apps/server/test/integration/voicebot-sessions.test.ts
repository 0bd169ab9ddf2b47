import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudiosocketPeer, waitUntil } from '../support/audiosocket-peer.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';

const API_KEY = 'k'.repeat(40);

describe('GET /api/status and POST /api/hangup', () => {
  let api: TestServer;
  let port: number;

  beforeAll(async () => {
    api = await startTestServer({ VOICEBOT_API_KEY: API_KEY, LOGIN_MAX_ATTEMPTS_PER_IP: '100000' });
    port = api.server.audiosocket!.address().port;
  });
  afterAll(async () => {
    await api.close();
  });

  async function connectVisitor(): Promise<{ peer: AudiosocketPeer; callId: string }> {
    const callId = randomUUID();
    const peer = await AudiosocketPeer.connect({ port });
    peer.sendUuid(callId);
    await waitUntil(() => api.server.audiosocket!.listSessions().some((s) => s.callId === callId), 5000, 'session');
    return { peer, callId };
  }

  it('lists active sessions with their counters for the API key', async () => {
    const { peer, callId } = await connectVisitor();
    const response = await api.request('GET', '/api/status', { headers: { 'x-api-key': API_KEY } });
    expect(response.status).toBe(200);
    const session = response.body.sessions.find((s: { call_id: string }) => s.call_id === callId);
    expect(session).toMatchObject({ call_id: callId, role: 'visitor', state: 'active', sample_rate_hz: 8000 });
    expect(session.frames_in).toBeGreaterThanOrEqual(1);
    expect(typeof session.started_at).toBe('string');
    peer.socket.destroy();
  });

  it('sends exactly 00 00 00 and closes the session on hangup', async () => {
    const { peer, callId } = await connectVisitor();
    const response = await api.request('POST', '/api/hangup', {
      headers: { 'x-api-key': API_KEY },
      body: { call_id: callId, role: 'visitor' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'sent', call_id: callId, role: 'visitor' });
    await peer.closed;
    expect(peer.sawHangupFrame).toBe(true);
    expect(peer.received.at(-1)).toMatchObject({ kind: 0x00, length: 0 });
    await waitUntil(() => !api.server.audiosocket!.listSessions().some((s) => s.callId === callId), 5000, 'ended');
  });

  it('answers 404 for an unknown call or role and 400 for a malformed body', async () => {
    const { peer, callId } = await connectVisitor();
    const headers = { 'x-api-key': API_KEY };
    const wrongRole = await api.request('POST', '/api/hangup', {
      headers,
      body: { call_id: callId, role: 'resident' },
    });
    expect(wrongRole.status).toBe(404);
    expect(wrongRole.body.code).toBe('media_session.not_found');
    const unknown = await api.request('POST', '/api/hangup', { headers, body: { call_id: 'nope', role: 'visitor' } });
    expect(unknown.status).toBe(404);
    for (const body of [
      { call_id: callId },
      { call_id: callId, role: 'caller' },
      { call_id: callId, role: 'visitor', x: 1 },
    ]) {
      const bad = await api.request('POST', '/api/hangup', { headers, body });
      expect(bad.status).toBe(400);
    }
    // Nothing was hung up by the bad requests.
    expect(peer.isClosed).toBe(false);
    peer.socket.destroy();
  });

  it('refuses agents, wrong keys and anonymous callers; admins see only their company’s sessions', async () => {
    const { peer } = await connectVisitor();
    const agent = await createUserAndLogin(api, await api.adminToken());
    expect((await api.request('GET', '/api/status', { token: agent.token })).status).toBe(403);
    expect((await api.request('GET', '/api/status', { headers: { 'x-api-key': 'wrong' } })).status).toBe(401);
    expect((await api.request('GET', '/api/status')).status).toBe(401);
    const asAdmin = await api.request('GET', '/api/status', { token: await api.adminToken() });
    expect(asAdmin.status).toBe(200);
    // Sessions not tagged with the admin's company (no voice bot resolved them) stay hidden.
    expect(asAdmin.body.sessions).toEqual([]);
    peer.socket.destroy();
  });
});
