/** What the contacts module needs from conversations (implemented in contacts.module.ts). */
export interface ConversationsGateway {
  /**
   * The conversation a call sent to voicemail shares with its voicemail (the contact's
   * WhatsApp conversation, chosen by whichever of the two comes first), announced when
   * opened or reopened here; undefined for a call that was not sent to voicemail.
   */
  voicemailConversation(companyId: string, callId: string, contactId: string): Promise<string | undefined>;
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
