export {
  createConversationsModule,
  type ConversationsModule,
  type ConversationsModuleOptions,
  type WebchatBridge,
  type WebchatProvider,
} from './conversations.module.js';
export { ConversationRouting } from './conversations.routing.js';
export { ConversationsService } from './conversations.service.js';
export { ConversationsRepository } from './conversations.repository.js';
export { MediaFiles } from './media.files.js';
export {
  classifyAttachment,
  cleanFilename,
  MAX_ATTACHMENT_BYTES,
  multipartProblem,
  type AttachmentKind,
} from './attachments.js';
export { MediaRetention } from './media-retention.js';
export type { Conversation, Message, Contact, ConversationChannel, ConversationStatus } from './conversations.js';
export { audienceOf } from './conversations.js';
export {
  claimVoicemailConversation,
  createVoicemailInbox,
  retryOnOpenConversationRace,
  VoicemailInbox,
  type Voicemail,
  type VoicemailConversation,
  type StoredVoicemail,
} from './conversations.voicemail.js';
export { ConversationEvents } from './conversations.events.js';
export type { ContactAnnouncer } from './conversations.contacts.js';
