/**
 * The conversation events, published after the change has committed (docs/adr/0003).
 * Domain names map to the wire names of the issue: `conversation.assigned` →
 * `conversation_assigned`, `message.status_changed` → `message_status_changed`,
 * `message.updated` → `message_updated` …
 */
import type { EventPublisher } from '../../shared/events.js';
import { audienceOf, type Conversation, type Message } from './conversations.js';
import { toConversationEventDto, toMessageDto } from './conversations.dto.js';

export type ConversationEventName =
  | 'conversation.created'
  | 'conversation.updated'
  | 'conversation.assigned'
  | 'conversation.closed'
  | 'conversation.rated';

export class ConversationEvents {
  constructor(private readonly publisher: EventPublisher) {}

  async conversation(
    name: ConversationEventName,
    conversation: Conversation,
    previousAssigneeId?: string | null,
  ): Promise<void> {
    await this.publisher.publish({
      name,
      companyId: conversation.companyId,
      audience: audienceOf(conversation, previousAssigneeId),
      data: toConversationEventDto(conversation, previousAssigneeId),
    });
  }

  messageCreated(conversation: Pick<Conversation, 'assigneeId'>, message: Message): Promise<void> {
    return this.message('message.created', conversation, message);
  }

  /** Anything else about a message changed (the file a contact sent was fetched, or given up on). */
  messageUpdated(conversation: Pick<Conversation, 'assigneeId'>, message: Message): Promise<void> {
    return this.message('message.updated', conversation, message);
  }

  messageStatusChanged(conversation: Pick<Conversation, 'assigneeId'>, message: Message): Promise<void> {
    return this.message('message.status_changed', conversation, message);
  }

  /** Message events carry the whole message, to those who see its conversation. */
  private async message(
    name: 'message.created' | 'message.updated' | 'message.status_changed',
    conversation: Pick<Conversation, 'assigneeId'>,
    message: Message,
  ): Promise<void> {
    await this.publisher.publish({
      name,
      companyId: message.companyId,
      audience: audienceOf(conversation),
      data: toMessageDto(message),
    });
  }
}
