/**
 * Sending through the WhatsApp Cloud API: `POST {graph}/{phone-number-id}/messages` with
 * the company's access token. Network errors, time-outs, 5xx and 429 are retried with
 * capped exponential backoff (a bounded number of attempts); any other refusal is final.
 * Answers are the Graph API's: `{messaging_product, contacts: [{input, wa_id}],
 * messages: [{id}]}` on success, `{error: {message, type, code, error_data: {details},
 * fbtrace_id}}` on failure. The access token never reaches a log line.
 */
import type { Logger } from '../../shared/logger.js';
import { describeError } from './whatsapp.webhook.js';

export type WhatsAppSendResult =
  | { ok: true; messageId: string; waId: string | null; attempts: number }
  | { ok: false; reason: string; attempts: number };

export interface WhatsAppClientOptions {
  /** WHATSAPP_GRAPH_URL, e.g. `https://graph.facebook.com/v21.0`. */
  graphUrl: string;
  logger: Logger;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  requestTimeoutMs?: number;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface SendTextInput {
  phoneNumberId: string;
  accessToken: string;
  /** The recipient's wa_id or number, digits only. */
  to: string;
  text: string;
}

interface GraphSuccess {
  contacts?: { input?: string; wa_id?: string }[];
  messages?: { id?: string }[];
}

interface GraphFailure {
  error?: {
    message?: string;
    code?: number;
    error_data?: { details?: string };
  };
}

/**
 * Delay before attempt `attempt + 1`: base·2^(attempt-1), capped, with "equal jitter"
 * (half fixed, half random) so clients retrying together spread out.
 */
export function backoffDelayMs(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

export class WhatsAppCloudClient {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: WhatsAppClientOptions) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 2_000;
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  async sendText(input: SendTextInput): Promise<WhatsAppSendResult> {
    const url = `${this.options.graphUrl}/${encodeURIComponent(input.phoneNumberId)}/messages`;
    const body = JSON.stringify({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: input.to,
      type: 'text',
      text: { preview_url: true, body: input.text },
    });
    const log = this.options.logger.child({ phoneNumberId: input.phoneNumberId });
    let lastReason = 'not attempted';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      if (attempt > 1) await this.sleep(backoffDelayMs(attempt - 1, this.baseDelayMs, this.maxDelayMs, this.random));
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${input.accessToken}`, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        lastReason = `WhatsApp unreachable: ${error instanceof Error ? error.message : String(error)}`;
        log.warn({ attempt, reason: lastReason }, 'WhatsApp send failed, will retry');
        continue;
      }
      const payload = (await response.json().catch(() => ({}))) as GraphSuccess & GraphFailure;
      if (response.ok) {
        const messageId = payload.messages?.[0]?.id;
        if (!messageId) return { ok: false, reason: 'WhatsApp answered without a message id', attempts: attempt };
        return { ok: true, messageId, waId: payload.contacts?.[0]?.wa_id ?? null, attempts: attempt };
      }
      const graphError = payload.error;
      lastReason = graphError
        ? `WhatsApp refused (HTTP ${response.status}): ${describeError({ ...graphError, title: graphError.message })}`
        : `WhatsApp answered HTTP ${response.status}`;
      if (!isRetryableStatus(response.status)) return { ok: false, reason: lastReason, attempts: attempt };
      log.warn({ attempt, status: response.status }, 'WhatsApp send failed, will retry');
    }
    return { ok: false, reason: `${lastReason} (after ${this.maxAttempts} attempts)`, attempts: this.maxAttempts };
  }
}
