/**
 * Any node controls calls (issue 16, ADR 23) on a real Asterisk 22.10.1: two Switchboard
 * processes on the suite's PostgreSQL and one Redis, both pointed at the same Asterisk.
 * One holds the ARI lease and the events WebSocket. A call between an agent's SIPp phone
 * and the carrier is up through it when it is killed with SIGKILL: the other node takes
 * the lease (the time is printed, not asserted), the call carries on (RTP both ways), and a
 * hangup sent to the survivor ends it on the PBX (both SIPp legs get their BYE), with the
 * call record and its recording right. Then a clean hand-over: SIGTERM releases the lease.
 * Last, the gap itself: an agent who answers while no node owns the PBX is hung up by
 * Asterisk (the Stasis application has no WebSocket, so it does not exist), and the next
 * owner fails the call.
 *
 * Each phone's media is the test's own RTP socket (support/rtp.ts): the agent sends 440 Hz,
 * the customer 1000 Hz, so "the call carries on" means each hears the other's tone after
 * the owner died.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { skipWithoutRedis, startRedis, type TestRedis } from '../support/redis.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { audioStats, channels, CUSTOMER_NUMBER } from './support/calls.js';
import { startPbxHarness, transitionsOf, type PbxHarness, type Phone } from './support/harness.js';
import { freeUdpPort, waitUntil } from './support/processes.js';
import { RtpPeer } from './support/rtp.js';
import { Sipp, type Scenario } from './support/sipp.js';

const ANSWER_MEDIA = 'answer-media' as Scenario;
const AGENT_HZ = 440;
const CUSTOMER_HZ = 1_000;

describe.skipIf(inject('pbxSkipReason') || skipWithoutRedis)(
  'failover between two Switchboard nodes on a real Asterisk',
  () => {
    let pbx: PbxHarness;
    let redis: TestRedis;
    let dataDir: string;
    let env: Record<string, string>;
    const nodes: ServerProcess[] = [];
    const peers: RtpPeer[] = [];
    /** This test's phones: stopped after it, so that one failure never holds the next test's SIP port. */
    let phones: Sipp[] = [];
    let phone: Phone;

    const alive = () => nodes.filter((node) => node.isAlive());
    const pbxState = async (node: ServerProcess): Promise<string | undefined> =>
      (await node.request('GET', '/ready').catch(() => undefined))?.body?.checks?.pbx;
    /** The one live node whose PBX link is up, the others on standby; undefined until so. */
    async function findOwner(): Promise<ServerProcess | undefined> {
      const states = await Promise.all(alive().map(async (node) => [node, await pbxState(node)] as const));
      const up = states.filter(([, state]) => state === 'up');
      if (up.length !== 1 || states.some(([, state]) => state !== 'up' && state !== 'standby')) return undefined;
      return up[0]?.[0];
    }
    async function waitForOwner(): Promise<ServerProcess> {
      let owner: ServerProcess | undefined;
      await waitUntil(async () => (owner = await findOwner()) !== undefined, 60_000, 'one node owning the PBX', 100);
      return owner!;
    }
    const getCall = async (node: ServerProcess, callId: string) =>
      (await node.request('GET', `/api/calls/${callId}`, phone.token)).body;
    const waitForStatus = async (node: ServerProcess, callId: string, status: string) => {
      let seen: any;
      await waitUntil(
        async () => (seen = await getCall(node, callId)).status === status,
        30_000,
        `call ${callId} to be ${status} on ${node.name} (last seen: ${JSON.stringify(seen?.status)})`,
        200,
      );
      return seen;
    };

    /** A SIPp that answers with `toneHz` sent from the test's RTP socket. */
    const answering = async (port: number, toneHz: number) => {
      const rtp = await RtpPeer.start(await freeUdpPort(2), toneHz);
      peers.push(rtp);
      const sipp = await Sipp.start({
        scenario: ANSWER_MEDIA,
        port,
        keys: { rtp_port: String(rtp.port) },
        timeoutSeconds: 180,
      });
      phones.push(sipp);
      return { rtp, sipp };
    };

    /** Waits for 2 s of audio at `peer` from now on and returns the share of `hz` in it. */
    const hears = async (peer: RtpPeer, hz: number) => {
      const since = peer.now();
      await waitUntil(() => peer.framesSince(since) >= 100, 20_000, 'two seconds of audio');
      return peer.toneShare(hz, since);
    };

    /** Click-to-call sent to `via` and answered by the agent's phone and the carrier. */
    async function answeredCall(via: ServerProcess) {
      const agent = await answering(phone.port, AGENT_HZ);
      const customer = await answering(pbx.carrierUasPort, CUSTOMER_HZ);
      const made = await via.request('POST', '/api/calls/make', phone.token, { to: CUSTOMER_NUMBER });
      expect(made.status).toBe(201);
      const callId = made.body.id as string;
      await waitForStatus(via, callId, 'in_progress');
      expect(await hears(agent.rtp, CUSTOMER_HZ)).toBeGreaterThan(0.5);
      return { callId, agent, customer };
    }

    /** Stops the owner with `signal` and waits for the other node to own the PBX; prints how long it took. */
    async function replaceOwner(owner: ServerProcess, signal: 'SIGKILL' | 'SIGTERM') {
      const stoppedAt = Date.now();
      if (signal === 'SIGKILL') await owner.kill();
      else await owner.stop();
      const next = await waitForOwner();
      const takeoverMs = Date.now() - stoppedAt;
      console.log(
        `pbx failover (${signal}): ${next.name} owns the ARI application ${takeoverMs} ms after ${owner.name} was stopped`,
      );
      expect(next).not.toBe(owner);
      return next;
    }

    beforeAll(async () => {
      pbx = await startPbxHarness({ switchboard: false });
      redis = await startRedis();
      dataDir = mkdtempSync(join(tmpdir(), 'switchboard-pbx-failover-'));
      env = {
        ...pbx.env,
        DATA_DIR: dataDir,
        REDIS_URL: redis.url,
        REDIS_CHANNEL: 'switchboard-pbx-failover:events',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
      };
      // The first creates the company and its administrator; then the second.
      nodes.push(await startServerProcess('a', env));
      nodes.push(await startServerProcess('b', env));
      pbx.useSwitchboard(nodes[0]!.baseUrl);
      phone = await pbx.phone();
    }, 300_000);

    /** What a failed test leaves to read: who heard what, what Asterisk holds, what the nodes warned of. */
    function explainFailure(): void {
      const media = peers.map(
        (peer) => `rtp :${peer.port} (${peer.toneHz} Hz) received ${peer.received.length} frames`,
      );
      const warnings = nodes.flatMap((node) =>
        node.logs.filter((line) => Number(line.level) >= 40).map((line) => `${node.name}: ${JSON.stringify(line)}`),
      );
      console.log(
        [
          ...media,
          pbx.asterisk.cli('core show channels verbose'),
          pbx.asterisk.cli('bridge show all'),
          ...warnings.slice(-40),
        ].join('\n'),
      );
    }

    beforeEach((context) => context.onTestFailed(explainFailure));

    afterEach(async () => {
      await Promise.all(phones.map((sipp) => sipp.stop()));
      phones = [];
      // A failed test's call may still be up: hang it up so the next test starts with none.
      if (channels(pbx).length > 0) pbx.asterisk.cli('channel request hangup all');
      await waitUntil(() => channels(pbx).length === 0, 15_000, 'no channel left after the test');
    });

    afterAll(async () => {
      for (const peer of peers) await peer.close();
      await Promise.all(nodes.map((node) => node.stop()));
      await pbx?.close();
      await redis?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }, 180_000);

    it('SIGKILL of the owner mid-call: the other node takes the lease, the call carries on, a hangup sent to it ends the call', async () => {
      const owner = await waitForOwner();
      const survivor = alive().find((node) => node !== owner)!;
      const { callId, agent, customer } = await answeredCall(owner);

      const next = await replaceOwner(owner, 'SIGKILL');
      expect(next).toBe(survivor);
      await waitUntil(
        () => survivor.logs.some((line) => line.msg === 'ari channels reconciled'),
        20_000,
        'the new owner to reconcile',
      );
      // Both legs were still in Stasis: the call is on, and the media never went through Switchboard.
      expect((await getCall(survivor, callId)).status).toBe('in_progress');
      expect(await hears(agent.rtp, CUSTOMER_HZ)).toBeGreaterThan(0.5);
      expect(await hears(customer.rtp, AGENT_HZ)).toBeGreaterThan(0.5);

      const hungUp = await survivor.request('POST', `/api/calls/${callId}/hangup`, phone.token);
      expect(hungUp.status).toBe(200);
      expect(hungUp.body).toMatchObject({ id: callId, status: 'completed', ended_by: 'agent' });
      // The real PBX released both legs: each SIPp got its BYE and answered it.
      await Promise.all([agent.sipp.succeeded(), customer.sipp.succeeded()]);
      await waitUntil(() => channels(pbx).length === 0, 15_000, 'no channel left on Asterisk');
      const transitions = await transitionsOf(pbx.sql, callId);
      expect(transitions.at(-1)).toMatch(/^in_progress→completed/);
      expect(transitions.filter((t) => t.includes('→completed'))).toHaveLength(1);

      // The recording the dead owner started on the bridge was closed by the survivor and is served whole.
      await waitUntil(
        async () =>
          (await pbx.sql.query('select status from call_recordings where call_id = $1', [callId])).rows.every(
            (row) => row.status === 'done',
          ),
        20_000,
        'the recording to be closed',
      );
      const call = await getCall(survivor, callId);
      expect(call).toMatchObject({ status: 'completed', ended_by: 'agent', has_recording: true });
      const audio = await fetch(`${survivor.baseUrl}/api/calls/${callId}/recording`, {
        headers: { authorization: `Bearer ${phone.token}` },
      });
      expect(audio.status).toBe(200);
      const stats = audioStats(Buffer.from(await audio.arrayBuffer()));
      expect(stats.seconds).toBeGreaterThan(4);
      expect(stats.rms).toBeGreaterThan(0.05);
    }, 180_000);

    it('SIGTERM of the owner hands the lease over at once; the call goes on and ends through the new owner', async () => {
      nodes.push(await startServerProcess('c', env));
      const owner = await waitForOwner();
      const standby = alive().find((node) => node !== owner)!;
      // Placed through the node on standby: the owner runs it.
      const { callId, agent, customer } = await answeredCall(standby);

      const next = await replaceOwner(owner, 'SIGTERM');
      expect(next).toBe(standby);
      expect((await getCall(standby, callId)).status).toBe('in_progress');
      expect(await hears(customer.rtp, AGENT_HZ)).toBeGreaterThan(0.5);

      const hungUp = await standby.request('POST', `/api/calls/${callId}/hangup`, phone.token);
      expect(hungUp.status).toBe(200);
      expect(hungUp.body).toMatchObject({ status: 'completed', ended_by: 'agent' });
      await Promise.all([agent.sipp.succeeded(), customer.sipp.succeeded()]);
      await waitUntil(() => channels(pbx).length === 0, 15_000, 'no channel left on Asterisk');
    }, 180_000);

    it('an agent who answers while no node owns the PBX is hung up by Asterisk, and the next owner fails the call', async () => {
      // One node left: killing it leaves nobody listening to the Stasis application.
      const owner = await waitForOwner();
      await Promise.all(
        alive()
          .filter((node) => node !== owner)
          .map((node) => node.stop()),
      );
      // The agent’s phone rings 3.5 s before it answers.
      const agentPhone = await Sipp.start({
        scenario: 'answer-late',
        port: phone.port,
        pauseMs: 3_500,
        timeoutSeconds: 180,
      });
      phones.push(agentPhone);
      const made = await owner.request('POST', '/api/calls/make', phone.token, { to: CUSTOMER_NUMBER });
      expect(made.status).toBe(201);
      const callId = made.body.id as string;
      await waitForStatus(owner, callId, 'ringing');
      await owner.kill();
      // The agent answers in the gap. With no WebSocket the application is gone from
      // Asterisk, so the answered leg cannot enter Stasis: Asterisk hangs it up at once (the
      // phone gets a BYE right after its 200 OK) instead of leaving a call nobody hears of.
      await agentPhone.succeeded();
      expect(
        pbx.asterisk.logLines().filter((line) => /Stasis app '[^']+' (doesn't exist|not active)/.test(line)),
      ).toHaveLength(1);
      const next = await startServerProcess('d', env);
      nodes.push(next);
      expect(await waitForOwner()).toBe(next);
      // The next owner finds the agent's leg gone: the call failed, and the customer was never dialled.
      const call = await waitForStatus(next, callId, 'failed');
      expect(call).toMatchObject({ ended_by: 'system', answered_at: null });
      expect(channels(pbx)).toEqual([]);
    }, 180_000);
  },
);
