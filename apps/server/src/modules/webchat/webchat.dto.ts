/** What the widget is told of a message: what the visitor may see of it, nothing of the agents' side. */
import type { Message } from '../conversations/index.js';

export interface VisitorMessageDto {
  id: string;
  conversation_id: string;
  direction: 'inbound' | 'outbound';
  author_type: string;
  text: string | null;
  media: {
    kind: string;
    mime_type: string | null;
    filename: string | null;
    caption: string | null;
    status: string;
    size_bytes: number | null;
    url: string | null;
  } | null;
  status: string | null;
  /** The rating question: the widget shows stars. */
  is_rating_question: boolean;
  created_at: string;
}

/** From a message event's data (the console's message DTO). */
export function toVisitorMessage(data: Record<string, unknown>): VisitorMessageDto {
  const media = data.media as Record<string, unknown> | null | undefined;
  const content = data.content as { kind?: unknown; purpose?: unknown } | null | undefined;
  const id = String(data.id);
  return {
    id,
    conversation_id: String(data.conversation_id),
    direction: data.direction === 'inbound' ? 'inbound' : 'outbound',
    author_type: typeof data.author_type === 'string' ? data.author_type : 'agent',
    text: typeof data.text === 'string' ? data.text : null,
    media: media
      ? {
          kind: String(media.kind),
          mime_type: typeof media.mime_type === 'string' ? media.mime_type : null,
          filename: typeof media.filename === 'string' ? media.filename : null,
          caption: typeof media.caption === 'string' ? media.caption : null,
          status: typeof media.status === 'string' ? media.status : 'failed',
          size_bytes: typeof media.size_bytes === 'number' ? media.size_bytes : null,
          url: media.status === 'stored' ? `/webchat/v1/messages/${id}/media` : null,
        }
      : null,
    status: typeof data.status === 'string' ? data.status : null,
    is_rating_question: content?.kind === 'interactive' && content.purpose === 'rating',
    created_at: String(data.created_at),
  };
}

/** From a stored message (the thread). */
export function toVisitorMessageOf(message: Message): VisitorMessageDto {
  return toVisitorMessage({
    id: message.id,
    conversation_id: message.conversationId,
    direction: message.direction,
    author_type: message.authorType,
    text: message.body,
    media: message.media && {
      kind: message.media.kind,
      mime_type: message.media.storedMimeType ?? message.media.mimeType,
      filename: message.media.filename,
      caption: message.media.caption,
      status: message.media.status ?? 'failed',
      size_bytes: message.media.sizeBytes ?? null,
    },
    status: message.status,
    content: message.content,
    created_at: message.createdAt.toISOString(),
  });
}
