import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  WIRE_KIND,
  patternPcm,
  readCapture,
  readSummary,
  seededRandom,
  sleep,
  harnessPerTest,
  waitUntil,
  withUuid,
} from '../support/audiosocket-peer.js';

const start = harnessPerTest();

describe('AudioSocket media over TCP', () => {
  it('counts frames and bytes both ways and hands every inbound frame to listeners', async () => {
    const h = await start();
    const { peer, uuid } = await h.openSession();
    peer.startAudio({ kind: WIRE_KIND.AUDIO_SLIN, frames: 25 });
    await waitUntil(() => h.events.audioReceived.length === 25, 5000, '25 audio frames');

    const session = h.server.getSession(uuid, 'visitor');
    expect(session?.inbound).toEqual({ frames: 26, bytes: 19 + 25 * 323, audioFrames: 25, dtmfFrames: 0 });
    expect(h.events.audioReceived[3]).toMatchObject({ callId: uuid, role: 'visitor', kind: 0x10, sampleRateHz: 8000 });
    expect(h.events.audioReceived[3]?.pcm.equals(patternPcm(320, 3))).toBe(true);
    expect(session!.lastActivityAt.getTime()).toBeGreaterThanOrEqual(session!.startedAt.getTime());

    await peer.close();
    await waitUntil(() => h.events.sessionEnded.length === 1, 5000, 'session end');
    const ended = h.events.sessionEnded[0]!;
    expect(ended).toMatchObject({ callId: uuid, role: 'visitor', reason: 'peer_closed' });
    // Everything the server wrote reached the peer, and the counts agree.
    expect(ended.session.outbound.bytes).toBe(peer.receivedBytes);
    expect(ended.session.outbound.frames).toBe(peer.received.length);
    expect(ended.session.outbound.frames).toBeGreaterThan(5);
    expect(peer.asteriskErrors).toEqual([]);
    expect(h.server.listSessions()).toEqual([]);
  });

  const forms = [
    ['the AudioSocket() application', 'as01-app-echo-then-server-hangup-frame', 0x10, 320],
    ['Dial(AudioSocket/host:port/uuid) with the default codec', 'as10-chan-dial-audiosocket-default-codec', 0x10, 320],
    ['Dial(AudioSocket/host:port/uuid/c(slin16))', 'as11-chan-dial-audiosocket-slin16', 0x12, 640],
    ['ARI externalMedia, encapsulation=audiosocket, format=slin16', 'ari-externalMedia-slin16', 0x12, 640],
  ] as const;

  for (const [form, capture, kind, frameBytes] of forms) {
    it(`serves ${form}: replays ${capture} in random chunks and answers in its rate`, async () => {
      const h = await start();
      const summary = readSummary(capture);
      const uuid = randomUUID();
      const peer = await h.connectPeer();
      const random = seededRandom(capture.length);
      await peer.sendChunked(withUuid(readCapture(capture), uuid), () => 1 + Math.floor(random() * 1500));
      await waitUntil(
        () => h.server.getSession(uuid, 'visitor')?.inbound.frames === summary.frames_received,
        5000,
        'every frame of the capture',
      );
      await waitUntil(() => peer.received.filter((f) => f.kind === kind).length >= 3, 5000, 'answers in the rate');

      expect(h.server.getSession(uuid, 'visitor')).toMatchObject({
        sampleRateHz: kind === 0x12 ? 16000 : 8000,
        inbound: { frames: summary.frames_received, bytes: summary.bytes_received },
      });
      const fromFirstMatch = peer.received.slice(peer.received.findIndex((f) => f.kind === kind));
      expect(fromFirstMatch.every((f) => f.kind === kind && f.length === frameBytes)).toBe(true);
      expect(h.events.audioReceived).toHaveLength(summary.frames_received - 1);

      // Asterisk ends the call by closing the socket; it never sends 0x00 (as08).
      await peer.close();
      await waitUntil(() => h.events.sessionEnded.length === 1, 5000, 'session end');
      expect(h.events.sessionEnded[0]?.reason).toBe('peer_closed');
      expect(peer.asteriskErrors).toEqual([]);
    });
  }

  for (const capture of ['as02-app-dtmf-frames', 'as12-chan-dial-audiosocket-dtmf']) {
    it(`reports the DTMF digits 1 2 * # of ${capture}, between its audio frames`, async () => {
      const h = await start();
      const summary = readSummary(capture);
      const uuid = randomUUID();
      const peer = await h.connectPeer();
      const random = seededRandom(7);
      await peer.sendChunked(withUuid(readCapture(capture), uuid), () => 1 + Math.floor(random() * 400));
      await waitUntil(() => h.events.dtmfReceived.length === 4, 5000, 'four digits');
      await waitUntil(
        () => h.server.getSession(uuid, 'visitor')?.inbound.frames === summary.frames_received,
        5000,
        'every frame',
      );

      expect(h.events.dtmfReceived.map((event) => event.digit).join('')).toBe('12*#');
      expect(h.events.dtmfReceived[0]).toMatchObject({ callId: uuid, role: 'visitor', audiosocketUuid: uuid });
      expect(h.server.getSession(uuid, 'visitor')?.inbound).toMatchObject({
        dtmfFrames: 4,
        audioFrames: summary.received_stats_by_kind['0x10']?.count,
      });
      // The 44-byte tail of the played file (offset 6479/6802) is an ordinary audio frame.
      expect(h.events.audioReceived.some((event) => event.pcm.length === 44)).toBe(true);
    });
  }

  it('decodes frames split one byte per read', async () => {
    const h = await start();
    const { peer, uuid } = await h.openSession();
    const frames = Buffer.concat(
      Array.from({ length: 5 }, (_, i) => Buffer.concat([Buffer.from([0x10, 0x01, 0x40]), patternPcm(320, i)])),
    );
    await peer.sendChunked(frames, () => 1);
    await waitUntil(() => h.events.audioReceived.length === 5, 5000, 'five frames');
    expect(h.events.audioReceived.map((event) => event.pcm.equals(patternPcm(320, 4)))).toEqual([
      false,
      false,
      false,
      false,
      true,
    ]);
    expect(h.server.getSession(uuid, 'visitor')?.inbound.bytes).toBe(19 + 5 * 323);
  });

  it('plays queued audio in 20 ms frames, whole and in order, then goes back to silence', async () => {
    const h = await start();
    const { peer, uuid } = await h.openSession();
    const clip = patternPcm(320 * 10, 42);
    const result = h.server.playAudio(uuid, 'visitor', clip);
    expect(result).toMatchObject({ status: 'queued', queuedMs: 200 });
    expect(result.status === 'queued' && (await result.finished)).toBe('played');
    const firstIndex = () => peer.audioFrames.findIndex((frame) => frame.payload.equals(clip.subarray(0, 320)));
    await waitUntil(() => firstIndex() >= 0 && peer.audioFrames.length > firstIndex() + 10, 5000, 'silence after');

    const payloads = peer.audioFrames.map((frame) => frame.payload);
    const first = firstIndex();
    expect(Buffer.concat(payloads.slice(first, first + 10)).equals(clip)).toBe(true);
    expect(payloads[first + 10]?.every((byte) => byte === 0)).toBe(true);
    expect(h.server.getSession(uuid, 'visitor')?.outbound.audioFrames).toBe(10);
  });

  it('drops queued audio at once on stopAudio (barge-in)', async () => {
    const h = await start();
    const { uuid } = await h.openSession();
    const result = h.server.playAudio(uuid, 'visitor', patternPcm(16 * 5000, 1));
    await sleep(100);
    const stopped = h.server.stopAudio(uuid, 'visitor');
    expect(stopped.status === 'stopped' && stopped.droppedMs).toBeGreaterThan(4000);
    expect(result.status === 'queued' && (await result.finished)).toBe('stopped');
    expect(h.server.getSession(uuid, 'visitor')?.outbound.queuedMs).toBe(0);
  });

  it('relays live audio back as it arrives: every frame whole and in order', async () => {
    const h = await start();
    h.server.on('audioReceived', (event) => {
      expect(h.server.relayAudio(event.callId, event.role, event.pcm)).toEqual({ status: 'sent' });
    });
    const { peer, uuid } = await h.openSession();
    peer.startAudio({ kind: WIRE_KIND.AUDIO_SLIN, frames: 50 });
    const echoes = () => peer.audioFrames.filter((frame) => frame.payload.some((byte) => byte !== 0));
    await waitUntil(() => echoes().length === 50, 5000, '50 echoed frames');

    expect(echoes().map((frame, i) => frame.payload.equals(patternPcm(320, i)))).toEqual(Array(50).fill(true));
    expect(h.server.getSession(uuid, 'visitor')?.outbound).toMatchObject({ relayedFrames: 50, relayDroppedMs: 0 });
    expect(h.server.relayAudio(uuid, 'resident', patternPcm(320))).toEqual({ status: 'not_found' });
    expect(h.server.relayAudio(uuid, 'visitor', Buffer.alloc(0))).toEqual({ status: 'invalid_audio', reason: 'empty' });
  });

  it('answers not_found for audio to an unknown call or role', async () => {
    const h = await start();
    const { uuid } = await h.openSession();
    expect(h.server.playAudio('no-such-call', 'visitor', patternPcm(320))).toEqual({ status: 'not_found' });
    expect(h.server.playAudio(uuid, 'resident', patternPcm(320))).toEqual({ status: 'not_found' });
    expect(h.server.stopAudio(uuid, 'resident')).toEqual({ status: 'not_found' });
  });
});

