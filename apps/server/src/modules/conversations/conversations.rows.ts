/** Database rows to domain objects. */
import type { contacts, conversations, messages } from '../../db/schema/index.js';
import type {
  Contact,
  ContactIdentity,
  Conversation,
  Message,
  MessageContent,
  MessageMedia,
  MessageReplyTo,
} from './conversations.js';

type ConversationRow = typeof conversations.$inferSelect;
type ContactRow = typeof contacts.$inferSelect;
type MessageRow = typeof messages.$inferSelect;

export function toContact(row: ContactRow, identities: ContactIdentity[]): Contact {
  return {
    id: row.id,
    companyId: row.companyId,
    name: row.name,
    phone: row.phone,
    email: row.email,
    identities,
    createdAt: row.createdAt,
  };
}

export function toConversation(
  row: ConversationRow,
  contact: Contact,
  favoriteUserId: string | null,
  lastReadAt: Date | null = null,
): Conversation {
  return {
    id: row.id,
    companyId: row.companyId,
    channel: row.channel,
    status: row.status,
    snoozedUntil: row.snoozedUntil,
    awaitingHuman: row.awaitingHuman,
    assigneeId: row.assigneeId,
    priority: row.priority,
    rating: row.rating,
    ratedBy: row.ratedBy === 'agent' || row.ratedBy === 'customer' ? row.ratedBy : null,
    feedback: row.feedback,
    windowExpiresAt: row.windowExpiresAt,
    contact,
    lastMessageAt: row.lastMessageAt,
    lastMessagePreview: row.lastMessagePreview,
    lastActivityAt: row.lastActivityAt,
    resolvedAt: row.resolvedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    isFavorite: favoriteUserId !== null,
    lastReadAt,
  };
}

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    companyId: row.companyId,
    conversationId: row.conversationId,
    direction: row.direction,
    authorType: row.authorType,
    authorId: row.authorId,
    type: row.type,
    body: row.body,
    media: (row.media as MessageMedia | null) ?? null,
    channelMessageId: row.channelMessageId,
    status: row.status,
    failureReason: row.failureReason,
    metadata: (row.metadata as Record<string, unknown> | null) ?? null,
    content: (row.content as MessageContent | null) ?? null,
    replyTo: replyToOf(row),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The quoted message: ours when stored, and always the channel's id (kept in metadata.reply_to). */
function replyToOf(row: MessageRow): MessageReplyTo | null {
  const quoted = (row.metadata as { reply_to_channel_message_id?: unknown } | null)?.reply_to_channel_message_id;
  if (typeof quoted !== 'string') return null;
  return { messageId: row.replyToMessageId, channelMessageId: quoted };
}
