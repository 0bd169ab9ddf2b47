/**
 * Exactly-once for a call in a voice queue when the node that owns the PBX dies between
 * the offer and its answer (issue 11, ADR 23): three Switchboard processes on one
 * PostgreSQL database and one Redis, all configured with the ARI emulator; one holds the
 * ARI lease (calls.ownership.ts) and with it the events WebSocket, the callers' music and
 * the agents' ringing legs. A caller waits in a voice queue (offer_mode accept), the
 * engine offers the call and the owner rings the agent's phone; the owner is killed with
 * SIGKILL before the phone is answered: no shutdown, no lease released. Each agent has a
 * socket on every node, as two browser tabs behind a balancer would, so they stay online.
 *
 * 1. The agent's phone is answered after a survivor took the lease: the survivor adopted
 *    the ringing leg (no second ring), accepts the offer and bridges caller and agent, once.
 * 2. Nobody answers: a survivor expires the offer, hangs the first phone up and rings the
 *    other agent, whose answer is bridged; the first agent's leg never is.
 *
 * PostgreSQL only: PGlite is one process's embedded database and cannot be shared.
 */
import { describe, expect, it } from 'vitest';
import type { AriEmulator } from '../support/ari-emulator.js';
import { callerDials } from '../support/ari-emulator.queue.js';
import { ARI_APP as APP, killNode, skipClusterSuite, useCluster, type ClusterAgent } from '../support/cluster.js';
import { requestsTo, waitFor } from '../support/pbx.js';
import type { ServerProcess } from '../support/server-process.js';
import { agentLegsOf, hangupsOf, newDid } from '../support/voice-queue.js';

const skip = skipClusterSuite('voice routing with the PBX node killed between offer and answer (server processes)');

interface EntryRow {
  id: string;
  state: string;
  assigned_to: string | null;
  end_reason: string | null;
}
interface OfferRow {
  id: string;
  agent_id: string;
  state: string;
}

