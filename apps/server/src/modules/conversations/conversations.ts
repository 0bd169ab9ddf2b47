/**
 * Conversations: contacts, conversations, messages and the rules around them. Who may see
 * and act on a conversation, how its status moves, and how a message's delivery status
 * only ever moves forward (WhatsApp reports may arrive twice or out of order).
 */
import { isManager, type Actor } from '../../shared/actor.js';
import type { Audience } from '../../shared/events.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../shared/errors.js';

export type ConversationChannel = 'whatsapp' | 'webchat' | 'voice';
export type ConversationStatus = 'open' | 'pending' | 'resolved' | 'snoozed';
export type ConversationPriority = 'low' | 'normal' | 'high' | 'urgent';
export type ConversationFilter = 'mine' | 'unassigned' | 'awaiting_human' | 'favorites';
export type MessageDirection = 'inbound' | 'outbound' | 'internal';
export type MessageAuthorType = 'contact' | 'agent' | 'bot' | 'system';
export type MessageType = 'text' | 'media' | 'system';
export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'failed';
export type MediaKind = 'image' | 'audio' | 'video' | 'document' | 'sticker';

export interface ContactIdentity {
  channel: ConversationChannel;
  externalId: string;
}

export interface Contact {
  id: string;
  companyId: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  identities: ContactIdentity[];
  createdAt: Date;
}

export interface Conversation {
  id: string;
  companyId: string;
  channel: ConversationChannel;
  status: ConversationStatus;
  snoozedUntil: Date | null;
  awaitingHuman: boolean;
  assigneeId: string | null;
  priority: ConversationPriority;
  rating: number | null;
  /** Who gave `rating`; CSAT counts the customer's. */
  ratedBy: RatedBy | null;
  feedback: string | null;
  /** WhatsApp: free text and files until then (24 h after the contact's last message); null: never opened. */
  windowExpiresAt: Date | null;
  contact: Contact;
  lastMessageAt: Date | null;
  lastMessagePreview: string | null;
  lastActivityAt: Date;
  resolvedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** The reading user's own star. */
  isFavorite: boolean;
  /** When the viewing user last read it (POST /api/conversations/:id/read); null if never. */
  lastReadAt: Date | null;
}

export interface MessageMedia {
  kind: MediaKind;
  mediaId: string;
  mimeType: string | null;
  caption: string | null;
  filename: string | null;
  sha256: string | null;
  /**
   * Where the file stands (media a contact sent is fetched from the channel and kept):
   * `pending` until fetched, `stored` once it can be served, `failed` when given up on.
   * Absent on what the channel hands over; the inbox sets it.
   */
  status?: MediaStatus;
  /** Set once stored. */
  sizeBytes?: number;
  /** The MIME type of the stored file (the channel's word for it). */
  storedMimeType?: string | null;
  failureReason?: string | null;
}

/** `deleted`: past MEDIA_RETENTION_DAYS, the file is gone (the message stays). */
export type MediaStatus = 'pending' | 'stored' | 'failed' | 'deleted';

export interface Message {
  id: string;
  companyId: string;
  conversationId: string;
  direction: MessageDirection;
  authorType: MessageAuthorType;
  authorId: string | null;
  type: MessageType;
  body: string | null;
  media: MessageMedia | null;
  channelMessageId: string | null;
  status: DeliveryStatus | null;
  failureReason: string | null;
  metadata: Record<string, unknown> | null;
  /** What the message is besides text; stored and served as on the wire (snake_case). */
  content: MessageContent | null;
  replyTo: MessageReplyTo | null;
  createdAt: Date;
  updatedAt: Date;
}

export type RatedBy = 'agent' | 'customer';

export interface MessageReplyTo {
  /** Ours, when the quoted message is stored. */
  messageId: string | null;
  channelMessageId: string;
}

export interface InteractiveOption {
  id: string;
  title: string;
  description: string | null;
}

