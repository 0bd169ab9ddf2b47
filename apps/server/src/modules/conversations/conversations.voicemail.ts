/**
 * A voicemail a caller left in a voice queue becomes a voice message in the contact's
 * WhatsApp conversation, found by the caller's number: the agent who gets it answers where
 * a phone customer can be reached in writing, and the conversation is routed like any
 * other (its `conversation.created`/`message.created` events reach routing). The audio is
 * stored under MEDIA_DIR like the files contacts send, so the console plays it the same way.
 *
 * The call's outcome line ("Chamada perdida", written by the contacts module when the call
 * ends) belongs in the same conversation, but the call's end and the recording's are two
 * events handled on their own paths, on any node, in either order or at once. So the call
 * is marked before its recording starts (`expect`: a `call_voicemails` row), and the call's
 * end and the voicemail both take that row's lock and share the conversation it names; the
 * first of them to get there chooses it (the contact's WhatsApp conversation, opened or
 * reopened) and writes it in the row (`claimVoicemailConversation`, ADR 21's amendment). A
 * recording exists only if Asterisk took the request on a live channel, after the row was
 * committed: the call's end, which follows the caller's hang-up, always finds the row.
 */
import type { ModuleContext } from '../../app-module.js';
import { isUniqueViolation } from '../../db/driver-results.js';
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
  /** The call the caller left it from: its outcome line goes to the same conversation. */
  callId: string;
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

/** A conversation chosen for a call sent to voicemail, and the event it needs, if any. */
export interface VoicemailConversation {
  id: string;
  event: 'conversation.created' | 'conversation.updated' | undefined;
}

/** A contact's conversation on one channel is unique while not resolved (conversations_open_contact_channel_key). */
const OPEN_CONVERSATION_KEY = 'conversations_open_contact_channel_key';

/**
 * The conversation a call sent to voicemail shares with its voicemail, in `repo`'s
 * transaction: the one its `call_voicemails` row names, or, for the first to ask, the
 * contact's WhatsApp conversation (opened or reopened), written in the row before the lock
 * is released. Undefined for a call that was not sent to voicemail.
 */
export async function claimVoicemailConversation(
  repo: ConversationsRepository,
  input: { companyId: string; callId: string; contactId: string; now: Date },
): Promise<VoicemailConversation | undefined> {
  const marked = await repo.lockCallVoicemail(input.companyId, input.callId);
  if (!marked) return undefined;
  if (marked.conversationId) return { id: marked.conversationId, event: undefined };
  const chosen = await openWhatsAppConversation(repo, input.companyId, input.contactId, input.now);
  await repo.setCallVoicemailConversation(input.companyId, input.callId, chosen.id);
  return chosen;
}

/** The contact's WhatsApp conversation a new message belongs to: the unresolved one, the latest reopened, or a new one. */
async function openWhatsAppConversation(
  repo: ConversationsRepository,
  companyId: string,
  contactId: string,
  now: Date,
): Promise<VoicemailConversation> {
  const current = await repo.lockLatestConversationOfContact(companyId, contactId, 'whatsapp');
  if (current && (current.status === 'resolved' || current.status === 'snoozed')) {
    await repo.updateConversation(companyId, current.id, { ...reopenPatch(current), updatedAt: now });
    return { id: current.id, event: 'conversation.updated' };
  }
  if (current) return { id: current.id, event: undefined };
  const id = newId();
  await repo.insertConversation({
    id,
    companyId,
    contactId,
    channel: 'whatsapp',
    status: 'open',
    awaitingHuman: true,
    lastActivityAt: now,
    createdAt: now,
    updatedAt: now,
  });
  return { id, event: 'conversation.created' };
}

/**
 * Runs `attempt` again once when it lost the race to open the contact's conversation on a
 * channel (a WhatsApp message from them, or another node): the second finds the first's.
 */
export async function retryOnOpenConversationRace<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!isUniqueViolation(error, OPEN_CONVERSATION_KEY)) throw error;
    return attempt();
  }
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

  /**
   * Before the caller's recording starts: from here on the call's outcome line and its
   * voicemail share one conversation, whichever is written first.
   */
  async expect(call: { companyId: string; callId: string }): Promise<void> {
    await this.deps.repository.insertCallVoicemail({
      callId: call.callId,
      companyId: call.companyId,
      createdAt: this.deps.clock.now(),
    });
  }

  /** Undefined when this recording was stored before (a repeated RecordingFinished). */
  async receive(voicemail: Voicemail): Promise<StoredVoicemail | undefined> {
    const { companyId } = voicemail;
    const messageId = newId();
    // The file first: a message never points at audio that is not there.
    await this.deps.files.write(companyId, messageId, voicemail.audio);
    const outcome = await retryOnOpenConversationRace(() =>
      this.deps.repository.transaction((repo) => this.store(repo, voicemail, messageId)),
    );
    if (!outcome) {
      await this.deps.files.remove(companyId, messageId);
      return undefined;
    }
    const conversation = await this.deps.repository.findConversation(companyId, outcome.id, null);
    const message = await this.deps.repository.findMessage(companyId, messageId);
    if (conversation && message) {
      if (outcome.event) await this.deps.events.conversation(outcome.event, conversation);
      await this.deps.events.messageCreated(conversation, message);
    }
    this.deps.logger.info(
      {
        companyId,
        callId: voicemail.callId,
        conversationId: outcome.id,
        messageId,
        durationSeconds: voicemail.durationSeconds,
      },
      'voicemail stored',
    );
    return { conversationId: outcome.id, messageId };
  }

  /** The voice message in the conversation the call shares with it (see the module's comment). */
  private async store(
    repo: ConversationsRepository,
    voicemail: Voicemail,
    messageId: string,
  ): Promise<VoicemailConversation | undefined> {
    const { companyId, callId } = voicemail;
    const channelMessageId = `voicemail:${voicemail.recordingName}`;
    if (await repo.messageExists(companyId, channelMessageId)) return undefined;
    const now = this.deps.clock.now();
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
    // A call not marked before its recording (`expect` failed) is marked now: still shared.
    await repo.insertCallVoicemail({ callId, companyId, createdAt: now });
    const shared = await claimVoicemailConversation(repo, { companyId, callId, contactId: contact.id, now });
    if (!shared) throw new Error('call_voicemails row missing after its insert');
    const event = shared.event ?? (await this.reopenIfClosed(repo, companyId, shared.id, now));
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
    await repo.insertMessage({
      id: messageId,
      companyId,
      conversationId: shared.id,
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
    await repo.updateConversation(companyId, shared.id, {
      lastMessageAt: now,
      lastMessagePreview: previewOf(null, media),
      lastActivityAt: now,
      updatedAt: now,
    });
    return { id: shared.id, event };
  }

  /** The call's end chose the conversation and an agent closed it since: the caller's message opens it again. */
  private async reopenIfClosed(
    repo: ConversationsRepository,
    companyId: string,
    conversationId: string,
    now: Date,
  ): Promise<VoicemailConversation['event']> {
    const current = await repo.lockConversation(companyId, conversationId);
    if (!current || (current.status !== 'resolved' && current.status !== 'snoozed')) return undefined;
    await repo.updateConversation(companyId, conversationId, { ...reopenPatch(current), updatedAt: now });
    return 'conversation.updated';
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
