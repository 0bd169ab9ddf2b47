/**
 * Voice queues across nodes and a restart of the node holding ARI (issue 11): two nodes on
 * one database and Redis, the PBX (the ARI emulator) on node A only, agents on the web
 * node W. A caller waiting in Stasis with music keeps their entry while A restarts: the
 * new process adopts them (music again, no second entry), a caller who hung up meanwhile
 * abandons, a caller still in the DTMF menu hears it again and is enqueued by their key,
 * and when an agent on W becomes available the engine's single offer reaches A over Redis
 * and rings the agent's phone once; the answer bridges the call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapFirstAdmin, createServer, type Server } from '../../src/main.js';
import { createLogger } from '../../src/shared/logger.js';
import { AriEmulator } from '../support/ari-emulator.js';
import { callerDials, playbacksOn, pressDigit } from '../support/ari-emulator.queue.js';
import { createTestDatabase, sharedPglite, type TestDatabase } from '../support/database.js';
import { requestsTo, waitFor } from '../support/pbx.js';
import { skipWithoutRedis, startRedis, type TestRedis } from '../support/redis.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, clusterConfig, fastHasher, nodeRequester } from '../support/server.js';
import { connectSocket } from '../support/socket.js';
import { agentLegsOf, newDid } from '../support/voice-queue.js';

interface Node {
  server: Server;
  baseUrl: string;
  request: ReturnType<typeof nodeRequester>;
}

describe.skipIf(skipWithoutRedis)('voice queues across nodes and a restart of the PBX node', () => {
  let redis: TestRedis;
  let ari: AriEmulator;
  let database: TestDatabase;
  let dataDir: string;
  let pbxNode: Node | undefined;
  let webNode: Node;
  let admin = '';
  const sockets: { disconnect(): void }[] = [];

  const env = (withPbx: boolean): Record<string, string> => ({
    REDIS_URL: redis.url,
    REDIS_CHANNEL: 'switchboard-test:voice-restart',
    TTS_ENGINE: 'none',
    ...(withPbx
      ? {
          ASTERISK_ARI_URL: ari.url,
          ASTERISK_ARI_USERNAME: 'switchboard',
          ASTERISK_ARI_PASSWORD: 'ari-secret',
          ASTERISK_MEDIA_BASE_URL: 'http://switchboard.test:3000',
        }
      : {}),
  });

  async function startNode(withPbx: boolean, isFirst: boolean): Promise<Node> {
    const pglite = database.pglite && (isFirst ? database.pglite : sharedPglite(database.pglite));
    const server = await createServer(
      clusterConfig(dataDir, database, env(withPbx)),
      createLogger({ level: 'silent' }),
      {
        hasher: fastHasher,
        ...(pglite ? { pglite } : {}),
        eventDelivery: { gapWaitMs: 100 },
      },
    );
    const baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
    return { server, baseUrl, request: nodeRequester(baseUrl) };
  }

  const pbxUp = async (node: Node) => (await node.request('GET', '/ready')).body?.checks?.pbx === 'up';

  beforeAll(async () => {
    redis = await startRedis();
    ari = await AriEmulator.start({ username: 'switchboard', password: 'ari-secret' });
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-voice-restart-'));
    // The web node holds the database (PGlite's owner); the PBX node comes and goes.
    webNode = await startNode(false, true);
    pbxNode = await startNode(true, false);
    await bootstrapFirstAdmin(webNode.server, clusterConfig(dataDir, database, env(false)));
    const login = await webNode.request('POST', '/api/users/login', undefined, {
      email: ADMIN_EMAIL,
      password: ADMIN_PASSWORD,
    });
    admin = login.body.access_token;
    await waitFor(() => pbxUp(pbxNode!), 'PBX connected', 20_000);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await pbxNode?.server.close().catch(() => undefined);
    await webNode?.server.close().catch(() => undefined);
    await database?.dispose();
    await ari?.close();
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'adopts the callers still waiting after the PBX node restarts and offers each once, through the web node',
    { timeout: 180_000 },
    async () => {
      // An agent with a phone, a member of the queue, not online yet: callers wait.
      const email = `fila-${Date.now()}@acme.test`;
      const created = await webNode.request('POST', '/api/users', admin, {
        email,
        name: 'Agente Fila',
        role: 'agent',
        password: 'agent-password-long-enough',
      });
      expect(created.status).toBe(201);
      const agentId = created.body.id as string;
      const session = await webNode.request('POST', '/api/users/login', undefined, {
        email,
        password: 'agent-password-long-enough',
      });
      const token = session.body.access_token as string;
      const device = (await webNode.request('GET', '/api/users/me/device', token)).body;
      const queue = await webNode.request('POST', '/api/queues', admin, {
        name: 'Fila que sobrevive',
        channels: ['voice'],
        offer_mode: 'accept',
        offer_timeout_seconds: 60,
      });
      expect(queue.status).toBe(201);
      expect(
        (await webNode.request('PUT', `/api/queues/${queue.body.id}/members`, admin, [{ user_id: agentId }])).status,
      ).toBe(200);
      const did = newDid();
      expect(
        (await webNode.request('PUT', `/api/voice/entry-points/${did}`, admin, { default_queue_id: queue.body.id }))
          .status,
      ).toBe(200);

      const menuDid = newDid();
      expect(
        (
          await webNode.request('PUT', `/api/voice/entry-points/${menuDid}`, admin, {
            default_queue_id: queue.body.id,
            menu: { options: [{ key: '1', label: 'atendimento', queue_id: queue.body.id }] },
          })
        ).status,
      ).toBe(200);
      const plays = (channelId: string) =>
        ari.requests.filter((r) => r.method === 'POST' && r.path === `/ari/channels/${channelId}/play`);

      const entriesOf = async (state: string) =>
        (await webNode.request('GET', `/api/queues/${queue.body.id}/entries?state=${state}`, admin)).body.items as {
          id: string;
          call_id: string;
          end_reason: string | null;
        }[];
      const stays = callerDials(ari, { channelId: `stays-${did}`, did, callerNumber: '+5511987651001' });
      const leaves = callerDials(ari, { channelId: `leaves-${did}`, did, callerNumber: '+5511987651002' });
      const choosing = callerDials(ari, { channelId: `menu-${menuDid}`, did: menuDid, callerNumber: '+5511987651003' });
      await waitFor(async () => (await entriesOf('waiting')).length === 2, 'both callers waiting', 20_000);
      await waitFor(() => plays(choosing.id).length === 1, 'the menu', 20_000);
      expect(requestsTo(ari, 'POST', `/channels/${stays.id}/moh`)).toHaveLength(1);
      const [first, second] = await entriesOf('waiting');
      const calls = (await webNode.request('GET', '/api/calls/active', admin)).body.items as {
        id: string;
        asterisk_unique_id: string;
      }[];
      const staysCall = calls.find((c) => c.asterisk_unique_id === stays.id)!.id;
      const staying = [first, second].find((e) => e?.call_id === staysCall)!;
      const leaving = [first, second].find((e) => e?.call_id !== staysCall)!;

      // The PBX node goes away; one caller hangs up while nobody listens to Asterisk.
      await pbxNode!.server.close();
      pbxNode = undefined;
      ari.hangupChannel(leaves.id);
      pbxNode = await startNode(true, false);
      await waitFor(() => pbxUp(pbxNode!), 'PBX connected again', 20_000);

      // Adopted: music again on the caller who stayed, the other abandoned; nothing enqueued twice.
      await waitFor(
        () => requestsTo(ari, 'POST', `/channels/${stays.id}/moh`).length === 2,
        'music for the adopted caller',
        20_000,
      );
      await waitFor(async () => (await entriesOf('abandoned')).length === 1, 'the gone caller abandoned', 20_000);
      expect((await entriesOf('abandoned'))[0]).toMatchObject({ id: leaving.id });
      expect((await entriesOf('waiting')).map((e) => e.id)).toEqual([staying.id]);
      // The caller who was choosing hears the menu again; their key puts them in line, behind.
      await waitFor(() => plays(choosing.id).length === 2, 'the menu again', 20_000);
      ari.finishPlayback(playbacksOn(ari, choosing.id).at(-1)!.id);
      pressDigit(ari, choosing.id, '1');
      await waitFor(async () => (await entriesOf('waiting')).length === 2, 'the chooser enqueued', 20_000);
      expect((await entriesOf('waiting'))[0]!.id).toBe(staying.id);

      // The agent becomes available on the web node: one offer, rung once by the PBX node.
      const connection = await connectSocket(webNode.baseUrl, { token });
      sockets.push(connection.socket);
      await new Promise((resolve) => connection.socket.emit('update_status', { status: 'online' }, resolve));
      await waitFor(() => agentLegsOf(ari, staysCall).length === 1, 'the agent rung', 20_000);
      const [leg] = agentLegsOf(ari, staysCall);
      expect(leg).toMatchObject({ endpoint: `PJSIP/${device.sip_username as string}` });
      const offers = await webNode.request('GET', '/api/routing/offers', token);
      expect(offers.body.items).toEqual([expect.objectContaining({ entry_id: staying.id, call_id: staysCall })]);

      ari.enterStasis(leg!.channelId, leg!.appArgs, { app: 'switchboard' });
      await waitFor(
        async () => (await webNode.request('GET', `/api/calls/${staysCall}`, admin)).body.status === 'in_progress',
        'answered and bridged',
        20_000,
      );
      const routing = await webNode.request('GET', `/api/calls/${staysCall}/routing`, admin);
      expect(routing.body.entries).toEqual([
        expect.objectContaining({ id: staying.id, state: 'assigned', assigned_to: agentId }),
      ]);
      expect(agentLegsOf(ari, staysCall)).toHaveLength(1);
    },
  );
});
