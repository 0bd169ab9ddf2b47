/**
 * The conversations the contacts module writes into (a call's voice conversation, the one a
 * call sent to voicemail shares with its voicemail, and the outcome line), through the
 * conversations module's repository and events, so a line a call leaves reaches the
 * console like any message.
 */
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/driver-results.js';
import type { Clock } from '../../shared/clock.js';
import type { EventPublisher } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import {
  claimVoicemailConversation,
  ConversationEvents,
  ConversationsRepository,
  retryOnOpenConversationRace,
} from '../conversations/index.js';
import type { ConversationsGateway } from './contacts.ports.js';

interface OpenOutcome {
  id: string;
  event: 'conversation.created' | 'conversation.updated' | undefined;
}

export function createConversationsGateway(deps: {
  db: Db;
  publisher: EventPublisher;
  clock: Clock;
}): ConversationsGateway {
  const events = new ConversationEvents(deps.publisher);
  const repository = new ConversationsRepository(deps.db);
  /** The contact's voice conversation: found, reopened or created, decided under its lock. */
  function openOrReopen(companyId: string, contactId: string): Promise<OpenOutcome> {
    const now = deps.clock.now();
    return repository.transaction(async (repo) => {
      const current = await repo.lockLatestConversationOfContact(companyId, contactId, 'voice');
      if (current && current.status !== 'resolved' && current.status !== 'snoozed') {
        return { id: current.id, event: undefined };
      }
      if (current) {
        await repo.updateConversation(companyId, current.id, {
          status: 'open',
          snoozedUntil: null,
          resolvedAt: null,
          resolvedBy: null,
          awaitingHuman: current.assigneeId === null,
          lastActivityAt: now,
          updatedAt: now,
        });
        return { id: current.id, event: 'conversation.updated' as const };
      }
      const id = newId();
      await repo.insertConversation({
        id,
        companyId,
        contactId,
        channel: 'voice',
        status: 'open',
        lastActivityAt: now,
        createdAt: now,
        updatedAt: now,
      });
      return { id, event: 'conversation.created' as const };
    });
  }

  return {
    async voicemailConversation(companyId, callId, contactId) {
      // Most calls were not sent to voicemail: one read, no transaction. A call that was is
      // marked before its recording starts, so before its end (module comment of
      // conversations.voicemail.ts).
      const marked = await repository.findCallVoicemail(companyId, callId);
      if (!marked) return undefined;
      if (marked.conversationId) return marked.conversationId;
      const now = deps.clock.now();
      const shared = await retryOnOpenConversationRace(() =>
        repository.transaction((repo) => claimVoicemailConversation(repo, { companyId, callId, contactId, now })),
      );
      if (shared?.event) {
        const conversation = await repository.findConversation(companyId, shared.id, null);
        if (conversation) await events.conversation(shared.event, conversation);
      }
      return shared?.id;
    },

    async openVoiceConversation(companyId, contactId) {
      let outcome: OpenOutcome;
      try {
        outcome = await openOrReopen(companyId, contactId);
      } catch (error) {
        // Another node handling the same call's event created it first: now there is one to find.
        if (!isUniqueViolation(error, 'conversations_open_contact_channel_key')) throw error;
        outcome = await openOrReopen(companyId, contactId);
      }
      if (outcome.event) {
        const conversation = await repository.findConversation(companyId, outcome.id, null);
        if (conversation) await events.conversation(outcome.event, conversation);
      }
      return outcome.id;
    },

    async writeSystemLine(companyId, conversationId, text, metadata) {
      const now = deps.clock.now();
      const messageId = newId();
      await repository.transaction(async (repo) => {
        await repo.insertMessage({
          id: messageId,
          companyId,
          conversationId,
          direction: 'internal',
          authorType: 'system',
          type: 'system',
          body: text,
          metadata,
          createdAt: now,
          updatedAt: now,
        });
        await repo.updateConversation(companyId, conversationId, {
          lastMessageAt: now,
          lastMessagePreview: text.slice(0, 200),
          lastActivityAt: now,
          updatedAt: now,
        });
      });
      const conversation = await repository.findConversation(companyId, conversationId, null);
      const message = await repository.findMessage(companyId, messageId);
      if (conversation && message) await events.messageCreated(conversation, message);
    },
  };
}