/** The `content` of a message, as the contracts' MessageContent (wire shape, kept as is in jsonb). */
export type MessageContent =
  | { kind: 'location'; latitude: number; longitude: number; name: string | null; address: string | null }
  | {
      kind: 'contacts';
      contacts: {
        name: string;
        phones: { phone: string; wa_id: string | null; type: string | null }[];
        emails: string[];
      }[];
    }
  | { kind: 'reaction'; emoji: string; target_channel_message_id: string }
  | { kind: 'interactive_reply'; reply_type: 'button' | 'list'; reply_id: string | null; title: string }
  | { kind: 'unsupported'; whatsapp_type: string }
  | {
      kind: 'template';
      name: string;
      language: string;
      variables: Record<string, string>;
      header?: StoredTemplateHeader;
    }
  | {
      kind: 'interactive';
      style: 'button' | 'list';
      purpose: 'menu' | 'rating';
      body: string;
      button_label: string | null;
      options: InteractiveOption[];
    };

/** WhatsApp's customer-service window: free-form messages up to 24 h after the contact last wrote. */
export const SERVICE_WINDOW_MS = 24 * 3600 * 1000;

/** The window after a contact's message sent at `sentAt` (WhatsApp's timestamp), never moved back. */
export function windowAfter(current: Date | null, sentAt: Date): Date {
  const candidate = new Date(sentAt.getTime() + SERVICE_WINDOW_MS);
  return current && current.getTime() > candidate.getTime() ? current : candidate;
}

/**
 * Free text and files reach a WhatsApp contact only inside the window (Meta refuses them
 * after it with error 131047); a template is the way back in. Other channels have none.
 */
export function assertWindowOpen(conversation: Pick<Conversation, 'channel' | 'windowExpiresAt'>, now: Date): void {
  if (conversation.channel !== 'whatsapp') return;
  const expiresAt = conversation.windowExpiresAt;
  if (expiresAt === null || expiresAt.getTime() <= now.getTime()) {
    throw new ConflictError(
      'conversation.window_closed',
      expiresAt === null
        ? 'The contact has not written on WhatsApp yet: start with an approved template.'
        : `WhatsApp's 24-hour window closed at ${expiresAt.toISOString()}: send an approved template.`,
    );
  }
}

export interface ConversationQuery {
  status?: ConversationStatus | undefined;
  channel?: ConversationChannel | undefined;
  assigneeId?: string | undefined;
  filter?: ConversationFilter | undefined;
  search?: string | undefined;
  /** Only conversations carrying this label (the productivity module's `conversation_labels`). */
  labelId?: string | undefined;
}

/** What a channel adapter hands over for each message a contact sent. */
export interface InboundMessage {
  channel: ConversationChannel;
  channelMessageId: string;
  /** The contact on the channel (WhatsApp: wa_id). */
  externalId: string;
  phone: string | null;
  profileName: string | null;
  sentAt: Date | null;
  type: 'text' | 'media';
  text: string | null;
  media: MessageMedia | null;
  /** Location, contacts, reaction, interactive reply, unsupported …: what else it is. */
  content?: MessageContent | null;
  /** The wamid of the message it replies to (WhatsApp's `context.id`). */
  replyToChannelMessageId?: string | null;
}

/** What filled a template's media or location header; a file without `link` is the message's own media. */
export type StoredTemplateHeader =
  | { kind: 'image' | 'video' | 'document'; link: string | null; filename: string | null }
  | { kind: 'location'; latitude: number; longitude: number; name: string | null; address: string | null };

/** A delivery report for a message we sent. */
export interface DeliveryReport {
  channelMessageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  failureReason: string | null;
}

export const CONVERSATION_NOT_FOUND = 'conversation.not_found';

/** Admins and supervisors see every conversation; agents theirs and the unassigned ones (the queue). */
export function canSeeConversation(
  actor: Actor,
  conversation: Pick<Conversation, 'companyId' | 'assigneeId'>,
): boolean {
  if (conversation.companyId !== actor.companyId) return false;
  return isManager(actor) || conversation.assigneeId === null || conversation.assigneeId === actor.userId;
}

export function assertOpenForWork(conversation: Pick<Conversation, 'status'>): void {
  if (conversation.status === 'resolved') {
    throw new ConflictError('conversation.resolved', 'The conversation is resolved; reopen it first.');
  }
}

/** Only the channels that reach the contact with text accept messages; a voice conversation does not. */
export function assertCanMessage(conversation: Pick<Conversation, 'channel'>): void {
  if (conversation.channel === 'voice') {
    throw new ConflictError('conversation.channel_cannot_message', 'A voice conversation cannot carry messages.');
  }
}

