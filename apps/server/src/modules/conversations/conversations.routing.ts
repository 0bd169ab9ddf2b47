/**
 * What the routing engine does to conversations: assign one to the agent it chose (inside
 * the engine's own transaction, so the entry and the conversation change together or not
 * at all), give one back to the queue, hold one for the menu bot, and write to the
 * customer (menus, queue positions). Events go out after commit, as everywhere here.
 */
import type { Db } from '../../db/client.js';
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import {
  previewOf,
  type ConversationChannel,
  type ConversationStatus,
  type InteractiveOption,
} from './conversations.js';
import type { MessageDelivery } from './conversations.delivery.js';
import type { ConversationEvents } from './conversations.events.js';
import { ConversationsRepository } from './conversations.repository.js';

/** A transaction opened by the caller; only this module looks inside. */
export type TransactionScope = object;

export interface RoutableConversation {
  id: string;
  companyId: string;
  channel: ConversationChannel;
  status: ConversationStatus;
  assigneeId: string | null;
  awaitingHuman: boolean;
  /** The contact as an agent's toast names them. */
  label: string | null;
}

export type AssignResult = { kind: 'assigned'; previousAssigneeId: string | null } | { kind: 'gone' };

export class ConversationRouting {
  constructor(
    private readonly deps: {
      repository: ConversationsRepository;
      events: ConversationEvents;
      delivery: Pick<MessageDelivery, 'schedule'>;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  async find(companyId: string, conversationId: string): Promise<RoutableConversation | undefined> {
    const conversation = await this.deps.repository.findConversation(companyId, conversationId, null);
    if (!conversation) return undefined;
    return {
      id: conversation.id,
      companyId,
      channel: conversation.channel,
      status: conversation.status,
      assigneeId: conversation.assigneeId,
      awaitingHuman: conversation.awaitingHuman,
      label: conversation.contact.name ?? conversation.contact.phone,
    };
  }

  /**
   * Gives a waiting conversation to the agent, in the caller's transaction. `gone`: it no
   * longer waits (resolved, or someone took it by hand) and the entry should end.
   */
  async assignInTransaction(
    scope: TransactionScope,
    input: { companyId: string; conversationId: string; agentId: string; now: Date },
  ): Promise<AssignResult> {
    const repo = new ConversationsRepository(scope as Db);
    const assigned = await repo.assignIfWaiting(input.companyId, input.conversationId, input.agentId, input.now);
    return assigned ? { kind: 'assigned', previousAssigneeId: assigned.previousAssigneeId } : { kind: 'gone' };
  }

  /**
   * Back to the queue, in the caller's transaction: nobody has it and it waits for a human.
   * With `fromAgentId`, only if that agent still has it. Returns who had it, or `gone`.
   */
  async releaseInTransaction(
    scope: TransactionScope,
    input: { companyId: string; conversationId: string; fromAgentId?: string; now: Date },
  ): Promise<{ kind: 'released'; previousAssigneeId: string | null } | { kind: 'gone' }> {
    const repo = new ConversationsRepository(scope as Db);
    const released = await repo.releaseIfOpen(input.companyId, input.conversationId, input.fromAgentId, input.now);
    return released ? { kind: 'released', previousAssigneeId: released.previousAssigneeId } : { kind: 'gone' };
  }

  /** The menu bot has it: `pending` (Chatwoot's word for a bot's conversation), not waiting for a human. */
  async holdForBot(companyId: string, conversationId: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.repository.transaction(async (repo) => {
      const current = await repo.lockConversation(companyId, conversationId);
      if (!current || current.assigneeId !== null || current.status !== 'open') return;
      await repo.updateConversation(companyId, conversationId, {
        status: 'pending',
        awaitingHuman: false,
        updatedAt: now,
      });
    });
    await this.announce(companyId, conversationId, 'conversation.updated');
  }

  /** The bot hands over: the conversation waits for a human again. */
  async handOver(companyId: string, conversationId: string): Promise<void> {
    const now = this.deps.clock.now();
    const isChanged = await this.deps.repository.transaction(async (repo) => {
      const current = await repo.lockConversation(companyId, conversationId);
      if (!current || current.assigneeId !== null || current.status === 'resolved') return false;
      await repo.updateConversation(companyId, conversationId, {
        status: 'open',
        awaitingHuman: true,
        lastActivityAt: now,
        updatedAt: now,
      });
      return true;
    });
    if (isChanged) await this.announce(companyId, conversationId, 'conversation.updated');
  }

  /** After commit: tells the agent (and the queue) who has the conversation now. */
  async announceAssignment(
    companyId: string,
    conversationId: string,
    previousAssigneeId: string | null,
  ): Promise<void> {
    const conversation = await this.deps.repository.findConversation(companyId, conversationId, null);
    if (conversation) await this.deps.events.conversation('conversation.assigned', conversation, previousAssigneeId);
  }

  /** Whether an agent wrote to the customer since `since` (an answered conversation stays with its agent). */
  async hasAgentReplied(companyId: string, conversationId: string, since: Date): Promise<boolean> {
    return this.deps.repository.hasAgentReplySince(companyId, conversationId, since);
  }

  /** Writes to the customer as the bot (menu, position in queue, closed hours), delivered after commit. */
  async sendBotMessage(
    companyId: string,
    conversationId: string,
    text: string,
    interactive?: {
      style: 'button' | 'list';
      body: string;
      buttonLabel: string | null;
      options: InteractiveOption[];
    },
  ): Promise<void> {
    const now = this.deps.clock.now();
    const messageId = newId();
    await this.deps.repository.transaction(async (repo) => {
      await repo.insertMessage({
        id: messageId,
        companyId,
        conversationId,
        direction: 'outbound',
        authorType: 'bot',
        type: 'text',
        body: text,
        content: interactive
          ? {
              kind: 'interactive',
              style: interactive.style,
              purpose: 'menu',
              body: interactive.body,
              button_label: interactive.buttonLabel,
              options: interactive.options,
            }
          : null,
        status: 'queued',
        createdAt: now,
        updatedAt: now,
      });
      await repo.updateConversation(companyId, conversationId, {
        lastMessageAt: now,
        lastMessagePreview: previewOf(text, null),
        updatedAt: now,
      });
    });
    const conversation = await this.deps.repository.findConversation(companyId, conversationId, null);
    const message = await this.deps.repository.findMessage(companyId, messageId);
    if (conversation && message) await this.deps.events.messageCreated(conversation, message);
    this.deps.delivery.schedule(companyId, messageId);
  }

  private async announce(companyId: string, conversationId: string, name: 'conversation.updated'): Promise<void> {
    const conversation = await this.deps.repository.findConversation(companyId, conversationId, null);
    if (conversation) await this.deps.events.conversation(name, conversation);
  }
}
