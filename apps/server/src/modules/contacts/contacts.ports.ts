/** What the contacts module needs from conversations (implemented in contacts.module.ts). */
export interface ConversationsGateway {
  /** The contact's voice conversation, opened or reopened, and announced. */
  openVoiceConversation(companyId: string, contactId: string): Promise<string>;
  /** A system line in a conversation (a call's outcome), announced like any message. */
  writeSystemLine(
    companyId: string,
    conversationId: string,
    text: string,
    metadata: Record<string, unknown>,
  ): Promise<void>;
}
