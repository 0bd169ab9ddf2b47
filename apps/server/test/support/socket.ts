import { io, type Socket } from 'socket.io-client';

export interface Envelope {
  event: string;
  data: Record<string, any>;
  version: string;
  seq: number;
  ts: string;
}

/** A socket.io-client connection that records every envelope it receives. */
export async function connectSocket(
  baseUrl: string,
  auth: { token?: string; last_seq?: number },
): Promise<{
  socket: Socket;
  received: Envelope[];
  waitFor: (predicate: (e: Envelope[]) => boolean, ms?: number) => Promise<void>;
}> {
  const socket = io(baseUrl, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  const received: Envelope[] = [];
  socket.onAny((name: string, payload: Envelope) => {
    if (payload && typeof payload.seq === 'number') received.push(payload);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => reject(error));
  });
  const waitFor = async (predicate: (e: Envelope[]) => boolean, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!predicate(received)) {
      if (Date.now() > deadline)
        throw new Error(`timed out; received ${JSON.stringify(received.map((e) => [e.event, e.seq]))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { socket, received, waitFor };
}
