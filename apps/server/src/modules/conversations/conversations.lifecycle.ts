/**
 * How a conversation moves: hand-off to the queue, take, assign, unassign, close with a
 * rating, reopen, snooze, priority. Each change locks the row, checks the rules of
 * conversations.ts, commits, and then publishes its event (docs/adr/0003).
 */
import { authorUserIdOf, type Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { NotFoundError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import {
  assertCanAssign,
  assertCanClose,
  assertCanReopen,
  assertCanTake,
  assertCanUnassign,
  assertOpenForWork,
  assertSnoozeUntil,
  canSeeConversation,
  CONVERSATION_NOT_FOUND,
  type Conversation,
  type ConversationPriority,
} from './conversations.js';
import type { ConversationEventName, ConversationEvents } from './conversations.events.js';
import type { ConversationRow, ConversationsRepository } from './conversations.repository.js';

type ConversationPatch = Parameters<ConversationsRepository['updateConversation']>[2];

/** What a change did, for the event after commit; no event means nothing changed. */
interface Change {
  event: ConversationEventName | undefined;
  previousAssigneeId?: string | null;
}

export interface ConversationLifecycleDeps {
  repository: ConversationsRepository;
  events: ConversationEvents;
  clock: Clock;
  logger: Logger;
  /** After a close has committed: ask the customer for a rating (never throws). */
  afterClose?: (companyId: string, conversationId: string) => Promise<void>;
}

export class ConversationLifecycle {
  constructor(private readonly deps: ConversationLifecycleDeps) {}

  /** Bot-to-human transfer: the conversation enters the waiting queue for any available agent. */
  async handoff(actor: Actor, conversationId: string): Promise<Conversation> {
    return this.change(actor, conversationId, (current) => {
      assertOpenForWork(current);
      return {
        patch: { awaitingHuman: true, assigneeId: null, status: 'open', snoozedUntil: null },
        change: { event: 'conversation.updated', previousAssigneeId: current.assigneeId },
      };
    });
  }

  /**
   * Any agent may take from the queue. An agent who comes second gets 404: the conversation
   * is a colleague's now, which agents may not see (or learn exists); a manager, who sees
   * it, learns it is taken (409).
   */
  async take(actor: Actor, conversationId: string): Promise<Conversation> {
    return this.change(actor, conversationId, (current) => {
      assertCanTake(actor, current);
      return this.assignment(current, actor.userId);
    });
  }

  async assign(actor: Actor, conversationId: string, agentId: string): Promise<Conversation> {
    const agent = await this.deps.repository.findActiveUser(actor.companyId, agentId);
    if (!agent) throw new NotFoundError('user.not_found', 'No such active user in your company.');
    return this.change(actor, conversationId, (current) => {
      assertCanAssign(actor, current);
      return this.assignment(current, agentId);
    });
  }

  /** Back to the queue: nobody has it, and it waits for a human unless it is resolved. */
  async unassign(actor: Actor, conversationId: string): Promise<Conversation> {
    return this.change(actor, conversationId, (current) => {
      assertCanUnassign(actor, current);
      if (current.assigneeId === null) return { patch: {}, change: { event: undefined } };
      return {
        patch: { assigneeId: null, awaitingHuman: current.status !== 'resolved' },
        change: { event: 'conversation.assigned', previousAssigneeId: current.assigneeId },
      };
    });
  }

  async close(
    actor: Actor,
    conversationId: string,
    input: { rating?: number | undefined; feedback?: string | undefined },
  ): Promise<Conversation> {
    const now = this.deps.clock.now();
    const hasRating = input.rating !== undefined;
    const closed = await this.change(actor, conversationId, (current) => {
      assertCanClose(current);
      return {
        patch: {
          status: 'resolved',
          rating: input.rating ?? null,
          ratedBy: hasRating ? 'agent' : null,
          ratedAt: hasRating ? now : null,
          ratingRequestedAt: null,
          feedback: input.feedback ?? null,
          resolvedAt: now,
          resolvedBy: authorUserIdOf(actor),
          awaitingHuman: false,
          snoozedUntil: null,
        },
        change: { event: 'conversation.closed' },
      };
    });
    if (input.rating !== undefined) {
      await this.deps.repository.insertRating({
        id: newId(),
        companyId: actor.companyId,
        conversationId,
        score: input.rating,
        comment: input.feedback ?? null,
        ratedBy: 'agent',
        userId: authorUserIdOf(actor),
        isCounted: true,
        createdAt: now,
        updatedAt: now,
      });
    }
    await this.deps.afterClose?.(actor.companyId, conversationId);
    return closed;
  }

  async reopen(actor: Actor, conversationId: string): Promise<Conversation> {
    return this.change(actor, conversationId, (current) => {
      assertCanReopen(current);
      return { patch: reopenPatch(current), change: { event: 'conversation.updated' } };
    });
  }

  async snooze(actor: Actor, conversationId: string, until: Date): Promise<Conversation> {
    assertSnoozeUntil(until, this.deps.clock.now());
    return this.change(actor, conversationId, (current) => {
      assertOpenForWork(current);
      return { patch: { status: 'snoozed', snoozedUntil: until }, change: { event: 'conversation.updated' } };
    });
  }

  async updatePriority(actor: Actor, conversationId: string, priority: ConversationPriority): Promise<Conversation> {
    return this.change(actor, conversationId, (current) => ({
      patch: { priority },
      change: { event: current.priority === priority ? undefined : 'conversation.updated' },
    }));
  }

  /** Reopens snoozed conversations whose time has come (each node may run it: a row wakes once). */
  async wakeSnoozed(): Promise<number> {
    const woken = await this.deps.repository.wakeSnoozed(this.deps.clock.now(), 100);
    for (const row of woken) {
      const conversation = await this.deps.repository.findConversation(row.companyId, row.id, null);
      if (conversation) await this.deps.events.conversation('conversation.updated', conversation);
    }
    if (woken.length > 0) this.deps.logger.info({ count: woken.length }, 'snoozed conversations reopened');
    return woken.length;
  }

  private assignment(current: ConversationRow, assigneeId: string): { patch: ConversationPatch; change: Change } {
    const isSame = current.assigneeId === assigneeId && !current.awaitingHuman;
    return {
      patch: {
        assigneeId,
        awaitingHuman: false,
        ...(current.status === 'pending' ? { status: 'open' as const } : {}),
      },
      change: isSame
        ? { event: undefined }
        : { event: 'conversation.assigned', previousAssigneeId: current.assigneeId },
    };
  }

  /**
   * One change to one conversation: lock it, check, patch, commit, then publish. `decide`
   * throws to refuse; an `event` of undefined means nothing changed.
   */
  private async change(
    actor: Actor,
    conversationId: string,
    decide: (current: ConversationRow) => { patch: ConversationPatch; change: Change },
  ): Promise<Conversation> {
    const now = this.deps.clock.now();
    const change = await this.deps.repository.transaction(async (repo) => {
      const current = await lockVisible(repo, actor, conversationId);
      const decision = decide(current);
      if (decision.change.event) {
        await repo.updateConversation(actor.companyId, conversationId, {
          ...decision.patch,
          lastActivityAt: now,
          updatedAt: now,
        });
      }
      return decision.change;
    });
    // Read without the visibility check: an agent passing a conversation on still gets the result.
    const conversation = await this.deps.repository.findConversation(actor.companyId, conversationId, actor.userId);
    if (!conversation) throw new NotFoundError(CONVERSATION_NOT_FOUND, 'No such conversation.');
    if (change.event) {
      await this.deps.events.conversation(change.event, conversation, change.previousAssigneeId);
      this.deps.logger.info(
        { conversationId, event: change.event, userId: actor.userId, assigneeId: conversation.assigneeId },
        'conversation changed',
      );
    }
    return conversation;
  }
}

/** Locks the conversation for a change, if the actor may see it (else 404, so ids do not leak). */
export async function lockVisible(
  repo: ConversationsRepository,
  actor: Actor,
  conversationId: string,
): Promise<ConversationRow> {
  const current = await repo.lockConversation(actor.companyId, conversationId);
  if (!current || !canSeeConversation(actor, current)) {
    throw new NotFoundError(CONVERSATION_NOT_FOUND, 'No such conversation.');
  }
  return current;
}

/** A resolved or snoozed conversation back at work; an unassigned one goes back to the queue. */
export function reopenPatch(current: Pick<ConversationRow, 'assigneeId'>): ConversationPatch {
  return {
    status: 'open',
    snoozedUntil: null,
    resolvedAt: null,
    resolvedBy: null,
    awaitingHuman: current.assigneeId === null,
  };
}
