/**
 * Spoken prompts on a real Asterisk 22.10.1, written as WAV files into a directory
 * Asterisk reads (ASTERISK_PROMPTS_DIR) and played as `sound:<path>`: a caller in a queue
 * that announces positions hears theirs, and Asterisk reports no failed playback.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPbxHarness, type PbxHarness } from './support/harness.js';
import { waitUntil } from './support/processes.js';
import { Sipp } from './support/sipp.js';

describe.skipIf(inject('pbxSkipReason'))('voice queue prompts on a real Asterisk', () => {
  let pbx: PbxHarness;
  const promptsDir = mkdtempSync(join(tmpdir(), 'switchboard-prompts-'));

  beforeAll(async () => {
    pbx = await startPbxHarness({ env: { ASTERISK_PROMPTS_DIR: promptsDir, TTS_ENGINE: 'none' } });
  });
  afterAll(async () => {
    await pbx?.close();
  });

  it('plays the position announcement from the prompts directory without a failed playback', async () => {
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
    await waitUntil(() => readdirSync(promptsDir).some((f) => f.endsWith('.wav')), 15_000, 'prompt written');
    expect((await carrier.done).code).toBe(0);
    const warnings = pbx.asterisk.logLines().filter((line) => /playback|does not exist|music on hold/i.test(line));
    expect(warnings).toEqual([]);
  });
});
