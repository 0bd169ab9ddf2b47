/**
 * The codecs of SIP devices: new browser devices get SIP_WEBRTC_CODECS (G.711 before opus
 * by default, as an Asterisk without codec_opus needs), and admins change one device's
 * codecs with PATCH /api/users/:id/device, which rewrites what Asterisk reads.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { psEndpoints } from '../../src/db/schema/index.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';

async function allowOf(api: TestServer, endpointId: string): Promise<string | null | undefined> {
  const [endpoint] = await api.server.database.db
    .select({ allow: psEndpoints.allow })
    .from(psEndpoints)
    .where(eq(psEndpoints.id, endpointId));
  return endpoint?.allow;
}

async function deviceOf(api: TestServer, token: string): Promise<{ sip_username: string }> {
  return (await api.request('GET', '/api/users/me/device', { token })).body;
}

describe('SIP device codecs', () => {
  let api: TestServer;
  let admin: string;

  beforeAll(async () => {
    api = await startTestServer();
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
  });

  it('gives new browser devices ulaw,alaw,opus by default, and desk phones G.711', async () => {
    const browser = await createUserAndLogin(api, admin, { device_template: 'webrtc' });
    const desk = await createUserAndLogin(api, admin, { device_template: 'sip' });
    expect(await allowOf(api, (await deviceOf(api, browser.token)).sip_username)).toBe('ulaw,alaw,opus');
    expect(await allowOf(api, (await deviceOf(api, desk.token)).sip_username)).toBe('ulaw,alaw');
  });

  it('lets an admin change a device’s codecs, in order', async () => {
    const agent = await createUserAndLogin(api, admin, { device_template: 'webrtc' });
    const { sip_username: endpointId } = await deviceOf(api, agent.token);
    const changed = await api.request('PATCH', `/api/users/${agent.id}/device`, {
      token: admin,
      body: { codecs: ['opus', 'ulaw'] },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({
      user_id: agent.id,
      sip_username: endpointId,
      template: 'webrtc',
      codecs: ['opus', 'ulaw'],
    });
    expect(await allowOf(api, endpointId)).toBe('opus,ulaw');
  });

  it('refuses agents, unknown or repeated codecs, and users of other companies', async () => {
    const agent = await createUserAndLogin(api, admin);
    const { sip_username: endpointId } = await deviceOf(api, agent.token);
    const patch = (token: string, codecs: unknown, userId = agent.id) =>
      api.request('PATCH', `/api/users/${userId}/device`, { token, body: { codecs } });

    expect((await patch(agent.token, ['ulaw'])).status).toBe(403);
    for (const codecs of [[], ['ulaw', 'ulaw'], ['mp3'], 'ulaw']) {
      const refused = await patch(admin, codecs);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await patch(admin, ['ulaw'], '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect(await allowOf(api, endpointId)).toBe('ulaw,alaw,opus');
  });
});

describe('SIP_WEBRTC_CODECS', () => {
  let api: TestServer;

  beforeAll(async () => {
    api = await startTestServer({ SIP_WEBRTC_CODECS: ' g722, ulaw ' });
  });
  afterAll(async () => {
    await api.close();
  });

  it('is what new browser devices offer', async () => {
    const agent = await createUserAndLogin(api, await api.adminToken(), { device_template: 'webrtc' });
    expect(await allowOf(api, (await deviceOf(api, agent.token)).sip_username)).toBe('g722,ulaw');
  });

  it('stops the server at start when a codec is unknown or repeated', () => {
    expect(() => loadConfig({ SIP_WEBRTC_CODECS: 'ulaw,mp3' })).toThrow(/SIP_WEBRTC_CODECS/);
    expect(() => loadConfig({ SIP_WEBRTC_CODECS: 'ulaw,ulaw' })).toThrow(/SIP_WEBRTC_CODECS/);
  });
});
