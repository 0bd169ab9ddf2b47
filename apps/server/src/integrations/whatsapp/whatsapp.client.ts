/**
 * Sending through the WhatsApp Cloud API: `POST {graph}/{phone-number-id}/messages` with
 * the company's access token. Network errors, time-outs, 5xx and 429 are retried with
 * capped exponential backoff (a bounded number of attempts); any other refusal is final.
 * Answers are the Graph API's: `{messaging_product, contacts: [{input, wa_id}],
 * messages: [{id}]}` on success, `{error: {message, type, code, error_data: {details},
 * fbtrace_id}}` on failure. The access token never reaches a log line, and is sent only
 * to WHATSAPP_GRAPH_URL's origin and Meta's media hosts (isMediaUrlAllowed). Every request
 * goes through the outbound guard (integrations/outbound-http).
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../shared/logger.js';
import {
  OutboundRefusedError,
  OutboundTooLargeError,
  type OutboundClient,
  type OutboundResponse,
} from '../outbound-http/index.js';
import { describeError } from './whatsapp.webhook.js';

export type WhatsAppSendResult =
  | { ok: true; messageId: string; waId: string | null; attempts: number }
  | { ok: false; reason: string; attempts: number };

export interface WhatsAppClientOptions {
  /** WHATSAPP_GRAPH_URL, e.g. `https://graph.facebook.com/v21.0`. */
  graphUrl: string;
  /** The outbound guard every request goes through. */
  http: OutboundClient;
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

export interface SendMessageInput {
  phoneNumberId: string;
  accessToken: string;
  to: string;
  /** The type-specific part: `{type: 'image', image: {id, caption}}` … */
  message: Record<string, unknown>;
}

export interface UploadMediaInput {
  phoneNumberId: string;
  accessToken: string;
  bytes: Buffer;
  mimeType: string;
  filename: string | null;
}

export type WhatsAppUploadResult =
  { ok: true; mediaId: string; attempts: number } | { ok: false; reason: string; attempts: number };

/** A template as `GET /{waba-id}/message_templates` describes it. */
export interface GraphTemplate {
  [field: string]: unknown;
  id?: unknown;
  name?: unknown;
  language?: unknown;
  status?: unknown;
  category?: unknown;
  parameter_format?: unknown;
  components?: unknown;
}

export interface DownloadMediaInput {
  mediaId: string;
  phoneNumberId: string;
  accessToken: string;
  /** A file larger than this is refused without being read whole. */
  maxBytes: number;
}

export type WhatsAppMediaResult =
  | { ok: true; bytes: Buffer; mimeType: string | null; sha256: string }
  /** `retryable`: worth trying again later (network, 5xx, 429, a bad checksum). */
  | { ok: false; reason: string; retryable: boolean };

interface GraphMediaInfo {
  url?: unknown;
  mime_type?: unknown;
  sha256?: unknown;
  file_size?: unknown;
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

/** Graph ids (phone number ids, media ids) become URL path segments: nothing but these characters. */
export const GRAPH_ID_PATTERN = /^[0-9A-Za-z_-]{1,128}$/;

/** Where Meta serves media files from (the Graph API's `url` of a media id). */
const META_MEDIA_HOST_SUFFIXES = ['.fbsbx.com', '.fbcdn.net', '.whatsapp.net'];

/**
 * A media URL may carry the channel's token only to Meta's media hosts over HTTPS, or to
 * the origin of WHATSAPP_GRAPH_URL itself (which already receives the token; a plain-http
 * one is a local stub or proxy the operator configured). Anything else: the reason why not.
 */
export function mediaUrlRefusal(url: URL, graphUrl: string): string | undefined {
  if (url.origin === new URL(graphUrl).origin) return undefined;
  if (url.protocol !== 'https:') return 'media URLs must be HTTPS';
  const host = url.hostname.toLowerCase();
  if (META_MEDIA_HOST_SUFFIXES.some((suffix) => host.endsWith(suffix))) return undefined;
  return `${host} is not a Meta media host`;
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
    return this.sendMessage({
      phoneNumberId: input.phoneNumberId,
      accessToken: input.accessToken,
      to: input.to,
      message: { type: 'text', text: { preview_url: true, body: input.text } },
    });
  }

