/**
 * A local HTTP server standing in for a company's webhook endpoint (or RD Station): records
 * every request with its raw body, answers as scripted, and can go down and come back on the
 * same port (connections refused meanwhile).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  at: number;
}

export interface ScriptedAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Never answer (the sender's deadline runs out, or it is stopped). */
  hang?: boolean;
}

export interface EventReceiver {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** Answers for the next requests, in order; then `fallback`. */
  script: ScriptedAnswer[];
  fallback: ScriptedAnswer | ((request: ReceivedRequest) => ScriptedAnswer);
  /** Stops listening: connections are refused until `up()`. */
  down(): Promise<void>;
  /** Listens again on the same port (nothing to do when it is listening). */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startEventReceiver(path = '/hooks'): Promise<EventReceiver> {
  let server: Server | undefined;
  let port = 0;
  const receiver: EventReceiver = {
    url: '',
    port: 0,
    received: [],
    script: [],
    fallback: { status: 200, body: '{"ok":true}' },
    async down() {
      const current = server;
      server = undefined;
      if (!current) return;
      current.closeAllConnections();
      await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    async up() {
      if (server) return;
      server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const received: ReceivedRequest = {
            method: request.method ?? '',
            url: request.url ?? '',
            headers: request.headers,
            rawBody: Buffer.concat(chunks).toString('utf8'),
            at: Date.now(),
          };
          receiver.received.push(received);
          const fallback = receiver.fallback;
          const answer = receiver.script.shift() ?? (typeof fallback === 'function' ? fallback(received) : fallback);
          if (answer.hang) return;
          response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          response.end(answer.body ?? '{}');
        });
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      receiver.port = port;
      receiver.url = `http://127.0.0.1:${port}${path}`;
    },
    close: () => receiver.down(),
  };
  await receiver.up();
  return receiver;
}

/** Waits for a condition, polling; throws with `what` after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** docs/webhooks.md, "Verifying a delivery" (Node): the check receivers are told to run. */
export function verifySwitchboardSignature(
  header: string,
  rawBody: string,
  secret: string,
  toleranceSeconds = 300,
): boolean {
  const parts = header.split(',').map((part) => part.trim().split('='));
  const t = Number(parts.find(([key]) => key === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex'));
  return parts.some(
    ([key, value]) =>
      key === 'v1' &&
      value !== undefined &&
      value.length === expected.length &&
      timingSafeEqual(Buffer.from(value), expected),
  );
}