describe('AudioSocket silence keep-alive', () => {
  it('keeps an idle AudioSocket() call alive past its 2 s timeout with a frame every ~20 ms', async () => {
    const h = await start();
    // as07: the channel produces no media; the app gives up after 2000 ms of nothing.
    const { peer, uuid } = await h.openSession({ inactivityTimeoutMs: 2000 });
    const openedAt = performance.now();
    await sleep(2600);
    const elapsed = performance.now() - openedAt;

    expect(peer.isClosed).toBe(false);
    const frames = peer.received;
    expect(frames.every((f) => f.kind === 0x10 && f.length === 320 && f.payload.every((b) => b === 0))).toBe(true);
    // Loose bounds: the machine is shared, so only the order of magnitude is asserted.
    expect(frames.length).toBeGreaterThan((elapsed / 20) * 0.5);
    expect(frames.length).toBeLessThanOrEqual(Math.ceil(elapsed / 20) + 3);
    const gaps = frames.slice(1).map((f, i) => f.at - frames[i]!.at);
    expect(gaps.every((gap) => gap >= 0)).toBe(true);
    const sorted = [...gaps].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeGreaterThan(10);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(40);
    expect(h.server.getSession(uuid, 'visitor')?.outbound.silenceFrames).toBeGreaterThanOrEqual(frames.length);
  });

  it('without keep-alive the emulated AudioSocket() app hangs up after 2 s, as in as07', async () => {
    const h = await start({ sendSilenceWhenIdle: false });
    const { peer } = await h.openSession({ inactivityTimeoutMs: 2000 });
    await waitUntil(() => h.events.sessionEnded.length === 1, 6000, 'the app to time out');
    expect(peer.closedBy).toBe('inactivity');
    expect(peer.received).toHaveLength(0);
    expect(h.events.sessionEnded[0]?.reason).toMatch(/peer_closed|socket_error/);
  });
});
