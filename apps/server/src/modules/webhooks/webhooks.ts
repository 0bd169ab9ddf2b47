/**
 * Event webhooks as rules: which domain event is which webhook event, how a delivery is
 * signed, when it is retried. No I/O here.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Actor } from '../../shared/actor.js';
import { ForbiddenError } from '../../shared/errors.js';

export const WEBHOOK_EVENT_TYPES = [
  'call.started',
  'call.answered',
  'call.ended',
  'call.transferred',
  'conversation.created',
  'conversation.assigned',
  'conversation.closed',
  'conversation.rated',
  'message.received',
  'message.sent',
  'contact.created',
  'contact.updated',
  'contact.merged',
  'contact.deleted',
  'contact.erased',
  'queue_entry.abandoned',
  'service_level.breached',
  'agent.status_changed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** An event as the event log holds it. */
export interface LoggedEvent {
  seq: number;
  companyId: string;
  name: string;
  data: Record<string, unknown>;
  at: Date;
}

/** What a webhook event is about: its type, the resource (ordering key) and its URL. */
export interface WebhookEventFacts {
  type: WebhookEventType;
  orderingKey: string;
  resourcePath: string | null;
}

const DIRECT: Record<string, WebhookEventType> = {
  'call.ringing': 'call.started',
  'call.answered': 'call.answered',
  'call.ended': 'call.ended',
  'call.transferred': 'call.transferred',
  'conversation.created': 'conversation.created',
  'conversation.assigned': 'conversation.assigned',
  'conversation.closed': 'conversation.closed',
  'conversation.rated': 'conversation.rated',
  'contact.created': 'contact.created',
  'contact.updated': 'contact.updated',
  'contact.merged': 'contact.merged',
  'contact.deleted': 'contact.deleted',
  'contact.erased': 'contact.erased',
  'entry.abandoned': 'queue_entry.abandoned',
  'service_level.breached': 'service_level.breached',
  'agent.presence_changed': 'agent.status_changed',
};

function stringField(data: Record<string, unknown>, name: string): string | undefined {
  const value = data[name];
  return typeof value === 'string' ? value : undefined;
}

/** The webhook event a domain event is, or undefined when webhooks do not carry it. */
export function webhookEventOf(name: string, data: Record<string, unknown>): WebhookEventFacts | undefined {
  let type = DIRECT[name];
  if (name === 'message.created') {
    const direction = stringField(data, 'direction');
    type = direction === 'inbound' ? 'message.received' : direction === 'outbound' ? 'message.sent' : undefined;
  }
  if (!type) return undefined;
  const id = stringField(data, 'id') ?? stringField(data, 'entry_id') ?? stringField(data, 'agent_id') ?? 'none';
  if (type.startsWith('call.')) return { type, orderingKey: `call:${id}`, resourcePath: `/api/calls/${id}` };
  if (type.startsWith('conversation.')) {
    return { type, orderingKey: `conversation:${id}`, resourcePath: `/api/conversations/${id}` };
  }
  if (type.startsWith('message.')) {
    const conversationId = stringField(data, 'conversation_id') ?? 'none';
    return {
      type,
      orderingKey: `conversation:${conversationId}`,
      resourcePath: `/api/conversations/${conversationId}/messages`,
    };
  }
  if (type.startsWith('contact.')) {
    return {
      type,
      orderingKey: `contact:${id}`,
      resourcePath: type === 'contact.erased' || type === 'contact.deleted' ? null : `/api/contacts/${id}`,
    };
  }
  if (type === 'agent.status_changed') return { type, orderingKey: `agent:${id}`, resourcePath: null };
  return { type, orderingKey: `entry:${id}`, resourcePath: null };
}

/** The body of a delivery: the same data as the socket event, with who, when and a link. */
export interface WebhookPayload {
  id: string;
  type: string;
  created_at: string;
  company_id: string;
  data: Record<string, unknown>;
  links: { resource: string | null };
}

export function eventIdOf(seq: number): string {
  return `evt_${seq}`;
}

export function buildPayload(
  event: LoggedEvent,
  facts: WebhookEventFacts,
  publicUrl: string | undefined,
): WebhookPayload {
  return {
    id: eventIdOf(event.seq),
    type: facts.type,
    created_at: event.at.toISOString(),
    company_id: event.companyId,
    data: event.data,
    links: { resource: facts.resourcePath === null ? null : `${publicUrl ?? ''}${facts.resourcePath}` },
  };
}

/**
 * `Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`; during a
 * secret's overlap a second `v1=` signed with the previous secret follows, so receivers that
 * still hold the old secret keep verifying (Stripe's scheme).
 */
export function signatureHeader(body: string, unixSeconds: number, secrets: readonly string[]): string {
  const parts = secrets.map((secret) => `v1=${hmacHex(secret, `${unixSeconds}.${body}`)}`);
  return [`t=${unixSeconds}`, ...parts].join(',');
}

function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

/** The receiver's check, as the docs give it: a v1 matches and t is recent. */
export function verifySignature(
  header: string,
  body: string,
  secret: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const fields = header.split(',').map((part) => part.trim().split('=', 2) as [string, string | undefined]);
  const t = Number(fields.find(([name]) => name === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, `${t}.${body}`));
  return fields.some(([name, value]) => {
    if (name !== 'v1' || value === undefined) return false;
    const given = Buffer.from(value);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Secrets that sign a delivery now: the current one, and the previous one during its overlap. */
export function signingSecrets(
  webhook: { secret: string; previousSecret: string | null; previousSecretExpiresAt: Date | null },
  now: Date,
): string[] {
  const previous =
    webhook.previousSecret && webhook.previousSecretExpiresAt && webhook.previousSecretExpiresAt > now
      ? [webhook.previousSecret]
      : [];
  return [webhook.secret, ...previous];
}

export const MAX_DELIVERY_WINDOW_MS = 24 * 3600_000;
/** Webhooks failing continuously this long are disabled. */
export const DISABLE_AFTER_MS = 24 * 3600_000;

export interface RetryPolicy {
  /** The first retry's delay; each retry doubles it, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 30_000, maxDelayMs: 3 * 3600_000 };

export type AttemptOutcome = { kind: 'delivered' } | { kind: 'retry'; retryAfterMs?: number } | { kind: 'failed' };

/** 2xx delivered; network errors, timeouts, 5xx, 408 and 429 retried; other answers are final. */
export function outcomeOf(status: number | null, retryAfter: string | null, now: Date): AttemptOutcome {
  if (status === null) return { kind: 'retry' };
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 429 || status === 408 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    return retryAfterMs === undefined ? { kind: 'retry' } : { kind: 'retry', retryAfterMs };
  }
  return { kind: 'failed' };
}

/** RFC 9110 §10.2.3: seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** Exponential backoff with full jitter on the upper half; never sooner than Retry-After. */
export function nextRetryDelayMs(
  attemptCount: number,
  policy: RetryPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const capped = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attemptCount - 1, 30));
  const jittered = Math.round(capped / 2 + (random() * capped) / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}

export function assertIsAdmin(actor: Actor): void {
  if (actor.role !== 'admin') {
    throw new ForbiddenError('auth.forbidden', 'Only administrators may manage integrations.');
  }
}
