import { describe, expect, it } from 'vitest';
import {
  nextRetryDelayMs,
  outcomeOf,
  parseRetryAfter,
  signatureHeader,
  signingSecrets,
  verifySignature,
  webhookEventOf,
} from './webhooks.js';

describe('webhook rules', () => {
  const now = new Date('2026-12-03T12:00:00Z');

  it('signs "t.body" and verifies only the same body, secret and a recent t', () => {
    const header = signatureHeader('{"a":1}', 1_796_300_000, ['whsec_one']);
    expect(header).toMatch(/^t=1796300000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(header, '{"a":1}', 'whsec_one', 1_796_300_010)).toBe(true);
    expect(verifySignature(header, '{"a":2}', 'whsec_one', 1_796_300_010)).toBe(false);
    expect(verifySignature(header, '{"a":1}', 'whsec_two', 1_796_300_010)).toBe(false);
    expect(verifySignature(header, '{"a":1}', 'whsec_one', 1_796_300_000 + 301)).toBe(false);
  });

  it('signs with the previous secret too while its overlap lasts', () => {
    const webhook = { secret: 'new', previousSecret: 'old', previousSecretExpiresAt: new Date(now.getTime() + 1000) };
    expect(signingSecrets(webhook, now)).toEqual(['new', 'old']);
    expect(signingSecrets(webhook, new Date(now.getTime() + 2000))).toEqual(['new']);
  });

  it('retries network errors, 5xx, 408 and 429 (with Retry-After), and fails other 4xx', () => {
    expect(outcomeOf(null, null, now)).toEqual({ kind: 'retry' });
    expect(outcomeOf(503, null, now)).toEqual({ kind: 'retry' });
    expect(outcomeOf(429, '7', now)).toEqual({ kind: 'retry', retryAfterMs: 7000 });
    expect(outcomeOf(204, null, now)).toEqual({ kind: 'delivered' });
    expect(outcomeOf(404, null, now)).toEqual({ kind: 'failed' });
    expect(outcomeOf(301, null, now)).toEqual({ kind: 'failed' });
    expect(parseRetryAfter('Thu, 03 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
  });

  it('backs off exponentially with jitter, capped, never before Retry-After', () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 8000 };
    expect(nextRetryDelayMs(1, policy, undefined, () => 0)).toBe(500);
    expect(nextRetryDelayMs(1, policy, undefined, () => 1)).toBe(1000);
    expect(nextRetryDelayMs(3, policy, undefined, () => 0)).toBe(2000);
    expect(nextRetryDelayMs(10, policy, undefined, () => 1)).toBe(8000);
    expect(nextRetryDelayMs(1, policy, 60_000, () => 1)).toBe(60_000);
  });

  it('maps domain events to webhook events with the resource they are about', () => {
    expect(webhookEventOf('call.ringing', { id: 'c1' })).toMatchObject({
      type: 'call.started',
      orderingKey: 'call:c1',
    });
    expect(webhookEventOf('message.created', { id: 'm', direction: 'inbound', conversation_id: 'v' })).toMatchObject({
      type: 'message.received',
      orderingKey: 'conversation:v',
    });
    expect(webhookEventOf('message.created', { direction: 'internal' })).toBeUndefined();
    expect(webhookEventOf('agent.presence_changed', { agent_id: 'a' })?.orderingKey).toBe('agent:a');
    expect(webhookEventOf('typing.started', {})).toBeUndefined();
  });
});
