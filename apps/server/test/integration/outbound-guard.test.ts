/**
 * The outbound-HTTP guard against real sockets: the gate webhook, WhatsApp media and
 * redirects, each refused where the URL reaches a private, loopback or metadata address
 * the allow-list does not name, and the channel's token kept to WhatsApp's own hosts.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GateWebhookClient } from '../../src/integrations/gate-webhook/index.js';
import {
  OutboundAllowList,
  OutboundHttp,
  OutboundRefusedError,
  OutboundTooLargeError,
} from '../../src/integrations/outbound-http/index.js';
import { WhatsAppCloudClient } from '../../src/integrations/whatsapp/index.js';
import { createLogger } from '../../src/shared/logger.js';
import { loopbackOutbound } from '../support/outbound.js';
import { startGraphStub, type GraphStub } from '../support/whatsapp-graph-stub.js';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** A local server that records each request and answers what `answer` says for its path. */
async function startRecorder(
  answer: (path: string) => { status: number; headers?: Record<string, string>; body?: string },
) {
  const received: Recorded[] = [];
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const path = request.url ?? '/';
      received.push({ method: request.method ?? '', path, headers: request.headers });
      const { status, headers, body } = answer(path);
      response.writeHead(status, headers);
      response.end(body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const gateOptions = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10, attemptTimeoutMs: 2000 };
const delivery = (url: string) => ({ url, secret: 'gate-secret-gate-secret', payload: { call_id: 'c1' } });

describe('the gate webhook through the outbound guard', () => {
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let strict: OutboundHttp;
  let loopback: OutboundHttp;

  beforeAll(async () => {
    recorder = await startRecorder((path) =>
      path === '/to-metadata'
        ? { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } }
        : path === '/to-other-loopback'
          ? { status: 307, headers: { location: `http://127.0.0.2:${recorder.port}/gate` } }
          : { status: 200, body: '{"ok":true}' },
    );
    strict = loopbackOutbound('');
    loopback = loopbackOutbound('127.0.0.1');
  });
  afterAll(async () => {
    await strict.close();
    await loopback.close();
    await recorder.close();
  });

  it('refuses the cloud metadata address at once, without retrying', async () => {
    const result = await new GateWebhookClient(strict, gateOptions).deliver(delivery('http://169.254.169.254/latest'));
    expect(result.status).toBe('failed');
    expect(result.attempts).toHaveLength(1);
    expect(result.error).toMatch(/169\.254\.169\.254 is a link-local address/);
  });

  it('refuses 127.0.0.1 without an allow-list, and reaches it when the allow-list names it', async () => {
    recorder.received.length = 0;
    const refused = await new GateWebhookClient(strict, gateOptions).deliver(delivery(`${recorder.url}/gate`));
    expect(refused).toMatchObject({ status: 'failed', httpStatus: null });
    expect(refused.error).toMatch(/loopback/);
    expect(recorder.received).toHaveLength(0);

    const allowed = await new GateWebhookClient(loopback, gateOptions).deliver(delivery(`${recorder.url}/gate`));
    expect(allowed).toMatchObject({ status: 'delivered', httpStatus: 200 });
    expect(recorder.received).toHaveLength(1);
  });

  it('refuses loopback written as a number, in IPv6 or IPv4-mapped form', async () => {
    recorder.received.length = 0;
    for (const host of ['2130706433', '0x7f.1', '[::1]', '[::ffff:127.0.0.1]', '0.0.0.0']) {
      const result = await new GateWebhookClient(strict, gateOptions).deliver(
        delivery(`http://${host}:${recorder.port}/gate`),
      );
      expect(result).toMatchObject({ status: 'failed', httpStatus: null });
      expect(result.attempts).toHaveLength(1);
    }
    expect(recorder.received).toHaveLength(0);
  });

  it('refuses a name that resolves to loopback (localhost)', async () => {
    recorder.received.length = 0;
    const result = await new GateWebhookClient(strict, gateOptions).deliver(
      delivery(`http://localhost:${recorder.port}/gate`),
    );
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/refused: .* is a loopback address|unspecified or loopback/);
    expect(recorder.received).toHaveLength(0);
  });

  it('checks every redirect: one to the metadata address or to loopback not allowed is refused', async () => {
    recorder.received.length = 0;
    const toMetadata = await new GateWebhookClient(loopback, gateOptions).deliver(
      delivery(`${recorder.url}/to-metadata`),
    );
    expect(toMetadata.status).toBe('failed');
    expect(toMetadata.error).toMatch(/169\.254\.169\.254 is a link-local address/);
    const toOther = await new GateWebhookClient(loopback, gateOptions).deliver(
      delivery(`${recorder.url}/to-other-loopback`),
    );
    expect(toOther.status).toBe('failed');
    expect(toOther.error).toMatch(/127\.0\.0\.2 is a loopback address/);
    // Only the first hops reached the recorder; nothing reached a refused address.
    expect(recorder.received.map((r) => r.path)).toEqual(['/to-metadata', '/to-other-loopback']);
  });
});

