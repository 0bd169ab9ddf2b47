import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WIRE_KIND, patternPcm, harnessPerTest, uuidFrame, waitUntil } from '../support/audiosocket-peer.js';

const start = harnessPerTest();

describe('AudioSocket handshake', () => {
  it('starts a session on the UUID frame: by default the call id is the UUID and the role visitor', async () => {
    const h = await start();
    const uuid = randomUUID();
    const peer = await h.connectPeer();
    peer.sendUuid(uuid);
    await waitUntil(() => h.events.sessionStarted.length === 1, 5000, 'session start');

    expect(h.events.sessionStarted[0]).toMatchObject({
      callId: uuid,
      role: 'visitor',
      audiosocketUuid: uuid,
      state: 'active',
      sampleRateHz: 8000,
      remoteAddress: '127.0.0.1',
      inbound: { frames: 1, bytes: 19, audioFrames: 0, dtmfFrames: 0 },
      intentData: {},
    });
    expect(h.server.listSessions().map((s) => [s.callId, s.role])).toEqual([[uuid, 'visitor']]);
    const started = h.logs.find((line) => line.msg === 'audiosocket session started');
    expect(started).toMatchObject({ audiosocketUuid: uuid, callId: uuid, role: 'visitor' });
  });

  it('accepts a UUID frame that arrives one byte per read', async () => {
    const h = await start();
    const uuid = randomUUID();
    const peer = await h.connectPeer();
    await peer.sendChunked(uuidFrame(uuid), () => 1);
    await waitUntil(() => h.events.sessionStarted.length === 1, 5000, 'session start');
    expect(h.server.getSession(uuid, 'visitor')?.inbound.bytes).toBe(19);
  });

  it('closes a connection that sends no UUID within the handshake timeout, and logs why', async () => {
    const h = await start({ handshakeTimeoutMs: 150 });
    const peer = await h.connectPeer();
    await waitUntil(() => peer.isClosed && h.events.connectionRejected.length === 1, 5000, 'the server to close');

    expect(h.events.connectionRejected).toEqual([
      { reason: 'uuid_timeout', audiosocketUuid: undefined, remoteAddress: '127.0.0.1' },
    ]);
    expect(h.logs.find((line) => line.msg === 'audiosocket connection rejected')).toMatchObject({
      reason: 'uuid_timeout',
    });
    expect(h.server.listSessions()).toEqual([]);
  });

  it('closes a connection whose first frame is audio, not the UUID', async () => {
    const h = await start();
    const peer = await h.connectPeer();
    peer.sendAudio(WIRE_KIND.AUDIO_SLIN, patternPcm(320));
    await waitUntil(() => peer.isClosed && h.events.connectionRejected.length === 1, 5000, 'the server to close');
    expect(h.events.connectionRejected.map((event) => event.reason)).toEqual(['expected_uuid_first']);
    expect(h.events.sessionStarted).toHaveLength(0);
  });

  it('maps the UUID through the resolver to our call id, role and intentData', async () => {
    const uuid = randomUUID();
    const intentData = { unit: '101', visitorName: 'Ana' };
    const h = await start({
      resolveCall: async (audiosocketUuid) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return { callId: `call-for-${audiosocketUuid}`, role: 'resident', intentData };
      },
    });
    const peer = await h.connectPeer();
    peer.sendUuid(uuid);
    await waitUntil(() => h.events.sessionStarted.length === 1, 5000, 'session start');

    const session = h.server.getSession(`call-for-${uuid}`, 'resident');
    expect(session).toMatchObject({ audiosocketUuid: uuid, role: 'resident', intentData });
    expect(h.server.getSession(`call-for-${uuid}`, 'visitor')).toBeUndefined();
    expect(h.server.updateIntentData(`call-for-${uuid}`, 'resident', { test_hangup: true })).toBe('updated');
    // The resolver's object is kept by reference: its owner sees the update.
    expect(intentData).toMatchObject({ test_hangup: true });
    expect(h.server.getSession(`call-for-${uuid}`, 'resident')?.intentData).toMatchObject({ test_hangup: true });
    expect(h.server.updateIntentData('no-such-call', 'resident', {})).toBe('not_found');
  });

  it('reports the audio that came in while the resolver ran, each frame intact, once the session starts', async () => {
    let answer: (call: { callId: string; role: 'visitor' }) => void = () => undefined;
    const h = await start({ resolveCall: () => new Promise((resolve) => (answer = resolve)) });
    const uuid = randomUUID();
    const peer = await h.connectPeer();
    peer.sendUuid(uuid);
    // Separate reads: every later read lands in the same reused read buffer, so a frame held
    // as a view of it would come out as the last read's bytes.
    for (let seed = 1; seed <= 5; seed += 1) {
      peer.sendAudio(WIRE_KIND.AUDIO_SLIN, patternPcm(320, seed));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.events.audioReceived).toHaveLength(0);
    answer({ callId: 'call-early', role: 'visitor' });
    await waitUntil(() => h.events.audioReceived.length === 5, 5000, 'the held frames');
    expect(h.events.audioReceived.map((event, i) => event.pcm.equals(patternPcm(320, i + 1)))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it('closes the connection when the resolver rejects it, and keeps serving others', async () => {
    const known = randomUUID();
    const h = await start({
      resolveCall: (audiosocketUuid) => {
        if (audiosocketUuid !== known) throw new Error('unknown intercom call');
        return { callId: 'call-1', role: 'visitor' };
      },
    });
    const stranger = await h.connectPeer();
    stranger.sendUuid(randomUUID());
    const friend = await h.connectPeer();
    friend.sendUuid(known);
    await waitUntil(
      () => h.events.connectionRejected.length === 1 && h.events.sessionStarted.length === 1,
      5000,
      'reject and start',
    );
    expect(stranger.isClosed || (await stranger.closed.then(() => true))).toBe(true);

    expect(h.events.connectionRejected.map((event) => event.reason)).toEqual(['resolver_rejected']);
    expect(friend.isClosed).toBe(false);
    expect(h.server.listSessions().map((s) => s.callId)).toEqual(['call-1']);
  });

  it('closes the connection when the resolver does not answer in time', async () => {
    const h = await start({ resolveTimeoutMs: 100, resolveCall: () => new Promise(() => undefined) });
    const peer = await h.connectPeer();
    peer.sendUuid(randomUUID());
    await waitUntil(() => peer.isClosed && h.events.connectionRejected.length === 1, 5000, 'the server to close');
    expect(h.events.connectionRejected.map((event) => event.reason)).toEqual(['resolver_timeout']);
  });

  it('refuses a second connection for the same call and role, and keeps the first', async () => {
    const h = await start();
    const uuid = randomUUID();
    const first = await h.connectPeer();
    first.sendUuid(uuid);
    await waitUntil(() => h.events.sessionStarted.length === 1, 5000, 'first session');
    const second = await h.connectPeer();
    second.sendUuid(uuid);
    await waitUntil(() => h.events.connectionRejected.length === 1, 5000, 'the duplicate to be closed');
    await second.closed;

    expect(h.events.connectionRejected.map((event) => event.reason)).toEqual(['duplicate_session']);
    expect(first.isClosed).toBe(false);
    expect(h.server.listSessions()).toHaveLength(1);
  });

  it('holds a visitor leg and a resident leg of the same call side by side', async () => {
    const visitorUuid = randomUUID();
    const h = await start({
      resolveCall: (audiosocketUuid) => ({
        callId: 'intercom-call',
        role: audiosocketUuid === visitorUuid ? 'visitor' : 'resident',
      }),
    });
    const visitor = await h.connectPeer();
    visitor.sendUuid(visitorUuid);
    const resident = await h.connectPeer();
    resident.sendUuid(randomUUID());
    await waitUntil(() => h.events.sessionStarted.length === 2, 5000, 'both legs');

    expect(
      h.server
        .listSessions()
        .map((s) => s.role)
        .sort(),
    ).toEqual(['resident', 'visitor']);
    expect(h.server.hangup('intercom-call', 'resident')).toBe('sent');
    await waitUntil(() => resident.isClosed && h.events.sessionEnded.length === 1, 5000, 'resident leg to end');
    expect(visitor.isClosed).toBe(false);
    expect(h.server.listSessions().map((s) => s.role)).toEqual(['visitor']);
  });
});
