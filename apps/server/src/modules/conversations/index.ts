export { installConversations } from './conversations.module.js';
export { ConversationsService } from './conversations.service.js';
export { ConversationsRepository } from './conversations.repository.js';
export type { Conversation, Message, Contact, ConversationChannel, ConversationStatus } from './conversations.js';
