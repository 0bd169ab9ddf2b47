/**
 * Calls find their contact and conversation (issue 13). Listens to the calls module's
 * events instead of reaching into call control: the first event of a call links it to the
 * contact of the other party's number (found or created); once answered or ended it joins a
 * conversation (the one it was placed from, else the contact's open one, else the contact's
 * `voice` conversation, opened or reopened), and its end writes the outcome there once,
 * whichever node sees the event first (`outcome_written_at`, decided in PostgreSQL).
 * A call whose caller was sent to leave a voicemail ends in the conversation it shares with
 * the voicemail instead (the contact's WhatsApp one, chosen under the call's
 * `call_voicemails` lock by whichever of the two is written first: the voicemail's storage
 * and the call's end are separate events, on any node, in any order; ADR 21's amendment).
 * Offers and ringing calls get the contact's summary (screen pop); intercom calls are put
 * on their unit's residents.
 */
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  calls as callsTable,
  contactCallLinks,
  conversations,
  messages,
  voicebotCalls,
  voicebotResidents,
} from '../../db/schema/index.js';
import type { Clock } from '../../shared/clock.js';
import type { EventPublisher, PublishedEvent } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { callOutcomeText } from './contacts.js';
import { toE164Reported } from './contacts.identities.js';
import { appendContactCreated } from './contacts.events.js';
import { ContactsRepository, type ContactRow } from './contacts.repository.js';
import type { ContactsService, ContactSummary } from './contacts.service.js';
import type { ConversationsGateway } from './contacts.ports.js';

const CALL_EVENTS = new Set(['call.initiated', 'call.ringing', 'call.answered', 'call.ended', 'call.transferred']);
const ENDED = new Set(['completed', 'failed', 'busy', 'no_answer', 'canceled', 'transferred']);

interface CallData {
  id: string;
  direction: 'inbound' | 'outbound' | 'internal';
  status: string;
  from_number: string;
  to_number: string;
  agent_id: string | null;
  answered_at: string | null;
  ended_at: string | null;
  billable_seconds: number | null;
}

function isCallData(data: Record<string, unknown>): data is Record<string, unknown> & CallData {
  return typeof data.id === 'string' && typeof data.direction === 'string' && typeof data.status === 'string';
}

export interface CallContactsDeps {
  db: Db;
  service: ContactsService;
  conversations: ConversationsGateway;
  publisher: EventPublisher;
  clock: Clock;
  logger: Logger;
}

