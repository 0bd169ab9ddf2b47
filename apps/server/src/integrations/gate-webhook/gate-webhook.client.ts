/**
 * The gate webhook. One delivery = one JSON body, signed once and sent as is on every
 * attempt (the same `X-Switchboard-Delivery` id, so the receiver can drop a duplicate
 * when a response was lost). The receiver checks:
 *
 *   hex(HMAC-SHA256(secret, raw request body)) == header X-Switchboard-Signature minus "sha256="
 *
 * and may refuse a body whose `timestamp` is too old (the timestamp is inside the signed
 * body, so it cannot be changed).
 *
 * Retry policy: network errors, timeouts, 408, 429 and 5xx are retried; other answers are
 * final (a 401 will not turn into a 200 by asking again). Delays double from `baseDelayMs`
 * up to `maxDelayMs`, with jitter, for at most `maxAttempts` attempts. A URL the outbound
 * guard refuses (a private or metadata address, docs/security.md) fails at once, unsent.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { OutboundRefusedError, type OutboundClient } from '../outbound-http/index.js';

export const SIGNATURE_HEADER = 'x-switchboard-signature';

export interface GateWebhookOptions {
  maxAttempts?: number;
  attemptTimeoutMs?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  userAgent?: string;
}

export interface GateDelivery {
  url: string;
  secret: string;
  /** What the receiver gets, as JSON (snake_case). */
  payload: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface GateAttempt {
  attempt: number;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

export interface GateDeliveryResult {
  status: 'delivered' | 'failed';
  deliveryId: string;
  attempts: GateAttempt[];
  /** The last answer's status, null when no answer came. */
  httpStatus: number | null;
  error: string | null;
}

export function signBody(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export class GateWebhookClient {
  private readonly settings: Required<GateWebhookOptions>;

  constructor(
    private readonly http: OutboundClient,
    options: GateWebhookOptions = {},
  ) {
    this.settings = {
      maxAttempts: 4,
      attemptTimeoutMs: 5000,
      baseDelayMs: 250,
      maxDelayMs: 4000,
      userAgent: 'Switchboard-Gate-Webhook/1',
      ...options,
    };
  }

  async deliver(delivery: GateDelivery): Promise<GateDeliveryResult> {
    const deliveryId = randomUUID();
    const body = JSON.stringify({
      delivery_id: deliveryId,
      timestamp: Math.floor(Date.now() / 1000),
      ...delivery.payload,
    });
    const headers = {
      'content-type': 'application/json',
      'user-agent': this.settings.userAgent,
      'x-switchboard-event': 'gate.open',
      'x-switchboard-delivery': deliveryId,
      [SIGNATURE_HEADER]: signBody(delivery.secret, body),
    };
    const attempts: GateAttempt[] = [];
    for (let attempt = 1; attempt <= this.settings.maxAttempts; attempt += 1) {
      if (delivery.signal?.aborted) break;
      const startedAt = performance.now();
      const outcome = await this.attempt(delivery.url, headers, body, delivery.signal);
      attempts.push({
        attempt,
        httpStatus: outcome.httpStatus,
        error: outcome.error,
        durationMs: Math.round(performance.now() - startedAt),
      });
      if (outcome.httpStatus !== null && outcome.httpStatus >= 200 && outcome.httpStatus < 300) {
        return { status: 'delivered', deliveryId, attempts, httpStatus: outcome.httpStatus, error: null };
      }
      if (outcome.isRefused || (outcome.httpStatus !== null && !isRetryable(outcome.httpStatus))) break;
      if (attempt < this.settings.maxAttempts) {
        const delay = Math.min(this.settings.maxDelayMs, this.settings.baseDelayMs * 2 ** (attempt - 1));
        await sleep(delay * (0.8 + Math.random() * 0.4), delivery.signal);
      }
    }
    const last = attempts[attempts.length - 1];
    return {
      status: 'failed',
      deliveryId,
      attempts,
      httpStatus: last?.httpStatus ?? null,
      error: last?.error ?? (delivery.signal?.aborted ? 'aborted' : null),
    };
  }

  private async attempt(
    url: string,
    headers: Record<string, string>,
    body: string,
    signal: AbortSignal | undefined,
  ): Promise<{ httpStatus: number | null; error: string | null; isRefused: boolean }> {
    try {
      // The receiver's answer is not needed; a small cap keeps a chatty one from costing memory.
      const response = await this.http.request(url, {
        method: 'POST',
        headers,
        body,
        timeoutMs: this.settings.attemptTimeoutMs,
        maxResponseBytes: 64 * 1024,
        ...(signal ? { signal } : {}),
      });
      return { httpStatus: response.status, error: response.ok ? null : `HTTP ${response.status}`, isRefused: false };
    } catch (err) {
      const error = err as Error;
      const isTimeout = error.name === 'TimeoutError' && !signal?.aborted;
      const message = isTimeout ? `timed out after ${this.settings.attemptTimeoutMs} ms` : error.message;
      return { httpStatus: null, error: message.slice(0, 200), isRefused: err instanceof OutboundRefusedError };
    }
  }
}