  /**
   * Any message: `message` is the type-specific part of Meta's send request (`{type:
   * 'image', image: {id, caption}}`, `{type: 'template', template: {…}}`, `{type:
   * 'interactive', interactive: {…}}` …), sent to `to` with retries.
   */
  async sendMessage(input: SendMessageInput): Promise<WhatsAppSendResult> {
    if (!GRAPH_ID_PATTERN.test(input.phoneNumberId)) {
      return { ok: false, reason: 'the phone number id is not a Graph id', attempts: 0 };
    }
    const url = `${this.options.graphUrl}/${encodeURIComponent(input.phoneNumberId)}/messages`;
    const body = JSON.stringify({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: input.to,
      ...input.message,
    });
    const result = await this.postWithRetries(url, input.accessToken, () => ({
      body,
      contentType: 'application/json',
    }));
    if (!result.ok) return result;
    const payload = result.payload as GraphSuccess;
    const messageId = payload.messages?.[0]?.id;
    if (!messageId) return { ok: false, reason: 'WhatsApp answered without a message id', attempts: result.attempts };
    return { ok: true, messageId, waId: payload.contacts?.[0]?.wa_id ?? null, attempts: result.attempts };
  }

  /**
   * Uploads a file to send: `POST {graph}/{phone-number-id}/media`, multipart with
   * `messaging_product=whatsapp`, `type` and `file`; Meta answers `{id}` (kept 30 days).
   */
  async uploadMedia(input: UploadMediaInput): Promise<WhatsAppUploadResult> {
    if (!GRAPH_ID_PATTERN.test(input.phoneNumberId)) {
      return { ok: false, reason: 'the phone number id is not a Graph id', attempts: 0 };
    }
    const url = `${this.options.graphUrl}/${encodeURIComponent(input.phoneNumberId)}/media`;
    const result = await this.postWithRetries(url, input.accessToken, () => {
      const form = new FormData();
      form.set('messaging_product', 'whatsapp');
      form.set('type', input.mimeType);
      form.set('file', new Blob([input.bytes], { type: input.mimeType }), input.filename ?? 'file');
      return { body: form };
    });
    if (!result.ok) return result;
    const id = (result.payload as { id?: unknown }).id;
    if (typeof id !== 'string' || !GRAPH_ID_PATTERN.test(id)) {
      return { ok: false, reason: 'WhatsApp answered the upload without a media id', attempts: result.attempts };
    }
    return { ok: true, mediaId: id, attempts: result.attempts };
  }

