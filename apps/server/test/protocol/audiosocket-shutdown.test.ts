import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startAudiosocketHarness, waitUntil, type AudiosocketHarness } from '../support/audiosocket-peer.js';

let harness: AudiosocketHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('AudioSocket graceful shutdown', () => {
  it('hangs up every session with 00 00 00, closes pending connections and stops listening', async () => {
    const h = (harness = await startAudiosocketHarness({ handshakeTimeoutMs: 60_000, hangupGraceMs: 300 }));
    const peers = [];
    for (let i = 0; i < 2; i++) {
      const peer = await h.connectPeer();
      peer.sendUuid(randomUUID());
      peers.push(peer);
    }
    // A peer that never acknowledges the hangup: close() must not wait on it forever.
    const stubborn = await h.connectPeer({ onHangupFrame: 'ignore' });
    stubborn.sendUuid(randomUUID());
    const pending = await h.connectPeer();
    await waitUntil(() => h.server.listSessions().length === 3, 5000, 'three sessions');

    await h.server.close();

    await Promise.all(peers.map((peer) => peer.closed));
    expect(peers.every((peer) => peer.sawHangupFrame && peer.closedBy === 'hangup_frame')).toBe(true);
    expect(stubborn.sawHangupFrame).toBe(true);
    await pending.closed;
    expect(h.events.sessionEnded.map((event) => event.reason)).toEqual([
      'server_closing',
      'server_closing',
      'server_closing',
    ]);
    expect(h.events.connectionRejected.map((event) => event.reason)).toEqual(['server_closing']);
    expect(h.server.listSessions()).toEqual([]);
    expect(h.logs.filter((line) => line.msg === 'KIND_HANGUP sent')).toHaveLength(3);

    const refused = await new Promise<string | undefined>((resolve) => {
      const socket = connect({ port: h.port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
    });
    expect(refused).toBe('ECONNREFUSED');
    await expect(h.server.close()).resolves.toBeUndefined();
  });
});
