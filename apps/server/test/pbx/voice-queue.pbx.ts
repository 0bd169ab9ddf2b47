/**
 * A voice queue on a real Asterisk 22.10.1: the carrier (SIPp) calls a DID the kit hands
 * to Switchboard with [sb-to-queue]; two agents' SIPp phones are registered. The caller is
 * answered into music (heard: energy at the caller's own RTP socket) while the first
 * agent's phone rings out, the second agent answers and is bridged (the caller hears their
 * tone); a second caller hangs up while waiting and is counted as abandoned.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectSocket } from '../support/socket.js';
import { waitForCall } from './support/calls.js';
import { startPbxHarness, type PbxHarness, type Phone } from './support/harness.js';
import { freeUdpPort, waitUntil } from './support/processes.js';
import { RtpPeer } from './support/rtp.js';
import { Sipp } from './support/sipp.js';

const CALLER = '11987654321';
/** The second agent's phone: a tone the music on hold barely has. */
const AGENT_HZ = 1_800;

describe.skipIf(inject('pbxSkipReason'))('a voice queue on a real Asterisk', () => {
  let pbx: PbxHarness;
  let admin: string;
  const peers: RtpPeer[] = [];

  beforeAll(async () => {
    pbx = await startPbxHarness();
    admin = await pbx.api.adminToken();
  });
  afterAll(async () => {
    for (const peer of peers) await peer.close();
    await pbx?.close();
  });

  const online = async (phone: Phone) => {
    const socket = await connectSocket(pbx.api.baseUrl, { token: phone.token });
    const ack = await new Promise<{ ok: boolean }>((resolve) =>
      socket.socket.emit('update_status', { status: 'online' }, resolve),
    );
    expect(ack.ok).toBe(true);
    return socket;
  };

  const queueWithDid = async (did: string, name: string, members: Phone[]) => {
    const queue = await pbx.api.request('POST', '/api/queues', {
      token: admin,
      body: { name, channels: ['voice'], offer_mode: 'accept', offer_timeout_seconds: 3 },
    });
    expect(queue.status).toBe(201);
    const set = await pbx.api.request('PUT', `/api/queues/${queue.body.id}/members`, {
      token: admin,
      body: members.map((m, index) => ({ user_id: m.userId, priority: index })),
    });
    expect(set.status).toBe(200);
    pbx.asterisk.mapDid(did, 'sb-to-queue,s,1');
    const routed = await pbx.api.request('PUT', `/api/voice/entry-points/${did}`, {
      token: admin,
      body: { default_queue_id: queue.body.id },
    });
    expect(routed.status).toBe(200);
    return queue.body.id as string;
  };

  const callFromCarrier = (did: string, pauseMs: number) =>
    Sipp.start({
      scenario: 'call',
      port: pbx.carrierUacPort,
      remote: pbx.sipAddress,
      service: did,
      keys: { caller: CALLER },
      pauseMs,
      toneHz: 700,
    });

  it('rings the first agent, who does not answer, then the second, who does: bridged until the caller hangs up', async () => {
    const first = await pbx.phone();
    const second = await pbx.phone();
    const firstSocket = await online(first);
    const secondSocket = await online(second);
    const queueId = await queueWithDid('551130009001', 'Atendimento', [first, second]);
    const manager = await connectSocket(pbx.api.baseUrl, { token: admin });
    const firstPhone = await Sipp.start({ scenario: 'ring', port: first.port });
    const secondPhone = await Sipp.start({ scenario: 'answer', port: second.port, toneHz: AGENT_HZ });

    // The caller's media is the test's own socket, to hear what Asterisk plays them.
    const callerRtp = await RtpPeer.start(await freeUdpPort(2), 700);
    peers.push(callerRtp);
    const carrier = await Sipp.start({
      scenario: 'call-media',
      port: pbx.carrierUacPort,
      remote: pbx.sipAddress,
      service: '551130009001',
      keys: { caller: CALLER, rtp_port: String(callerRtp.port) },
      pauseMs: 15_000,
    });
    await manager.waitFor((r) => r.some((e) => e.event === 'call_initiated'), 15_000);
    const callId = manager.received.find((e) => e.event === 'call_initiated')!.data.call_id as string;
    await firstSocket.waitFor((r) => r.some((e) => e.event === 'offer_expired' && e.data.call_id === callId), 20_000);
    // The first agent's phone rang for 3 s before the second was even offered the call: the
    // caller's first 2 s of audio are the queue's music on hold, not an agent.
    const heardFrom = callerRtp.received[0]!.atMs;
    const onHold = callerRtp.received.filter((f) => f.atMs < heardFrom + 2_000);
    expect(onHold.length).toBeGreaterThan(50);
    expect(callerRtp.rms(heardFrom, heardFrom + 2_000)).toBeGreaterThan(300);
    const call = await waitForCall(pbx, admin, callId, 'in_progress');
    // Bridged: the caller now hears the second agent's phone, not the music.
    const bridgedAt = callerRtp.now();
    await waitUntil(() => callerRtp.framesSince(bridgedAt) >= 100, 20_000, 'two seconds of the agent');
    expect(callerRtp.toneShare(AGENT_HZ, bridgedAt)).toBeGreaterThan(0.5);
    expect(call).toMatchObject({ direction: 'inbound', agent_id: second.userId, from_number: `+55${CALLER}` });
    await secondSocket.waitFor((r) => r.some((e) => e.event === 'entry_assigned' && e.data.call_id === callId));
    const routing = (await pbx.api.request('GET', `/api/calls/${callId}/routing`, { token: admin })).body;
    expect(routing).toMatchObject({ queue_id: queueId, offered_agents: [first.userId, second.userId] });

    const ended = await waitForCall(pbx, admin, callId, 'completed');
    expect(ended.ended_by).toBe('customer');
    expect((await carrier.done).code).toBe(0);
    expect((await secondPhone.done).code).toBe(0);
    expect((await firstPhone.done).code).toBe(0);
    for (const socket of [firstSocket, secondSocket, manager]) socket.socket.close();
  });

  it('counts a caller who hangs up while waiting as abandoned, with their wait', async () => {
    const queueId = await queueWithDid('551130009002', 'Sem atendentes', []);
    const manager = await connectSocket(pbx.api.baseUrl, { token: admin });
    const carrier = await callFromCarrier('551130009002', 6_000);
    await manager.waitFor((r) => r.some((e) => e.event === 'entry_abandoned'), 30_000);
    const abandoned = manager.received.find((e) => e.event === 'entry_abandoned')!.data;
    expect(abandoned).toMatchObject({ queue_id: queueId, state: 'abandoned', end_reason: 'caller_hangup' });
    expect(abandoned.wait_seconds).toBeGreaterThanOrEqual(5);
    // The kit's [default] class played while they waited: Asterisk complains when it cannot.
    expect(pbx.asterisk.logLines().filter((line) => /music on hold/i.test(line))).toEqual([]);
    expect((await carrier.done).code).toBe(0);
    manager.socket.close();
  });
});
