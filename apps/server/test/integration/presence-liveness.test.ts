/**
 * ADR 27: the open socket is the console's proof of life. Engine.IO pings every socket and
 * closes one that stops answering; the presence tick counts every open socket as a
 * heartbeat. Pings every second here (SOCKET_PING_*), the sweeper ticking every second,
 * decisions on an injected clock.
 */
import type { AgentPresenceDto } from '@switchboard/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Clock } from '../../src/shared/clock.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import { connectSocket } from '../support/socket.js';

const OFFLINE_AFTER = 120;

class ManualClock implements Clock {
  private current = Date.now();
  now(): Date {
    return new Date(this.current);
  }
  advance(seconds: number): void {
    this.current += seconds * 1000;
  }
}

async function eventually(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A console whose link died without a close: an Engine.IO v4 client over a raw WebSocket
 * that joins the default namespace with its token and then never answers a ping ("2").
 */
async function connectDeafSocket(baseUrl: string, token: string): Promise<{ pings: () => number; close(): void }> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
  let pings = 0;
  await new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', (raw: Buffer) => {
      const packet = raw.toString();
      if (packet.startsWith('0{')) ws.send(`40${JSON.stringify({ token })}`);
      else if (packet.startsWith('40{')) resolve();
      else if (packet.startsWith('44')) reject(new Error(`refused: ${packet}`));
      else if (packet === '2') pings += 1;
    });
  });
  return { pings: () => pings, close: () => ws.terminate() };
}

describe('presence from the transport: pings, not heartbeats', () => {
  const clock = new ManualClock();
  let api: TestServer;
  let admin: string;
  const presenceOf = async (token: string) =>
    (await api.request<AgentPresenceDto>('GET', '/api/presence/me', { token })).body;

  beforeAll(async () => {
    api = await startTestServer(
      {
        SOCKET_PING_INTERVAL_SECONDS: '1',
        SOCKET_PING_TIMEOUT_SECONDS: '1',
        PRESENCE_OFFLINE_AFTER_SECONDS: String(OFFLINE_AFTER),
        PRESENCE_SWEEP_INTERVAL_SECONDS: '1',
        LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
      },
      { clock },
    );
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('keeps an agent whose socket answers the pings online without a single heartbeat', async () => {
    const agent = await createUserAndLogin(api, admin);
    const client = await connectSocket(api.baseUrl, { token: agent.token });
    await api.request('POST', '/api/presence/status', { token: agent.token, body: { status: 'online' } });
    await eventually(async () => (await presenceOf(agent.token)).is_available);

    // Far past the timeout: only the open socket speaks for the agent, through the ticks.
    clock.advance(OFFLINE_AFTER + 30);
    const advancedTo = clock.now().toISOString();
    await eventually(async () => (await presenceOf(agent.token)).last_heartbeat === advancedTo);
    expect(await presenceOf(agent.token)).toMatchObject({
      status: 'online',
      websocket_connected: true,
      is_available: true,
      is_inactive: false,
    });
    client.socket.close();
  });

  it('takes a socket that stops answering pings for gone: unavailable at once, offline after the timeout', async () => {
    const agent = await createUserAndLogin(api, admin);
    const colleague = await connectSocket(api.baseUrl, { token: admin });
    await api.request('POST', '/api/presence/status', { token: agent.token, body: { status: 'online' } });
    const deaf = await connectDeafSocket(api.baseUrl, agent.token);
    await eventually(async () => (await presenceOf(agent.token)).is_available);

    // Unanswered pings: the server closes the socket within interval + timeout (2 s here).
    await eventually(async () => !(await presenceOf(agent.token)).websocket_connected);
    expect(deaf.pings()).toBeGreaterThanOrEqual(1);
    expect(await presenceOf(agent.token)).toMatchObject({ status: 'online', is_available: false });
    await colleague.waitFor((events) =>
      events.some(
        (e) =>
          e.event === 'agent_presence_changed' &&
          e.data.agent_id === agent.id &&
          e.data.reason === 'disconnected' &&
          e.data.is_available === false,
      ),
    );

    // No socket and no heartbeat: the sweeper takes the agent offline once the timeout passes.
    clock.advance(OFFLINE_AFTER + 1);
    await colleague.waitFor(
      (events) =>
        events.some(
          (e) => e.event === 'agent_presence_changed' && e.data.agent_id === agent.id && e.data.reason === 'timeout',
        ),
      20_000,
    );
    expect(await presenceOf(agent.token)).toMatchObject({ status: 'offline', websocket_connected: false });
    deaf.close();
    colleague.socket.close();
  });
});