describe.skipIf(skip)('voice routing when the node owning the PBX is killed', () => {
  let agents: ClusterAgent[] = [];
  let ari: AriEmulator;
  let adminToken: string;
  const cluster = useCluster({
    name: 'routing-kill-voice',
    withPbx: true,
    env: () => ({
      AUDIOSOCKET_ENABLED: 'false',
      TTS_ENGINE: 'none',
      ASTERISK_MEDIA_BASE_URL: 'http://switchboard.test:3000',
    }),
    async setUp(started) {
      ({ ari, adminToken } = started);
      agents = await started.createAgents(2, 'Agente Voz');
      await started.connectEverywhere(agents);
      await started.waitForPbxOwner();
    },
  });
  const { alive, rows, waitForPbxOwner: waitForOwner } = cluster;

  /** SIGKILLs the owner; resolves with the survivor that took the lease and adopted the waiting caller. */
  async function killOwner(owner: ServerProcess): Promise<ServerProcess> {
    await killNode(owner);
    const next = await waitForOwner();
    expect(next).not.toBe(owner);
    expect(ari.openWebSocketCount).toBe(1);
    await waitFor(
      () => next.logs.some((line) => line.msg === 'voice queue calls reconciled with the PBX'),
      'the new owner adopting the waiting caller',
      30_000,
    );
    return next;
  }

  async function voiceQueue(name: string, offerTimeoutSeconds: number): Promise<string> {
    const [a] = alive();
    const queue = await a!.request('POST', '/api/queues', adminToken, {
      name,
      channels: ['voice'],
      strategy: 'longest_idle',
      offer_mode: 'accept',
      offer_timeout_seconds: offerTimeoutSeconds,
    });
    expect(queue.status).toBe(201);
    const members = await a!.request(
      'PUT',
      `/api/queues/${queue.body.id}/members`,
      adminToken,
      agents.map((agent) => ({ user_id: agent.id })),
    );
    expect(members.status).toBe(200);
    return queue.body.id as string;
  }

  /** A caller dials a DID of the queue; resolves with their call once its first agent leg rings. */
  async function callerWaitsAndRings(queueId: string, callerNumber: string) {
    const did = newDid();
    const routed = await alive()[0]!.request('PUT', `/api/voice/entry-points/${did}`, adminToken, {
      default_queue_id: queueId,
    });
    expect(routed.status).toBe(200);
    const caller = callerDials(ari, { channelId: `caller-${did}`, did, callerNumber });
    let callId = '';
    await waitFor(
      async () => {
        const [row] = await rows<{ id: string }>(`select id from calls where customer_channel_id = $1`, [caller.id]);
        callId = row?.id ?? '';
        return callId !== '' && agentLegsOf(ari, callId).length === 1;
      },
      'the caller enqueued and an agent rung',
      30_000,
    );
    const [leg] = agentLegsOf(ari, callId);
    const agent = agents.find((a) => leg!.endpoint === `PJSIP/${a.sipUsername}`)!;
    expect(agent).toBeDefined();
    expect(leg!.appArgs[0]).toBe('queue-agent');
    return { caller, callId, leg: leg!, agent };
  }

  const entriesOfCall = (callId: string) =>
    rows<EntryRow>(
      `select id, state, assigned_to, end_reason from queue_entries where call_id = $1 order by enqueued_at, id`,
      [callId],
    );
  const offersOfCall = (callId: string) =>
    rows<OfferRow>(
      `select o.id, o.agent_id, o.state from routing_offers o join queue_entries e on e.id = o.entry_id
        where e.call_id = $1 order by o.offered_at, o.id`,
      [callId],
    );
  const callOf = async (node: ServerProcess, callId: string) =>
    (await node.request('GET', `/api/calls/${callId}`, adminToken)).body;
  const agentChannelOf = async (callId: string) =>
    (await rows<{ agent_channel_id: string | null }>(`select agent_channel_id from calls where id = $1`, [callId]))[0]
      ?.agent_channel_id;
  /** Bridges that hold the caller's channel: one, with exactly one agent leg. */
  const bridgesWith = (channelId: string) =>
    [...ari.state.bridges.values()].filter((b) => b.channels.includes(channelId));

  /** The caller hangs up: the call and its entry end, the agent is free again. */
  async function hangUpAndSettle(node: ServerProcess, callId: string, callerChannelId: string, agent: ClusterAgent) {
    ari.hangupChannel(callerChannelId);
    await waitFor(async () => (await callOf(node, callId)).status === 'completed', 'the call completed', 30_000);
    await waitFor(
      async () => (await entriesOfCall(callId)).every((e) => e.state === 'completed'),
      'the entry completed',
      30_000,
    );
    await waitFor(
      async () => (await node.request('GET', '/api/presence/me', agent.token)).body.status === 'online',
      'the agent back online',
      30_000,
    );
  }

  it(
    'the phone is answered after a survivor took the lease: that agent gets the call, bridged once',
    { timeout: 180_000 },
    async () => {
      // Long enough that the offer outlives the takeover on a busy machine.
      const queueId = await voiceQueue('Vendas (voz)', 90);
      const owner = await waitForOwner();
      const { caller, callId, leg, agent } = await callerWaitsAndRings(queueId, '+5511987652001');
      const [offer] = await offersOfCall(callId);
      expect(offer).toMatchObject({ agent_id: agent.id, state: 'offered' });
      expect(leg.appArgs).toEqual(['queue-agent', callId, offer!.id]);

      const next = await killOwner(owner);
      // The survivor found the leg still ringing and watches it: the phone is not rung twice.
      // (The survivor rings it again under the same channel id, which Asterisk refuses while it rings.)
      expect([...new Set(agentLegsOf(ari, callId).map((l) => l.channelId))]).toEqual([leg.channelId]);
      await waitFor(
        () => requestsTo(ari, 'POST', `/channels/${caller.id}/moh`).length === 2,
        'music again for the adopted caller',
        20_000,
      );

      ari.enterStasis(leg.channelId, leg.appArgs, { app: APP });
      await waitFor(async () => (await callOf(next, callId)).status === 'in_progress', 'answered', 30_000);
      // Any node tells the same: the offered agent, on the leg that rang.
      const call = await callOf(
        alive().find((n) => n !== next)!,
        callId,
      );
      expect(call).toMatchObject({ agent_id: agent.id, status: 'in_progress' });
      expect(await agentChannelOf(callId)).toBe(leg.channelId);
      const bridges = bridgesWith(caller.id);
      expect(bridges).toHaveLength(1);
      expect([...bridges[0]!.channels].sort()).toEqual([caller.id, leg.channelId].sort());
      expect(hangupsOf(ari, leg.channelId)).toHaveLength(0);

      expect(await entriesOfCall(callId)).toEqual([
        { id: expect.any(String), state: 'assigned', assigned_to: agent.id, end_reason: null },
      ]);
      expect((await offersOfCall(callId)).map((o) => [o.id, o.agent_id, o.state])).toEqual([
        [offer!.id, agent.id, 'accepted'],
      ]);
      // The answer cannot be taken twice, whichever node is asked.
      for (const node of alive()) {
        const again = await node.request('POST', `/api/routing/offers/${offer!.id}/accept`, agent.token);
        expect(again.status).toBe(409);
      }
      const routing = await next.request('GET', `/api/calls/${callId}/routing`, adminToken);
      expect(routing.status).toBe(200);
      expect(routing.body).toMatchObject({ call_id: callId, queue_id: queueId, offered_agents: [agent.id] });

      await hangUpAndSettle(next, callId, caller.id, agent);
      expect(await entriesOfCall(callId)).toEqual([
        { id: expect.any(String), state: 'completed', assigned_to: agent.id, end_reason: expect.any(String) },
      ]);
    },
  );

  it(
    'nobody answers: a survivor expires the offer, hangs up the first phone and the other agent gets the call, once',
    { timeout: 240_000 },
    async () => {
      // Longer than a takeover, so the survivor adopts the ringing leg before the offer runs out.
      const queueId = await voiceQueue('Suporte (voz)', 20);
      const owner = await waitForOwner();
      const { caller, callId, leg: firstLeg, agent: first } = await callerWaitsAndRings(queueId, '+5511987652002');
      const other = agents.find((a) => a.id !== first.id)!;
      const next = await killOwner(owner);
      expect(alive()).toHaveLength(1);

      // The offer runs out (the survivor's sweep): the first phone is hung up, the other one rings.
      let secondLegs: ReturnType<typeof agentLegsOf> = [];
      await waitFor(
        () =>
          (secondLegs = agentLegsOf(ari, callId).filter((l) => l.endpoint === `PJSIP/${other.sipUsername}`)).length ===
          1,
        'the other agent rung',
        90_000,
      );
      await waitFor(() => hangupsOf(ari, firstLeg.channelId).length === 1, 'the first phone hung up', 30_000);
      expect(ari.state.channels.has(firstLeg.channelId)).toBe(false);
      const offers = await offersOfCall(callId);
      expect(offers.map((o) => [o.agent_id, o.state])).toEqual([
        [first.id, 'expired'],
        [other.id, 'offered'],
      ]);
      const secondLeg = secondLegs[0]!;
      expect(secondLeg.appArgs).toEqual(['queue-agent', callId, offers[1]!.id]);
      // The first agent answers too late, through the console: refused.
      const late = await next.request('POST', `/api/routing/offers/${offers[0]!.id}/accept`, first.token);
      expect(late.status).toBe(409);

      ari.enterStasis(secondLeg.channelId, secondLeg.appArgs, { app: APP });
      await waitFor(async () => (await callOf(next, callId)).status === 'in_progress', 'answered', 30_000);
      expect(await callOf(next, callId)).toMatchObject({ agent_id: other.id });
      expect(await agentChannelOf(callId)).toBe(secondLeg.channelId);
      const bridges = bridgesWith(caller.id);
      expect(bridges).toHaveLength(1);
      expect([...bridges[0]!.channels].sort()).toEqual([caller.id, secondLeg.channelId].sort());
      expect(await entriesOfCall(callId)).toEqual([
        { id: expect.any(String), state: 'assigned', assigned_to: other.id, end_reason: null },
      ]);
      expect((await offersOfCall(callId)).map((o) => [o.agent_id, o.state])).toEqual([
        [first.id, 'expired'],
        [other.id, 'accepted'],
      ]);
      // Two phones rang, each once (the survivor's ring of the first leg's id was refused while it rang).
      expect([...new Set(agentLegsOf(ari, callId).map((l) => l.channelId))]).toEqual([
        firstLeg.channelId,
        secondLeg.channelId,
      ]);
      const routing = await next.request('GET', `/api/calls/${callId}/routing`, adminToken);
      expect(routing.body).toMatchObject({ queue_id: queueId, offered_agents: [first.id, other.id] });

      await hangUpAndSettle(next, callId, caller.id, other);
      expect((await callOf(next, callId)).agent_id).toBe(other.id);
    },
  );
});
