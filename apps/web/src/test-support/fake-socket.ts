/** Enough of a socket.io client socket to drive the console's RealtimeClient from a test. */
import { vi } from 'vitest';
import { RealtimeClient, type SocketFactory } from '../shared/realtime/realtime-client';

type Listener = (...args: unknown[]) => void;

export class FakeSocket {
  connected = false;
  active = true;
  connectCalls = 0;
  authPayloads: unknown[] = [];
  emitted: { event: string; payload: unknown }[] = [];
  ackAnswer: unknown = { ok: true };
  /** When set, acks wait in `pendingAcks` until `answerAcks()`, as a server that has not answered yet. */
  holdsAcks = false;
  private pendingAcks: (() => void)[] = [];
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
    return {
      emitWithAck: (event: string, payload: unknown) => {
        this.emit(event, payload);
        const answer = this.ackAnswer;
        if (!this.holdsAcks) return Promise.resolve(answer);
        return new Promise((resolve) => this.pendingAcks.push(() => resolve(answer)));
      },
    };
  }

  /** Answers every ack held so far, in the order they were asked. */
  answerAcks(): number {
    const acks = this.pendingAcks;
    this.pendingAcks = [];
    for (const answer of acks) answer();
    return acks.length;
  }

  /** `event topic` for each watch and unwatch sent, in order. */
  watchLog(): string[] {
    return this.emitted
      .filter(({ event }) => event === 'watch' || event === 'unwatch')
      .map(({ event, payload }) => `${event} ${(payload as { topic: string }).topic}`);
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

/** A started RealtimeClient over a FakeSocket (not connected until `socket().handshake()`). */
export function realtimeOverFakeSocket(options: { token?: () => Promise<string> } = {}) {
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
