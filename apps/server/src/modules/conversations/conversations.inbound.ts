/**
 * What channels report: messages contacts sent, and delivery reports for ours. Each
 * message is stored in its own transaction, with its contact and conversation created as
 * needed; a message whose channel id is already stored (a retried webhook) changes nothing.
 */
import { isUniqueViolation } from '../../db/driver-results.js';
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import {
  nextDeliveryStatus,
  previewOf,
  windowAfter,
  type DeliveryReport,
  type InboundMessage,
} from './conversations.js';
import type { ConversationEvents } from './conversations.events.js';
import type { ConversationRow, ConversationsRepository } from './conversations.repository.js';
import { ratingRoleOf, recordRatingInTransaction, type RatingRole } from './conversations.ratings.js';
import { reopenPatch } from './conversations.lifecycle.js';

export interface InboxResult {
  stored: number;
  duplicates: number;
  /** Refused by the database for their data (a value no column holds): logged and skipped. */
  failed: number;
}

type Outcome =
  | { kind: 'duplicate' }
  | {
      kind: 'stored';
      conversationId: string;
      messageId: string;
      event: 'created' | 'reopened' | undefined;
      /** The customer's rating answer counted: thank them after commit. */
      isRatingCounted: boolean;
      isWindowReopened: boolean;
    };

class DuplicateMessage extends Error {}

/** PostgreSQL's class 22 (data exception: too long, bad encoding, out of range) or a bad Date. */
function isDataError(error: unknown): boolean {
  if (error instanceof RangeError) return true;
  return /^22/.test(codeOf(error) ?? '');
}

function codeOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

export class ConversationInbox {
  constructor(
    private readonly deps: {
      repository: ConversationsRepository;
      events: ConversationEvents;
      clock: Clock;
      logger: Logger;
      /** Fetches the files contacts send, once their message has committed. */
      media?: { schedule(companyId: string, messageId: string): void };
      /** Thanks the customer for a rating (after commit). */
      ratings?: { thank(companyId: string, conversationId: string): Promise<void> };
    },
  ) {}

  async receive(companyId: string, batch: InboundMessage[]): Promise<InboxResult> {
    const result: InboxResult = { stored: 0, duplicates: 0, failed: 0 };
    for (const inbound of batch) {
      let outcome: Outcome;
      try {
        outcome = await this.storeWithRetry(companyId, inbound);
      } catch (error) {
        // A message the database cannot hold must not cost the rest of the delivery (the
        // provider would redeliver all of it for ever); an outage still fails the whole.
        if (!isDataError(error)) throw error;
        result.failed += 1;
        this.deps.logger.warn(
          { companyId, channel: inbound.channel, dbCode: codeOf(error) },
          'inbound message refused by the database, skipped',
        );
        continue;
      }
      if (outcome.kind === 'duplicate') {
        result.duplicates += 1;
        continue;
      }
      result.stored += 1;
      if (inbound.media) this.deps.media?.schedule(companyId, outcome.messageId);
      await this.announce(companyId, outcome);
      if (outcome.isRatingCounted) await this.deps.ratings?.thank(companyId, outcome.conversationId);
    }
    return result;
  }

  /** Applies delivery reports; returns how many changed a message. */
  async applyDeliveryReports(companyId: string, reports: DeliveryReport[]): Promise<number> {
    let applied = 0;
    for (const report of reports) {
      const now = this.deps.clock.now();
      const changed = await this.deps.repository.transaction(async (repo) => {
        const message = await repo.lockMessageByChannelId(companyId, report.channelMessageId);
        if (!message || message.direction !== 'outbound') return undefined;
        const next = nextDeliveryStatus(message.status, report.status);
        if (!next) return undefined;
        await repo.updateMessage(companyId, message.id, {
          status: next,
          failureReason: next === 'failed' ? report.failureReason : null,
          updatedAt: now,
        });
        return message;
      });
      if (!changed) continue;
      applied += 1;
      const conversation = await this.deps.repository.findConversationRow(companyId, changed.conversationId);
      const message = await this.deps.repository.findMessage(companyId, changed.id);
      if (conversation && message) await this.deps.events.messageStatusChanged(conversation, message);
    }
    return applied;
  }

