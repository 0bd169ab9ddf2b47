/**
 * The in-process event bus. Publishing appends to the event log and then hands the event,
 * with its seq, to local subscribers (the Socket.IO fan-out). Publishes are serialized so
 * subscribers see events in seq order, which is what lets a socket drop duplicates by seq.
 */
import type { Clock } from '../shared/clock.js';
import type { DomainEvent, EventPublisher, PublishedEvent } from '../shared/events.js';
import type { Logger } from '../shared/logger.js';
import type { EventLogRepository } from './event-log.repository.js';

export type EventSubscriber = (event: PublishedEvent) => void;

export class EventBus implements EventPublisher {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly subscribers = new Set<EventSubscriber>();

  constructor(
    private readonly log: EventLogRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  subscribe(subscriber: EventSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  publish(event: DomainEvent): Promise<PublishedEvent> {
    const published = this.tail.then(async () => {
      const stored = await this.log.append(event, this.clock.now());
      for (const subscriber of this.subscribers) {
        try {
          subscriber(stored);
        } catch (error) {
          this.logger.error({ err: error, event: stored.name, seq: stored.seq }, 'event subscriber failed');
        }
      }
      return stored;
    });
    this.tail = published.catch(() => undefined);
    return published;
  }

  /** Resolves when every publish issued so far has been delivered. */
  async drain(): Promise<void> {
    await this.tail;
  }
}
