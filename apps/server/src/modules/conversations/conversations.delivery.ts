/**
 * Delivers queued outbound messages through the conversation's channel, after the
 * message has committed. A message is claimed first, so two nodes never send it twice;
 * a claim left by a node that stopped mid-delivery is taken over after the lease.
 */
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { ConversationEvents } from './conversations.events.js';
import type { Message, StoredTemplateHeader } from './conversations.js';
import type {
  ChannelGateway,
  DeliveryOutcome,
  OutboundContent,
  OutboundTemplateHeader,
} from './conversations.ports.js';
import type { MediaFiles } from './media.files.js';
import type { ConversationsRepository } from './conversations.repository.js';

export interface MessageDeliveryDeps {
  repository: ConversationsRepository;
  gateway: ChannelGateway;
  /** Where the files agents send are kept. */
  files: Pick<MediaFiles, 'read'>;
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
    const content = await this.contentOf(companyId, message);
    const outcome: DeliveryOutcome = content
      ? await this.deps.gateway.send({
          companyId,
          channel: conversation.channel,
          to: { externalId: identity?.externalId ?? null, phone: conversation.contact.phone },
          content,
        })
      : { kind: 'failed', reason: 'The file to send is no longer stored.' };
    const at = clock.now();
    if (outcome.kind === 'sent') {
      await repository.updateMessage(companyId, messageId, {
        status: 'sent',
        ...(outcome.mediaId && message.media ? { media: { ...message.media, mediaId: outcome.mediaId } } : {}),
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

  /** What the channel is asked to send for a stored message; undefined when its file is gone. */
  private async contentOf(companyId: string, message: Message): Promise<OutboundContent | undefined> {
    const { content, media } = message;
    if (content?.kind === 'template') {
      const template = { name: content.name, language: content.language, variables: content.variables };
      const header = content.header;
      if (!header) return { kind: 'template', ...template };
      if (header.kind === 'location' || header.link) {
        return { kind: 'template', ...template, header: headerOut(header, null) };
      }
      // An uploaded file: the channel uploads the message's copy first.
      const bytes = await this.deps.files.read(companyId, message.id);
      if (!bytes) return undefined;
      const mimeType = media?.storedMimeType ?? media?.mimeType ?? 'application/octet-stream';
      return { kind: 'template', ...template, header: headerOut(header, { bytes, mimeType }) };
    }
    if (content?.kind === 'interactive') {
      return {
        kind: 'interactive',
        style: content.style,
        body: content.body,
        buttonLabel: content.button_label,
        options: content.options,
      };
    }
    if (media && media.kind !== 'sticker') {
      const bytes = await this.deps.files.read(companyId, message.id);
      if (!bytes) return undefined;
      return {
        kind: 'media',
        mediaKind: media.kind,
        bytes,
        mimeType: media.storedMimeType ?? media.mimeType ?? 'application/octet-stream',
        filename: media.filename,
        caption: media.caption,
      };
    }
    return { kind: 'text', text: message.body ?? '' };
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

function headerOut(
  header: StoredTemplateHeader,
  file: { bytes: Buffer; mimeType: string } | null,
): OutboundTemplateHeader {
  return header.kind === 'location' ? header : { ...header, file };
}
