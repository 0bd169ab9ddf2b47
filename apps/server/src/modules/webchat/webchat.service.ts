/**
 * Web chat's use cases: admins configure channels; visitors open a session (a signed
 * token), write, send files, type, rate. What visitors send enters the conversations
 * inbox like any channel's messages, so routing and the agents' inbox need nothing new.
 */
import { createHash } from 'node:crypto';
import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../../shared/errors.js';
import type { EventPublisher } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { audienceOf, type Message, type WebchatBridge } from '../conversations/index.js';
import { isOpenAt } from '../routing/index.js';
import {
  assertOriginAllowed,
  checkPrechat,
  classifyVisitorFile,
  cleanName,
  DEFAULT_COLORS,
  DEFAULT_PRECHAT,
  e164Of,
  normalizeOrigin,
  type PrechatField,
  type PrechatRequirement,
  type VisitorClaims,
  type WebchatChannel,
  type WebchatVisitor,
} from './webchat.js';
import type { StoredUpload, WebchatRepository } from './webchat.repository.js';
import type { VisitorTokens } from './webchat.tokens.js';

type InboundMessage = Parameters<WebchatBridge['receive']>[1][number];

export interface ChannelInput {
  name: string;
  allowedOrigins: string[];
  greeting: string | null;
  prechatFields: Record<PrechatField, PrechatRequirement>;
  defaultQueueId: string | null;
  offlineMessage: string | null;
  colors: { primary: string; text: string };
}

/** Moves a new web-chat conversation into its channel's queue (the routing engine). */
export interface QueueRouter {
  transfer(actor: Actor, conversationId: string, queueId: string): Promise<unknown>;
}

export interface LiveEntries {
  liveEntryOf(companyId: string, conversationId: string): Promise<{ queueId: string; state: string } | undefined>;
}

/** Where visitors' files are kept (MEDIA_DIR, by upload id). */
export interface VisitorFiles {
  write(companyId: string, id: string, bytes: Buffer): Promise<void>;
  read(companyId: string, id: string): Promise<Buffer | undefined>;
  remove(companyId: string, id: string): Promise<void>;
}

export interface WebchatServiceDeps {
  repository: WebchatRepository;
  tokens: VisitorTokens;
  conversations: WebchatBridge;
  router: QueueRouter;
  entries: LiveEntries;
  files: VisitorFiles;
  publisher: EventPublisher;
  clock: Clock;
  logger: Logger;
}

/** What a visitor is, once their token and page are checked. */
export interface VisitorContext {
  visitor: WebchatVisitor;
  channel: WebchatChannel;
}

export interface VisitorThread {
  conversationId: string | null;
  status: string | null;
  agentName: string | null;
  queuePosition: number | null;
  messages: Message[];
}

const THREAD_LIMIT = 100;
const TYPING_SECONDS = 10;

export class WebchatService {
  constructor(private readonly deps: WebchatServiceDeps) {}

  // ── admins ────────────────────────────────────────────────────────────────
  async listChannels(actor: Actor): Promise<WebchatChannel[]> {
    assertAdmin(actor);
    return this.deps.repository.listChannels(actor.companyId);
  }

  async getChannel(actor: Actor, channelId: string): Promise<WebchatChannel> {
    assertAdmin(actor);
    const channel = await this.deps.repository.findChannel(actor.companyId, channelId);
    if (!channel) throw new NotFoundError('webchat.channel_not_found', 'No such web-chat channel.');
    return channel;
  }

  async createChannel(actor: Actor, input: Partial<ChannelInput> & { name: string }): Promise<WebchatChannel> {
    assertAdmin(actor);
    const now = this.deps.clock.now();
    const channel: WebchatChannel = {
      id: newId(),
      companyId: actor.companyId,
      name: input.name,
      allowedOrigins: checkOrigins(input.allowedOrigins ?? []),
      greeting: input.greeting ?? null,
      prechatFields: input.prechatFields ?? { ...DEFAULT_PRECHAT },
      defaultQueueId: input.defaultQueueId ?? null,
      offlineMessage: input.offlineMessage ?? null,
      colors: input.colors ?? { ...DEFAULT_COLORS },
      createdAt: now,
      updatedAt: now,
    };
    await this.assertQueue(actor.companyId, channel.defaultQueueId);
    await this.deps.repository.insertChannel(channel);
    this.deps.logger.info({ companyId: actor.companyId, channelId: channel.id }, 'web-chat channel created');
    return channel;
  }