describe('one resolution per connection (DNS rebinding)', () => {
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  beforeAll(async () => {
    recorder = await startRecorder(() => ({ status: 200, body: 'ok' }));
  });
  afterAll(() => recorder.close());

  /** A DNS that answers from a script, one answer per question, and counts the questions. */
  function scriptedDns(answers: string[]) {
    const asked: string[] = [];
    return {
      asked,
      resolve: (hostname: string) => {
        asked.push(hostname);
        const address = answers[Math.min(asked.length - 1, answers.length - 1)] ?? '';
        return Promise.resolve([{ address, family: address.includes(':') ? 6 : 4 }]);
      },
    };
  }

  it('connects to the address the check saw: a name only our resolver knows reaches the allowed address', async () => {
    const dns = scriptedDns(['127.0.0.1']);
    const http = new OutboundHttp({
      allowList: OutboundAllowList.parse('127.0.0.1'),
      logger: createLogger({ level: 'silent' }),
      resolve: dns.resolve,
    });
    recorder.received.length = 0;
    // pinned.invalid does not exist in real DNS: the connection can only have used our answer.
    const response = await http.request(`http://pinned.invalid:${recorder.port}/x`);
    expect(response.status).toBe(200);
    expect(dns.asked).toEqual(['pinned.invalid']);
    expect(recorder.received[0]?.headers.host).toBe(`pinned.invalid:${recorder.port}`);
    await http.close();
  });

  it('refuses a name whose answer is the metadata address, without connecting', async () => {
    const dns = scriptedDns(['169.254.169.254']);
    const http = new OutboundHttp({
      allowList: OutboundAllowList.parse('127.0.0.1'),
      logger: createLogger({ level: 'silent' }),
      resolve: dns.resolve,
    });
    await expect(http.request('http://rebind.invalid/latest/meta-data/')).rejects.toThrow(
      /169\.254\.169\.254 is a link-local address/,
    );
    await http.close();
  });
});

describe('OutboundHttp limits', () => {
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let http: OutboundHttp;

  beforeAll(async () => {
    recorder = await startRecorder((path) => {
      const hop = /^\/loop\/(\d+)$/.exec(path);
      if (hop) return { status: 302, headers: { location: `/loop/${Number(hop[1]) + 1}` } };
      return { status: 200, body: 'x'.repeat(10_000) };
    });
    http = loopbackOutbound();
  });
  afterAll(async () => {
    await http.close();
    await recorder.close();
  });

  it('stops reading a response past its size limit', async () => {
    await expect(http.request(`${recorder.url}/big`, { maxResponseBytes: 1000 })).rejects.toBeInstanceOf(
      OutboundTooLargeError,
    );
    expect((await http.request(`${recorder.url}/big`, { maxResponseBytes: 20_000 })).body).toHaveLength(10_000);
  });

  it('follows a bounded number of redirects', async () => {
    recorder.received.length = 0;
    await expect(http.request(`${recorder.url}/loop/0`, { maxRedirects: 3 })).rejects.toBeInstanceOf(
      OutboundRefusedError,
    );
    expect(recorder.received).toHaveLength(4);
  });

  it('refuses schemes other than http and https, and credentials in the URL', async () => {
    await expect(http.request('file:///etc/passwd')).rejects.toBeInstanceOf(OutboundRefusedError);
    await expect(http.request(`http://user:pw@127.0.0.1:${recorder.port}/`)).rejects.toBeInstanceOf(
      OutboundRefusedError,
    );
  });
});

describe('WhatsApp media through the outbound guard', () => {
  let graph: GraphStub;
  let foreign: Awaited<ReturnType<typeof startRecorder>>;
  let http: OutboundHttp;
  let client: WhatsAppCloudClient;
  const token = 'EAAG-the-channel-token-0123456789';

  beforeAll(async () => {
    graph = await startGraphStub();
    foreign = await startRecorder(() => ({ status: 200, body: 'stolen' }));
    http = loopbackOutbound();
    client = new WhatsAppCloudClient({ graphUrl: graph.url, http, logger: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    await http.close();
    await foreign.close();
    await graph.close();
  });

  const lookupAnswering = (url: string) =>
    graph.enqueueMediaLookup({
      kind: 'raw',
      status: 200,
      body: JSON.stringify({ messaging_product: 'whatsapp', url, mime_type: 'image/jpeg', id: '4242' }),
    });

  it('refuses a media URL on a foreign host and never sends it the token', async () => {
    for (const url of [`${foreign.url}/file`, `https://127.0.0.1:${foreign.port}/file`, 'https://evil.example/f']) {
      lookupAnswering(url);
      const result = await client.downloadMedia({
        mediaId: '4242',
        phoneNumberId: '106540352242922',
        accessToken: token,
        maxBytes: 1000,
      });
      expect(result).toMatchObject({ ok: false, retryable: false });
      expect(result.ok ? '' : result.reason).toMatch(
        /media URL was refused: (media URLs must be HTTPS|.* is not a Meta media host)/,
      );
    }
    expect(foreign.received).toHaveLength(0);
  });

  it('refuses a media id that is not a Graph id (`..` would leave the version prefix) before any request', async () => {
    const before = graph.mediaRequests.length;
    for (const mediaId of ['..', '../me', 'a/b', 'a?b', '']) {
      const result = await client.downloadMedia({
        mediaId,
        phoneNumberId: '106540352242922',
        accessToken: token,
        maxBytes: 1000,
      });
      expect(result).toEqual({ ok: false, reason: 'the media id is not a Graph id', retryable: false });
    }
    expect(graph.mediaRequests).toHaveLength(before);
  });
});
