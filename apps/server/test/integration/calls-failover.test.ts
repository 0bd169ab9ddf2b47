/**
 * Any node controls calls (issue 16, ADR 23): three Switchboard processes over one
 * PostgreSQL database and one Redis, all configured with the ARI emulator. One holds the
 * ARI lease and the events WebSocket; the others forward call commands to it. The owner
 * is killed with SIGKILL mid-call (no shutdown, no lease released), twice: three nodes to
 * two, then two to one. Takeover times are measured and printed, not asserted (a busy
 * machine is no benchmark).
 *
 * PostgreSQL only: PGlite is one process's embedded database and cannot be shared by three.
 */
import { describe, expect, it } from 'vitest';
import type { AriEmulator } from '../support/ari-emulator.js';
import { ARI_APP as APP, skipClusterSuite, useCluster } from '../support/cluster.js';
import { waitFor } from '../support/pbx.js';
import type { ServerProcess } from '../support/server-process.js';

const skip = skipClusterSuite('calls failover (server processes)');

describe.skipIf(skip)('calls across three server processes when the PBX owner dies', () => {
  let ari: AriEmulator;
  let agent: { token: string };
  const cluster = useCluster({
    name: 'failover',
    withPbx: true,
    async setUp(started) {
      ari = started.ari;
      const [one] = await started.createAgents(1, 'Agent Failover');
      agent = one!;
    },
  });
  const { alive, waitForPbxOwner: waitForOwner } = cluster;
  const originates = () =>
    ari.requests
      .filter((r) => r.method === 'POST' && r.path === '/ari/channels')
      .map((r) => ({ channelId: r.query.channelId ?? '', appArgs: (r.query.appArgs ?? '').split(',') }));
  const getCall = async (node: ServerProcess, callId: string) =>
    (await node.request('GET', `/api/calls/${callId}`, agent.token)).body;

  /** Click-to-call sent to `via`, answered by both sides in the emulator. */
  async function answeredCall(via: ServerProcess) {
    const made = await via.request('POST', '/api/calls/make', agent.token, { to: '+55 11 98765-4321' });
    expect(made.status).toBe(201);
    const callId: string = made.body.id;
    const agentLeg = originates().find((o) => o.appArgs[0] === 'outbound' && o.appArgs[1] === callId)!;
    expect(agentLeg).toBeDefined();
    ari.enterStasis(agentLeg.channelId, agentLeg.appArgs, { app: APP });
    await waitFor(
      () => originates().some((o) => o.appArgs[0] === 'outbound-customer' && o.appArgs[1] === callId),
      'customer dialled',
      20_000,
    );
    const customerLeg = originates().find((o) => o.appArgs[0] === 'outbound-customer' && o.appArgs[1] === callId)!;
    ari.enterStasis(customerLeg.channelId, customerLeg.appArgs, { app: APP });
    await waitFor(async () => (await getCall(via, callId)).status === 'in_progress', 'answered', 20_000);
    return { callId, agentLeg, customerLeg };
  }

  /** SIGKILLs the owner and waits for another node to own the PBX; prints how long it took. */
  async function killOwner(owner: ServerProcess, label: string) {
    const socketsBefore = ari.webSocketsOpened;
    const killedAt = Date.now();
    await owner.kill();
    const next = await waitForOwner();
    const takeoverMs = Date.now() - killedAt;
    console.log(`failover ${label}: ${next.name} owns the PBX ${takeoverMs} ms after ${owner.name} was killed`);
    expect(next).not.toBe(owner);
    expect(ari.webSocketsOpened).toBeGreaterThan(socketsBefore);
    expect(ari.openWebSocketCount).toBe(1);
    return { next, killedAt };
  }

  it('has one owner with the only events WebSocket, and runs an action sent to another node on the owner', async () => {
    const owner = await waitForOwner();
    expect(ari.openWebSocketCount).toBe(1);
    const other = alive().find((node) => node !== owner)!;
    const { callId } = await answeredCall(other);
    // Click-to-call reached `other`, which has no PBX link: the owner ran it.
    expect(
      owner.logs.some(
        (line) =>
          line.msg === 'executing a call command forwarded by another node' && line.command === 'calls.makeCall',
      ),
    ).toBe(true);
    // A refusal comes back as the owner's own problem+json.
    const again = await other.request('POST', `/api/calls/${callId}/answer`, agent.token);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'call.not_ringing', status: 409 });
    const hungUp = await other.request('POST', `/api/calls/${callId}/hangup`, agent.token);
    expect(hungUp.status).toBe(200);
    expect(hungUp.body).toMatchObject({ id: callId, status: 'completed', ended_by: 'agent' });
  });

  it('survives a SIGKILL of the owner mid-call: another node owns the PBX, the call goes on, a hangup on any node ends it', async () => {
    const owner = await waitForOwner();
    const { callId, agentLeg, customerLeg } = await answeredCall(owner);
    const { next } = await killOwner(owner, '3 → 2 nodes');
    // The new owner reconciled and found both legs still in Stasis: the call goes on.
    await waitFor(
      () => next.logs.some((line) => line.msg === 'ari channels reconciled'),
      'the new owner reconciled',
      20_000,
    );
    const standby = alive().find((node) => node !== next)!;
    expect((await getCall(standby, callId)).status).toBe('in_progress');
    expect(ari.state.channels.has(agentLeg.channelId) && ari.state.channels.has(customerLeg.channelId)).toBe(true);

    // Hold and unhold through the node on standby: the new owner drives the bridge.
    const held = await standby.request('POST', `/api/calls/${callId}/hold`, agent.token);
    expect(held.status).toBe(200);
    expect(held.body.held_at).toEqual(expect.any(String));
    const unheld = await standby.request('POST', `/api/calls/${callId}/unhold`, agent.token);
    expect(unheld.status).toBe(200);

    const hungUp = await standby.request('POST', `/api/calls/${callId}/hangup`, agent.token);
    expect(hungUp.status).toBe(200);
    expect(hungUp.body).toMatchObject({ status: 'completed', ended_by: 'agent' });
    const deleted = ari.requests.filter((r) => r.method === 'DELETE' && r.path.startsWith('/ari/channels/'));
    expect(deleted.map((r) => r.path)).toEqual(
      expect.arrayContaining([`/ari/channels/${agentLeg.channelId}`, `/ari/channels/${customerLeg.channelId}`]),
    );
  });

  it('ends a call whose customer hung up while no node listened at the dead owner’s last sign of life (2 → 1 node)', async () => {
    const owner = await waitForOwner();
    const standby = alive().find((node) => node !== owner)!;
    const { callId, customerLeg } = await answeredCall(standby);
    const answeredAt = Date.parse((await getCall(standby, callId)).answered_at);
    const killing = killOwner(owner, '2 → 1 node');
    // The customer hangs up while the dead owner's lease runs out: nobody hears it.
    await waitFor(() => !owner.isAlive(), 'owner dead');
    const hungUpAt = Date.now();
    ari.hangupChannel(customerLeg.channelId, 16);
    const { next, killedAt } = await killing;
    expect(next).toBe(standby);
    await waitFor(async () => (await getCall(standby, callId)).status === 'completed', 'reconciled', 20_000);
    const call = await getCall(standby, callId);
    expect(call.ended_by).toBe('system');
    const endedAt = Date.parse(call.ended_at);
    // The dead owner's last renewal: before it was killed (and before the hang-up), never before the answer.
    expect(endedAt).toBeGreaterThanOrEqual(answeredAt);
    expect(endedAt).toBeLessThanOrEqual(Math.min(killedAt, hungUpAt));
    // Its bridge is gone and its recording closed at the same moment, though the dead owner started it.
    await waitFor(() => !ari.state.bridges.has(callId), 'bridge destroyed', 20_000);
    // The reconciliation ends the call first, then closes what it carried (bridge, recording).
    const recordingsOf = () =>
      cluster.rows<{ status: string; ended_at: Date }>(
        'select status, ended_at from call_recordings where call_id = $1',
        [callId],
      );
    await waitFor(async () => (await recordingsOf()).every((r) => r.status === 'done'), 'recording closed', 20_000);
    const recordings = await recordingsOf();
    expect(recordings).toEqual([{ status: 'done', ended_at: new Date(call.ended_at) }]);
    // A command on the last node runs locally: it owns the PBX.
    const again = await standby.request('POST', `/api/calls/${callId}/hangup`, agent.token);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'call.not_active' });
  });
});
