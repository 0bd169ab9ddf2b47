/**
 * Voice queue test steps: a Switchboard on the ARI emulator with a clock tests can move,
 * agents who are online over Socket.IO with a SIP device, queues and DIDs set over HTTP,
 * and what the PBX was asked for each call.
 */
import type { ServerOverrides } from '../../src/main.js';
import type { Clock } from '../../src/shared/clock.js';
import { AriEmulator } from './ari-emulator.js';
import { originates, waitFor, type OriginateSeen } from './pbx.js';
import { createUserAndLogin, startTestServer, type TestServer } from './server.js';
import { connectSocket, type Envelope } from './socket.js';

/** Real time plus an offset the test moves forward (announcement intervals, offer expiry). */
export class ShiftedClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface VoiceQueueTest {
  api: TestServer;
  ari: AriEmulator;
  clock: ShiftedClock;
  admin: string;
  close(): Promise<void>;
}

export async function startVoiceQueueServer(
  env: Record<string, string> = {},
  overrides: { modules?: ServerOverrides['modules'] } = {},
): Promise<VoiceQueueTest> {
  const ari = await AriEmulator.start({ username: 'switchboard', password: 'ari-secret' });
  const clock = new ShiftedClock();
  const api = await startTestServer(
    {
      ASTERISK_ARI_URL: ari.url,
      ASTERISK_ARI_USERNAME: 'switchboard',
      ASTERISK_ARI_PASSWORD: 'ari-secret',
      ASTERISK_MEDIA_BASE_URL: 'http://switchboard.test:3000',
      LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
      TTS_ENGINE: 'none',
      ...env,
    },
    { clock, ...overrides },
  );
  await ari.waitForWebSockets(1, 10_000);
  await waitFor(() => api.request('GET', '/ready').then((r) => r.body?.checks?.pbx === 'up'), 'PBX connected');
  const admin = await api.adminToken();
  return {
    api,
    ari,
    clock,
    admin,
    async close() {
      await api.close();
      await ari.close();
    },
  };
}

export interface PhoneAgent {
  id: string;
  token: string;
  sipUsername: string;
  received: Envelope[];
  waitFor: (predicate: (e: Envelope[]) => boolean, ms?: number) => Promise<void>;
  disconnect(): void;
}

/** An agent with a SIP device, signed in, a socket open and `online`. */
export async function phoneAgentOnline(api: TestServer, admin: string): Promise<PhoneAgent> {
  const user = await createUserAndLogin(api, admin, { role: 'agent' });
  const device = (await api.request('GET', '/api/users/me/device', { token: user.token })).body;
  const connection = await connectSocket(api.baseUrl, { token: user.token });
  const ack = await new Promise<{ ok: boolean }>((resolve) =>
    connection.socket.emit('update_status', { status: 'online' }, resolve),
  );
  if (!ack.ok) throw new Error('update_status failed');
  return {
    id: user.id,
    token: user.token,
    sipUsername: device.sip_username as string,
    received: connection.received,
    waitFor: connection.waitFor,
    disconnect: () => connection.socket.disconnect(),
  };
}

export async function voiceQueue(
  api: TestServer,
  admin: string,
  body: Record<string, unknown>,
  members: { id: string }[],
): Promise<{ id: string; name: string }> {
  const created = await api.request('POST', '/api/queues', {
    token: admin,
    body: { channels: ['voice'], offer_mode: 'accept', ...body },
  });
  if (created.status !== 201) throw new Error(`create queue failed: ${created.status} ${created.text}`);
  const queue = created.body as { id: string; name: string };
  const set = await api.request('PUT', `/api/queues/${queue.id}/members`, {
    token: admin,
    body: members.map((m, index) => ({ user_id: m.id, priority: index })),
  });
  if (set.status !== 200) throw new Error(`set members failed: ${set.status} ${set.text}`);
  return queue;
}

let didCounter = 0;

/** A DID of its own for each test (a DID belongs to one company). */
export function newDid(): string {
  didCounter += 1;
  return `5511300${String(Date.now() % 100_000).padStart(5, '0')}${String(didCounter).padStart(2, '0')}`;
}

export async function routeDid(api: TestServer, admin: string, did: string, body: Record<string, unknown>) {
  const response = await api.request('PUT', `/api/voice/entry-points/${did}`, { token: admin, body });
  if (response.status !== 200) throw new Error(`DID routing failed: ${response.status} ${response.text}`);
  return response.body;
}

/** The agent legs rung for a call (`queue-agent,<call id>,<offer id>`), oldest first. */
export function agentLegsOf(ari: AriEmulator, callId: string): OriginateSeen[] {
  return originates(ari).filter((o) => o.appArgs[1] === callId && o.appArgs[0]?.startsWith('queue-'));
}

/** The call Switchboard made of a caller channel, once recorded. */
export async function callOfChannel(api: TestServer, admin: string, channelId: string): Promise<any> {
  let found: any;
  await waitFor(async () => {
    const active = await api.request('GET', '/api/calls/active', { token: admin });
    found = (active.body.items as any[]).find((c) => c.asterisk_unique_id === channelId);
    return found !== undefined;
  }, `call of ${channelId}`);
  return found;
}

export async function callField(api: TestServer, admin: string, callId: string, field: string): Promise<unknown> {
  return (await api.request('GET', `/api/calls/${callId}`, { token: admin })).body[field];
}

/** The spoken text of a prompt Switchboard asked Asterisk to play (the sentence travels in its URL). */
export function spokenText(mediaUri: string): string {
  const match = /\/api\/voice\/prompts\/[^/]+\/([^/]+)\/[^/]+\.wav$/.exec(mediaUri);
  if (!match?.[1]) throw new Error(`not a prompt: ${mediaUri}`);
  return Buffer.from(match[1], 'base64url').toString('utf8');
}

/** `DELETE /ari/channels/<id>` requests: the channel hung up by Switchboard (not its music or ringing). */
export function hangupsOf(ari: AriEmulator, channelId: string) {
  return ari.requests.filter((r) => r.method === 'DELETE' && r.path === `/ari/channels/${channelId}`);
}
