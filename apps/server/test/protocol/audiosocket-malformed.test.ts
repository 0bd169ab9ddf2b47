import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  WIRE_KIND,
  patternPcm,
  rawFrame,
  startAudiosocketHarness,
  uuidFrame,
  waitUntil,
  type AudiosocketHarness,
  type AudiosocketPeer,
} from '../support/audiosocket-peer.js';

const MAX_PAYLOAD_BYTES = 1024;

let harness: AudiosocketHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The other session must keep flowing both ways after its neighbour was cut off. */
async function expectStillServing(h: AudiosocketHarness, peer: AudiosocketPeer, uuid: string): Promise<void> {
  const inboundBefore = h.server.getSession(uuid, 'visitor')!.inbound.frames;
  const receivedBefore = peer.received.length;
  await waitUntil(
    () =>
      h.server.getSession(uuid, 'visitor')!.inbound.frames >= inboundBefore + 5 &&
      peer.received.length >= receivedBefore + 5,
    5000,
    'the healthy session to keep flowing',
  );
  expect(peer.isClosed).toBe(false);
  expect(h.server.getSession(uuid, 'visitor')?.state).toBe('active');
}

describe('malformed AudioSocket input', () => {
  const cases = [
    ['an unknown kind (0x42)', Buffer.from([0x42, 0x00, 0x00]), 'unknown_kind'],
    ['the 0x02 kind, which this Asterisk does not have', Buffer.from([0x02, 0x00, 0x00]), 'unknown_kind'],
    ['audio of length 0 (10 00 00)', Buffer.from([0x10, 0x00, 0x00]), 'empty_audio'],
    ['a length over the configured maximum', Buffer.from([0x10, 0x08, 0x00]), 'payload_too_large'],
    ['a DTMF frame of two bytes', Buffer.from([0x03, 0x00, 0x02, 0x31, 0x32]), 'bad_dtmf_length'],
    ['a hangup frame with a payload', Buffer.from([0x00, 0x00, 0x01, 0x00]), 'bad_hangup_length'],
  ] as const;

  for (const [name, bytes, reason] of cases) {
    it(`closes only the connection that sent ${name}, with the reason logged`, async () => {
      const h = (harness = await startAudiosocketHarness({ maxPayloadBytes: MAX_PAYLOAD_BYTES }));
      const healthy = await h.openSession();
      healthy.peer.startAudio({ kind: WIRE_KIND.AUDIO_SLIN, frames: 500 });
      const bad = await h.openSession();
      for (let i = 0; i < 3; i++) bad.peer.sendAudio(WIRE_KIND.AUDIO_SLIN, patternPcm(320, i));
      // Valid audio behind the bad header must not be read as frames.
      bad.peer.send(Buffer.concat([bytes, rawFrame(WIRE_KIND.AUDIO_SLIN, patternPcm(320, 9))]));

      await waitUntil(() => h.events.sessionEnded.length === 1, 5000, 'the bad session to end');
      await bad.peer.closed;
      expect(h.events.sessionEnded[0]).toMatchObject({ callId: bad.uuid, reason: 'protocol_error' });
      const logged = h.logs.find((line) => line.msg === 'audiosocket protocol error; closing the connection');
      expect(logged).toMatchObject({ reason, callId: bad.uuid, role: 'visitor', audiosocketUuid: bad.uuid });
      expect(h.events.audioReceived.filter((event) => event.callId === bad.uuid)).toHaveLength(3);
      expect(h.server.getSession(bad.uuid, 'visitor')).toBeUndefined();

      await expectStillServing(h, healthy.peer, healthy.uuid);
    });
  }

  it('closes a connection whose very first bytes are malformed, before any session', async () => {
    const h = (harness = await startAudiosocketHarness());
    const healthy = await h.openSession();
    healthy.peer.startAudio({ frames: 500 });
    const peer = await h.connectPeer();
    peer.send(Buffer.from([0x42, 0x00, 0x00]));
    await waitUntil(() => h.events.connectionRejected.length === 1, 5000, 'rejection');
    expect(h.events.connectionRejected[0]?.reason).toBe('protocol_error');
    await peer.closed;
    await expectStillServing(h, healthy.peer, healthy.uuid);
  });

  it('closes a connection that sends a UUID of the wrong length first', async () => {
    const h = (harness = await startAudiosocketHarness());
    const peer = await h.connectPeer();
    peer.send(uuidFrame(randomUUID()).subarray(0, 18).fill(0x0f, 2, 3));
    await waitUntil(() => h.events.connectionRejected.length === 1, 5000, 'rejection');
    expect(h.logs.find((line) => line.msg === 'audiosocket protocol error; closing the connection')).toMatchObject({
      reason: 'bad_uuid_length',
    });
  });

  it('closes a session that sends a second UUID frame', async () => {
    const h = (harness = await startAudiosocketHarness());
    const { peer, uuid } = await h.openSession();
    peer.sendUuid(randomUUID());
    await waitUntil(() => h.events.sessionEnded.length === 1, 5000, 'session end');
    expect(h.events.sessionEnded[0]).toMatchObject({ callId: uuid, reason: 'protocol_error' });
  });

  it('ends a session on an error frame (0xff, declared by Asterisk but never sent)', async () => {
    const h = (harness = await startAudiosocketHarness());
    const { peer, uuid } = await h.openSession();
    peer.send(rawFrame(WIRE_KIND.ERROR, Buffer.from([0x04])));
    await waitUntil(() => h.events.sessionEnded.length === 1, 5000, 'session end');
    expect(h.events.sessionEnded[0]).toMatchObject({ callId: uuid, reason: 'peer_error' });
    expect(h.logs.find((line) => line.msg === 'audiosocket peer sent an error frame')).toMatchObject({
      payloadHex: '04',
    });
  });

  it('survives a listener that throws, and logs it', async () => {
    const h = (harness = await startAudiosocketHarness());
    h.server.on('audioReceived', () => {
      throw new Error('bug in a subscriber');
    });
    const { peer, uuid } = await h.openSession();
    peer.startAudio({ frames: 5 });
    await waitUntil(() => h.events.audioReceived.length === 5, 5000, 'five frames');
    expect(h.server.getSession(uuid, 'visitor')?.state).toBe('active');
    expect(h.logs.filter((line) => line.msg === 'audiosocket listener failed')).toHaveLength(5);
  });
});
