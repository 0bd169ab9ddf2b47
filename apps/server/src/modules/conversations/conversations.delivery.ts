/**
 * Delivers queued outbound messages through the conversation's channel, after the
 * message has committed. A message is claimed first, so two nodes never send it twice;
 * a claim left by a node that stopped mid-delivery is taken over after the lease.
 */
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { ConversationEvents } from './conversations.events.js';
import type { ChannelGateway } from './conversations.ports.js';
import type { ConversationsRepository } from './conversations.repository.js';

export interface MessageDeliveryDeps {
  repository: ConversationsRepository;
  gateway: ChannelGateway;
  events: ConversationEvents;
  clock: Clock;
  logger: Logger;
  /** How long a claim holds before another node may take the message over. */
  leaseMs: number;
}

export class MessageDelivery {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: MessageDeliveryDeps) {}

  /** Starts delivering in the background; `drain` waits for it. */
  schedule(companyId: string, messageId: string): void {
    const task: Promise<void> = this.deliver(companyId, messageId)
      .catch((error: unknown) => {
        this.deps.logger.error({ err: error, messageId }, 'message delivery failed');
      })
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  async deliver(companyId: string, messageId: string): Promise<void> {
    const { repository, clock } = this.deps;
    const now = clock.now();
    const isClaimed = await repository.claimForDelivery(
      companyId,
      messageId,
      now,
      new Date(now.getTime() - this.deps.leaseMs),
    );
    if (!isClaimed) return;
    const message = await repository.findMessage(companyId, messageId);
    const conversation = message && (await repository.findConversation(companyId, message.conversationId, null));
    if (!message || !conversation) return;
    const identity = conversation.contact.identities.find((i) => i.channel === conversation.channel);
    const outcome = await this.deps.gateway.sendText({
      companyId,
      channel: conversation.channel,
      to: { externalId: identity?.externalId ?? null, phone: conversation.contact.phone },
      text: message.body ?? '',
    });
    const at = clock.now();
    if (outcome.kind === 'sent') {
      await repository.updateMessage(companyId, messageId, {
        status: 'sent',
        channelMessageId: outcome.channelMessageId,
        failureReason: null,
        deliveryClaimedAt: null,
        updatedAt: at,
      });
      if (outcome.recipientId && outcome.recipientId !== identity?.externalId) {
        await repository.insertIdentity({
          id: newId(),
          companyId,
          contactId: conversation.contact.id,
          channel: conversation.channel,
          externalId: outcome.recipientId,
          createdAt: at,
        });
      }
    } else {
      await repository.updateMessage(companyId, messageId, {
        status: 'failed',
        failureReason: outcome.reason,
        deliveryClaimedAt: null,
        updatedAt: at,
      });
      this.deps.logger.warn(
        { messageId, conversationId: conversation.id, channel: conversation.channel, reason: outcome.reason },
        'message not delivered',
      );
    }
    const updated = await repository.findMessage(companyId, messageId);
    if (updated) await this.deps.events.messageStatusChanged(conversation, updated);
  }

  /** Picks up queued messages whose delivery never finished (a node stopped). */
  async resumeStale(limit = 100): Promise<number> {
    const now = this.deps.clock.now();
    const stale = await this.deps.repository.listStaleQueued(new Date(now.getTime() - this.deps.leaseMs), limit);
    for (const { companyId, id } of stale) await this.deliver(companyId, id);
    return stale.length;
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
