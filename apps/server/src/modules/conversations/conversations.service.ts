/**
 * Conversation use cases reached over HTTP: list, read, start, reply, favourites, and the
 * video and voice calls started from a conversation. Status and assignment changes are in
 * conversations.lifecycle.ts.
 */
import { isUniqueViolation } from '../../db/driver-results.js';
import { isManager, type Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { decodeCursor, encodeCursor, type Page } from '../../shared/pagination.js';
import {
  assertCanMessage,
  assertOpenForWork,
  assertWindowOpen,
  canSeeConversation,
  CONVERSATION_NOT_FOUND,
  previewOf,
  type ConversationChannel,
  type Conversation,
  type ConversationPriority,
  type ConversationQuery,
  type MediaKind,
  type Message,
  type MessageContent,
  type MessageMedia,
  type StoredTemplateHeader,
} from './conversations.js';
import type { MessageDelivery } from './conversations.delivery.js';
import type { ConversationEvents } from './conversations.events.js';
import { lockVisible } from './conversations.lifecycle.js';
import type {
  ChannelGateway,
  CustomerTextPort,
  TemplateCatalog,
  VideoRooms,
  VoiceDialer,
} from './conversations.ports.js';
import type { ConversationsRepository } from './conversations.repository.js';
import type { MediaDownloads } from './media.downloads.js';
import type { MediaFiles } from './media.files.js';
import type { TypingIndicators } from './typing.js';
import type { MessageUploads } from './uploads.js';

export interface ConversationsServiceDeps {
  repository: ConversationsRepository;
  events: ConversationEvents;
  delivery: MessageDelivery;
  typing: TypingIndicators;
  dialer: VoiceDialer;
  rooms: VideoRooms;
  /** Where the files contacts sent are kept, and what fetches them. */
  mediaFiles: MediaFiles;
  mediaDownloads: Pick<MediaDownloads, 'retryNow'>;
  /** Read receipts to the channel. */
  gateway: Pick<ChannelGateway, 'markRead'>;
  /** What the company writes to customers (video link, call notice). */
  texts: Pick<CustomerTextPort, 'textOf'>;
  /** Files agents uploaded to send. */
  uploads: Pick<MessageUploads, 'find'>;
  /** WhatsApp templates: checks a template's variables and renders it (the channels module). */
  templates: TemplateCatalog;
  clock: Clock;
  logger: Logger;
}

/** A stored file a contact sent, ready to serve. */
export interface StoredMedia {
  path: string;
  sizeBytes: number;
  mimeType: string | null;
  kind: MediaKind;
  filename: string | null;
}

/** What an agent sends: text, a file they uploaded (with an optional caption), or a WhatsApp template. */
export type OutboundInput =
  | { kind: 'text'; text: string }
  | { kind: 'attachment'; uploadId: string; caption?: string | undefined }
  | {
      kind: 'template';
      name: string;
      language: string;
      variables?: string[] | Record<string, string> | undefined;
      header?: TemplateHeaderInput | undefined;
    };

/** What fills a template's media header (a public link or the agent's upload) or location header. */
export type TemplateHeaderInput =
  | {
      kind: 'image' | 'video' | 'document';
      link?: string | undefined;
      uploadId?: string | undefined;
      filename?: string | undefined;
    }
  | {
      kind: 'location';
      latitude: number;
      longitude: number;
      name?: string | undefined;
      address?: string | undefined;
    };

export interface CreateConversationInput {
  channel: ConversationChannel;
  contact: { name?: string | undefined; phone?: string | undefined; email?: string | undefined };
  priority?: ConversationPriority | undefined;
}

export class ConversationsService {
  constructor(private readonly deps: ConversationsServiceDeps) {}

  async list(
    actor: Actor,
    query: ConversationQuery,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<Page<Conversation>> {
    const rows = await this.deps.repository.listConversations(
      actor.companyId,
      { userId: actor.userId, seesAll: isManager(actor) },
      query,
      decodeCursor(page.cursor),
      page.limit,
    );
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > page.limit && last ? encodeCursor({ createdAt: last.lastActivityAt, id: last.id }) : null,
    };
  }

  async get(actor: Actor, conversationId: string): Promise<Conversation> {
    const conversation = await this.deps.repository.findConversation(actor.companyId, conversationId, actor.userId);
    if (!conversation || !canSeeConversation(actor, conversation)) {
      throw new NotFoundError(CONVERSATION_NOT_FOUND, 'No such conversation.');
    }
    return conversation;
  }

  /**
   * Starts a conversation with a contact (found by phone, then email, or created). A
   * contact already in an unresolved conversation on the channel gets that one back.
   */
  async create(actor: Actor, input: CreateConversationInput): Promise<{ conversation: Conversation; isNew: boolean }> {
    if (input.channel === 'whatsapp' && !input.contact.phone) {
      throw new ConflictError('contact.no_phone', 'A WhatsApp conversation needs the contact’s phone number.');
    }
    const now = this.deps.clock.now();
    const attempt = () =>
      this.deps.repository.transaction(async (repo) => {
        const found =
          (input.contact.phone ? await repo.findContactByPhone(actor.companyId, input.contact.phone) : undefined) ??
          (input.contact.email ? await repo.findContactByEmail(actor.companyId, input.contact.email) : undefined);
        const contact =
          found ??
          (await repo.insertContact({
            id: newId(),
            companyId: actor.companyId,
            name: input.contact.name ?? null,
            phone: input.contact.phone ?? null,
            email: input.contact.email ?? null,
            createdAt: now,
            updatedAt: now,
          }));
        const current = await repo.lockLatestConversationOfContact(actor.companyId, contact.id, input.channel);
        if (current && current.status !== 'resolved') return { id: current.id, isNew: false };
        const id = newId();
        await repo.insertConversation({
          id,
          companyId: actor.companyId,
          contactId: contact.id,
          channel: input.channel,
          status: 'open',
          awaitingHuman: false,
          assigneeId: actor.userId,
          priority: input.priority ?? 'normal',
          lastActivityAt: now,
          createdAt: now,
          updatedAt: now,
        });
        return { id, isNew: true };
      });
    const result = await attempt().catch((error: unknown) => {
      // Two requests for the same new contact: the second finds what the first made.
      if (isUniqueViolation(error)) return attempt();
      throw error;
    });
    const conversation = await this.get(actor, result.id);
    if (result.isNew) await this.deps.events.conversation('conversation.created', conversation);
    return { conversation, isNew: result.isNew };
  }

  /**
   * An agent's reply (text, a file uploaded before, or a WhatsApp template): stored as
   * queued, delivered through the channel after commit. A reply to an unassigned
   * conversation takes it; a resolved one must be reopened first. On WhatsApp, text and
   * files go only inside the 24-hour window (409 `conversation.window_closed`, nothing
   * stored or sent); a template goes any time.
   */
  async sendMessage(actor: Actor, conversationId: string, input: OutboundInput | string): Promise<Message> {
    const reply: OutboundInput = typeof input === 'string' ? { kind: 'text', text: input } : input;
    const now = this.deps.clock.now();
    const messageId = newId();
    // Read (and checked) before the transaction: the template catalogue is another module's.
    const seen = await this.get(actor, conversationId);
    const prepared = await this.prepareOutbound(actor, seen, reply, messageId);
    const { previousAssigneeId } = await this.deps.repository
      .transaction(async (repo) => {
        const current = await lockVisible(repo, actor, conversationId);
        assertOpenForWork(current);
        assertCanMessage(current);
        if (reply.kind !== 'template') assertWindowOpen(current, now);
        const isTaking = current.assigneeId === null;
        await repo.insertMessage({
          id: messageId,
          companyId: actor.companyId,
          conversationId,
          direction: 'outbound',
          authorType: 'agent',
          authorId: actor.userId,
          type: prepared.media ? 'media' : 'text',
          body: prepared.text,
          media: prepared.media,
          content: prepared.content,
          status: 'queued',
          createdAt: now,
          updatedAt: now,
        });
        await repo.updateConversation(actor.companyId, conversationId, {
          ...(isTaking ? { assigneeId: actor.userId, awaitingHuman: false } : {}),
          ...(current.status === 'pending' ? { status: 'open' } : {}),
          lastMessageAt: now,
          lastMessagePreview: previewOf(prepared.text, prepared.media),
          lastActivityAt: now,
          updatedAt: now,
        });
        return { previousAssigneeId: isTaking ? null : undefined };
      })
      .catch(async (error: unknown) => {
        if (prepared.media) await this.deps.mediaFiles.remove(actor.companyId, messageId);
        throw error;
      });
    const conversation = await this.get(actor, conversationId);
    if (previousAssigneeId === null) {
      await this.deps.events.conversation('conversation.assigned', conversation, null);
    }
    const message = await this.requireMessage(actor.companyId, messageId);
    await this.deps.events.messageCreated(conversation, message);
    await this.deps.typing.stop(actor, conversationId, 'message_sent');
    this.deps.delivery.schedule(actor.companyId, messageId);
    return message;
  }

  /** What a reply stores: its text, file (copied under the message's id) and content. */
  private async prepareOutbound(
    actor: Actor,
    conversation: Conversation,
    reply: OutboundInput,
    messageId: string,
  ): Promise<{ text: string | null; media: MessageMedia | null; content: MessageContent | null }> {
    switch (reply.kind) {
      case 'text':
        return { text: reply.text, media: null, content: null };
      case 'template': {
        if (conversation.channel !== 'whatsapp') {
          throw new ConflictError('conversation.templates_whatsapp_only', 'Templates are sent on WhatsApp only.');
        }
        return this.prepareTemplate(actor, reply, messageId);
      }
      case 'attachment': {
        const upload = await this.deps.uploads.find(actor, reply.uploadId);
        // Checked here too, so a closed window costs no copy; the transaction checks again.
        assertOpenForWork(conversation);
        assertCanMessage(conversation);
        assertWindowOpen(conversation, this.deps.clock.now());
        await this.deps.mediaFiles.copy(actor.companyId, upload.id, messageId);
        return {
          text: reply.caption ?? null,
          content: null,
          media: {
            kind: upload.kind,
            mediaId: upload.id,
            mimeType: upload.mimeType,
            caption: reply.caption ?? null,
            filename: upload.filename,
            sha256: upload.sha256,
            status: 'stored',
            sizeBytes: upload.sizeBytes,
            storedMimeType: upload.mimeType,
          },
        };
      }
    }
  }

  /**
   * A template, its header filled in: a link or a place is kept in the content; an upload is
   * copied under the message's id (shown as its file, uploaded to Meta on delivery).
   */
  private async prepareTemplate(
    actor: Actor,
    reply: Extract<OutboundInput, { kind: 'template' }>,
    messageId: string,
  ): Promise<{ text: string | null; media: MessageMedia | null; content: MessageContent }> {
    const given = reply.header;
    let upload: Awaited<ReturnType<MessageUploads['find']>> | undefined;
    let header: StoredTemplateHeader | undefined;
    if (given?.kind === 'location') {
      header = {
        kind: 'location',
        latitude: given.latitude,
        longitude: given.longitude,
        name: given.name ?? null,
        address: given.address ?? null,
      };
    } else if (given) {
      if (given.link && given.uploadId) {
        throw new UnprocessableError('template.invalid_header', 'The header takes a link or an upload, not both.', [
          { field: 'body.template.header', message: 'a link or an upload_id, not both' },
        ]);
      }
      if (given.uploadId) {
        upload = await this.deps.uploads.find(actor, given.uploadId);
        if (upload.kind !== given.kind) {
          throw new UnprocessableError('template.invalid_header', `The upload is not a ${given.kind}.`, [
            { field: 'body.template.header.upload_id', message: `must be a ${given.kind}` },
          ]);
        }
      }
      header = {
        kind: given.kind,
        link: given.link ?? null,
        filename: given.filename ?? upload?.filename ?? null,
      };
    }
    const template = await this.deps.templates.prepare(actor.companyId, {
      name: reply.name,
      language: reply.language,
      variables: reply.variables,
      header:
        header && header.kind !== 'location'
          ? { kind: header.kind, link: header.link, mediaId: upload?.id ?? null, filename: header.filename }
          : header,
    });
    const content: MessageContent = {
      kind: 'template',
      name: reply.name,
      language: reply.language,
      variables: template.variables,
      ...(header ? { header } : {}),
    };
    if (!upload) return { text: template.renderedText, media: null, content };
    await this.deps.mediaFiles.copy(actor.companyId, upload.id, messageId);
    return {
      text: template.renderedText,
      content,
      media: {
        kind: upload.kind,
        mediaId: upload.id,
        mimeType: upload.mimeType,
        caption: null,
        filename: upload.filename,
        sha256: upload.sha256,
        status: 'stored',
        sizeBytes: upload.sizeBytes,
        storedMimeType: upload.mimeType,
      },
    };
  }

  /** The caller has read the conversation up to now (their own mark; others are untouched). */
  async markRead(actor: Actor, conversationId: string): Promise<Date> {
    const conversation = await this.get(actor, conversationId);
    const lastReadAt = await this.deps.repository.markRead({
      companyId: actor.companyId,
      conversationId,
      userId: actor.userId,
      lastReadAt: this.deps.clock.now(),
    });
    if (conversation.channel !== 'voice') void this.sendReadReceipt(actor.companyId, conversation);
    return lastReadAt;
  }

  /**
   * The contact's latest message, marked read at the channel once (WhatsApp marks the ones
   * before it too). Best effort, in the background: a failure is logged, the next open retries.
   */
  private async sendReadReceipt(companyId: string, conversation: Conversation): Promise<void> {
    try {
      const latest = await this.deps.repository.latestInboundOf(companyId, conversation.id);
      if (!latest?.channelMessageId || latest.metadata?.read_receipt_at) return;
      const isMarked = await this.deps.gateway.markRead({
        companyId,
        channel: conversation.channel,
        channelMessageId: latest.channelMessageId,
      });
      if (!isMarked) return;
      const now = this.deps.clock.now();
      await this.deps.repository.updateMessage(companyId, latest.id, {
        metadata: { ...(latest.metadata ?? {}), read_receipt_at: now.toISOString() },
        updatedAt: now,
      });
    } catch (error) {
      this.deps.logger.warn({ err: error, conversationId: conversation.id }, 'read receipt not sent');
    }
  }

  async setFavorite(actor: Actor, conversationId: string, isFavorite: boolean): Promise<boolean> {
    await this.get(actor, conversationId);
    if (isFavorite) {
      await this.deps.repository.addFavorite({
        companyId: actor.companyId,
        conversationId,
        userId: actor.userId,
        createdAt: this.deps.clock.now(),
      });
    } else {
      await this.deps.repository.removeFavorite(actor.companyId, conversationId, actor.userId);
    }
    return isFavorite;
  }

  async listMessages(
    actor: Actor,
    conversationId: string,
    page: { before?: string | undefined; limit: number },
  ): Promise<Page<Message>> {
    await this.get(actor, conversationId);
    const rows = await this.deps.repository.listMessages(
      actor.companyId,
      conversationId,
      decodeCursor(page.before),
      page.limit,
    );
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last) : null };
  }

  /** The file a contact sent with a message of a conversation the actor can see. */
  async openMedia(actor: Actor, conversationId: string, messageId: string): Promise<StoredMedia> {
    await this.get(actor, conversationId);
    const message = await this.deps.repository.findMessage(actor.companyId, messageId);
    if (!message || message.conversationId !== conversationId || !message.media) {
      throw new NotFoundError('media.not_found', 'This message has no file.');
    }
    const { media } = message;
    if (media.status === 'deleted') {
      throw new NotFoundError('media.deleted', 'The file was deleted after the retention period.');
    }
    if (media.status === 'pending') {
      throw new ConflictError(
        'media.pending',
        'The file is still being fetched from the channel; message_updated announces it.',
      );
    }
    const file = media.status === 'stored' ? await this.deps.mediaFiles.locate(actor.companyId, messageId) : undefined;
    if (!file) {
      throw new ConflictError(
        'media.unavailable',
        media.failureReason ?? 'The file could not be fetched from the channel.',
      );
    }
    return {
      ...file,
      mimeType: media.storedMimeType ?? media.mimeType,
      kind: media.kind,
      filename: media.filename,
    };
  }

  /** Fetches a file again now (after a failure, or a pending one that keeps failing). */
  async retryMedia(actor: Actor, conversationId: string, messageId: string): Promise<Message> {
    const conversation = await this.get(actor, conversationId);
    const message = await this.deps.repository.findMessage(actor.companyId, messageId);
    if (!message || message.conversationId !== conversationId || !message.media) {
      throw new NotFoundError('media.not_found', 'This message has no file.');
    }
    if (message.media.status === 'stored') throw new ConflictError('media.stored', 'The file is already stored.');
    if (message.media.status === 'deleted') {
      throw new ConflictError('media.deleted', 'The file was deleted after the retention period.');
    }
    if (!(await this.deps.mediaDownloads.retryNow(conversation, message))) {
      throw new ConflictError('media.downloading', 'The file is being fetched right now.');
    }
    return (await this.deps.repository.findMessage(actor.companyId, messageId)) ?? message;
  }

  /**
   * Sends a failed outbound message again: it goes back to `queued` (announced as
   * `message_status_changed`) and through the channel once more, as the same message.
   */
  async retryMessage(actor: Actor, conversationId: string, messageId: string): Promise<Message> {
    const conversation = await this.get(actor, conversationId);
    assertOpenForWork(conversation);
    const message = await this.deps.repository.findMessage(actor.companyId, messageId);
    if (!message || message.conversationId !== conversationId || message.direction !== 'outbound') {
      throw new NotFoundError('message.not_found', 'No such outbound message in this conversation.');
    }
    if (message.status !== 'failed') {
      throw new ConflictError('message.not_failed', 'Only a message that failed to send can be sent again.');
    }
    await this.deps.repository.updateMessage(actor.companyId, messageId, {
      status: 'queued',
      failureReason: null,
      deliveryClaimedAt: null,
      updatedAt: this.deps.clock.now(),
    });
    const queued = await this.requireMessage(actor.companyId, messageId);
    await this.deps.events.messageStatusChanged(conversation, queued);
    this.deps.delivery.schedule(actor.companyId, messageId);
    this.deps.logger.info({ conversationId, messageId, userId: actor.userId }, 'message sent again');
    return queued;
  }

  /**
   * A Jitsi room for the conversation: the contact's link goes out through the channel as
   * a system message (a voice conversation only records it); the agent gets their own link.
   */
  async startVideo(actor: Actor, conversationId: string) {
    const conversation = await this.get(actor, conversationId);
    assertOpenForWork(conversation);
    const agent = await this.deps.repository.findActiveUser(actor.companyId, actor.userId);
    const now = this.deps.clock.now();
    const room = await this.deps.rooms.create({
      agentName: agent?.name ?? 'Agent',
      contactName: conversation.contact.name,
      now,
    });
    const isSent = conversation.channel !== 'voice';
    if (isSent) assertWindowOpen(conversation, now);
    const text = await this.deps.texts.textOf(actor.companyId, 'video_link', {
      link: room.contactUrl,
      'contact.name': conversation.contact.name,
      'agent.name': agent?.name ?? null,
    });
    const message = await this.recordSystemMessage(actor, conversation, {
      direction: isSent ? 'outbound' : 'internal',
      text,
      metadata: {
        event: 'video_call',
        room_name: room.roomName,
        expires_at: room.expiresAt.toISOString(),
        started_by: actor.userId,
      },
    });
    if (isSent) this.deps.delivery.schedule(actor.companyId, message.id);
    this.deps.logger.info({ conversationId, roomName: room.roomName, userId: actor.userId }, 'video call started');
    return { room, message };
  }

  /** Click-to-call to the contact's phone; the call joins the conversation's timeline. */
  async startVoiceCall(actor: Actor, conversationId: string) {
    const conversation = await this.get(actor, conversationId);
    const phone = conversation.contact.phone;
    if (!phone) throw new ConflictError('contact.no_phone', 'The contact has no phone number to call.');
    const call = await this.deps.dialer.makeCall(actor, { to: phone });
    const agent = await this.deps.repository.findActiveUser(actor.companyId, actor.userId);
    const notice = await this.deps.texts.textOf(actor.companyId, 'call_notice', {
      'contact.name': conversation.contact.name ?? phone,
      'agent.name': agent?.name ?? null,
    });
    const message = await this.recordSystemMessage(actor, conversation, {
      direction: 'internal',
      text: notice,
      metadata: { event: 'voice_call', call_id: call.id, to: phone, started_by: actor.userId },
    });
    this.deps.logger.info({ conversationId, callId: call.id, userId: actor.userId }, 'voice call started');
    return { call, message };
  }

  private async recordSystemMessage(
    actor: Actor,
    conversation: Conversation,
    input: { direction: 'outbound' | 'internal'; text: string; metadata: Record<string, unknown> },
  ): Promise<Message> {
    const now = this.deps.clock.now();
    const messageId = newId();
    await this.deps.repository.transaction(async (repo) => {
      await repo.insertMessage({
        id: messageId,
        companyId: actor.companyId,
        conversationId: conversation.id,
        direction: input.direction,
        authorType: 'system',
        authorId: actor.userId,
        type: 'system',
        body: input.text,
        status: input.direction === 'outbound' ? 'queued' : null,
        metadata: input.metadata,
        createdAt: now,
        updatedAt: now,
      });
      await repo.updateConversation(actor.companyId, conversation.id, {
        lastMessageAt: now,
        lastMessagePreview: previewOf(input.text, null),
        lastActivityAt: now,
        updatedAt: now,
      });
    });
    const message = await this.requireMessage(actor.companyId, messageId);
    await this.deps.events.messageCreated(conversation, message);
    return message;
  }

  private async requireMessage(companyId: string, messageId: string): Promise<Message> {
    const message = await this.deps.repository.findMessage(companyId, messageId);
    if (!message) throw new Error('message vanished after insert');
    return message;
  }
}
