/**
 * A voicemail a caller left in a voice queue becomes a voice message in the contact's
 * WhatsApp conversation, found by the caller's number: the agent who gets it answers where
 * a phone customer can be reached in writing, and the conversation is routed like any
 * other (its `conversation.created`/`message.created` events reach routing). The audio is
 * stored under MEDIA_DIR like the files contacts send, so the console plays it the same way.
 */
import type { ModuleContext } from '../../app-module.js';
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { previewOf, type MessageMedia } from './conversations.js';
import { contactAnnouncerOf } from './conversations.contacts.js';
import { ConversationEvents } from './conversations.events.js';
import { reopenPatch } from './conversations.lifecycle.js';
import { ConversationsRepository } from './conversations.repository.js';
import { MediaFiles } from './media.files.js';

export interface Voicemail {
  companyId: string;
  /** E.164 with '+', as the kit's dialplan normalizes caller numbers. */
  callerNumber: string;
  /** Asterisk's recording name: also the message's channel id, so a retry stores it once. */
  recordingName: string;
  audio: Buffer;
  durationSeconds: number | null;
  /** Written as the message's caption, e.g. the queue the caller waited in. */
  caption: string;
}

export interface StoredVoicemail {
  conversationId: string;
  messageId: string;
}

export class VoicemailInbox {
  constructor(
    private readonly deps: {
      repository: ConversationsRepository;
      events: ConversationEvents;
      files: MediaFiles;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /** Undefined when this recording was stored before (a repeated RecordingFinished). */
  async receive(voicemail: Voicemail): Promise<StoredVoicemail | undefined> {
    const { companyId } = voicemail;
    const channelMessageId = `voicemail:${voicemail.recordingName}`;
    const now = this.deps.clock.now();
    const messageId = newId();
    // The file first: a message never points at audio that is not there.
    await this.deps.files.write(companyId, messageId, voicemail.audio);
    const media: MessageMedia = {
      kind: 'audio',
      mediaId: voicemail.recordingName,
      mimeType: 'audio/wav',
      caption: voicemail.caption,
      filename: `recado-${voicemail.recordingName}.wav`,
      sha256: null,
      status: 'stored',
      sizeBytes: voicemail.audio.length,
      storedMimeType: 'audio/wav',
    };
    const outcome = await this.deps.repository.transaction(async (repo) => {
      if (await repo.messageExists(companyId, channelMessageId)) return undefined;
      const externalId = voicemail.callerNumber.replace(/^\+/, '');
      const contact =
        (await repo.findContactByPhone(companyId, voicemail.callerNumber)) ??
        (await repo.findContactByIdentity(companyId, 'whatsapp', externalId)) ??
        (await repo.insertContact({
          id: newId(),
          companyId,
          name: null,
          phone: voicemail.callerNumber,
          createdAt: now,
          updatedAt: now,
        }));
      await repo.insertIdentity({
        id: newId(),
        companyId,
        contactId: contact.id,
        channel: 'whatsapp',
        externalId,
        createdAt: now,
      });
      const current = await repo.lockLatestConversationOfContact(companyId, contact.id, 'whatsapp');
      let conversationId = current?.id;
      let event: 'conversation.created' | 'conversation.updated' | undefined;
      if (current && (current.status === 'resolved' || current.status === 'snoozed')) {
        await repo.updateConversation(companyId, current.id, { ...reopenPatch(current), updatedAt: now });
        event = 'conversation.updated';
      }
      if (!conversationId) {
        conversationId = newId();
        await repo.insertConversation({
          id: conversationId,
          companyId,
          contactId: contact.id,
          channel: 'whatsapp',
          status: 'open',
          awaitingHuman: true,
          lastActivityAt: now,
          createdAt: now,
          updatedAt: now,
        });
        event = 'conversation.created';
      }
      await repo.insertMessage({
        id: messageId,
        companyId,
        conversationId,
        direction: 'inbound',
        authorType: 'contact',
        type: 'media',
        body: null,
        media,
        channelMessageId,
        channelSentAt: now,
        createdAt: now,
        updatedAt: now,
      });
      await repo.updateConversation(companyId, conversationId, {
        lastMessageAt: now,
        lastMessagePreview: previewOf(null, media),
        lastActivityAt: now,
        updatedAt: now,
      });
      return { conversationId, event };
    });
    if (!outcome) {
      await this.deps.files.remove(companyId, messageId);
      return undefined;
    }
    const conversation = await this.deps.repository.findConversation(companyId, outcome.conversationId, null);
    const message = await this.deps.repository.findMessage(companyId, messageId);
    if (conversation && message) {
      if (outcome.event) await this.deps.events.conversation(outcome.event, conversation);
      await this.deps.events.messageCreated(conversation, message);
    }
    this.deps.logger.info(
      { companyId, conversationId: outcome.conversationId, messageId, durationSeconds: voicemail.durationSeconds },
      'voicemail stored',
    );
    return { conversationId: outcome.conversationId, messageId };
  }
}

export function createVoicemailInbox(
  context: Pick<ModuleContext, 'db' | 'publisher' | 'config' | 'clock' | 'logger' | 'ports'>,
) {
  return new VoicemailInbox({
    repository: new ConversationsRepository(context.db, contactAnnouncerOf(context)),
    events: new ConversationEvents(context.publisher),
    files: new MediaFiles(context.config.media.dir),
    clock: context.clock,
    logger: context.logger.child({ module: 'conversations', component: 'voicemail' }),
  });
}
