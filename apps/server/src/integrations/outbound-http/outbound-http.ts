/**
 * The one way the server calls a URL: every outbound request (gate webhooks, the WhatsApp
 * Graph API and media, speech and language endpoints) goes through `OutboundHttp.request`.
 *
 * - The host name is resolved by our own `lookup` inside the connection (undici's connector
 *   passes it to `net.connect`/`tls.connect`), and the socket connects to the address that
 *   passed the check: a name that resolves to a public address for the check and to
 *   127.0.0.1 for the connection (DNS rebinding) cannot slip through, because there is
 *   one resolution. IP literals skip DNS, so they are checked before connecting.
 * - Redirects are followed by hand, each hop checked like the first; `authorization` and
 *   cookies are dropped when a hop leaves the first URL's origin.
 * - Every request has a deadline and a response-size limit; the body is read at most to it.
 */
import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, fetch, type Response } from 'undici';
import type { Logger } from '../../shared/logger.js';
import { refusalOf, type OutboundAllowList } from './address-policy.js';

export class OutboundRefusedError extends Error {
  override readonly name = 'OutboundRefusedError';
}

export class OutboundTooLargeError extends Error {
  override readonly name = 'OutboundTooLargeError';
}

export interface OutboundRequest {
  method?: string;
  headers?: Record<string, string>;
  /** A FormData is encoded to multipart bytes first. */
  body?: string | Uint8Array | FormData;
  signal?: AbortSignal;
  timeoutMs?: number;
  maxResponseBytes?: number;
  maxRedirects?: number;
  /** An extra rule every URL, the first and each redirect's, must pass (e.g. Meta's media hosts). */
  checkUrl?: (url: URL) => string | undefined;
}

export interface OutboundResponse {
  status: number;
  ok: boolean;
  headers: Headers;
  /** The URL that answered, after redirects. */
  url: string;
  body: Buffer;
  text(): string;
  /** The body as JSON, or undefined when it is not JSON. */
  json(): unknown;
}

/** Every address of a host name (`dns.lookup` with `all: true` by default). */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

export interface OutboundHttpOptions {
  allowList: OutboundAllowList;
  logger: Logger;
  /** Tests stand in for DNS here; the check and the connection use what it answers. */
  resolve?: ResolveHost;
  defaultTimeoutMs?: number;
  defaultMaxResponseBytes?: number;
  defaultMaxRedirects?: number;
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const CROSS_ORIGIN_DROPPED = ['authorization', 'cookie', 'proxy-authorization'];

export class OutboundHttp {
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly maxRedirects: number;
  private readonly resolve: ResolveHost;

  constructor(private readonly options: OutboundHttpOptions) {
    this.timeoutMs = options.defaultTimeoutMs ?? 10_000;
    this.maxResponseBytes = options.defaultMaxResponseBytes ?? 1024 * 1024;
    this.maxRedirects = options.defaultMaxRedirects ?? 3;
    this.resolve = options.resolve ?? ((hostname) => dnsLookup(hostname, { all: true }));
    this.agent = new Agent({ connect: { lookup: this.lookup } });
  }

  async request(url: string, init: OutboundRequest = {}): Promise<OutboundResponse> {
    const timeout = AbortSignal.timeout(init.timeoutMs ?? this.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const maxRedirects = init.maxRedirects ?? this.maxRedirects;
    let headers: Record<string, string> = { ...init.headers };
    let body = init.body;
    if (typeof FormData !== 'undefined' && body instanceof FormData) {
      // Encoded by the runtime's own fetch classes, so undici's version does not matter.
      const encoded = new globalThis.Response(body);
      headers['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data';
      body = new Uint8Array(await encoded.arrayBuffer());
    }
    let method = init.method ?? 'GET';
    let current = this.checkedUrl(url, init);
    const origin = current.origin;
    for (let hop = 0; ; hop += 1) {
      const response = await this.send(current, method, headers, body as string | Uint8Array | undefined, signal);
      const location = response.headers.get('location');
      if (!REDIRECT_STATUSES.has(response.status) || location === null) {
        const bytes = await readAtMost(response, init.maxResponseBytes ?? this.maxResponseBytes);
        return toOutboundResponse(response, current.href, bytes);
      }
      await response.body?.cancel();
      if (hop >= maxRedirects) throw this.refuse(current, `more than ${maxRedirects} redirects`);
      const next = this.checkedUrl(new URL(location, current).href, init);
      if (next.origin !== origin) {
        headers = Object.fromEntries(
          Object.entries(headers).filter(([name]) => !CROSS_ORIGIN_DROPPED.includes(name.toLowerCase())),
        );
      }
      // RFC 9110 §15.4: 303 (and, as browsers do, 301/302 after a POST) continue as a GET.
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-type'));
      }
      current = next;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
    signal: AbortSignal,
  ): Promise<Response> {
    try {
      return await fetch(url, {
        method,
        headers,
        body: body ?? null,
        redirect: 'manual',
        signal,
        dispatcher: this.agent,
      });
    } catch (error) {
      // undici wraps connection errors in "fetch failed"; the refusal from lookup is the cause.
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof OutboundRefusedError) throw cause;
      throw error;
    }
  }

  private checkedUrl(raw: string, init: OutboundRequest): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new OutboundRefusedError('outbound request refused: not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw this.refuse(url, `${url.protocol} is not HTTP`);
    if (url.username || url.password) throw this.refuse(url, 'credentials in the URL');
    const extra = init.checkUrl?.(url);
    if (extra !== undefined) throw this.refuse(url, extra);
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(hostname) !== 0) {
      const refusal = refusalOf(this.options.allowList, hostname, hostname);
      if (refusal !== undefined) throw this.refuse(url, refusal);
    }
    return url;
  }

  private refuse(url: URL, reason: string): OutboundRefusedError {
    this.options.logger.warn({ host: url.host, reason }, 'outbound request refused');
    return new OutboundRefusedError(`outbound request to ${url.host} refused: ${reason}`);
  }

  /** `net.connect`'s lookup: the addresses of `hostname` that pass the policy, or a refusal. */
  private readonly lookup = (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    this.resolve(hostname).then(
      (addresses) => {
        const permitted = addresses.filter((a) => refusalOf(this.options.allowList, hostname, a.address) === undefined);
        const first = permitted[0];
        if (!first) {
          const reason = refusalOf(this.options.allowList, hostname, addresses[0]?.address ?? '') ?? 'no address';
          this.options.logger.warn({ host: hostname, reason }, 'outbound request refused');
          return callback(new OutboundRefusedError(`outbound request to ${hostname} refused: ${reason}`), []);
        }
        if (options.all) return callback(null, permitted);
        return callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), []),
    );
  };
}

async function readAtMost(response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new OutboundTooLargeError(`the response is ${declared} bytes, over the ${maxBytes}-byte limit`);
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, total);
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new OutboundTooLargeError(`the response is over the ${maxBytes}-byte limit`);
    }
    chunks.push(value);
  }
}

function toOutboundResponse(response: Response, url: string, body: Buffer): OutboundResponse {
  return {
    status: response.status,
    ok: response.ok,
    headers: response.headers,
    url,
    body,
    text: () => body.toString('utf8'),
    json: () => {
      try {
        return JSON.parse(body.toString('utf8')) as unknown;
      } catch {
        return undefined;
      }
    },
  };
}
