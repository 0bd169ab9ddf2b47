/** GET /api/users/me/device tells the console whether there is a PBX, and whether the server still has it. */
import { afterAll, describe, expect, it } from 'vitest';
import { startServerWithPbx, waitFor, type PbxTest } from '../support/pbx.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';

const deviceOf = (api: TestServer, token: string) =>
  api.request<{ pbx: string; wss_url: string | null }>('GET', '/api/users/me/device', { token });

describe('the PBX state the console sees', () => {
  const servers: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const server of servers) await server.close();
  });

  it('says not_configured without ARI or a SIP WebSocket URL, as /ready does', async () => {
    const api = await startTestServer();
    servers.push(api);
    const agent = await createUserAndLogin(api, await api.adminToken(), { device_template: 'webrtc' });
    const device = await deviceOf(api, agent.token);
    expect(device.status).toBe(200);
    expect(device.body.pbx).toBe('not_configured');
    expect((await api.request('GET', '/ready')).body.checks.pbx).toBe('not_configured');
  });

  it('says up for a SIP-only PBX (SIP_WSS_URL without ARI): the softphone registers to it', async () => {
    const api = await startTestServer({ SIP_WSS_URL: 'wss://pbx.acme.test:8089/ws' });
    servers.push(api);
    const agent = await createUserAndLogin(api, await api.adminToken(), { device_template: 'webrtc' });
    const device = await deviceOf(api, agent.token);
    expect(device.body).toMatchObject({ pbx: 'up', wss_url: 'wss://pbx.acme.test:8089/ws' });
  });

  it('follows the ARI connection: up while connected, disconnected once the PBX is gone', async () => {
    const pbx: PbxTest = await startServerWithPbx();
    servers.push(pbx.api);
    const agent = await createUserAndLogin(pbx.api, await pbx.api.adminToken(), { device_template: 'webrtc' });
    expect((await deviceOf(pbx.api, agent.token)).body.pbx).toBe('up');
    await pbx.ari.close();
    await waitFor(
      async () => (await deviceOf(pbx.api, agent.token)).body.pbx === 'disconnected',
      'the device to report the PBX disconnected',
    );
  });

  it('answers 401 without a session', async () => {
    const api = await startTestServer();
    servers.push(api);
    expect((await api.request('GET', '/api/users/me/device')).status).toBe(401);
  });
});
