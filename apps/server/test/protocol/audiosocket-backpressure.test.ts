import { describe, expect, it } from 'vitest';
import type { PlayResult } from '../../src/integrations/audiosocket/index.js';
import { harnessPerTest, patternPcm, sleep, waitUntil } from '../support/audiosocket-peer.js';

const start = harnessPerTest();

/** 100 ms of 8 kHz audio. */
const CLIP = patternPcm(1600, 5);

describe('AudioSocket backpressure', () => {
  it('keeps queue and socket buffer bounded for a peer that stops reading, refusing the excess', async () => {
    // Node's default writable high-water mark for a socket.
    const highWaterMark = 16 * 1024;
    const h = await start({ maxQueuedMs: 500 });
    const { peer, uuid } = await h.openSession();
    peer.pauseReading();
    const startedAt = performance.now();
    const results: PlayResult['status'][] = [];
    // The bot offers audio five times faster than real time, for one second.
    for (let round = 0; round < 50 && performance.now() - startedAt < 5000; round++) {
      results.push(h.server.playAudio(uuid, 'visitor', CLIP).status);
      const { outbound } = h.server.getSession(uuid, 'visitor')!;
      expect(outbound.queuedMs).toBeLessThanOrEqual(500);
      expect(outbound.socketBufferedBytes).toBeLessThanOrEqual(highWaterMark + 323);
      await sleep(20);
    }
    const elapsed = performance.now() - startedAt;
    const { outbound } = h.server.getSession(uuid, 'visitor')!;

    expect(results.filter((status) => status === 'queue_full').length).toBeGreaterThan(10);
    // Accepted audio is what fits the bound plus what has been played meanwhile.
    expect(results.filter((status) => status === 'queued').length * 100).toBeLessThanOrEqual(500 + elapsed + 100);
    // Never written faster than real time, whether or not the peer reads.
    expect(outbound.bytes).toBeLessThanOrEqual((Math.ceil(elapsed / 20) + 4) * 323);

    peer.resumeReading();
    await waitUntil(() => peer.receivedBytes >= outbound.bytes, 5000, 'the peer to catch up');
    expect(peer.asteriskErrors).toEqual([]);
    expect(peer.audioFrames.every((frame) => frame.length === 320)).toBe(true);
  });
});
