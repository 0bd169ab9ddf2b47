/** Table rows to routing's domain types. */
import type { queueEntries, queues, routingOffers } from '../../db/schema/index.js';
import type { Offer, Queue, QueueEntry } from './routing.js';

export type QueueRow = typeof queues.$inferSelect;
export type EntryRow = typeof queueEntries.$inferSelect;
export type OfferRow = typeof routingOffers.$inferSelect;

export function toQueue(row: QueueRow, members: { userId: string; name: string; priority: number }[]): Queue {
  const hours = row.businessHours;
  const overflow = row.overflow;
  return {
    id: row.id,
    companyId: row.companyId,
    name: row.name,
    channels: row.channels,
    strategy: row.strategy,
    offerMode: row.offerMode,
    offerTimeoutSeconds: row.offerTimeoutSeconds,
    requiredSkills: row.requiredSkills.map((s) => ({ name: s.name, minLevel: s.min_level })),
    priority: row.priority,
    serviceLevelSeconds: row.serviceLevelSeconds,
    serviceLevelTarget: row.serviceLevelTarget,
    maxWaitSeconds: row.maxWaitSeconds,
    overflow:
      overflow === null
        ? null
        : overflow.action === 'queue'
          ? { action: 'queue', queueId: overflow.queue_id }
          : overflow,
    wrapUpSeconds: row.wrapUpSeconds,
    announcePosition: row.announcePosition,
    businessHours:
      hours === null
        ? null
        : {
            ranges: hours.ranges,
            closedAction:
              hours.closed_action.action === 'message'
                ? { action: 'message', text: hours.closed_action.text ?? null }
                : { action: 'voicemail' },
          },
    lastChosenAgentId: row.lastChosenAgentId,
    members: members.map((m) => ({ userId: m.userId, name: m.name, priority: m.priority })),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toEntry(row: EntryRow): QueueEntry {
  return {
    id: row.id,
    companyId: row.companyId,
    queueId: row.queueId,
    channel: row.channel,
    callId: row.callId,
    conversationId: row.conversationId,
    label: row.label,
    priority: row.priority,
    enqueuedAt: row.enqueuedAt,
    originalEnqueuedAt: row.originalEnqueuedAt,
    isFront: row.isFront,
    state: row.state,
    offeredTo: row.offeredTo,
    attempts: row.attempts,
    declinedBy: row.declinedBy,
    offeredAgents: row.offeredAgents,
    assignedTo: row.assignedTo,
    assignedAt: row.assignedAt,
    waitSeconds: row.waitSeconds,
    endedAt: row.endedAt,
    endReason: row.endReason,
    overflowAction: row.overflowAction,
    isSlaBreached: row.isSlaBreached,
    lastAnnouncedAt: row.lastAnnouncedAt,
    lastAnnouncedPosition: row.lastAnnouncedPosition,
  };
}

export function toOffer(row: OfferRow): Offer {
  return {
    id: row.id,
    companyId: row.companyId,
    entryId: row.entryId,
    queueId: row.queueId,
    agentId: row.agentId,
    channel: row.channel,
    state: row.state,
    isRingAll: row.isRingAll,
    offeredAt: row.offeredAt,
    expiresAt: row.expiresAt,
  };
}
