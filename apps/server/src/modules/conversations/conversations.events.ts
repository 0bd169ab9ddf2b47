/**
 * The conversation events, published after the change has committed (docs/adr/0003).
 * Domain names map to the wire names of the issue: `conversation.assigned` →
 * `conversation_assigned`, `message.status_changed` → `message_status_changed` …
 */
import type { EventPublisher } from '../../shared/events.js';
import { audienceOf, type Conversation, type Message } from './conversations.js';
import { toConversationEventDto, toMessageDto } from './conversations.dto.js';

export type ConversationEventName =
  'conversation.created' | 'conversation.updated' | 'conversation.assigned' | 'conversation.closed';

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

  async messageCreated(conversation: Pick<Conversation, 'assigneeId'>, message: Message): Promise<void> {
    await this.publisher.publish({
      name: 'message.created',
      companyId: message.companyId,
      audience: audienceOf(conversation),
      data: toMessageDto(message),
    });
  }

  /** Anything else about a message changed (the file a contact sent was fetched, or given up on). */
  async messageUpdated(conversation: Pick<Conversation, 'assigneeId'>, message: Message): Promise<void> {
    await this.publisher.publish({
      name: 'message.updated',
      companyId: message.companyId,
      audience: audienceOf(conversation),
      data: toMessageDto(message),
    });
  }

  async messageStatusChanged(conversation: Pick<Conversation, 'assigneeId'>, message: Message): Promise<void> {
    await this.publisher.publish({
      name: 'message.status_changed',
      companyId: message.companyId,
      audience: audienceOf(conversation),
      data: toMessageDto(message),
    });
  }
}
