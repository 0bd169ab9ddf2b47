/**
 * Calls in a voice queue over real sockets: a caller dials a DID into Stasis on the ARI
 * emulator, waits with music, the routing engine offers the call and the agent's device
 * rings; answering bridges and records; the call carries its queue, wait and offers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerDials } from '../support/ari-emulator.queue.js';
import { requestsTo, waitFor } from '../support/pbx.js';
import {
  agentLegsOf,
  callField,
  callOfChannel,
  newDid,
  phoneAgentOnline,
  routeDid,
  startVoiceQueueServer,
  voiceQueue,
  type VoiceQueueTest,
} from '../support/voice-queue.js';

describe('voice queue: offering and answering', () => {
  let t: VoiceQueueTest;

  beforeAll(async () => {
    t = await startVoiceQueueServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers the caller into music, rings the offered agent, bridges on answer and records the queue on the call', async () => {
    const { api, ari, admin } = t;
    const agent = await phoneAgentOnline(api, admin);
    const queue = await voiceQueue(api, admin, { name: `Vendas ${newDid()}` }, [agent]);
    const did = newDid();
    await routeDid(api, admin, did, { default_queue_id: queue.id });

    const caller = callerDials(ari, { channelId: `caller-${did}`, did, callerNumber: '+5511987650001' });
    const call = await callOfChannel(api, admin, caller.id);
    expect(call).toMatchObject({ direction: 'inbound', from_number: '+5511987650001', to_number: did });
    await waitFor(() => agentLegsOf(ari, call.id).length === 1, 'agent rung');
    expect(requestsTo(ari, 'POST', `/channels/${caller.id}/answer`)).toHaveLength(1);
    expect(requestsTo(ari, 'POST', `/channels/${caller.id}/moh`)).toHaveLength(1);
    const [leg] = agentLegsOf(ari, call.id);
    expect(leg).toMatchObject({ endpoint: `PJSIP/${agent.sipUsername}`, app: 'switchboard' });
    expect(leg!.appArgs[0]).toBe('queue-agent');
    expect(leg!.query.timeout).toBe('20');
    await agent.waitFor((r) => r.some((e) => e.event === 'offer_created' && e.data.call_id === call.id));
    const offer = agent.received.find((e) => e.event === 'offer_created')!.data;
    expect(offer).toMatchObject({ channel: 'voice', queue_id: queue.id, id: leg!.appArgs[2] });
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'ringing', 'ringing');

    ari.enterStasis(leg!.channelId, leg!.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'in_progress', 'answered');
    expect(requestsTo(ari, 'DELETE', `/channels/${caller.id}/moh`)).toHaveLength(1);
    const bridge = ari.requests.find((r) => r.method === 'POST' && r.path.endsWith('/addChannel'))!;
    expect(bridge.query.channel!.split(',').sort()).toEqual([leg!.channelId, caller.id].sort());
    const record = ari.requests.filter((r) => r.method === 'POST' && /\/bridges\/.*\/record$/.test(r.path));
    expect(record.at(-1)!.query.format).toBe('wav');
    expect(await callField(api, admin, call.id, 'agent_id')).toBe(agent.id);
    await agent.waitFor((r) => r.some((e) => e.event === 'entry_assigned' && e.data.call_id === call.id));
    await agent.waitFor((r) => r.some((e) => e.event === 'call_answered' && e.data.call_id === call.id));
    await waitFor(
      async () => (await api.request('GET', '/api/presence/me', { token: agent.token })).body.status === 'busy',
      'agent busy on the call',
    );

    const routing = await api.request('GET', `/api/calls/${call.id}/routing`, { token: agent.token });
    expect(routing.status).toBe(200);
    expect(routing.body).toMatchObject({ call_id: call.id, queue_id: queue.id, offered_agents: [agent.id] });
    expect(routing.body.wait_seconds).toBeGreaterThanOrEqual(0);
    expect(routing.body.entries[0]).toMatchObject({ state: 'assigned', assigned_to: agent.id });

    ari.hangupChannel(caller.id);
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'completed', 'completed');
    await waitFor(
      async () =>
        (await api.request('GET', `/api/calls/${call.id}/routing`, { token: admin })).body.entries[0].state ===
        'completed',
      'entry completed',
    );
    await waitFor(
      async () => (await api.request('GET', '/api/presence/me', { token: agent.token })).body.status === 'online',
      'agent back online after the call',
    );
    agent.disconnect();
  });

  it('moves on to the second agent when the first lets the phone ring out', async () => {
    const { api, ari, admin } = t;
    const first = await phoneAgentOnline(api, admin);
    const second = await phoneAgentOnline(api, admin);
    const queue = await voiceQueue(api, admin, { name: `Suporte ${newDid()}` }, [first, second]);
    const did = newDid();
    await routeDid(api, admin, did, { default_queue_id: queue.id });

    const caller = callerDials(ari, { channelId: `caller-${did}`, did, callerNumber: '+5511987650002' });
    const call = await callOfChannel(api, admin, caller.id);
    await waitFor(() => agentLegsOf(ari, call.id).length === 1, 'first agent rung');
    const [firstLeg] = agentLegsOf(ari, call.id);
    expect(firstLeg!.endpoint).toBe(`PJSIP/${first.sipUsername}`);
    // Asterisk gives up at the originate timeout (the offer's): no answer.
    ari.hangupChannel(firstLeg!.channelId, 19, 'No user responding');
    // The offer's 20 s pass (Asterisk's originate timeout is the same): it expires.
    t.clock.advance(21_000);
    await waitFor(() => agentLegsOf(ari, call.id).length === 2, 'second agent rung');
    const secondLeg = agentLegsOf(ari, call.id)[1]!;
    expect(secondLeg.endpoint).toBe(`PJSIP/${second.sipUsername}`);
    await first.waitFor((r) => r.some((e) => e.event === 'offer_expired' && e.data.call_id === call.id));

    ari.enterStasis(secondLeg.channelId, secondLeg.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'in_progress', 'answered');
    expect(await callField(api, admin, call.id, 'agent_id')).toBe(second.id);
    const routing = (await api.request('GET', `/api/calls/${call.id}/routing`, { token: admin })).body;
    expect(routing.offered_agents).toEqual([first.id, second.id]);
    ari.hangupChannel(secondLeg.channelId);
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'completed', 'completed');
    first.disconnect();
    second.disconnect();
  });

  it('rings every agent with ring_all, bridges the first to answer and hangs up the others', async () => {
    const { api, ari, admin } = t;
    const agents = [
      await phoneAgentOnline(api, admin),
      await phoneAgentOnline(api, admin),
      await phoneAgentOnline(api, admin),
    ];
    const queue = await voiceQueue(api, admin, { name: `Todos ${newDid()}`, strategy: 'ring_all' }, agents);
    const did = newDid();
    await routeDid(api, admin, did, { default_queue_id: queue.id });

    const caller = callerDials(ari, { channelId: `caller-${did}`, did, callerNumber: '+5511987650003' });
    const call = await callOfChannel(api, admin, caller.id);
    await waitFor(() => agentLegsOf(ari, call.id).length === 3, 'every agent rung');
    const legs = agentLegsOf(ari, call.id);
    expect(legs.map((l) => l.endpoint).sort()).toEqual(agents.map((a) => `PJSIP/${a.sipUsername}`).sort());
    const winner = legs[1]!;
    ari.enterStasis(winner.channelId, winner.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'in_progress', 'answered');
    for (const loser of [legs[0]!, legs[2]!]) {
      await waitFor(() => requestsTo(ari, 'DELETE', `/channels/${loser.channelId}`).length === 1, 'loser hung up');
    }
    const winnerAgent = agents.find((a) => winner.endpoint === `PJSIP/${a.sipUsername}`)!;
    expect(await callField(api, admin, call.id, 'agent_id')).toBe(winnerAgent.id);
    const routing = (await api.request('GET', `/api/calls/${call.id}/routing`, { token: admin })).body;
    expect([...routing.offered_agents].sort()).toEqual(agents.map((a) => a.id).sort());
    ari.hangupChannel(caller.id);
    for (const agent of agents) agent.disconnect();
  });

  it('keeps the agent busy through the queue wrap-up, then gives them back the status they had', async () => {
    const { api, ari, admin, clock } = t;
    const agent = await phoneAgentOnline(api, admin);
    const queue = await voiceQueue(api, admin, { name: `Pós ${newDid()}`, wrap_up_seconds: 60 }, [agent]);
    const did = newDid();
    await routeDid(api, admin, did, { default_queue_id: queue.id });
    const caller = callerDials(ari, { channelId: `caller-${did}`, did, callerNumber: '+5511987650004' });
    const call = await callOfChannel(api, admin, caller.id);
    await waitFor(() => agentLegsOf(ari, call.id).length === 1, 'agent rung');
    const [leg] = agentLegsOf(ari, call.id);
    ari.enterStasis(leg!.channelId, leg!.appArgs, { app: 'switchboard' });
    const statusOf = async () => (await api.request('GET', '/api/presence/me', { token: agent.token })).body.status;
    await waitFor(async () => (await statusOf()) === 'busy', 'busy on the call');

    ari.hangupChannel(caller.id);
    await agent.waitFor((r) => r.some((e) => e.event === 'entry_completed' && e.data.call_id === call.id));
    expect(await statusOf()).toBe('busy');
    clock.advance(61_000);
    await waitFor(async () => (await statusOf()) === 'online', 'online after wrap-up');
    agent.disconnect();
  });
});
