import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.js';

/** RFC 9110 single byte ranges (`bytes=a-b`, `bytes=a-`, `bytes=-n`). Multiple ranges are not served. */
export type RangeResult =
  { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: 'full' };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'full' };
  const [, rawStart = '', rawEnd = ''] = match;
  if (rawStart === '') {
    const suffix = Number(rawEnd);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(rawStart);
  const end = rawEnd === '' ? size - 1 : Math.min(Number(rawEnd), size - 1);
  if (start >= size || end < start) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}

/**
 * Sends a file honouring `Range` (200 whole, 206 a part, 416 with `unsatisfiableCode` as
 * problem+json). The caller sets the content type and its other headers first.
 */
export function sendFileRange(
  request: FastifyRequest,
  reply: FastifyReply,
  file: { path: string; sizeBytes: number },
  unsatisfiableCode: string,
): FastifyReply {
  const range = parseRange(request.headers.range, file.sizeBytes);
  reply.header('accept-ranges', 'bytes');
  if (range.kind === 'unsatisfiable') {
    reply.header('content-range', `bytes */${file.sizeBytes}`);
    return sendProblem(request, reply, { status: 416, code: unsatisfiableCode });
  }
  if (range.kind === 'partial') {
    reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${file.sizeBytes}`)
      .header('content-length', String(range.end - range.start + 1));
    return reply.send(createReadStream(file.path, { start: range.start, end: range.end }));
  }
  reply.header('content-length', String(file.sizeBytes));
  return reply.send(storedFileBody(file));
}

/**
 * A stored file's bytes as a body, read up to its known size and no further. A stream
 * without an end reads once more to find the end of the file before it ends, and only then
 * is the answer finished: on a busy machine (that read waiting for a free libuv thread)
 * clients had every byte the content-length announced while the answer stayed open,
 * holding its keep-alive connection and a server close behind it.
 */
export function storedFileBody(file: { path: string; sizeBytes: number }): Readable | Buffer {
  if (file.sizeBytes === 0) return Buffer.alloc(0);
  return createReadStream(file.path, { start: 0, end: file.sizeBytes - 1 });
}
