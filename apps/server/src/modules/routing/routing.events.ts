/**
 * Routing's events, published after the decision commits (docs/adr/0010) or appended as
 * the decision's last statement (ADR 34): offers to the agent (and managers, for the
 * board), entry changes to managers and the agent concerned, service level and stats to
 * managers. Wire names: `offer.created` → `offer_created`, `queue_entry.created` →
 * `queue_entry_created`, `queue.stats` → `queue_stats`.
 */
import type { DomainEvent, EventPublisher, TransactionAppend } from '../../shared/events.js';
import type { Logger } from '../../shared/logger.js';
import { toEntryDto, toOfferDto } from './routing.dto.js';
import type { Offer, QueueEntry } from './routing.js';

export type OfferEventName =
  'offer.created' | 'offer.accepted' | 'offer.rejected' | 'offer.expired' | 'offer.cancelled';
export type EntryEventName =
  | 'queue_entry.created'
  | 'entry.assigned'
  | 'entry.requeued'
  | 'entry.completed'
  | 'entry.abandoned'
  | 'entry.overflowed';

const isUserId = (value: unknown): value is string => typeof value === 'string';

export function offerEvent(
  name: OfferEventName,
  offer: Offer,
  entry: QueueEntry,
  extra: { queueName: string; missedInARow?: number; isAgentSetAway?: boolean },
): DomainEvent {
  return {
    name,
    companyId: offer.companyId,
    audience: { userIds: [offer.agentId], managers: true },
    data: {
      ...toOfferDto(offer, entry, extra.queueName),
      ...(extra.missedInARow !== undefined ? { missed_in_a_row: extra.missedInARow } : {}),
      ...(extra.isAgentSetAway !== undefined ? { agent_set_away: extra.isAgentSetAway } : {}),
    },
  };
}

export function entryEvent(
  name: EntryEventName,
  entry: QueueEntry,
  now: Date,
  extra: Record<string, unknown> = {},
): DomainEvent {
  return {
    name,
    companyId: entry.companyId,
    // Managers (the board) and the agent it concerns: an agent's desk learns of its own
    // items here and of the queue through conversation events; a company-wide audience
    // would send every entry to every socket, O(agents) work per item.
    audience: { managers: true, userIds: [entry.assignedTo ?? entry.offeredTo, extra.agent_id].filter(isUserId) },
    data: { ...toEntryDto(entry, null, now), ...extra },
  };
}

export class RoutingEvents {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
  ) {}

  offer(
    name: OfferEventName,
    offer: Offer,
    entry: QueueEntry,
    extra: { queueName: string; missedInARow?: number; isAgentSetAway?: boolean },
  ): Promise<void> {
    return this.publish(offerEvent(name, offer, entry, extra));
  }

  entry(name: EntryEventName, entry: QueueEntry, now: Date, extra: Record<string, unknown> = {}): Promise<void> {
    return this.publish(entryEvent(name, entry, now, extra));
  }

  /** An event built by `entryEvent` or `offerEvent`. */
  publishBuilt(event: DomainEvent): Promise<void> {
    return this.publish(event);
  }

  /** A decision's transaction with the bus's in-transaction append (ADR 34). */
  withinTransaction<T>(work: (append: TransactionAppend) => Promise<T>): Promise<T> {
    return this.publisher.withinTransaction(work);
  }

  serviceLevelBreached(entry: QueueEntry, serviceLevelSeconds: number): Promise<void> {
    return this.publish({
      name: 'service_level.breached',
      companyId: entry.companyId,
      audience: { managers: true },
      data: {
        entry_id: entry.id,
        queue_id: entry.queueId,
        channel: entry.channel,
        conversation_id: entry.conversationId,
        call_id: entry.callId,
        service_level_seconds: serviceLevelSeconds,
        original_enqueued_at: entry.originalEnqueuedAt.toISOString(),
      },
    });
  }

  stats(companyId: string, data: Record<string, unknown>): Promise<void> {
    return this.publish({ name: 'queue.stats', companyId, audience: { managers: true }, data });
  }

  /** A lost event is logged, not thrown: the decision is stored and readable over HTTP. */
  private async publish(event: Parameters<EventPublisher['publish']>[0]): Promise<void> {
    try {
      await this.publisher.publish(event);
    } catch (error) {
      this.logger.error({ err: error, event: event.name, companyId: event.companyId }, 'routing event not published');
    }
  }
}
