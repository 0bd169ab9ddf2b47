/**
 * Fetches the files contacts send (a WhatsApp photo, voice note, video, document) from the
 * channel and keeps them under MEDIA_DIR, so agents can open them from the conversation.
 *
 * A message with media is stored with `media.status = pending` and a row in
 * `media_downloads`, in one transaction; after it commits the download starts. A download
 * is claimed first (two nodes never fetch the same file; a claim left by a node that
 * stopped is taken over after the lease). A transient failure (network, the provider's 5xx
 * or 429, a checksum mismatch, a full disk) is retried later, after 30 s, 2 min, 10 min,
 * 30 min, 2 h; a refusal (unknown or expired media, a file over MEDIA_MAX_BYTES) or the
 * last attempt marks the file `failed` with the reason. Either outcome is announced as
 * `message_updated`. WhatsApp keeps media for 30 days, so the schedule is well inside it.
 */
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { Conversation, Message, MessageMedia } from './conversations.js';
import type { ConversationEvents } from './conversations.events.js';
import type { ChannelGateway } from './conversations.ports.js';
import type { ConversationsRepository } from './conversations.repository.js';
import type { MediaFiles } from './media.files.js';
import type { MediaRepository } from './media.repository.js';

/** The wait before attempt n + 1; one attempt more than there are delays. */
export const MEDIA_RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 1_800_000, 7_200_000] as const;

export interface MediaDownloadsDeps {
  conversations: ConversationsRepository;
  queue: MediaRepository;
  files: MediaFiles;
  gateway: ChannelGateway;
  events: ConversationEvents;
  clock: Clock;
  logger: Logger;
  maxBytes: number;
  /** How long a claim holds before another node may take the download over. */
  leaseMs: number;
  retryDelaysMs?: readonly number[];
}

export class MediaDownloads {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retryDelaysMs: readonly number[];

  constructor(private readonly deps: MediaDownloadsDeps) {
    this.retryDelaysMs = deps.retryDelaysMs ?? MEDIA_RETRY_DELAYS_MS;
  }

  /** Starts the download in the background; `drain` waits for it. */
  schedule(companyId: string, messageId: string): void {
    const task: Promise<void> = this.download(companyId, messageId)
      .catch((error: unknown) => this.deps.logger.error({ err: error, messageId }, 'media download failed'))
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  /** One attempt, if the download is due and nobody else holds it. */
  async download(companyId: string, messageId: string): Promise<void> {
    const { queue, conversations, clock, logger } = this.deps;
    const startedAt = clock.now();
    const attempt = await queue.claim(
      companyId,
      messageId,
      startedAt,
      new Date(startedAt.getTime() - this.deps.leaseMs),
    );
    if (attempt === undefined) return;
    const message = await conversations.findMessage(companyId, messageId);
    const conversation = message && (await conversations.findConversationRow(companyId, message.conversationId));
    if (!message?.media || !conversation) {
      await queue.release(companyId, messageId, { nextAttemptAt: null, lastError: 'no media', now: clock.now() });
      return;
    }
    const log = logger.child({ messageId, conversationId: conversation.id, channel: conversation.channel, attempt });
    const outcome = await this.fetchAndStore(companyId, messageId, conversation.channel, message.media.mediaId);
    const now = clock.now();
    let media: MessageMedia;
    if (outcome.kind === 'stored') {
      media = {
        ...message.media,
        status: 'stored',
        sizeBytes: outcome.sizeBytes,
        storedMimeType: outcome.mimeType ?? message.media.mimeType,
        failureReason: null,
      };
      log.info({ sizeBytes: outcome.sizeBytes }, 'media stored');
    } else if (outcome.retryable && attempt <= this.retryDelaysMs.length) {
      const delayMs = this.retryDelaysMs[attempt - 1] ?? 0;
      await queue.release(companyId, messageId, {
        nextAttemptAt: new Date(now.getTime() + delayMs),
        lastError: outcome.reason,
        now,
      });
      log.warn({ reason: outcome.reason, retryInMs: delayMs }, 'media not fetched; will retry');
      return;
    } else {
      media = { ...message.media, status: 'failed', failureReason: outcome.reason };
      log.warn({ reason: outcome.reason }, 'media not fetched; given up');
    }
    await queue.setMessageMedia(companyId, messageId, media, now);
    await queue.release(companyId, messageId, {
      nextAttemptAt: null,
      lastError: outcome.kind === 'stored' ? null : outcome.reason,
      now,
    });
    const updated = await conversations.findMessage(companyId, messageId);
    if (updated) await this.deps.events.messageUpdated(conversation, updated);
  }

  /**
   * Tries again now, whatever the schedule said (after a failure an agent asks again, say
   * once the channel's token is fixed). A file marked failed goes back to pending, announced.
   * False while another node is downloading it.
   */
  async retryNow(conversation: Pick<Conversation, 'assigneeId'>, message: Message): Promise<boolean> {
    if (!message.media || message.media.status === 'stored' || message.media.status === 'deleted') return false;
    const { queue, clock } = this.deps;
    const now = clock.now();
    const requeued = await queue.requeue(
      message.companyId,
      message.id,
      now,
      new Date(now.getTime() - this.deps.leaseMs),
    );
    if (!requeued) return false;
    if (message.media.status !== 'pending') {
      await queue.setMessageMedia(
        message.companyId,
        message.id,
        { ...message.media, status: 'pending', failureReason: null },
        now,
      );
      const updated = await this.deps.conversations.findMessage(message.companyId, message.id);
      if (updated) await this.deps.events.messageUpdated(conversation, updated);
    }
    this.schedule(message.companyId, message.id);
    return true;
  }

  /** Downloads that are due (retries, and those a stopped node left); returns how many were tried. */
  async resumeDue(limit = 20): Promise<number> {
    const now = this.deps.clock.now();
    const due = await this.deps.queue.listDue(now, new Date(now.getTime() - this.deps.leaseMs), limit);
    for (const { companyId, messageId } of due) await this.download(companyId, messageId);
    return due.length;
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async fetchAndStore(
    companyId: string,
    messageId: string,
    channel: Parameters<ChannelGateway['fetchMedia']>[0]['channel'],
    mediaId: string,
  ): Promise<
    | { kind: 'stored'; sizeBytes: number; mimeType: string | null }
    | { kind: 'failed'; reason: string; retryable: boolean }
  > {
    const fetched = await this.deps.gateway.fetchMedia({ companyId, channel, mediaId, maxBytes: this.deps.maxBytes });
    if (fetched.kind === 'failed') return fetched;
    try {
      await this.deps.files.write(companyId, messageId, fetched.bytes);
    } catch (error) {
      return {
        kind: 'failed',
        reason: `the file could not be stored: ${error instanceof Error ? error.message : String(error)}`,
        retryable: true,
      };
    }
    return { kind: 'stored', sizeBytes: fetched.bytes.length, mimeType: fetched.mimeType };
  }
}
