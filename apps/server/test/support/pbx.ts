/**
 * A Switchboard wired to the ARI emulator, with helpers that play the PBX's part of a call:
 * the agent answering their device, the destination ringing and answering, hangups.
 */
import { AriEmulator } from './ari-emulator.js';
import { createUserAndLogin, startTestServer, type TestServer } from './server.js';

export interface PbxTest {
  api: TestServer;
  ari: AriEmulator;
  close(): Promise<void>;
}

export async function startServerWithPbx(env: Record<string, string> = {}): Promise<PbxTest> {
  const ari = await AriEmulator.start({ username: 'switchboard', password: 'ari-secret' });
  const api = await startTestServer({
    ASTERISK_ARI_URL: ari.url,
    ASTERISK_ARI_USERNAME: 'switchboard',
    ASTERISK_ARI_PASSWORD: 'ari-secret',
    LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
    ...env,
  });
  await ari.waitForWebSockets(1, 10_000);
  await waitFor(() => api.request('GET', '/ready').then((r) => r.body?.checks?.pbx === 'up'), 'PBX connected');
  return {
    api,
    ari,
    async close() {
      await api.close();
      await ari.close();
    },
  };
}

/** Polls until `predicate` holds; generous by default, for a busy 2-core machine. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The originate requests Switchboard sent, newest last. */
export interface OriginateSeen {
  channelId: string;
  endpoint: string;
  app: string | undefined;
  appArgs: string[];
  query: Record<string, string>;
}

export function originates(ari: AriEmulator): OriginateSeen[] {
  return ari.requests
    .filter((r) => r.method === 'POST' && r.path === '/ari/channels')
    .map((r) => ({
      channelId: r.query.channelId ?? '',
      endpoint: r.query.endpoint ?? '',
      app: r.query.app,
      appArgs: (r.query.appArgs ?? '').split(','),
      query: r.query,
    }));
}

export function requestsTo(ari: AriEmulator, method: string, pathPart: string) {
  return ari.requests.filter((r) => r.method === method && r.path.includes(pathPart));
}

export async function agentWithDevice(api: TestServer) {
  const admin = await api.adminToken();
  const agent = await createUserAndLogin(api, admin, { role: 'agent' });
  const device = (await api.request('GET', '/api/users/me/device', { token: agent.token })).body;
  return { ...agent, sipUsername: device.sip_username as string, extension: device.extension as number };
}

export async function callStatus(api: TestServer, token: string, callId: string): Promise<string> {
  return (await api.request('GET', `/api/calls/${callId}`, { token })).body.status;
}

/** Click-to-call up to the point both legs are bridged (and the bridge recorded). */
export async function answeredOutboundCall(pbx: PbxTest, to = '+55 11 98765-4321') {
  const { api, ari } = pbx;
  const agent = await agentWithDevice(api);
  const made = await api.request('POST', '/api/calls/make', { token: agent.token, body: { to } });
  if (made.status !== 201) throw new Error(`click-to-call answered ${made.status}`);
  const callId: string = made.body.id;
  const agentLeg = originates(ari).find((o) => o.appArgs[1] === callId && o.appArgs[0] === 'outbound')!;
  ari.enterStasis(agentLeg.channelId, agentLeg.appArgs, { app: 'switchboard' });
  await waitFor(
    () => originates(ari).some((o) => o.appArgs[0] === 'outbound-customer' && o.appArgs[1] === callId),
    'customer dialled',
  );
  const customerLeg = originates(ari).find((o) => o.appArgs[0] === 'outbound-customer' && o.appArgs[1] === callId)!;
  ari.enterStasis(customerLeg.channelId, customerLeg.appArgs, { app: 'switchboard' });
  await waitFor(async () => (await callStatus(api, agent.token, callId)) === 'in_progress', 'answered');
  return { agent, callId, agentLeg, customerLeg };
}
