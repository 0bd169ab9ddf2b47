import type { Actor } from './actor.js';

/**
 * Domain events: modules publish them, `realtime/` decides who receives them. Names are
 * `<aggregate>.<past tense>`; the wire name is fixed by the seeds (see realtime/).
 */
export interface Audience {
  /** Users who receive the event whatever their role. */
  userIds?: readonly string[];
  /** Admins and supervisors of the company. */
  managers?: boolean;
  /** Every user of the company. */
  company?: boolean;
  /** Also delivered to sockets that joined this call's room. */
  callId?: string;
  /** Also delivered to the company's sockets that watch this topic (ADR 30, ADR 31). */
  topic?: WatchTopic;
}

/**
 * What a console may watch while it shows it (ADR 30): `presence`, the company's presence
 * board; `unassigned`, the conversations nobody owns (ADR 31).
 */
export const WATCH_TOPICS = ['presence', 'unassigned'] as const;
export type WatchTopic = (typeof WATCH_TOPICS)[number];

export interface DomainEvent<TData extends object = Record<string, unknown>> {
  name: string;
  companyId: string;
  audience: Audience;
  /** snake_case, as it goes on the wire. */
  data: TData;
}

export interface PublishedEvent extends DomainEvent {
  seq: number;
  at: Date;
}

/**
 * Appends events inside the transaction `scope` is (see `EventPublisher.withinTransaction`);
 * false when it could not at once: then publish them after commit, as usual.
 */
export type TransactionAppend = (scope: object, events: readonly DomainEvent[]) => Promise<boolean>;

export interface EventPublisher {
  /**
   * Appends the event to the log and fans it out. Call it after the transaction that made
   * the change has committed, never inside one (docs/adr/0003).
   */
  publish(event: DomainEvent): Promise<PublishedEvent>;
  /**
   * Runs `work`, which opens one transaction, with `append`: events appended with it, as
   * that transaction's last statement, commit with the change (one commit, not two) and
   * are fanned out once `work` has returned; they are dropped if it fails. For a hot path
   * only (routing's decisions, ADR 34): the log's append lock is then held until that
   * transaction commits. `append` may answer false (the bus was appending): then the
   * caller publishes the events after commit.
   */
  withinTransaction<T>(work: (append: TransactionAppend) => Promise<T>): Promise<T>;
}

/**
 * A client event a module handles (`update_status`, `typing` …). realtime/ parses the
 * payload with `schema`, calls `handle`, and acknowledges `{ok: true, data}` or
 * `{ok: false, error: {code, message}}`; a bad payload never reaches the module.
 */
export interface ClientCommand<TPayload = unknown> {
  event: string;
  schema: { safeParse(value: unknown): { success: true; data: TPayload } | { success: false } };
  handle(actor: Actor, payload: TPayload): Promise<unknown>;
}

/** A module's reaction to sockets coming and going (presence). */
export interface ConnectionObserver {
  onConnected?(actor: Actor, openSockets: number): void | Promise<void>;
  onDisconnected?(actor: Actor, openSockets: number): void | Promise<void>;
}

/** Types a command's handler by its schema and erases it for the registry. */
export function defineCommand<TPayload>(command: ClientCommand<TPayload>): ClientCommand<unknown> {
  return {
    event: command.event,
    schema: command.schema,
    handle: (actor, payload) => command.handle(actor, payload as TPayload),
  };
}
