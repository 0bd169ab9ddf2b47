/** Routing's domain types on the wire (snake_case, ADR 5). */
import type { QueueDto, QueueEntryDto, RoutingOfferDto } from '@switchboard/contracts';
import { secondsBetween, type Offer, type Queue, type QueueEntry } from './routing.js';

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function toQueueDto(queue: Queue): QueueDto {
  return {
    id: queue.id,
    name: queue.name,
    channels: queue.channels,
    strategy: queue.strategy,
    offer_mode: queue.offerMode,
    offer_timeout_seconds: queue.offerTimeoutSeconds,
    required_skills: queue.requiredSkills.map((s) => ({ name: s.name, min_level: s.minLevel })),
    priority: queue.priority,
    service_level_seconds: queue.serviceLevelSeconds,
    service_level_target: queue.serviceLevelTarget,
    max_wait_seconds: queue.maxWaitSeconds,
    overflow:
      queue.overflow === null
        ? null
        : queue.overflow.action === 'queue'
          ? { action: 'queue', queue_id: queue.overflow.queueId }
          : queue.overflow,
    wrap_up_seconds: queue.wrapUpSeconds,
    announce_position: queue.announcePosition,
    business_hours:
      queue.businessHours === null
        ? null
        : {
            ranges: queue.businessHours.ranges,
            closed_action:
              queue.businessHours.closedAction.action === 'message'
                ? { action: 'message', text: queue.businessHours.closedAction.text }
                : { action: 'voicemail' },
          },
    members: queue.members.map((m) => ({ user_id: m.userId, name: m.name, priority: m.priority })),
    created_at: queue.createdAt.toISOString(),
    updated_at: queue.updatedAt.toISOString(),
  };
}

export function toEntryDto(entry: QueueEntry, position: number | null, now: Date): QueueEntryDto {
  return {
    id: entry.id,
    queue_id: entry.queueId,
    channel: entry.channel,
    call_id: entry.callId,
    conversation_id: entry.conversationId,
    label: entry.label,
    priority: entry.priority,
    state: entry.state,
    enqueued_at: entry.enqueuedAt.toISOString(),
    original_enqueued_at: entry.originalEnqueuedAt.toISOString(),
    offered_to: entry.offeredTo,
    attempts: entry.attempts,
    assigned_to: entry.assignedTo,
    wait_seconds: entry.waitSeconds,
    ended_at: iso(entry.endedAt),
    end_reason: entry.endReason,
    position,
    waiting_seconds: entry.waitSeconds ?? secondsBetween(entry.enqueuedAt, entry.endedAt ?? now),
  };
}

export function toOfferDto(offer: Offer, entry: QueueEntry, queueName: string): RoutingOfferDto {
  return {
    id: offer.id,
    entry_id: offer.entryId,
    queue_id: offer.queueId,
    queue_name: queueName,
    agent_id: offer.agentId,
    channel: offer.channel,
    conversation_id: entry.conversationId,
    call_id: entry.callId,
    label: entry.label,
    state: offer.state,
    offered_at: offer.offeredAt.toISOString(),
    expires_at: offer.expiresAt.toISOString(),
    enqueued_at: entry.originalEnqueuedAt.toISOString(),
  };
}
