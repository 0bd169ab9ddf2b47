import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AriClient, AriResidentDialer } from '../../src/integrations/asterisk-ari/index.js';
import { AriEmulator } from '../support/ari-emulator.js';
import { silentLogger } from '../support/asterisk-test-helpers.js';

describe('AriResidentDialer', () => {
  let ari: AriEmulator;
  let dialer: AriResidentDialer;
  let isUp = true;

  beforeAll(async () => {
    ari = await AriEmulator.start({ username: 'u', password: 'p' });
    const client = new AriClient({ baseUrl: ari.url, username: 'u', password: 'p', logger: silentLogger() });
    dialer = new AriResidentDialer(client, {
      outboundContext: 'from-agents',
      logger: silentLogger(),
      isAvailable: () => isUp,
      sipPrefixOf: async () => 'kqmzta',
    });
  });
  afterAll(async () => {
    await ari.close();
  });

  const request = (uuid: string, target: { kind: 'sip'; extension: string } | { kind: 'phone'; number: string }) => ({
    callId: 'call-1',
    companyId: 'company-1',
    residentTarget: target,
    audiosocketUuid: uuid,
    ringTimeoutSeconds: 25,
  });

  it('originates the resident into the intercom context with the AudioSocket UUID and the tenant', async () => {
    const uuid = '6f0c3a8e-1111-4c3e-9d6c-7c1f0c0a0a0a';
    expect(await dialer.dial(request(uuid, { kind: 'sip', extension: '1001' }))).toEqual({ status: 'dialed' });
    const sent = ari.requests.filter((r) => r.method === 'POST' && r.path === '/ari/channels').at(-1)!;
    expect(sent.query).toMatchObject({
      endpoint: 'Local/1001@from-agents/n',
      channelId: `intercom-${uuid}`,
      context: 'switchboard-intercom-resident',
      extension: 'resident',
      timeout: '25',
    });
    expect(JSON.parse(sent.body).variables).toEqual({
      SWITCHBOARD_AUDIOSOCKET_UUID: uuid,
      SWITCHBOARD_SIP_PREFIX: 'kqmzta',
    });
  });

  it('dials a resident’s phone number the same way', async () => {
    const uuid = '6f0c3a8e-2222-4c3e-9d6c-7c1f0c0a0a0a';
    await dialer.dial(request(uuid, { kind: 'phone', number: '+5511987654321' }));
    const sent = ari.requests.filter((r) => r.method === 'POST' && r.path === '/ari/channels').at(-1)!;
    expect(sent.query.endpoint).toBe('Local/+5511987654321@from-agents/n');
  });

  it('cancels by hanging up the resident channel, and cancelling twice is harmless', async () => {
    const uuid = '6f0c3a8e-3333-4c3e-9d6c-7c1f0c0a0a0a';
    await dialer.dial(request(uuid, { kind: 'sip', extension: '1002' }));
    await dialer.cancel({ callId: 'call-1', audiosocketUuid: uuid });
    await dialer.cancel({ callId: 'call-1', audiosocketUuid: uuid });
    expect(
      ari.requests.filter((r) => r.method === 'DELETE' && r.path === `/ari/channels/intercom-${uuid}`),
    ).toHaveLength(2);
  });

  it('reports a refused originate as failed, and an absent PBX as unreachable', async () => {
    ari.failNext('POST', '/ari/channels', 409, 'Channel with given unique ID already exists');
    const refused = await dialer.dial(request('6f0c3a8e-4444-4c3e-9d6c-7c1f0c0a0a0a', { kind: 'sip', extension: '1' }));
    expect(refused).toMatchObject({ status: 'failed', reason: 'error' });
    isUp = false;
    const down = await dialer.dial(request('6f0c3a8e-5555-4c3e-9d6c-7c1f0c0a0a0a', { kind: 'sip', extension: '1' }));
    expect(down).toMatchObject({ status: 'failed', reason: 'unreachable' });
    isUp = true;
  });
});