  async updateChannel(actor: Actor, channelId: string, input: Partial<ChannelInput>): Promise<WebchatChannel> {
    assertAdmin(actor);
    const patch = {
      ...input,
      ...(input.allowedOrigins ? { allowedOrigins: checkOrigins(input.allowedOrigins) } : {}),
      updatedAt: this.deps.clock.now(),
    };
    if (input.defaultQueueId !== undefined) await this.assertQueue(actor.companyId, input.defaultQueueId);
    const isUpdated = await this.deps.repository.updateChannel(actor.companyId, channelId, patch);
    if (!isUpdated) throw new NotFoundError('webchat.channel_not_found', 'No such web-chat channel.');
    return this.getChannel(actor, channelId);
  }

  async deleteChannel(actor: Actor, channelId: string): Promise<void> {
    assertAdmin(actor);
    const isDeleted = await this.deps.repository.deleteChannel(actor.companyId, channelId);
    if (!isDeleted) throw new NotFoundError('webchat.channel_not_found', 'No such web-chat channel.');
    this.deps.logger.info({ companyId: actor.companyId, channelId }, 'web-chat channel deleted');
  }

  // ── visitors ──────────────────────────────────────────────────────────────
  /** The channel as the widget shows it, for a page it allows. */
  async publicChannel(channelId: string, origin: string | undefined): Promise<WebchatChannel & { isOpen: boolean }> {
    const channel = await this.deps.repository.findChannelById(channelId);
    if (!channel) throw new NotFoundError('webchat.channel_not_found', 'No such web-chat channel.');
    assertOriginAllowed(channel, origin);
    return { ...channel, isOpen: await this.isOpen(channel) };
  }

  /** A new anonymous visitor of the channel, with the pre-chat answers it asks for. */
  async startSession(
    channelId: string,
    origin: string | undefined,
    answers: Partial<Record<PrechatField, string | null>>,
  ): Promise<{ token: string; visitor: WebchatVisitor; channel: WebchatChannel & { isOpen: boolean } }> {
    const channel = await this.publicChannel(channelId, origin);
    const prechat = checkPrechat(channel.prechatFields, answers);
    const visitor: WebchatVisitor = {
      id: newId(),
      companyId: channel.companyId,
      channelId: channel.id,
      ...prechat,
      createdAt: this.deps.clock.now(),
    };
    await this.deps.repository.insertVisitor(visitor);
    const token = await this.deps.tokens.sign({
      visitorId: visitor.id,
      companyId: visitor.companyId,
      channelId: channel.id,
    });
    this.deps.logger.info(
      { companyId: channel.companyId, channelId, visitorId: visitor.id },
      'web-chat visitor started',
    );
    return { token, visitor, channel };
  }

  /** The visitor of a token, on a page the channel allows; 401 or 403 otherwise. */
  async authenticate(token: string | undefined, origin: string | undefined): Promise<VisitorContext> {
    const claims: VisitorClaims = await this.deps.tokens.verify(token);
    const [channel, visitor] = await Promise.all([
      this.deps.repository.findChannel(claims.companyId, claims.channelId),
      this.deps.repository.findVisitor(claims.companyId, claims.visitorId),
    ]);
    if (!channel || !visitor || visitor.channelId !== channel.id) {
      throw new UnauthorizedError('webchat.invalid_token', 'The visitor token is not valid.');
    }
    assertOriginAllowed(channel, origin);
    return { visitor, channel };
  }

  /** Changes the visitor's pre-chat answers (the form shown after a first message, the offline form). */
  async updateVisitor(
    context: VisitorContext,
    answers: Partial<Record<PrechatField, string | null>>,
  ): Promise<WebchatVisitor> {
    const prechat = checkPrechat(context.channel.prechatFields, answers);
    await this.deps.repository.updateVisitor(context.visitor.companyId, context.visitor.id, prechat);
    return { ...context.visitor, ...prechat };
  }

