/**
 * Consult (attended) transfer against Asterisk 22.10.1 with three SIPp phones whose media
 * is the test's (support/rtp.ts): the agent sends 440 Hz, the customer (the carrier)
 * 1000 Hz, the consulted colleague 3000 Hz. What each party hears proves where the
 * bridges put them: the held customer hears none of the consult, swap changes whom the
 * agent hears, complete leaves the customer with the colleague and releases the agent.
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { CUSTOMER_NUMBER, waitForCall } from './support/calls.js';
import { startPbxHarness, transitionsOf, type PbxHarness } from './support/harness.js';
import { freeUdpPort, waitUntil } from './support/processes.js';
import { RtpPeer } from './support/rtp.js';
import { Sipp, type Scenario } from './support/sipp.js';

/** support/sipp.ts runs any scenario file of ../sipp/ by name. */
const ANSWER_MEDIA = 'answer-media' as Scenario;
const AGENT_HZ = 440;
const CUSTOMER_HZ = 1_000;
const TARGET_HZ = 3_000;
/**
 * Music on hold spreads its energy over every frequency (about 4% lands near 440 Hz);
 * a party that really hears another's tone gets well over 20% of it.
 */
const UNDER_MUSIC = 0.1;

describe.skipIf(inject('pbxSkipReason'))('consult transfer on a real Asterisk', () => {
  let pbx: PbxHarness;
  const peers: RtpPeer[] = [];
  const phones: Sipp[] = [];

  beforeAll(async () => {
    pbx = await startPbxHarness();
  });
  afterEach(async () => {
    // A failed scenario leaves its phones waiting for a BYE: free their ports for the next.
    for (const phone of phones.splice(0)) await phone.stop();
  });
  afterAll(async () => {
    for (const peer of peers) await peer.close();
    await pbx?.close();
  });

  const answering = async (port: number, toneHz: number) => {
    const rtp = await RtpPeer.start(await freeUdpPort(2), toneHz);
    peers.push(rtp);
    const sipp = await Sipp.start({ scenario: ANSWER_MEDIA, port, keys: { rtp_port: String(rtp.port) } });
    phones.push(sipp);
    return { rtp, sipp };
  };

  /** The share of each party's tone in what `peer` heard over the next `ms`. */
  const hears = async (peer: RtpPeer, ms = 2_500) => {
    const since = peer.now();
    await waitUntil(() => peer.framesSince(since) >= ms / 20 - 10, ms * 3, 'audio to arrive');
    return {
      agent: peer.toneShare(AGENT_HZ, since),
      customer: peer.toneShare(CUSTOMER_HZ, since),
      target: peer.toneShare(TARGET_HZ, since),
    };
  };
  const settle = () => new Promise((r) => setTimeout(r, 1_000));

  const consultOf = async (token: string, callId: string) =>
    (await pbx.api.request('GET', `/api/calls/${callId}/consults`, { token })).body.items.at(-1);

  /** A click-to-call in progress and a consult to a colleague who answered. */
  const consulting = async () => {
    const phone = await pbx.phone();
    const colleague = await pbx.phone();
    const agent = await answering(phone.port, AGENT_HZ);
    const customer = await answering(pbx.carrierUasPort, CUSTOMER_HZ);
    const made = await pbx.api.request('POST', '/api/calls/make', {
      token: phone.token,
      body: { to: CUSTOMER_NUMBER },
    });
    expect(made.status).toBe(201);
    const callId = made.body.id as string;
    await waitForCall(pbx, phone.token, callId, 'in_progress');
    const target = await answering(colleague.port, TARGET_HZ);
    const consult = await pbx.api.request('POST', `/api/calls/${callId}/consult`, {
      token: phone.token,
      body: { to: colleague.userId },
    });
    expect(consult.status).toBe(201);
    await waitUntil(
      async () => (await consultOf(phone.token, callId))?.status === 'talking',
      20_000,
      'the colleague to answer',
    );
    await settle();
    return { phone, colleague, agent, customer, target, callId };
  };

  it('consult, swap, swap back, complete: the colleague has the customer, the agent is released', async () => {
    const { phone, colleague, agent, customer, target, callId } = await consulting();

    const [agentHears, customerHears] = await Promise.all([hears(agent.rtp), hears(customer.rtp)]);
    expect(agentHears.target).toBeGreaterThan(0.05);
    expect(agentHears.customer).toBeLessThan(0.01);
    // The held customer hears music, none of the consult.
    expect(customerHears.agent).toBeLessThan(UNDER_MUSIC);
    expect(customerHears.target).toBeLessThan(UNDER_MUSIC);

    const swapped = await pbx.api.request('POST', `/api/calls/${callId}/consult/swap`, { token: phone.token });
    expect(swapped.body.status).toBe('customer');
    await settle();
    const [agentWithCustomer, targetHeld] = await Promise.all([hears(agent.rtp), hears(target.rtp)]);
    expect(agentWithCustomer.customer).toBeGreaterThan(0.05);
    expect(agentWithCustomer.target).toBeLessThan(0.01);
    expect(targetHeld.agent).toBeLessThan(UNDER_MUSIC);

    const back = await pbx.api.request('POST', `/api/calls/${callId}/consult/swap`, { token: phone.token });
    expect(back.body.status).toBe('talking');
    const completed = await pbx.api.request('POST', `/api/calls/${callId}/consult/complete`, { token: phone.token });
    expect(completed.status).toBe(200);
    // The agent's phone gets its BYE; the customer and the colleague hear each other.
    await agent.sipp.succeeded();
    await settle();
    const [customerAfter, targetAfter] = await Promise.all([hears(customer.rtp), hears(target.rtp)]);
    expect(customerAfter.target).toBeGreaterThan(0.05);
    expect(targetAfter.customer).toBeGreaterThan(0.05);

    const call = (await pbx.api.request('GET', `/api/calls/${callId}`, { token: colleague.token })).body;
    expect(call).toMatchObject({ status: 'in_progress', agent_id: colleague.userId, held_at: null });
    const story = (await consultOf(colleague.token, callId)).timeline.map((s: any) => `${s.step}:${s.agent_with}`);
    expect(story).toEqual(['started:null', 'answered:target', 'swapped:customer', 'swapped:target', 'completed:null']);

    const hangup = await pbx.api.request('POST', `/api/calls/${callId}/hangup`, { token: colleague.token });
    expect(hangup.status).toBe(200);
    await Promise.all([customer.sipp.succeeded(), target.sipp.succeeded()]);
    // Ended by the API or by the hangup it caused, whichever Switchboard saw first.
    expect((await transitionsOf(pbx.sql, callId)).at(-1)).toMatch(
      /^in_progress→completed \((api:hangup|pbx:agent_hangup)\)$/,
    );
  });

  it('cancel: the colleague is released and the agent talks to the customer again', async () => {
    const { phone, agent, customer, target, callId } = await consulting();
    const canceled = await pbx.api.request('POST', `/api/calls/${callId}/consult/cancel`, { token: phone.token });
    expect(canceled.status).toBe(200);
    await target.sipp.succeeded();
    await settle();
    const [agentHears, customerHears] = await Promise.all([hears(agent.rtp), hears(customer.rtp)]);
    expect(agentHears.customer).toBeGreaterThan(0.05);
    expect(customerHears.agent).toBeGreaterThan(0.05);
    await pbx.api.request('POST', `/api/calls/${callId}/hangup`, { token: phone.token });
    await Promise.all([agent.sipp.succeeded(), customer.sipp.succeeded()]);
  });
});