export function assertCanTake(actor: Actor, conversation: Pick<Conversation, 'assigneeId' | 'status'>): void {
  assertOpenForWork(conversation);
  if (conversation.assigneeId !== null && conversation.assigneeId !== actor.userId) {
    throw new ConflictError('conversation.already_assigned', 'Another agent has this conversation.');
  }
}

/** Managers assign anyone; an agent may pass on a conversation they hold, and nothing else. */
export function assertCanAssign(actor: Actor, conversation: Pick<Conversation, 'assigneeId' | 'status'>): void {
  assertOpenForWork(conversation);
  if (!isManager(actor) && conversation.assigneeId !== actor.userId) {
    throw new ForbiddenError(
      'conversation.assign_forbidden',
      'Agents may only transfer conversations assigned to them; take an unassigned one instead.',
    );
  }
}

export function assertCanUnassign(actor: Actor, conversation: Pick<Conversation, 'assigneeId'>): void {
  if (!isManager(actor) && conversation.assigneeId !== null && conversation.assigneeId !== actor.userId) {
    throw new NotFoundError(CONVERSATION_NOT_FOUND, 'No such conversation.');
  }
}

export function assertCanClose(conversation: Pick<Conversation, 'status'>): void {
  if (conversation.status === 'resolved') {
    throw new ConflictError('conversation.already_resolved', 'The conversation is already resolved.');
  }
}

export function assertCanReopen(conversation: Pick<Conversation, 'status'>): void {
  if (conversation.status !== 'resolved' && conversation.status !== 'snoozed') {
    throw new ConflictError('conversation.not_closed', 'Only a resolved or snoozed conversation can be reopened.');
  }
}

export const MAX_SNOOZE_DAYS = 365;

export function assertSnoozeUntil(until: Date, now: Date): void {
  const max = now.getTime() + MAX_SNOOZE_DAYS * 24 * 3600 * 1000;
  if (until.getTime() <= now.getTime() || until.getTime() > max) {
    throw new ValidationError('request.invalid', 'A conversation is snoozed until a time in the future.', [
      { field: 'body.until', message: `must be in the future and within ${MAX_SNOOZE_DAYS} days` },
    ]);
  }
}

const DELIVERY_RANK: Record<DeliveryStatus, number> = { queued: 0, sent: 1, delivered: 2, read: 3, failed: 1 };

/**
 * The status after `to` is reported, or undefined when the report changes nothing: a
 * status only moves forward (a late `sent` after `delivered` is ignored), and `failed`
 * is possible until the message is known to be delivered.
 */
export function nextDeliveryStatus(from: DeliveryStatus | null, to: DeliveryStatus): DeliveryStatus | undefined {
  if (from === null || from === to) return from === null ? to : undefined;
  if (from === 'failed') return undefined;
  if (to === 'failed') return from === 'queued' || from === 'sent' ? 'failed' : undefined;
  return DELIVERY_RANK[to] > DELIVERY_RANK[from] ? to : undefined;
}

/**
 * Who hears about a conversation (ADR 31): its agent and the managers. While nobody has it,
 * and when it leaves the queue, the managers and the consoles that watch the `unassigned`
 * topic (an inbox listing unassigned work, an agent who picks up chats by hand), not every
 * agent of the company. A previous agent hears that it left them; `also` adds users who
 * must hear whoever has it (a note's author, those it mentions).
 */
export function audienceOf(
  conversation: Pick<Conversation, 'assigneeId'>,
  previousAssigneeId?: string | null,
  also: readonly string[] = [],
): Audience {
  const userIds = [conversation.assigneeId, previousAssigneeId, ...also].filter(
    (id): id is string => typeof id === 'string',
  );
  const isUnassigned = conversation.assigneeId === null || previousAssigneeId === null;
  return {
    ...(userIds.length > 0 ? { userIds: [...new Set(userIds)] } : {}),
    managers: true,
    ...(isUnassigned ? { topic: 'unassigned' as const } : {}),
  };
}

export function previewOf(text: string | null, media: MessageMedia | null): string | null {
  const preview = text ?? media?.caption ?? (media ? `[${media.kind}]` : null);
  return preview === null ? null : preview.slice(0, 200);
}
