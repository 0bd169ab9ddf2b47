/**
 * Every AudioSocket connection reads into one shared, reused buffer instead of a fresh
 * one per read.
 *
 * Why: a `data` event hands out a new ArrayBuffer for every read, 50 a second per call.
 * At a few hundred calls those young ArrayBuffers are most of what a scavenge does
 * (`scavenge.sweep_array_buffers` in --trace-gc-nvp), and scavenges are the frame
 * turnaround's p99 tail (docs/benchmarks.md). Node has the mechanism, `onread` with a
 * user buffer, but offers it only for sockets it creates as a client (`net.connect`), not
 * for the sockets a `net.Server` accepts. This module sets the same two fields and the
 * handle's `useUserBuffer` that Node's `Socket` constructor sets for `onread`
 * (lib/net.js), on a socket accepted paused (`pauseOnConnect`), before it reads anything.
 *
 * One buffer serves every socket: libuv reads one socket at a time and the callback runs
 * to completion before the next read, so a read is only valid during its callback. The
 * parser copies what it keeps between reads, and `audioReceived` says the same to its
 * listeners. Where this Node does not have the fields, the socket falls back to `data`
 * events (same callback, a fresh buffer per read); `startReading` says which it chose.
 */
import type { Socket } from 'node:net';

/** Larger than any read one connection can usefully hand us (a 64 KiB socket buffer). */
export const SHARED_READ_BUFFER_BYTES = 64 * 1024;

export type ReadMode = 'shared' | 'per_read';

export type ReadCallback = (buffer: Buffer, length: number) => void;

interface UserBufferHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

let sharedBuffer: Buffer | undefined;

function internalSymbols(socket: Socket): { kBuffer: symbol; kBufferCb: symbol } | undefined {
  let kBuffer: symbol | undefined;
  let kBufferCb: symbol | undefined;
  for (const symbol of Object.getOwnPropertySymbols(socket)) {
    if (symbol.description === 'kBuffer') kBuffer = symbol;
    else if (symbol.description === 'kBufferCb') kBufferCb = symbol;
  }
  return kBuffer && kBufferCb ? { kBuffer, kBufferCb } : undefined;
}

function userBufferHandle(socket: Socket): UserBufferHandle | undefined {
  const handle = (socket as unknown as { _handle?: Partial<UserBufferHandle> | null })._handle;
  return typeof handle?.useUserBuffer === 'function' ? (handle as UserBufferHandle) : undefined;
}

/**
 * Starts reading a socket accepted with `pauseOnConnect` (one that has not read yet): into
 * the shared buffer when this Node allows it, else through `data` events. Returns which one
 * it chose.
 */
export function startReading(socket: Socket, onRead: ReadCallback): ReadMode {
  const symbols = internalSymbols(socket);
  const handle = userBufferHandle(socket);
  let mode: ReadMode = 'per_read';
  if (symbols && handle && socket.readableFlowing === false && socket.bytesRead === 0) {
    sharedBuffer ??= Buffer.allocUnsafe(SHARED_READ_BUFFER_BYTES);
    const buffer = sharedBuffer;
    const fields = socket as unknown as Record<symbol, unknown>;
    fields[symbols.kBuffer] = buffer;
    // Node stops reading when the callback returns false; returning nothing keeps it going.
    fields[symbols.kBufferCb] = (length: number): void => onRead(buffer, length);
    handle.useUserBuffer(buffer);
    mode = 'shared';
  } else {
    socket.on('data', (chunk: Buffer) => onRead(chunk, chunk.length));
  }
  socket.resume();
  return mode;
}
