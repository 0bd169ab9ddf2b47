/**
 * Queue calls keep order per call, not across calls: one caller's slow ARI request holds
 * that call only (another caller is offered, rung and bridged meanwhile), and a call's own
 * events still run in the order the PBX sent them (a hangup waits for the ringing before it).
 * A caller is routed while their answer is under way; what they hear waits for it.
 */
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
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

describe('voice queue: each call in its own order', () => {
  let t: VoiceQueueTest;
  /** Held ARI requests of the running test: released after it whatever happened. */
  let releases: (() => void)[] = [];

  beforeAll(async () => {
    t = await startVoiceQueueServer();
  });
  afterEach(() => {
    for (const release of releases) release();
    releases = [];
  });
  afterAll(async () => {
    await t.close();
  });

  it('offers, rings and bridges a second caller while the first caller answer is still pending at the PBX', async () => {
    const { api, ari, admin } = t;
    const slowAgent = await phoneAgentOnline(api, admin);
    const agent = await phoneAgentOnline(api, admin);
    const slowQueue = await voiceQueue(api, admin, { name: `Lenta ${newDid()}` }, [slowAgent]);
    const queue = await voiceQueue(api, admin, { name: `Rápida ${newDid()}` }, [agent]);
    const slowDid = newDid();
    const did = newDid();
    await routeDid(api, admin, slowDid, { default_queue_id: slowQueue.id });
    await routeDid(api, admin, did, { default_queue_id: queue.id });

    const slowCallerId = `caller-slow-${slowDid}`;
    const releaseAnswer = ari.holdNext('POST', `/ari/channels/${slowCallerId}/answer`);
    releases.push(releaseAnswer);
    const slowCaller = callerDials(ari, { channelId: slowCallerId, did: slowDid, callerNumber: '+5511987651001' });
    await waitFor(() => requestsTo(ari, 'POST', `/channels/${slowCaller.id}/answer`).length === 1, 'answer asked');

    // The first caller's answer is held at the PBX: the second call goes all the way.
    const caller = callerDials(ari, { channelId: `caller-${did}`, did, callerNumber: '+5511987651002' });
    const call = await callOfChannel(api, admin, caller.id);
    await agent.waitFor((r) => r.some((e) => e.event === 'offer_created' && e.data.call_id === call.id), 20_000);
    await waitFor(() => agentLegsOf(ari, call.id).length === 1, 'second caller agent rung');
    const [leg] = agentLegsOf(ari, call.id);
    ari.enterStasis(leg!.channelId, leg!.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'in_progress', 'second answered');

    // Still held: the first caller is routed already (their agent is offered the call), but
    // what needs the caller answered waits for it: no music, and the agent's phone rings
    // in the call's own order, after the answer.
    const slowCall = await callOfChannel(api, admin, slowCaller.id);
    await slowAgent.waitFor((r) => r.some((e) => e.event === 'offer_created' && e.data.call_id === slowCall.id));
    expect(requestsTo(ari, 'POST', `/channels/${slowCaller.id}/moh`)).toHaveLength(0);
    expect(agentLegsOf(ari, slowCall.id)).toHaveLength(0);

    releaseAnswer();
    await waitFor(() => agentLegsOf(ari, slowCall.id).length === 1, 'first caller agent rung once answered');
    expect(requestsTo(ari, 'POST', `/channels/${slowCaller.id}/moh`)).toHaveLength(1);

    for (const id of [caller.id, slowCaller.id]) ari.hangupChannel(id);
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'completed', 'second completed');
    await waitFor(async () => (await callField(api, admin, slowCall.id, 'status')) === 'canceled', 'first canceled');
    slowAgent.disconnect();
    agent.disconnect();
  });

  it("handles a caller's hangup after the ringing of their agent it arrived behind, which it then hangs up", async () => {
    const { api, ari, admin } = t;
    const agent = await phoneAgentOnline(api, admin);
    const queue = await voiceQueue(api, admin, { name: `Ordem ${newDid()}` }, [agent]);
    const did = newDid();
    await routeDid(api, admin, did, { default_queue_id: queue.id });

    // The agent's device is slow to be rung: the originate is held at the PBX.
    const releaseOriginate = ari.holdNext('POST', '/ari/channels');
    releases.push(releaseOriginate);
    const caller = callerDials(ari, { channelId: `caller-${did}`, did, callerNumber: '+5511987651003' });
    const call = await callOfChannel(api, admin, caller.id);
    await waitFor(() => agentLegsOf(ari, call.id).length === 1, 'agent ringing asked');
    const [leg] = agentLegsOf(ari, call.id);

    // The caller hangs up while the ringing step is under way: their end waits for it.
    ari.hangupChannel(caller.id);
    releaseOriginate();
    const isHungUp = (r: { method: string; path: string }) =>
      r.method === 'DELETE' && r.path === `/ari/channels/${leg!.channelId}`;
    await waitFor(() => ari.requests.some(isHungUp), "the agent's leg hung up");
    expect(ari.state.channels.has(leg!.channelId)).toBe(false);
    const originateAt = ari.requests.findIndex(
      (r) => r.method === 'POST' && r.path === '/ari/channels' && r.query.channelId === leg!.channelId,
    );
    const hangupAt = ari.requests.findIndex(isHungUp);
    expect(originateAt).toBeGreaterThanOrEqual(0);
    expect(hangupAt).toBeGreaterThan(originateAt);
    await waitFor(async () => {
      const routing = await api.request('GET', `/api/calls/${call.id}/routing`, { token: admin });
      return routing.body.entries?.[0]?.state === 'abandoned';
    }, 'entry abandoned');
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'canceled', 'call canceled');
    agent.disconnect();
  });
});
