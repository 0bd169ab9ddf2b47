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
import type { DomainEvent, EventPublisher, PublishedEvent, TransactionAppend } from '../shared/events.js';
import type { Logger } from '../shared/logger.js';
import type { EventLogRepository } from './event-log.repository.js';
import type { EventTransport } from './event-transport.js';
import { SequencedDelivery } from './sequenced-delivery.js';

export type EventSubscriber = (event: PublishedEvent) => void;

/** Events appended in one transaction at most (one INSERT of this many rows). */
const MAX_BATCH = 200;

interface PendingPublish {
  event: DomainEvent;
  at: Date;
  resolve: (stored: PublishedEvent) => void;
  reject: (error: unknown) => void;
}

export interface EventBusOptions {
  /** Several nodes: events go to every node through this transport. */
  transport?: EventTransport;
  gapWaitMs?: number;
  pollIntervalMs?: number;
}

export class EventBus implements EventPublisher {
  private readonly pending: PendingPublish[] = [];
  private flushing: Promise<void> | undefined;
  /**
   * The turn to append: one batch or one transaction's append at a time. Whoever holds it
   * takes the pending events first, so seqs keep publish order whether a batch or a
   * transaction appends them. Batches wait for it in order; a transaction never waits.
   */
  private isTurnTaken = false;
  private readonly turnWaiters: (() => void)[] = [];
  /** Turns held by transactions that have not ended yet (`withinTransaction`). */
  private readonly held = new Set<Promise<unknown>>();
  private readonly subscribers = new Set<EventSubscriber>();
  private readonly ownSubscribers = new Set<EventSubscriber>();
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

  /**
   * The events this node published, in seq order, as soon as they are appended (not held
   * behind other nodes' events): for reactions one node is enough for, such as routing's
   * triggers, so two nodes do not both react to every event. Without a transport every
   * event is this node's.
   */
  subscribeOwn(subscriber: EventSubscriber): () => void {
    this.ownSubscribers.add(subscriber);
    return () => this.ownSubscribers.delete(subscriber);
  }

  /**
   * Appends and delivers. Events published while an append is under way wait and go
   * together in the next one (group commit, `EventLogRepository.appendMany`): under load
   * an event waits for one round trip, not for one per event queued before it. Order is
   * kept: batches are appended one at a time, each in publish order.
   */
  publish(event: DomainEvent): Promise<PublishedEvent> {
    return new Promise<PublishedEvent>((resolve, reject) => {
      this.pending.push({ event, at: this.clock.now(), resolve, reject });
      this.startFlush();
    });
  }

  private startFlush(): void {
    if (this.flushing) return;
    this.flushing = (async () => {
      try {
        await this.flush();
      } finally {
        this.flushing = undefined;
        // Published after the loop saw nothing left, before this line: not left behind.
        if (this.pending.length > 0) this.startFlush();
      }
    })();
  }

  /** Resolves when every publish issued so far has been appended and delivered here (sent on, with Redis). */
  async drain(): Promise<void> {
    while (this.flushing || this.held.size > 0) {
      await Promise.allSettled([this.flushing, ...this.held]);
    }
  }

  /**
   * Runs `work` with `append` (see EventPublisher.withinTransaction). `append` appends only
   * when the turn is free at once — then it writes the pending events and the given ones in
   * the caller's transaction, and holds the turn until `work` ends, so events published
   * meanwhile wait and seqs stay in publish order. It never waits for the turn: a batch
   * that holds it may itself be waiting for a connection the caller's transaction holds
   * (the pool's last, or PGlite's only one). When it answers false the caller publishes
   * after commit, as usual. After `work` returns the events are handed on (the pending
   * events' publishers answered); if it throws, nothing is, and the pending events go back
   * to the front of the queue.
   */
  withinTransaction<T>(work: (append: TransactionAppend) => Promise<T>): Promise<T> {
    let taken: PendingPublish[] = [];
    let own: PendingPublish[] = [];
    let stored: PublishedEvent[] = [];
    let release: (() => void) | undefined;
    const append: TransactionAppend = async (scope, events) => {
      if (release || this.isTurnTaken) return false;
      this.isTurnTaken = true;
      release = () => this.giveUpTurn();
      taken = this.pending.splice(0);
      own = events.map((event) => ({ event, at: this.clock.now(), resolve: () => {}, reject: () => {} }));
      try {
        stored = await this.log.appendMany([...taken, ...own], scope);
      } catch (error) {
        this.pending.unshift(...taken);
        taken = [];
        own = [];
        throw error;
      }
      return true;
    };
    const run = (async () => {
      try {
        const result = await work(append);
        stored.forEach((one, i) => this.handOn(one, i < taken.length ? taken[i]! : own[i - taken.length]!));
        return result;
      } catch (error) {
        this.pending.unshift(...taken);
        throw error;
      } finally {
        release?.();
        if (this.pending.length > 0) this.startFlush();
      }
    })();
    this.held.add(run);
    const forget = () => this.held.delete(run);
    run.then(forget, forget);
    return run;
  }

  /** Waits for the turn to append (batches, in order). */
  private takeTurn(): Promise<void> {
    if (!this.isTurnTaken) {
      this.isTurnTaken = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.turnWaiters.push(resolve));
  }

  private giveUpTurn(): void {
    const next = this.turnWaiters.shift();
    if (next) next();
    else this.isTurnTaken = false;
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      await this.takeTurn();
      try {
        // A transaction's append may have taken them while this one waited.
        await this.appendBatch(this.pending.splice(0, MAX_BATCH));
      } finally {
        this.giveUpTurn();
      }
    }
  }

  private async appendBatch(batch: PendingPublish[]): Promise<void> {
    if (batch.length === 0) return;
    let stored: PublishedEvent[];
    try {
      stored = await this.log.appendMany(batch);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // One bad event must not take the others down: each on its own, as before batching.
      for (const item of batch) {
        await this.log.appendMany([item]).then(
          ([one]) => this.handOn(one!, item),
          (failure: unknown) => item.reject(failure),
        );
      }
      return;
    }
    stored.forEach((one, i) => this.handOn(one, batch[i]!));
  }

  private handOn(stored: PublishedEvent, item: PendingPublish): void {
    if (!this.delivery || !this.transport) {
      this.deliver(stored);
      this.deliverOwn(stored);
      item.resolve(stored);
      return;
    }
    // This node's sockets do not wait for the round trip through Redis, and neither does
    // the next append: the other nodes put events in seq order themselves.
    this.delivery.receive(stored);
    this.transport.send(stored).catch((error: unknown) => {
      // The other nodes find it in the log on their next poll.
      this.logger.warn({ err: error, event: stored.name, seq: stored.seq }, 'event not sent to the other nodes');
    });
    this.deliverOwn(stored);
    item.resolve(stored);
  }

  async close(): Promise<void> {
    await this.drain();
    await this.delivery?.close();
    await this.transport?.close();
  }

  private deliverOwn(event: PublishedEvent): void {
    for (const subscriber of this.ownSubscribers) {
      try {
        subscriber(event);
      } catch (error) {
        this.logger.error({ err: error, event: event.name, seq: event.seq }, 'event subscriber failed');
      }
    }
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