  private async storeWithRetry(companyId: string, inbound: InboundMessage): Promise<Outcome> {
    if (await this.deps.repository.messageExists(companyId, inbound.channelMessageId)) return { kind: 'duplicate' };
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.store(companyId, inbound);
      } catch (error) {
        if (error instanceof DuplicateMessage) return { kind: 'duplicate' };
        // A concurrent delivery created the same contact or conversation: read it this time.
        if (attempt < 3 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  private store(companyId: string, inbound: InboundMessage): Promise<Outcome> {
    const now = this.deps.clock.now();
    return this.deps.repository.transaction(async (repo) => {
      const contactId = await this.contactOf(repo, companyId, inbound, now);
      let rating: RatingRole;
      // A reaction, a rating answer or its comment lands in the last conversation as it is.
      const { conversationId, event, windowExpiresAt, current } = await this.conversationOf(
        repo,
        companyId,
        contactId,
        inbound.channel,
        now,
        (latest) => {
          rating = ratingRoleOf(latest, inbound, now);
          return inbound.content?.kind !== 'reaction' && rating === undefined;
        },
      );
      const messageId = newId();
      const quoted = inbound.replyToChannelMessageId ?? null;
      const isStored = await repo.insertMessage({
        id: messageId,
        companyId,
        conversationId,
        direction: 'inbound',
        authorType: 'contact',
        type: inbound.type,
        body: inbound.text,
        media: inbound.media && { ...inbound.media, status: 'pending' },
        content: inbound.content ?? null,
        replyToMessageId: quoted ? ((await repo.findMessageIdByChannelId(companyId, quoted)) ?? null) : null,
        metadata: quoted ? { reply_to_channel_message_id: quoted } : null,
        channelMessageId: inbound.channelMessageId,
        channelSentAt: inbound.sentAt,
        createdAt: now,
        updatedAt: now,
      });
      // Stored meanwhile by a concurrent delivery of the same webhook: undo this one whole.
      if (!isStored) throw new DuplicateMessage();
      if (inbound.media) {
        await repo.insertMediaDownload({ messageId, companyId, nextAttemptAt: now, createdAt: now, updatedAt: now });
      }
      if (rating && current) {
        await recordRatingInTransaction(repo, {
          companyId,
          conversation: current,
          messageId,
          role: rating,
          text: inbound.text,
          now,
        });
      }
      await repo.updateConversation(companyId, conversationId, {
        lastMessageAt: now,
        lastMessagePreview: previewOf(inbound.text, inbound.media),
        ...(event !== undefined || current?.status !== 'resolved' ? { lastActivityAt: now } : {}),
        // Every message the contact sends (a reaction too) opens WhatsApp's window again, from its own timestamp.
        ...(inbound.channel === 'whatsapp'
          ? { windowExpiresAt: windowAfter(windowExpiresAt, inbound.sentAt ?? now) }
          : {}),
        updatedAt: now,
      });
      return {
        kind: 'stored',
        conversationId,
        messageId,
        event,
        isRatingCounted: rating?.kind === 'answer' && rating.isCounted,
        // The console switches the composer back from templates when the window opens again.
        isWindowReopened:
          inbound.channel === 'whatsapp' && (windowExpiresAt === null || windowExpiresAt.getTime() <= now.getTime()),
      };
    });
  }

  /** The contact by their channel identity, else by phone, else a new one; the identity is recorded. */
  private async contactOf(
    repo: ConversationsRepository,
    companyId: string,
    inbound: InboundMessage,
    now: Date,
  ): Promise<string> {
    const contact =
      (await repo.findContactByIdentity(companyId, inbound.channel, inbound.externalId)) ??
      (inbound.phone ? await repo.findContactByPhone(companyId, inbound.phone) : undefined) ??
      (await repo.insertContact({
        id: newId(),
        companyId,
        name: inbound.profileName,
        phone: inbound.phone,
        createdAt: now,
        updatedAt: now,
      }));
    await repo.insertIdentity({
      id: newId(),
      companyId,
      contactId: contact.id,
      channel: inbound.channel,
      externalId: inbound.externalId,
      createdAt: now,
    });
    if (contact.name === null && inbound.profileName) {
      await repo.updateContact(companyId, contact.id, { name: inbound.profileName, updatedAt: now });
    }
    return contact.id;
  }

  /**
   * The contact's conversation on the channel: reopened when resolved or snoozed (unless
   * `reopens` is false: a reaction lands in the last one as it is), created when none.
   */
  private async conversationOf(
    repo: ConversationsRepository,
    companyId: string,
    contactId: string,
    channel: InboundMessage['channel'],
    now: Date,
    reopens: (current: ConversationRow | undefined) => boolean,
  ): Promise<{
    conversationId: string;
    event: 'created' | 'reopened' | undefined;
    windowExpiresAt: Date | null;
    current: ConversationRow | undefined;
  }> {
    const current = await repo.lockLatestConversationOfContact(companyId, contactId, channel);
    const windowExpiresAt = current?.windowExpiresAt ?? null;
    const isReopening = reopens(current);
    if (current && isReopening && (current.status === 'resolved' || current.status === 'snoozed')) {
      await repo.updateConversation(companyId, current.id, { ...reopenPatch(current), updatedAt: now });
      return { conversationId: current.id, event: 'reopened', windowExpiresAt, current };
    }
    if (current) return { conversationId: current.id, event: undefined, windowExpiresAt, current };
    const conversationId = newId();
    // No chat bot stands in front yet: a new conversation waits in the queue for a human.
    await repo.insertConversation({
      id: conversationId,
      companyId,
      contactId,
      channel,
      status: 'open',
      awaitingHuman: true,
      lastActivityAt: now,
      createdAt: now,
      updatedAt: now,
    });
    return { conversationId, event: 'created', windowExpiresAt: null, current: undefined };
  }

  private async announce(companyId: string, outcome: Extract<Outcome, { kind: 'stored' }>): Promise<void> {
    const conversation = await this.deps.repository.findConversation(companyId, outcome.conversationId, null);
    const message = await this.deps.repository.findMessage(companyId, outcome.messageId);
    if (!conversation || !message) return;
    if (outcome.event === 'created') await this.deps.events.conversation('conversation.created', conversation);
    if (outcome.event === 'reopened' || outcome.isRatingCounted || (outcome.isWindowReopened && !outcome.event)) {
      await this.deps.events.conversation('conversation.updated', conversation);
    }
    // The customer's answer to the rating question: integrations (webhooks) hear it apart.
    if (outcome.isRatingCounted) await this.deps.events.conversation('conversation.rated', conversation);
    await this.deps.events.messageCreated(conversation, message);
    this.deps.logger.info(
      { companyId, conversationId: conversation.id, messageId: message.id, channel: conversation.channel },
      'inbound message stored',
    );
  }
}
