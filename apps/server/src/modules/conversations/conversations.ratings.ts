/**
 * Customer ratings. When a conversation closes and the company asks for ratings, the
 * customer gets the closing line and a 1–5 question in the channel (on WhatsApp a list:
 * five options are more than its three reply buttons). Their answer, and a comment that
 * follows within a few minutes, are stored as the conversation's rating `rated_by:
 * customer`, without reopening it. An answer that comes after the conversation reopened,
 * or more than 7 days after the question, is kept (conversation_ratings) but not counted.
 */
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { previewOf, type InboundMessage, type MessageContent } from './conversations.js';
import type { MessageDelivery } from './conversations.delivery.js';
import type { ConversationEvents } from './conversations.events.js';
import type { CustomerTextPort } from './conversations.ports.js';
import type { ConversationRow, ConversationsRepository } from './conversations.repository.js';

/** An answer counts up to 7 days after the question (issue 14). */
export const RATING_VALID_MS = 7 * 24 * 3600 * 1000;
/** A text within this long after a counted answer is its comment. */
export const RATING_COMMENT_MS = 10 * 60 * 1000;

const RATING_REPLY = /^rating:([1-5])$/;

/** The score an interactive reply gives, when it answers the rating question. */
export function ratingOf(content: MessageContent | null | undefined): number | undefined {
  if (content?.kind !== 'interactive_reply' || !content.reply_id) return undefined;
  const match = RATING_REPLY.exec(content.reply_id);
  return match ? Number(match[1]) : undefined;
}

/** What an inbound message is to the rating: the answer, its comment, or nothing. */
export type RatingRole = { kind: 'answer'; score: number; isCounted: boolean } | { kind: 'comment' } | undefined;

export function ratingRoleOf(current: ConversationRow | undefined, inbound: InboundMessage, now: Date): RatingRole {
  if (!current?.ratingRequestedAt) return undefined;
  const score = ratingOf(inbound.content);
  if (score !== undefined) {
    const isCounted =
      current.status === 'resolved' && now.getTime() - current.ratingRequestedAt.getTime() <= RATING_VALID_MS;
    return { kind: 'answer', score, isCounted };
  }
  const isComment =
    inbound.type === 'text' &&
    !inbound.content &&
    inbound.text !== null &&
    current.status === 'resolved' &&
    current.ratedBy === 'customer' &&
    current.feedback === null &&
    current.ratedAt !== null &&
    now.getTime() - current.ratedAt.getTime() <= RATING_COMMENT_MS;
  return isComment ? { kind: 'comment' } : undefined;
}

/** Inside the inbox's transaction: records the answer or comment the message carries. */
export async function recordRatingInTransaction(
  repo: ConversationsRepository,
  input: {
    companyId: string;
    conversation: ConversationRow;
    messageId: string;
    role: Exclude<RatingRole, undefined>;
    text: string | null;
    now: Date;
  },
): Promise<void> {
  const { companyId, conversation, now } = input;
  if (input.role.kind === 'answer') {
    await repo.insertRating({
      id: newId(),
      companyId,
      conversationId: conversation.id,
      score: input.role.score,
      ratedBy: 'customer',
      messageId: input.messageId,
      isCounted: input.role.isCounted,
      createdAt: now,
      updatedAt: now,
    });
    if (input.role.isCounted) {
      await repo.updateConversation(companyId, conversation.id, {
        rating: input.role.score,
        ratedBy: 'customer',
        ratedAt: now,
        feedback: null,
        updatedAt: now,
      });
    }
    return;
  }
  const comment = input.text?.slice(0, 2000) ?? null;
  await repo.updateConversation(companyId, conversation.id, { feedback: comment, updatedAt: now });
  await repo.commentLatestCustomerRating(companyId, conversation.id, comment, now);
}

export class CustomerRatings {
  constructor(
    private readonly deps: {
      repository: ConversationsRepository;
      events: ConversationEvents;
      delivery: Pick<MessageDelivery, 'schedule'>;
      texts: CustomerTextPort;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /**
   * After a close: the closing line and the question, when the company asks for ratings
   * and the channel can carry them (WhatsApp inside its window, web chat). Never throws.
   */
  async askAfterClose(companyId: string, conversationId: string): Promise<void> {
    try {
      const conversation = await this.deps.repository.findConversation(companyId, conversationId, null);
      if (!conversation || conversation.channel === 'voice' || conversation.status !== 'resolved') return;
      const now = this.deps.clock.now();
      // WhatsApp only inside its window; web chat's widget shows the question as stars.
      const isWindowClosed = !conversation.windowExpiresAt || conversation.windowExpiresAt.getTime() <= now.getTime();
      if (conversation.channel === 'whatsapp' && isWindowClosed) return;
      const settings = await this.deps.texts.settingsOf(companyId);
      if (!settings.isRatingEnabled) return;
      const agent = conversation.assigneeId
        ? await this.deps.repository.findActiveUser(companyId, conversation.assigneeId)
        : undefined;
      const variables = { 'contact.name': conversation.contact.name, 'agent.name': agent?.name ?? null };
      const closing = await this.deps.texts.textOf(companyId, 'closing', variables);
      const question = await this.deps.texts.textOf(companyId, 'rating_question', variables);
      const labels = await this.deps.texts.ratingOptions(companyId);
      await this.deps.repository.updateConversation(companyId, conversationId, { ratingRequestedAt: now });
      await this.sendBot(companyId, conversationId, closing, null);
      await this.sendBot(companyId, conversationId, question, {
        kind: 'interactive',
        style: 'list',
        purpose: 'rating',
        body: question,
        button_label: labels.button,
        options: labels.scores.map((title, i) => ({ id: `rating:${i + 1}`, title, description: null })),
      });
      this.deps.logger.info({ companyId, conversationId }, 'customer asked for a rating');
    } catch (error) {
      this.deps.logger.error({ err: error, companyId, conversationId }, 'rating question not sent');
    }
  }

  /** After a counted answer: thanks, inviting a comment. */
  async thank(companyId: string, conversationId: string): Promise<void> {
    const conversation = await this.deps.repository.findConversation(companyId, conversationId, null);
    if (!conversation) return;
    const text = await this.deps.texts.textOf(companyId, 'rating_thanks', {
      'contact.name': conversation.contact.name,
    });
    await this.sendBot(companyId, conversationId, text, null);
  }

  private async sendBot(
    companyId: string,
    conversationId: string,
    text: string,
    content: MessageContent | null,
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
        content,
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
}
