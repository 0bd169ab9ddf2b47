/**
 * The event bus. Publishing appends to the event log and then hands the event, with its
 * seq, to subscribers (the Socket.IO fan-out). Publishes are serialized so subscribers see
 * a node's events in seq order, which is what lets a socket drop duplicates by seq.
 *
 * With a transport (REDIS_URL, several nodes) each event also goes to the other nodes, and
 * subscribers get every node's events through a SequencedDelivery, still in seq order and
 * once each (ADR 13). Without one, subscribers get this node's events only.
 */
import type { Clock } from '../shared/clock.js';
import type { DomainEvent, EventPublisher, PublishedEvent } from '../shared/events.js';
import type { Logger } from '../shared/logger.js';
import type { EventLogRepository } from './event-log.repository.js';
import type { EventTransport } from './event-transport.js';
import { SequencedDelivery } from './sequenced-delivery.js';

export type EventSubscriber = (event: PublishedEvent) => void;

export interface EventBusOptions {
  /** Several nodes: events go to every node through this transport. */
  transport?: EventTransport;
  gapWaitMs?: number;
  pollIntervalMs?: number;
}

export class EventBus implements EventPublisher {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly subscribers = new Set<EventSubscriber>();
  private readonly transport: EventTransport | undefined;
  private readonly delivery: SequencedDelivery | undefined;

  constructor(
    private readonly log: EventLogRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: EventBusOptions = {},
  ) {
    this.transport = options.transport;
    if (this.transport) {
      this.delivery = new SequencedDelivery({
        log,
        logger,
        deliver: (event) => this.deliver(event),
        ...(options.gapWaitMs !== undefined ? { gapWaitMs: options.gapWaitMs } : {}),
        ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
      });
    }
  }

  /** Whether events reach the other nodes at once (always true with no transport). */
  get transportState(): 'up' | 'down' | 'none' {
    return this.transport?.state ?? 'none';
  }

  /** Connects the transport, if any; before this, other nodes' events are not received. */
  async start(): Promise<void> {
    const { transport, delivery } = this;
    if (!transport || !delivery) return;
    await transport.start({
      onEvent: (event) => delivery.receive(event),
      onResubscribed: () => void delivery.catchUp('resubscribed'),
    });
    await delivery.start();
  }

  subscribe(subscriber: EventSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  publish(event: DomainEvent): Promise<PublishedEvent> {
    const published = this.tail.then(async () => {
      const stored = await this.log.append(event, this.clock.now());
      if (!this.delivery || !this.transport) {
        this.deliver(stored);
        return stored;
      }
      // This node's sockets do not wait for the round trip through Redis, and neither does
      // the next append: the other nodes put events in seq order themselves.
      this.delivery.receive(stored);
      this.transport.send(stored).catch((error: unknown) => {
        // The other nodes find it in the log on their next poll.
        this.logger.warn({ err: error, event: stored.name, seq: stored.seq }, 'event not sent to the other nodes');
      });
      return stored;
    });
    this.tail = published.catch(() => undefined);
    return published;
  }

  /** Resolves when every publish issued so far has been appended and delivered here (sent on, with Redis). */
  async drain(): Promise<void> {
    await this.tail;
  }

  async close(): Promise<void> {
    await this.drain();
    await this.delivery?.close();
    await this.transport?.close();
  }

  private deliver(event: PublishedEvent): void {
    for (const subscriber of this.subscribers) {
      try {
        subscriber(event);
      } catch (error) {
        this.logger.error({ err: error, event: event.name, seq: event.seq }, 'event subscriber failed');
      }
    }
  }
}
