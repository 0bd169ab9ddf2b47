/**
 * A fresh sign-in restores the status the agent last chose (issue 12), over HTTP and
 * Socket.IO: after a supervisor signed them out, and after a timeout. A console that only
 * reconnects on its old session stays offline (presence README).
 */
import type { AgentPresenceDto } from '@switchboard/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/shared/clock.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import { connectSocket } from '../support/socket.js';

class ManualClock implements Clock {
  private current = Date.now();
  now(): Date {
    return new Date(this.current);
  }
  advance(seconds: number): void {
    this.current += seconds * 1000;
  }
}

const OFFLINE_AFTER = 120;

describe('a fresh sign-in restores the last chosen status', () => {
  const clock = new ManualClock();
  let api: TestServer;
  let admin: string;
  const sockets: { disconnect(): void }[] = [];

  beforeAll(async () => {
    api = await startTestServer(
      {
        LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
        PRESENCE_OFFLINE_AFTER_SECONDS: String(OFFLINE_AFTER),
        PRESENCE_SWEEP_INTERVAL_SECONDS: '1',
      },
      { clock },
    );
    admin = await api.adminToken();
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await api.close();
  });

  const me = async (token: string) => (await api.request<AgentPresenceDto>('GET', '/api/presence/me', { token })).body;
  const connect = async (token: string) => {
    const connection = await connectSocket(api.baseUrl, { token });
    sockets.push(connection.socket);
    return connection;
  };
  async function eventually(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('brings back a pause with its reason after a supervisor signed the agent out', async () => {
    const agent = await createUserAndLogin(api, admin, { name: 'Bia Restaura' });
    const reason = await api.request<{ id: string }>('POST', '/api/presence/pause-reasons', {
      token: admin,
      body: { name: 'Almoço restaurado' },
    });
    expect(reason.status).toBe(201);
    const board = await connect(admin);
    const first = await connect(agent.token);
    const ack = (await first.socket
      .timeout(5000)
      .emitWithAck('update_status', { status: 'away', message: 'volto 13h', pause_reason_id: reason.body.id })) as {
      ok: boolean;
    };
    expect(ack.ok).toBe(true);

    const out = await api.request('POST', `/api/wallboard/agents/${agent.id}/sign-out`, {
      token: admin,
      body: { reason: 'fim do turno' },
    });
    expect(out.status).toBe(204);
    const session = await api.login(agent.email, agent.password);
    expect((await me(session.accessToken)).status).toBe('offline');

    clock.advance(1);
    const second = await api.login(agent.email, agent.password);
    await connect(second.accessToken);
    await eventually(async () => (await me(second.accessToken)).status === 'away');
    expect(await me(second.accessToken)).toMatchObject({
      status: 'away',
      message: 'volto 13h',
      pause_reason: 'Almoço restaurado',
      websocket_connected: true,
    });
    await board.waitFor((events) =>
      events.some(
        (e) =>
          e.event === 'agent_presence_changed' &&
          e.data.agent_id === agent.id &&
          e.data.reason === 'restored' &&
          e.data.status === 'away' &&
          e.data.pause_reason === 'Almoço restaurado',
      ),
    );
  });

  // The socket's end is a heartbeat of the moment the server saw it, even when its write
  // runs after the clock moved on (presence.connections.ts): the agent still times out.
  it('keeps a timed-out agent offline on a reconnect, and restores on a fresh sign-in', async () => {
    const agent = await createUserAndLogin(api, admin, { name: 'Caio Volta' });
    expect(
      (await api.request('POST', '/api/presence/status', { token: agent.token, body: { status: 'online' } })).status,
    ).toBe(200);
    const first = await connect(agent.token);
    await eventually(async () => (await me(agent.token)).websocket_connected);
    first.socket.disconnect();
    await eventually(async () => !(await me(agent.token)).websocket_connected);

    clock.advance(OFFLINE_AFTER + 5);
    await eventually(async () => (await me(agent.token)).status === 'offline');

    // The console reconnects on the same session: no sign-in, no restore.
    clock.advance(1);
    const again = await connect(agent.token);
    await eventually(async () => (await me(agent.token)).websocket_connected);
    expect((await me(agent.token)).status).toBe('offline');
    again.socket.disconnect();
    await eventually(async () => !(await me(agent.token)).websocket_connected);

    clock.advance(1);
    const fresh = await api.login(agent.email, agent.password);
    await connect(fresh.accessToken);
    await eventually(async () => (await me(fresh.accessToken)).status === 'online');
    expect(await me(fresh.accessToken)).toMatchObject({ status: 'online', is_available: true });
  });

  it('leaves offline an agent who chose offline, and one who never chose a status', async () => {
    const never = await createUserAndLogin(api, admin, { name: 'Nunca Escolheu' });
    await connect(never.token);
    await eventually(async () => (await me(never.token)).websocket_connected);
    expect((await me(never.token)).status).toBe('offline');

    const chose = await createUserAndLogin(api, admin, { name: 'Escolheu Offline' });
    await api.request('POST', '/api/presence/status', { token: chose.token, body: { status: 'busy' } });
    await api.request('POST', '/api/presence/status', { token: chose.token, body: { status: 'offline' } });
    clock.advance(1);
    const fresh = await api.login(chose.email, chose.password);
    await connect(fresh.accessToken);
    await eventually(async () => (await me(fresh.accessToken)).websocket_connected);
    expect((await me(fresh.accessToken)).status).toBe('offline');
  });

  it('does not take a status a supervisor forced for the agent’s choice', async () => {
    const agent = await createUserAndLogin(api, admin, { name: 'Dani Forçada' });
    await api.request('POST', '/api/presence/status', {
      token: agent.token,
      body: { status: 'busy', message: 'foco' },
    });
    const forced = await api.request('POST', `/api/wallboard/agents/${agent.id}/status`, {
      token: admin,
      body: { status: 'online', reason: 'fila cheia' },
    });
    expect(forced.status).toBe(204);
    const out = await api.request('POST', `/api/wallboard/agents/${agent.id}/sign-out`, {
      token: admin,
      body: { reason: 'teste' },
    });
    expect(out.status).toBe(204);
    clock.advance(1);
    const fresh = await api.login(agent.email, agent.password);
    await connect(fresh.accessToken);
    await eventually(async () => (await me(fresh.accessToken)).status === 'busy');
    expect(await me(fresh.accessToken)).toMatchObject({ status: 'busy', message: 'foco' });
  });
});
