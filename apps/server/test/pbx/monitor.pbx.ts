/**
 * Listen and whisper against Asterisk 22.10.1, heard through the phones' own media: the
 * agent's phone sends 440 Hz, the customer (the carrier) 1000 Hz, the supervisor 2000 Hz,
 * each from an RTP socket of the test (support/rtp.ts) that SIPp's SDP points at.
 * Listening, the supervisor hears the agent and the customer; whispering, the agent hears
 * the supervisor and the customer does not; barging in, everyone hears everyone.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createUserAndLogin } from '../support/server.js';
import { CUSTOMER_NUMBER, waitForCall } from './support/calls.js';
import { startPbxHarness, type PbxHarness } from './support/harness.js';
import { freeUdpPort, waitUntil } from './support/processes.js';
import { RtpPeer } from './support/rtp.js';
import { Sipp, type Scenario } from './support/sipp.js';

/** support/sipp.ts runs any scenario file of ../sipp/ by name. */
const ANSWER_MEDIA = 'answer-media' as Scenario;
const AGENT_HZ = 440;
const CUSTOMER_HZ = 1_000;
const SUPERVISOR_HZ = 2_000;

describe.skipIf(inject('pbxSkipReason'))('listen, whisper and barge on a real Asterisk', () => {
  let pbx: PbxHarness;
  const peers: RtpPeer[] = [];

  beforeAll(async () => {
    pbx = await startPbxHarness();
  });
  afterAll(async () => {
    for (const peer of peers) await peer.close();
    await pbx?.close();
  });

  /** A SIPp that answers with `toneHz` sent from the test's RTP socket. */
  const answering = async (port: number, toneHz: number) => {
    const rtp = await RtpPeer.start(await freeUdpPort(2), toneHz);
    peers.push(rtp);
    const sipp = await Sipp.start({ scenario: ANSWER_MEDIA, port, keys: { rtp_port: String(rtp.port) } });
    return { rtp, sipp };
  };

  /** Lets `ms` of audio arrive, then the share of each tone in what `peer` heard meanwhile. */
  const listenFor = async (peer: RtpPeer, ms: number) => {
    const since = peer.now();
    await waitUntil(() => peer.framesSince(since) >= ms / 20 - 10, ms * 3, 'audio to arrive');
    return {
      agent: peer.toneShare(AGENT_HZ, since),
      customer: peer.toneShare(CUSTOMER_HZ, since),
      supervisor: peer.toneShare(SUPERVISOR_HZ, since),
    };
  };

  it('the supervisor hears both sides in listen; in whisper only the agent hears them; in barge everyone does', async () => {
    const phone = await pbx.phone();
    const boss = await createUserAndLogin(pbx.api, await pbx.api.adminToken(), {
      role: 'supervisor',
      device_template: 'sip',
    });
    const bossDevice = (await pbx.api.request('GET', '/api/users/me/device', { token: boss.token })).body;
    const bossPort = await freeUdpPort();
    await Sipp.run({
      scenario: 'register',
      port: bossPort,
      remote: pbx.sipAddress,
      service: bossDevice.sip_username,
      auth: { username: bossDevice.sip_username, password: bossDevice.sip_password },
    });

    const agent = await answering(phone.port, AGENT_HZ);
    const customer = await answering(pbx.carrierUasPort, CUSTOMER_HZ);
    const made = await pbx.api.request('POST', '/api/calls/make', {
      token: phone.token,
      body: { to: CUSTOMER_NUMBER },
    });
    expect(made.status).toBe(201);
    const callId = made.body.id as string;
    await waitForCall(pbx, phone.token, callId, 'in_progress');

    const supervisor = await answering(bossPort, SUPERVISOR_HZ);
    const listen = await pbx.api.request('POST', `/api/calls/${callId}/monitor`, {
      token: boss.token,
      body: { mode: 'listen' },
    });
    expect(listen.status).toBe(201);
    await waitUntil(
      async () =>
        (await pbx.api.request('GET', `/api/calls/${callId}/monitors`, { token: boss.token })).body.items[0]?.status ===
        'active',
      20_000,
      'the supervisor to answer',
    );
    // Give the snoop its moment to join the monitor bridge.
    await waitUntil(() => supervisor.rtp.framesSince(supervisor.rtp.now() - 500) > 10, 20_000, 'monitor audio');

    const heardListening = await listenFor(supervisor.rtp, 3_000);
    expect(heardListening.agent).toBeGreaterThan(0.05);
    expect(heardListening.customer).toBeGreaterThan(0.05);
    const customerWhileListen = await listenFor(customer.rtp, 2_000);
    expect(customerWhileListen.agent).toBeGreaterThan(0.2);
    expect(customerWhileListen.supervisor).toBeLessThan(0.01);

    const whisper = await pbx.api.request('PATCH', `/api/calls/${callId}/monitor`, {
      token: boss.token,
      body: { mode: 'whisper' },
    });
    expect(whisper.status).toBe(200);
    // The new snoop takes over within a moment; then measure both sides over the same span.
    await new Promise((r) => setTimeout(r, 1_500));
    const [agentHears, customerHears] = await Promise.all([
      listenFor(agent.rtp, 3_000),
      listenFor(customer.rtp, 3_000),
    ]);
    expect(agentHears.supervisor).toBeGreaterThan(0.05);
    expect(agentHears.customer).toBeGreaterThan(0.05);
    // No energy from the supervisor in the customer's stream; the agent still reaches them.
    expect(customerHears.supervisor).toBeLessThan(0.01);
    expect(customerHears.agent).toBeGreaterThan(0.2);

    // Barge: the supervisor joins the call's bridge; now the customer hears them too.
    const barge = await pbx.api.request('PATCH', `/api/calls/${callId}/monitor`, {
      token: boss.token,
      body: { mode: 'barge' },
    });
    expect(barge.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_500));
    const [customerInBarge, supervisorInBarge] = await Promise.all([
      listenFor(customer.rtp, 3_000),
      listenFor(supervisor.rtp, 3_000),
    ]);
    expect(customerInBarge.supervisor).toBeGreaterThan(0.05);
    expect(supervisorInBarge.agent).toBeGreaterThan(0.05);
    expect(supervisorInBarge.customer).toBeGreaterThan(0.05);

    const stopped = await pbx.api.request('DELETE', `/api/calls/${callId}/monitor`, { token: boss.token });
    expect(stopped.status).toBe(200);
    expect(stopped.body.modes.map((m: { mode: string }) => m.mode)).toEqual(['listen', 'whisper', 'barge']);
    await supervisor.sipp.succeeded();

    const hangup = await pbx.api.request('POST', `/api/calls/${callId}/hangup`, { token: phone.token });
    expect(hangup.status).toBe(200);
    await Promise.all([agent.sipp.succeeded(), customer.sipp.succeeded()]);
  });
});
