import { describe, expect, it } from 'vitest';
import type { Actor } from '../../shared/actor.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../shared/errors.js';
import {
  assertCanAssign,
  assertCanReopen,
  assertCanTake,
  assertCanUnassign,
  assertSnoozeUntil,
  audienceOf,
  canSeeConversation,
  nextDeliveryStatus,
  previewOf,
} from './conversations.js';

const company = 'c0000000-0000-4000-8000-000000000000';
const agent: Actor = { userId: 'a1', companyId: company, role: 'agent' };
const supervisor: Actor = { userId: 's1', companyId: company, role: 'supervisor' };

describe('delivery status', () => {
  it('moves forward along queued → sent → delivered → read', () => {
    expect(nextDeliveryStatus('queued', 'sent')).toBe('sent');
    expect(nextDeliveryStatus('sent', 'delivered')).toBe('delivered');
    expect(nextDeliveryStatus('delivered', 'read')).toBe('read');
    expect(nextDeliveryStatus('sent', 'read')).toBe('read');
  });

  it('ignores repeated and late reports', () => {
    expect(nextDeliveryStatus('delivered', 'delivered')).toBeUndefined();
    expect(nextDeliveryStatus('read', 'delivered')).toBeUndefined();
    expect(nextDeliveryStatus('delivered', 'sent')).toBeUndefined();
  });

  it('fails only what is not known to be delivered, and a failure is final', () => {
    expect(nextDeliveryStatus('queued', 'failed')).toBe('failed');
    expect(nextDeliveryStatus('sent', 'failed')).toBe('failed');
    expect(nextDeliveryStatus('delivered', 'failed')).toBeUndefined();
    for (const to of ['sent', 'delivered', 'read'] as const) expect(nextDeliveryStatus('failed', to)).toBeUndefined();
  });
});

describe('who sees and acts on a conversation', () => {
  it('shows agents their own and the unassigned ones; managers everything of their company', () => {
    expect(canSeeConversation(agent, { companyId: company, assigneeId: null })).toBe(true);
    expect(canSeeConversation(agent, { companyId: company, assigneeId: 'a1' })).toBe(true);
    expect(canSeeConversation(agent, { companyId: company, assigneeId: 'a2' })).toBe(false);
    expect(canSeeConversation(supervisor, { companyId: company, assigneeId: 'a2' })).toBe(true);
    expect(canSeeConversation(supervisor, { companyId: 'other', assigneeId: null })).toBe(false);
  });

  it('lets anyone take an unassigned conversation, nobody one another agent has', () => {
    expect(() => assertCanTake(agent, { assigneeId: null, status: 'open' })).not.toThrow();
    expect(() => assertCanTake(agent, { assigneeId: 'a2', status: 'open' })).toThrow(ConflictError);
    expect(() => assertCanTake(supervisor, { assigneeId: 'a2', status: 'open' })).toThrow(ConflictError);
    expect(() => assertCanTake(agent, { assigneeId: null, status: 'resolved' })).toThrow(ConflictError);
  });

  it('lets managers assign anything and agents only pass on their own', () => {
    expect(() => assertCanAssign(supervisor, { assigneeId: null, status: 'open' })).not.toThrow();
    expect(() => assertCanAssign(agent, { assigneeId: 'a1', status: 'open' })).not.toThrow();
    expect(() => assertCanAssign(agent, { assigneeId: null, status: 'open' })).toThrow(ForbiddenError);
    expect(() => assertCanUnassign(agent, { assigneeId: 'a2' })).toThrow(NotFoundError);
  });

  it('reopens only what is resolved or snoozed', () => {
    expect(() => assertCanReopen({ status: 'resolved' })).not.toThrow();
    expect(() => assertCanReopen({ status: 'snoozed' })).not.toThrow();
    expect(() => assertCanReopen({ status: 'open' })).toThrow(ConflictError);
  });

  it('snoozes only into the future, up to a year', () => {
    const now = new Date('2026-11-23T10:00:00Z');
    expect(() => assertSnoozeUntil(new Date('2026-11-23T11:00:00Z'), now)).not.toThrow();
    expect(() => assertSnoozeUntil(now, now)).toThrow(ValidationError);
    expect(() => assertSnoozeUntil(new Date('2028-01-01T00:00:00Z'), now)).toThrow(ValidationError);
  });
});

describe('event audiences', () => {
  it('tells the managers and the consoles watching the unassigned about the queue, and the agent and managers about the rest (ADR 31)', () => {
    expect(audienceOf({ assigneeId: null })).toEqual({ managers: true, topic: 'unassigned' });
    expect(audienceOf({ assigneeId: 'a1' })).toEqual({ userIds: ['a1'], managers: true });
    // Leaving the queue: the lists of unassigned work must drop it, and its new agent hears.
    expect(audienceOf({ assigneeId: 'a1' }, null)).toEqual({ userIds: ['a1'], managers: true, topic: 'unassigned' });
    expect(audienceOf({ assigneeId: 'a2' }, 'a1')).toEqual({ userIds: ['a2', 'a1'], managers: true });
    // Back to the queue: its previous agent hears that it left them.
    expect(audienceOf({ assigneeId: null }, 'a1')).toEqual({ userIds: ['a1'], managers: true, topic: 'unassigned' });
    // A note's author and the people it names hear it whoever has the conversation.
    expect(audienceOf({ assigneeId: null }, undefined, ['n1', 'n2', 'n1'])).toEqual({
      userIds: ['n1', 'n2'],
      managers: true,
      topic: 'unassigned',
    });
  });
});

describe('previews', () => {
  it('uses the text, else the caption, else the kind of media, cut at 200 characters', () => {
    const media = { kind: 'image' as const, mediaId: 'm', mimeType: null, caption: null, filename: null, sha256: null };
    expect(previewOf('x'.repeat(300), null)).toHaveLength(200);
    expect(previewOf(null, { ...media, caption: 'foto' })).toBe('foto');
    expect(previewOf(null, media)).toBe('[image]');
  });
});
