/**
 * Spoken prompts on a real Asterisk 22.10.1: Switchboard has Asterisk play
 * `sound:http://…/api/voice/prompts/….wav`, which res_http_media_cache fetches from
 * Switchboard (ASTERISK_MEDIA_BASE_URL) and format_wav plays. A caller in a queue that
 * announces positions makes Asterisk fetch one.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPbxHarness, type PbxHarness } from './support/harness.js';
import { freeTcpPort, waitUntil } from './support/processes.js';
import { Sipp } from './support/sipp.js';

describe.skipIf(inject('pbxSkipReason'))('voice queue prompts on a real Asterisk', () => {
  let pbx: PbxHarness;
  let front: Server;
  const fetched: { path: string; status: number }[] = [];

  beforeAll(async () => {
    // Switchboard listens on a port chosen at start: Asterisk reaches it through this one.
    const port = await freeTcpPort();
    pbx = await startPbxHarness({ env: { ASTERISK_MEDIA_BASE_URL: `http://127.0.0.1:${port}`, TTS_ENGINE: 'none' } });
    front = createServer((req, res) => {
      const upstream = httpRequest(`${pbx.api.baseUrl}${req.url ?? '/'}`, { method: req.method }, (answer) => {
        fetched.push({ path: req.url ?? '', status: answer.statusCode ?? 0 });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => front.listen(port, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => front?.close(() => resolve()));
    await pbx?.close();
  });

  it('fetches the position announcement over HTTP and plays it without a warning', async () => {
    const admin = await pbx.api.adminToken();
    const queue = await pbx.api.request('POST', '/api/queues', {
      token: admin,
      body: { name: 'Anúncios', channels: ['voice'], announce_position: true },
    });
    expect(queue.status).toBe(201);
    pbx.asterisk.mapDid('551130009101', 'sb-to-queue,s,1');
    await pbx.api.request('PUT', '/api/voice/entry-points/551130009101', {
      token: admin,
      body: { default_queue_id: queue.body.id },
    });
    const carrier = await Sipp.start({
      scenario: 'call',
      port: pbx.carrierUacPort,
      remote: pbx.sipAddress,
      service: '551130009101',
      keys: { caller: '11987654321' },
      pauseMs: 5_000,
      toneHz: 700,
    });
    await waitUntil(
      () => fetched.some((f) => f.path.startsWith('/api/voice/prompts/pt-BR/')),
      15_000,
      'prompt fetched',
    );
    expect(fetched.filter((f) => f.path.startsWith('/api/voice/prompts/')).every((f) => f.status === 200)).toBe(true);
    expect((await carrier.done).code).toBe(0);
    const warnings = pbx.asterisk.logLines().filter((line) => /prompts|media_cache|music on hold/i.test(line));
    expect(warnings).toEqual([]);
  });
});