export class CallContacts {
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly deps: CallContactsDeps) {}

  /** Events are handled one at a time, in order, off the publisher's path. */
  observe(event: PublishedEvent): void {
    const handler = this.handlerFor(event);
    if (!handler) return;
    this.pending = this.pending
      .then(handler)
      .catch((error: unknown) =>
        this.deps.logger.error({ err: error, event: event.name }, 'call not linked to its contact'),
      );
  }

  /** Resolves once every event seen so far is handled (tests, shutdown). */
  settled(): Promise<void> {
    return this.pending;
  }

  private handlerFor(event: PublishedEvent): (() => Promise<void>) | undefined {
    const data = event.data;
    if (CALL_EVENTS.has(event.name) && isCallData(data)) {
      return async () => {
        await this.onCall(event.companyId, data);
        if (event.name === 'call.ringing' && data.direction === 'inbound' && data.agent_id) {
          await this.screenPop(event.companyId, data.id, data.agent_id, null);
        }
      };
    }
    if (event.name === 'offer.created' && typeof data.call_id === 'string' && typeof data.agent_id === 'string') {
      const callId = data.call_id;
      const agentId = data.agent_id;
      const offerId = typeof data.id === 'string' ? data.id : null;
      return () => this.screenPop(event.companyId, callId, agentId, offerId);
    }
    if (event.name === 'intercom_call.ended' && typeof data.call_id === 'string') {
      const callId = data.call_id;
      return () => this.onIntercomCall(event.companyId, callId);
    }
    return undefined;
  }

  private async onCall(companyId: string, call: CallData): Promise<void> {
    if (call.direction === 'internal') return;
    const link = await this.linkCall(companyId, call);
    if (!link) return;
    const isEnded = ENDED.has(call.status);
    if (call.status !== 'in_progress' && !isEnded) return;
    const conversationId =
      (isEnded ? await this.voicemailConversation(companyId, link.contactId, call) : undefined) ??
      link.conversationId ??
      (await this.joinConversation(companyId, link.contactId, call));
    if (isEnded) await this.writeOutcome(companyId, link.id, conversationId, call);
  }

  /** An inbound call sent to voicemail: the conversation its voicemail is (or will be) in, now also its link's. */
  private async voicemailConversation(companyId: string, contactId: string, call: CallData) {
    if (call.direction !== 'inbound') return undefined;
    const conversationId = await this.deps.conversations.voicemailConversation(companyId, call.id, contactId);
    if (!conversationId) return undefined;
    await this.deps.db
      .update(contactCallLinks)
      .set({ conversationId })
      .where(and(eq(contactCallLinks.companyId, companyId), eq(contactCallLinks.callId, call.id)));
    return conversationId;
  }

  /** The call's link to the contact of the other party's number, made once. */
  private async linkCall(companyId: string, call: CallData) {
    const existing = await this.findCallLink(companyId, call.id);
    if (existing) return existing;
    const { country } = await new ContactsRepository(this.deps.db).settingsOf(companyId);
    const number = call.direction === 'inbound' ? call.from_number : call.to_number;
    const phone = toE164Reported(number, country);
    if (!phone) return undefined;
    const contact = await this.findOrCreateByPhone(companyId, phone, null);
    await this.deps.db
      .insert(contactCallLinks)
      .values({
        id: newId(),
        companyId,
        contactId: contact.id,
        callId: call.id,
        role: 'customer',
        createdAt: this.deps.clock.now(),
      })
      .onConflictDoNothing();
    return this.findCallLink(companyId, call.id);
  }

  private async findCallLink(companyId: string, callId: string) {
    const [link] = await this.deps.db
      .select()
      .from(contactCallLinks)
      .where(and(eq(contactCallLinks.companyId, companyId), eq(contactCallLinks.callId, callId)))
      .orderBy(contactCallLinks.createdAt)
      .limit(1);
    return link;
  }

  /** The contact a number belongs to (its phone, or its WhatsApp id), created when there is none. */
  async findOrCreateByPhone(companyId: string, phone: string, name: string | null): Promise<ContactRow> {
    const repo = new ContactsRepository(this.deps.db);
    const found =
      (await repo.findByIdentity(companyId, { kind: 'phone', value: phone })) ??
      (await repo.findByIdentity(companyId, { kind: 'whatsapp', value: phone.replace(/^\+/, '') }));
    if (found) return found;
    const now = this.deps.clock.now();
    try {
      return await repo.transaction(async (tx) => {
        const row = await tx.insert({ id: newId(), companyId, name, phone, createdAt: now, updatedAt: now });
        await appendContactCreated(tx.db, companyId, row.id, now);
        return row;
      });
    } catch (error) {
      // Another node created it first (contacts_company_phone_key): take theirs.
      const raced = await repo.findByIdentity(companyId, { kind: 'phone', value: phone });
      if (raced) return raced;
      throw error;
    }
  }

  /**
   * Placed from a conversation (its "call" system message names the call) → that one; the
   * contact's open conversation → it; otherwise the contact's voice conversation.
   */
  private async joinConversation(companyId: string, contactId: string, call: CallData): Promise<string> {
    const db = this.deps.db;
    const [placedFrom] = await db
      .select({ id: messages.conversationId })
      .from(messages)
      .where(and(eq(messages.companyId, companyId), sql`${messages.metadata}->>'call_id' = ${call.id}`))
      .limit(1);
    const [open] = placedFrom
      ? [placedFrom]
      : await db
          .select({ id: conversations.id })
          .from(conversations)
          .where(
            and(
              eq(conversations.companyId, companyId),
              eq(conversations.contactId, contactId),
              sql`${conversations.status} <> 'resolved'`,
            ),
          )
          .orderBy(desc(conversations.lastActivityAt))
          .limit(1);
    const conversationId = open?.id ?? (await this.deps.conversations.openVoiceConversation(companyId, contactId));
    await db
      .update(contactCallLinks)
      .set({ conversationId })
      .where(
        and(
          eq(contactCallLinks.companyId, companyId),
          eq(contactCallLinks.callId, call.id),
          isNull(contactCallLinks.conversationId),
        ),
      );
    const [link] = await db
      .select({ conversationId: contactCallLinks.conversationId })
      .from(contactCallLinks)
      .where(and(eq(contactCallLinks.companyId, companyId), eq(contactCallLinks.callId, call.id)))
      .limit(1);
    return link?.conversationId ?? conversationId;
  }

  private async writeOutcome(companyId: string, linkId: string, conversationId: string, call: CallData): Promise<void> {
    const now = this.deps.clock.now();
    const [claimed] = await this.deps.db
      .update(contactCallLinks)
      .set({ outcomeWrittenAt: now })
      .where(and(eq(contactCallLinks.id, linkId), isNull(contactCallLinks.outcomeWrittenAt)))
      .returning({ id: contactCallLinks.id });
    if (!claimed) return;
    const [row] = await this.deps.db
      .select({ agentName: sql<string | null>`(select name from users where id = ${callsTable.agentId})` })
      .from(callsTable)
      .where(and(eq(callsTable.companyId, companyId), eq(callsTable.id, call.id)));
    const { language } = await new ContactsRepository(this.deps.db).settingsOf(companyId);
    const talkSeconds =
      call.billable_seconds ??
      (call.answered_at && call.ended_at
        ? Math.round((Date.parse(call.ended_at) - Date.parse(call.answered_at)) / 1000)
        : null);
    const text = callOutcomeText(
      {
        direction: call.direction,
        status: call.status,
        agentName: row?.agentName ?? null,
        talkSeconds: call.answered_at ? talkSeconds : null,
        number: call.direction === 'inbound' ? call.from_number : call.to_number,
      },
      language,
    );
    await this.deps.conversations.writeSystemLine(companyId, conversationId, text, {
      event: 'call_outcome',
      call_id: call.id,
      status: call.status,
      talk_seconds: call.answered_at ? talkSeconds : null,
    });
  }

  private async screenPop(companyId: string, callId: string, agentId: string, offerId: string | null): Promise<void> {
    const [call] = await this.deps.db
      .select()
      .from(callsTable)
      .where(and(eq(callsTable.companyId, companyId), eq(callsTable.id, callId)));
    if (!call) return;
    const link = await this.linkCall(companyId, {
      id: call.id,
      direction: call.direction,
      status: call.status,
      from_number: call.fromNumber,
      to_number: call.toNumber,
      agent_id: call.agentId,
      answered_at: null,
      ended_at: null,
      billable_seconds: null,
    });
    if (!link) return;
    const summary = await this.deps.service.summaryOf(companyId, link.contactId);
    if (!summary) return;
    await this.deps.publisher.publish({
      name: 'call.contact_identified',
      companyId,
      audience: { userIds: [agentId], callId },
      data: { call_id: callId, offer_id: offerId, contact: toSummaryDto(summary) },
    });
  }

  /** The intercom call on its unit's residents' contacts, and its transcript in a conversation. */
  private async onIntercomCall(companyId: string, voicebotCallId: string): Promise<void> {
    const db = this.deps.db;
    const [call] = await db
      .select()
      .from(voicebotCalls)
      .where(and(eq(voicebotCalls.companyId, companyId), eq(voicebotCalls.id, voicebotCallId)));
    if (!call?.unitId) return;
    const residents = await db
      .select()
      .from(voicebotResidents)
      .where(and(eq(voicebotResidents.companyId, companyId), eq(voicebotResidents.unitId, call.unitId)))
      .orderBy(voicebotResidents.priority);
    const { country } = await new ContactsRepository(db).settingsOf(companyId);
    const linked: { contactId: string; residentId: string }[] = [];
    for (const resident of residents) {
      const phone = resident.phone ? toE164Reported(resident.phone, country) : undefined;
      if (!phone) continue;
      const contact = await this.findOrCreateByPhone(companyId, phone, resident.name);
      linked.push({ contactId: contact.id, residentId: resident.id });
    }
    const main = linked.find((l) => l.residentId === call.residentId) ?? linked[0];
    if (!main) return;
    const [existing] = await db
      .select()
      .from(contactCallLinks)
      .where(and(eq(contactCallLinks.companyId, companyId), eq(contactCallLinks.voicebotCallId, voicebotCallId)))
      .limit(1);
    if (existing) return;
    const conversationId = await this.deps.conversations.openVoiceConversation(companyId, main.contactId);
    const now = this.deps.clock.now();
    const inserted = await db
      .insert(contactCallLinks)
      .values(
        linked.map((l) => ({
          id: newId(),
          companyId,
          contactId: l.contactId,
          conversationId: l.contactId === main.contactId ? conversationId : null,
          voicebotCallId,
          role: 'resident',
          outcomeWrittenAt: l.contactId === main.contactId ? now : null,
          createdAt: now,
        })),
      )
      .onConflictDoNothing()
      .returning({ contactId: contactCallLinks.contactId });
    if (!inserted.some((r) => r.contactId === main.contactId)) return;
    const transcript = await db.execute(sql`
      select who, text from voicebot_transcript_lines where company_id = ${companyId} and call_id = ${voicebotCallId}
      order by seq`);
    const lines = (Array.isArray(transcript) ? transcript : (transcript as { rows: unknown[] }).rows) as {
      who: string;
      text: string;
    }[];
    const { language } = await new ContactsRepository(db).settingsOf(companyId);
    const pt = language.startsWith('pt');
    const heading = pt
      ? `Interfone · unidade ${call.unitNumber ?? '?'} · ${call.outcome ?? call.status}`
      : `Intercom · unit ${call.unitNumber ?? '?'} · ${call.outcome ?? call.status}`;
    const body = [heading, ...lines.map((l) => `${l.who}: ${l.text}`)].join('\n').slice(0, 4000);
    await this.deps.conversations.writeSystemLine(companyId, conversationId, body, {
      event: 'intercom_call',
      voicebot_call_id: voicebotCallId,
      outcome: call.outcome,
    });
  }
}

export function toSummaryDto(summary: ContactSummary) {
  return {
    contact_id: summary.contactId,
    name: summary.name,
    phone: summary.phone,
    labels: summary.labels,
    open_conversation_id: summary.openConversationId,
    recent_conversations: summary.recentConversations.map((c) => ({
      conversation_id: c.id,
      channel: c.channel,
      status: c.status,
      last_message_preview: c.lastMessagePreview,
      last_activity_at: c.lastActivityAt.toISOString(),
    })),
  };
}
