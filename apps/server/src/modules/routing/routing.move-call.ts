/**
 * A supervisor moves a waiting caller (the wallboard's "move"): to another queue, where the
 * caller keeps their place by the time they first called, or to a chosen agent, whose
 * device the voice side then rings. Both are decided here, in one transaction on any API
 * node; the node holding ARI hears the result as it hears the engine's own decisions
 * (`offer_created`, `entry_assigned`: ADR 18), so the caller keeps their music meanwhile
 * and nothing of Asterisk is touched by the move itself.
 */
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/driver-results.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import type { EventPublisher } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { EngineRepository } from './routing.engine-repository.js';
import { RoutingEvents } from './routing.events.js';
import { secondsBetween, type QueueEntry } from './routing.js';

export interface MoveCallDeps {
  db: Db;
  publisher: EventPublisher;
  clock: Clock;
  logger: Logger;
  /** Routes the target queue after the move (the engine's `routeQueue`). */
  routeQueue(companyId: string, queueId: string): Promise<number>;
}

function requireWaitingCall(entry: QueueEntry | undefined): QueueEntry & { callId: string } {
  if (!entry) throw new NotFoundError('entry.not_found', 'No such queue entry.');
  if (entry.state !== 'waiting') throw new ConflictError('entry.not_waiting', 'The item is no longer waiting.');
  if (!entry.callId) throw new ConflictError('entry.not_a_call', 'The item is not a call.');
  return entry as QueueEntry & { callId: string };
}

/**
 * Ends the waiting entry (`transferred`) and puts the caller in `queueId` with a new entry
 * that keeps the first enqueue time, both as its wait and as its place in line: a caller
 * who waited ten minutes does not go behind one who called a minute ago.
 */
export async function moveWaitingCall(
  deps: MoveCallDeps,
  input: { companyId: string; entryId: string; queueId: string },
): Promise<QueueEntry> {
  const now = deps.clock.now();
  const repository = new EngineRepository(deps.db);
  const { ended, moved } = await repository.transaction(async (repo) => {
    const entry = requireWaitingCall(await repo.lockEntry(input.companyId, input.entryId));
    const queue = await repo.findQueue(input.companyId, input.queueId);
    if (!queue) throw new NotFoundError('queue.not_found', 'No such queue.');
    if (!queue.channels.includes('voice')) {
      throw new ConflictError('queue.channel_not_served', 'The queue does not take voice items.');
    }
    if (queue.id === entry.queueId) throw new ConflictError('entry.same_queue', 'The call is already in that queue.');
    await repo.closeLiveOffers(entry.id, 'cancelled', now);
    const waitSeconds = secondsBetween(entry.originalEnqueuedAt, now);
    await repo.updateEntry(entry.id, {
      state: 'completed',
      endedAt: now,
      endReason: 'transferred',
      waitSeconds,
      updatedAt: now,
    });
    const next = await repo.insertEntry({
      id: newId(),
      companyId: entry.companyId,
      queueId: queue.id,
      channel: 'voice',
      callId: entry.callId,
      conversationId: null,
      label: entry.label,
      priority: queue.priority,
      enqueuedAt: entry.originalEnqueuedAt,
      originalEnqueuedAt: entry.originalEnqueuedAt,
      previousEntryId: entry.id,
      state: 'waiting',
      updatedAt: now,
    });
    if (!next) throw new ConflictError('entry.already_queued', 'The call is already in a queue.');
    const endedEntry: QueueEntry = {
      ...entry,
      state: 'completed',
      endedAt: now,
      endReason: 'transferred',
      waitSeconds,
    };
    return { ended: endedEntry, moved: next };
  });
  deps.logger.info(
    {
      companyId: input.companyId,
      callId: moved.callId,
      fromEntryId: ended.id,
      entryId: moved.id,
      queueId: moved.queueId,
    },
    'waiting call moved to a queue by a supervisor',
  );
  const events = new RoutingEvents(deps.publisher, deps.logger);
  await events.entry('entry.completed', ended, now, { reason: 'transferred', wrap_up_until: null });
  await events.entry('queue_entry.created', moved, now);
  await deps.routeQueue(moved.companyId, moved.queueId);
  return moved;
}

/**
 * Gives a waiting call to a chosen agent: the entry is assigned to them (an agent already
 * holding a call is refused by the one-call-per-agent index) and the voice side rings
 * their device on `entry_assigned`. Unanswered, the caller goes back to the queue with
 * their wait kept (queue-calls.ts).
 */
export async function assignWaitingCall(
  deps: Omit<MoveCallDeps, 'routeQueue'>,
  input: { companyId: string; entryId: string; agentId: string },
): Promise<QueueEntry> {
  const now = deps.clock.now();
  const repository = new EngineRepository(deps.db);
  let result: { entry: QueueEntry; queueName: string };
  try {
    result = await repository.transaction(async (repo) => {
      const entry = requireWaitingCall(await repo.lockEntry(input.companyId, input.entryId));
      await repo.lockAgentWaiting(input.companyId, input.agentId, now);
      await repo.closeLiveOffers(entry.id, 'cancelled', now);
      const waitSeconds = secondsBetween(entry.originalEnqueuedAt, now);
      await repo.updateEntry(entry.id, {
        state: 'assigned',
        assignedTo: input.agentId,
        assignedAt: now,
        offeredTo: null,
        waitSeconds,
        offeredAgents: [...new Set([...entry.offeredAgents, input.agentId])],
        updatedAt: now,
      });
      const queue = await repo.findQueue(input.companyId, entry.queueId);
      const assigned: QueueEntry = {
        ...entry,
        state: 'assigned',
        assignedTo: input.agentId,
        assignedAt: now,
        offeredTo: null,
        waitSeconds,
      };
      return { entry: assigned, queueName: queue?.name ?? '' };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('agent.on_call', 'The agent is already on a call.');
    throw error;
  }
  const { entry } = result;
  deps.logger.info(
    { companyId: entry.companyId, entryId: entry.id, callId: entry.callId, agentId: input.agentId },
    'waiting call given to an agent by a supervisor',
  );
  await new RoutingEvents(deps.publisher, deps.logger).entry('entry.assigned', entry, now, {
    agent_id: input.agentId,
    queue_name: result.queueName,
    is_direct: true,
  });
  return entry;
}
