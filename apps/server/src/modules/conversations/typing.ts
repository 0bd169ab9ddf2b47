/**
 * Typing indicators (agent-presence.md): `typing_start` when an agent starts typing in a
 * conversation, `typing_stop` when they stop, send a message, close their last socket,
 * or do not renew it within the timeout (stuck detection). Renewing publishes nothing.
 *
 * The indicators live in this process: with several API nodes an indicator started on one
 * node and stopped on another ends by the timeout on the first.
 */
import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import type { Audience, EventPublisher } from '../../shared/events.js';
import { NotFoundError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { audienceOf, canSeeConversation, CONVERSATION_NOT_FOUND } from './conversations.js';
import type { ConversationsRepository } from './conversations.repository.js';

export type TypingStopReason = 'stopped' | 'message_sent' | 'disconnected' | 'timeout';

export interface TypingState {
  conversationId: string;
  isTyping: boolean;
  expiresAt: Date | null;
}

interface Indicator {
  companyId: string;
  conversationId: string;
  userId: string;
  name: string;
  audience: Audience;
  expiresAt: Date;
}

export interface TypingDeps {
  repository: ConversationsRepository;
  publisher: EventPublisher;
  clock: Clock;
  logger: Logger;
  timeoutSeconds: number;
}

export class TypingIndicators {
  private readonly active = new Map<string, Indicator>();

  constructor(private readonly deps: TypingDeps) {}

  async start(actor: Actor, conversationId: string): Promise<TypingState> {
    const conversation = await this.deps.repository.findConversationRow(actor.companyId, conversationId);
    if (!conversation || !canSeeConversation(actor, conversation)) {
      throw new NotFoundError(CONVERSATION_NOT_FOUND, 'No such conversation.');
    }
    const expiresAt = new Date(this.deps.clock.now().getTime() + this.deps.timeoutSeconds * 1000);
    const key = keyOf(conversationId, actor.userId);
    if (this.renew(key, expiresAt)) return { conversationId, isTyping: true, expiresAt };
    const user = await this.deps.repository.findActiveUser(actor.companyId, actor.userId);
    // Another start may have won while the name was read: then this one only renews.
    if (this.renew(key, expiresAt)) return { conversationId, isTyping: true, expiresAt };
    const indicator: Indicator = {
      companyId: actor.companyId,
      conversationId,
      userId: actor.userId,
      name: user?.name ?? '',
      audience: audienceOf(conversation),
      expiresAt,
    };
    this.active.set(key, indicator);
    await this.publish('typing.started', indicator, { expires_at: expiresAt.toISOString() });
    return { conversationId, isTyping: true, expiresAt };
  }

  /** Stops the actor's indicator in a conversation they can see (nothing happens when there is none). */
  async stopVisible(actor: Actor, conversationId: string): Promise<TypingState> {
    const conversation = await this.deps.repository.findConversationRow(actor.companyId, conversationId);
    if (!conversation || !canSeeConversation(actor, conversation)) {
      throw new NotFoundError(CONVERSATION_NOT_FOUND, 'No such conversation.');
    }
    await this.stop(actor, conversationId, 'stopped');
    return { conversationId, isTyping: false, expiresAt: null };
  }

  async stop(actor: Pick<Actor, 'userId'>, conversationId: string, reason: TypingStopReason): Promise<boolean> {
    const key = keyOf(conversationId, actor.userId);
    const indicator = this.active.get(key);
    if (!indicator) return false;
    this.active.delete(key);
    await this.publish('typing.stopped', indicator, { reason });
    return true;
  }

  async stopAllOf(userId: string, reason: TypingStopReason): Promise<void> {
    const mine = [...this.active.values()].filter((i) => i.userId === userId);
    for (const indicator of mine) await this.stop({ userId }, indicator.conversationId, reason);
  }

  /** Stops every indicator not renewed in time. */
  async sweep(): Promise<number> {
    const now = this.deps.clock.now().getTime();
    const expired = [...this.active.values()].filter((i) => i.expiresAt.getTime() <= now);
    for (const indicator of expired) {
      await this.stop({ userId: indicator.userId }, indicator.conversationId, 'timeout');
    }
    if (expired.length > 0) this.deps.logger.debug({ count: expired.length }, 'stuck typing indicators stopped');
    return expired.length;
  }

  private renew(key: string, expiresAt: Date): boolean {
    const indicator = this.active.get(key);
    if (indicator) indicator.expiresAt = expiresAt;
    return indicator !== undefined;
  }

  private async publish(name: string, indicator: Indicator, extra: Record<string, string>): Promise<void> {
    await this.deps.publisher.publish({
      name,
      companyId: indicator.companyId,
      audience: indicator.audience,
      data: {
        conversation_id: indicator.conversationId,
        // The seed's field names: the chat and who is typing.
        chat_id: indicator.conversationId,
        agent_id: indicator.userId,
        from: indicator.name,
        timestamp: this.deps.clock.now().toISOString(),
        ...extra,
      },
    });
  }
}

function keyOf(conversationId: string, userId: string): string {
  return `${conversationId}:${userId}`;
}
