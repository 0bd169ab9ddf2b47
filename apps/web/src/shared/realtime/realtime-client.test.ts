import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { realtimeOverFakeSocket } from '../../test-support/fake-socket';
import type { Envelope } from './realtime-client';

function envelope(event: string, seq: number, data: Record<string, unknown> = {}): Envelope {
  return { event, data, version: 'v1', seq, ts: new Date().toISOString() };
}

const setup = realtimeOverFakeSocket;

describe('RealtimeClient', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('authenticates with a fresh token and no seq on the first connection', async () => {
    const { client, socket } = setup();
    expect(client.status).toBe('connecting');
    await socket().handshake();
    expect(socket().authPayloads).toEqual([{ token: 'token-1' }]);
    expect(client.status).toBe('connected');
  });

  it('delivers envelopes to their handlers in order and drops repeats at or below the last seq', async () => {
    const { client, socket } = setup();
    await socket().handshake();
    const seen: number[] = [];
    client.on('message_created', (e) => seen.push(e.seq));
    socket().serverEmit('message_created', envelope('message_created', 5));
    socket().serverEmit('message_created', envelope('message_created', 6));
    socket().serverEmit('message_created', envelope('message_created', 6));
    socket().serverEmit('message_created', envelope('message_created', 4));
    socket().serverEmit('message_created', { not: 'an envelope' });
    expect(seen).toEqual([5, 6]);
    expect(client.seq).toBe(6);
  });

  it('resumes from the last seq after a reconnection, so the server replays what was missed', async () => {
    const { client, socket } = setup();
    await socket().handshake();
    socket().serverEmit('call_answered', envelope('call_answered', 41));
    socket().drop('transport close');
    expect(client.status).toBe('reconnecting');

    await socket().handshake();
    expect(socket().authPayloads[1]).toEqual({ token: 'token-2', last_seq: 41 });
    const replayed: number[] = [];
    client.onAny((e) => replayed.push(e.seq));
    socket().serverEmit('message_created', envelope('message_created', 42));
    socket().serverEmit('replay_complete', { last_seq: 42 });
    expect(replayed).toEqual([42]);
  });

  it('asks for an HTTP reload when it reconnects with no seq to resume from', async () => {
    const { client, socket } = setup();
    const resync = vi.fn();
    client.onResync(resync);
    await socket().handshake();
    socket().drop('transport close');
    await socket().handshake();
    expect(resync).toHaveBeenCalledTimes(1);
  });

  it('reloads over HTTP when the server says the gap is too large', async () => {
    const { client, socket } = setup();
    const resync = vi.fn();
    client.onResync(resync);
    await socket().handshake();
    socket().serverEmit('resync_required', { latest_seq: 20_000 });
    expect(resync).toHaveBeenCalledTimes(1);
    expect(client.seq).toBe(20_000);
  });

  it('reconnects with a refreshed token when the server closes the socket at token expiry', async () => {
    const { socket, refreshToken } = setup();
    await socket().handshake();
    const before = socket().connectCalls;
    socket().drop('io server disconnect');
    await vi.advanceTimersByTimeAsync(150);
    expect(refreshToken).toHaveBeenCalledTimes(1);
    expect(socket().connectCalls).toBe(before + 1);
  });

  it('refreshes and retries when the handshake is refused for an expired token', async () => {
    const { socket, refreshToken } = setup();
    socket().active = false;
    socket().fire(
      'connect_error',
      Object.assign(new Error('auth.token_expired'), { data: { code: 'auth.token_expired' } }),
    );
    await vi.advanceTimersByTimeAsync(150);
    expect(refreshToken).toHaveBeenCalled();
    expect(socket().connectCalls).toBe(2);
  });

  it('gives up and reports the end of the session when the token cannot be refreshed', async () => {
    const { socket, refreshToken, onSessionEnded } = setup();
    refreshToken.mockRejectedValue(Object.assign(new Error('ended'), { name: 'SessionEndedError' }));
    socket().fire(
      'connect_error',
      Object.assign(new Error('auth.session_revoked'), { data: { code: 'auth.session_revoked' } }),
    );
    await vi.advanceTimersByTimeAsync(150);
    expect(onSessionEnded).toHaveBeenCalled();
  });

  it('answers client events through acks, and reports when disconnected', async () => {
    const { client, socket } = setup();
    expect(await client.emitWithAck('heartbeat', {})).toMatchObject({
      ok: false,
      error: { code: 'socket.disconnected' },
    });
    await socket().handshake();
    socket().ackAnswer = { ok: true, data: { status: 'online' } };
    expect(await client.emitWithAck('update_status', { status: 'online' })).toEqual({
      ok: true,
      data: { status: 'online' },
    });
    expect(socket().emitted).toEqual([{ event: 'update_status', payload: { status: 'online' } }]);
  });

  it('stops cleanly: no status changes and no retries after stop', async () => {
    const { client, socket, refreshToken } = setup();
    await socket().handshake();
    client.stop();
    expect(client.status).toBe('offline');
    socket().drop('io server disconnect');
    await vi.advanceTimersByTimeAsync(500);
    expect(refreshToken).not.toHaveBeenCalled();
    expect(client.status).toBe('offline');
  });

  describe('watched topics', () => {
    it('sends watch for the first holder only and unwatch when the last one releases', async () => {
      const { client, socket } = setup();
      await socket().handshake();
      const first = client.watch('unassigned');
      const second = client.watch('unassigned');
      await vi.advanceTimersByTimeAsync(0);
      expect(socket().watchLog()).toEqual(['watch unassigned']);
      first();
      first();
      expect(socket().watchLog()).toEqual(['watch unassigned']);
      second();
      expect(socket().watchLog()).toEqual(['watch unassigned', 'unwatch unassigned']);
      expect(socket().emitted.at(-1)).toEqual({ event: 'unwatch', payload: { topic: 'unassigned' } });
    });

    it('watches on connecting what was held while disconnected, and again after every reconnection', async () => {
      const { client, socket } = setup();
      client.watch('unassigned');
      client.watch('presence');
      expect(socket().watchLog()).toEqual([]);
      await socket().handshake();
      expect(socket().watchLog()).toEqual(['watch unassigned', 'watch presence']);
      socket().drop('transport close');
      await socket().handshake();
      expect(socket().watchLog()).toEqual(['watch unassigned', 'watch presence', 'watch unassigned', 'watch presence']);
    });

    it('sends the watches before reporting the connection, so a holder reacting to it finds them sent', async () => {
      const { client, socket } = setup();
      client.watch('unassigned');
      const sentWhenConnected: string[][] = [];
      client.onStatus((status) => {
        if (status === 'connected') sentWhenConnected.push(socket().watchLog());
      });
      await socket().handshake();
      expect(sentWhenConnected).toEqual([['watch unassigned']]);
    });

    it('reports each answered watch of a topic, ok or not, and whether this connection has one', async () => {
      const { client, socket } = setup();
      socket().holdsAcks = true;
      const answers: unknown[] = [];
      client.onWatched('unassigned', (result) => answers.push(result));
      client.onWatched('presence', () => answers.push('presence'));
      client.watch('unassigned');
      await socket().handshake();
      expect(client.isWatchAnswered('unassigned')).toBe(false);
      socket().answerAcks();
      await vi.advanceTimersByTimeAsync(0);
      expect(answers).toEqual([{ ok: true }]);
      expect(client.isWatchAnswered('unassigned')).toBe(true);

      socket().drop('transport close');
      expect(client.isWatchAnswered('unassigned')).toBe(false);
      socket().ackAnswer = { ok: false, error: { code: 'request.invalid', message: 'No.' } };
      await socket().handshake();
      socket().answerAcks();
      await vi.advanceTimersByTimeAsync(0);
      expect(answers).toEqual([{ ok: true }, { ok: false, error: { code: 'request.invalid', message: 'No.' } }]);
      expect(client.isWatchAnswered('unassigned')).toBe(true);
    });

    it('ignores the answer to a watch the socket lost or a release replaced: only the latest request counts', async () => {
      const { client, socket } = setup();
      socket().holdsAcks = true;
      const answers = vi.fn();
      client.onWatched('unassigned', answers);
      const release = client.watch('unassigned');
      await socket().handshake();
      socket().drop('transport close');
      socket().answerAcks();
      await vi.advanceTimersByTimeAsync(0);
      expect(answers).not.toHaveBeenCalled();

      await socket().handshake();
      release();
      client.watch('unassigned');
      // watch, unwatch, watch: the first answer is not the one the second watch waits for.
      expect(socket().watchLog().slice(-3)).toEqual(['watch unassigned', 'unwatch unassigned', 'watch unassigned']);
      expect(socket().answerAcks()).toBe(3);
      await vi.advanceTimersByTimeAsync(0);
      expect(answers).toHaveBeenCalledTimes(1);
      expect(client.isWatchAnswered('unassigned')).toBe(true);
    });

    it('stops reporting to a listener once it is removed', async () => {
      const { client, socket } = setup();
      const answers = vi.fn();
      const off = client.onWatched('unassigned', answers);
      client.watch('unassigned');
      off();
      await socket().handshake();
      await vi.advanceTimersByTimeAsync(0);
      expect(answers).not.toHaveBeenCalled();
      expect(client.isWatchAnswered('unassigned')).toBe(true);
    });
  });
});