  /**
   * What the visitor writes (or a file they uploaded, with a caption), stored in their
   * conversation; a new or reopened one goes to the channel's queue. `clientMessageId`
   * makes a resend after a lost answer harmless.
   */
  async sendMessage(
    context: VisitorContext,
    input: { clientMessageId: string; text: string | null; uploadId: string | null },
  ): Promise<{ conversationId: string; isDuplicate: boolean }> {
    const { visitor } = context;
    let upload: StoredUpload | undefined;
    if (input.uploadId) {
      upload = await this.deps.repository.findUpload(visitor.companyId, input.uploadId);
      if (!upload || upload.visitorId !== visitor.id) {
        throw new NotFoundError('upload.not_found', 'No such upload of yours.');
      }
    } else if (!input.text?.trim()) {
      throw new ValidationError('webchat.empty_message', 'Write something or attach a file.', [
        { field: 'text', message: 'required without a file' },
      ]);
    }
    const text = input.text?.trim() || null;
    return this.receive(context, {
      channelMessageId: `webchat:${visitor.id}:${input.clientMessageId}`,
      type: upload ? 'media' : 'text',
      text: upload ? null : text,
      media: upload
        ? {
            kind: upload.kind === 'image' ? 'image' : 'document',
            mediaId: upload.id,
            mimeType: upload.mimeType,
            caption: text,
            filename: upload.filename,
            sha256: null,
          }
        : null,
      content: null,
    });
  }

  /** The visitor's stars for the closed conversation: stored as the customer's rating (ADR 24). */
  async rate(
    context: VisitorContext,
    input: { clientMessageId: string; score: number },
  ): Promise<{ conversationId: string; isDuplicate: boolean }> {
    return this.receive(context, {
      channelMessageId: `webchat:${context.visitor.id}:${input.clientMessageId}`,
      type: 'text',
      text: '★'.repeat(input.score),
      media: null,
      content: {
        kind: 'interactive_reply',
        reply_type: 'button',
        reply_id: `rating:${input.score}`,
        title: `${input.score}`,
      },
    });
  }

  /** Keeps a file the visitor will send; 422 `attachment.*` for a type or size not taken. */
  async storeUpload(
    context: VisitorContext,
    input: { bytes: Buffer; filename: string | undefined },
  ): Promise<StoredUpload> {
    const { kind, mimeType } = classifyVisitorFile(input.bytes);
    const upload: StoredUpload = {
      id: newId(),
      companyId: context.visitor.companyId,
      visitorId: context.visitor.id,
      kind,
      mimeType,
      filename: cleanName(input.filename),
      sizeBytes: input.bytes.length,
    };
    await this.deps.files.write(upload.companyId, upload.id, input.bytes);
    try {
      await this.deps.repository.insertUpload({ ...upload, createdAt: this.deps.clock.now() });
    } catch (error) {
      await this.deps.files.remove(upload.companyId, upload.id);
      throw error;
    }
    return upload;
  }

