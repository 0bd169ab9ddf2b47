/**
 * What the delivery outbox needs from each kind of target (an event webhook, the RD Station
 * connector): which deliveries an event makes, and how one is sent.
 */
import type { Db } from '../../db/client.js';
import type { LoggedEvent } from './webhooks.js';

export type TargetKind = 'webhook' | 'rdstation';

/** A delivery to insert for an event (unique per target and event seq). */
export interface PlannedDelivery {
  targetId: string;
  eventId: string;
  eventType: string;
  orderingKey: string;
  payload: Record<string, unknown>;
  /** Not sent before this (RD Station's answered calls wait out their wrap-up); now when unset. */
  notBefore?: Date;
}

/** A delivery a worker holds (status `delivering`, under lease). */
export interface ClaimedDelivery {
  id: string;
  companyId: string;
  targetKind: TargetKind;
  targetId: string;
  eventId: string;
  eventType: string;
  payload: Record<string, unknown>;
  attemptCount: number;
  giveUpAt: Date;
  createdAt: Date;
}

export interface PreparedRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  /** Only http(s) URLs the target allows (a webhook's HTTPS unless it allows http). */
  checkUrl?: (url: URL) => string | undefined;
}

export type Preparation = { request: PreparedRequest } | { skip: string };

/**
 * One pass of the outbox over the log (one transaction): what a target reads to plan a
 * company's events — its webhooks, its connector's settings — is read once per pass, not
 * once per event. Every event of a pass is planned in the same transaction, so they all
 * see the same rows either way.
 */
export class PlanPass {
  private readonly loaded = new Map<string, Promise<unknown>>();

  once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let value = this.loaded.get(key) as Promise<T> | undefined;
    if (!value) {
      value = load();
      this.loaded.set(key, value);
    }
    return value;
  }
}

export interface DeliveryTarget {
  readonly kind: TargetKind;
  /** Deliveries an event makes, planned inside the transaction that enqueues them. */
  plan(db: Db, event: LoggedEvent, pass: PlanPass): Promise<PlannedDelivery[]>;
  /** The request for a claimed delivery, signed now; a skip fails it (the target is gone). */
  prepare(delivery: ClaimedDelivery, now: Date): Promise<Preparation>;
  /** After every attempt; webhooks count continuous failure here. */
  afterAttempt?(delivery: ClaimedDelivery, isSuccess: boolean, now: Date): Promise<void>;
}