  /** Marks a contact's message read (blue ticks): `{status: 'read', message_id}`. One attempt. */
  async markRead(input: { phoneNumberId: string; accessToken: string; messageId: string }): Promise<boolean> {
    if (!GRAPH_ID_PATTERN.test(input.phoneNumberId)) return false;
    const url = `${this.options.graphUrl}/${encodeURIComponent(input.phoneNumberId)}/messages`;
    try {
      const response = await this.options.http.request(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${input.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messaging_product: 'whatsapp', status: 'read', message_id: input.messageId }),
        timeoutMs: this.timeoutMs,
        checkUrl: (target) => this.graphUrlRefusal(target),
      });
      return response.ok && (response.json() as { success?: unknown } | undefined)?.success === true;
    } catch {
      return false;
    }
  }

  /**
   * The business account's templates: `GET {graph}/{waba-id}/message_templates`, every
   * page (Meta's `paging.next`, on the Graph origin only), at most `maxPages`.
   */
  async listTemplates(input: {
    businessAccountId: string;
    accessToken: string;
    maxPages?: number;
  }): Promise<{ ok: true; templates: GraphTemplate[] } | { ok: false; reason: string }> {
    if (!GRAPH_ID_PATTERN.test(input.businessAccountId)) {
      return { ok: false, reason: 'the business account id is not a Graph id' };
    }
    const fields = 'id,name,language,status,category,components,parameter_format';
    let url: string | undefined =
      `${this.options.graphUrl}/${encodeURIComponent(input.businessAccountId)}/message_templates` +
      `?fields=${fields}&limit=100`;
    const templates: GraphTemplate[] = [];
    for (let page = 0; url && page < (input.maxPages ?? 20); page += 1) {
      let response: OutboundResponse;
      try {
        response = await this.options.http.request(url, {
          headers: { authorization: `Bearer ${input.accessToken}` },
          timeoutMs: this.timeoutMs,
          checkUrl: (target) => this.graphUrlRefusal(target),
        });
      } catch (error) {
        return { ok: false, reason: `WhatsApp unreachable: ${messageOf(error)}` };
      }
      const payload = (response.json() ?? {}) as GraphFailure & {
        data?: unknown;
        paging?: { next?: unknown };
      };
      if (!response.ok) {
        const detail = payload.error ? describeError({ ...payload.error, title: payload.error.message }) : 'no details';
        return { ok: false, reason: `WhatsApp refused the template list (HTTP ${response.status}): ${detail}` };
      }
      if (Array.isArray(payload.data)) templates.push(...(payload.data as GraphTemplate[]));
      const next = payload.paging?.next;
      url = typeof next === 'string' && URL.canParse(next) && !this.graphUrlRefusal(new URL(next)) ? next : undefined;
    }
    return { ok: true, templates };
  }

  /** POST with the bearer token; network errors, 5xx and 429 retried with backoff. */
  private async postWithRetries(
    url: string,
    accessToken: string,
    makeBody: () => { body: string | FormData; contentType?: string },
  ): Promise<{ ok: true; payload: unknown; attempts: number } | { ok: false; reason: string; attempts: number }> {
    const log = this.options.logger.child({ graphPath: new URL(url).pathname });
    let lastReason = 'not attempted';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      if (attempt > 1) await this.sleep(backoffDelayMs(attempt - 1, this.baseDelayMs, this.maxDelayMs, this.random));
      const { body, contentType } = makeBody();
      let response: OutboundResponse;
      try {
        response = await this.options.http.request(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${accessToken}`,
            ...(contentType ? { 'content-type': contentType } : {}),
          },
          body,
          timeoutMs: this.timeoutMs * (typeof body === 'string' ? 1 : 6),
          checkUrl: (target) => this.graphUrlRefusal(target),
        });
      } catch (error) {
        lastReason = `WhatsApp unreachable: ${messageOf(error)}`;
        if (error instanceof OutboundRefusedError) return { ok: false, reason: lastReason, attempts: attempt };
        log.warn({ attempt, reason: lastReason }, 'WhatsApp request failed, will retry');
        continue;
      }
      const payload = (response.json() ?? {}) as GraphFailure;
      if (response.ok) return { ok: true, payload, attempts: attempt };
      const graphError = payload.error;
      lastReason = graphError
        ? `WhatsApp refused (HTTP ${response.status}): ${describeError({ ...graphError, title: graphError.message })}`
        : `WhatsApp answered HTTP ${response.status}`;
      if (!isRetryableStatus(response.status)) return { ok: false, reason: lastReason, attempts: attempt };
      log.warn({ attempt, status: response.status }, 'WhatsApp request failed, will retry');
    }
    return { ok: false, reason: `${lastReason} (after ${this.maxAttempts} attempts)`, attempts: this.maxAttempts };
  }

  /**
   * Fetches a file a contact sent: `GET {graph}/{media-id}?phone_number_id=…` answers
   * `{url, mime_type, sha256, file_size, id}` (the URL is good for 5 minutes), then the file
   * from that URL, with the same bearer token. The file is read at most to `maxBytes` and
   * checked against the SHA-256 and size Meta gave. One attempt; the caller schedules the
   * next (WhatsApp keeps media 30 days).
   */
  async downloadMedia(input: DownloadMediaInput): Promise<WhatsAppMediaResult> {
    // `..` or `a/b` would leave the API's version prefix (graph/v21.0/../me).
    if (!GRAPH_ID_PATTERN.test(input.mediaId) || !GRAPH_ID_PATTERN.test(input.phoneNumberId)) {
      return { ok: false, reason: 'the media id is not a Graph id', retryable: false };
    }
    const infoUrl =
      `${this.options.graphUrl}/${encodeURIComponent(input.mediaId)}` +
      `?phone_number_id=${encodeURIComponent(input.phoneNumberId)}`;
    const headers = { authorization: `Bearer ${input.accessToken}` };
    let info: GraphMediaInfo & GraphFailure;
    try {
      const response = await this.options.http.request(infoUrl, {
        headers,
        timeoutMs: this.timeoutMs,
        checkUrl: (target) => this.graphUrlRefusal(target),
      });
      info = response.json() ?? {};
      if (!response.ok) {
        const detail = info.error ? describeError({ ...info.error, title: info.error.message }) : 'no details';
        return {
          ok: false,
          reason: `WhatsApp refused the media lookup (HTTP ${response.status}): ${detail}`,
          retryable: isRetryableStatus(response.status),
        };
      }
    } catch (error) {
      const retryable = !(error instanceof OutboundRefusedError);
      return { ok: false, reason: `WhatsApp unreachable: ${messageOf(error)}`, retryable };
    }
    if (typeof info.url !== 'string' || !URL.canParse(info.url)) {
      return { ok: false, reason: 'WhatsApp answered the media lookup without a download URL', retryable: true };
    }
    const refusal = mediaUrlRefusal(new URL(info.url), this.options.graphUrl);
    if (refusal !== undefined) {
      this.options.logger.warn({ mediaId: input.mediaId, reason: refusal }, 'WhatsApp media URL refused');
      return { ok: false, reason: `the media URL was refused: ${refusal}`, retryable: false };
    }
    const declaredSize = Number(info.file_size);
    if (Number.isFinite(declaredSize) && declaredSize > input.maxBytes) {
      return {
        ok: false,
        reason: `the file is ${declaredSize} bytes, over the ${input.maxBytes}-byte limit`,
        retryable: false,
      };
    }
    let bytes: Buffer;
    try {
      const response = await this.options.http.request(info.url, {
        headers,
        timeoutMs: this.timeoutMs * 6,
        maxResponseBytes: input.maxBytes,
        checkUrl: (target) => mediaUrlRefusal(target, this.options.graphUrl),
      });
      if (!response.ok) {
        return {
          ok: false,
          reason: `WhatsApp answered HTTP ${response.status} for the file`,
          retryable: isRetryableStatus(response.status) || response.status === 404,
        };
      }
      bytes = response.body;
    } catch (error) {
      if (error instanceof OutboundTooLargeError) {
        return { ok: false, reason: `the file is over the ${input.maxBytes}-byte limit`, retryable: false };
      }
      return { ok: false, reason: `the file download failed: ${messageOf(error)}`, retryable: true };
    }
    const digest = createHash('sha256').update(bytes).digest();
    const sha256 = digest.toString('hex');
    if (typeof info.sha256 === 'string' && info.sha256 !== '' && !matchesDigest(info.sha256, digest)) {
      return { ok: false, reason: 'the file does not match the SHA-256 WhatsApp gave', retryable: true };
    }
    if (Number.isFinite(declaredSize) && declaredSize !== bytes.length) {
      return { ok: false, reason: `the file is ${bytes.length} bytes, WhatsApp said ${declaredSize}`, retryable: true };
    }
    return { ok: true, bytes, mimeType: typeof info.mime_type === 'string' ? info.mime_type : null, sha256 };
  }

  /** Graph calls (and their redirects) stay on WHATSAPP_GRAPH_URL's origin, where the token belongs. */
  private graphUrlRefusal(url: URL): string | undefined {
    return url.origin === new URL(this.options.graphUrl).origin ? undefined : 'not WHATSAPP_GRAPH_URL';
  }
}

/** A digest as Meta may write it: hex or base64. */
function matchesDigest(expected: string, digest: Buffer): boolean {
  return expected.toLowerCase() === digest.toString('hex') || expected === digest.toString('base64');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