  /** The media downloader's source for web chat: the visitor's upload, by its id. */
  async fetchUpload(input: { companyId: string; mediaId: string; maxBytes: number }) {
    const upload = await this.deps.repository.findUpload(input.companyId, input.mediaId);
    const bytes = upload && (await this.deps.files.read(input.companyId, upload.id));
    if (!upload || !bytes)
      return { kind: 'failed' as const, reason: 'The file is no longer stored.', retryable: false };
    if (bytes.length > input.maxBytes) {
      return { kind: 'failed' as const, reason: 'The file is larger than MEDIA_MAX_BYTES.', retryable: false };
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return { kind: 'fetched' as const, bytes, mimeType: upload.mimeType, sha256 };
  }

  /** The visitor's latest conversation, its last messages oldest first. */
  async thread(context: VisitorContext): Promise<VisitorThread> {
    const { visitor } = context;
    const repository = this.deps.conversations.repository;
    const contact = await repository.findContactByIdentity(visitor.companyId, 'webchat', visitor.id);
    const conversation = contact && (await this.deps.repository.latestConversationOf(visitor.companyId, contact.id));
    if (!conversation) {
      return { conversationId: null, status: null, agentName: null, queuePosition: null, messages: [] };
    }
    const messages = await repository.listMessages(visitor.companyId, conversation.id, undefined, THREAD_LIMIT);
    return {
      conversationId: conversation.id,
      status: conversation.status,
      agentName: await this.agentName(visitor.companyId, conversation.assigneeId),
      queuePosition: (await this.queuePositionOf(visitor.companyId, conversation.id)) ?? null,
      messages: messages.slice(0, THREAD_LIMIT).reverse(),
    };
  }

  /** A message of the visitor's own conversations (its file), or 404. */
  async visitorMessage(context: VisitorContext, messageId: string): Promise<Message> {
    const { visitor } = context;
    const repository = this.deps.conversations.repository;
    const message = await repository.findMessage(visitor.companyId, messageId);
    const conversation =
      message && (await repository.findConversation(visitor.companyId, message.conversationId, null));
    const isTheirs =
      conversation?.channel === 'webchat' &&
      conversation.contact.identities.some((i) => i.channel === 'webchat' && i.externalId === visitor.id);
    if (!message || !isTheirs) throw new NotFoundError('message.not_found', 'No such message.');
    return message;
  }

  /** The stored file of a message (under its message id, MEDIA_DIR). */
  messageFile(message: Message): Promise<Buffer | undefined> {
    return this.deps.files.read(message.companyId, message.id);
  }

  async agentName(companyId: string, agentId: string | null): Promise<string | null> {
    if (!agentId) return null;
    return (await this.deps.conversations.repository.findActiveUser(companyId, agentId))?.name ?? null;
  }

  queuePositionOf(companyId: string, conversationId: string): Promise<number | undefined> {
    return this.deps.repository.queuePositionOf(companyId, conversationId);
  }

  /** The visitor types: agents see it as they see a colleague typing (`typing_start`/`typing_stop`). */
  async typing(context: VisitorContext, conversationId: string, isTyping: boolean): Promise<void> {
    const { visitor } = context;
    const conversation = await this.deps.conversations.repository.findConversation(
      visitor.companyId,
      conversationId,
      null,
    );
    if (!conversation || conversation.status === 'resolved') return;
    const now = this.deps.clock.now();
    await this.deps.publisher.publish({
      name: isTyping ? 'typing.started' : 'typing.stopped',
      companyId: visitor.companyId,
      audience: audienceOf(conversation),
      data: {
        conversation_id: conversationId,
        chat_id: conversationId,
        agent_id: null,
        contact_id: conversation.contact.id,
        from: conversation.contact.name ?? visitor.name ?? 'Visitante',
        timestamp: now.toISOString(),
        ...(isTyping
          ? { expires_at: new Date(now.getTime() + TYPING_SECONDS * 1000).toISOString() }
          : { reason: 'stopped' }),
      },
    });
  }

  /**
   * The widget reports agents' messages it showed (`delivered`) and the visitor saw with
   * the panel open (`read`): the console's ticks move as WhatsApp's do. Only messages of
   * the visitor's own conversations that went out count; a status never goes back.
   */
  async acknowledge(
    context: VisitorContext,
    input: { messageIds: string[]; status: 'delivered' | 'read' },
  ): Promise<{ applied: number }> {
    const { visitor } = context;
    const repository = this.deps.conversations.repository;
    const reports: { channelMessageId: string; status: 'delivered' | 'read'; failureReason: null }[] = [];
    const theirs = new Map<string, boolean>();
    for (const messageId of new Set(input.messageIds)) {
      const message = await repository.findMessage(visitor.companyId, messageId);
      if (!message || message.direction !== 'outbound' || !message.channelMessageId) continue;
      let isTheirs = theirs.get(message.conversationId);
      if (isTheirs === undefined) {
        const conversation = await repository.findConversation(visitor.companyId, message.conversationId, null);
        isTheirs =
          conversation?.channel === 'webchat' &&
          conversation.contact.identities.some((i) => i.channel === 'webchat' && i.externalId === visitor.id);
        theirs.set(message.conversationId, isTheirs);
      }
      if (isTheirs)
        reports.push({ channelMessageId: message.channelMessageId, status: input.status, failureReason: null });
    }
    if (reports.length === 0) return { applied: 0 };
    return { applied: await this.deps.conversations.applyDeliveryReports(visitor.companyId, reports) };
  }

  /**
   * An agent read the visitor's messages: every node's widget sockets of that conversation
   * are told (`webchat.read`, for no console).
   */
  async announceRead(input: { companyId: string; channelMessageId: string }): Promise<boolean> {
    const id = await this.deps.conversations.repository.findMessageIdByChannelId(
      input.companyId,
      input.channelMessageId,
    );
    const message = id && (await this.deps.conversations.repository.findMessage(input.companyId, id));
    if (!message) return false;
    await this.deps.publisher.publish({
      name: 'webchat.read',
      companyId: input.companyId,
      audience: {},
      data: { conversation_id: message.conversationId, up_to: message.createdAt.toISOString() },
    });
    return true;
  }

  private async receive(
    context: VisitorContext,
    message: Pick<InboundMessage, 'channelMessageId' | 'type' | 'text' | 'media' | 'content'>,
  ): Promise<{ conversationId: string; isDuplicate: boolean }> {
    const { visitor, channel } = context;
    const repository = this.deps.conversations.repository;
    const contactBefore = await repository.findContactByIdentity(visitor.companyId, 'webchat', visitor.id);
    const before =
      contactBefore && (await this.deps.repository.latestConversationOf(visitor.companyId, contactBefore.id));
    const result = await this.deps.conversations.receive(visitor.companyId, [
      {
        channel: 'webchat',
        externalId: visitor.id,
        phone: e164Of(visitor.phone),
        profileName: visitor.name,
        sentAt: this.deps.clock.now(),
        replyToChannelMessageId: null,
        ...message,
      },
    ]);
    const contact = contactBefore ?? (await repository.findContactByIdentity(visitor.companyId, 'webchat', visitor.id));
    const after = contact && (await this.deps.repository.latestConversationOf(visitor.companyId, contact.id));
    if (!contact || !after) throw new Error('the visitor message was not stored');
    if (visitor.email && !contact.email) {
      await repository.updateContact(visitor.companyId, contact.id, {
        email: visitor.email,
        updatedAt: this.deps.clock.now(),
      });
    }
    const isNewOrReopened = !before || before.id !== after.id || before.status === 'resolved';
    if (result.stored > 0) await this.enqueue(channel, after.id, isNewOrReopened);
    return { conversationId: after.id, isDuplicate: result.duplicates > 0 };
  }

  /**
   * A waiting conversation goes to the channel's default queue. The routing engine may
   * already have put it in the company's web-chat entry point's queue: a conversation
   * this message opened is moved from there; one already waiting stays where it is.
   */
  private async enqueue(channel: WebchatChannel, conversationId: string, isNewOrReopened: boolean): Promise<void> {
    if (!channel.defaultQueueId) return;
    const conversation = await this.deps.conversations.repository.findConversation(
      channel.companyId,
      conversationId,
      null,
    );
    const isWaiting = conversation?.status === 'open' && conversation.assigneeId === null && conversation.awaitingHuman;
    if (!isWaiting) return;
    const live = await this.deps.entries.liveEntryOf(channel.companyId, conversationId);
    if (live && (live.queueId === channel.defaultQueueId || live.state !== 'waiting' || !isNewOrReopened)) return;
    // The channel moves its own conversation, as a manager would (routing checks the queue takes web chat).
    const channelActor: Actor = { userId: channel.id, companyId: channel.companyId, role: 'admin' };
    try {
      await this.deps.router.transfer(channelActor, conversationId, channel.defaultQueueId);
    } catch (error) {
      this.deps.logger.warn(
        { err: error, companyId: channel.companyId, conversationId, queueId: channel.defaultQueueId },
        'web-chat conversation not queued',
      );
    }
  }

  private async isOpen(channel: WebchatChannel): Promise<boolean> {
    if (!channel.defaultQueueId) return true;
    const hours = await this.deps.repository.queueHours(channel.companyId, channel.defaultQueueId);
    if (!hours?.businessHours) return true;
    const { ranges, closed_action: closed } = hours.businessHours;
    return isOpenAt(
      {
        ranges,
        closedAction: closed.action === 'message' ? { action: 'message', text: closed.text ?? null } : closed,
      },
      hours.timeZone,
      this.deps.clock.now(),
    );
  }

  private async assertQueue(companyId: string, queueId: string | null): Promise<void> {
    if (queueId && !(await this.deps.repository.isQueueOfCompany(companyId, queueId))) {
      throw new ValidationError('webchat.queue_not_found', 'No such queue.', [
        { field: 'body.default_queue_id', message: 'no such queue' },
      ]);
    }
  }
}

function assertAdmin(actor: Actor): void {
  if (actor.role !== 'admin') {
    throw new ForbiddenError('auth.forbidden', 'Only administrators may configure channels.');
  }
}

function checkOrigins(origins: string[]): string[] {
  const normalized = origins.map((o) => normalizeOrigin(o.trim()));
  const bad = normalized.findIndex((o) => o === undefined);
  if (bad >= 0) {
    throw new ValidationError('webchat.origin_invalid', 'An allowed origin is not scheme://host[:port].', [
      { field: `body.allowed_origins.${bad}`, message: 'not an origin' },
    ]);
  }
  return [...new Set(normalized as string[])];
}
