import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { patternPcm, readCapture, harnessPerTest, waitUntil, withUuid } from '../support/audiosocket-peer.js';

const start = harnessPerTest();

describe('active hangup with KIND_HANGUP', () => {
  it('sends exactly 00 00 00 after whole frames, closes, and clears the session', async () => {
    const h = await start();
    const { peer, uuid } = await h.openSession();
    peer.startAudio({ frames: 500 });
    await waitUntil(() => peer.received.length >= 5, 5000, 'some outbound frames');

    expect(h.server.hangup(uuid, 'visitor')).toBe('sent');
    expect(h.server.getSession(uuid, 'visitor')?.state).toBe('hanging_up');
    await peer.closed;
    await waitUntil(() => h.events.sessionEnded.length === 1, 5000, 'session end');

    const raw = peer.rawBytes;
    expect([...raw.subarray(raw.length - 3)]).toEqual([0x00, 0x00, 0x00]);
    const hangups = peer.received.filter((frame) => frame.kind === 0x00);
    expect(hangups).toHaveLength(1);
    expect(peer.received.at(-1)?.kind).toBe(0x00);
    // Everything before it parsed as whole audio frames: the hangup is frame-aligned.
    const audioBytes = peer.audioFrames.reduce((sum, frame) => sum + 3 + frame.length, 0);
    expect(audioBytes + 3).toBe(raw.length);
    expect(peer.asteriskErrors).toEqual([]);
    expect(peer.closedBy).toBe('hangup_frame');

    expect(h.events.sessionEnded[0]).toMatchObject({ callId: uuid, role: 'visitor', reason: 'hangup_sent' });
    expect(h.events.sessionEnded[0]?.session.outbound.bytes).toBe(raw.length);
    expect(h.server.listSessions()).toEqual([]);
    const logged = h.logs.find((line) => line.msg === 'KIND_HANGUP sent');
    expect(logged).toMatchObject({ callId: uuid, role: 'visitor', audiosocketUuid: uuid });
  });

  it('answers not_found for an unknown call or the wrong role, and sends nothing', async () => {
    const h = await start();
    const { peer, uuid } = await h.openSession();
    expect(h.server.hangup('no-such-call', 'visitor')).toBe('not_found');
    expect(h.server.hangup(uuid, 'resident')).toBe('not_found');
    await waitUntil(() => peer.received.length >= 3, 5000, 'a few frames');
    expect(peer.sawHangupFrame).toBe(false);
    expect(h.server.getSession(uuid, 'visitor')?.state).toBe('active');
  });

  it('destroys the socket after the grace period when the peer does not close', async () => {
    const h = await start({ hangupGraceMs: 200 });
    const { peer, uuid } = await h.openSession({ onHangupFrame: 'ignore' });
    expect(h.server.hangup(uuid, 'visitor')).toBe('sent');
    // Idempotent while in progress: no second frame.
    expect(h.server.hangup(uuid, 'visitor')).toBe('sent');
    await waitUntil(() => h.events.sessionEnded.length === 1, 5000, 'session end');

    // The peer keeps its half open: it saw our frame and our FIN, and was cut off.
    expect(peer.sawHangupFrame).toBe(true);
    expect(peer.closedBy).toBe('server');
    expect(peer.received.filter((frame) => frame.kind === 0x00)).toHaveLength(1);
    expect(h.events.sessionEnded[0]?.reason).toBe('hangup_sent');
    expect(h.logs.some((line) => line.msg === 'audiosocket peer did not close in time; destroying the socket')).toBe(
      true,
    );
    expect(h.server.hangup(uuid, 'visitor')).toBe('not_found');
  });

  it('lets a prompt play out when the caller awaits it before hanging up', async () => {
    const h = await start();
    const { peer, uuid } = await h.openSession();
    const prompt = patternPcm(320 * 5, 77);
    const result = h.server.playAudio(uuid, 'visitor', prompt);
    expect(result.status === 'queued' && (await result.finished)).toBe('played');
    expect(h.server.hangup(uuid, 'visitor')).toBe('sent');
    await peer.closed;

    const payloads = peer.audioFrames.map((frame) => frame.payload);
    const first = payloads.findIndex((payload) => payload.equals(prompt.subarray(0, 320)));
    expect(Buffer.concat(payloads.slice(first, first + 5)).equals(prompt)).toBe(true);
    expect(peer.received.at(-1)?.kind).toBe(0x00);
  });

  it('ends the session as peer_closed when Asterisk hangs up by closing the socket (as08)', async () => {
    const h = await start();
    const uuid = randomUUID();
    const peer = await h.connectPeer();
    peer.send(withUuid(readCapture('as08-app-silent-server-asterisk-side-hangup'), uuid));
    await waitUntil(() => h.server.getSession(uuid, 'visitor')?.inbound.frames === 201, 5000, 'the capture');
    await peer.close();
    await waitUntil(() => h.events.sessionEnded.length === 1, 5000, 'session end');
    expect(h.events.sessionEnded[0]).toMatchObject({ callId: uuid, reason: 'peer_closed' });
    expect(h.server.hangup(uuid, 'visitor')).toBe('not_found');
  });

  it('ends the session when the peer resets the connection', async () => {
    const h = await start();
    const { peer, uuid } = await h.openSession();
    peer.destroy();
    await waitUntil(() => h.events.sessionEnded.length === 1, 5000, 'session end');
    expect(h.events.sessionEnded[0]?.callId).toBe(uuid);
    expect(h.events.sessionEnded[0]?.reason).toMatch(/peer_closed|socket_error/);
    expect(h.server.listSessions()).toEqual([]);
  });
});
