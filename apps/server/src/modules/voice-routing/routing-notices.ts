/**
 * The routing engine's decisions as the voice side hears them: from the published events
 * (offer_created, offer_expired …, entry_assigned, entry_overflowed, entry_completed),
 * which reach every API node through the event bus (ADR 13), rather than from the
 * engine's in-process listener, which runs only on the node that decided. The node that
 * holds the ARI connection thereby rings, bridges and hangs up whatever node decided.
 */
import type { PublishedEvent } from '../../shared/events.js';
import type { Offer, QueueEntry } from '../routing/index.js';

export type OfferNotice = Pick<Offer, 'id' | 'entryId' | 'agentId' | 'offeredAt' | 'expiresAt'>;
export type EntryNotice = Pick<
  QueueEntry,
  'id' | 'companyId' | 'queueId' | 'channel' | 'callId' | 'assignedTo' | 'originalEnqueuedAt'
>;

export type RoutingNotice =
  | { kind: 'offered'; offer: OfferNotice; entry: EntryNotice }
  | { kind: 'offer_ended'; offer: OfferNotice; callId: string }
  /** `isDirect`: a supervisor gave the call to this agent (the wallboard's move), not the engine. */
  | { kind: 'assigned'; entry: EntryNotice; isDirect: boolean }
  | { kind: 'ended'; entry: EntryNotice }
  | { kind: 'overflowed'; entry: EntryNotice; action: Record<string, unknown> };

const OFFER_ENDED = new Set(['offer.rejected', 'offer.expired', 'offer.cancelled']);
const ENTRY_ENDED = new Set(['entry.completed', 'entry.abandoned']);

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const date = (value: unknown): Date | null => {
  const parsed = typeof value === 'string' ? new Date(value) : null;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : null;
};

/** A voice item's decision, or undefined for any other event (chats, presence, calls …). */
export function toRoutingNotice(event: PublishedEvent): RoutingNotice | undefined {
  const data = event.data;
  if (data.channel !== 'voice' || typeof data.call_id !== 'string') return undefined;
  if (event.name === 'offer.created' || OFFER_ENDED.has(event.name)) {
    const id = text(data.id);
    const entryId = text(data.entry_id);
    const agentId = text(data.agent_id);
    const offeredAt = date(data.offered_at);
    const expiresAt = date(data.expires_at);
    const originalEnqueuedAt = date(data.enqueued_at);
    const queueId = text(data.queue_id);
    if (!id || !entryId || !agentId || !offeredAt || !expiresAt || !originalEnqueuedAt || !queueId) return undefined;
    const offer = { id, entryId, agentId, offeredAt, expiresAt };
    if (event.name !== 'offer.created') return { kind: 'offer_ended', offer, callId: data.call_id };
    const entry: EntryNotice = {
      id: entryId,
      companyId: event.companyId,
      queueId,
      channel: 'voice',
      callId: data.call_id,
      assignedTo: null,
      originalEnqueuedAt,
    };
    return { kind: 'offered', offer, entry };
  }
  const id = text(data.id);
  const queueId = text(data.queue_id);
  const originalEnqueuedAt = date(data.original_enqueued_at);
  if (!id || !queueId || !originalEnqueuedAt) return undefined;
  const entry: EntryNotice = {
    id,
    companyId: event.companyId,
    queueId,
    channel: 'voice',
    callId: data.call_id,
    assignedTo: text(data.assigned_to),
    originalEnqueuedAt,
  };
  if (event.name === 'entry.assigned') return { kind: 'assigned', entry, isDirect: data.is_direct === true };
  if (ENTRY_ENDED.has(event.name)) return { kind: 'ended', entry };
  if (event.name === 'entry.overflowed' && typeof data.action === 'object' && data.action !== null) {
    return { kind: 'overflowed', entry, action: data.action as Record<string, unknown> };
  }
  return undefined;
}
