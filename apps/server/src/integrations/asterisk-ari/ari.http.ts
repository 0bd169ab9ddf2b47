import WebSocket from 'ws';
import type { Logger } from '../../shared/logger.js';
import { AriError, AriUnavailableError, readAriErrorMessage, toAriError } from './ari.errors.js';

export type AriQueryValue = string | number | boolean | undefined;
export type AriQuery = Record<string, AriQueryValue>;

export interface AriHttpOptions {
  /** ASTERISK_ARI_URL, e.g. `http://127.0.0.1:8088` (with or without a trailing `/`, without `/ari`). */
  baseUrl: string;
  username: string;
  password: string;
  logger: Logger;
  /** A request with no answer by then fails as unavailable. */
  requestTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/** The `/ari` prefix of every REST resource, after the server's base URL. */
export function toAriUrl(baseUrl: string, path: string, query: AriQuery = {}): URL {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/ari${path}`);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url;
}

/** One path segment; ids may hold `;` (Local channel halves: `s09-busy;2`) or `.` (`1795437588.55`). */
export function encodeSegment(value: string): string {
  return encodeURIComponent(value);
}

/**
 * HTTP transport to ARI over the built-in fetch. Parameters travel in the query string
 * (as the captures do); only `variables` goes in a JSON body. Basic auth, not `api_key`,
 * so the password never appears in a URL that a proxy or a log could keep.
 */
export class AriHttp {
  readonly #baseUrl: string;
  readonly #authorization: string;
  readonly #logger: Logger;
  readonly #timeoutMs: number;

  constructor(options: AriHttpOptions) {
    this.#baseUrl = options.baseUrl;
    this.#authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    this.#logger = options.logger;
    this.#timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /** A WebSocket to `/ari/<path>`, authenticated like the REST calls (Basic works there too: ws-handshakes.json). */
  openWebSocket(path: string, query: AriQuery): WebSocket {
    const url = toAriUrl(this.#baseUrl, path, query);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return new WebSocket(url, { headers: { authorization: this.#authorization }, handshakeTimeout: 10_000 });
  }

  async request<T>(method: string, path: string, options: { query?: AriQuery; body?: unknown } = {}): Promise<T> {
    const url = toAriUrl(this.#baseUrl, path, options.query);
    const headers: Record<string, string> = { authorization: this.#authorization, accept: 'application/json' };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.#timeoutMs) });
      text = await response.text();
    } catch (error) {
      const reason = describeFetchFailure(error);
      this.#logger.debug({ method, path, reason }, 'ari request got no response');
      throw new AriUnavailableError({ method, path, status: 0, asteriskMessage: reason });
    }
    this.#logger.debug({ method, path, status: response.status }, 'ari request answered');
    if (!response.ok) {
      throw toAriError({ method, path, status: response.status, asteriskMessage: readAriErrorMessage(text) });
    }
    // 204 has `Content-Length: 0` and no content type (ari-rest/031).
    if (text.length === 0) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      const asteriskMessage = 'response body is not JSON';
      throw new AriError('asterisk.ari.invalid_response', { method, path, status: response.status, asteriskMessage });
    }
  }
}

function describeFetchFailure(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout';
    const cause = (error as { cause?: { code?: unknown } }).cause;
    if (typeof cause?.code === 'string') return cause.code;
    return error.message;
  }
  return 'unknown';
}
