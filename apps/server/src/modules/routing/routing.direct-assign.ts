/**
 * A supervisor hands a waiting chat to a chosen agent (the wallboard's "move to agent").
 * The same assignment the engine makes, for one entry and one agent, skipping the
 * strategy but not exactly-once: the entry and the agent's routing row are locked as a
 * decision locks them. A waiting call is given by routing.move-call.ts (the voice side rings).
 */
import type { Db } from '../../db/client.js';
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import type { EventPublisher } from '../../shared/events.js';
import type { Logger } from '../../shared/logger.js';
import { EngineRepository } from './routing.engine-repository.js';
import { RoutingEvents } from './routing.events.js';
import { assignWaitingCall } from './routing.move-call.js';
import type { ConversationsPort } from './routing.ports.js';
import { secondsBetween, type QueueEntry } from './routing.js';

export interface DirectAssignDeps {
  db: Db;
  conversations: ConversationsPort;
  publisher: EventPublisher;
  clock: Clock;
  logger: Logger;
}

export async function assignWaitingEntry(
  deps: DirectAssignDeps,
  input: { companyId: string; entryId: string; agentId: string },
): Promise<QueueEntry> {
  const repository = new EngineRepository(deps.db);
  const found = await repository.findEntry(input.companyId, input.entryId);
  if (found?.callId) return assignWaitingCall(deps, input);
  const now = deps.clock.now();
  const result = await repository.transaction(async (repo) => {
    const entry = await repo.lockEntry(input.companyId, input.entryId);
    if (!entry) throw new NotFoundError('entry.not_found', 'No such queue entry.');
    if (entry.state !== 'waiting') throw new ConflictError('entry.not_waiting', 'The item is no longer waiting.');
    if (!entry.conversationId) throw new ConflictError('entry.not_waiting', 'The item is no longer waiting.');
    await repo.lockAgentWaiting(input.companyId, input.agentId, now);
    const assigned = await deps.conversations.assignInTransaction(repo.db, {
      companyId: input.companyId,
      conversationId: entry.conversationId,
      agentId: input.agentId,
      now,
    });
    if (assigned.kind === 'gone') throw new ConflictError('entry.not_waiting', 'The item is no longer waiting.');
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
    const done: QueueEntry = {
      ...entry,
      state: 'assigned',
      assignedTo: input.agentId,
      assignedAt: now,
      offeredTo: null,
      waitSeconds,
    };
    return { entry: done, previousAssigneeId: assigned.previousAssigneeId, queueName: queue?.name ?? '' };
  });
  const { entry } = result;
  deps.logger.info(
    { companyId: entry.companyId, entryId: entry.id, agentId: input.agentId },
    'waiting item assigned by a supervisor',
  );
  if (entry.conversationId) {
    await deps.conversations.announceAssignment(entry.companyId, entry.conversationId, result.previousAssigneeId);
  }
  await new RoutingEvents(deps.publisher, deps.logger).entry('entry.assigned', entry, now, {
    agent_id: input.agentId,
    queue_name: result.queueName,
  });
  return entry;
}
