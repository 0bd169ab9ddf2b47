import type { ContactDto, ConversationDto, ConversationEventDto, MessageDto } from '@switchboard/contracts';
import type { Contact, Conversation, Message } from './conversations.js';

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function toContactDto(contact: Contact): ContactDto {
  return {
    id: contact.id,
    name: contact.name,
    phone: contact.phone,
    email: contact.email,
    identities: contact.identities.map((i) => ({ channel: i.channel, external_id: i.externalId })),
    created_at: contact.createdAt.toISOString(),
  };
}

export function toConversationEventDto(
  conversation: Conversation,
  previousAssigneeId?: string | null,
): ConversationEventDto {
  const dto: ConversationEventDto = conversationFields(conversation);
  if (previousAssigneeId !== undefined) dto.previous_assignee_id = previousAssigneeId;
  return dto;
}

/** The fields events and the list share, written out (a list maps dozens per request). */
function conversationFields(conversation: Conversation) {
  return {
    id: conversation.id,
    conversation_id: conversation.id,
    channel: conversation.channel,
    status: conversation.status,
    snoozed_until: iso(conversation.snoozedUntil),
    awaiting_human: conversation.awaitingHuman,
    assignee_id: conversation.assigneeId,
    priority: conversation.priority,
    rating: conversation.rating,
    rated_by: conversation.ratedBy,
    feedback: conversation.feedback,
    window_expires_at: iso(conversation.windowExpiresAt),
    contact: toContactDto(conversation.contact),
    last_message_at: iso(conversation.lastMessageAt),
    last_message_preview: conversation.lastMessagePreview,
    last_activity_at: conversation.lastActivityAt.toISOString(),
    resolved_at: iso(conversation.resolvedAt),
    created_at: conversation.createdAt.toISOString(),
    updated_at: conversation.updatedAt.toISOString(),
  };
}

export function toConversationDto(conversation: Conversation): ConversationDto {
  const dto: ConversationDto = conversationFields(conversation) as ConversationDto;
  dto.favorite = conversation.isFavorite;
  dto.last_read_at = iso(conversation.lastReadAt);
  return dto;
}

export function toMessageDto(message: Message): MessageDto {
  return {
    id: message.id,
    message_id: message.id,
    conversation_id: message.conversationId,
    direction: message.direction,
    author_type: message.authorType,
    author_id: message.authorId,
    type: message.type,
    text: message.body,
    media: message.media && {
      kind: message.media.kind,
      media_id: message.media.mediaId,
      mime_type: message.media.mimeType,
      caption: message.media.caption,
      filename: message.media.filename,
      sha256: message.media.sha256,
      status: message.media.status ?? 'failed',
      size_bytes: message.media.sizeBytes ?? null,
      url:
        message.media.status === 'stored'
          ? `/api/conversations/${message.conversationId}/messages/${message.id}/media`
          : null,
      failure_reason:
        message.media.status === 'failed' || message.media.status === undefined
          ? (message.media.failureReason ?? 'The file was not fetched.')
          : null,
    },
    status: message.status,
    failure_reason: message.failureReason,
    channel_message_id: message.channelMessageId,
    metadata: message.metadata,
    content: message.content,
    reply_to: message.replyTo && {
      message_id: message.replyTo.messageId,
      channel_message_id: message.replyTo.channelMessageId,
    },
    created_at: message.createdAt.toISOString(),
    updated_at: message.updatedAt.toISOString(),
  };
}
