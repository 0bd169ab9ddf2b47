/**
 * Moves calls between statuses, one transaction per move, and publishes the matching
 * event after commit. Both the API use cases and the PBX event flow go through here, so a
 * call changes only along the machine of calls.ts, and every change is stored with the
 * time it happened and what reported it.
 */
import type { Clock } from '../../shared/clock.js';
import type { Audience, DomainEvent, EventPublisher } from '../../shared/events.js';
import type { Logger } from '../../shared/logger.js';
import type { calls } from '../../db/schema/index.js';
import { nextStatus, type Call, type CallStatus } from './calls.js';
import { toCallDto } from './calls.dto.js';
import type { CallsRepository } from './calls.repository.js';

type CallPatch = Partial<typeof calls.$inferInsert>;

const EVENT_OF_STATUS: Record<CallStatus, string> = {
  initiated: 'call.initiated',
  ringing: 'call.ringing',
  in_progress: 'call.answered',
  completed: 'call.ended',
  failed: 'call.ended',
  busy: 'call.ended',
  no_answer: 'call.ended',
  canceled: 'call.ended',
  transferred: 'call.transferred',
};

export class CallLifecycle {
  constructor(
    private readonly repository: CallsRepository,
    private readonly publisher: EventPublisher,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async create(row: typeof calls.$inferInsert & { status: 'initiated' }, source: string): Promise<Call> {
    const { call, announced } = await this.open(row, source);
    await announced;
    return call;
  }

  /**
   * The call's row, written; its `call.initiated` is on its way (`announced`). The bus
   * appends events in the order they are published, so whatever the caller publishes next
   * about this call still comes after it: a queue call is enqueued without waiting for it.
   */
  async open(
    row: typeof calls.$inferInsert & { status: 'initiated' },
    source: string,
  ): Promise<{ call: Call; announced: Promise<void> }> {
    const call = await this.insert(this.repository, row, source);
    return { call, announced: this.publish(call) };
  }

  /**
   * The call's row, written in the transaction `scope` is (a queue call's, with its queue
   * entry: routing's `EnqueueInput.prepare`); `event` is its `call.initiated`, for whoever
   * commits that transaction to publish (routing appends it with the entry's, ADR 34).
   */
  async openInTransaction(
    scope: object,
    row: typeof calls.$inferInsert & { status: 'initiated' },
    source: string,
  ): Promise<{ call: Call; event: DomainEvent }> {
    const call = await this.insert(this.repository.within(scope), row, source);
    return { call, event: this.eventOf(call) };
  }

  private insert(
    repository: CallsRepository,
    row: typeof calls.$inferInsert & { status: 'initiated' },
    source: string,
  ): Promise<Call> {
    const now = this.clock.now();
    return repository.insertCall(
      { ...row, createdAt: row.createdAt ?? now, updatedAt: now },
      { fromStatus: null, toStatus: 'initiated', source, occurredAt: row.createdAt ?? now },
    );
  }

  /**
   * Moves the call to `to` if the machine allows it from its current status, applying
   * `patch` (computed from the locked current row). Returns the updated call, or
   * undefined when the move was ignored (duplicate, late or impossible report).
   */
  async move(
    call: Pick<Call, 'companyId' | 'id'>,
    to: CallStatus,
    source: string,
    occurredAt: Date,
    patch: (current: Call) => CallPatch = () => ({}),
    details?: Record<string, unknown>,
  ): Promise<Call | undefined> {
    const isMoved = await this.repository.transaction(async (repo) => {
      const current = await repo.findCallForUpdate(call.companyId, call.id);
      const next = current && nextStatus(current.status, to);
      if (!current || !next) return false;
      await repo.updateCall(
        call.companyId,
        call.id,
        { ...patch(current), status: next, updatedAt: this.clock.now() },
        { fromStatus: current.status, toStatus: next, source, occurredAt, details },
      );
      return true;
    });
    if (!isMoved) {
      this.logger.debug({ callId: call.id, to, source }, 'call transition ignored');
      return undefined;
    }
    const updated = await this.repository.findCall(call.companyId, call.id);
    if (updated) await this.publish(updated);
    return updated;
  }

  /** Changes fields that are not a status move (channel ids, the agent). */
  async patch(call: Pick<Call, 'companyId' | 'id'>, patch: CallPatch): Promise<void> {
    await this.repository.updateCall(call.companyId, call.id, { ...patch, updatedAt: this.clock.now() });
  }

  /** A call event other than a status move (hold, consult steps), after its change committed. */
  async announce(name: string, call: Call, data: Record<string, unknown>, audience: Audience = {}): Promise<void> {
    await this.publisher.publish({
      name,
      companyId: call.companyId,
      audience: {
        managers: true,
        callId: call.id,
        ...audience,
        userIds: [...(call.agentId ? [call.agentId] : []), ...(audience.userIds ?? [])],
      },
      data,
    });
  }

  /** An event for exactly this audience (monitor sessions: never the agent's call room). */
  async announceTo(name: string, companyId: string, audience: Audience, data: Record<string, unknown>): Promise<void> {
    await this.publisher.publish({ name, companyId, audience, data });
  }

  private async publish(call: Call): Promise<void> {
    await this.publisher.publish(this.eventOf(call));
  }

  private eventOf(call: Call): DomainEvent {
    return {
      name: EVENT_OF_STATUS[call.status],
      companyId: call.companyId,
      audience: { managers: true, userIds: call.agentId ? [call.agentId] : [], callId: call.id },
      data: toCallDto(call),
    };
  }
}
