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

export interface DeliveryTarget {
  readonly kind: TargetKind;
  /** Deliveries an event makes, planned inside the transaction that enqueues them. */
  plan(db: Db, event: LoggedEvent): Promise<PlannedDelivery[]>;
  /** The request for a claimed delivery, signed now; a skip fails it (the target is gone). */
  prepare(delivery: ClaimedDelivery, now: Date): Promise<Preparation>;
  /** After every attempt; webhooks count continuous failure here. */
  afterAttempt?(delivery: ClaimedDelivery, isSuccess: boolean, now: Date): Promise<void>;
}
