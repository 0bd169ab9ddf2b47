import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SHARED_READ_BUFFER_BYTES, startReading, type ReadMode } from './audiosocket.reads.js';

interface Accepted {
  socket: Socket;
  mode: ReadMode;
  reads: { buffer: Buffer; bytes: Buffer }[];
  dataEvents: number;
  ended: Promise<unknown>;
  closed: Promise<unknown>;
}

const servers: Server[] = [];
const clients: Socket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(pauseOnConnect: boolean): Promise<{ port: number; accepted: Accepted[] }> {
  const accepted: Accepted[] = [];
  const server = createServer({ pauseOnConnect }, (socket) => {
    const entry: Accepted = {
      socket,
      mode: 'per_read',
      reads: [],
      dataEvents: 0,
      ended: once(socket, 'end'),
      closed: once(socket, 'close'),
    };
    accepted.push(entry);
    socket.on('end', () => socket.end());
    entry.mode = startReading(socket, (buffer, length) => {
      entry.reads.push({ buffer, bytes: Buffer.from(buffer.subarray(0, length)) });
      socket.write(buffer.subarray(0, length));
    });
    socket.on('data', () => (entry.dataEvents += 1));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, accepted };
}

async function client(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  clients.push(socket);
  await once(socket, 'connect');
  return socket;
}

async function echo(socket: Socket, bytes: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  const done = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= bytes.length) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
  });
  socket.write(bytes);
  await done;
  return Buffer.concat(chunks);
}

describe('startReading', () => {
  it('reads every accepted socket into one shared buffer, without data events, on this Node', async () => {
    const { port, accepted } = await listen(true);
    const first = await client(port);
    const second = await client(port);
    expect(await echo(first, Buffer.from('first'))).toEqual(Buffer.from('first'));
    expect(await echo(second, Buffer.from('second'))).toEqual(Buffer.from('second'));
    expect(await echo(first, Buffer.from('again'))).toEqual(Buffer.from('again'));

    expect(accepted.map((entry) => entry.mode)).toEqual(['shared', 'shared']);
    const [a, b] = accepted as [Accepted, Accepted];
    expect(a.reads.map((read) => read.bytes.toString())).toEqual(['first', 'again']);
    expect(b.reads.map((read) => read.bytes.toString())).toEqual(['second']);
    // One buffer for both sockets and every read.
    expect(a.reads[0]?.buffer).toBe(b.reads[0]?.buffer);
    expect(a.reads[1]?.buffer).toBe(a.reads[0]?.buffer);
    expect(a.reads[0]?.buffer.length).toBe(SHARED_READ_BUFFER_BYTES);
    expect(a.dataEvents + b.dataEvents).toBe(0);
  });

  it('still sees the end of the stream and the close', async () => {
    const { port, accepted } = await listen(true);
    const socket = await client(port);
    await echo(socket, Buffer.from('bye'));
    socket.end();
    await accepted[0]?.ended;
    await accepted[0]?.closed;
    expect(accepted[0]?.socket.destroyed).toBe(true);
  });

  it('carries a read larger than one frame whole, up to the buffer size', async () => {
    const { port, accepted } = await listen(true);
    const socket = await client(port);
    const bytes = Buffer.alloc(3 * SHARED_READ_BUFFER_BYTES, 7);
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = i % 251;
    expect((await echo(socket, bytes)).equals(bytes)).toBe(true);
    const received = Buffer.concat(accepted[0]?.reads.map((read) => read.bytes) ?? []);
    expect(received.equals(bytes)).toBe(true);
  });

  it('falls back to data events for a socket that was not accepted paused', async () => {
    const { port, accepted } = await listen(false);
    const socket = await client(port);
    expect(await echo(socket, Buffer.from('plain'))).toEqual(Buffer.from('plain'));
    expect(accepted[0]?.mode).toBe('per_read');
    expect(accepted[0]?.reads.map((read) => read.bytes.toString())).toEqual(['plain']);
  });
});
