import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient, type Envelope, type SocketFactory } from './realtime-client';

type Listener = (...args: unknown[]) => void;

/** Enough of a socket.io client socket to drive the client from a test. */
class FakeSocket {
  connected = false;
  active = true;
  connectCalls = 0;
  authPayloads: unknown[] = [];
  emitted: { event: string; payload: unknown }[] = [];
  ackAnswer: unknown = { ok: true };
  private listeners = new Map<string, Listener[]>();
  private anyListeners: Listener[] = [];

  constructor(private readonly auth: (cb: (payload: unknown) => void) => void) {}

  on(event: string, listener: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  onAny(listener: Listener) {
    this.anyListeners.push(listener);
    return this;
  }
  connect() {
    this.connectCalls += 1;
    return this;
  }
  disconnect() {
    this.connected = false;
    return this;
  }
  emit(event: string, payload: unknown) {
    this.emitted.push({ event, payload });
    return this;
  }
  timeout() {
    return { emitWithAck: async (event: string, payload: unknown) => (this.emit(event, payload), this.ackAnswer) };
  }

  /** What the Manager does on each (re)connection attempt: read auth, then connect. */
  async handshake(): Promise<void> {
    const payload = await new Promise((resolve) => this.auth(resolve));
    this.authPayloads.push(payload);
    this.connected = true;
    this.fire('connect');
  }
  fire(event: string, ...args: unknown[]) {
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }
  serverEmit(event: string, payload: unknown) {
    for (const listener of this.anyListeners) listener(event, payload);
  }
  drop(reason: string) {
    this.connected = false;
    this.fire('disconnect', reason);
  }
}

function envelope(event: string, seq: number, data: Record<string, unknown> = {}): Envelope {
  return { event, data, version: 'v1', seq, ts: new Date().toISOString() };
}

function setup(options: { token?: () => Promise<string> } = {}) {
  let socket: FakeSocket | undefined;
  const createSocket: SocketFactory = ({ auth }) => {
    socket = new FakeSocket(auth);
    return socket as unknown as ReturnType<SocketFactory>;
  };
  let n = 0;
  const refreshToken = vi.fn(async () => undefined);
  const onSessionEnded = vi.fn();
  const client = new RealtimeClient({
    createSocket,
    accessToken: options.token ?? (async () => `token-${++n}`),
    refreshToken,
    onSessionEnded,
    retryDelayMs: 100,
  });
  client.start();
  return { client, socket: () => socket!, refreshToken, onSessionEnded };
}

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
});
