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
}

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

export interface EventPublisher {
  /**
   * Appends the event to the log and fans it out. Call it after the transaction that made
   * the change has committed, never inside one (docs/adr/0003).
   */
  publish(event: DomainEvent): Promise<PublishedEvent>;
}
